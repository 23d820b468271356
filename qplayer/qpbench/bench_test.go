package qpbench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/barriergym/barriergym/qplayer"
)

// BenchmarkSolve: one core, µs per QP = ns/op ÷ batch ÷ 1000.
func BenchmarkSolve(b *testing.B) {
	for _, s := range Sizes {
		for _, batch := range Batches {
			for _, shared := range []bool{false, true} {
				q := "Qbatched"
				if shared {
					q = "Qshared"
				}
				b.Run(fmt.Sprintf("n=%d/m=%d/batch=%d/%s/forward", s.N, s.M, batch, q), Solver(Random, s, batch, 1, shared, false))
				b.Run(fmt.Sprintf("n=%d/m=%d/batch=%d/%s/backward", s.N, s.M, batch, q), Solver(Random, s, batch, 1, shared, true))
			}
		}
	}
}

// BenchmarkSafetyLayer: n=2, m=5 safety-layer problems, one core.
func BenchmarkSafetyLayer(b *testing.B) {
	for _, batch := range Batches {
		for _, shared := range []bool{true, false} {
			q := "Qbatched"
			if shared {
				q = "Qshared"
			}
			s := Size{2, 5}
			b.Run(fmt.Sprintf("batch=%d/%s/forward", batch, q), Solver(SafetyLayer, s, batch, 1, shared, false))
			b.Run(fmt.Sprintf("batch=%d/%s/backward", batch, q), Solver(SafetyLayer, s, batch, 1, shared, true))
		}
	}
}

// BenchmarkOp: the Gorgonia op in a TapeMachine, one core, n=2, m=5.
func BenchmarkOp(b *testing.B) {
	for _, batch := range []int{64, 1024} {
		b.Run(fmt.Sprintf("batch=%d/forward", batch), Op(Size{2, 5}, batch, 1, false))
		b.Run(fmt.Sprintf("batch=%d/backward", batch), Op(Size{2, 5}, batch, 1, true))
	}
}

// TestProblemsAreWhatTheySay keeps the benchmark honest: both classes are
// feasible with Q batched and shared, random problems mostly have active
// rows, and safety-layer problems mostly none or one, a few two.
func TestProblemsAreWhatTheySay(t *testing.T) {
	solver, err := qplayer.NewSolver(qplayer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		class   Problems
		size    Size
		atLeast [3]float64 // fractions with 0, 1, 2 active rows
	}{
		{Random, Size{2, 5}, [3]float64{0, 0.3, 0.2}},
		{Random, Size{10, 20}, [3]float64{0, 0, 0}},
		{SafetyLayer, Size{2, 5}, [3]float64{0.4, 0.2, 0.02}},
	} {
		data := RandomBatch(rand.New(rand.NewPCG(3, 4)), 2000, c.size.N, c.size.M)
		if c.class == SafetyLayer {
			if data, err = SafetyBatch(rand.New(rand.NewPCG(3, 4)), 2000, c.size.M); err != nil {
				t.Fatal(err)
			}
		}
		shared, err := shareQ(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range []*qplayer.Batch{data, shared} {
			var res qplayer.Result
			if err := solver.Solve(b, &res); err != nil {
				t.Fatal(err)
			}
			if n := res.Counts()[qplayer.Optimal]; n != b.Size {
				t.Fatalf("%v %v: %d of %d optimal: %v", c.class, c.size, n, b.Size, res.Counts())
			}
			var active [3]float64
			for i := 0; i < b.Size; i++ {
				active[min(len(res.ActiveSet(i)), 2)] += 1 / float64(b.Size)
			}
			t.Logf("%v %v: active fractions %.2f", c.class, c.size, active)
			for k, f := range c.atLeast {
				if active[k] < f {
					t.Errorf("%v %v: %.2f of elements with %d active rows, want ≥ %.2f (all: %.2f)", c.class, c.size, active[k], k, f, active)
				}
			}
		}
	}
	if _, err := SafetyBatch(rand.New(rand.NewPCG(1, 1)), 1, 3); err == nil {
		t.Error("safety-layer problems with m = 3 accepted")
	}
}
