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
	net    *Net
	solver *qplayer.Solver
	batch  qplayer.Batch
	res    qplayer.Result
	x, y   []float64 // layer scratch
	gains  []float64
	feat   []float64
	obs    []float64
	trunk  []float64 // the trunk's output, read by both branches
	active []int
}

// Output is one forward pass's result.
type Output struct {
	U, Ref [2]float64 // the safe control and the reference (equal for MLP)
	Gains  []float64  // the learned gains (BarrierNet), valid until the next call
	Slack  float64    // the largest elastic slack
	Status qplayer.Status
}

// NewActor returns an actor over net's weights (shared, not copied).
func NewActor(net *Net) *Actor {
	width := net.Spec.ObsDim
	for _, l := range net.Layers() {
		width = max(width, l.Out, l.In)
	}
	a := &Actor{net: net, x: make([]float64, width), y: make([]float64, width),
		gains: make([]float64, net.Spec.NGains), feat: make([]float64, net.Spec.FeatDim()),
		obs: make([]float64, net.Spec.ObsDim)}
	if net.Spec.Head == HeadBarrierNet {
		s := net.Spec
		a.solver, _ = qplayer.NewSolver(qplayer.Options{Workers: 1, Elastic: true, Rho: s.Rho, Sigma: s.Sigma})
		m := s.Rows()
		a.batch = qplayer.Batch{Size: 1, N: 2, M: m,
			Q: []float64{s.Weights[0], 0, 0, s.Weights[1]}, P: make([]float64, 2),
			G: make([]float64, 2*m), H: make([]float64, m)}
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
	for i, v := range obs {
		a.obs[i] = (v - n.ObsMean[i]) / n.ObsStd[i]
	}
	h := a.chain(n.Trunk, a.obs, false)
	trunk := append(a.trunk[:0], h...) // both branches start from the trunk
	a.trunk = trunk
	ref := a.chain(n.Ref, trunk, true)
	var out Output
	out.Ref = [2]float64{ref[0], ref[1]}
	if n.Spec.Head != HeadBarrierNet {
		out.U = out.Ref
		return out
	}
	raw := a.chain(n.Gain, trunk, true)
	for i, r := range raw[:n.Spec.NGains] {
		a.gains[i] = n.Spec.PMax / (1 + math.Exp(-r))
	}
	out.Gains = a.gains
	s := n.Spec
	a.batch.P[0], a.batch.P[1] = -s.Weights[0]*out.Ref[0], -s.Weights[1]*out.Ref[1]
	s.qpRows(feat, a.gains, a.batch.G, a.batch.H)
	a.solver.Solve(&a.batch, &a.res)
	out.Status = a.res.Status[0]
	out.U = [2]float64{a.res.Z[0], a.res.Z[1]}
	for _, t := range a.res.Slack {
		out.Slack = math.Max(out.Slack, t)
	}
	return out
}

// Controller adapts an Actor to control.Controller for evaluation.
type Controller struct{ *Actor }

// Act implements control.Controller.
func (c Controller) Act(e env.Env, obs []float64) control.Decision {
	if c.net.Spec.Head == HeadBarrierNet {
		Features(c.net.Spec, e, c.feat)
	}
	o := c.Forward(obs, c.feat)
	lo, hi := e.ActionBounds()
	u := [2]float64{math.Max(lo[0], math.Min(hi[0], o.U[0])), math.Max(lo[1], math.Min(hi[1], o.U[1]))}
	d := control.Decision{Ref: o.Ref, U: u, Filtered: c.net.Spec.Head == HeadBarrierNet,
		Slack: o.Slack, Status: o.Status, Gains: o.Gains}
	if d.Filtered {
		d.Change = math.Hypot(u[0]-o.Ref[0], u[1]-o.Ref[1])
		c.active = c.active[:0]
		for j := 0; j < c.net.Spec.NCBF && j < len(e.Obstacles()); j++ {
			if o.Status == qplayer.Optimal && c.res.Active[j] {
				c.active = append(c.active, e.CBFObstacle(j))
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
// its learned gains, and the bounds): the safety shield of a BarrierNet
// policy. It also returns the largest elastic slack and the QP status.
func (a *Actor) Project(u [2]float64) ([2]float64, float64, qplayer.Status) {
	s := a.net.Spec
	P0, P1 := a.batch.P[0], a.batch.P[1]
	a.batch.P[0], a.batch.P[1] = -s.Weights[0]*u[0], -s.Weights[1]*u[1]
	a.solver.Solve(&a.batch, &a.res)
	a.batch.P[0], a.batch.P[1] = P0, P1
	slack := 0.0
	for _, t := range a.res.Slack {
		slack = math.Max(slack, t)
	}
	if a.res.Status[0] != qplayer.Optimal {
		return u, slack, a.res.Status[0]
	}
	return [2]float64{a.res.Z[0], a.res.Z[1]}, slack, a.res.Status[0]
}

// RowsOf writes the QP rows the last Forward's gains give for features
// feat into G (Rows()×2) and h.
func (a *Actor) RowsOf(feat, G, h []float64) { a.net.Spec.qpRows(feat, a.gains, G, h) }
