package qplayer

import (
	"math"
	"math/rand/v2"
	"testing"
)

// stack builds a batch of the elements, sharing the inputs named in shared
// (taken from element 0).
func stack(es []elem, shared string) *Batch {
	e0 := es[0]
	b := &Batch{Size: len(es), N: e0.n, M: e0.m, K: e0.k}
	dst := []*[]float64{&b.Q, &b.P, &b.G, &b.H, &b.A, &b.B}
	for f, name := range []string{"Q", "p", "G", "h", "A", "b"} {
		get := func(e elem) []float64 { return [][]float64{e.Q, e.p, e.G, e.h, e.A, e.b}[f] }
		if contains(shared, name) {
			*dst[f] = get(e0)
			continue
		}
		for _, e := range es {
			*dst[f] = append(*dst[f], get(e)...)
		}
	}
	return b
}

func contains(list, name string) bool {
	for _, s := range []rune(list) {
		if string(s) == name {
			return true
		}
	}
	return false
}

// TestBatchMatchesSingles solves a large batch (spread over goroutines), with
// every combination of shared inputs, and compares each element and each
// gradient with single solves; shared gradients must be sums.
func TestBatchMatchesSingles(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const size = 300
	for _, shared := range []string{"", "Q", "QG", "Qh", "pA", "QpGhAb"} {
		for _, elastic := range []bool{false, true} {
			base := randomQP(rng, 3, 6, 1)
			es := make([]elem, size)
			for i := range es {
				e := randomQP(rng, 3, 6, 1)
				// Shared parts come from base so that every element stays feasible-ish.
				if contains(shared, "Q") {
					e.Q = base.Q
				}
				es[i] = e
			}
			es[0] = base
			b := stack(es, shared)
			s, _ := NewSolver(Options{Elastic: elastic, Workers: 2})
			var r Result
			if err := s.Solve(b, &r); err != nil {
				t.Fatal(err)
			}
			dz := make([]float64, size*3)
			for i := range dz {
				dz[i] = rng.NormFloat64()
			}
			var g Grad
			if err := s.Backward(b, &r, dz, &g); err != nil {
				t.Fatal(err)
			}
			want := Grad{}
			ws := want.slices()
			for f, fl := range b.fields() {
				*ws[f] = make([]float64, len(fl.data))
			}
			one, _ := NewSolver(Options{Elastic: elastic})
			for i := 0; i < size; i++ {
				bi := stack([]elem{b.at(i)}, "")
				var ri Result
				one.Solve(bi, &ri)
				if ri.Status[0] != r.Status[i] {
					t.Fatalf("shared=%q elastic=%v element %d: status %v, alone %v", shared, elastic, i, r.Status[i], ri.Status[0])
				}
				for a := 0; a < 3; a++ {
					if math.Abs(ri.Z[a]-r.Z[i*3+a]) > 1e-12 {
						t.Fatalf("shared=%q element %d: z differs from a single solve", shared, i)
					}
				}
				var gi Grad
				one.Backward(bi, &ri, dz[i*3:(i+1)*3], &gi)
				gs := gi.slices()
				for f, fl := range b.fields() {
					dst := *ws[f]
					off := 0
					if len(fl.data) != fl.per {
						off = i * fl.per
					}
					for j, v := range *gs[f] {
						dst[off+j] += v
					}
				}
			}
			got := g.slices()
			for f := range ws {
				for j, v := range *ws[f] {
					if math.Abs((*got[f])[j]-v) > 1e-9*(1+math.Abs(v)) {
						t.Fatalf("shared=%q elastic=%v: gradient %s[%d] = %v, sum of singles %v",
							shared, elastic, b.fields()[f].name, j, (*got[f])[j], v)
					}
				}
			}
		}
	}
}

// TestInfeasibleElements: hard mode flags infeasible elements, gives them
// zero gradient and leaves the others exactly as solved alone; elastic mode
// solves them and reports the slack.
func TestInfeasibleElements(t *testing.T) {
	// x ≤ −1 and −x ≤ −1 (x ≥ 1) cannot both hold; element 1 is feasible.
	b := &Batch{Size: 3, N: 2, M: 2,
		Q: []float64{1, 0, 0, 1},
		P: []float64{0, 0, 1, 1, 0, 0},
		G: []float64{1, 0, -1, 0, 1, 0, 0, 1, 1, 0, -1, 0},
		H: []float64{-1, -1, 1, 1, -1, -1}}
	hard, _ := NewSolver(Options{})
	var r Result
	hard.Solve(b, &r)
	if r.Status[0] != Infeasible || r.Status[2] != Infeasible || r.Status[1] != Optimal {
		t.Fatalf("statuses %v, want infeasible, optimal, infeasible", r.Status)
	}
	for _, v := range r.Z {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("z = %v has NaN/Inf", r.Z)
		}
	}
	if r.Z[2] != -1 || r.Z[3] != -1 {
		t.Errorf("feasible element z = %v, want (−1, −1)", r.Z[2:4])
	}
	var g Grad
	hard.Backward(b, &r, []float64{1, 1, 1, 1, 1, 1}, &g)
	for _, f := range [][]float64{g.P[0:2], g.P[4:6], g.G[0:4], g.G[8:12], g.H[0:2], g.H[4:6]} {
		for _, v := range f {
			if v != 0 {
				t.Fatalf("infeasible elements got gradient: p=%v G=%v h=%v", g.P, g.G, g.H)
			}
		}
	}
	if g.P[2] == 0 && g.P[3] == 0 && g.H[2] == 0 {
		t.Errorf("feasible element got no gradient: p=%v h=%v", g.P, g.H)
	}

	soft, _ := NewSolver(Options{Elastic: true, Rho: 10, Sigma: 1})
	soft.Solve(b, &r)
	for i, st := range r.Status {
		if st != Optimal {
			t.Fatalf("elastic element %d: status %v", i, st)
		}
	}
	// Minimising ½x² + 10(t₁+t₂) + ½(t₁²+t₂²) with x − t₁ ≤ −1, −x − t₂ ≤ −1
	// splits the violation evenly: x = 0, t = (1, 1).
	if math.Abs(r.Z[0]) > 1e-12 || math.Abs(r.Slack[0]-1) > 1e-12 || math.Abs(r.Slack[1]-1) > 1e-12 {
		t.Errorf("elastic z = %v slack = %v, want x = 0, t = (1, 1)", r.Z[0:2], r.Slack[0:2])
	}
	if r.Slack[2] != 0 || r.Slack[3] != 0 || r.Z[2] != -1 {
		t.Errorf("feasible element under elastic mode: z = %v slack = %v, want exact (−1,−1), no slack", r.Z[2:4], r.Slack[2:4])
	}
}

// TestDegenerate covers duplicate and parallel rows, weakly active
// constraints, more constraints than variables, and redundant equalities.
func TestDegenerate(t *testing.T) {
	cases := []struct {
		name  string
		b     Batch
		z     []float64
		check func(t *testing.T, r *Result)
	}{
		{"duplicate rows", Batch{Size: 1, N: 2, M: 3,
			Q: []float64{2, 0, 0, 2}, P: []float64{0, 0},
			G: []float64{-1, -1, -1, -1, -1, -1}, H: []float64{-1, -1, -1}},
			[]float64{0.5, 0.5}, func(t *testing.T, r *Result) {
				if s := r.Lambda[0] + r.Lambda[1] + r.Lambda[2]; math.Abs(s-1) > 1e-12 {
					t.Errorf("λ = %v, want a sum of 1", r.Lambda)
				}
			}},
		{"parallel rows", Batch{Size: 1, N: 2, M: 2,
			Q: []float64{2, 0, 0, 2}, P: []float64{0, 0},
			G: []float64{-1, -1, -2, -2}, H: []float64{-1, -1}},
			[]float64{0.5, 0.5}, nil},
		{"weakly active", Batch{Size: 1, N: 2, M: 1,
			Q: []float64{1, 0, 0, 1}, P: []float64{-1, 0},
			G: []float64{1, 0}, H: []float64{1}},
			[]float64{1, 0}, func(t *testing.T, r *Result) {
				if r.Lambda[0] != 0 {
					t.Errorf("λ = %v, want 0", r.Lambda)
				}
			}},
		{"m > n box", Batch{Size: 1, N: 2, M: 6,
			Q: []float64{1, 0, 0, 1}, P: []float64{-5, 5},
			G: []float64{1, 0, -1, 0, 0, 1, 0, -1, 1, 1, -1, 1}, H: []float64{1, 1, 1, 1, 1.5, 3}},
			[]float64{1, -1}, nil},
		{"redundant equality", Batch{Size: 1, N: 3, M: 0, K: 2,
			Q: []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, P: []float64{0, 0, 0},
			A: []float64{1, 1, 1, 2, 2, 2}, B: []float64{3, 6}},
			[]float64{1, 1, 1}, nil},
		{"zero row", Batch{Size: 1, N: 2, M: 1,
			Q: []float64{1, 0, 0, 1}, P: []float64{1, 1},
			G: []float64{0, 0}, H: []float64{0}},
			[]float64{-1, -1}, nil},
	}
	s, _ := NewSolver(Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r Result
			if err := s.Solve(&c.b, &r); err != nil {
				t.Fatal(err)
			}
			if r.Status[0] != Optimal {
				t.Fatalf("status %v", r.Status[0])
			}
			for i := range c.z {
				if math.Abs(r.Z[i]-c.z[i]) > 1e-12 {
					t.Fatalf("z = %v, want %v", r.Z, c.z)
				}
			}
			if c.check != nil {
				c.check(t, &r)
			}
			var g Grad
			dz := make([]float64, c.b.N)
			for i := range dz {
				dz[i] = 1
			}
			if err := s.Backward(&c.b, &r, dz, &g); err != nil {
				t.Fatal(err)
			}
			for _, f := range g.slices() {
				for _, v := range *f {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("gradient has NaN/Inf: %+v", g)
					}
				}
			}
		})
	}
}

// TestWeaklyActiveConvention: with λ = 0 on the boundary the gradient treats
// the row as inactive, which matches the one-sided derivative for h
// increasing (the solution does not move) and for p moving the minimiser
// inward.
func TestWeaklyActiveConvention(t *testing.T) {
	b := &Batch{Size: 1, N: 2, M: 1, Q: []float64{1, 0, 0, 1}, P: []float64{-1, 0},
		G: []float64{1, 0}, H: []float64{1}}
	s, _ := NewSolver(Options{})
	var r Result
	s.Solve(b, &r)
	var g Grad
	w := []float64{1, 0.5}
	s.Backward(b, &r, w, &g)
	const eps = 1e-6
	loss := func() float64 {
		var rr Result
		s.Solve(b, &rr)
		return dot(w, rr.Z)
	}
	l0 := loss()
	b.H[0] += eps
	dh := (loss() - l0) / eps
	b.H[0] -= eps
	b.P[0] += eps // moves the unconstrained minimiser inward
	dp := (loss() - l0) / eps
	b.P[0] -= eps
	if g.H[0] != 0 || math.Abs(dh) > 1e-9 {
		t.Errorf("∇h = %v, one-sided difference %v, want 0", g.H[0], dh)
	}
	if math.Abs(g.P[0]-dp) > 1e-6 {
		t.Errorf("∇p₀ = %v, one-sided difference %v", g.P[0], dp)
	}
}

// TestInvalidInput: NaN, Inf and an indefinite Q make that element invalid
// with zero output; the others are solved. A semidefinite Q whose objective
// falls without bound along z₁ → −∞ is unbounded, with that direction.
func TestInvalidInput(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	b := &Batch{Size: 5, N: 2, M: 1,
		Q: []float64{1, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 1, 1, 0, 0, 1, 0, 0, 0, 1},
		P: []float64{nan, 0, 1, 1, 1, 1, 0, inf, 1, 1},
		G: []float64{1, 1},
		H: []float64{0}}
	s, _ := NewSolver(Options{})
	var r Result
	if err := s.Solve(b, &r); err != nil {
		t.Fatal(err)
	}
	want := []Status{Invalid, Optimal, Invalid, Invalid, Unbounded}
	for i := range want {
		if r.Status[i] != want[i] {
			t.Fatalf("statuses %v, want %v", r.Status, want)
		}
	}
	if d := r.Z[8:10]; math.Abs(d[0]+1) > 1e-9 || math.Abs(d[1]) > 1e-9 {
		t.Errorf("direction of recession %v, want (−1, 0)", d)
	}
	r.Z[8], r.Z[9] = 0, 0 // the zero-output check below is for the invalid ones
	for _, v := range r.Z {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("z = %v", r.Z)
		}
	}
	bad := []Batch{
		{Size: 0, N: 2},
		{Size: 1, N: 0},
		{Size: 2, N: 2, M: 1, Q: make([]float64, 4), P: make([]float64, 3), G: make([]float64, 2), H: make([]float64, 1)},
	}
	for _, bb := range bad {
		if err := s.Solve(&bb, &r); err == nil {
			t.Errorf("batch %+v: no error", bb)
		}
	}
	if _, err := NewSolver(Options{Rho: -1}); err == nil {
		t.Error("negative rho accepted")
	}
	// NaN in the upstream gradient: zero gradient for that element, an error.
	var g Grad
	b2 := &Batch{Size: 2, N: 2, M: 1, Q: []float64{1, 0, 0, 1}, P: []float64{1, 1}, G: []float64{1, 1}, H: []float64{0}}
	s.Solve(b2, &r)
	if err := s.Backward(b2, &r, []float64{nan, 1, 1, 1}, &g); err == nil {
		t.Error("NaN upstream gradient: no error")
	}
}

// TestLargeProblem: n = 50, m = 100 with equalities solves to small KKT
// residuals (too large for the brute-force reference).
func TestLargeProblem(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	s, _ := NewSolver(Options{})
	for trial := 0; trial < 5; trial++ {
		e := randomQP(rng, 50, 100, 3)
		b := batchOf(e)
		var r Result
		s.Solve(b, &r)
		if r.Status[0] != Optimal {
			t.Fatalf("status %v after %d iterations", r.Status[0], r.Iter[0])
		}
		if res := kktResidual(b, &r); res > 1e-10 {
			t.Fatalf("KKT residual %g", res)
		}
		if len(r.ActiveSet(0)) < 3 {
			t.Errorf("only %d active constraints: too easy", len(r.ActiveSet(0)))
		}
	}
}

// TestMaxIter: an iteration limit below what the problem needs gives
// max_iter, a finite z and zero gradient.
func TestMaxIter(t *testing.T) {
	b := &Batch{Size: 1, N: 2, M: 3, Q: []float64{2, 0, 0, 2}, P: []float64{0, 0},
		G: []float64{-1, -1, -1, 0, 0, -1}, H: []float64{-1, -0.8, 0}}
	s, _ := NewSolver(Options{MaxIter: 1})
	var r Result
	s.Solve(b, &r)
	if r.Status[0] != MaxIter {
		t.Fatalf("status %v after %d iterations, want max_iter", r.Status[0], r.Iter[0])
	}
	var g Grad
	s.Backward(b, &r, []float64{1, 1}, &g)
	for _, v := range r.Z {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("z = %v", r.Z)
		}
	}
	for _, v := range g.P {
		if v != 0 {
			t.Fatalf("∇p = %v, want zero", g.P)
		}
	}
}
