package policy

import (
	"fmt"
	"math"

	"github.com/barriergym/barriergym/env"
)

// Bounds on what a spec may describe. A checkpoint is outside input: its
// checksum proves it is what was written, not that it is sensible, so every
// size is checked against these before anything is allocated.
const (
	MaxWidth     = 1 << 14 // observation size and units per layer
	MaxDepth     = 64      // hidden layers of the trunk or a branch
	MaxControls  = 64
	MaxParams    = 1 << 24 // weights and biases in all
	MaxCBFSlots  = 1 << 10
	MaxCBFGains  = 1 << 10
	maxEpoch     = 1 << 40
	maxAdamSteps = 1 << 50
)

// Validate checks every field of the spec against the bounds above and the
// values a config can give, so that a network can be built from it.
func (s Spec) Validate() error {
	m := len(s.Lo)
	switch {
	case s.Head != HeadBarrierNet && s.Head != HeadMLP:
		return fmt.Errorf("spec.head %q, want %s or %s", s.Head, HeadBarrierNet, HeadMLP)
	case s.Activation != "relu" && s.Activation != "tanh":
		return fmt.Errorf("spec.activation %q, want relu or tanh", s.Activation)
	case s.ObsDim < 1 || s.ObsDim > MaxWidth:
		return fmt.Errorf("spec.obs_dim %d, want 1…%d", s.ObsDim, MaxWidth)
	case m < 1 || m > MaxControls || len(s.Hi) != m:
		return fmt.Errorf("spec.lo/hi: %d and %d control bounds, want the same number, 1…%d", m, len(s.Hi), MaxControls)
	case len(s.Weights) != m:
		return fmt.Errorf("spec.weights: %d values, want %d (one per control)", len(s.Weights), m)
	case !(s.PMax > 0) || math.IsInf(s.PMax, 0):
		return fmt.Errorf("spec.p_max %v, want a finite value > 0", s.PMax)
	case !(s.PMin >= 0 && s.PMin < s.PMax):
		return fmt.Errorf("spec.p_min %v, want ≥ 0 and below p_max = %v", s.PMin, s.PMax)
	case !(s.Rho >= 0) || math.IsInf(s.Rho, 0):
		return fmt.Errorf("spec.rho %v, want a finite value ≥ 0", s.Rho)
	case !(s.Sigma > 0) || math.IsInf(s.Sigma, 0):
		return fmt.Errorf("spec.sigma %v, want a finite value > 0", s.Sigma)
	case len(s.Layout.Slots) > MaxCBFSlots || len(s.Layout.Gains) > MaxCBFGains:
		return fmt.Errorf("spec.layout: %d slots and %d gains, want at most %d and %d",
			len(s.Layout.Slots), len(s.Layout.Gains), MaxCBFSlots, MaxCBFGains)
	}
	for i := range s.Lo {
		if !env.Finite(s.Lo[i]) || !env.Finite(s.Hi[i]) || s.Lo[i] >= s.Hi[i] {
			return fmt.Errorf("spec.lo/hi: control %d has bounds [%v, %v], want finite lo < hi", i, s.Lo[i], s.Hi[i])
		}
		if !(s.Weights[i] > 0) || !env.Finite(s.Weights[i]) {
			return fmt.Errorf("spec.weights[%d] %v, want a finite value > 0", i, s.Weights[i])
		}
	}
	if err := s.Layout.Validate(); err != nil {
		return fmt.Errorf("spec.layout: %w", err)
	}
	if want := len(s.Layout.Gains) - s.NGains(); len(s.FixedGains) != want {
		return fmt.Errorf("spec.fixed_gains: %d values, the layout has %d fixed gains", len(s.FixedGains), want)
	}
	for i, g := range s.FixedGains {
		if !(g > 0) || !env.Finite(g) {
			return fmt.Errorf("spec.fixed_gains[%d] %v, want a finite value > 0", i, g)
		}
	}
	for _, l := range []struct {
		name   string
		widths []int
	}{{"trunk", s.Trunk}, {"branch", s.Branch}} {
		if len(l.widths) > MaxDepth {
			return fmt.Errorf("spec.%s: %d layers, want at most %d", l.name, len(l.widths), MaxDepth)
		}
		for i, w := range l.widths {
			if w < 1 || w > MaxWidth {
				return fmt.Errorf("spec.%s[%d] %d units, want 1…%d", l.name, i, w, MaxWidth)
			}
		}
	}
	if n := s.numParams(); n > MaxParams {
		return fmt.Errorf("spec: %d parameters, want at most %d", n, MaxParams)
	}
	return nil
}

// shapes returns the (in, out) of every layer in the order of Net.Layers,
// without allocating the weights. The spec's sizes must be within bounds.
func (s Spec) shapes() [][2]int {
	trunk, ref, gain := s.layerShapes()
	return append(append(trunk, ref...), gain...)
}

// numParams counts weights and biases from the shapes (within bounds, so
// no product overflows).
func (s Spec) numParams() int {
	n := 0
	for _, sh := range s.shapes() {
		n += sh[0]*sh[1] + sh[1]
	}
	return n
}

// validate checks a loaded checkpoint's content before any of it is used:
// the spec, the layers against it, every number finite, the observation
// statistics usable (std > 0), counters in range and the optimizer state
// shaped like the parameters.
func (ck *Checkpoint) validate() error {
	if err := ck.Spec.Validate(); err != nil {
		return err
	}
	shapes := ck.Spec.shapes()
	if len(ck.Layers) != len(shapes) {
		return fmt.Errorf("mismatched: %d layers, its spec needs %d", len(ck.Layers), len(shapes))
	}
	var params [][]float64
	for i, l := range ck.Layers {
		in, out := shapes[i][0], shapes[i][1]
		if l.In != in || l.Out != out || len(l.W) != in*out || len(l.B) != out {
			return fmt.Errorf("mismatched: layer %d is %d×%d with %d+%d values, its spec needs %d×%d",
				i, l.In, l.Out, len(l.W), len(l.B), in, out)
		}
		params = append(params, l.W, l.B)
	}
	for i, p := range params {
		if j := env.NonFinite(p...); j >= 0 {
			return fmt.Errorf("layers[%d].%s[%d] is %v", i/2, [2]string{"W", "B"}[i%2], j, p[j])
		}
	}
	if len(ck.ObsMean) != ck.Spec.ObsDim || len(ck.ObsStd) != ck.Spec.ObsDim {
		return fmt.Errorf("mismatched: observation statistics of size %d/%d, spec says %d",
			len(ck.ObsMean), len(ck.ObsStd), ck.Spec.ObsDim)
	}
	if j := env.NonFinite(ck.ObsMean...); j >= 0 {
		return fmt.Errorf("obs_mean[%d] is %v", j, ck.ObsMean[j])
	}
	for j, v := range ck.ObsStd {
		if !(v > 0) || !env.Finite(v) {
			return fmt.Errorf("obs_std[%d] is %v, want a finite value > 0", j, v)
		}
	}
	if ck.Epoch < 0 || ck.Epoch > maxEpoch {
		return fmt.Errorf("epoch %d, want 0…%d", ck.Epoch, maxEpoch)
	}
	if b := ck.BestLoss; b != nil && (!(*b >= 0) || math.IsNaN(*b)) {
		return fmt.Errorf("best_loss %v, want ≥ 0", *b)
	}
	if o := ck.Optimizer; o != nil {
		// PPO's optimizer state has one more slice: the log-std, m values.
		extra := 0
		if len(o.M) == len(params)+1 {
			extra = ck.Spec.M()
		}
		if err := o.Validate(params, extra); err != nil {
			return fmt.Errorf("optimizer: %w", err)
		}
	}
	return nil
}

// Validate checks Adam's state against the parameters it belongs to,
// plus, when extra > 0, one more slice of that many values: the counter in
// range, the moments shaped like the parameters, finite, and v ≥ 0.
func (o *OptimizerState) Validate(params [][]float64, extra int) error {
	want := make([]int, len(params), len(params)+1)
	for i, p := range params {
		want[i] = len(p)
	}
	if extra > 0 {
		want = append(want, extra)
	}
	if o.Step < 0 || o.Step > maxAdamSteps {
		return fmt.Errorf("step %d, want 0…%d", o.Step, maxAdamSteps)
	}
	if len(o.M) != len(want) || len(o.V) != len(want) {
		return fmt.Errorf("%d first and %d second moments for %d parameter slices", len(o.M), len(o.V), len(want))
	}
	for i, n := range want {
		if len(o.M[i]) != n || len(o.V[i]) != n {
			return fmt.Errorf("moments %d hold %d and %d values, want %d", i, len(o.M[i]), len(o.V[i]), n)
		}
		if j := env.NonFinite(o.M[i]...); j >= 0 {
			return fmt.Errorf("m[%d][%d] is %v", i, j, o.M[i][j])
		}
		for j, v := range o.V[i] {
			if !(v >= 0) || !env.Finite(v) {
				return fmt.Errorf("v[%d][%d] is %v, want a finite value ≥ 0", i, j, v)
			}
		}
	}
	return nil
}
