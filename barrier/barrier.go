// Package barrier holds the control-barrier-function maths of barriergym's
// scenarios: barrier values, their Lie derivatives, and the linear
// constraint rows g·u ≤ h they put on the control, as plain numbers (for
// experts and the environment-side shield) and as Gorgonia nodes whose
// right-hand sides depend on learned gains (for BarrierNet policies).
//
// Both scenarios have two controls, so every row has two coefficients.
package barrier

import "math"

// Circle is a circular obstacle: centre (X, Y) and radius R.
type Circle struct{ X, Y, R float64 }

// Row is one linear constraint G·u ≤ H on a two-dimensional control.
type Row struct {
	G [2]float64
	H float64
}

// Holds reports whether u satisfies the row within tol.
func (r Row) Holds(u [2]float64, tol float64) bool {
	return r.G[0]*u[0]+r.G[1]*u[1] <= r.H+tol
}

// BoxRows returns the four rows lo ≤ u ≤ hi: u₀ ≤ hi₀, −u₀ ≤ −lo₀,
// u₁ ≤ hi₁, −u₁ ≤ −lo₁.
func BoxRows(lo, hi [2]float64) [4]Row {
	return [4]Row{
		{G: [2]float64{1, 0}, H: hi[0]},
		{G: [2]float64{-1, 0}, H: -lo[0]},
		{G: [2]float64{0, 1}, H: hi[1]},
		{G: [2]float64{0, -1}, H: -lo[1]},
	}
}

// Sigmoid maps a raw network output to a gain in (0, pMax), as BarrierNet
// does: pMax·σ(x).
func Sigmoid(x, pMax float64) float64 { return pMax / (1 + math.Exp(-x)) }
