package barrier

import "math"

// VCP is the virtual-control-point barrier of a kinematic unicycle, state
// (x, y, θ), control u = (v, ω). The point q = (x + l cosθ, y + l sinθ)
// moves as q̇ = J·u with J = [[cosθ, −l sinθ], [sinθ, l cosθ]] (det J = l),
// so both controls enter at relative degree one. For an obstacle o and a
// robot of radius r the barrier is
//
//	h = ‖q − o‖² − (o.R + r + l)²
//
// whose zero level keeps the robot's centre at least o.R + r from o's
// centre; the row is −2(q − o)ᵀJ·u ≤ α·h with gain α > 0.
type VCP struct {
	L           float64 // look-ahead distance l of the control point (> 0)
	RobotRadius float64
}

// CBF holds one first-order barrier's value H and its row coefficients
// G = −L_g h, so that the constraint is G·u ≤ α·H.
type CBF struct {
	H float64
	G [2]float64
}

// Point returns the virtual control point of state s = (x, y, θ).
func (b VCP) Point(s [3]float64) (qx, qy float64) {
	sin, cos := math.Sincos(s[2])
	return s[0] + b.L*cos, s[1] + b.L*sin
}

// At returns the barrier and its row for obstacle o at state s.
func (b VCP) At(s [3]float64, o Circle) CBF {
	sin, cos := math.Sincos(s[2])
	dx, dy := s[0]+b.L*cos-o.X, s[1]+b.L*sin-o.Y
	safe := o.R + b.RobotRadius + b.L
	// L_g h = 2(q − o)ᵀJ.
	lg0 := 2 * (dx*cos + dy*sin)
	lg1 := 2 * b.L * (-dx*sin + dy*cos)
	return CBF{H: dx*dx + dy*dy - safe*safe, G: [2]float64{-lg0, -lg1}}
}

// Row returns the constraint G·u ≤ α·H.
func (c CBF) Row(alpha float64) Row { return Row{G: c.G, H: alpha * c.H} }

// Clearance returns the geometric barrier ‖p − o‖² − (o.R + r)² of the
// robot's centre p: negative exactly when the robot overlaps o.
func Clearance(x, y float64, o Circle, robotRadius float64) float64 {
	dx, dy := x-o.X, y-o.Y
	s := o.R + robotRadius
	return dx*dx + dy*dy - s*s
}
