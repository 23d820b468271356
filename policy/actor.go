package policy

import (
	"math"

	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/matmul"
	"github.com/barriergym/barriergym/qplayer"
)

// netBatch holds the network's outputs for the samples of a NetBatch:
// row i of ref is sample i's reference branch (p's source), of raw its
// gain branch before the squash (BarrierNet).
type netBatch struct {
	n           int
	ref, raw    []float64
	refW, rawW  int // their row widths
	x, y, trunk []float64
}

// Actor runs a Net forward in plain Go for acting in environments: one
// observation at a time (Forward), or the network for several at once
// (NetBatch) and then each sample's QP (Finish). It keeps scratch memory:
// one per goroutine.
type Actor struct {
	net     *Net
	ws      matmul.Workspace
	nb      netBatch // NetBatch's outputs
	solver  *qplayer.Solver
	batch   qplayer.Batch
	res     qplayer.Result
	learned []float64 // the learned gains
	gains   []float64 // every gain of the layout
	feat    []float64
	ref, u  []float64
	proj    []float64
	active  []int
	rows    *Features
}

// Output is one forward pass's result; its slices live in the actor's
// memory until the next call.
type Output struct {
	U, Ref []float64 // the safe control and the reference (equal for MLP)
	Gains  []float64 // every gain of the layout, learned and fixed (BarrierNet)
	Slack  float64   // the largest elastic slack
	Status qplayer.Status
}

// NewActor returns an actor over net's weights (shared, not copied).
func NewActor(net *Net) *Actor {
	s := net.Spec
	m := s.M()
	a := &Actor{net: net,
		learned: make([]float64, s.NGains()), gains: make([]float64, len(s.Layout.Gains)),
		feat: make([]float64, s.FeatDim()),
		ref:  make([]float64, m), u: make([]float64, m), proj: make([]float64, m), rows: NewFeatures(s)}
	if s.Head == HeadBarrierNet {
		a.solver, _ = qplayer.NewSolver(qplayer.Options{Workers: 1, Elastic: true, Rho: s.Rho, Sigma: s.Sigma})
		r := s.Rows()
		a.batch = qplayer.Batch{Size: 1, N: m, M: r, Q: make([]float64, m*m), P: make([]float64, m),
			G: make([]float64, m*r), H: make([]float64, r)}
		for i, w := range s.Weights {
			a.batch.Q[i*m+i] = w
		}
	}
	return a
}

// Forward computes the control for an observation and the state's barrier
// features (ignored by MLP policies).
func (a *Actor) Forward(obs, feat []float64) Output {
	a.NetBatch(obs, 1)
	return a.Finish(0, feat)
}

// NetBatch runs the network, normalization to the branches' outputs, on
// the n observations in obs (n×ObsDim, row by row) at once: each layer is
// one product of n rows (Dense.ForwardBatch), rounded as one row at a
// time is. Finish(i, feat) then completes sample i.
func (a *Actor) NetBatch(obs []float64, n int) {
	nt, d := a.net, a.net.Spec.ObsDim
	b := &a.nb
	b.n = n
	b.x = grow(b.x, n*d)
	for i := 0; i < n; i++ {
		for k, v := range obs[i*d : (i+1)*d] {
			b.x[i*d+k] = (v - nt.ObsMean[k]) / nt.ObsStd[k]
		}
	}
	h, w := a.chainBatch(nt.Trunk, d, false)
	b.trunk = append(b.trunk[:0], h...) // both branches start from the trunk
	b.ref, b.refW = a.branch(nt.Ref, b.ref, w)
	if len(nt.Gain) > 0 && nt.Spec.Head == HeadBarrierNet {
		b.raw, b.rawW = a.branch(nt.Gain, b.raw, w)
	}
}

// branch runs layers (the last one linear) on the trunk's output, of row
// width w, and returns their output copied into dst, and its width.
func (a *Actor) branch(layers []Dense, dst []float64, w int) ([]float64, int) {
	b := &a.nb
	b.x = append(b.x[:0], b.trunk...)
	out, ow := a.chainBatch(layers, w, true)
	return append(dst[:0], out...), ow
}

// chainBatch runs layers on the nb.n rows of width w in nb.x and returns
// the output rows (scratch memory) and their width. Every layer is
// activated but, when linearLast, the last one.
func (a *Actor) chainBatch(layers []Dense, w int, linearLast bool) ([]float64, int) {
	b := &a.nb
	n := b.n
	for i := range layers {
		l := &layers[i]
		b.y = grow(b.y, n*l.Out)
		a.net.apply(&a.ws, l, b.x[:n*w], n, b.y, linearLast && i == len(layers)-1)
		b.x, b.y, w = b.y, b.x, l.Out
	}
	return b.x, w
}

// grow returns s with length n, reallocated only when too short.
func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// Finish completes sample i of the last NetBatch as Forward does: its
// reference, and for a BarrierNet its gains, the QP rows of the state's
// barrier features feat, and the QP's solution.
func (a *Actor) Finish(i int, feat []float64) Output {
	n := a.net
	s := n.Spec
	b := &a.nb
	copy(a.ref, b.ref[i*b.refW:(i+1)*b.refW])
	out := Output{Ref: a.ref}
	if s.Head != HeadBarrierNet {
		copy(a.u, a.ref)
		out.U = a.u
		return out
	}
	if len(n.Gain) > 0 {
		raw := b.raw[i*b.rawW : (i+1)*b.rawW]
		for i, r := range raw[:len(a.learned)] {
			a.learned[i] = s.PMin + (s.PMax-s.PMin)/(1+math.Exp(-r))
		}
	}
	s.Layout.Expand(a.gains, a.learned, s.FixedGains)
	out.Gains = a.gains
	for i, w := range s.Weights {
		a.batch.P[i] = -w * a.ref[i]
	}
	s.qpRows(feat, a.gains, a.batch.G, a.batch.H)
	a.solver.Solve(&a.batch, &a.res)
	out.Status = a.res.Status[0]
	copy(a.u, a.res.Z)
	out.U = a.u
	for _, t := range a.res.Slack {
		out.Slack = math.Max(out.Slack, t)
	}
	return out
}

// Controller adapts an Actor to control.Controller for evaluation.
type Controller struct{ *Actor }

// Act implements control.Controller.
func (c Controller) Act(e env.Env, obs []float64) control.Decision {
	s := c.net.Spec
	if s.Head == HeadBarrierNet {
		c.rows.Read(e, c.feat)
	}
	o := c.Forward(obs, c.feat)
	for i := range o.U {
		o.U[i] = math.Max(s.Lo[i], math.Min(s.Hi[i], o.U[i]))
	}
	d := control.Decision{Ref: o.Ref, U: o.U, Filtered: s.Head == HeadBarrierNet,
		Slack: o.Slack, Status: o.Status, Gains: o.Gains}
	if d.Filtered {
		d.Change = control.Distance(o.U, o.Ref)
		c.active = c.active[:0]
		for j := 0; j < s.NCBF(); j++ {
			if k := c.rows.Shape(j); k != 0 && o.Status == qplayer.Optimal && c.res.Active[j] {
				c.active = append(c.active, k)
			}
		}
		d.Active = c.active
	}
	return d
}

// LastGains returns the gains of the last forward pass (BarrierNet; nil
// for MLP), valid until the next one.
func (a *Actor) LastGains() []float64 {
	if a.net.Spec.Head != HeadBarrierNet {
		return nil
	}
	return a.gains
}

// Project returns the control closest to u, in the metric of H, that
// satisfies the rows of the last Forward (the policy's own CBF rows with
// its gains, and the bounds): the safety shield of a BarrierNet policy. It
// also returns the largest elastic slack and the QP status. The control
// lives in the actor's memory until the next Project.
func (a *Actor) Project(u []float64) ([]float64, float64, qplayer.Status) {
	s := a.net.Spec
	copy(a.proj, a.batch.P)
	for i, w := range s.Weights {
		a.batch.P[i] = -w * u[i]
	}
	a.solver.Solve(&a.batch, &a.res)
	copy(a.batch.P, a.proj)
	slack := 0.0
	for _, t := range a.res.Slack {
		slack = math.Max(slack, t)
	}
	if a.res.Status[0] != qplayer.Optimal {
		copy(a.proj, u)
	} else {
		copy(a.proj, a.res.Z)
	}
	return a.proj, slack, a.res.Status[0]
}

// RowsOf writes the QP rows the last Forward's gains give for features
// feat into G (Rows()×m) and h.
func (a *Actor) RowsOf(feat, G, h []float64) { a.net.Spec.qpRows(feat, a.gains, G, h) }
