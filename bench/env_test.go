package bench

import (
	"fmt"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
	_ "github.com/barriergym/barriergym/scenarios"
)

// BenchmarkEnv runs the single-environment and vectorized benchmarks of
// every registered scenario: go test -bench . ./bench
func BenchmarkEnv(b *testing.B) {
	for _, name := range env.Names() {
		cfg, err := configs.Default(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/step", Single(cfg, false))
		b.Run(name+"/expert", Single(cfg, true))
		b.Run(name+"/vec256", Vectorized(cfg, 256))
	}
}

// TestMeasuresAreSane runs every scenario's expert briefly: the benchmarks
// step, and the expert evaluation reports a positive rate.
func TestMeasuresAreSane(t *testing.T) {
	for _, name := range env.Names() {
		cfg, err := configs.Default(name)
		if err != nil {
			t.Fatal(err)
		}
		rate, err := ExpertEval(cfg, 4)
		if err != nil || rate <= 0 {
			t.Fatalf("%s: expert eval rate %v, %v", name, rate, err)
		}
	}
}

// BenchmarkLearn times one learner step of the PPO and imitation networks
// and their MLP twins: go test -bench Learn -cpu 1 ./bench
func BenchmarkLearn(b *testing.B) {
	for _, name := range []string{"nav-ppo", "nav-ppo-mlp", "robot2d-barriernet", "robot2d-mlp"} {
		cfg, err := configs.Load(name)
		if err != nil {
			b.Fatal(err)
		}
		for _, batch := range []int{64, 512} {
			b.Run(fmt.Sprintf("%s/%d", name, batch), LearnerStep(cfg, batch))
		}
	}
}
