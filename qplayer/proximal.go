package qplayer

import "math"

// Proximal-point solution of problems whose Q is only positive
// semidefinite (LP-like problems, redundant variables). Each outer
// iteration solves, exactly, the positive definite problem
//
//	minimize ½zᵀQz + pᵀz + (ε/2)‖z − z_j‖²  s.t.  Gz ≤ h, Az = b,
//
// i.e. Q + εI and p − ε·z_j, from z_0 = 0, until z stops moving. At a fixed
// point z = z_j the proximal term and its gradient vanish, so z with the
// last subproblem's multipliers satisfies the KKT conditions of the
// original problem; they are checked before the element is called optimal
// (Inaccurate otherwise).
// A problem unbounded below makes the iterates run off along a direction of
// recession d (Qd = 0, pᵀd < 0, Gd ≤ 0, Ad = 0), reported as Unbounded.

// Proximal-point settings.
const (
	proxEps     = 1e-6 // ε relative to max(1, max |Qᵢⱼ|)
	proxMaxIter = 20000
	proxTol     = 1e-13 // relative change of z that ends the iterations
	proxNoise   = 1e-9  // a change this small ends them if the KKT conditions hold
)

// proxScratch holds the subproblem's data.
type proxScratch struct {
	Q, p, prev, step, last []float64
}

func (ps *proxScratch) grow(n int) {
	if cap(ps.p) < n {
		ps.Q = make([]float64, n*n)
		ps.p, ps.prev, ps.step, ps.last = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	}
	ps.Q, ps.p, ps.prev, ps.step, ps.last = ps.Q[:n*n], ps.p[:n], ps.prev[:n], ps.step[:n], ps.last[:n]
	clear(ps.last)
}

// proximal solves e (finite, Q symmetric positive semidefinite but not
// definite) into z, lam, nu, active.
func (w *workspace) proximal(e *elem, o *Options, z, lam, nu []float64, active []bool) (Status, int) {
	n := e.n
	ps := &w.prox
	ps.grow(n)
	qmax := maxAbs(e.Q)
	eps := proxEps * math.Max(1, qmax)
	copy(ps.Q, e.Q)
	for i := 0; i < n; i++ {
		ps.Q[i*n+i] += eps
	}
	sub := *e
	sub.Q, sub.p = ps.Q, ps.p
	clear(z)
	total := 0
	for outer := 0; outer < proxMaxIter; outer++ {
		copy(ps.prev, z)
		for i := range ps.p {
			ps.p[i] = e.p[i] - eps*z[i]
		}
		st, it := w.solve(&sub, nil, o, z, lam, nu, active)
		total += it
		if st != Optimal {
			return st, total
		}
		moved, size := 0.0, maxAbs(z)
		for i := range z {
			ps.step[i] = z[i] - ps.prev[i]
			moved = math.Max(moved, math.Abs(ps.step[i]))
		}
		// Done when z stops moving, or moves only by the round-off of the
		// subproblem (whose condition grows as 1/ε) and the original
		// problem's KKT conditions hold already.
		if moved <= proxTol*(1+size) || (moved <= proxNoise*(1+size) && kktHolds(e, z, lam, nu, o.Tol)) {
			if !kktHolds(e, z, lam, nu, o.Tol) {
				return Inaccurate, total
			}
			return Optimal, total
		}
		// The same step twice, along a direction of recession: the
		// iterates run off for good.
		if outer > 2 && sameDirection(ps.step, ps.last) && recession(e, ps.step) {
			s := maxAbs(ps.step)
			for i := range z { // the direction, scaled to max |dᵢ| = 1, in place of a minimiser
				z[i] = ps.step[i] / s
			}
			clear(lam)
			clear(nu)
			return Unbounded, total
		}
		copy(ps.last, ps.step)
	}
	return MaxIter, total
}

// kktHolds checks z, λ, ν against all the KKT conditions of e, scaled by
// the data (see residuals), to max(tol, 1e-9).
func kktHolds(e *elem, z, lam, nu []float64, tol float64) bool {
	tol = math.Max(tol, 1e-9)
	r := residuals(e, z, lam, nu)
	return r.Stationarity <= tol && r.Primal <= tol && r.Dual <= 0 && r.Complementarity <= tol
}

// semidefinite reports whether the symmetric Q (which failed to factor) is
// positive semidefinite to working precision: Q + δI factors with δ ten
// times the smallest pivot cholesky accepts.
func semidefinite(Q []float64, n int) bool {
	scale := math.Max(maxAbs(Q), 1e-300)
	L := make([]float64, n*n)
	return cholesky(Q, L, n, 10*minPivot*scale)
}

// sameDirection reports whether steps a and b agree to 1e-9 (relative).
func sameDirection(a, b []float64) bool {
	m := maxAbs(a)
	if m == 0 {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9*m {
			return false
		}
	}
	return true
}

// recession reports whether d is a direction of recession along which e's
// objective decreases: Qd = 0, pᵀd < 0, Gd ≤ 0 and Ad = 0, to 1e-9 of the
// data's scale (d scaled to max |dᵢ| = 1).
func recession(e *elem, d []float64) bool {
	n := e.n
	s := maxAbs(d)
	tol := 1e-9 * math.Max(1, math.Max(maxAbs(e.Q), math.Max(maxAbs(e.G), maxAbs(e.A))))
	row := func(r []float64) float64 {
		v := 0.0
		for i, x := range r {
			v += x * d[i] / s
		}
		return v
	}
	for a := 0; a < n; a++ {
		v := 0.0
		for c := 0; c < n; c++ {
			v += symQ(e.Q, n, a, c) * d[c] / s
		}
		if math.Abs(v) > tol {
			return false
		}
	}
	for i := 0; i < e.m; i++ {
		if row(e.G[i*n:(i+1)*n]) > tol {
			return false
		}
	}
	for j := 0; j < e.k; j++ {
		if math.Abs(row(e.A[j*n:(j+1)*n])) > tol {
			return false
		}
	}
	return row(e.p) < -tol*math.Max(1, maxAbs(e.p))
}

// symQ returns entry (a, c) of Q's symmetric part ½(Q + Qᵀ), the matrix
// of the objective ½zᵀQz (equal to Q's entry when Q is symmetric).
func symQ(Q []float64, n, a, c int) float64 {
	return 0.5 * (Q[a*n+c] + Q[c*n+a])
}

// kktActive is the check of an answer of the dual method, cheap enough for
// every element: stationarity Qz + p + Gᵀλ + Aᵀν = 0 (Q's symmetric part) (only working rows
// have λ ≠ 0) and the working rows held with equality, scaled by the data.
// Feasibility of the other rows is what ended the method (its last scan
// found none violated beyond the tolerance), and λ ≥ 0 holds by
// construction, so they are not checked again.
func kktActive(e *elem, z, lam, nu []float64, active []bool, tol float64) bool {
	n, m, k := e.n, e.m, e.k
	tol = math.Max(tol, 1e-9)
	for a := 0; a < n; a++ {
		s, mag := e.p[a], math.Abs(e.p[a])
		for c, zc := range z {
			t := symQ(e.Q, n, a, c) * zc
			s += t
			mag += math.Abs(t)
		}
		for i := 0; i < m; i++ {
			if l := lam[i]; l != 0 {
				t := e.G[i*n+a] * l
				s += t
				mag += math.Abs(t)
			}
		}
		for j := 0; j < k; j++ {
			if v := nu[j]; v != 0 {
				t := e.A[j*n+a] * v
				s += t
				mag += math.Abs(t)
			}
		}
		if math.Abs(s) > tol*math.Max(mag, 1) {
			return false
		}
	}
	for i := 0; i < m; i++ {
		if !active[i] {
			continue
		}
		if g, mag := rowExcess(e.G[i*n:(i+1)*n], e.h[i], z); math.Abs(g) > tol*(1+mag) {
			return false
		}
	}
	for j := 0; j < k; j++ {
		if g, mag := rowExcess(e.A[j*n:(j+1)*n], e.b[j], z); math.Abs(g) > tol*(1+mag) {
			return false
		}
	}
	return true
}

// rowExcess returns row·z − rhs and the magnitude |rhs| + Σ|row_c·z_c| it
// is judged against, summed in the row's order.
func rowExcess(row []float64, rhs float64, z []float64) (g, mag float64) {
	g, mag = -rhs, math.Abs(rhs)
	for c, zc := range z {
		g += row[c] * zc
		mag += math.Abs(row[c] * zc)
	}
	return g, mag
}

// Residuals are an answer's KKT residuals, each relative to the data's
// scale: the largest of |Qz + p + Gᵀλ + Aᵀν|, the largest violation of a
// row of G or A, the most negative λ, and the largest |λᵢ(Gz − h)ᵢ|.
type Residuals struct {
	Stationarity    float64 `json:"stationarity"`
	Primal          float64 `json:"primal"`
	Dual            float64 `json:"dual"`
	Complementarity float64 `json:"complementarity"`
}

// Residuals returns element i's KKT residuals for batch b (the batch res
// was solved from): what an inaccurate answer misses by.
func (r *Result) Residuals(b *Batch, i int) Residuals {
	e := b.at(i)
	n, m, k := e.n, e.m, e.k
	return residuals(&e, r.Z[i*n:(i+1)*n], r.Lambda[i*m:(i+1)*m], r.Nu[i*k:(i+1)*k])
}

// residuals computes Residuals for e at z, λ, ν.
func residuals(e *elem, z, lam, nu []float64) Residuals {
	n, m, k := e.n, e.m, e.k
	var out Residuals
	for a := 0; a < n; a++ {
		s, mag := e.p[a], math.Abs(e.p[a])
		for c := 0; c < n; c++ {
			t := symQ(e.Q, n, a, c) * z[c]
			s += t
			mag += math.Abs(t)
		}
		for j := 0; j < m; j++ {
			s += e.G[j*n+a] * lam[j]
			mag += math.Abs(e.G[j*n+a] * lam[j])
		}
		for j := 0; j < k; j++ {
			s += e.A[j*n+a] * nu[j]
			mag += math.Abs(e.A[j*n+a] * nu[j])
		}
		out.Stationarity = math.Max(out.Stationarity, math.Abs(s)/math.Max(mag, 1))
	}
	zmax := maxAbs(z)
	for j := 0; j < m; j++ {
		row := e.G[j*n : (j+1)*n]
		scale := 1 + math.Abs(e.h[j]) + maxAbs(row)*zmax
		g := dot(row, z) - e.h[j]
		out.Primal = math.Max(out.Primal, g/scale)
		out.Dual = math.Max(out.Dual, -lam[j])
		out.Complementarity = math.Max(out.Complementarity, math.Abs(lam[j]*g)/(scale*math.Max(1, math.Abs(lam[j]))))
	}
	for j := 0; j < k; j++ {
		row := e.A[j*n : (j+1)*n]
		out.Primal = math.Max(out.Primal, math.Abs(dot(row, z)-e.b[j])/(1+math.Abs(e.b[j])+maxAbs(row)*zmax))
	}
	return out
}
