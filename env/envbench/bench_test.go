package envbench

import (
	"testing"

	"github.com/barriergym/barriergym/configs"
)

func load(b *testing.B, name string) *configs.Config {
	c, err := configs.Load(name)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkRobot2DStep(b *testing.B)       { Single(load(b, "robot2d"), false)(b) }
func BenchmarkRobot2DExpertStep(b *testing.B) { Single(load(b, "robot2d"), true)(b) }
func BenchmarkNavStep(b *testing.B)           { Single(load(b, "nav"), false)(b) }
func BenchmarkNavExpertStep(b *testing.B)     { Single(load(b, "nav"), true)(b) }
func BenchmarkNavVec256(b *testing.B)         { Vectorized(load(b, "nav"), 256)(b) }

// TestMeasuresAreSane runs two of the benchmarks briefly: they step, and
// the expert evaluation reports a positive rate.
func TestMeasuresAreSane(t *testing.T) {
	nav, err := configs.Load("nav")
	if err != nil {
		t.Fatal(err)
	}
	rate, err := ExpertEval(nav, 4)
	if err != nil || rate <= 0 {
		t.Fatalf("expert eval rate %v, %v", rate, err)
	}
	r := testing.Benchmark(Single(nav, true))
	if r.N == 0 || r.NsPerOp() <= 0 {
		t.Fatalf("benchmark result %+v", r)
	}
}
