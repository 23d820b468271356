package control

import (
	"fmt"
	"math"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/qplayer"
)

// FilterConfig sets up a CBF-QP safety filter:
//
//	u* = argmin ½(u − u_ref)ᵀH(u − u_ref)  s.t.  CBF rows, control bounds
//
// with H = diag(Weights). The hard QP is solved first; when it is
// infeasible the elastic one (Rho, Sigma) is, so a control always exists
// and the slack says how far the rows were bent.
type FilterConfig struct {
	Layout  barrier.Layout // the scenario's slots and gains
	Gains   []float64      // class-K gains: one per gain of Layout, or one for every gain
	Weights []float64      // H's diagonal, one per control
	Lo, Hi  []float64      // the control bounds
	Rho     float64        // elastic linear penalty
	Sigma   float64        // elastic quadratic penalty
}

// NewFilterConfig returns the settings of a filter for a task's spec.
func NewFilterConfig(spec env.Spec, gains, weights []float64, rho, sigma float64) FilterConfig {
	lo, hi := spec.Bounds()
	return FilterConfig{Layout: spec.Layout, Gains: gains, Weights: weights, Lo: lo, Hi: hi, Rho: rho, Sigma: sigma}
}

// Filter is a CBF-QP safety filter around a controller. It keeps solver
// workspaces: use one per goroutine.
type Filter struct {
	Inner  Controller
	cfg    FilterConfig
	gains  []float64 // one per gain of the layout
	hard   *qplayer.Solver
	soft   *qplayer.Solver
	rows   []barrier.Row
	active []int
	u      []float64
	batch  qplayer.Batch
	res    qplayer.Result
}

// NewFilter returns the filter, or an error for impossible settings.
func NewFilter(inner Controller, cfg FilterConfig) (*Filter, error) {
	n, m := len(cfg.Layout.Gains), len(cfg.Weights)
	if len(cfg.Gains) != 1 && len(cfg.Gains) != n {
		return nil, fmt.Errorf("filter: %d gains, want 1 or %d", len(cfg.Gains), n)
	}
	for _, g := range cfg.Gains {
		if !(g > 0) || math.IsInf(g, 0) {
			return nil, fmt.Errorf("filter: gain %v, want a finite value > 0", g)
		}
	}
	if m == 0 || len(cfg.Lo) != m || len(cfg.Hi) != m {
		return nil, fmt.Errorf("filter: %d weights and %d/%d bounds, want one of each per control", m, len(cfg.Lo), len(cfg.Hi))
	}
	for _, w := range cfg.Weights {
		if !(w > 0) {
			return nil, fmt.Errorf("filter: weights %v, want every one > 0", cfg.Weights)
		}
	}
	hard, err := qplayer.NewSolver(qplayer.Options{Workers: 1})
	if err != nil {
		return nil, err
	}
	soft, err := qplayer.NewSolver(qplayer.Options{Workers: 1, Elastic: true, Rho: cfg.Rho, Sigma: cfg.Sigma})
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	f := &Filter{Inner: inner, cfg: cfg, hard: hard, soft: soft, u: make([]float64, m), gains: make([]float64, n)}
	for i := range f.gains {
		f.gains[i] = cfg.Gains[min(i, len(cfg.Gains)-1)]
	}
	f.batch.Q = make([]float64, m*m)
	for i, w := range cfg.Weights {
		f.batch.Q[i*m+i] = w
	}
	return f, nil
}

// Act implements Controller: the inner controller's reference control
// (before it clips it to the bounds, as a PPO shield sees the sample),
// filtered.
func (f *Filter) Act(e env.Env, obs []float64) Decision {
	d := f.Inner.Act(e, obs)
	return f.Apply(e, d.Ref)
}

// Apply filters the reference control ref for e's current state.
func (f *Filter) Apply(e env.Env, ref []float64) Decision {
	cfg := f.cfg
	m := len(cfg.Weights)
	f.rows = e.CBFRows(f.rows)
	ncbf := len(f.rows)
	b := &f.batch
	b.Size, b.N, b.M = 1, m, ncbf+2*m
	b.P = b.P[:0]
	for i, w := range cfg.Weights {
		b.P = append(b.P, -w*ref[i])
	}
	b.G, b.H = grow(b.G, b.M*m), grow(b.H, b.M)
	for j, r := range f.rows {
		copy(b.G[j*m:(j+1)*m], r.G)
		b.H[j] = cfg.Layout.SlotRHS(r.Slot, r.Lie, f.gains)
	}
	barrier.Box(cfg.Lo, cfg.Hi, b.G[ncbf*m:], b.H[ncbf:])
	d := Decision{Ref: ref, U: f.u, Filtered: true, Gains: cfg.Gains}
	f.hard.Solve(b, &f.res)
	if f.res.Status[0] != qplayer.Optimal {
		d.Infeasible = true
		f.soft.Solve(b, &f.res)
		for _, t := range f.res.Slack[:b.M] {
			d.Slack = math.Max(d.Slack, t)
		}
	}
	d.Status = f.res.Status[0]
	for i := range f.u {
		z := 0.0 // invalid data (NaN state): the safest control there is
		if d.Status == qplayer.Optimal {
			z = f.res.Z[i]
		}
		f.u[i] = clamp(z, cfg.Lo[i], cfg.Hi[i])
	}
	d.Change = Distance(f.u, ref)
	f.active = f.active[:0]
	if d.Status == qplayer.Optimal {
		for j, r := range f.rows {
			if f.res.Active[j] && r.Shape != 0 {
				f.active = append(f.active, r.Shape)
			}
		}
	}
	d.Active = f.active
	return d
}

// grow returns s resliced to n values, reallocated when too small.
func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
