package qplayer

import "math"

// The plane path: elements with two variables and no equalities, in hard
// mode. That is the safety layer's shape (two controls; a few CBF rows and
// control bounds), and the one the speed targets are set on.
//
// It runs the Goldfarb–Idnani method of activeset.go with every loop over
// the variables unrolled, the 2×2 matrices J and R and the working set (at
// most two rows) held in a small value, and the row norms computed only for
// rows that are violated. It performs the same floating-point operations in
// the same order as the general method, so its answers are the general
// method's, bit for bit (TestPlaneMatchesGeneral). Whenever the general
// path has more to do, it hands the element over untouched (see
// solvePlane).

// plane is the state of one plane solve.
type plane struct {
	J    [4]float64 // row-major; starts as L⁻ᵀ (upper triangular)
	R    [4]float64 // upper triangle used
	x    [2]float64 // iterate
	u    [2]float64 // multipliers of the working set
	act  [2]int     // rows of G in the working set
	q    int        // size of the working set
	iter int
}

// planeCholesky returns the lower Cholesky factor L (row-major) of
// Q + ridge·I, exactly as cholesky computes it for n = 2, or false when
// that is not numerically positive definite or badly scaled (Q's diagonal
// spanning more than equilibrateSpan: the general path equilibrates it).
// Q's entries are finite.
func planeCholesky(Q []float64, ridge float64) ([4]float64, bool) {
	lo, hi := Q[0], Q[3]
	if hi < lo {
		lo, hi = hi, lo
	}
	if lo > 0 && hi > equilibrateSpan*lo {
		return [4]float64{}, false
	}
	scale := math.Abs(Q[0])
	if a := math.Abs(Q[3]); a > scale {
		scale = a
	}
	s := Q[0] + ridge
	if !(s > minPivot*scale) {
		return [4]float64{}, false
	}
	l00 := math.Sqrt(s)
	l10 := 0.5 * (Q[2] + Q[1]) / l00
	s = Q[3] + ridge
	s -= l10 * l10
	if !(s > minPivot*scale) {
		return [4]float64{}, false
	}
	return [4]float64{l00, 0, l10, math.Sqrt(s)}, true
}

// planeFactor writes L and J = L⁻ᵀ for Q + ridge·I = LLᵀ, exactly as
// cholesky and invTranspose do for n = 2, or reports false when Q + ridge·I is not
// numerically positive definite or is badly scaled.
func planeFactor(Q []float64, ridge float64, J, Lout *[4]float64) bool {
	L, ok := planeCholesky(Q, ridge)
	if !ok {
		return false
	}
	*Lout = L
	j00 := 1 / L[0]
	*J = [4]float64{j00, (0 - L[2]*j00) / L[3], 0, 1 / L[3]}
	return true
}

// solvePlane solves element i of b (n = 2, k = 0) into res and reports true
// when it found the optimum and the optimum passed its checks: finite data
// of moderate magnitude (planeModerate), an answer of ordinary size (see
// tiny), a KKT check as in solveHard and a finite answer. J0 is L⁻ᵀ of the
// element's Q, positive definite and well scaled (the shared one, or its
// own from planeFactor). It
// reports false, having written nothing the general path relies on, for
// everything else: invalid or badly scaled data, semidefinite Q,
// infeasibility (whose certificate the general path computes), the
// iteration limit and an answer that fails its check.
func (s *Solver) solvePlane(b *Batch, i int, J0 *[4]float64, res *Result) bool {
	m := b.M
	Q, p := elemOf(b.Q, 4, i), elemOf(b.P, 2, i)
	G, h := elemOf(b.G, 2*m, i), elemOf(b.H, m, i)
	if !planeModerate(Q, p, G, h) {
		return false // equilibrated by the general path
	}
	// tiny's first test inline: an unconstrained minimiser of ordinary size
	// (the common case) settles it.
	qmax := max(math.Abs(Q[0]), math.Abs(Q[1]), math.Abs(Q[2]), math.Abs(Q[3]))
	if !(max(math.Abs(p[0]), math.Abs(p[1])) >= smallScale*2*qmax) && tiny(Q, p, G, h, nil, nil, 2) {
		return false
	}
	var w plane
	w.J = *J0
	w.start(p)
	maxIter := s.opts.MaxIter
	if maxIter == 0 {
		maxIter = 10*(2+m) + 20
	}
	tol := s.opts.Tol
	for {
		c := w.mostViolated(G, h, tol)
		if c < 0 {
			break
		}
		if !w.enter(G[2*c:2*c+2], h[c], maxIter) {
			return false // infeasible or out of iterations: the general path says which
		}
		w.act[w.q-1] = c
	}
	if !w.kktHolds(Q, p, G, h, tol) || !w.finite() {
		return false // the general path says why
	}
	z, lam, _, act := res.elemViews(i) // λ and the active set were cleared by reset
	z[0], z[1] = w.x[0], w.x[1]
	for j := 0; j < w.q; j++ {
		lam[w.act[j]] = math.Max(w.u[j], 0)
		act[w.act[j]] = true
	}
	res.Status[i], res.Iter[i], res.scaled[i], res.why[i] = Optimal, w.iter, false, whyNone
	return true
}

// finite reports whether the iterate and the multipliers are finite.
func (w *plane) finite() bool {
	return w.x[0]-w.x[0] == 0 && w.x[1]-w.x[1] == 0 &&
		(w.q < 1 || w.u[0]-w.u[0] == 0) && (w.q < 2 || w.u[1]-w.u[1] == 0)
}

// kktHolds is kktActive for the plane: stationarity and the working rows
// held with equality, summed in the same order (rows ascending).
func (w *plane) kktHolds(Q, p, G, h []float64, tol float64) bool {
	if tol < 1e-9 {
		tol = 1e-9
	}
	z0, z1 := w.x[0], w.x[1]
	var rows [2]int
	var lam [2]float64
	for j := 0; j < w.q; j++ {
		rows[j], lam[j] = w.act[j], math.Max(w.u[j], 0)
	}
	if w.q == 2 && rows[0] > rows[1] {
		rows[0], rows[1], lam[0], lam[1] = rows[1], rows[0], lam[1], lam[0]
	}
	for a := 0; a < 2; a++ {
		s, mag := p[a], math.Abs(p[a])
		t := 0.5 * (Q[2*a] + Q[a]) * z0 // Q's symmetric part, as symQ
		s += t
		mag += math.Abs(t)
		t = 0.5 * (Q[2*a+1] + Q[2+a]) * z1
		s += t
		mag += math.Abs(t)
		for j := 0; j < w.q; j++ {
			if l := lam[j]; l != 0 {
				t := G[2*rows[j]+a] * l
				s += t
				mag += math.Abs(t)
			}
		}
		if mag < 1 {
			mag = 1
		}
		if math.Abs(s) > tol*mag {
			return false
		}
	}
	for j := 0; j < w.q; j++ {
		r := rows[j]
		g, mag := -h[r], math.Abs(h[r])
		g += G[2*r] * z0
		mag += math.Abs(G[2*r] * z0)
		g += G[2*r+1] * z1
		mag += math.Abs(G[2*r+1] * z1)
		if math.Abs(g) > tol*(1+mag) {
			return false
		}
	}
	return true
}

// planeModerate reports whether the data are finite and of moderate
// magnitude, as extreme (equilibrate.go) judges them: at extreme
// magnitudes the products of the method and of its check overflow or
// underflow, and the general path equilibrates the element first. It reads
// exponents: |v| ≥ extremeBig (NaN and ±Inf too) is a biased exponent of
// extremeBigBits or more; 0 < |v| < extremeSmall one below
// extremeSmallExp.
func planeModerate(Q, p, G, h []float64) bool {
	const sign, hi, lo = 1 << 63, extremeBigBits << 52, extremeSmallExp << 52
	q0, q3 := math.Float64bits(Q[0])&^sign, math.Float64bits(Q[3])&^sign
	if q0 >= hi || q3 >= hi || math.Float64bits(Q[1])&^sign >= hi || math.Float64bits(Q[2])&^sign >= hi ||
		math.Float64bits(p[0])&^sign >= hi || math.Float64bits(p[1])&^sign >= hi {
		return false
	}
	if d := max(q0, q3); d != 0 && d < lo { // as |Q₀₀|, |Q₁₁| < extremeSmall
		return false
	}
	for _, v := range h {
		if math.Float64bits(v)&^sign >= hi {
			return false
		}
	}
	for _, v := range G {
		b := math.Float64bits(v) &^ sign
		if b >= hi || b < lo && b != 0 {
			return false
		}
	}
	return true
}

// planeBlock is how many batched Q a worker factors ahead of solving them.
const planeBlock = 64

// solvePlaneBlocks solves elements [lo, hi) of a plane-shaped batch with Q
// batched. The factors are computed a block ahead, in a loop whose
// iterations are independent, so that their square roots and divisions
// overlap instead of waiting on each other; each element is then solved
// with its factor, or by the general path when Q did not factor (or
// whenever solvePlane declines).
func (s *Solver) solvePlaneBlocks(w *workspace, b *Batch, res *Result, lo, hi int) {
	var J [planeBlock][4]float64
	var ok [planeBlock]bool
	for start := lo; start < hi; start += planeBlock {
		end := min(start+planeBlock, hi)
		for i := start; i < end; i++ {
			ok[i-start] = planeFactor(b.Q[4*i:4*i+4], s.opts.Regularize, &J[i-start], (*[4]float64)(res.planeL[4*i:4*i+4]))
		}
		for i := start; i < end; i++ {
			if ok[i-start] && s.solvePlane(b, i, &J[i-start], res) {
				continue
			}
			res.planeL[4*i] = 0 // no factor kept: Backward factors Q itself
			s.solveGeneral(w, b, res, i)
		}
	}
}

// start sets the unconstrained minimiser x = −J Jᵀp.
func (w *plane) start(p []float64) {
	J := &w.J
	d0 := J[0] * p[0]
	d1 := J[1]*p[0] + J[3]*p[1]
	w.x = [2]float64{-(J[0]*d0 + J[1]*d1), -(J[3] * d1)}
}

// mostViolated returns the row of G outside the working set with the
// largest violation as a distance beyond the tolerance, or −1 (as
// workspace.mostViolated). A row's norm is computed only when it is
// violated: the test needs a positive excess.
func (w *plane) mostViolated(G, h []float64, tol float64) int {
	x0, x1 := w.x[0], w.x[1]
	xinf := math.Abs(x0) // maxAbs: the same value for finite x
	if a := math.Abs(x1); a > xinf {
		xinf = a
	}
	in0, in1 := -1, -1 // the working set
	if w.q > 0 {
		in0 = w.act[0]
	}
	if w.q > 1 {
		in1 = w.act[1]
	}
	worst, worstV := -1, 0.0
	G = G[:2*len(h)]
	for c := range h {
		if c == in0 || c == in1 {
			continue
		}
		g0, g1 := G[2*c], G[2*c+1]
		excess := g0*x0 + g1*x1 - h[c]
		if !(excess > 0) {
			continue
		}
		nr := math.Sqrt(g0*g0 + g1*g1)
		if nr == 0 {
			if excess > tol*(1+math.Abs(h[c])) {
				return c
			}
			continue
		}
		v := excess / nr
		if v > tol*(1+xinf+math.Abs(h[c])/nr) && v > worstV {
			worst, worstV = c, v
		}
	}
	return worst
}

// enter adds the violated row g·z ≤ hc to the working set (as
// workspace.enter with the orientation −1), dropping blocking rows on the
// way. It reports false when no step exists (infeasible) or the iteration
// limit is reached. The caller records the row's index.
func (w *plane) enter(g []float64, hc float64, maxIter int) bool {
	g0, g1 := g[0], g[1]
	J, R := &w.J, &w.R
	s := -(g0*w.x[0] + g1*w.x[1] - hc)
	unew := 0.0
	for {
		if w.iter >= maxIter {
			return false
		}
		d0 := -(J[0]*g0 + J[2]*g1)
		d1 := -(J[1]*g0 + J[3]*g1)
		dn2 := d0*d0 + d1*d1
		var zn, st0, st1, r0, r1 float64
		switch w.q {
		case 0:
			zn = d0*d0 + d1*d1
			st0, st1 = J[0]*d0+J[1]*d1, J[2]*d0+J[3]*d1
		case 1:
			zn = d1 * d1
			st0, st1 = J[1]*d1, J[3]*d1
			r0 = d0 / R[0]
		case 2:
			r1 = d1 / R[3]
			r0 = (d0 - R[1]*r1) / R[0]
		}
		t1, blocking := math.Inf(1), -1
		if w.q > 0 && r0 > 0 {
			if t := w.u[0] / r0; t < t1 {
				t1, blocking = t, 0
			}
		}
		if w.q > 1 && r1 > 0 {
			if t := w.u[1] / r1; t < t1 {
				t1, blocking = t, 1
			}
		}
		dependent := dn2 == 0 || zn <= dependentRatio*dn2
		t2 := math.Inf(1)
		if !dependent {
			t2 = math.Max(-s/zn, 0)
		}
		if dependent && blocking < 0 {
			return false
		}
		t := math.Min(t1, t2)
		if !dependent {
			w.x[0] += t * st0
			w.x[1] += t * st1
		}
		if w.q > 0 {
			w.u[0] -= t * r0
		}
		if w.q > 1 {
			w.u[1] -= t * r1
		}
		unew += t
		w.iter++
		if t2 <= t1 {
			w.add(d0, d1, unew)
			return true
		}
		w.drop(blocking)
		s = -(g0*w.x[0] + g1*w.x[1] - hc)
	}
}

// add appends the entering row, whose Jᵀn⁺ is (d0, d1), with multiplier
// mult (as workspace.add).
func (w *plane) add(d0, d1, mult float64) {
	J, R := &w.J, &w.R
	if w.q == 0 {
		if d1 != 0 {
			h := math.Hypot(d0, d1)
			cs, sn := d0/h, d1/h
			d0 = h
			for i := 0; i < 4; i += 2 {
				ja, jb := J[i], J[i+1]
				J[i] = cs*ja + sn*jb
				J[i+1] = -sn*ja + cs*jb
			}
		}
		R[0] = d0
	} else {
		R[1], R[3] = d0, d1
	}
	w.u[w.q] = mult
	w.q++
}

// drop removes working row j (as workspace.drop).
func (w *plane) drop(j int) {
	J, R := &w.J, &w.R
	if w.q == 1 {
		w.q = 0
		return
	}
	w.q = 1
	if j == 1 {
		return
	}
	R[0], R[2] = R[1], R[3]
	w.act[0], w.u[0] = w.act[1], w.u[1]
	a, b := R[0], R[2]
	if b == 0 {
		return
	}
	h := math.Hypot(a, b)
	cs, sn := a/h, b/h
	R[0], R[2] = cs*a+sn*b, 0
	for i := 0; i < 4; i += 2 {
		ja, jb := J[i], J[i+1]
		J[i] = cs*ja + sn*jb
		J[i+1] = -sn*ja + cs*jb
	}
}

// planeForces is forceScale for the plane, the same value: the largest of
// |(Qz)ₐ| (Q's symmetric part), |pₐ| and the working rows' forces λᵢ‖gᵢ‖∞
// (the other rows have λ = 0). The values are finite: max is math.Max.
func planeForces(Q, p, z, forces []float64) float64 {
	q01 := 0.5 * (Q[1] + Q[2])
	f := max(math.Abs(Q[0]*z[0]+q01*z[1]), math.Abs(q01*z[0]+Q[3]*z[1]), math.Abs(p[0]), math.Abs(p[1]))
	for _, v := range forces {
		f = max(f, v)
	}
	return f
}

// planeGrad is one plane element's differentiation, before its gradients
// are added: dz and dμ on its strongly active rows.
type planeGrad struct {
	dz, dmu [2]float64
	rows    [2]int // the strongly active rows, ascending
	q       int
	work    [2]int // the working rows, ascending, and their λ
	lam     [2]float64
	nw      int
	add     bool // there is a gradient to add (else zero, or general)
	general bool // the general path differentiates the element
	// moderate: every factor of the gradient (z, λ, dz, dμ) is below 1e150
	// in magnitude, so the element's gradient, a sum of at most three of
	// their products, cannot overflow.
	moderate bool
}

// backwardPlaneRange adds the gradients of elements [lo, hi) of a
// plane-shaped batch to their views (viewOf clears an element's own):
// planeDiff differentiates each, and those it hands over go through
// backwardOne. (Differentiating a block ahead, as solvePlaneBlocks factors,
// measured no faster: the backward pass is bound by memory, not by its
// divisions.)
func (s *Solver) backwardPlaneRange(w *workspace, b *Batch, res *Result, dz []float64, lo, hi int,
	shared [6]bool, viewOf func(w *workspace, i int) views) {
	var pg planeGrad
	for i := lo; i < hi; i++ {
		v := viewOf(w, i)
		g := dz[2*i : 2*i+2]
		s.planeDiff(w, b, res, i, g, &pg)
		switch {
		case pg.general:
			s.backwardOne(w, b, res, i, g, v)
			w.back.clearOverflow(v, shared)
		case pg.add:
			pg.accumulate(res.Z[2*i:2*i+2], v)
			if !pg.moderate {
				w.back.clearOverflow(v, shared)
			}
		}
	}
}

// accumulate is the function accumulate for a plane element at z: the same
// additions in the same order, over its working rows only (the other rows
// have λ = 0).
func (pg *planeGrad) accumulate(z []float64, v views) {
	dz := pg.dz
	v[1][0] += dz[0]
	v[1][1] += dz[1]
	for a := 0; a < 2; a++ {
		for c := 0; c < 2; c++ {
			v[0][a*2+c] += 0.5 * (dz[a]*z[c] + z[a]*dz[c])
		}
	}
	for j := 0; j < pg.nw; j++ {
		if l := pg.lam[j]; l != 0 {
			r := pg.work[j]
			v[2][2*r] += l * dz[0]
			v[2][2*r+1] += l * dz[1]
		}
	}
	for j := 0; j < pg.q; j++ {
		r, d := pg.rows[j], pg.dmu[j]
		v[3][r] -= d
		v[2][2*r] += d * z[0]
		v[2][2*r+1] += d * z[1]
	}
}

// planeDiff differentiates element i of a plane-shaped batch into pg (as
// workspace.backward, its operations unrolled: the same gradients bit for
// bit). The factor of Q is the shared one, or the one solvePlane kept in
// res. It hands the element to the general path (pg.general) when solved
// equilibrated or with a Q that does not factor (semidefinite, solved by
// proximal points).
func (s *Solver) planeDiff(w *workspace, b *Batch, res *Result, i int, g []float64, pg *planeGrad) {
	*pg = planeGrad{}
	if res.Status[i] != Optimal {
		return
	}
	if g[0]-g[0] != 0 || g[1]-g[1] != 0 {
		w.back.nonFinite++
		return
	}
	if res.scaled[i] || res.elastic && !res.hard[i] {
		pg.general = true
		return
	}
	var L [4]float64
	switch {
	case res.elastic && len(b.Q) == 4:
		L = s.screenL // a screened element of a shared Q (screen.go)
	case s.J0 != nil:
		copy(L[:], s.L0[:4])
	case res.planeL[4*i] > 0:
		copy(L[:], res.planeL[4*i:4*i+4])
	default:
		l, ok := planeCholesky(elemOf(b.Q, 4, i), s.opts.Regularize)
		if !ok {
			pg.general = true
			return
		}
		L = l
	}
	m := b.M
	G := elemOf(b.G, 2*m, i)
	st := sol{z: res.Z[2*i : 2*i+2], lam: res.Lambda[i*m : (i+1)*m], act: res.Active[i*m : (i+1)*m]}
	// The strongly active rows (as in workspace.backward): the working
	// rows, at most two, whose force is beyond WeakTol of the largest.
	var work [2]int
	var force [2]float64
	nw := 0
	for r, a := range st.act {
		if a && nw < 2 {
			work[nw], force[nw] = r, st.lam[r]*max(math.Abs(G[2*r]), math.Abs(G[2*r+1]))
			nw++
		}
	}
	ref := 0.0
	if nw > 0 { // no working row, nothing to judge
		ref = WeakTol * planeForces(elemOf(b.Q, 4, i), elemOf(b.P, 2, i), st.z, force[:nw])
	}
	lmax := 0.0 // for the magnitude test below
	var rows [2]int
	q := 0
	for j := 0; j < nw; j++ {
		lmax = max(lmax, st.lam[work[j]])
		if force[j] > ref {
			rows[q] = work[j]
			q++
		}
	}
	// gt = L⁻¹g and W_j = L⁻¹(row j), by forward substitution.
	gt0 := g[0] / L[0]
	gt1 := (g[1] - L[2]*gt0) / L[3]
	var W [4]float64
	for j := 0; j < q; j++ {
		r := G[2*rows[j] : 2*rows[j]+2]
		W[2*j] = r[0] / L[0]
		W[2*j+1] = (r[1] - L[2]*W[2*j]) / L[3]
	}
	// dμ solves S dμ = −W gt with S = W Wᵀ, through S's Cholesky factor.
	var dmu [2]float64
	switch q {
	case 1:
		S := W[0]*W[0] + W[1]*W[1]
		if !(S > minPivot*math.Abs(S)) {
			return // dependent rows: no gradient, as the general path
		}
		ls := math.Sqrt(S)
		dmu[0] = -(W[0]*gt0 + W[1]*gt1) / ls / ls
	case 2:
		S := [4]float64{W[0]*W[0] + W[1]*W[1], 0, W[2]*W[0] + W[3]*W[1], W[2]*W[2] + W[3]*W[3]}
		S[1] = S[2]
		var Ls [4]float64
		if !cholesky(S[:], Ls[:], 2, 0) {
			return
		}
		d0 := -(W[0]*gt0 + W[1]*gt1) / Ls[0]
		d1 := (-(W[2]*gt0 + W[3]*gt1) - Ls[2]*d0) / Ls[3]
		d1 /= Ls[3]
		dmu = [2]float64{(d0 - Ls[2]*d1) / Ls[0], d1}
	}
	// dz = −L⁻ᵀ(gt + Wᵀdμ).
	v0, v1 := gt0, gt1
	for j := 0; j < q; j++ {
		v0 += dmu[j] * W[2*j]
		v1 += dmu[j] * W[2*j+1]
	}
	dz1 := v1 / L[3]
	dz0 := (v0 - L[2]*dz1) / L[0]
	pg.dz, pg.dmu, pg.rows, pg.q, pg.add = [2]float64{-dz0, -dz1}, dmu, rows, q, true
	pg.work, pg.nw = work, nw
	for j := 0; j < nw; j++ {
		pg.lam[j] = st.lam[work[j]]
	}
	const big = 1e150
	pg.moderate = math.Abs(dz0) < big && math.Abs(dz1) < big &&
		math.Abs(st.z[0]) < big && math.Abs(st.z[1]) < big && lmax < big
	for j := 0; j < q; j++ {
		pg.moderate = pg.moderate && math.Abs(dmu[j]) < big
	}
}
