package qplayer

import "math"

// Equilibration of badly scaled problems (hard mode). An element whose
// data span many orders of magnitude — variables in very different units,
// values so large or small that the method's intermediate products would
// overflow or underflow, or an answer so small that the tolerances' floor
// of 1 would swamp it — is solved in scaled form:
//
//	Q̂ = c·DQD, p̂ = c·Dp, Ĝ = EGD, ĥ = Eh, Â = FAD, b̂ = Fb,   z = Dẑ,
//
// with D (variables), E (rows of G), F (rows of A) from Ruiz equilibration
// of the KKT matrix [Q Gᵀ Aᵀ; G 0 0; A 0 0] — each pass divides every row
// and column by the square root of its largest entry — then c, a cost
// scale that brings Q̂ and p̂ near 1, then one uniform scale of z that
// brings p̂, ĥ and b̂ near 1. Every factor is a power of two, so the
// scaled data are exact (no rounding) and the scaled problem is the given
// one in other units. Back in those units:
//
//	z = Dẑ,  λ = Eλ̂/c,  ν = Fν̂/c,  certificate y = Eŷ, w = Fŵ,
//
// and a direction of recession d = Dd̂; the active set is the same. The
// backward pass maps back by the chain rule: dẑ = D·dz, ∇Q = c·D∇Q̂D,
// ∇p = c·D∇p̂, ∇G = E∇ĜD, ∇h = E∇ĥ, ∇A = F∇ÂD, ∇b = F∇b̂. Well scaled
// elements, the common case, cost one pass over the data to say so.

// Limits beyond which an element counts as badly scaled.
const (
	equilibrateSpan = 1e4        // Q's diagonal spanning more than this
	extremeBig      = 0x1p333    // ≈ 1.7e100: any value this large in magnitude
	extremeSmall    = 0x1p-332   // ≈ 1.1e-100: a nonzero entry of G or A below this
	extremeBigBits  = 1023 + 333 // biased exponent of extremeBig
	extremeSmallExp = 1023 - 332 // biased exponent of extremeSmall
)

// ruizPasses bounds the passes of Ruiz equilibration.
const ruizPasses = 20

// scaling is the equilibration of one element.
type scaling struct {
	D, E, F []float64 // variables, rows of G, rows of A
	c       float64   // cost
}

// magnitudes are what one pass over an element's data finds, as the bits
// of absolute values (whose integer order is their order as floats).
type magnitudes struct {
	all, q, p      uint64 // largest |v| over all data, over Q, over p
	tinyRow        bool   // a nonzero entry of G or A below extremeSmall
	diagLo, diagHi float64
}

const signBit = 1 << 63

// measure returns e's magnitudes.
func measure(e *elem) magnitudes {
	mg := magnitudes{diagLo: math.Inf(1)}
	top := func(d []float64) uint64 {
		var m uint64
		for _, v := range d {
			m = max(m, math.Float64bits(v)&^signBit)
		}
		return m
	}
	mg.q, mg.p = top(e.Q), top(e.p)
	mg.all = max(mg.q, mg.p, top(e.h), top(e.b))
	for _, d := range [2][]float64{e.G, e.A} {
		for _, v := range d {
			b := math.Float64bits(v) &^ signBit
			mg.all = max(mg.all, b)
			mg.tinyRow = mg.tinyRow || b != 0 && b < extremeSmallExp<<52
		}
	}
	for a := 0; a < e.n; a++ {
		d := e.Q[a*e.n+a]
		mg.diagLo, mg.diagHi = min(mg.diagLo, d), max(mg.diagHi, d)
	}
	return mg
}

// finite reports whether every value is finite.
func (mg *magnitudes) finite() bool { return mg.all < 0x7ff<<52 }

// spanned reports whether Q's positive diagonal spans more than
// equilibrateSpan: variables in very different units.
func (mg *magnitudes) spanned() bool {
	return mg.diagLo > 0 && mg.diagHi > equilibrateSpan*mg.diagLo
}

// extreme reports whether the element holds a value of extremeBig or more
// in magnitude, or a nonzero entry of G or A, or a largest diagonal entry
// of Q, below extremeSmall: magnitudes at which the method's products
// overflow or underflow.
func (mg *magnitudes) extreme(e *elem) bool {
	if mg.all >= extremeBigBits<<52 || mg.tinyRow {
		return true
	}
	hi := 0.0
	for a := 0; a < e.n; a++ {
		hi = max(hi, math.Abs(e.Q[a*e.n+a]))
	}
	return hi != 0 && hi < extremeSmall
}

// smallScale is the size, relative to 1, below which the natural size of
// z counts as tiny: the method's tolerances have an absolute floor of 1 in
// the units of z (and of the gradient), which would swamp violations and
// residuals of a problem whose whole answer is that small.
const smallScale = 0x1p-10

// tiny reports whether e's answer is of a tiny natural size: the
// unconstrained minimiser's size is at least ‖p‖∞/(n·max|Qᵢⱼ|), and row i
// holds z at a distance of about |hᵢ|/‖gᵢ‖∞; all of these below smallScale
// (and not all zero: z = 0 is then the answer) is a problem in units that
// make its answer tiny, solved equilibrated.
func tiny(Q, p, G, h, A, b []float64, n int) bool {
	qmax, pmax := maxAbs(Q), maxAbs(p)
	if qmax == 0 || pmax >= smallScale*float64(n)*qmax {
		return false // LP-like (the proximal path), or of ordinary size
	}
	nonzero := pmax != 0
	for _, rows := range [2]struct{ M, r []float64 }{{G, h}, {A, b}} {
		for i, v := range rows.r {
			g := rowInf(rows.M[i*n : (i+1)*n])
			if a := math.Abs(v); g != 0 && a >= smallScale*g {
				return false
			}
			nonzero = nonzero || v != 0
		}
	}
	return nonzero
}

// pow2 returns the power of two nearest to x > 0 (1 for 0, Inf or NaN).
func pow2(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 0) {
		return 1
	}
	return math.Ldexp(1, int(math.Round(math.Log2(x))))
}

// maxFactor bounds each Ruiz factor (and its inverse): a row or column
// that is degenerate (zero, or vanishing as the others are scaled) would
// otherwise have its factor run off towards overflow over the passes.
const maxFactor = 0x1p900

func withinFactor(f float64) bool { return f <= maxFactor && f >= 1/maxFactor }

// usable reports whether every factor is finite and positive, so that the
// scaled data and the answer's unscaling stay numbers.
func (sc *scaling) usable() bool {
	ok := func(f float64) bool { return f > 0 && !math.IsInf(f, 0) }
	for _, v := range [][]float64{sc.D, sc.E, sc.F, {sc.c}} {
		for _, f := range v {
			if !ok(f) {
				return false
			}
		}
	}
	return true
}

// equilibration returns the scaling of e: Ruiz passes on the KKT matrix,
// then the cost scale.
func equilibration(e *elem) *scaling {
	n, m, k := e.n, e.m, e.k
	sc := &scaling{D: ones(n), E: ones(m), F: ones(k), c: 1}
	rv := make([]float64, n) // largest entry of each variable's row and column
	for pass := 0; pass < ruizPasses; pass++ {
		clear(rv)
		done := true
		for a := 0; a < n; a++ {
			for c := 0; c < n; c++ {
				rv[a] = math.Max(rv[a], math.Abs(sc.D[a]*e.Q[a*n+c]*sc.D[c]))
			}
		}
		rowPass := func(M, S []float64, rows int) {
			for i := 0; i < rows; i++ {
				ri := 0.0
				for a := 0; a < n; a++ {
					v := math.Abs(S[i] * M[i*n+a] * sc.D[a])
					ri = math.Max(ri, v)
					rv[a] = math.Max(rv[a], v)
				}
				if f := pow2(1 / math.Sqrt(ri)); f != 1 && withinFactor(S[i]*f) {
					S[i] *= f
					done = false
				}
			}
		}
		rowPass(e.G, sc.E, m)
		rowPass(e.A, sc.F, k)
		for a := 0; a < n; a++ {
			if f := pow2(1 / math.Sqrt(rv[a])); f != 1 && withinFactor(sc.D[a]*f) {
				sc.D[a] *= f
				done = false
			}
		}
		if done {
			break
		}
	}
	// Cost: Q̂ and p̂ near 1.
	big := 0.0
	for a := 0; a < n; a++ {
		big = math.Max(big, math.Abs(sc.D[a]*e.p[a]))
		for c := 0; c < n; c++ {
			big = math.Max(big, math.Abs(sc.D[a]*e.Q[a*n+c]*sc.D[c]))
		}
	}
	sc.c = pow2(1 / big)
	// Solution scale: z = σ·u turns p̂, ĥ, b̂ into p̂/σ, ĥ/σ, b̂/σ with Q̂, Ĝ,
	// Â unchanged (D ← σD, E ← E/σ, F ← F/σ, c ← c/σ²). With σ the size of
	// the right-hand sides, the answer is of order 1, where the method's
	// tolerances (relative, with a floor of 1) are meant to act.
	rhs := 0.0
	for a := 0; a < n; a++ {
		rhs = math.Max(rhs, math.Abs(sc.c*sc.D[a]*e.p[a]))
	}
	for i := 0; i < m; i++ {
		rhs = math.Max(rhs, math.Abs(sc.E[i]*e.h[i]))
	}
	for j := 0; j < k; j++ {
		rhs = math.Max(rhs, math.Abs(sc.F[j]*e.b[j]))
	}
	if sigma := pow2(rhs); sigma != 1 {
		for a := range sc.D {
			sc.D[a] *= sigma
		}
		for i := range sc.E {
			sc.E[i] /= sigma
		}
		for j := range sc.F {
			sc.F[j] /= sigma
		}
		sc.c /= sigma * sigma
	}
	return sc
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// scaledElem returns e in the scaled form (fresh storage).
func scaledElem(e *elem, sc *scaling) elem {
	n := e.n
	s := elem{n: n, m: e.m, k: e.k,
		Q: make([]float64, n*n), p: make([]float64, n), G: make([]float64, len(e.G)),
		h: make([]float64, e.m), A: make([]float64, len(e.A)), b: make([]float64, e.k)}
	D := sc.D
	for a := 0; a < n; a++ {
		s.p[a] = sc.c * D[a] * e.p[a]
		for c := 0; c < n; c++ {
			s.Q[a*n+c] = sc.c * D[a] * e.Q[a*n+c] * D[c]
		}
	}
	for i := 0; i < e.m; i++ {
		s.h[i] = sc.E[i] * e.h[i]
		for a := 0; a < n; a++ {
			s.G[i*n+a] = sc.E[i] * e.G[i*n+a] * D[a]
		}
	}
	for j := 0; j < e.k; j++ {
		s.b[j] = sc.F[j] * e.b[j]
		for a := 0; a < n; a++ {
			s.A[j*n+a] = sc.F[j] * e.A[j*n+a] * D[a]
		}
	}
	return s
}

// equilibrated returns e scaled and its scaling when e needs it: when it
// holds extreme values or its answer is of a tiny natural size, or when Q's
// diagonal is spanned and the scaled Q is positive definite. (A semidefinite Q of ordinary magnitudes stays
// unscaled: the proximal path is exact there, and scaling would stretch its
// stopping tolerance.)
func equilibrated(e *elem) (elem, *scaling, bool) {
	mg := measure(e)
	if !mg.finite() {
		return elem{}, nil, false
	}
	// tiny's first test, from the magnitudes: an unconstrained minimiser of
	// ordinary size settles it.
	qmax, pmax := math.Float64frombits(mg.q), math.Float64frombits(mg.p)
	small := !(pmax >= smallScale*float64(e.n)*qmax) && tiny(e.Q, e.p, e.G, e.h, e.A, e.b, e.n)
	ext := mg.extreme(e) || small
	if !ext && !mg.spanned() {
		return elem{}, nil, false
	}
	sc := equilibration(e)
	if !sc.usable() {
		return elem{}, nil, false // solved as given; an overflow then makes it invalid
	}
	se := scaledElem(e, sc)
	if !ext && !cholesky(se.Q, make([]float64, e.n*e.n), e.n, 0) {
		return elem{}, nil, false
	}
	return se, sc, true
}

// unscale maps the scaled answer in place back to the element's units:
// z = Dẑ (a direction of recession rescaled to max |dᵢ| = 1), λ = Eλ̂/c,
// ν = Fν̂/c, and an infeasibility certificate y = Eŷ, w = Fŵ rescaled to
// max 1 (cert may be nil).
func (sc *scaling) unscale(z, lam, nu, cert []float64, direction bool) {
	for a := range z {
		z[a] *= sc.D[a]
	}
	if direction {
		if m := maxAbs(z); m > 0 {
			for a := range z {
				z[a] /= m
			}
		}
	}
	for i := range lam {
		lam[i] = sc.E[i] * lam[i] / sc.c
	}
	for j := range nu {
		nu[j] = sc.F[j] * nu[j] / sc.c
	}
	if cert == nil {
		return
	}
	m := len(sc.E)
	for i := 0; i < m; i++ {
		cert[i] *= sc.E[i]
	}
	for j := range sc.F {
		cert[m+j] *= sc.F[j]
	}
	if mx := maxAbs(cert); mx > 0 {
		for i := range cert {
			cert[i] /= mx
		}
	}
}
