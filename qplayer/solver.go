package qplayer

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// minChunk is the smallest number of elements worth a goroutine of its own.
const minChunk = 64

// Result holds the solution of every element of a batch, row-major with the
// batch first. A Result can be reused across solves of the same or other
// sizes; its slices grow as needed.
type Result struct {
	Size, N, M, K int
	Z             []float64 // Size×N minimisers
	Lambda        []float64 // Size×M inequality multipliers (≥ 0)
	Nu            []float64 // Size×K equality multipliers
	Active        []bool    // Size×M: row i of G is in the final working set
	Slack         []float64 // Size×M elastic slack t (zero in hard mode)
	Status        []Status  // Size statuses
	Iter          []int     // Size active-set changes

	elastic bool
	cert    []float64 // Size×(M+K) Farkas certificates (y, w), valid where Infeasible
	why     []uint8   // Size: why an element is Invalid (see Why)
	scaled  []bool    // Size: the element was solved equilibrated (hard mode)
	eqWork  []bool    // Size×K: equality in the working set (not implied by others)
	planeL  []float64 // Size×4: Q's factor of an element solved on the plane path (L₀₀ = 0 otherwise; Q batched)
	ext     []float64 // elastic: Size×(N+M) extended solutions (z, t)
	extLam  []float64 // elastic: Size×2M extended multipliers
	extAct  []bool    // elastic: Size×2M extended working set
	hard    []bool    // elastic: Size: the answer is the hard problem's (see Solver.solveScreened)
}

// ActiveSet returns the indices of element i's G rows in the working set.
func (r *Result) ActiveSet(i int) []int {
	var idx []int
	for j, a := range r.Active[i*r.M : (i+1)*r.M] {
		if a {
			idx = append(idx, j)
		}
	}
	return idx
}

// Counts returns how many elements ended with each status.
func (r *Result) Counts() map[Status]int {
	c := make(map[Status]int)
	for _, s := range r.Status[:r.Size] {
		c[s]++
	}
	return c
}

func growF(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func growB(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n)
	}
	return s[:n]
}

func (r *Result) reset(b *Batch, elastic bool) {
	r.Size, r.N, r.M, r.K, r.elastic = b.Size, b.N, b.M, b.K, elastic
	r.Z = growF(r.Z, b.Size*b.N)
	r.Lambda = growF(r.Lambda, b.Size*b.M)
	r.Nu = growF(r.Nu, b.Size*b.K)
	r.Active = growB(r.Active, b.Size*b.M)
	r.Slack = growF(r.Slack, b.Size*b.M)
	if !elastic {
		clear(r.Slack) // never written in hard mode
		// The plane path writes only the working rows' entries.
		clear(r.Lambda)
		clear(r.Active)
	}
	r.eqWork = growB(r.eqWork, b.Size*b.K)
	if b.N == 2 {
		r.planeL = growF(r.planeL, 4*b.Size)
	}
	if cap(r.why) < b.Size {
		r.why, r.scaled = make([]uint8, b.Size), make([]bool, b.Size)
	}
	r.why, r.scaled = r.why[:b.Size], r.scaled[:b.Size]
	if !elastic {
		r.cert = growF(r.cert, b.Size*(b.M+b.K)) // written only for infeasible elements
	}
	if cap(r.Status) < b.Size {
		r.Status = make([]Status, b.Size)
		r.Iter = make([]int, b.Size)
	}
	r.Status, r.Iter = r.Status[:b.Size], r.Iter[:b.Size]
	if elastic {
		r.ext = growF(r.ext, b.Size*(b.N+b.M))
		r.extLam = growF(r.extLam, b.Size*2*b.M)
		r.extAct = growB(r.extAct, b.Size*2*b.M)
		r.hard = growB(r.hard, b.Size)
		clear(r.hard)
	}
}

// Objective returns ½zᵀQz + pᵀz of element i (without the elastic penalty).
func (r *Result) Objective(b *Batch, i int) float64 {
	e := b.at(i)
	z := r.Z[i*r.N : (i+1)*r.N]
	v := dot(e.p, z)
	for a := 0; a < e.n; a++ {
		v += 0.5 * z[a] * dot(e.Q[a*e.n:(a+1)*e.n], z)
	}
	return v
}

// Solver solves batches with fixed options, keeping one workspace per
// goroutine between calls so that repeated solves do not allocate.
type Solver struct {
	opts Options
	ws   []*workspace
	J0   []float64 // L⁻ᵀ of a shared Q (extended in elastic mode); nil when Q is batched
	j0   []float64 // J0's storage, kept between solves
	ext  extended  // elastic: the extended shared Q's storage
	Qext []float64 // elastic: the extended shared Q, blkdiag(Q, σI)
	L0   []float64 // Cholesky factor of a shared Q (extended in elastic mode)

	// The elastic screen (n = 2, no equalities): a shared Q's own factor
	// and its L⁻ᵀ, and whether it factored.
	screenL, screenJ [4]float64
	screenQ          bool
	noScreen         bool // tests: every elastic element takes the extended problem
}

// NewSolver returns a solver with the given options (zero fields take the
// defaults), or an error naming an impossible option.
func NewSolver(opts Options) (*Solver, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	if opts.Elastic && opts.Sigma == 0 {
		opts.Sigma = DefaultSigma
	}
	return &Solver{opts: opts.withDefaults()}, nil
}

// Options returns the solver's options with defaults filled in.
func (s *Solver) Options() Options { return s.opts }

func (s *Solver) workers(size int) int {
	w := s.opts.Workers
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	if c := (size + minChunk - 1) / minChunk; c < w {
		w = c
	}
	for len(s.ws) < w {
		s.ws = append(s.ws, new(workspace))
	}
	return w
}

// parallel calls fn over [0,size) split into one contiguous chunk per worker.
func (s *Solver) parallel(size int, fn func(w *workspace, lo, hi int)) {
	nw := s.workers(size)
	if nw == 1 {
		fn(s.ws[0], 0, size)
		return
	}
	var wg sync.WaitGroup
	chunk := (size + nw - 1) / nw
	for i := 0; i < nw; i++ {
		lo, hi := i*chunk, min((i+1)*chunk, size)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func(w *workspace) {
			defer wg.Done()
			fn(w, lo, hi)
		}(s.ws[i])
	}
	wg.Wait()
}

// sharedFactor factors a shared Q once for the whole batch. It returns
// false when Q is shared and not positive definite (Solve then solves a
// semidefinite one element by element, by proximal points, and makes every
// element of any other invalid) and leaves s.J0 nil when Q is batched.
func (s *Solver) sharedFactor(b *Batch) bool {
	s.J0 = nil
	if len(b.Q) != b.N*b.N || b.Size == 1 {
		return true
	}
	if !finiteAll(b.Q) {
		return true // each element reports itself invalid
	}
	n := b.N
	ne := n
	if s.opts.Elastic {
		ne += b.M
	}
	s.j0 = growF(s.j0, ne*ne)
	s.L0 = growF(s.L0, ne*ne)
	Q := b.Q
	if s.opts.Elastic {
		s.ext.grow(n, b.M, b.K)
		s.ext.buildQ(b.Q, n, b.M, s.opts.Sigma)
		Q = s.ext.Q[:ne*ne]
		s.Qext = Q
	}
	if !cholesky(Q, s.L0, ne, s.opts.Regularize) {
		return false
	}
	invTranspose(s.L0, s.j0, ne)
	s.J0 = s.j0
	return true
}

// Solve solves every element of b into res.
func (s *Solver) Solve(b *Batch, res *Result) error {
	if err := b.Validate(); err != nil {
		return err
	}
	res.reset(b, s.opts.Elastic)
	qOK := s.sharedFactor(b) || s.semidefiniteShared(b)
	J0, plane := s.planeShape(b)
	screen := s.elasticScreen(b)
	s.parallel(b.Size, func(w *workspace, lo, hi int) {
		if !qOK {
			for i := lo; i < hi; i++ {
				res.invalidate(i)
			}
			return
		}
		if plane && J0 == nil {
			s.solvePlaneBlocks(w, b, res, lo, hi)
			return
		}
		for i := lo; i < hi; i++ {
			switch {
			case screen && s.solveScreened(b, i, res):
			case plane && s.solvePlane(b, i, J0, res):
			default:
				s.solveGeneral(w, b, res, i)
			}
		}
	})
	return nil
}

// solveGeneral solves element i of b by the general path into res.
func (s *Solver) solveGeneral(w *workspace, b *Batch, res *Result, i int) {
	e := b.at(i)
	s.solveOne(w, &e, res, i)
	res.checkFinite(i)
}

// planeShape reports whether b's elements take the plane path (plane.go):
// hard mode, n = 2, no equalities, and a shared Q factored (its L⁻ᵀ is
// returned) unless Q is batched.
func (s *Solver) planeShape(b *Batch) (*[4]float64, bool) {
	if s.opts.Elastic || b.N != 2 || b.K != 0 {
		return nil, false
	}
	if s.J0 != nil {
		return (*[4]float64)(s.J0[:4]), true
	}
	return nil, len(b.Q) == 4*b.Size
}

// semidefiniteShared reports whether a shared Q that failed to factor is
// positive semidefinite, so that each element is solved by proximal points
// (s.J0 is nil then) in hard mode without regularization.
func (s *Solver) semidefiniteShared(b *Batch) bool {
	return !s.opts.Elastic && s.opts.Regularize == 0 && len(b.Q) == b.N*b.N && finiteAll(b.Q) && semidefinite(b.Q, b.N)
}

// Reasons an element is Invalid (Result.Why).
const (
	whyNone uint8 = iota
	whyData
	whyQ
	whyOverflowZ
	whyOverflowMult
)

// checkFinite makes element i invalid when its answer overflowed float64:
// a non-finite z or multiplier is never returned.
func (r *Result) checkFinite(i int) {
	n, m, k := r.N, r.M, r.K
	r.why[i] = whyNone
	switch {
	case r.Status[i] == Invalid:
		r.invalidate(i) // whatever path found it: a zero answer, reason whyQ (data checked first: see Why)
	case !finiteAll(r.Z[i*n : (i+1)*n]):
		r.invalidate(i)
		r.why[i] = whyOverflowZ
	case !finiteAll(r.Lambda[i*m:(i+1)*m]) || !finiteAll(r.Nu[i*k:(i+1)*k]) || r.elastic && !finiteAll(r.Slack[i*m:(i+1)*m]):
		r.invalidate(i)
		r.why[i] = whyOverflowMult
	}
}

// Why says why element i is Invalid ("" when it is not).
func (r *Result) Why(i int) string {
	if r.Status[i] != Invalid {
		return ""
	}
	switch r.why[i] {
	case whyOverflowZ:
		return "z overflows float64 (scale the problem)"
	case whyOverflowMult:
		return "a multiplier overflows float64 (scale the problem)"
	}
	return "the data hold NaN or Inf, or Q is not positive semidefinite"
}

func (r *Result) invalidate(i int) {
	z, lam, nu, act := r.elemViews(i)
	clear(z)
	clear(lam)
	clear(nu)
	clear(act)
	clear(r.Slack[i*r.M : (i+1)*r.M])
	r.scaled[i] = false
	r.Status[i], r.Iter[i] = Invalid, 0
	r.why[i] = whyQ
}

// solveOne solves element i of the batch into res: in elastic mode, or in
// hard mode on the element as given or, when it is badly scaled,
// equilibrated (see equilibrate.go; res.scaled records which, for
// Backward).
func (s *Solver) solveOne(w *workspace, e *elem, res *Result, i int) {
	res.scaled[i] = false
	if s.opts.Elastic {
		s.solveElastic(w, e, res, i)
		return
	}
	se, sc, ok := equilibrated(e)
	if !ok {
		s.solveHard(w, e, s.J0, res, i)
		return
	}
	res.scaled[i] = true
	s.solveHard(w, &se, nil, res, i) // Q̂ is the element's own
	z, lam, nu, _ := res.elemViews(i)
	var cert []float64
	if res.Status[i] == Infeasible {
		cert = res.cert[i*(e.m+e.k) : (i+1)*(e.m+e.k)]
	}
	sc.unscale(z, lam, nu, cert, res.Status[i] == Unbounded)
	if cert != nil && !certify(e, cert) {
		// The proof held in the scaled units; it must hold in the units
		// given (a column the scaling made tiny can hide a residual).
		res.Status[i] = Inaccurate
	}
}

// elemViews returns element i's slices of the result.
func (r *Result) elemViews(i int) (z, lam, nu []float64, act []bool) {
	n, m, k := r.N, r.M, r.K
	return r.Z[i*n : (i+1)*n], r.Lambda[i*m : (i+1)*m], r.Nu[i*k : (i+1)*k], r.Active[i*m : (i+1)*m]
}

// solveHard solves element i (the batch's, or its equilibrated form) in
// hard mode into res, with the checks that back its status. J0 is L⁻ᵀ of
// e's Q when factored already (a shared Q), nil otherwise.
func (s *Solver) solveHard(w *workspace, e *elem, J0 []float64, res *Result, i int) {
	m, k := e.m, e.k
	z, lam, nu, act := res.elemViews(i)
	res.Status[i], res.Iter[i] = w.solve(e, J0, &s.opts, z, lam, nu, act)
	switch {
	case res.Status[i] == Invalid && s.opts.Regularize == 0 && e.finite() && semidefinite(e.Q, e.n):
		res.Status[i], res.Iter[i] = w.proximal(e, &s.opts, z, lam, nu, act) // checks its own KKT conditions
		if res.Status[i] == Inaccurate && refine(e, z, lam, nu, act, s.opts.Tol) {
			res.Status[i] = Optimal
		}
	case res.Status[i] == Optimal && !kktActive(e, z, lam, nu, act, s.opts.Tol):
		// Not an answer to the problem given (round-off, or the
		// regularization's error): refined on the working set, or
		// inaccurate — never a silent wrong answer.
		if !refine(e, z, lam, nu, act, s.opts.Tol) {
			res.Status[i] = Inaccurate
		}
	}
	w.markEqualities(e, res.eqWork[i*k:(i+1)*k])
	if res.Status[i] == Infeasible {
		cert := res.cert[i*(m+k) : (i+1)*(m+k)]
		w.certificate(e, w.q, cert)
		if !certify(e, cert) {
			res.Status[i] = Inaccurate // not a proof: round-off
		}
	}
}

// sharedExtQ returns the elastic problem's Q of a shared Q (factored by
// sharedFactor), nil when Q is batched.
func (s *Solver) sharedExtQ() []float64 {
	if s.J0 == nil {
		return nil
	}
	return s.Qext
}

// solveElastic solves element i in elastic mode into res.
func (s *Solver) solveElastic(w *workspace, e *elem, res *Result, i int) {
	n, m, k := e.n, e.m, e.k
	z, lam, nu, act := res.elemViews(i)
	x := &w.ext
	ee := x.build(e, s.opts.Rho, s.opts.Sigma, s.sharedExtQ())
	ne := n + m
	y := res.ext[i*ne : (i+1)*ne]
	lamE := res.extLam[i*2*m : (i+1)*2*m]
	actE := res.extAct[i*2*m : (i+1)*2*m]
	res.Status[i], res.Iter[i] = w.solve(ee, s.J0, &s.opts, y, lamE, nu, actE)
	if res.Status[i] == Optimal && !kktActive(ee, y, lamE, nu, actE, s.opts.Tol) &&
		!refine(ee, y, lamE, nu, actE, s.opts.Tol) {
		res.Status[i] = Inaccurate // checked as in hard mode, on the elastic problem
	}
	w.markEqualities(ee, res.eqWork[i*k:(i+1)*k])
	copy(z, y[:n])
	copy(lam, lamE[:m])
	copy(act, actE[:m])
	slack := res.Slack[i*m : (i+1)*m]
	for j := range slack {
		slack[j] = math.Max(y[n+j], 0)
	}
}

// markEqualities records which equalities ended in the working set.
func (w *workspace) markEqualities(e *elem, eq []bool) {
	clear(eq)
	for j := 0; j < w.q; j++ {
		if c := w.act[j]; c < e.k {
			eq[c] = true
		}
	}
}

// extended holds the elastic problem of one element: variables (z, t),
//
//	minimize ½zᵀQz + pᵀz + ρ·1ᵀt + (σ/2)‖t‖²
//	subject to Gz − t ≤ h, −t ≤ 0, Az = b.
type extended struct {
	Q, p, G, h, A []float64
	e             elem
}

func (x *extended) grow(n, m, k int) {
	ne := n + m
	x.Q = growF(x.Q, ne*ne)
	x.p = growF(x.p, ne)
	x.G = growF(x.G, 2*m*ne)
	x.h = growF(x.h, 2*m)
	x.A = growF(x.A, k*ne)
}

// buildQ writes blkdiag(Q, σI) into x.Q.
func (x *extended) buildQ(Q []float64, n, m int, sigma float64) {
	ne := n + m
	clear(x.Q[:ne*ne])
	for i := 0; i < n; i++ {
		copy(x.Q[i*ne:i*ne+n], Q[i*n:(i+1)*n])
	}
	for j := 0; j < m; j++ {
		x.Q[(n+j)*ne+n+j] = sigma
	}
}

// build returns the elastic problem of e. sharedQ is the extended Q of a
// shared Q, built once per batch (nil: e's own is built here).
func (x *extended) build(e *elem, rho, sigma float64, sharedQ []float64) *elem {
	n, m, k := e.n, e.m, e.k
	ne := n + m
	x.grow(n, m, k)
	Q := sharedQ
	if Q == nil {
		x.buildQ(e.Q, n, m, sigma)
		Q = x.Q[:ne*ne]
	}
	copy(x.p, e.p)
	for j := 0; j < m; j++ {
		x.p[n+j] = rho
	}
	clear(x.G[:2*m*ne])
	for i := 0; i < m; i++ {
		copy(x.G[i*ne:i*ne+n], e.G[i*n:(i+1)*n])
		x.G[i*ne+n+i] = -1
		x.G[(m+i)*ne+n+i] = -1
		x.h[i], x.h[m+i] = e.h[i], 0
	}
	clear(x.A[:k*ne])
	for i := 0; i < k; i++ {
		copy(x.A[i*ne:i*ne+n], e.A[i*n:(i+1)*n])
	}
	x.e = elem{n: ne, m: 2 * m, k: k, Q: Q, p: x.p[:ne],
		G: x.G[:2*m*ne], h: x.h[:2*m], A: x.A[:k*ne], b: e.b}
	return &x.e
}

// String describes a solver's mode for messages and benchmarks.
func (s *Solver) String() string {
	if s.opts.Elastic {
		return fmt.Sprintf("elastic(rho=%g, sigma=%g)", s.opts.Rho, s.opts.Sigma)
	}
	return "hard"
}

// finiteAll reports whether every value of v is finite: x − x is 0 for a
// finite x and NaN for ±Inf and NaN.
func finiteAll(v []float64) bool {
	for _, x := range v {
		if x-x != 0 {
			return false
		}
	}
	return true
}
