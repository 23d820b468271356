package barrier

import "math"

// HOCBF holds the state-only coefficients of the second-order barrier
// b = (x−x₀)² + (y−y₀)² − R² of BarrierNet's 2-D robot, state (x, y, θ, v),
// control u = (θ̇, a):
//
//	L_f b   = 2v(dx cosθ + dy sinθ)
//	L_f² b  = 2v²
//	L_gL_f b = [2v(−dx sinθ + dy cosθ), 2(dx cosθ + dy sinθ)]
//
// The HOCBF row with gains p₁, p₂ (p₁ constant within a step, as in
// BarrierNet) is −L_gL_f b·u ≤ L_f²b + (p₁+p₂)L_f b + p₁p₂b.
type HOCBF struct {
	B, LfB, Lf2B float64
	LgLfB        [2]float64
}

// Robot2DHOCBF returns the coefficients at state s = (x, y, θ, v) for the
// obstacle o.
func Robot2DHOCBF(s [4]float64, o Circle) HOCBF {
	dx, dy := s[0]-o.X, s[1]-o.Y
	sin, cos := math.Sincos(s[2])
	v := s[3]
	radial := dx*cos + dy*sin
	return HOCBF{
		B:     dx*dx + dy*dy - o.R*o.R,
		LfB:   2 * v * radial,
		Lf2B:  2 * v * v,
		LgLfB: [2]float64{2 * v * (-dx*sin + dy*cos), 2 * radial},
	}
}

// RHS returns the right-hand side L_f²b + (p₁+p₂)L_f b + p₁p₂b.
func (c HOCBF) RHS(p1, p2 float64) float64 {
	return c.Lf2B + (p1+p2)*c.LfB + p1*p2*c.B
}

// Row returns the HOCBF constraint for gains p₁, p₂.
func (c HOCBF) Row(p1, p2 float64) Row {
	return Row{G: [2]float64{-c.LgLfB[0], -c.LgLfB[1]}, H: c.RHS(p1, p2)}
}
