package train

import (
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/matmul"
	"github.com/barriergym/barriergym/policy"
	"github.com/barriergym/barriergym/vecmath"
)

// ValueNet is PPO's critic: an MLP with tanh hidden layers and one linear
// output, in plain Go (it has no QP in it): one observation at a time for
// the rollout (Forward), a minibatch at a time for learning (ForwardBatch,
// BackwardBatch), both through policy.Dense's arithmetic, so a value is
// the same either way. Plain Go measured faster than a Gorgonia
// graph of the same network here (the graph adds nothing a critic needs).
type ValueNet struct {
	Layers []policy.Dense
	acts   [][]float64 // per layer output of the last Forward
	grads  [][]float64 // in the order of Params

	ws     matmul.Workspace
	bacts  [][]float64 // per layer output of the last ForwardBatch (the input first)
	deltas [2][]float64
	n      int // rows of the last ForwardBatch
}

// NewValueNet initialises an in→hidden…→1 network from seed (uniform
// ±1/√in, the last layer scaled by 0.01 so early values are near 0).
func NewValueNet(in int, hidden []int, seed uint64) *ValueNet {
	rng := rand.New(rand.NewPCG(seed, 0x76616c7565000000))
	v := &ValueNet{}
	sizes := append(append([]int{in}, hidden...), 1)
	for i := 0; i+1 < len(sizes); i++ {
		d := policy.Dense{In: sizes[i], Out: sizes[i+1], W: make([]float64, sizes[i]*sizes[i+1]), B: make([]float64, sizes[i+1])}
		k := 1 / math.Sqrt(float64(d.In))
		if i+2 == len(sizes) {
			k *= 0.01
		}
		for j := range d.W {
			d.W[j] = k * (2*rng.Float64() - 1)
		}
		v.Layers = append(v.Layers, d)
	}
	for _, p := range v.Params() {
		v.grads = append(v.grads, make([]float64, len(p)))
	}
	return v
}

// Params returns the weight and bias slices, layer by layer.
func (v *ValueNet) Params() [][]float64 {
	var ps [][]float64
	for i := range v.Layers {
		ps = append(ps, v.Layers[i].W, v.Layers[i].B)
	}
	return ps
}

// Forward returns V(x) for one normalized observation, rounded as
// ForwardBatch rounds it.
func (v *ValueNet) Forward(x []float64) float64 {
	if len(v.acts) != len(v.Layers) {
		v.acts = make([][]float64, len(v.Layers))
		for i, l := range v.Layers {
			v.acts[i] = make([]float64, l.Out)
		}
	}
	in := x
	for li := range v.Layers {
		out := v.acts[li]
		v.Layers[li].Forward(in, out)
		if li < len(v.Layers)-1 {
			vecmath.Tanh(out, out)
		}
		in = out
	}
	return in[0]
}

// ForwardBatch returns V of the n normalized observations X (n×in,
// row-major), keeping the activations for BackwardBatch. The values live
// in the network's memory until the next ForwardBatch.
func (v *ValueNet) ForwardBatch(X []float64, n int) []float64 {
	if len(v.bacts) != len(v.Layers)+1 {
		v.bacts = make([][]float64, len(v.Layers)+1)
	}
	v.n = n
	v.bacts[0] = X[:n*v.Layers[0].In]
	for li := range v.Layers {
		l := &v.Layers[li]
		out := grow(v.bacts[li+1], n*l.Out)
		v.bacts[li+1] = out
		l.ForwardBatch(&v.ws, v.bacts[li], n, out)
		if li < len(v.Layers)-1 {
			vecmath.Tanh(out, out)
		}
	}
	return v.bacts[len(v.Layers)]
}

// BackwardBatch adds Σᵢ dV[i]·∂V(xᵢ)/∂θ to the gradients, for the last
// ForwardBatch: per layer, from the last, D the gradient of its
// pre-activation, dW += XᵀD, db += 1ᵀD, and the layer below gets
// D·Wᵀ ⊙ (1 − X²) (tanh′ from the activation itself).
func (v *ValueNet) BackwardBatch(dV []float64) {
	n := v.n
	D := append(grow(v.deltas[0], 0), dV[:n]...)
	v.deltas[0] = D
	for li := len(v.Layers) - 1; li >= 0; li-- {
		l := &v.Layers[li]
		X := v.bacts[li]
		var prev []float64 // dX, for the layer below
		if li > 0 {
			prev = grow(v.deltas[1], n*l.In)
		}
		l.BackwardBatch(&v.ws, X, D, n, v.grads[2*li], v.grads[2*li+1], prev)
		if li == 0 {
			break
		}
		vecmath.TanhGrad(prev, prev, X) // tanh′ from the activation itself
		v.deltas[0], v.deltas[1] = prev, D
		D = prev
	}
}

// grow returns s with length n, reallocated only when too short.
func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// Grads returns the accumulated gradients (Params' order).
func (v *ValueNet) Grads() [][]float64 { return v.grads }

// ZeroGrads clears the accumulated gradients.
func (v *ValueNet) ZeroGrads() {
	for _, g := range v.grads {
		clear(g)
	}
}
