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
//	u* = argmin ½(u − u_ref)ᵀH(u − u_ref)  s.t.  CBF rows, action bounds
//
// with H = diag(Weights). The hard QP is solved first; when it is
// infeasible the elastic one (Rho, Sigma) is, so a control always exists
// and the slack says how far the rows were bent.
type FilterConfig struct {
	Gains   []float64  // CBF gains: robot2d (p₁, p₂), nav α (one, or one per obstacle slot)
	Weights [2]float64 // H's diagonal
	Rho     float64    // elastic linear penalty
	Sigma   float64    // elastic quadratic penalty
}

// Filter is a CBF-QP safety filter around a nominal controller. It keeps
// solver workspaces: use one per goroutine.
type Filter struct {
	Nominal Controller
	cfg     FilterConfig
	hard    *qplayer.Solver
	soft    *qplayer.Solver
	rows    []barrier.Row
	active  []int
	batch   qplayer.Batch
	res     qplayer.Result
}

// NewFilter returns the filter, or an error for impossible settings.
func NewFilter(nominal Controller, cfg FilterConfig) (*Filter, error) {
	if len(cfg.Gains) == 0 {
		return nil, fmt.Errorf("filter: no CBF gains given")
	}
	for _, g := range cfg.Gains {
		if !(g > 0) || math.IsInf(g, 0) {
			return nil, fmt.Errorf("filter: gain %v, want a finite value > 0", g)
		}
	}
	if !(cfg.Weights[0] > 0 && cfg.Weights[1] > 0) {
		return nil, fmt.Errorf("filter: weights %v, want both > 0", cfg.Weights)
	}
	hard, err := qplayer.NewSolver(qplayer.Options{Workers: 1})
	if err != nil {
		return nil, err
	}
	soft, err := qplayer.NewSolver(qplayer.Options{Workers: 1, Elastic: true, Rho: cfg.Rho, Sigma: cfg.Sigma})
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	return &Filter{Nominal: nominal, cfg: cfg, hard: hard, soft: soft}, nil
}

// Act implements Controller: the nominal control, filtered.
func (f *Filter) Act(e env.Env, obs []float64) Decision {
	d := f.Nominal.Act(e, obs)
	return f.Apply(e, d.Ref)
}

// Apply filters the reference control ref for e's current state.
func (f *Filter) Apply(e env.Env, ref [2]float64) Decision {
	f.rows = e.CBFRows(f.cfg.Gains, f.rows)
	ncbf := len(f.rows)
	lo, hi := e.ActionBounds()
	for _, r := range barrier.BoxRows(lo, hi) {
		f.rows = append(f.rows, r)
	}
	m := len(f.rows)
	b := &f.batch
	w := f.cfg.Weights
	b.Size, b.N, b.M = 1, 2, m
	b.Q = append(b.Q[:0], w[0], 0, 0, w[1])
	b.P = append(b.P[:0], -w[0]*ref[0], -w[1]*ref[1])
	b.G, b.H = b.G[:0], b.H[:0]
	for _, r := range f.rows {
		b.G = append(b.G, r.G[0], r.G[1])
		b.H = append(b.H, r.H)
	}
	d := Decision{Ref: ref, Filtered: true, Gains: f.cfg.Gains}
	f.hard.Solve(b, &f.res)
	if f.res.Status[0] != qplayer.Optimal {
		d.Infeasible = true
		f.soft.Solve(b, &f.res)
		for _, t := range f.res.Slack[:m] {
			d.Slack = math.Max(d.Slack, t)
		}
	}
	d.Status = f.res.Status[0]
	if d.Status != qplayer.Optimal {
		// Invalid data (NaN state): fall back to the safest control there is.
		d.U = [2]float64{clamp(0, lo[0], hi[0]), clamp(0, lo[1], hi[1])}
	} else {
		d.U = [2]float64{clamp(f.res.Z[0], lo[0], hi[0]), clamp(f.res.Z[1], lo[1], hi[1])}
	}
	d.Change = math.Hypot(d.U[0]-ref[0], d.U[1]-ref[1])
	f.active = f.active[:0]
	if d.Status == qplayer.Optimal {
		for j := 0; j < ncbf; j++ {
			if f.res.Active[j] {
				f.active = append(f.active, e.CBFObstacle(j))
			}
		}
	}
	d.Active = f.active
	return d
}

// DefaultRobot2DFilter: gains p₁ = p₂ = 1, steering ten times cheaper than
// braking, elastic penalties ρ = 1e4, σ = 1.
func DefaultRobot2DFilter() FilterConfig {
	return FilterConfig{Gains: []float64{1, 1}, Weights: [2]float64{1, 10}, Rho: 1e4, Sigma: 1}
}

// DefaultNavFilter: α = 2 for every obstacle, turning a hundred times cheaper
// than slowing down, elastic penalties ρ = 1e4, σ = 1.
func DefaultNavFilter() FilterConfig {
	return FilterConfig{Gains: []float64{2}, Weights: [2]float64{100, 1}, Rho: 1e4, Sigma: 1}
}
