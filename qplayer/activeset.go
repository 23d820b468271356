package qplayer

import "math"

// dependentRatio is the squared relative size below which a constraint
// normal counts as lying in the span of the working set's normals.
const dependentRatio = 1e-22

// workspace is the scratch memory of one goroutine's solves. Nothing in the
// per-element path allocates once a workspace has grown to the problem size.
type workspace struct {
	n    int       // variables of the element being solved
	q    int       // size of the final working set of the last solve
	capN int       // capacity: variables
	capC int       // capacity: constraints (k+m)
	L    []float64 // n×n lower Cholesky factor of Q
	J    []float64 // n×n, row-major; starts as L⁻ᵀ, rotated as the working set changes
	R    []float64 // n×n upper triangle; column j is Jᵀ·(normal of working constraint j)
	d    []float64 // Jᵀ·normal of the entering constraint
	step []float64 // primal step direction
	r    []float64 // dual step direction of the working set
	u    []float64 // multipliers of the working set
	act  []int     // constraint ids of the working set
	x    []float64 // current iterate
	sgn  []float64 // orientation of each constraint's normal
	nrm  []float64 // Euclidean norm of each constraint row
	infC int       // the constraint that could not enter when the solve found infeasibility

	ext  extended // the elastic problem's data, when elastic
	back backScratch
	prox proxScratch // the proximal subproblem's data, for semidefinite Q
}

// grow makes the workspace fit n variables and c constraints.
func (w *workspace) grow(n, c int) {
	w.n = n
	if n > w.capN {
		w.capN = n
		w.L = make([]float64, n*n)
		w.J = make([]float64, n*n)
		w.R = make([]float64, n*n)
		w.d = make([]float64, n)
		w.step = make([]float64, n)
		w.r = make([]float64, n)
		w.u = make([]float64, n)
		w.act = make([]int, n)
		w.x = make([]float64, n)
	}
	if c > w.capC {
		w.capC = c
		w.sgn = make([]float64, c)
		w.nrm = make([]float64, c)
	}
}

// minPivot is the smallest pivot, relative to Q's largest diagonal entry,
// a Cholesky factor may have for Q to count as positive definite. Below it
// (a condition number beyond about 1e10) factor-based solves and gradients
// lose too many digits, and the proximal-point path, exact for
// semidefinite Q, takes over.
const minPivot = 1e-10

// cholesky factors the symmetric part of Q (n×n) plus ridge·I into L
// (lower, row-major). It reports false when that is not numerically
// positive definite.
func cholesky(Q, L []float64, n int, ridge float64) bool {
	scale := 0.0
	for i := 0; i < n; i++ {
		scale = math.Max(scale, math.Abs(Q[i*n+i]))
	}
	for j := 0; j < n; j++ {
		s := Q[j*n+j] + ridge
		for k := 0; k < j; k++ {
			s -= L[j*n+k] * L[j*n+k]
		}
		if !(s > minPivot*scale) {
			return false
		}
		ljj := math.Sqrt(s)
		L[j*n+j] = ljj
		for i := j + 1; i < n; i++ {
			s := 0.5 * (Q[i*n+j] + Q[j*n+i])
			for k := 0; k < j; k++ {
				s -= L[i*n+k] * L[j*n+k]
			}
			L[i*n+j] = s / ljj
		}
		for i := 0; i < j; i++ {
			L[i*n+j] = 0
		}
	}
	return true
}

// invTranspose writes J = L⁻ᵀ (upper triangular) for a lower triangular L.
func invTranspose(L, J []float64, n int) {
	for i := range J[:n*n] {
		J[i] = 0
	}
	// Column j of L⁻¹ solves L y = e_j; it is row j of J.
	for j := 0; j < n; j++ {
		for i := j; i < n; i++ {
			s := 0.0
			if i == j {
				s = 1
			}
			for k := j; k < i; k++ {
				s -= L[i*n+k] * J[j*n+k]
			}
			J[j*n+i] = s / L[i*n+i]
		}
	}
	// J now holds L⁻¹ transposed row by row: J[j][i] = (L⁻¹)[i][j].
}

// factor returns J₀ = L⁻ᵀ for Q, or false when Q is not positive definite.
func (w *workspace) factor(Q []float64, n int, ridge float64, J0 []float64) bool {
	if !cholesky(Q, w.L, n, ridge) {
		return false
	}
	invTranspose(w.L, J0, n)
	return true
}

// normal returns row c of e's constraints and its right-hand side: the
// equality rows A then the inequality rows G. With the orientation sgn[c]
// the method sees the constraint as sgn·(row·z − rhs) ≥ 0 (sgn = −1 for
// inequalities, ±1 for equalities as needed).
func (e *elem) normal(c int) (row []float64, rhs float64) {
	n := e.n
	if c < e.k {
		return e.A[c*n : (c+1)*n], e.b[c]
	}
	i := c - e.k
	return e.G[i*n : (i+1)*n], e.h[i]
}

// value returns sgn·(row·x − rhs) for constraint c: negative when violated.
func (w *workspace) value(e *elem, c int) float64 {
	row, rhs := e.normal(c)
	return w.sgn[c] * (dot(row, w.x[:e.n]) - rhs)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// solve runs the Goldfarb–Idnani dual active-set method on e. J0 is L⁻ᵀ of
// e.Q when the caller factored a shared Q already, nil otherwise. On return
// z (n), lam (m), nu (k) and active (m) hold element e's solution.
func (w *workspace) solve(e *elem, J0 []float64, o *Options,
	z, lam, nu []float64, active []bool) (Status, int) {
	tol, maxIter := o.Tol, o.MaxIter
	n, k, m := e.n, e.k, e.m
	w.grow(n, k+m)
	for i := range lam {
		lam[i], active[i] = 0, false
	}
	for i := range nu {
		nu[i] = 0
	}
	if !e.finite() || !w.start(e, J0, o.Regularize) {
		clear(z)
		w.q = 0
		return Invalid, 0
	}
	if maxIter == 0 {
		maxIter = 10*(n+m+k) + 20
	}
	q, iter := 0, 0
	// Equalities first: each enters the working set and never leaves.
	for c := 0; c < k; c++ {
		w.sgn[c] = 1
		if w.value(e, c) > 0 {
			w.sgn[c] = -1
		}
		if st := w.enter(e, c, &q, &iter, maxIter, tol); st != Optimal {
			return w.finish(e, st, q, iter, z, lam, nu, active)
		}
	}
	for c := k; c < k+m; c++ {
		w.sgn[c] = -1
	}
	// Inequalities: add the most violated one until none is.
	for {
		c := w.mostViolated(e, q, tol)
		if c < 0 {
			return w.finish(e, Optimal, q, iter, z, lam, nu, active)
		}
		if st := w.enter(e, c, &q, &iter, maxIter, tol); st != Optimal {
			return w.finish(e, st, q, iter, z, lam, nu, active)
		}
	}
}

// start factors Q (unless J0 is given), sets J and the unconstrained
// minimiser x = −Q⁻¹p = −J Jᵀp, and the constraint row norms.
func (w *workspace) start(e *elem, J0 []float64, ridge float64) bool {
	n := e.n
	J := w.J[:n*n]
	if J0 != nil {
		copy(J, J0)
	} else if !w.factor(e.Q, n, ridge, J) {
		return false
	}
	d, x := w.d[:n], w.x[:n]
	for j := 0; j < n; j++ {
		s := 0.0
		for i := 0; i <= j; i++ { // J = L⁻ᵀ is upper triangular
			s += J[i*n+j] * e.p[i]
		}
		d[j] = s
	}
	for i := 0; i < n; i++ {
		s := 0.0
		for j := i; j < n; j++ {
			s += J[i*n+j] * d[j]
		}
		x[i] = -s
	}
	for c := 0; c < e.k+e.m; c++ {
		row, _ := e.normal(c)
		w.nrm[c] = math.Sqrt(dot(row, row))
	}
	return true
}

// mostViolated returns the inequality outside the working set with the
// largest violation (as a distance, row-normalised) beyond the tolerance, or
// −1 when there is none.
func (w *workspace) mostViolated(e *elem, q int, tol float64) int {
	n, k := e.n, e.k
	x := w.x[:n]
	xinf := maxAbs(x)
	worst, worstV := -1, 0.0
scan:
	for c := k; c < k+e.m; c++ {
		for j := 0; j < q; j++ {
			if w.act[j] == c {
				continue scan
			}
		}
		i := c - k
		excess := dot(e.G[i*n:(i+1)*n], x) - e.h[i]
		nr := w.nrm[c]
		if nr == 0 {
			// 0·z ≤ h: violated only by a negative h, and then for good.
			if excess > tol*(1+math.Abs(e.h[i])) {
				return c
			}
			continue
		}
		v := excess / nr
		if v > tol*(1+xinf+math.Abs(e.h[i])/nr) && v > worstV {
			worst, worstV = c, v
		}
	}
	return worst
}

// enter performs steps 2–3 of the method for constraint c, whose value is
// ≤ 0: partial steps drop blocking inequalities until a full step adds c.
// It returns Infeasible when no step exists, and Optimal both when c was
// added and when c is an equality the working set already implies.
func (w *workspace) enter(e *elem, c int, q, iter *int, maxIter int, tol float64) Status {
	n, k := e.n, e.k
	J, R := w.J[:n*n], w.R[:n*n]
	d, step, r, u, x := w.d[:n], w.step[:n], w.r[:n], w.u[:n], w.x[:n]
	row, rhs := e.normal(c)
	sgn := w.sgn[c]
	s := w.value(e, c)
	unew := 0.0
	for {
		if *iter >= maxIter {
			return MaxIter
		}
		// d = Jᵀn⁺, the entering normal in the working set's coordinates.
		dn2 := 0.0
		for j := 0; j < n; j++ {
			t := 0.0
			for i := 0; i < n; i++ {
				t += J[i*n+j] * row[i]
			}
			d[j] = sgn * t
			dn2 += d[j] * d[j]
		}
		// Primal direction z = J₂d₂; its curvature zᵀn⁺ = ‖d₂‖².
		zn := 0.0
		for j := *q; j < n; j++ {
			zn += d[j] * d[j]
		}
		for i := 0; i < n; i++ {
			t := 0.0
			for j := *q; j < n; j++ {
				t += J[i*n+j] * d[j]
			}
			step[i] = t
		}
		// Dual direction r = R⁻¹d₁.
		for j := *q - 1; j >= 0; j-- {
			t := d[j]
			for l := j + 1; l < *q; l++ {
				t -= R[j*n+l] * r[l]
			}
			r[j] = t / R[j*n+j]
		}
		// Partial step: the first working inequality whose multiplier hits 0.
		t1, blocking := math.Inf(1), -1
		for j := 0; j < *q; j++ {
			if w.act[j] >= k && r[j] > 0 {
				if t := u[j] / r[j]; t < t1 {
					t1, blocking = t, j
				}
			}
		}
		// Full step: the one after which c holds with equality.
		dependent := dn2 == 0 || zn <= dependentRatio*dn2
		t2 := math.Inf(1)
		if !dependent {
			t2 = math.Max(-s/zn, 0)
		}
		if dependent && blocking < 0 {
			if c < k && -s <= tol*(1+math.Abs(rhs)+w.nrm[c]*maxAbs(x)) {
				return Optimal // an equality the working set implies
			}
			w.infC = c // r now holds the certificate (see certificate)
			return Infeasible
		}
		t := math.Min(t1, t2)
		if !dependent {
			for i := range x {
				x[i] += t * step[i]
			}
		}
		for j := 0; j < *q; j++ {
			u[j] -= t * r[j]
		}
		unew += t
		*iter++
		if t2 <= t1 {
			w.add(c, unew, q)
			return Optimal
		}
		w.drop(blocking, q)
		s = w.value(e, c)
	}
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// add appends constraint c, whose Jᵀn⁺ is in w.d, to the working set with
// multiplier mult: Givens rotations fold d's tail into position q, and
// d[:q+1] becomes column q of R.
func (w *workspace) add(c int, mult float64, q *int) {
	n := w.n
	J, R, d := w.J, w.R, w.d
	for j := n - 1; j > *q; j-- {
		a, b := d[j-1], d[j]
		if b == 0 {
			continue
		}
		h := math.Hypot(a, b)
		cs, sn := a/h, b/h
		d[j-1], d[j] = h, 0
		for i := 0; i < n; i++ {
			ja, jb := J[i*n+j-1], J[i*n+j]
			J[i*n+j-1] = cs*ja + sn*jb
			J[i*n+j] = -sn*ja + cs*jb
		}
	}
	for i := 0; i <= *q; i++ {
		R[i*n+*q] = d[i]
	}
	w.act[*q] = c
	w.u[*q] = mult
	*q++
}

// drop removes working constraint j and restores R's upper triangle with
// rotations that are applied to J's columns as well.
func (w *workspace) drop(j int, q *int) {
	n := w.n
	J, R := w.J, w.R
	for l := j; l < *q-1; l++ {
		for i := 0; i <= l+1; i++ {
			R[i*n+l] = R[i*n+l+1]
		}
		w.act[l] = w.act[l+1]
		w.u[l] = w.u[l+1]
	}
	*q--
	for l := j; l < *q; l++ {
		a, b := R[l*n+l], R[(l+1)*n+l]
		if b == 0 {
			continue
		}
		h := math.Hypot(a, b)
		cs, sn := a/h, b/h
		for col := l; col < *q; col++ {
			ra, rb := R[l*n+col], R[(l+1)*n+col]
			R[l*n+col] = cs*ra + sn*rb
			R[(l+1)*n+col] = -sn*ra + cs*rb
		}
		R[(l+1)*n+l] = 0
		for i := 0; i < n; i++ {
			ja, jb := J[i*n+l], J[i*n+l+1]
			J[i*n+l] = cs*ja + sn*jb
			J[i*n+l+1] = -sn*ja + cs*jb
		}
	}
}

// finish copies the iterate and the working set's multipliers out. Multipliers
// are reported only for optimal elements; an infeasible or stopped element
// keeps its last (finite) iterate.
func (w *workspace) finish(e *elem, st Status, q, iter int, z, lam, nu []float64, active []bool) (Status, int) {
	copy(z, w.x[:e.n])
	w.q = q
	if st != Optimal {
		return st, iter
	}
	for j := 0; j < q; j++ {
		c := w.act[j]
		if c < e.k {
			nu[c] = -w.sgn[c] * w.u[j]
			continue
		}
		lam[c-e.k] = math.Max(w.u[j], 0)
		active[c-e.k] = true
	}
	return st, iter
}
