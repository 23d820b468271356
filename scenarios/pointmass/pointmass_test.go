package pointmass

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/scenariotest"
	"github.com/barriergym/barriergym/train"
)

func task(t *testing.T) env.Task {
	t.Helper()
	cfg, err := configs.Load(Name)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := cfg.Task()
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestConformance runs the contract's generic checks.
func TestConformance(t *testing.T) { scenariotest.Conformance(t, task(t), 10) }

// TestLieDerivatives checks the rows' L_f b, L_f²b and L_gL_f b against
// finite differences along simulated trajectories, from random positions
// and velocities.
func TestLieDerivatives(t *testing.T) {
	s := Defaults()
	s.Dt, s.Horizon = 1e-4, env.MaxHorizon
	tk, err := Scenario.Task(&s)
	if err != nil {
		t.Fatal(err)
	}
	scenariotest.LieDerivatives(t, tk, func(e env.Env, rng *rand.Rand) {
		p := e.(*Env)
		p.Reset(rng.Uint64())
		p.s[2], p.s[3] = 2*rng.NormFloat64(), 2*rng.NormFloat64()
	}, 3000, 1e-5)
}

// TestExpert: the nominal controller behind the CBF-QP filter never
// collides over 200 seeded episodes and reaches the goal in ≥ 95 %; the
// nominal controller alone collides.
func TestExpert(t *testing.T) {
	cfg, _ := configs.Load(Name)
	tk, _ := cfg.Task()
	for _, policy := range []string{"expert", "nominal"} {
		eps, err := eval.Run(cfg, func() (control.Controller, error) { return eval.NewController(cfg, policy) }, eval.Seeds(0, 200), eval.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := eval.Summarize(policy, tk.Spec(), 0, eps)
		t.Logf("%s: success %.1f %%, collided %.1f %%, min barrier %.4f", policy, 100*s.SuccessRate, 100*s.CollisionRate, s.MinBarrier)
		switch {
		case policy == "expert" && (s.CollisionRate != 0 || s.SuccessRate < 0.95):
			t.Errorf("expert: %+v", s)
		case policy == "nominal" && s.CollisionRate == 0:
			t.Error("the nominal controller never collided: the test does not see collisions")
		}
		if len(s.Extra) != 2 || s.Extra[0].Name != "mean_path_length" || !(s.Extra[0].Value > 3) || !(s.Extra[1].Value > 0.5) {
			t.Errorf("scenario metrics %+v", s.Extra)
		}
	}
}

func TestParseStart(t *testing.T) {
	tk := task(t)
	s, err := tk.ParseStart([]byte(`{"start":[1,1],"goal":[9,9],"obstacles":[[5,5]]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := tk.NewEnv()
	if _, err := s.Reset(e); err != nil || e.State()[0] != 1 || e.GoalError() != math.Hypot(8, 8) {
		t.Errorf("reset to %v, goal error %v, %v", e.State(), e.GoalError(), err)
	}
	for _, bad := range []string{`{"start":[1],"goal":[9,9]}`, `{"start":[1,1],"goal":[9,9],"obstacles":[[5]]}`, `{"start":[1,1],"goal":[9,9],"x":1}`} {
		if _, err := tk.ParseStart([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	} // Lines that parse but make no physical sense, refused saying why.
	for _, c := range []struct{ line, want string }{
		{`{"start":[5,5.5],"goal":[9,9],"obstacles":[[5,5]]}`, "overlaps obstacle 0"},
		{`{"start":[1,1],"goal":[12,9]}`, "goal [12 9] lies outside the arena"},
		{`{"start":[1,1],"goal":[1,1]}`, "within the goal radius"},
	} {
		if _, err := tk.ParseStart([]byte(c.line)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.line, err, c.want)
		}
	}
}

// TestImitation: a short run of the example's imitation config trains,
// its loss falls, and its policy does not collide.
func TestImitation(t *testing.T) {
	cfg, err := configs.Load("pointmass-barriernet")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Train.Episodes, cfg.Train.Epochs, cfg.Train.EvalEvery, cfg.Eval.Episodes = 40, 3, 0, 20
	dir := filepath.Join(t.TempDir(), "run")
	res, err := train.Imitation(context.Background(), cfg, train.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := train.ReadMetrics(dir)
	if len(rows) != 3 || !(rows[2].ValLoss < rows[0].ValLoss) {
		t.Errorf("validation loss did not fall: %+v", rows)
	}
	if res.Final.CollisionRate != 0 {
		t.Errorf("the trained policy collided: %+v", res.Final)
	}
}
