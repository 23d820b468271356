package qplayer

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// bruteForce solves one element by enumerating candidate active sets in
// order of size and solving each equality-constrained KKT system with
// gonum: the first KKT point found is the optimum (Q positive definite).
// It shares no code with the solver.
func bruteForce(e elem) (z, lam, nu []float64, ok bool) {
	n, m, k := e.n, e.m, e.k
	idx := make([]int, 0, n)
	try := func(set []int) bool {
		z, lam, nu, ok = kktPoint(e, set)
		return ok
	}
	for size := 0; size <= n-k && size <= m; size++ {
		if combos(m, size, idx, 0, try) {
			return z, lam, nu, true
		}
	}
	return nil, nil, nil, false
}

// combos calls fn on each size-element subset of [0,m) in idx, stopping at
// the first true.
func combos(m, size int, idx []int, start int, fn func([]int) bool) bool {
	if len(idx) == size {
		return fn(idx)
	}
	for i := start; i < m; i++ {
		if combos(m, size, append(idx, i), i+1, fn) {
			return true
		}
	}
	return false
}

func kktPoint(e elem, set []int) (z, lam, nu []float64, ok bool) {
	n, m, k := e.n, e.m, e.k
	K, rhs := kktSystem(e, set)
	var sol mat.VecDense
	if err := sol.SolveVec(K, rhs); err != nil {
		return nil, nil, nil, false
	}
	z = make([]float64, n)
	for a := range z {
		z[a] = sol.AtVec(a)
	}
	lam = make([]float64, m)
	nu = make([]float64, k)
	for j := 0; j < k; j++ {
		nu[j] = sol.AtVec(n + j)
	}
	for j, i := range set {
		lam[i] = sol.AtVec(n + k + j)
		if lam[i] < -1e-10 {
			return nil, nil, nil, false
		}
	}
	for i := 0; i < m; i++ {
		if dot(e.G[i*n:(i+1)*n], z)-e.h[i] > 1e-9*(1+math.Abs(e.h[i])) {
			return nil, nil, nil, false
		}
	}
	if mat.Cond(K, 1) > 1e12 {
		return nil, nil, nil, false
	}
	return z, lam, nu, true
}

// kktSystem returns the KKT matrix and right-hand side of e with the rows
// of G in set active: [Q Cᵀ; C 0] (z, μ) = (−p, d), C the rows of A, then
// those of G, Q symmetrized.
func kktSystem(e elem, set []int) (*mat.Dense, *mat.VecDense) {
	n, k := e.n, e.k
	q := len(set) + k
	K := mat.NewDense(n+q, n+q, nil)
	rhs := mat.NewVecDense(n+q, nil)
	for a := 0; a < n; a++ {
		for c := 0; c < n; c++ {
			K.Set(a, c, 0.5*(e.Q[a*n+c]+e.Q[c*n+a]))
		}
		rhs.SetVec(a, -e.p[a])
	}
	for j := 0; j < q; j++ {
		var row []float64
		var r float64
		if j < k {
			row, r = e.A[j*n:(j+1)*n], e.b[j]
		} else {
			i := set[j-k]
			row, r = e.G[i*n:(i+1)*n], e.h[i]
		}
		for a := 0; a < n; a++ {
			K.Set(n+j, a, row[a])
			K.Set(a, n+j, row[a])
		}
		rhs.SetVec(n+j, r)
	}
	return K, rhs
}

// randomQP draws a feasible problem: z0 satisfies every constraint, some
// with equality; the unconstrained minimiser tends to violate a few rows.
func randomQP(rng *rand.Rand, n, m, k int) elem {
	e := elem{n: n, m: m, k: k}
	M := make([]float64, n*n)
	for i := range M {
		M[i] = rng.NormFloat64()
	}
	e.Q = make([]float64, n*n)
	for a := 0; a < n; a++ {
		for c := 0; c < n; c++ {
			s := 0.0
			for l := 0; l < n; l++ {
				s += M[a*n+l] * M[c*n+l]
			}
			if a == c {
				s += 0.1
			}
			e.Q[a*n+c] = s
		}
	}
	z0 := make([]float64, n)
	for i := range z0 {
		z0[i] = rng.NormFloat64()
	}
	// p = −Q z0 + noise puts the unconstrained minimiser near z0, at a
	// distance that decides how many constraints end up active.
	scale := []float64{0.3, 1, 3}[rng.IntN(3)]
	e.p = make([]float64, n)
	for i := range e.p {
		e.p[i] = -dot(e.Q[i*n:(i+1)*n], z0) + scale*rng.NormFloat64()
	}
	e.G = make([]float64, m*n)
	e.h = make([]float64, m)
	for i := 0; i < m; i++ {
		for a := 0; a < n; a++ {
			e.G[i*n+a] = rng.NormFloat64()
		}
		e.h[i] = dot(e.G[i*n:(i+1)*n], z0) + 0.5*rng.ExpFloat64()
	}
	e.A = make([]float64, k*n)
	e.b = make([]float64, k)
	for i := 0; i < k; i++ {
		for a := 0; a < n; a++ {
			e.A[i*n+a] = rng.NormFloat64()
		}
		e.b[i] = dot(e.A[i*n:(i+1)*n], z0)
	}
	return e
}

func batchOf(e elem) *Batch {
	return &Batch{Size: 1, N: e.n, M: e.m, K: e.k, Q: e.Q, P: e.p, G: e.G, H: e.h, A: e.A, B: e.b}
}

func TestRandomAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s, _ := NewSolver(Options{})
	var r Result
	deep := 0 // problems with four or more active constraints
	count := 1000
	if testing.Short() {
		count = 200
	}
	for trial := 0; trial < count; trial++ {
		n := 2 + rng.IntN(9)
		m := rng.IntN(21)
		k := 0
		if rng.IntN(4) == 0 {
			k = 1 + rng.IntN(min(2, n-1))
		}
		e := randomQP(rng, n, m, k)
		b := batchOf(e)
		if err := s.Solve(b, &r); err != nil {
			t.Fatal(err)
		}
		zRef, lamRef, nuRef, ok := bruteForce(e)
		if !ok {
			t.Fatalf("trial %d (n=%d m=%d k=%d): reference found no KKT point", trial, n, m, k)
		}
		if r.Status[0] != Optimal {
			t.Fatalf("trial %d (n=%d m=%d k=%d): status %v", trial, n, m, k, r.Status[0])
		}
		for a := range zRef {
			if math.Abs(r.Z[a]-zRef[a]) > 1e-9*(1+math.Abs(zRef[a])) {
				t.Fatalf("trial %d (n=%d m=%d k=%d): z = %v, reference %v", trial, n, m, k, r.Z, zRef)
			}
		}
		for i := range lamRef {
			if math.Abs(r.Lambda[i]-lamRef[i]) > 1e-8*(1+math.Abs(lamRef[i])) {
				t.Fatalf("trial %d: λ = %v, reference %v", trial, r.Lambda, lamRef)
			}
		}
		if len(r.ActiveSet(0)) >= 4 {
			deep++
		}
		for i := range nuRef {
			if math.Abs(r.Nu[i]-nuRef[i]) > 1e-8*(1+math.Abs(nuRef[i])) {
				t.Fatalf("trial %d: ν = %v, reference %v", trial, r.Nu, nuRef)
			}
		}
	}
	if deep < count/20 {
		t.Errorf("only %d of %d problems had ≥ 4 active constraints: the draw is too easy", deep, count)
	}
}

// TestRowScaledAgainstBruteForce: the brute-force comparison with every
// row of G and A (and its right-hand side) multiplied by a power of ten
// between 1e-8 and 1e8. The minimiser does not change; the multipliers
// scale by the inverse; the answer must match to 1e-9 all the same.
// (Column scaling, which changes Q's conditioning, waits for equilibration.)
func TestRowScaledAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	s, _ := NewSolver(Options{})
	var r Result
	for trial := 0; trial < 300; trial++ {
		n := 2 + rng.IntN(6)
		m := rng.IntN(12)
		k := 0
		if rng.IntN(4) == 0 {
			k = 1
		}
		e := randomQP(rng, n, m, k)
		zRef, _, _, ok := bruteForce(e)
		if !ok {
			t.Fatalf("trial %d: reference found no KKT point", trial)
		}
		for i := 0; i < m; i++ {
			sc := math.Pow(10, 16*rng.Float64()-8)
			for a := 0; a < n; a++ {
				e.G[i*n+a] *= sc
			}
			e.h[i] *= sc
		}
		for j := 0; j < k; j++ {
			sc := math.Pow(10, 16*rng.Float64()-8)
			for a := 0; a < n; a++ {
				e.A[j*n+a] *= sc
			}
			e.b[j] *= sc
		}
		if err := s.Solve(batchOf(e), &r); err != nil {
			t.Fatal(err)
		}
		if r.Status[0] != Optimal {
			t.Fatalf("trial %d (n=%d m=%d k=%d): status %v", trial, n, m, k, r.Status[0])
		}
		for a := range zRef {
			if math.Abs(r.Z[a]-zRef[a]) > 1e-9*(1+math.Abs(zRef[a])) {
				t.Fatalf("trial %d: z = %v, reference %v", trial, r.Z, zRef)
			}
		}
	}
}

// TestColumnScaledAgainstBruteForce: variables in very different units —
// z = Dz̃ with D spanning 1e-8…1e8, so Q̃ = DQD's diagonal spans up to 1e32 —
// are solved (equilibrated, see equilibrate.go) to the brute force's answer
// of the unscaled problem, and their gradients match central differences.
func TestColumnScaledAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	s, _ := NewSolver(Options{})
	var r Result
	solved, checked := 0, 0
	for trial := 0; trial < 400; trial++ {
		n, m := 2+rng.IntN(5), rng.IntN(10)
		e := randomQP(rng, n, m, 0)
		zRef, _, _, ok := bruteForce(e)
		if !ok {
			t.Fatalf("trial %d: reference found no KKT point", trial)
		}
		D := make([]float64, n)
		for a := range D {
			D[a] = math.Pow(10, 16*rng.Float64()-8)
		}
		for a := 0; a < n; a++ {
			for c := 0; c < n; c++ {
				e.Q[a*n+c] *= D[a] * D[c]
			}
			e.p[a] *= D[a]
		}
		for i := 0; i < m; i++ {
			for a := 0; a < n; a++ {
				e.G[i*n+a] *= D[a]
			}
		}
		b := batchOf(e)
		if err := s.Solve(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Status[0] != Optimal {
			t.Fatalf("trial %d (n=%d m=%d, D %v): status %v", trial, n, m, D, r.Status[0])
		}
		for a := range zRef {
			if got := r.Z[a] * D[a]; math.Abs(got-zRef[a]) > 1e-8*(1+math.Abs(zRef[a])) {
				t.Fatalf("trial %d: D·z̃ = %v, reference %v", trial, got, zRef[a])
			}
		}
		solved++
		if trial%10 != 0 || !stable(e, &r, 1e-5*(1+maxAbs(r.Lambda))) {
			continue
		}
		// ∂(Σ zᵃ/… )/∂h by differences, relative steps.
		w := make([]float64, n)
		for a := range w {
			w[a] = D[a] // ℓ = Σ D_a z̃_a, the loss in the original units
		}
		var g Grad
		if err := s.Backward(b, &r, w, &g); err != nil {
			t.Fatal(err)
		}
		_, set0 := lossAt(s, e, w)
		for f, in := range [][]float64{e.h, e.p} {
			an := [][]float64{g.H, g.P}[f]
			for j := range in {
				v, eps := in[j], 1e-6*(1+math.Abs(in[j]))
				in[j] = v + eps
				lp, sp := lossAt(s, e, w)
				in[j] = v - eps
				lm, sm := lossAt(s, e, w)
				in[j] = v
				if !sameSet(sp, set0) || !sameSet(sm, set0) {
					continue
				}
				if fd := (lp - lm) / (2 * eps); math.Abs(fd-an[j]) > 1e-5*(math.Abs(fd)+1e-9*math.Abs(lp)/eps) && math.Abs(fd-an[j]) > 1e-5 {
					t.Fatalf("trial %d: ∂ℓ/∂%c[%d] = %v, finite difference %v", trial, "hp"[f], j, an[j], fd)
				}
				checked++
			}
		}
	}
	t.Logf("%d column-scaled problems solved, %d gradient entries checked", solved, checked)
}

// bruteForceObjective returns the optimal value of a convex problem whose
// Q may be singular: every KKT point is optimal, so it enumerates
// candidate working sets (rows of G, with every equality), solves each KKT
// system by least squares on its SVD (a singular system has many
// solutions; any one serves), and keeps the lowest objective among the
// points that solve their system, are feasible and have λ ≥ 0. It shares
// no code with the solver.
func bruteForceObjective(e elem) (float64, bool) {
	n, m, k := e.n, e.m, e.k
	best, found := math.Inf(1), false
	idx := make([]int, 0, n)
	for size := 0; size <= n && size <= m; size++ {
		combos(m, size, idx, 0, func(set []int) bool {
			q := len(set) + k
			K, rhs := kktSystem(e, set)
			var svd mat.SVD
			if !svd.Factorize(K, mat.SVDThin) {
				return false
			}
			x := mat.NewVecDense(n+q, nil) // zero when K is (rank 0)
			if rank := svd.Rank(1e-12); rank > 0 {
				svd.SolveVecTo(x, rhs, rank)
			}
			var back mat.VecDense
			back.MulVec(K, x)
			back.SubVec(&back, rhs)
			if mat.Norm(&back, math.Inf(1)) > 1e-8*(1+mat.Norm(rhs, math.Inf(1))) {
				return false // inconsistent: no KKT point on this set
			}
			z := x.RawVector().Data[:n]
			for j := range set {
				if x.AtVec(n+k+j) < -1e-9 {
					return false
				}
			}
			for i := 0; i < m; i++ {
				if dot(e.G[i*n:(i+1)*n], z)-e.h[i] > 1e-9*(1+math.Abs(e.h[i])) {
					return false
				}
			}
			f := dot(e.p, z)
			for a := 0; a < n; a++ {
				f += 0.5 * z[a] * dot(e.Q[a*n:(a+1)*n], z)
			}
			if f < best {
				best, found = f, true
			}
			return false // go on: every set is tried
		})
	}
	return best, found
}

// TestSemidefiniteAgainstBruteForce: random convex problems whose Q has
// rank 0 to n−1 (Q = MMᵀ, M n×r), kept bounded by a box |zᵢ| ≤ 3 besides
// random rows and, in a third, an equality. The minimiser need not be
// unique, so the answer is compared by objective with the brute-force
// optimum, solved with no flags (proximal points), and must be feasible.
func TestSemidefiniteAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 5))
	s, _ := NewSolver(Options{})
	var r Result
	count := 300
	if testing.Short() {
		count = 60
	}
	ranks := make([]int, 5)
	compared := 0
	for trial := 0; trial < count; trial++ {
		n := 2 + rng.IntN(3)
		rank := rng.IntN(n)
		ranks[rank]++
		k := 0
		if rng.IntN(3) == 0 {
			k = 1
		}
		e := randomQP(rng, n, rng.IntN(4), k)
		M := make([]float64, n*rank)
		for i := range M {
			M[i] = rng.NormFloat64()
		}
		for a := 0; a < n; a++ {
			for c := 0; c < n; c++ {
				v := 0.0
				for l := 0; l < rank; l++ {
					v += M[a*rank+l] * M[c*rank+l]
				}
				e.Q[a*n+c] = v
			}
		}
		for a := 0; a < n; a++ { // the box keeps the problem bounded
			for _, sign := range []float64{1, -1} {
				row := make([]float64, n)
				row[a] = sign
				e.G = append(e.G, row...)
				e.h = append(e.h, 3)
				e.m++
			}
		}
		fRef, ok := bruteForceObjective(e)
		if !ok {
			continue // the random rows left the box empty
		}
		if err := s.Solve(batchOf(e), &r); err != nil {
			t.Fatal(err)
		}
		compared++
		if r.Status[0] != Optimal {
			t.Fatalf("trial %d (n=%d rank %d m=%d k=%d): status %v", trial, n, rank, e.m, k, r.Status[0])
		}
		f := r.Objective(batchOf(e), 0)
		if math.Abs(f-fRef) > 1e-7*(1+math.Abs(fRef)) {
			t.Fatalf("trial %d (n=%d rank %d m=%d k=%d): objective %.12g, brute force %.12g", trial, n, rank, e.m, k, f, fRef)
		}
		for i := 0; i < e.m; i++ {
			if v := dot(e.G[i*n:(i+1)*n], r.Z[:n]) - e.h[i]; v > 1e-7*(1+math.Abs(e.h[i])) {
				t.Fatalf("trial %d: row %d violated by %g", trial, i, v)
			}
		}
	}
	if compared < count*3/4 {
		t.Errorf("only %d of %d problems compared", compared, count)
	}
	t.Logf("%d compared; ranks drawn: %v", compared, ranks[:4])
}

// TestExtremeMagnitudesAgainstBruteForce: random problems rewritten in
// other units by powers of two — a cost scale κ of 2^±400, variable
// scales D of 2^±150 and row scales E, F of 2^±400, so that the data reach
// 1e±200 and beyond —
//
//	Q̂ = κDQD, p̂ = κDp, Ĝ = EGD, ĥ = Eh, Â = FAD, b̂ = Fb,
//
// have the answer ẑ = D⁻¹z, λ̂ = κλ/E, ν̂ = κν/F, which the solver must give
// (to 1e-8, relative) from the scaled data alone, with gradients that are
// the original problem's mapped by the chain rule (∇p̂ = ∇p/(κD),
// ∇ĥ = ∇h/E, ∇Ĝ = ∇G/(ED), ∇Q̂ = ∇Q/(κDD), ∇b̂ = ∇b/F, ∇Â = ∇A/(FD), for
// the loss wᵀẑ).
func TestExtremeMagnitudesAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 3))
	s, _ := NewSolver(Options{})
	pow := func(lim int) float64 { return math.Ldexp(1, rng.IntN(2*lim+1)-lim) }
	count := 400
	if testing.Short() {
		count = 100
	}
	for trial := 0; trial < count; trial++ {
		n, m, k := 2+rng.IntN(4), rng.IntN(8), 0
		if rng.IntN(3) == 0 {
			k = 1
		}
		e := randomQP(rng, n, m, k)
		zRef, lamRef, nuRef, ok := bruteForce(e)
		if !ok {
			t.Fatalf("trial %d: no reference", trial)
		}
		kappa := pow(400)
		D, E, F := make([]float64, n), make([]float64, m), make([]float64, k)
		for a := range D {
			D[a] = pow(150)
		}
		for i := range E {
			E[i] = pow(400)
		}
		for j := range F {
			F[j] = pow(400)
		}
		se := scaledElem(&e, &scaling{D: D, E: E, F: F, c: kappa})
		var r Result
		b := batchOf(se)
		if err := s.Solve(b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Status[0] != Optimal {
			t.Fatalf("trial %d (n=%d m=%d): status %v (%s)", trial, n, m, r.Status[0], r.Why(0))
		}
		for a := range zRef {
			if want := zRef[a] / D[a]; math.Abs(r.Z[a]-want) > 1e-8*(1+math.Abs(zRef[a]))/D[a] {
				t.Fatalf("trial %d (n=%d m=%d): ẑ[%d] = %g, want %g", trial, n, m, a, r.Z[a], want)
			}
		}
		for i := range lamRef {
			if want := kappa * lamRef[i] / E[i]; math.Abs(r.Lambda[i]-want) > 1e-7*(1+math.Abs(lamRef[i]))*kappa/E[i] {
				t.Fatalf("trial %d (n=%d m=%d): λ̂[%d] = %g, want %g", trial, n, m, i, r.Lambda[i], want)
			}
		}
		for j := range nuRef {
			if want := kappa * nuRef[j] / F[j]; math.Abs(r.Nu[j]-want) > 1e-7*(1+math.Abs(nuRef[j]))*kappa/F[j] {
				t.Fatalf("trial %d (n=%d m=%d): ν̂[%d] = %g, want %g", trial, n, m, j, r.Nu[j], want)
			}
		}
		// Gradients of wᵀẑ = (D⁻¹w)ᵀz against the original problem's.
		w := make([]float64, n)
		g := make([]float64, n)
		for a := range w {
			w[a] = rng.NormFloat64()
			g[a] = w[a] / D[a]
		}
		var gs, go0 Grad
		if err := s.Backward(b, &r, w, &gs); err != nil {
			t.Fatal(err)
		}
		var r0 Result
		b0 := batchOf(e)
		s.Solve(b0, &r0)
		if err := s.Backward(b0, &r0, g, &go0); err != nil {
			t.Fatal(err)
		}
		// Compared in the original units, against the largest gradient
		// entry there (a vertex's ∇p is round-off around 0).
		scale := 0.0
		for _, g := range [][]float64{go0.P, go0.H, go0.G, go0.Q} {
			scale = math.Max(scale, maxAbs(g))
		}
		check := func(name string, got, orig []float64, unit func(j int) float64) {
			for j := range orig {
				if math.Abs(got[j]*unit(j)-orig[j]) > 1e-7*scale {
					t.Fatalf("trial %d (n=%d m=%d): ∇%s[%d] = %g, want %g", trial, n, m, name, j, got[j], orig[j]/unit(j))
				}
			}
		}
		check("p̂", gs.P, go0.P, func(a int) float64 { return kappa * D[a] })
		check("ĥ", gs.H, go0.H, func(i int) float64 { return E[i] })
		check("Ĝ", gs.G, go0.G, func(j int) float64 { return E[j/n] * D[j%n] })
		check("Q̂", gs.Q, go0.Q, func(j int) float64 { return kappa * D[j/n] * D[j%n] })
		check("b̂", gs.B, go0.B, func(j int) float64 { return F[j] })
		check("Â", gs.A, go0.A, func(j int) float64 { return F[j/n] * D[j%n] })
	}
}
