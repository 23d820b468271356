package vecmath

import "math"

// AdamCoeffs are the constants of one Adam step (PyTorch's arrangement):
// the moments' decay rates B1 and B2 and their complements 1 − β (given,
// not computed, so that a caller's exact constants are kept: 1 − 0.9 in
// float64 is not the float64 nearest 0.1), the step size lr/(1 − β₁ᵗ),
// the inverse square root of the second bias correction 1/√(1 − β₂ᵗ),
// and ε.
type AdamCoeffs struct {
	B1, OneMinusB1, B2, OneMinusB2 float64
	Step, InvC2, Eps               float64
}

// Adam applies one Adam update to the weights p with gradients g, in
// place, and moves the moments m and v (all the same length):
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g·g,  p ← p − step·m / (√v·invC2 + ε)
//
// Every operation is rounded as written (no fused multiply–add), so the
// assembly and the Go form agree bit for bit.
func Adam(p, m, v, g []float64, c AdamCoeffs) {
	n := len(p) &^ 3
	m, v, g = m[:len(p)], v[:len(p)], g[:len(p)]
	if n > 0 {
		adamBlocks(p[:n], m[:n], v[:n], g[:n], &c)
	}
	adamGo(p[n:], m[n:], v[n:], g[n:], &c)
}

// adamGo is Adam in Go. float64() keeps a compiler that fuses from
// fusing: the assembly rounds every product.
func adamGo(p, m, v, g []float64, c *AdamCoeffs) {
	for j, gj := range g {
		mj := float64(c.B1*m[j]) + float64(c.OneMinusB1*gj)
		vj := float64(c.B2*v[j]) + float64(float64(c.OneMinusB2*gj)*gj)
		m[j], v[j] = mj, vj
		p[j] -= float64(c.Step*mj) / (float64(math.Sqrt(vj)*c.InvC2) + c.Eps)
	}
}
