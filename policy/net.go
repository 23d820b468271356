// Package policy holds barriergym's networks: the BarrierNet policy (a
// trunk, a reference-control branch and a gain branch whose outputs set up
// the scenario's CBF-QP, solved by qplayer) and the plain-MLP baseline; a
// plain-Go forward pass for acting, a Gorgonia graph for learning over the
// same weights, and versioned checksummed checkpoints.
package policy

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/configs"
)

// Heads of a policy.
const (
	HeadBarrierNet = "barriernet"
	HeadMLP        = "mlp"
)

// Spec is everything about a policy's shape and safety layer; it follows
// from a config.
type Spec struct {
	Scenario   string     `json:"scenario"`
	Head       string     `json:"head"`
	ObsDim     int        `json:"obs_dim"`
	Trunk      []int      `json:"trunk"`
	Branch     []int      `json:"branch"`
	Activation string     `json:"activation"`
	NCBF       int        `json:"n_cbf"`   // CBF rows of the QP
	NGains     int        `json:"n_gains"` // learned gains
	PMax       float64    `json:"p_max"`
	Weights    [2]float64 `json:"weights"` // H's diagonal
	Rho        float64    `json:"rho"`
	Sigma      float64    `json:"sigma"`
	Bounds     bool       `json:"bounds"` // the action bounds are rows of the QP
	Lo         [2]float64 `json:"lo"`
	Hi         [2]float64 `json:"hi"`
}

// SpecFor returns the spec a config describes.
func SpecFor(cfg *configs.Config) (Spec, error) {
	s := Spec{Scenario: cfg.Env.Scenario, Head: cfg.Policy.Head, Trunk: cfg.Policy.Trunk, Branch: cfg.Policy.Branch,
		Activation: cfg.Policy.Activation, PMax: cfg.Barrier.PMax, Weights: cfg.Barrier.Weights,
		Rho: cfg.Barrier.Rho, Sigma: cfg.Barrier.Sigma, Bounds: cfg.Barrier.Bounds}
	e, err := cfg.NewEnv()
	if err != nil {
		return s, err
	}
	s.ObsDim = e.ObsDim()
	s.Lo, s.Hi = e.ActionBounds()
	switch s.Scenario {
	case "robot2d":
		s.NCBF, s.NGains = 1, 2
	case "nav":
		s.NCBF, s.NGains = cfg.Env.Nav.Observed, cfg.Env.Nav.Observed
	default:
		return s, fmt.Errorf("policy: no policy for scenario %q", s.Scenario)
	}
	if len(s.Trunk) == 0 {
		return s, fmt.Errorf("policy: the trunk needs at least one layer")
	}
	return s, nil
}

// FeatDim is the number of state-only barrier coefficients per sample.
func (s Spec) FeatDim() int {
	if s.Scenario == "robot2d" {
		return 5 // −L_gL_f b (2), L_f²b, L_f b, b
	}
	return 3 * s.NCBF // per row: G (2), h
}

// Rows is the QP's number of inequality rows: CBF rows, then four bounds
// when Bounds.
func (s Spec) Rows() int {
	if s.Bounds {
		return s.NCBF + 4
	}
	return s.NCBF
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
	Gain    []Dense // to the raw gains (BarrierNet only)
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
	chain := func(in int, hidden []int, out int) []Dense {
		var ls []Dense
		for _, h := range hidden {
			ls = append(ls, layer(in, h))
			in = h
		}
		return append(ls, layer(in, out))
	}
	n := &Net{Spec: spec, ObsMean: make([]float64, spec.ObsDim), ObsStd: make([]float64, spec.ObsDim)}
	for i := range n.ObsStd {
		n.ObsStd[i] = 1
	}
	in := spec.ObsDim
	for _, h := range spec.Trunk {
		n.Trunk = append(n.Trunk, layer(in, h))
		in = h
	}
	n.Ref = chain(in, spec.Branch, 2)
	if spec.Head == HeadBarrierNet {
		n.Gain = chain(in, spec.Branch, spec.NGains)
	}
	return n
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

func (n *Net) activate(v float64) float64 {
	if n.Spec.Activation == "tanh" {
		return math.Tanh(v)
	}
	return math.Max(0, v)
}

// apply computes y = act(xW + b) (no activation when last).
func (n *Net) apply(d *Dense, x, y []float64, last bool) {
	for j := 0; j < d.Out; j++ {
		y[j] = d.B[j]
	}
	for i, xi := range x {
		if xi == 0 {
			continue
		}
		row := d.W[i*d.Out : (i+1)*d.Out]
		for j, w := range row {
			y[j] += xi * w
		}
	}
	if !last {
		for j := range y[:d.Out] {
			y[j] = n.activate(y[j])
		}
	}
}
