package policy

import (
	"math"

	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/qplayer"
)

// Actor runs a Net forward in plain Go, one observation at a time, for
// acting in environments. It keeps scratch memory: one per goroutine.
type Actor struct {
	net     *Net
	solver  *qplayer.Solver
	batch   qplayer.Batch
	res     qplayer.Result
	x, y    []float64 // layer scratch
	learned []float64 // the learned gains
	gains   []float64 // every gain of the layout
	feat    []float64
	obs     []float64
	trunk   []float64 // the trunk's output, read by both branches
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
	width := s.ObsDim
	for _, l := range net.Layers() {
		width = max(width, l.Out, l.In)
	}
	m := s.M()
	a := &Actor{net: net, x: make([]float64, width), y: make([]float64, width),
		learned: make([]float64, s.NGains()), gains: make([]float64, len(s.Layout.Gains)),
		feat: make([]float64, s.FeatDim()), obs: make([]float64, s.ObsDim),
		ref: make([]float64, m), u: make([]float64, m), proj: make([]float64, m), rows: NewFeatures(s)}
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

// chain runs layers on in and returns the output slice (scratch memory,
// valid until the next chain). Every layer is activated but, when
// linearLast, the last one.
func (a *Actor) chain(layers []Dense, in []float64, linearLast bool) []float64 {
	x := append(a.x[:0], in...)
	y := a.y
	for i := range layers {
		l := &layers[i]
		a.net.apply(l, x, y[:l.Out], linearLast && i == len(layers)-1)
		x, y = y[:l.Out], x[:cap(x)]
	}
	return x
}

// Forward computes the control for an observation and the state's barrier
// features (ignored by MLP policies).
func (a *Actor) Forward(obs, feat []float64) Output {
	n := a.net
	s := n.Spec
	for i, v := range obs {
		a.obs[i] = (v - n.ObsMean[i]) / n.ObsStd[i]
	}
	h := a.chain(n.Trunk, a.obs, false)
	trunk := append(a.trunk[:0], h...) // both branches start from the trunk
	a.trunk = trunk
	copy(a.ref, a.chain(n.Ref, trunk, true))
	out := Output{Ref: a.ref}
	if s.Head != HeadBarrierNet {
		copy(a.u, a.ref)
		out.U = a.u
		return out
	}
	if len(n.Gain) > 0 {
		raw := a.chain(n.Gain, trunk, true)
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
