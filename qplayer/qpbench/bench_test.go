package qpbench

import (
	"fmt"
	"testing"
)

// BenchmarkSolve: one core, µs per QP = ns/op ÷ batch ÷ 1000.
func BenchmarkSolve(b *testing.B) {
	for _, s := range Sizes {
		for _, batch := range Batches {
			b.Run(fmt.Sprintf("n=%d/m=%d/batch=%d/forward", s.N, s.M, batch), Solver(s, batch, 1, false))
			b.Run(fmt.Sprintf("n=%d/m=%d/batch=%d/backward", s.N, s.M, batch), Solver(s, batch, 1, true))
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

// TestRandomBatchIsSolvable keeps the benchmark honest: its problems are
// feasible and have active constraints.
func TestRandomBatchIsSolvable(t *testing.T) {
	for _, s := range Sizes {
		r := Measure([]Size{s}, []int{64}, 1, nil)
		if len(r) != 1 || r[0].FwdUS <= 0 {
			t.Fatalf("measure %v: %+v", s, r)
		}
	}
}
