package train

import (
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/policy"
)

// ValueNet is PPO's critic: an MLP with tanh hidden layers and one linear
// output, forward and backward in plain Go (it has no QP in it).
type ValueNet struct {
	Layers []policy.Dense
	acts   [][]float64 // per layer output, kept by Forward for Backward
	deltas [][]float64 // per layer input gradient, scratch of Backward
	grads  [][]float64 // in the order of Params
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

// Forward returns V(x), keeping the activations for Backward.
func (v *ValueNet) Forward(x []float64) float64 {
	if len(v.acts) != len(v.Layers)+1 {
		v.acts = make([][]float64, len(v.Layers)+1)
		for i, l := range v.Layers {
			v.acts[i+1] = make([]float64, l.Out)
		}
	}
	v.acts[0] = x
	for li := range v.Layers {
		l := &v.Layers[li]
		in, out := v.acts[li], v.acts[li+1]
		copy(out, l.B)
		for i, xi := range in {
			row := l.W[i*l.Out : (i+1)*l.Out]
			for j, w := range row {
				out[j] += xi * w
			}
		}
		if li < len(v.Layers)-1 {
			for j := range out {
				out[j] = math.Tanh(out[j])
			}
		}
	}
	return v.acts[len(v.Layers)][0]
}

// Backward adds dV·∂V/∂θ to the gradients, for the last Forward.
func (v *ValueNet) Backward(dV float64) {
	if len(v.deltas) != len(v.Layers)+1 {
		v.deltas = make([][]float64, len(v.Layers)+1)
		for i, l := range v.Layers {
			v.deltas[i] = make([]float64, l.In)
		}
		v.deltas[len(v.Layers)] = make([]float64, 1)
	}
	delta := v.deltas[len(v.Layers)]
	delta[0] = dV
	for li := len(v.Layers) - 1; li >= 0; li-- {
		l := &v.Layers[li]
		in := v.acts[li]
		gW, gB := v.grads[2*li], v.grads[2*li+1]
		for j, d := range delta {
			gB[j] += d
		}
		var prev []float64
		if li > 0 {
			prev = v.deltas[li]
		}
		for i, xi := range in {
			row := l.W[i*l.Out : (i+1)*l.Out]
			g := gW[i*l.Out : (i+1)*l.Out]
			s := 0.0
			for j, d := range delta {
				g[j] += xi * d
				s += row[j] * d
			}
			if prev != nil {
				prev[i] = s * (1 - xi*xi) // tanh' from the activation itself
			}
		}
		delta = prev
	}
}

// Grads returns the accumulated gradients (Params' order).
func (v *ValueNet) Grads() [][]float64 { return v.grads }

// ZeroGrads clears the accumulated gradients.
func (v *ValueNet) ZeroGrads() {
	for _, g := range v.grads {
		clear(g)
	}
}
