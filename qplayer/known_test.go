package qplayer

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*(1+math.Abs(b)) }

// The example of dQP's README: Q = 2I, p = 0, G = [[−1,−1],[−1,0],[0,−1]],
// h = (−1,0,0) ⇒ z* = (½,½), λ* = (1,0,0).
func TestKnownAnswer(t *testing.T) {
	for _, elastic := range []bool{false, true} {
		b := &Batch{Size: 1, N: 2, M: 3,
			Q: []float64{2, 0, 0, 2}, P: []float64{0, 0},
			G: []float64{-1, -1, -1, 0, 0, -1}, H: []float64{-1, 0, 0}}
		s, err := NewSolver(Options{Elastic: elastic})
		if err != nil {
			t.Fatal(err)
		}
		var r Result
		if err := s.Solve(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Status[0] != Optimal {
			t.Fatalf("elastic=%v: status %v", elastic, r.Status[0])
		}
		want := []float64{0.5, 0.5}
		for i := range want {
			if !near(r.Z[i], want[i], 1e-12) {
				t.Errorf("elastic=%v: z = %v, want %v", elastic, r.Z, want)
			}
		}
		for i, l := range []float64{1, 0, 0} {
			if !near(r.Lambda[i], l, 1e-12) {
				t.Errorf("elastic=%v: λ = %v", elastic, r.Lambda)
			}
		}
		// ℓ = ½zᵀQz + pᵀz: dℓ/dz = Qz + p; add the explicit parts to get totals.
		dz := []float64{2 * r.Z[0], 2 * r.Z[1]}
		var g Grad
		if err := s.Backward(b, &r, dz, &g); err != nil {
			t.Fatal(err)
		}
		z := r.Z
		gQ := []float64{g.Q[0] + 0.5*z[0]*z[0], g.Q[1] + 0.5*z[0]*z[1], g.Q[2] + 0.5*z[1]*z[0], g.Q[3] + 0.5*z[1]*z[1]}
		gp := []float64{g.P[0] + z[0], g.P[1] + z[1]}
		t.Logf("elastic=%v gQ=%v gp=%v gG=%v gh=%v", elastic, gQ, gp, g.G, g.H)
		for i, w := range []float64{0.125, 0.125, 0.125, 0.125} {
			if !near(gQ[i], w, 1e-10) {
				t.Errorf("∇Q = %v", gQ)
			}
		}
		for i, w := range []float64{0.5, 0.5} {
			if !near(gp[i], w, 1e-10) {
				t.Errorf("∇p = %v", gp)
			}
		}
		for i, w := range []float64{0.5, 0.5, 0, 0, 0, 0} {
			if !near(g.G[i], w, 1e-10) {
				t.Errorf("∇G = %v", g.G)
			}
		}
		for i, w := range []float64{-1, 0, 0} {
			if !near(g.H[i], w, 1e-10) {
				t.Errorf("∇h = %v", g.H)
			}
		}
	}
}
