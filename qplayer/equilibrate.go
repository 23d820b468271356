package qplayer

import "math"

// Column equilibration of badly scaled problems. When the diagonal of Q
// spans more than equilibrateSpan (variables in very different units), the
// element is solved in the variables ẑ = D⁻¹z with D = diag(1/√Q_aa), so
// that Q̂ = DQD has a unit diagonal:
//
//	Q̂ = DQD, p̂ = Dp, Ĝ = GD, Â = AD, ĥ = h, b̂ = b,   z = Dẑ.
//
// The multipliers, the active set and an infeasibility certificate are the
// same for both (Gᵀy + Aᵀw = D⁻¹(Ĝᵀy + Âᵀw)); a direction of recession maps
// as d = Dd̂. The backward pass maps back by the chain rule: dẑ = D·dz,
// ∇Q = D∇Q̂D, ∇p = D∇p̂, ∇G = ∇Ĝ·D, ∇A = ∇Â·D, ∇h = ∇ĥ, ∇b = ∇b̂.
// Well scaled elements (the common case) cost one pass over the diagonal.
const equilibrateSpan = 1e4

// equilibration returns D for e, or nil when e is well scaled or Q has a
// diagonal entry that is not positive (semidefinite: the proximal path).
func equilibration(e *elem) []float64 {
	n := e.n
	lo, hi := e.Q[0], e.Q[0]
	for a := 1; a < n; a++ {
		d := e.Q[a*n+a]
		if d < lo {
			lo = d
		}
		if d > hi {
			hi = d
		}
	}
	if !(lo > 0) || hi <= equilibrateSpan*lo || math.IsInf(hi, 0) {
		return nil
	}
	D := make([]float64, n)
	for a := range D {
		D[a] = 1 / math.Sqrt(e.Q[a*n+a])
	}
	return D
}

// scaledElem returns e in the variables ẑ = D⁻¹z (fresh storage).
func scaledElem(e *elem, D []float64) elem {
	n := e.n
	s := elem{n: n, m: e.m, k: e.k, h: e.h, b: e.b,
		Q: make([]float64, n*n), p: make([]float64, n), G: make([]float64, len(e.G)), A: make([]float64, len(e.A))}
	for a := 0; a < n; a++ {
		s.p[a] = D[a] * e.p[a]
		for c := 0; c < n; c++ {
			s.Q[a*n+c] = D[a] * e.Q[a*n+c] * D[c]
		}
	}
	for i := 0; i < e.m; i++ {
		for a := 0; a < n; a++ {
			s.G[i*n+a] = e.G[i*n+a] * D[a]
		}
	}
	for j := 0; j < e.k; j++ {
		for a := 0; a < n; a++ {
			s.A[j*n+a] = e.A[j*n+a] * D[a]
		}
	}
	return s
}

// equilibrated returns e scaled and its D when e is badly scaled and the
// scaled Q is positive definite: the case equilibration is for. A Q that is
// only semidefinite stays unscaled (the proximal path is exact there, and
// scaling would amplify its stopping tolerance by D).
func equilibrated(e *elem) (elem, []float64, bool) {
	D := equilibration(e)
	if D == nil {
		return elem{}, nil, false
	}
	se := scaledElem(e, D)
	L := make([]float64, e.n*e.n)
	if !cholesky(se.Q, L, e.n, 0) {
		return elem{}, nil, false
	}
	return se, D, true
}
