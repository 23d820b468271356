package qplayer

import (
	"math"
	"math/rand/v2"
	"testing"
)

// stable reports whether element 0 of r has a strictly complementary
// solution: every working inequality has λ > tol and every other one slack > tol.
func stable(e elem, r *Result, tol float64) bool {
	for i := 0; i < e.m; i++ {
		slack := e.h[i] - dot(e.G[i*e.n:(i+1)*e.n], r.Z)
		if r.Active[i] && r.Lambda[i] <= tol || !r.Active[i] && slack <= tol {
			return false
		}
	}
	return true
}

// lossAt solves e and returns wᵀz and the active set.
func lossAt(s *Solver, e elem, w []float64) (float64, []bool) {
	var r Result
	s.Solve(batchOf(e), &r)
	return dot(w, r.Z[:e.n]), append([]bool(nil), r.Active...)
}

func sameSet(a, b []bool) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGradientsFiniteDifferences checks every gradient entry of ℓ = wᵀz
// against central differences where the active set does not change.
func TestGradientsFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, elastic := range []bool{false, true} {
		s, _ := NewSolver(Options{Elastic: elastic})
		checked, slackActive := 0, 0
		for trial := 0; trial < 150; trial++ {
			n := 2 + rng.IntN(5)
			m := rng.IntN(8)
			k := 0
			if rng.IntN(3) == 0 {
				k = 1
			}
			e := randomQP(rng, n, m, k)
			if elastic && m > 0 {
				// Make the problem infeasible by pushing one row past another,
				// so that some slack is positive.
				e.h[0] -= 3
			}
			var r Result
			b := batchOf(e)
			s.Solve(b, &r)
			if r.Status[0] != Optimal || !stable(e, &r, 1e-5) {
				continue
			}
			if maxAbs(r.Slack) > 1e-6 {
				slackActive++
			}
			w := make([]float64, n)
			for i := range w {
				w[i] = rng.NormFloat64()
			}
			var g Grad
			if err := s.Backward(b, &r, w, &g); err != nil {
				t.Fatal(err)
			}
			_, set0 := lossAt(s, e, w)
			const eps = 1e-6
			ins := [][]float64{e.Q, e.p, e.G, e.h, e.A, e.b}
			grads := [][]float64{g.Q, g.P, g.G, g.H, g.A, g.B}
			names := "QpGhAb"
			for f, in := range ins {
				for j := range in {
					v := in[j]
					in[j] = v + eps
					lp, setP := lossAt(s, e, w)
					in[j] = v - eps
					lm, setM := lossAt(s, e, w)
					in[j] = v
					if !sameSet(setP, set0) || !sameSet(setM, set0) {
						continue
					}
					fd := (lp - lm) / (2 * eps)
					if an := grads[f][j]; math.Abs(fd-an) > 1e-6*(1+math.Abs(an)) {
						t.Fatalf("elastic=%v trial %d: ∂ℓ/∂%c[%d] = %.10g, finite difference %.10g",
							elastic, trial, names[f], j, an, fd)
					}
					checked++
				}
			}
		}
		if checked < 2000 {
			t.Errorf("elastic=%v: only %d entries checked", elastic, checked)
		}
		if elastic && slackActive < 10 {
			t.Errorf("only %d elastic problems had positive slack", slackActive)
		}
		t.Logf("elastic=%v: %d gradient entries checked, %d with positive slack", elastic, checked, slackActive)
	}
}

// TestSemidefiniteGradients: for rank-deficient Q (Q = MMᵀ with M n×(n−1))
// and enough constraints to make the solution unique, the proximal-point
// forward solution is optimal (KKT checked) and every gradient entry of
// ℓ = wᵀz matches central differences where the active set is stable.
func TestSemidefiniteGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	s, _ := NewSolver(Options{})
	checked, solved := 0, 0
	for trial := 0; trial < 300 && checked < 1500; trial++ {
		n := 2 + rng.IntN(4)
		m := n + 1 + rng.IntN(4)
		e := randomQP(rng, n, m, 0)
		M := make([]float64, n*(n-1))
		for i := range M {
			M[i] = rng.NormFloat64()
		}
		for a := 0; a < n; a++ {
			for c := 0; c < n; c++ {
				v := 0.0
				for l := 0; l < n-1; l++ {
					v += M[a*(n-1)+l] * M[c*(n-1)+l]
				}
				e.Q[a*n+c] = v
			}
		}
		// A box keeps the problem bounded.
		for a := 0; a < n; a++ {
			row := make([]float64, n)
			row[a] = 1
			e.G = append(e.G, row...)
			e.h = append(e.h, 2)
			row = make([]float64, n)
			row[a] = -1
			e.G = append(e.G, row...)
			e.h = append(e.h, 2)
		}
		e.m += 2 * n
		var r Result
		b := batchOf(e)
		s.Solve(b, &r)
		if r.Status[0] == Infeasible { // the box cut off randomQP's feasible point
			y, wc := r.Certificate(0)
			checkFarkas(t, b, 0, y, wc)
			continue
		}
		if r.Status[0] != Optimal {
			t.Fatalf("trial %d: status %v", trial, r.Status[0])
		}
		solved++
		if !stable(e, &r, 1e-5) {
			continue
		}
		w := make([]float64, n)
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		var g Grad
		if err := s.Backward(b, &r, w, &g); err != nil {
			t.Fatal(err)
		}
		_, set0 := lossAt(s, e, w)
		// z is piecewise linear in p and h: a larger step costs no accuracy
		// and keeps the proximal solution's round-off (≈1e-10) out of the
		// difference.
		const eps = 1e-4
		for f, in := range [][]float64{e.p, e.h} {
			an := [][]float64{g.P, g.H}[f]
			for j := range in {
				v := in[j]
				in[j] = v + eps
				lp, setP := lossAt(s, e, w)
				in[j] = v - eps
				lm, setM := lossAt(s, e, w)
				in[j] = v
				if !sameSet(setP, set0) || !sameSet(setM, set0) {
					continue
				}
				if fd := (lp - lm) / (2 * eps); math.Abs(fd-an[j]) > 1e-5*(1+math.Abs(an[j])) {
					t.Fatalf("trial %d: ∂ℓ/∂%c[%d] = %.10g, finite difference %.10g", trial, "ph"[f], j, an[j], fd)
				}
				checked++
			}
		}
	}
	if checked < 300 {
		t.Errorf("only %d entries checked", checked)
	}
	t.Logf("%d semidefinite problems solved, %d gradient entries checked", solved, checked)
}
