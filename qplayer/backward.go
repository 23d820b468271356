package qplayer

import (
	"fmt"
	"math"
)

// WeakTol is the size of a working row's force λᵢ‖gᵢ‖∞, relative to the
// largest force of the stationarity equation Qz + p + Gᵀλ + Aᵀν = 0
// (‖Qz‖∞, ‖p‖∞ and every λⱼ‖gⱼ‖∞; see forceScale), at or below which the
// row counts as weakly active. Measured so, the test does not depend on
// the units of z, of the rows or of the cost.
//
// Convention: weakly active constraints are treated as inactive in the
// backward pass (dλᵢ = 0). The gradient is then the one-sided derivative for
// perturbations that make the constraint slack; in particular ∇hᵢ = 0, which
// is exact for every hᵢ increase because a constraint with a zero multiplier
// can be loosened without moving the solution.
const WeakTol = 1e-12

// Grad holds the gradient of a scalar loss with respect to each input of a
// batch, shaped like that input: batched inputs get one gradient per
// element, shared inputs the sum over the batch.
type Grad struct {
	Q, P, G, H, A, B []float64
}

// slices returns the six gradients in the order of Batch.fields.
func (g *Grad) slices() [6]*[]float64 {
	return [6]*[]float64{&g.Q, &g.P, &g.G, &g.H, &g.A, &g.B}
}

// backScratch is the backward pass's scratch memory in a workspace.
type backScratch struct {
	L, W, S, Ls    []float64
	gt, dmu, v, dz []float64
	rows           []int
	acc            [6][]float64 // this worker's sums for shared inputs
	extGrad        [6][]float64 // elastic: gradient of the extended problem
	extDz          []float64    // elastic: dz padded with zeros for t
	nonFinite      int
	overflow       int // elements whose gradient would overflow float64
}

func (bs *backScratch) grow(n int) {
	if len(bs.gt) >= n {
		return
	}
	bs.L = make([]float64, n*n)
	bs.W = make([]float64, n*n)
	bs.S = make([]float64, n*n)
	bs.Ls = make([]float64, n*n)
	bs.gt = make([]float64, n)
	bs.dmu = make([]float64, n)
	bs.v = make([]float64, n)
	bs.dz = make([]float64, n)
	bs.rows = make([]int, n)
}

// views are where one element's gradients are added.
type views [6][]float64

// sol is one element's forward solution as the backward pass needs it.
type sol struct {
	z, lam, nu []float64
	act, eq    []bool
}

// Backward computes the gradient of a loss ℓ with respect to every input of
// b, given res from Solve(b) and dz = ∂ℓ/∂z (Size×N). Elements that are not
// optimal get zero gradient. Elements whose dz holds NaN or Inf get zero
// gradient too, and Backward then returns an error saying how many there were.
func (s *Solver) Backward(b *Batch, res *Result, dz []float64, g *Grad) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if res.Size != b.Size || res.N != b.N || res.M != b.M || res.K != b.K || res.elastic != s.opts.Elastic {
		return fmt.Errorf("qplayer: backward: result of a %d×(n=%d,m=%d,k=%d) solve does not match batch %d×(n=%d,m=%d,k=%d)",
			res.Size, res.N, res.M, res.K, b.Size, b.N, b.M, b.K)
	}
	if len(dz) != b.Size*b.N {
		return fmt.Errorf("qplayer: backward: dz has %d values, want %d", len(dz), b.Size*b.N)
	}
	fields := b.fields()
	out := g.slices()
	var shared [6]bool
	for f := range fields {
		*out[f] = growF(*out[f], len(fields[f].data))
		shared[f] = len(fields[f].data) == fields[f].per && b.Size > 1
		if shared[f] {
			clear(*out[f]) // batched gradients are cleared element by element (viewOf)
		}
	}
	qOK := s.sharedFactor(b)
	if !qOK && !s.semidefiniteShared(b) {
		for f := range fields {
			clear(*out[f])
		}
		return nil // every element invalid: zero gradient
	}
	nw := s.workers(b.Size)
	for _, w := range s.ws[:nw] {
		for f := range fields {
			if shared[f] {
				w.back.acc[f] = growF(w.back.acc[f], fields[f].per)
				clear(w.back.acc[f])
			}
		}
		w.back.nonFinite, w.back.overflow = 0, 0
	}
	_, plane := s.planeShape(b)
	plane = plane || s.elasticScreen(b)
	// viewOf returns where element i's gradients go, its own (batched)
	// ones cleared: every element's are, once, while in cache.
	viewOf := func(w *workspace, i int) views {
		var v views
		for f := range fields {
			if shared[f] {
				v[f] = w.back.acc[f]
			} else {
				per := fields[f].per
				v[f] = (*out[f])[i*per : (i+1)*per]
				clear(v[f])
			}
		}
		return v
	}
	s.parallel(b.Size, func(w *workspace, lo, hi int) {
		if plane {
			s.backwardPlaneRange(w, b, res, dz, lo, hi, shared, viewOf)
			return
		}
		for i := lo; i < hi; i++ {
			v := viewOf(w, i)
			s.backwardOne(w, b, res, i, dz[i*b.N:(i+1)*b.N], v)
			w.back.clearOverflow(v, shared)
		}
	})
	bad, overflow := 0, 0
	for _, w := range s.ws[:nw] {
		bad += w.back.nonFinite
		overflow += w.back.overflow
		for f := range fields {
			if shared[f] {
				for j, a := range w.back.acc[f] {
					(*out[f])[j] += a
				}
			}
		}
	}
	var sharedBad []string
	for f := range fields {
		if shared[f] && !finiteAll(*out[f]) {
			clear(*out[f])
			sharedBad = append(sharedBad, fields[f].name)
		}
	}
	switch {
	case bad > 0:
		return fmt.Errorf("qplayer: backward: upstream gradient has NaN or Inf in %d of %d elements (given zero gradient)", bad, b.Size)
	case overflow > 0:
		return fmt.Errorf("qplayer: backward: the gradient overflows float64 in %d of %d elements (given zero gradient): scale the problem", overflow, b.Size)
	case len(sharedBad) > 0:
		return fmt.Errorf("qplayer: backward: the gradient of the shared %v overflows float64 (given zero): scale the problem", sharedBad)
	}
	return nil
}

// forceScale returns the largest force of the stationarity equation at
// (z, λ): the largest of ‖Qz‖∞ (Q's symmetric part), ‖p‖∞ and λᵢ‖gᵢ‖∞
// over the rows of G, the n-column matrix.
func forceScale(Q, p, G []float64, n int, z, lam []float64) float64 {
	f := 0.0
	for a := 0; a < n; a++ {
		v := 0.0
		for c := 0; c < n; c++ {
			v += symQ(Q, n, a, c) * z[c]
		}
		f = math.Max(f, math.Max(math.Abs(v), math.Abs(p[a])))
	}
	for i, l := range lam {
		if l != 0 {
			f = math.Max(f, l*rowInf(G[i*n:(i+1)*n]))
		}
	}
	return f
}

// rowInf returns max |gₐ|.
func rowInf(g []float64) float64 {
	m := 0.0
	for _, v := range g {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// clearOverflow gives zero gradient to an element whose own gradient (the
// views of batched inputs) overflowed float64, and counts it.
func (bs *backScratch) clearOverflow(v views, shared [6]bool) {
	for f := range v {
		if !shared[f] && !finiteAll(v[f]) {
			for g := range v {
				if !shared[g] {
					clear(v[g])
				}
			}
			bs.overflow++
			return
		}
	}
}

// backwardOne adds element i's gradients to v.
func (s *Solver) backwardOne(w *workspace, b *Batch, res *Result, i int, g []float64, v views) {
	if res.Status[i] != Optimal {
		return
	}
	for _, x := range g {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			w.back.nonFinite++
			return
		}
	}
	e := b.at(i)
	n, m, k := b.N, b.M, b.K
	eq := res.eqWork[i*k : (i+1)*k]
	if !s.opts.Elastic {
		st := sol{z: res.Z[i*n : (i+1)*n], lam: res.Lambda[i*m : (i+1)*m],
			nu: res.Nu[i*k : (i+1)*k], act: res.Active[i*m : (i+1)*m], eq: eq}
		if res.scaled[i] { // solved equilibrated: differentiate the same way
			w.backwardScaled(&e, equilibration(&e), s.opts.Regularize, &st, g, v)
			return
		}
		w.backward(&e, s.sharedL(), s.opts.Regularize, &st, g, v)
		return
	}
	// Elastic: differentiate the extended problem, then keep the parts that
	// belong to the caller's inputs.
	ne := n + m
	ee := w.ext.build(&e, s.opts.Rho, s.opts.Sigma, s.sharedExtQ())
	st := sol{z: res.ext[i*ne : (i+1)*ne], lam: res.extLam[i*2*m : (i+1)*2*m],
		nu: res.Nu[i*k : (i+1)*k], act: res.extAct[i*2*m : (i+1)*2*m], eq: eq}
	bs := &w.back
	sizes := [6]int{ne * ne, ne, 2 * m * ne, 2 * m, k * ne, k}
	var ev views
	for f, sz := range sizes {
		bs.extGrad[f] = growF(bs.extGrad[f], sz)
		clear(bs.extGrad[f])
		ev[f] = bs.extGrad[f]
	}
	gext := growF(bs.extDz, ne)
	bs.extDz = gext
	clear(gext)
	copy(gext, g)
	w.backward(ee, s.sharedL(), s.opts.Regularize, &st, gext, ev)
	for a := 0; a < n; a++ {
		addTo(v[0][a*n:(a+1)*n], ev[0][a*ne:a*ne+n])
	}
	addTo(v[1], ev[1][:n])
	for r := 0; r < m; r++ {
		addTo(v[2][r*n:(r+1)*n], ev[2][r*ne:r*ne+n])
	}
	addTo(v[3], ev[3][:m])
	for r := 0; r < k; r++ {
		addTo(v[4][r*n:(r+1)*n], ev[4][r*ne:r*ne+n])
	}
	addTo(v[5], ev[5])
}

// sharedL returns the Cholesky factor of a shared Q, nil when Q is batched.
func (s *Solver) sharedL() []float64 {
	if s.J0 == nil {
		return nil
	}
	return s.L0
}

func addTo(dst, src []float64) {
	for i, x := range src {
		dst[i] += x
	}
}

// backward adds to v the gradients of element e with solution st for the
// upstream gradient g, by solving the KKT system on the strongly active set:
//
//	[Q  Cᵀ] [dz]   [−g]
//	[C  0 ] [dμ] = [ 0],   C = the active rows of G and A,
//
// through the Cholesky factor L of Q and the Schur complement S = C Q⁻¹ Cᵀ.
// L0 is the factor of a shared Q, nil when Q is batched; ridge is the
// solver's regularization of Q.
func (w *workspace) backward(e *elem, L0 []float64, ridge float64, st *sol, g []float64, v views) {
	n := e.n
	bs := &w.back
	bs.grow(n)
	L := L0
	semidefinite := false
	if L == nil {
		L = bs.L[:n*n]
		if !cholesky(e.Q, L, n, ridge) {
			semidefinite = true // solved by proximal points: see kktBackward
		}
	}
	// The strongly active rows: working equalities and inequalities whose
	// force is beyond WeakTol of the largest.
	ref := WeakTol * forceScale(e.Q, e.p, e.G, n, st.z, st.lam)
	q := 0
	for c := 0; c < e.k; c++ {
		if st.eq[c] {
			bs.rows[q] = c
			q++
		}
	}
	for i := 0; i < e.m; i++ {
		if st.act[i] && st.lam[i]*rowInf(e.G[i*n:(i+1)*n]) > ref && q < n {
			bs.rows[q] = e.k + i
			q++
		}
	}
	if semidefinite {
		if dz, dmu, ok := kktBackward(e, bs.rows[:q], g); ok {
			accumulate(e, st, dz, dmu, bs.rows[:q], v)
		}
		return
	}
	gt, W := bs.gt[:n], bs.W[:q*n]
	forwardSub(L, g, gt, n)
	for j := 0; j < q; j++ {
		row, _ := e.normal(bs.rows[j])
		forwardSub(L, row, W[j*n:(j+1)*n], n)
	}
	dmu := bs.dmu[:q]
	if q > 0 {
		S, Ls := bs.S[:q*q], bs.Ls[:q*q]
		for a := 0; a < q; a++ {
			for c := 0; c <= a; c++ {
				x := dot(W[a*n:(a+1)*n], W[c*n:(c+1)*n])
				S[a*q+c], S[c*q+a] = x, x
			}
			dmu[a] = -dot(W[a*n:(a+1)*n], gt)
		}
		if !cholesky(S, Ls, q, 0) {
			return // dependent rows: cannot happen for a Goldfarb–Idnani working set
		}
		forwardSub(Ls, dmu, dmu, q)
		backSubT(Ls, dmu, dmu, q)
	}
	vv := bs.v[:n]
	copy(vv, gt)
	for j := 0; j < q; j++ {
		for a := 0; a < n; a++ {
			vv[a] += dmu[j] * W[j*n+a]
		}
	}
	dz := bs.dz[:n]
	backSubT(L, vv, dz, n)
	for a := range dz {
		dz[a] = -dz[a]
	}
	accumulate(e, st, dz, dmu[:q], bs.rows[:q], v)
}

// accumulate adds ∇p = dz, ∇Q = ½(dz zᵀ + z dzᵀ), ∇G = dλ zᵀ + λ dzᵀ,
// ∇h = −dλ, ∇A = dν zᵀ + ν dzᵀ, ∇b = −dν to v.
func accumulate(e *elem, st *sol, dz, dmu []float64, rows []int, v views) {
	n, z := e.n, st.z
	addTo(v[1], dz)
	for a := 0; a < n; a++ {
		for c := 0; c < n; c++ {
			v[0][a*n+c] += 0.5 * (dz[a]*z[c] + z[a]*dz[c])
		}
	}
	for i := 0; i < e.m; i++ {
		if l := st.lam[i]; l != 0 {
			for a := 0; a < n; a++ {
				v[2][i*n+a] += l * dz[a]
			}
		}
	}
	for c := 0; c < e.k; c++ {
		if nu := st.nu[c]; nu != 0 {
			for a := 0; a < n; a++ {
				v[4][c*n+a] += nu * dz[a]
			}
		}
	}
	for j, r := range rows {
		d := dmu[j]
		if r < e.k {
			v[5][r] -= d
			for a := 0; a < n; a++ {
				v[4][r*n+a] += d * z[a]
			}
			continue
		}
		i := r - e.k
		v[3][i] -= d
		for a := 0; a < n; a++ {
			v[2][i*n+a] += d * z[a]
		}
	}
}

// forwardSub solves L y = b for lower triangular L (y may alias b).
func forwardSub(L, b, y []float64, n int) {
	for i := 0; i < n; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= L[i*n+k] * y[k]
		}
		y[i] = s / L[i*n+i]
	}
}

// backSubT solves Lᵀ y = b for lower triangular L (y may alias b).
func backSubT(L, b, y []float64, n int) {
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < n; k++ {
			s -= L[k*n+i] * y[k]
		}
		y[i] = s / L[i*n+i]
	}
}

// backwardScaled differentiates an element Solve equilibrated (see
// equilibrate.go): the backward pass of the scaled problem at its answer
// (ẑ = D⁻¹z, λ̂ = cλ/E, ν̂ = cν/F) for dẑ = D·dz, its gradients mapped back
// to the inputs given by the chain rule. It allocates: the path is rare.
func (w *workspace) backwardScaled(e *elem, sc *scaling, ridge float64, st *sol, g []float64, v views) {
	n, m, k := e.n, e.m, e.k
	D, E, F, c := sc.D, sc.E, sc.F, sc.c
	se := scaledElem(e, sc)
	sh := *st
	sh.z, sh.lam, sh.nu = make([]float64, n), make([]float64, m), make([]float64, k)
	gh := make([]float64, n)
	for a := range gh {
		sh.z[a], gh[a] = st.z[a]/D[a], D[a]*g[a]
	}
	for i := range sh.lam {
		sh.lam[i] = c * st.lam[i] / E[i]
	}
	for j := range sh.nu {
		sh.nu[j] = c * st.nu[j] / F[j]
	}
	var vh views
	for f, sz := range [6]int{n * n, n, m * n, m, k * n, k} {
		vh[f] = make([]float64, sz)
	}
	w.backward(&se, nil, ridge, &sh, gh, vh)
	for a := 0; a < n; a++ {
		v[1][a] += c * D[a] * vh[1][a]
		for b := 0; b < n; b++ {
			v[0][a*n+b] += c * D[a] * vh[0][a*n+b] * D[b]
		}
	}
	for i := 0; i < m; i++ {
		v[3][i] += E[i] * vh[3][i]
		for a := 0; a < n; a++ {
			v[2][i*n+a] += E[i] * vh[2][i*n+a] * D[a]
		}
	}
	for j := 0; j < k; j++ {
		v[5][j] += F[j] * vh[5][j]
		for a := 0; a < n; a++ {
			v[4][j*n+a] += F[j] * vh[4][j*n+a] * D[a]
		}
	}
}
