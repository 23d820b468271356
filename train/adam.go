package train

import (
	"math"
	"runtime"

	"github.com/barriergym/barriergym/policy"
	"github.com/barriergym/barriergym/vecmath"
)

func workers() int { return runtime.GOMAXPROCS(0) }

// Adam is the Adam optimizer (β₁ 0.9, β₂ 0.999, ε 1e-8) over a set of
// parameter slices, updated in place. Its state is a policy.OptimizerState
// so that checkpoints can carry it.
type Adam struct {
	LR    float64
	State policy.OptimizerState
}

// NewAdam returns an optimizer for params with zero moments.
func NewAdam(lr float64, params [][]float64) *Adam {
	a := &Adam{LR: lr}
	for _, p := range params {
		a.State.M = append(a.State.M, make([]float64, len(p)))
		a.State.V = append(a.State.V, make([]float64, len(p)))
	}
	return a
}

// Step applies one update with gradients grads (same shapes as params):
// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − (lr/c₁)·m/(√v/√c₂ + ε)
// with the bias corrections cᵢ = 1 − βᵢᵗ (PyTorch's arrangement: one
// division and one square root per weight).
func (a *Adam) Step(params, grads [][]float64) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	a.State.Step++
	t := float64(a.State.Step)
	c1, c2 := 1-math.Pow(b1, t), 1-math.Pow(b2, t)
	c := vecmath.AdamCoeffs{B1: b1, OneMinusB1: 1 - b1, B2: b2, OneMinusB2: 1 - b2,
		Step: a.LR / c1, InvC2: 1 / math.Sqrt(c2), Eps: eps}
	for i, p := range params {
		vecmath.Adam(p, a.State.M[i], a.State.V[i], grads[i], c)
	}
}
