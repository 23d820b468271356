package qplayer

import "math"

// certificate writes the Farkas certificate of the infeasibility the solve
// of e found when constraint w.infC could not enter a working set of q
// constraints: y (m, for the rows of G) and w (k, for the rows of A) with
//
//	y ≥ 0,  Gᵀy + Aᵀw = 0,  hᵀy + bᵀw < 0,
//
// which no z can satisfy (yᵀ(Gz − h) + wᵀ(Az − b) would be both ≤ 0 … and
// > 0). In the method's oriented form every constraint reads n_cᵀz ≥ β_c;
// no step existed because the entering normal is n_in = Σ r_j n_j over the
// working set with every inequality's r_j ≤ 0. So σ_in = 1, σ_j = −r_j
// combine the oriented rows to 0 with Σσβ > 0 (the iterate satisfies the
// working set with equality and violates the entering row). For a G row
// (n = −g, β = −h) y = σ; for an A row (n = sgn·a, β = sgn·b) w = −sgn·σ.
func (w *workspace) certificate(e *elem, q int, cert []float64) {
	y, wv := cert[:e.m], cert[e.m:e.m+e.k]
	clear(y)
	clear(wv)
	put := func(c int, sigma float64) {
		if c < e.k {
			wv[c] = -w.sgn[c] * sigma
			return
		}
		y[c-e.k] = math.Max(sigma, 0) // −r_j ≥ 0 for inequalities; −0 and round-off to 0
	}
	put(w.infC, 1)
	for j := 0; j < q; j++ {
		put(w.act[j], -w.r[j])
	}
}

// certify reports whether cert = (y, w) proves e infeasible to working
// precision, judged term by term so that the units of the rows and of
// the variables do not matter: y ≥ 0; for every variable a,
// |(Gᵀy + Aᵀw)ₐ| at most 1e-9 of Σᵢ|Gᵢₐyᵢ| + Σⱼ|Aⱼₐwⱼ|, the terms that
// should cancel; and hᵀy + bᵀw below −1e-9 of Σ|hᵢyᵢ| + Σ|bⱼwⱼ|, so that
// round-off cannot pass for a proof.
func certify(e *elem, cert []float64) bool {
	n, m, k := e.n, e.m, e.k
	y, wv := cert[:m], cert[m:m+k]
	scale := maxAbs(cert[:m+k])
	if !(scale > 0) || math.IsInf(scale, 0) {
		return false
	}
	gap, gapMag := 0.0, 0.0
	for i := 0; i < m; i++ {
		if y[i] < 0 {
			return false
		}
		t := e.h[i] * y[i] / scale
		gap, gapMag = gap+t, gapMag+math.Abs(t)
	}
	for j := 0; j < k; j++ {
		t := e.b[j] * wv[j] / scale
		gap, gapMag = gap+t, gapMag+math.Abs(t)
	}
	for a := 0; a < n; a++ {
		s, mag := 0.0, 0.0
		for i := 0; i < m; i++ {
			t := e.G[i*n+a] * y[i] / scale
			s, mag = s+t, mag+math.Abs(t)
		}
		for j := 0; j < k; j++ {
			t := e.A[j*n+a] * wv[j] / scale
			s, mag = s+t, mag+math.Abs(t)
		}
		if !(math.Abs(s) <= 1e-9*mag) {
			return false
		}
	}
	return gap < -1e-9*gapMag
}

// Certificate returns element i's Farkas certificate: y (one per row of G)
// and w (one per row of A) with y ≥ 0, Gᵀy + Aᵀw = 0 and hᵀy + bᵀw < 0,
// checked numerically (see Status). It is nil unless element i is
// Infeasible. The slices alias the result's storage.
func (r *Result) Certificate(i int) (y, w []float64) {
	if r.Status[i] != Infeasible || r.cert == nil {
		return nil, nil
	}
	c := r.cert[i*(r.M+r.K) : (i+1)*(r.M+r.K)]
	return c[:r.M], c[r.M:]
}
