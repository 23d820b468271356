package qplayer

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkFarkas verifies (y, w) independently of the solver, to the
// tolerance the solver documents: scaled to max |yᵢ|, |wⱼ| = 1, y ≥ 0,
// |Gᵀy + Aᵀw| ≤ 1e-8 of the largest entry of G and A, and hᵀy + bᵀw < 0.
func checkFarkas(t *testing.T, b *Batch, i int, y, w []float64) {
	t.Helper()
	e := b.at(i)
	n := e.n
	scale := 0.0
	for _, v := range append(append([]float64(nil), y...), w...) {
		scale = math.Max(scale, math.Abs(v))
	}
	if scale == 0 {
		t.Fatalf("element %d: zero certificate", i)
	}
	dataMax := math.Max(maxAbs(e.G), maxAbs(e.A))
	gap := 0.0
	for j, v := range y {
		if v < 0 {
			t.Fatalf("element %d: y[%d] = %v < 0", i, j, v)
		}
		gap += e.h[j] * v / scale
	}
	for j, v := range w {
		gap += e.b[j] * v / scale
	}
	for a := 0; a < n; a++ {
		s := 0.0
		for j, v := range y {
			s += e.G[j*n+a] * v / scale
		}
		for j, v := range w {
			s += e.A[j*n+a] * v / scale
		}
		if math.Abs(s) > 1e-8*dataMax {
			t.Fatalf("element %d: (Gᵀy + Aᵀw)[%d] = %v (scaled), data up to %v", i, a, s, dataMax)
		}
	}
	if !(gap < 0) {
		t.Fatalf("element %d: hᵀy + bᵀw = %v, want < 0", i, gap)
	}
}

// TestCertificates: random infeasible problems of four kinds — opposite
// inequalities, an equality against an inequality, conflicting equalities,
// and a random set of rows whose feasible region is empty — are reported
// Infeasible with a Farkas certificate that checks; feasible elements of the
// same batches never are.
func TestCertificates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s, _ := NewSolver(Options{})
	infeasible, feasible := 0, 0
	for trial := 0; trial < 400; trial++ {
		n := 2 + rng.IntN(5)
		kind := trial % 5
		var G, H, A, B []float64
		randRow := func() []float64 {
			r := make([]float64, n)
			for i := range r {
				r[i] = rng.NormFloat64()
			}
			return r
		}
		// Some harmless random rows around the conflict.
		for j := 0; j < rng.IntN(4); j++ {
			G, H = append(G, randRow()...), append(H, 5+rng.Float64())
		}
		g := randRow()
		switch kind {
		case 0: // g·z ≤ −1 and −g·z ≤ −1
			neg, c := make([]float64, n), 0.5+rng.Float64()
			for i := range g {
				neg[i] = -c * g[i]
			}
			G, H = append(append(G, g...), neg...), append(H, -1, -1)
		case 1: // g·z = 2 and g·z ≤ 1
			A, B = append(A, g...), append(B, 2)
			G, H = append(G, g...), append(H, 1)
		case 2: // g·z = 1 and 3g·z = 6
			A, B = append(A, g...), append(B, 1)
			for i := range g {
				A = append(A, 3*g[i])
			}
			B = append(B, 6)
		case 3: // a simplex-like empty set: Σ rows with positive weights = 0, rhs < 0
			rows := n + 1
			sum := make([]float64, n)
			for j := 0; j < rows-1; j++ {
				r := randRow()
				G, H = append(G, r...), append(H, rng.Float64())
				for i := range sum {
					sum[i] += r[i]
				}
			}
			last := make([]float64, n)
			for i := range last {
				last[i] = -sum[i]
			}
			G, H = append(G, last...), append(H, -float64(rows)-1)
		case 4: // feasible: the same random rows only
		}
		Q := make([]float64, n*n)
		for i := 0; i < n; i++ {
			Q[i*n+i] = 1 + rng.Float64()
		}
		b := &Batch{Size: 1, N: n, M: len(H), K: len(B), Q: Q, P: randRow(), G: G, H: H, A: A, B: B}
		var r Result
		if err := s.Solve(b, &r); err != nil {
			t.Fatal(err)
		}
		st := r.Status[0]
		if kind == 4 {
			feasible++
			if st != Optimal {
				t.Errorf("trial %d: a feasible problem is %v", trial, st)
			}
			if y, _ := r.Certificate(0); y != nil {
				t.Errorf("trial %d: a certificate for an optimal element", trial)
			}
			continue
		}
		if st != Infeasible {
			t.Fatalf("trial %d (kind %d): status %v, want infeasible", trial, kind, st)
		}
		y, w := r.Certificate(0)
		if len(y) != b.M || len(w) != b.K {
			t.Fatalf("trial %d: certificate of %d and %d values for %d and %d rows", trial, len(y), len(w), b.M, b.K)
		}
		checkFarkas(t, b, 0, y, w)
		infeasible++
	}
	t.Logf("%d infeasible elements certified, %d feasible", infeasible, feasible)
}

// TestNeverNonFinite: an answer that would overflow float64 is invalid,
// saying which value; a gradient that would is zero, with an error; and a
// shared semidefinite Q is solved and differentiated element by element.
func TestNeverNonFinite(t *testing.T) {
	s, _ := NewSolver(Options{})
	var r Result
	b := &Batch{Size: 2, N: 1, Q: []float64{1e-308, 2}, P: []float64{1e10, 1}}
	if err := s.Solve(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Status[0] != Invalid || !strings.Contains(r.Why(0), "z overflows") || r.Z[0] != 0 || r.Status[1] != Optimal || r.Why(1) != "" {
		t.Errorf("statuses %v, z %v, why %q", r.Status, r.Z, r.Why(0))
	}
	b = &Batch{Size: 1, N: 1, Q: []float64{2}, P: []float64{1e10}}
	s.Solve(b, &r)
	var g Grad
	err := s.Backward(b, &r, []float64{1e300}, &g)
	if err == nil || !strings.Contains(err.Error(), "overflows") || !finiteAll(g.Q) || !finiteAll(g.P) {
		t.Errorf("backward of an overflowing gradient: %v, grad %+v", err, g)
	}
	// A shared Q = diag(0, 1) over three elements with a box: z₁ goes to the box.
	b = &Batch{Size: 3, N: 2, M: 2, Q: []float64{0, 0, 0, 1}, P: []float64{1, 0, -1, 1, 2, -2},
		G: []float64{1, 0, -1, 0}, H: []float64{3, 3}}
	if err := s.Solve(b, &r); err != nil {
		t.Fatal(err)
	}
	want := [][2]float64{{-3, 0}, {3, -1}, {-3, 2}}
	for i, w := range want {
		if r.Status[i] != Optimal || math.Abs(r.Z[2*i]-w[0]) > 1e-9 || math.Abs(r.Z[2*i+1]-w[1]) > 1e-9 {
			t.Errorf("element %d: %v z = %v, want %v", i, r.Status[i], r.Z[2*i:2*i+2], w)
		}
	}
	if err := s.Backward(b, &r, []float64{0, 1, 0, 1, 0, 1}, &g); err != nil || g.P[1] != -1 || g.P[3] != -1 {
		t.Errorf("backward with a shared semidefinite Q: %v, ∇p %v (want ∂z₂/∂p₂ = −1)", err, g.P)
	}
}

// TestCertificatesAtExtremeScales: infeasible problems (a random row g·z ≤ h₁
// against −g·z ≤ h₂ with h₁ + h₂ < 0, among random feasible rows) rewritten
// with variable scales of 2^±150, row scales of 2^±400 and a cost scale of
// 2^±400 are reported infeasible (solved equilibrated) with a certificate,
// mapped back to the given units, that checks.
func TestCertificatesAtExtremeScales(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 9))
	s, _ := NewSolver(Options{})
	pow := func(lim int) float64 { return math.Ldexp(1, rng.IntN(2*lim+1)-lim) }
	for trial := 0; trial < 200; trial++ {
		n, m := 2+rng.IntN(4), 2+rng.IntN(6)
		e := randomQP(rng, n, m, 0)
		i, j := rng.IntN(m), 0
		if j = rng.IntN(m - 1); j >= i {
			j++
		}
		for a := 0; a < n; a++ {
			e.G[j*n+a] = -e.G[i*n+a]
		}
		e.h[j] = -e.h[i] - 0.1 - rng.ExpFloat64()
		D, E := make([]float64, n), make([]float64, m)
		for a := range D {
			D[a] = pow(150)
		}
		for r := range E {
			E[r] = pow(400)
		}
		se := scaledElem(&e, &scaling{D: D, E: E, c: pow(400)})
		b := batchOf(se)
		var r Result
		if err := s.Solve(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Status[0] != Infeasible {
			t.Fatalf("trial %d (n=%d m=%d): status %v, z %v, data %v %v %v %v", trial, n, m, r.Status[0], r.Z, se.Q, se.p, se.G, se.h)
		}
		y, w := r.Certificate(0)
		checkFarkas(t, b, 0, y, w)
	}
}
