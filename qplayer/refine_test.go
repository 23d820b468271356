package qplayer

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRefinementRepairsRegularization: regularized by 1e-2, the dual method
// solves a problem that is not the one given, and its answers fail the KKT
// check. Refinement on the working set recovers the answer of the problem
// given wherever the working set is still the optimal one: every element
// reported optimal matches the brute-force answer of the unregularized
// problem to 1e-9, in hard and elastic mode, and most are optimal; the
// rest are inaccurate, never wrong.
func TestRefinementRepairsRegularization(t *testing.T) {
	for _, elastic := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(21, 5))
		s, err := NewSolver(Options{Regularize: 1e-2, Elastic: elastic, Rho: 1e6})
		if err != nil {
			t.Fatal(err)
		}
		var r Result
		optimal, inaccurate := 0, 0
		const count = 300
		for trial := 0; trial < count; trial++ {
			n, m := 2+rng.IntN(5), rng.IntN(10)
			k := 0
			if rng.IntN(3) == 0 {
				k = 1
			}
			e := randomQP(rng, n, m, k)
			if err := s.Solve(batchOf(e), &r); err != nil {
				t.Fatal(err)
			}
			zRef, _, _, ok := bruteForce(e)
			if !ok {
				t.Fatalf("trial %d: no reference", trial)
			}
			switch r.Status[0] {
			case Optimal:
				optimal++
				for a := range zRef {
					if math.Abs(r.Z[a]-zRef[a]) > 1e-9*(1+math.Abs(zRef[a])) {
						t.Fatalf("elastic %v, trial %d (n=%d m=%d k=%d): optimal z = %v, reference %v", elastic, trial, n, m, k, r.Z[:n], zRef)
					}
				}
			case Inaccurate:
				inaccurate++
			default:
				t.Fatalf("elastic %v, trial %d: status %v", elastic, trial, r.Status[0])
			}
		}
		if optimal < count*9/10 {
			t.Errorf("elastic %v: only %d of %d refined to optimal (%d inaccurate)", elastic, optimal, count, inaccurate)
		}
		t.Logf("elastic %v: %d optimal, %d inaccurate", elastic, optimal, inaccurate)
	}
}

// TestRefinementKeepsWrongSetsOut: when the regularization changes the
// active set, refinement on it cannot give the answer, and the element
// must be inaccurate. Q = diag(1, 1e-3), p = (0, −2e-3): the optimum
// (0, 2) leaves the row z₂ ≥ 1 inactive. Regularized by 1, the minimiser
// moves to z₂ ≈ 0.002 and the row enters the working set; on that set the
// problem given has the multiplier −1e-3 < 0, which refinement refuses.
func TestRefinementKeepsWrongSetsOut(t *testing.T) {
	e := elem{n: 2, m: 1, Q: []float64{1, 0, 0, 1e-3}, p: []float64{0, -2e-3},
		G: []float64{0, -1}, h: []float64{-1}}
	s, _ := NewSolver(Options{Regularize: 1})
	var r Result
	if err := s.Solve(batchOf(e), &r); err != nil {
		t.Fatal(err)
	}
	if r.Status[0] != Inaccurate {
		t.Fatalf("status %v, z = %v: want inaccurate (the true z is (0, 2))", r.Status[0], r.Z)
	}
}
