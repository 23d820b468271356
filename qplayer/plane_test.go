package qplayer

import (
	"math"
	"math/rand/v2"
	"testing"
)

// solveAllGeneral is Solve without the plane path: every element through the
// general method.
func solveAllGeneral(t *testing.T, s *Solver, b *Batch, res *Result) {
	t.Helper()
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	res.reset(b, s.opts.Elastic)
	qOK := s.sharedFactor(b) || s.semidefiniteShared(b)
	w := new(workspace)
	for i := 0; i < b.Size; i++ {
		if !qOK {
			res.invalidate(i)
			continue
		}
		e := b.at(i)
		s.solveOne(w, &e, res, i)
		res.checkFinite(i)
	}
}

// backwardGeneral is Backward without the plane path.
func backwardGeneral(t *testing.T, s *Solver, b *Batch, res *Result, dz []float64, g *Grad) {
	t.Helper()
	fields := b.fields()
	out := g.slices()
	for f := range fields {
		*out[f] = make([]float64, len(fields[f].data))
	}
	s.sharedFactor(b)
	w := new(workspace)
	for i := 0; i < b.Size; i++ {
		if res.Status[i] != Optimal {
			continue
		}
		var v views
		for f := range fields {
			v[f] = *out[f]
			if per := fields[f].per; len(fields[f].data) != per || b.Size == 1 {
				v[f] = v[f][i*per : (i+1)*per]
			}
		}
		e := b.at(i)
		n, m := b.N, b.M
		st := sol{z: res.Z[i*n : (i+1)*n], lam: res.Lambda[i*m : (i+1)*m], act: res.Active[i*m : (i+1)*m]}
		if res.scaled[i] {
			w.backwardScaled(&e, equilibration(&e), s.opts.Regularize, &st, dz[i*n:(i+1)*n], v)
			continue
		}
		w.backward(&e, s.sharedL(), s.opts.Regularize, &st, dz[i*n:(i+1)*n], v)
	}
}

// planeCases are batches of n = 2 problems of every kind the plane path
// meets or must hand over: feasible with 0–2 active rows, infeasible,
// zero, repeated and parallel rows, a semidefinite, badly scaled or
// indefinite Q, NaN, and problems that overflow. Element 0 is plain.
func planeCases(rng *rand.Rand, size, m int) []elem {
	es := make([]elem, size)
	for i := range es {
		e := randomQP(rng, 2, m, 0)
		kind := rng.IntN(12)
		if i == 0 {
			kind = -1 // plain: element 0 is the one shared inputs come from
		}
		switch kind {
		case 0: // infeasible: two opposite rows
			e.G[0], e.G[1], e.h[0] = 1, 0, -1
			e.G[2], e.G[3], e.h[1] = -1, 0, -1
		case 1: // a zero row, satisfied or not
			e.G[0], e.G[1] = 0, 0
			e.h[0] = rng.NormFloat64()
		case 2: // a repeated row
			copy(e.G[2:4], e.G[0:2])
			e.h[1] = e.h[0]
		case 3: // parallel rows
			e.G[2], e.G[3], e.h[1] = 2*e.G[0], 2*e.G[1], 2*e.h[0]+1e-13
		case 4: // semidefinite Q
			e.Q = []float64{1, 1, 1, 1}
		case 5: // badly scaled Q
			e.Q = []float64{1e6, 0, 0, 1e-2}
		case 6: // indefinite Q
			e.Q = []float64{1, 0, 0, -1}
		case 7: // NaN
			e.h[rng.IntN(m)] = math.NaN()
		case 8: // an answer that overflows
			e.Q = []float64{1e-300, 0, 0, 1e-300}
			e.p = []float64{1e10, 1e10}
		case 9: // every row active-ish: the optimum pinned at a vertex
			for r := 0; r < m; r++ {
				e.h[r] -= 2
			}
		}
		es[i] = e
	}
	return es
}

// TestPlaneMatchesGeneral: the plane path's answers are the general
// method's, bit for bit (z, λ, the active set, status, iterations, and the
// gradients of Q, p, G, h), with Q shared and batched, with a ridge, and
// under an iteration limit.
func TestPlaneMatchesGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2))
	cases := []struct {
		name   string
		shared string
		opts   Options
	}{
		{"Q batched", "", Options{}},
		{"Q shared", "Q", Options{}},
		{"Q, G, h shared", "QGh", Options{}},
		{"ridge", "", Options{Regularize: 1e-13}},
		{"ridge, Q shared", "Q", Options{Regularize: 1e-14}},
		{"ridge that moves the answer", "", Options{Regularize: 1e-3}},
		{"max iter 1", "", Options{MaxIter: 1}},
		{"loose tolerance", "Q", Options{Tol: 1e-6}},
	}
	for _, c := range cases {
		for _, m := range []int{2, 5, 9} {
			es := planeCases(rng, 400, m)
			if contains(c.shared, "Q") {
				es[0].Q = []float64{2, 0.5, 0.5, 1}
			}
			b := stack(es, c.shared)
			opts := c.opts
			opts.Workers = 1 // shared gradients summed in one order
			s, err := NewSolver(opts)
			if err != nil {
				t.Fatal(err)
			}
			var fast, general Result
			if err := s.Solve(b, &fast); err != nil {
				t.Fatal(err)
			}
			solveAllGeneral(t, s, b, &general)
			for i := 0; i < b.Size; i++ {
				zf, lf, _, af := fast.elemViews(i)
				zg, lg, _, ag := general.elemViews(i)
				same := fast.Status[i] == general.Status[i] && fast.Iter[i] == general.Iter[i] &&
					equalBits(zf, zg) && equalBits(lf, lg)
				for j := range af {
					same = same && af[j] == ag[j]
				}
				if !same {
					t.Fatalf("%s, m=%d, element %d:\nplane   %v %d z=%v λ=%v\ngeneral %v %d z=%v λ=%v",
						c.name, m, i, fast.Status[i], fast.Iter[i], zf, lf, general.Status[i], general.Iter[i], zg, lg)
				}
			}
			// Gradients: the plane backward against the general one.
			dz := make([]float64, b.Size*2)
			for j := range dz {
				dz[j] = rng.NormFloat64()
			}
			var gf, gg Grad
			if err := s.Backward(b, &fast, dz, &gf); err != nil {
				t.Fatal(err)
			}
			backwardGeneral(t, s, b, &general, dz, &gg)
			for f, name := range []string{"Q", "p", "G", "h"} {
				a, g := *gf.slices()[f], *gg.slices()[f]
				if !equalBits(a, g) {
					for j := range a {
						if a[j] != g[j] {
							t.Fatalf("%s, m=%d: ∇%s[%d] plane %v, general %v", c.name, m, name, j, a[j], g[j])
						}
					}
				}
			}
			if n := fast.Counts()[Optimal]; n < b.Size*2/5 && c.opts.Regularize < 1e-6 && c.opts.MaxIter == 0 {
				t.Fatalf("%s, m=%d: only %d of %d optimal: the cases miss the plane path", c.name, m, n, b.Size)
			}
		}
	}
}

// equalBits reports whether a and b hold the same float64 values bit for
// bit, apart from the sign of zero.
func equalBits(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}
