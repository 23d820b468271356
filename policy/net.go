// Package policy holds barriergym's networks: the BarrierNet policy (a
// trunk, a reference-control branch and a gain branch whose outputs set up
// the scenario's CBF-QP, solved by qplayer) and the plain-MLP baseline; a
// plain-Go forward pass for acting, a Gorgonia graph for learning over the
// same weights, and versioned checksummed checkpoints. It works for any
// scenario through its spec: m controls, the layout's CBF slots and gains.
package policy

import (
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/matmul"
)

// Heads of a policy.
const (
	HeadBarrierNet = "barriernet"
	HeadMLP        = "mlp"
)

// Spec is everything about a policy's shape and safety layer; it follows
// from a config.
type Spec struct {
	Scenario   string         `json:"scenario"`
	Head       string         `json:"head"`
	ObsDim     int            `json:"obs_dim"`
	Trunk      []int          `json:"trunk"`
	Branch     []int          `json:"branch"`
	Activation string         `json:"activation"`
	Layout     barrier.Layout `json:"layout"`                // the QP's CBF slots and the gains feeding them
	FixedGains []float64      `json:"fixed_gains,omitempty"` // values of the gains not learned, in layout order
	PMax       float64        `json:"p_max"`
	PMin       float64        `json:"p_min,omitempty"` // learned gains are PMin + (PMax − PMin)·σ(·)
	Weights    []float64      `json:"weights"`         // H's diagonal, one per control
	Rho        float64        `json:"rho"`
	Sigma      float64        `json:"sigma"`
	Bounds     bool           `json:"bounds"` // the control bounds are rows of the QP
	Lo         []float64      `json:"lo"`
	Hi         []float64      `json:"hi"`
}

// SpecFor returns the spec a config describes.
func SpecFor(cfg *configs.Config) (Spec, error) {
	task, err := cfg.Task()
	if err != nil {
		return Spec{}, err
	}
	es := task.Spec()
	s := Spec{Scenario: es.Scenario, Head: cfg.Policy.Head, ObsDim: len(es.Observation),
		Trunk: cfg.Policy.Trunk, Branch: cfg.Policy.Branch, Activation: cfg.Policy.Activation,
		Layout: es.Layout, PMax: cfg.Barrier.PMax, PMin: cfg.Barrier.PMin, Weights: cfg.Barrier.Weights,
		Rho: cfg.Barrier.Rho, Sigma: cfg.Barrier.Sigma, Bounds: cfg.Barrier.Bounds}
	s.Lo, s.Hi = es.Bounds()
	gains := cfg.Barrier.ExpertGains(es)
	for i, g := range es.Layout.Gains {
		if !g.Learned {
			s.FixedGains = append(s.FixedGains, gains[i])
		}
	}
	return s, nil
}

// M is the number of controls.
func (s Spec) M() int { return len(s.Lo) }

// NCBF is the number of CBF rows of the QP (one per slot).
func (s Spec) NCBF() int { return len(s.Layout.Slots) }

// NGains is the number of learned gains (the gain branch's outputs).
func (s Spec) NGains() int { return len(s.Layout.Learned()) }

// FeatDim is the number of state-only barrier values per sample: per slot
// its row's G (m) and Lie values (barrier.Layout.Pack).
func (s Spec) FeatDim() int { return s.Layout.FeatDim(s.M()) }

// Rows is the QP's number of inequality rows: CBF rows, then 2m bounds
// when Bounds.
func (s Spec) Rows() int {
	if s.Bounds {
		return s.NCBF() + 2*s.M()
	}
	return s.NCBF()
}

// Dense is a fully connected layer y = xW + b, W stored In×Out row-major.
type Dense struct {
	In, Out int
	W, B    []float64
}

// Net is a policy's weights and observation normalization.
type Net struct {
	Spec    Spec
	Trunk   []Dense
	Ref     []Dense // to u_ref (BarrierNet) or u (MLP)
	Gain    []Dense // to the raw learned gains (BarrierNet with learned gains only)
	ObsMean []float64
	ObsStd  []float64
}

// NewNet initialises a network as PyTorch's Linear does, W and b uniform
// in ±1/√in, from seed.
func NewNet(spec Spec, seed uint64) *Net {
	rng := rand.New(rand.NewPCG(seed, 0x706f6c6963790000))
	layer := func(in, out int) Dense {
		d := Dense{In: in, Out: out, W: make([]float64, in*out), B: make([]float64, out)}
		k := 1 / math.Sqrt(float64(in))
		for i := range d.W {
			d.W[i] = k * (2*rng.Float64() - 1)
		}
		for i := range d.B {
			d.B[i] = k * (2*rng.Float64() - 1)
		}
		return d
	}
	layers := func(shapes [][2]int) []Dense {
		var ls []Dense
		for _, sh := range shapes {
			ls = append(ls, layer(sh[0], sh[1]))
		}
		return ls
	}
	n := &Net{Spec: spec, ObsMean: make([]float64, spec.ObsDim), ObsStd: make([]float64, spec.ObsDim)}
	for i := range n.ObsStd {
		n.ObsStd[i] = 1
	}
	trunk, ref, gain := spec.layerShapes()
	n.Trunk, n.Ref, n.Gain = layers(trunk), layers(ref), layers(gain)
	return n
}

// layerShapes returns the (in, out) of every layer, by group: the trunk,
// the reference branch (to the m controls) and, for a BarrierNet head with
// learned gains, the gain branch. NewNet builds these; checkpoints are
// validated against them.
func (s Spec) layerShapes() (trunk, ref, gain [][2]int) {
	in := s.ObsDim
	for _, h := range s.Trunk {
		trunk = append(trunk, [2]int{in, h})
		in = h
	}
	chain := func(to int) [][2]int {
		var out [][2]int
		from := in
		for _, h := range s.Branch {
			out = append(out, [2]int{from, h})
			from = h
		}
		return append(out, [2]int{from, to})
	}
	ref = chain(s.M())
	if s.Head == HeadBarrierNet && s.NGains() > 0 {
		gain = chain(s.NGains())
	}
	return trunk, ref, gain
}

// Layers returns every layer in a fixed order: trunk, reference branch,
// gain branch.
func (n *Net) Layers() []*Dense {
	var ls []*Dense
	for _, group := range [][]Dense{n.Trunk, n.Ref, n.Gain} {
		for i := range group {
			ls = append(ls, &group[i])
		}
	}
	return ls
}

// Params returns every weight and bias slice in the order of Layers.
func (n *Net) Params() [][]float64 {
	var ps [][]float64
	for _, l := range n.Layers() {
		ps = append(ps, l.W, l.B)
	}
	return ps
}

// NumParams counts the weights.
func (n *Net) NumParams() int {
	c := 0
	for _, p := range n.Params() {
		c += len(p)
	}
	return c
}

// SetNormalization sets the observation statistics; a std below 1e-8 is
// taken as 1 (a constant feature is centred, not scaled).
func (n *Net) SetNormalization(mean, std []float64) {
	copy(n.ObsMean, mean)
	for i, s := range std {
		if s < 1e-8 {
			s = 1
		}
		n.ObsStd[i] = s
	}
}

// apply computes Y = act(XW + 1bᵀ) for the rows of X (no activation
// when last), rounded as the learner's layer op rounds it (Dense's
// arithmetic, vecmath's activations), so the actor and the learner
// compute the same network bit for bit.
func (n *Net) apply(ws *matmul.Workspace, d *Dense, X []float64, rows int, Y []float64, last bool) {
	d.ForwardBatch(ws, X, rows, Y)
	if !last {
		activate(activation(n.Spec.Activation), Y[:rows*d.Out])
	}
}
