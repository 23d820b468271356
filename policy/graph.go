package policy

import (
	"fmt"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/qplayer"
	"github.com/barriergym/barriergym/tape"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Learner is a Gorgonia graph of a Net for one batch size, over the net's
// own weight slices (an update of the net is seen by the graph and the
// Actor alike). Its loss is the mean squared error between the policy's
// controls and target controls, or a Loss computed in Go
// (NewLossLearner).
type Learner struct {
	net     *Net
	batch   int
	g       *gorgonia.ExprGraph
	vm      gorgonia.VM
	params  gorgonia.Nodes // in the order of Net.Params
	loss    *gorgonia.Node
	uVal    gorgonia.Value // a copy of u's value taken during the run
	qp      *gorgonia.Node // the QP node (BarrierNet)
	obsNode *gorgonia.Node // the normalized observations (no gradient)

	// Inputs, filled per batch through their backing slices.
	obs, target []float64 // (batch, obs) normalized, (batch, m)
	lossFn      Loss      // a loss computed in Go (nil: the mean squared error to targets)
	G           []float64 // (batch, rows, m)
	lie         []float64 // (batch, LieDim): the CBF rows' Lie values
	h           []float64 // (batch, rows): h itself when no gain is learned, its CBF part loaded per sample
	lossVal     float64
}

func input(g *gorgonia.ExprGraph, name string, shape ...int) (*gorgonia.Node, []float64) {
	n := 1
	for _, s := range shape {
		n *= s
	}
	data := make([]float64, n)
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
	return gorgonia.NewTensor(g, tensor.Float64, len(shape), gorgonia.WithShape(shape...),
		gorgonia.WithName(name), gorgonia.WithValue(t)), data
}

// NewLearner builds the graph for batch size b, with the mean squared
// error between the policy's controls and the loaded targets as its loss.
func NewLearner(net *Net, b int) (*Learner, error) {
	return newLearner(net, b, nil)
}

// NewLossLearner builds the graph for batch size b whose loss is f of
// the policy's controls: f is called in each Run with the controls of the
// loaded batch, and its ∂loss/∂u is taken back to every parameter. The
// targets given to Load are ignored.
func NewLossLearner(net *Net, b int, f Loss) (*Learner, error) {
	if f == nil {
		return nil, fmt.Errorf("policy: a loss learner needs a loss")
	}
	return newLearner(net, b, f)
}

func newLearner(net *Net, b int, f Loss) (*Learner, error) {
	l := &Learner{net: net, batch: b, g: gorgonia.NewGraph(), lossFn: f}
	if err := l.build(); err != nil {
		return nil, fmt.Errorf("policy: build graph: %w", err)
	}
	if _, err := gorgonia.Grad(l.loss, l.params...); err != nil {
		return nil, fmt.Errorf("policy: gradient graph: %w", err)
	}
	l.vm = tape.New(l.g, gorgonia.BindDualValues(l.params...)) // runs stay on the caller's goroutine
	return l, nil
}

// dense adds a layer: activated, or when last linear and scaled by
// scale per output (nil: not scaled).
func (l *Learner) dense(x *gorgonia.Node, d *Dense, name string, last bool, scale []float64) (*gorgonia.Node, error) {
	W := gorgonia.NewMatrix(l.g, tensor.Float64, gorgonia.WithShape(d.In, d.Out), gorgonia.WithName(name+".W"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(d.In, d.Out), tensor.WithBacking(d.W))))
	B := gorgonia.NewMatrix(l.g, tensor.Float64, gorgonia.WithShape(1, d.Out), gorgonia.WithName(name+".b"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(1, d.Out), tensor.WithBacking(d.B))))
	l.params = append(l.params, W, B)
	act := activation(l.net.Spec.Activation)
	if last {
		act = actNone
	}
	return affine(x, W, B, act, x != l.obsNode, scale)
}

// chain adds layers, the last one linear and scaled by lastScale (nil: not
// scaled).
func (l *Learner) chain(x *gorgonia.Node, layers []Dense, name string, lastScale []float64) (*gorgonia.Node, error) {
	var err error
	for i := range layers {
		last := i == len(layers)-1
		var scale []float64
		if last {
			scale = lastScale
		}
		if x, err = l.dense(x, &layers[i], fmt.Sprintf("%s%d", name, i), last, scale); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (l *Learner) build() error {
	s, b := l.net.Spec, l.batch
	x, obs := input(l.g, "obs", b, s.ObsDim)
	l.obs, l.obsNode = obs, x
	h := x
	var err error
	for i := range l.net.Trunk {
		if h, err = l.dense(h, &l.net.Trunk[i], fmt.Sprintf("trunk%d", i), false, nil); err != nil {
			return err
		}
	}
	// A BarrierNet's reference control enters the QP only as p = −H·u_ref
	// (H diagonal): its last layer gives p itself, scaled by −H.
	var negH []float64
	if s.Head == HeadBarrierNet {
		for _, w := range s.Weights {
			negH = append(negH, -w)
		}
	}
	u, err := l.chain(h, l.net.Ref, "ref", negH)
	if err != nil {
		return err
	}
	if s.Head == HeadBarrierNet {
		var raw *gorgonia.Node // the learned gains before the sigmoid
		if s.NGains() > 0 {
			if raw, err = l.chain(h, l.net.Gain, "gain", nil); err != nil {
				return err
			}
		}
		if u, err = l.safetyLayer(u, raw); err != nil {
			return err
		}
	}
	// The tape reuses memory once a value is consumed: read a copy of u.
	gorgonia.Read(u, &l.uVal)
	if l.lossFn != nil {
		l.loss, err = applyLoss(u, l.lossFn)
		return err
	}
	y, target := input(l.g, "target", b, s.M())
	l.target = target
	diff, err := gorgonia.Sub(u, y)
	if err != nil {
		return err
	}
	sq, err := gorgonia.Square(diff)
	if err != nil {
		return err
	}
	l.loss, err = gorgonia.Mean(sq)
	return err
}

// safetyLayer turns p = −H·u_ref (the reference branch's scaled output)
// and the gain branch's raw output (nil when no gain is learned) into the
// QP's solution: G per sample; h in one op (barrier.RHSNodeWith): the
// learned gains p_min + (p_max − p_min)·σ(raw), the CBF rows' right-hand
// sides from them and the per-sample Lie values, then the bound rows'
// constants.
func (l *Learner) safetyLayer(p, raw *gorgonia.Node) (*gorgonia.Node, error) {
	s, b := l.net.Spec, l.batch
	m, k, rows := s.M(), s.NCBF(), s.Rows()
	Gn, G := input(l.g, "G", b, rows, m)
	l.G = G
	box := make([]float64, 2*m)
	if s.Bounds {
		for i := 0; i < b; i++ {
			barrier.Box(s.Lo, s.Hi, G[(i*rows+k)*m:(i+1)*rows*m], box)
		}
	}
	var h *gorgonia.Node
	if raw != nil {
		// Gains, CBF rows and bound rows in one op.
		var lie *gorgonia.Node
		lie, l.lie = input(l.g, "lie", b, s.Layout.LieDim())
		var tail []float64
		if s.Bounds {
			tail = box
		}
		var err error
		h, err = barrier.RHSNodeWith(raw, lie, s.Layout, s.FixedGains,
			barrier.RHSOptions{Squash: true, PMin: s.PMin, PMax: s.PMax, Tail: tail})
		if err != nil {
			return nil, err
		}
	} else {
		// Every row's right-hand side is data: the CBF rows loaded per
		// sample, the bound rows set here.
		var hAll []float64
		h, hAll = input(l.g, "h", b, rows)
		l.h = hAll
		for i := 0; s.Bounds && i < b; i++ {
			copy(hAll[i*rows+k:(i+1)*rows], box)
		}
	}
	qv := make([]float64, m*m)
	for i, w := range s.Weights {
		qv[i*m+i] = w
	}
	Q := gorgonia.NewMatrix(l.g, tensor.Float64, gorgonia.WithShape(m, m), gorgonia.WithName("H"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(m, m), tensor.WithBacking(qv))))
	data := gorgonia.Nodes{Q, Gn} // the cost and the rows' G are data, and h when no gain is learned
	if raw == nil {
		data = append(data, h)
	}
	z, err := qplayer.QP(Q, p, Gn, h, qplayer.WithElastic(s.Rho, s.Sigma), qplayer.WithoutGradient(data...))
	if err != nil {
		return nil, err
	}
	l.qp = z
	return z, nil
}

// Batch is the learner's batch size.
func (l *Learner) Batch() int { return l.batch }

// Load fills the graph's inputs for batch row i: the raw observation (it is
// normalized here), the barrier features and the target control (ignored
// by a loss learner).
func (l *Learner) Load(i int, obs, feat, target []float64) {
	n, s := l.net, l.net.Spec
	m := s.M()
	for k, v := range obs {
		l.obs[i*s.ObsDim+k] = (v - n.ObsMean[k]) / n.ObsStd[k]
	}
	if l.lossFn == nil {
		copy(l.target[m*i:m*(i+1)], target)
	}
	if s.Head != HeadBarrierNet {
		return
	}
	rows, k := s.Rows(), s.NCBF()
	G := l.G[i*rows*m : (i*rows+k)*m]
	if l.lie != nil {
		ld := s.Layout.LieDim()
		s.Layout.Unpack(feat, m, G, l.lie[i*ld:(i+1)*ld])
		return
	}
	s.Layout.Constraints(feat, m, s.FixedGains, G, l.h[i*rows:i*rows+k])
}

// Run computes the loss and the gradients of every parameter for the
// loaded batch; read them (Grads, Controls) before the next Run.
func (l *Learner) Run() (float64, error) {
	l.vm.Reset()
	// The tape adds into the parameters' gradients; Gorgonia's solvers zero
	// them after a step, and so must we, having our own optimizer.
	for _, p := range l.params {
		if g, err := p.Grad(); err == nil && g != nil {
			clear(g.Data().([]float64))
		}
	}
	if err := l.vm.RunAll(); err != nil {
		return 0, fmt.Errorf("policy: run graph: %w", err)
	}
	l.lossVal = l.loss.Value().Data().(float64)
	return l.lossVal, nil
}

// Grads returns the gradient slices of the parameters after Run, in the
// order of Net.Params.
func (l *Learner) Grads() ([][]float64, error) {
	gs := make([][]float64, len(l.params))
	for i, p := range l.params {
		g, err := p.Grad()
		if err != nil {
			return nil, fmt.Errorf("policy: gradient of %s: %w", p.Name(), err)
		}
		gs[i] = g.Data().([]float64)
	}
	return gs, nil
}

// Controls returns the policy's controls of the last Run (batch×m).
func (l *Learner) Controls() []float64 { return l.uVal.Data().([]float64) }

// QPResult returns the safety layer's last result (nil for MLP).
func (l *Learner) QPResult() *qplayer.Result {
	if l.qp == nil {
		return nil
	}
	r, _ := qplayer.ResultOf(l.qp)
	return r
}

// Close releases the graph's machine.
func (l *Learner) Close() { l.vm.Close() }
