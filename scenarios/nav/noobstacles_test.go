package nav

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/train"
)

// TestWithoutObstacles: a config that validates trains, evaluates and
// plots, even where there is no barrier to measure. nav with obstacles: 0
// has none; its minimum barrier is +Inf, written as null in eval.json and
// left out of curves.png, for imitation and for PPO.
func TestWithoutObstacles(t *testing.T) {
	for _, c := range []struct{ name, yaml string }{
		{"imitation", "policy:\n  head: barriernet\ntrain:\n  episodes: 10\n  epochs: 2\n  eval_every: 1\n  eval_episodes: 2\neval:\n  episodes: 3\n"},
		{"ppo", "policy:\n  head: barriernet\ntrain:\n  algorithm: ppo\n  eval_episodes: 2\n  ppo:\n    num_envs: 4\n    steps: 64\n    total_steps: 512\n    minibatch: 64\neval:\n  episodes: 3\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := configs.Parse("empty.yaml", []byte("name: empty\nenv:\n  scenario: nav\n  nav:\n    obstacles: 0\n"+c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			run := train.Imitation
			if cfg.Train.Algorithm == "ppo" {
				run = train.PPO
			}
			dir := filepath.Join(t.TempDir(), "run")
			if _, err := run(context.Background(), cfg, train.Options{Dir: dir}); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{train.CurvesFile, train.MetricsFile} {
				if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
					t.Errorf("%s: %v", f, err)
				}
			}
			data, err := os.ReadFile(filepath.Join(dir, train.EvalFile))
			if err != nil {
				t.Fatal(err)
			}
			var raw map[string]any
			var sum eval.Summary
			if err := json.Unmarshal(data, &raw); err != nil || json.Unmarshal(data, &sum) != nil {
				t.Fatalf("eval.json is not valid JSON (%v):\n%s", err, data)
			}
			if v, ok := raw["min_barrier"]; !ok || v != nil || !math.IsInf(sum.MinBarrier, 1) || sum.CollisionRate != 0 {
				t.Errorf("min_barrier %v read as %v, collision rate %v; want null, +Inf, 0", v, sum.MinBarrier, sum.CollisionRate)
			}
		})
	}
}
