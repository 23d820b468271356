package barrier

// elementary writes e₀…e_r of p (r = len(p)) into e, by the recurrence
// Π(1 + pᵢx) = Σ e_k x^k.
func elementary(p []float64, e []float64) {
	e[0] = 1
	for k := 1; k <= len(p); k++ {
		e[k] = 0
	}
	for i, pi := range p {
		for k := i + 1; k >= 1; k-- {
			e[k] += pi * e[k-1]
		}
	}
}

// RHS returns the right-hand side h = Σ_{k=0..r} e_k(p)·lie[k] of a row of
// relative degree r = len(p) with Lie values lie = (L_f^r b, …, L_f b, b).
func RHS(lie, p []float64) float64 {
	var e [MaxDegree + 1]float64
	elementary(p, e[:len(p)+1])
	h := lie[0]
	for k := 1; k <= len(p); k++ {
		h += e[k] * lie[k]
	}
	return h
}

// AddRHSGrad adds g·∂h/∂pᵢ to dp[i] for every gain of a row (see RHS):
// ∂e_k/∂pᵢ = e_{k−1} of the other gains, so
// ∂h/∂pᵢ = Σ_{k=1..r} lie[k]·e_{k−1}(p without pᵢ).
func AddRHSGrad(lie, p []float64, g float64, dp []float64) {
	r := len(p)
	var others [MaxDegree]float64
	var e [MaxDegree + 1]float64
	for i := range p {
		n := 0
		for j, pj := range p {
			if j != i {
				others[n] = pj
				n++
			}
		}
		elementary(others[:n], e[:n+1])
		d := 0.0
		for k := 1; k <= r; k++ {
			d += (g * lie[k]) * e[k-1]
		}
		dp[i] += d
	}
}
