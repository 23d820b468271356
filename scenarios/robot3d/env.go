package robot3d

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
	"github.com/barriergym/barriergym/sim"
)

// Env is one episode: s = (x, vx, y, vy, z, vz), integrated exactly with
// the control held (p += v·dt + ½u·dt², v += u·dt), as BarrierNet's test
// does. Observation: the state and the goal. Reward per step: the decrease
// of the distance to the goal; cost 1 per step with b < 0. Truncated at the
// horizon; success is ending within goal_radius of the goal without ever
// entering the obstacle.
type Env struct {
	cfg      Settings
	s        [6]float64
	goal     [3]float64
	ref      [][3]float64 // the expert's positions, one per step from the start
	step     int
	minB     float64
	pathSum  float64
	obs      [9]float64
	barriers [1]float64
	row      [6]float64 // G (3), L_f²b, L_f b, b
	trail    [][3]float64
}

// New returns an environment for valid settings.
func New(cfg Settings) *Env { return &Env{cfg: cfg} }

func (e *Env) pos() [3]float64 { return [3]float64{e.s[0], e.s[2], e.s[4]} }

func dist(a, b [3]float64) float64 { return math.Sqrt(sq(a[0]-b[0]) + sq(a[1]-b[1]) + sq(a[2]-b[2])) }

func sq(v float64) float64 { return v * v }

// Reset implements env.Env: a start and a goal drawn in [0, box]³ on
// opposite sides of the obstacle's centre, both outside it with room.
func (e *Env) Reset(seed uint64) ([]float64, env.Info) {
	c := e.cfg
	rng := rand.New(rand.NewPCG(seed, 0x726f626f74336400))
	var s Start
	for {
		for i := range s.From {
			s.From[i] = c.Box * rng.Float64()
			s.Goal[i] = 2*c.Obstacle[i] - s.From[i] + 4*rng.NormFloat64() // across the obstacle
		}
		r4 := c.Size * c.Size * c.Size * c.Size
		if c.b(s.From) > 0.5*r4 && c.b(s.Goal) > 0.5*r4 && dist(s.From, s.Goal) > 10 {
			break
		}
	}
	return e.ResetTo(s)
}

// ResetTo starts at rest at s.From with goal s.Goal. The reference path is
// the published trajectory for the published start, else the expert's,
// simulated here.
func (e *Env) ResetTo(s Start) ([]float64, env.Info) {
	e.goal, e.step, e.minB, e.pathSum = s.Goal, 0, math.Inf(1), 0
	if s.Published {
		e.ref = publishedPath()
	} else {
		e.ref = e.expertPath(s)
	}
	e.s = [6]float64{s.From[0], 0, s.From[1], 0, s.From[2], 0}
	e.trail = append(e.trail[:0], e.pos())
	info := e.info()
	return e.Observation(), info
}

// expertPath simulates the scenario's expert from s for the horizon: the
// nominal control projected onto the HOCBF row with p₁ = p₂ = expertGain
// (the one-row QP's solution), clipped to the bounds.
func (e *Env) expertPath(s Start) [][3]float64 {
	sim := Env{cfg: e.cfg, goal: s.Goal}
	sim.s = [6]float64{s.From[0], 0, s.From[1], 0, s.From[2], 0}
	path := make([][3]float64, 0, e.cfg.Horizon+1)
	path = append(path, sim.pos())
	var u [3]float64
	gains := []float64{expertGain, expertGain}
	for k := 0; k < e.cfg.Horizon; k++ {
		sim.Nominal(u[:])
		r := sim.Row()
		h := barrier.RHS(r.Lie, gains)
		if gu := r.G[0]*u[0] + r.G[1]*u[1] + r.G[2]*u[2]; gu > h {
			n := r.G[0]*r.G[0] + r.G[1]*r.G[1] + r.G[2]*r.G[2]
			for i := range u {
				u[i] -= (gu - h) / n * r.G[i]
			}
		}
		sim.integrate(u[:])
		path = append(path, sim.pos())
	}
	return path
}

// State implements env.Env.
func (e *Env) State() []float64 { return e.s[:] }

// SetState implements env.StateSetter.
func (e *Env) SetState(x []float64) error {
	if len(x) != len(e.s) {
		return fmt.Errorf("robot3d: state of %d values, want %d", len(x), len(e.s))
	}
	copy(e.s[:], x)
	return nil
}

// Observation implements env.Env.
func (e *Env) Observation() []float64 {
	e.obs = [9]float64{e.s[0], e.s[1], e.s[2], e.s[3], e.s[4], e.s[5], e.goal[0], e.goal[1], e.goal[2]}
	return e.obs[:]
}

func (e *Env) info() env.Info {
	b := e.cfg.b(e.pos())
	e.barriers[0] = b
	e.minB = math.Min(e.minB, b)
	return env.Info{Step: e.step, MinBarrier: b, Barriers: e.barriers[:], Collision: b < 0}
}

// integrate advances the state by dt with u (clipped) held.
func (e *Env) integrate(u []float64) {
	dt := e.cfg.Dt
	for i := 0; i < 3; i++ {
		a := sim.Clip(u[i], -e.cfg.AccelMax, e.cfg.AccelMax)
		e.s[2*i] += e.s[2*i+1]*dt + 0.5*a*dt*dt
		e.s[2*i+1] += a * dt
	}
}

// Step implements env.Env.
func (e *Env) Step(u []float64) ([]float64, float64, float64, bool, bool, env.Info) {
	before := dist(e.pos(), e.goal)
	e.integrate(u)
	e.step++
	e.trail = append(e.trail, e.pos())
	e.pathSum += dist(e.pos(), e.ref[min(e.step, len(e.ref)-1)])
	info := e.info()
	cost := 0.0
	if info.Collision {
		cost = 1
	}
	truncated := e.step >= e.cfg.Horizon
	info.Success = truncated && e.minB >= 0 && dist(e.pos(), e.goal) <= e.cfg.GoalRange
	return e.Observation(), before - dist(e.pos(), e.goal), cost, false, truncated, info
}

// Row returns the HOCBF row. With d = p − o:
//
//	L_f b = 4Σdᵢ³vᵢ,  L_f²b = 12Σdᵢ²vᵢ²,  L_gL_f b = 4(d_x³, d_y³, d_z³),
//
// and G = −L_gL_f b; the value is that of the superquadric of half-size
// R + margin.
func (e *Env) Row() barrier.Row {
	var lf, lf2 float64
	for i := 0; i < 3; i++ {
		d, v := e.s[2*i]-e.cfg.Obstacle[i], e.s[2*i+1]
		e.row[i] = -4 * d * d * d
		lf += 4 * d * d * d * v
		lf2 += 12 * d * d * v * v
	}
	e.row[3], e.row[4], e.row[5] = lf2, lf, e.cfg.superquadric(e.pos(), e.cfg.Size+e.cfg.Margin)
	return barrier.Row{Slot: 0, Shape: 1, G: e.row[0:3], Lie: e.row[3:6]}
}

// CBFRows implements env.Env.
func (e *Env) CBFRows(dst []barrier.Row) []barrier.Row { return append(dst[:0], e.Row()) }

// GoalError implements env.Env.
func (e *Env) GoalError() float64 { return dist(e.pos(), e.goal) }

// The nominal controller: a critically damped PD to the goal, blind to
// the obstacle (u = k_p(g − p) − k_d v, clipped).
const (
	nominalKP = 0.09
	nominalKD = 0.6
)

// Nominal implements env.Env.
func (e *Env) Nominal(u []float64) {
	for i := 0; i < 3; i++ {
		u[i] = sim.Clip(nominalKP*(e.goal[i]-e.s[2*i])-nominalKD*e.s[2*i+1], -e.cfg.AccelMax, e.cfg.AccelMax)
	}
}

// EpisodeMetrics implements env.MetricsReporter.
func (e *Env) EpisodeMetrics(dst []float64) {
	dst[0], dst[1] = e.minB, e.pathSum/math.Max(float64(e.step), 1)
}

// The picture: two orthogonal projections side by side, x–y on the left
// and x–z on the right (panelGap metres apart), each with the obstacle's
// cross-section at the robot's height (resp. depth), the goal, the
// reference path, the trail and the robot.
const panelGap = 8.0

// Draw implements env.Env.
func (e *Env) Draw(sc *scene.Scene, ref, u []float64) {
	c := e.cfg
	w := c.Box + 4
	sc.World = scene.Rect{X0: -2, Y0: -2, X1: 2*w + panelGap - 2, Y1: c.Box + 2}
	p := e.pos()
	for k, axes := range [2][2]int{{0, 1}, {0, 2}} {
		off := float64(k) * (w + panelGap)
		at := func(q [3]float64) scene.Point { return scene.Point{X: off + q[axes[0]], Y: q[axes[1]]} }
		frame := scene.Rect{X0: off - 2, Y0: -2, X1: off + c.Box + 2, Y1: c.Box + 2}
		border := scene.Border(frame)
		border.Label = [2]string{"x-y (from above)", "x-z (from the side)"}[k]
		sc.Add(border)
		// What the CBF keeps clear, seen along the third axis (the
		// silhouette of half-size R + margin), and the obstacle's own
		// cross-section at the robot's coordinate on that axis.
		// An outline: goals and paths seen through it stay visible.
		outline := e.section(axes, c.Size+c.Margin, 0, off)
		sc.Add(scene.Shape{Kind: scene.Polyline, Role: scene.Margin, Key: 1, Points: append(outline, outline[0])})
		other := 3 - axes[0] - axes[1]
		if sect := e.section(axes, c.Size, p[other]-c.Obstacle[other], off); sect != nil {
			sc.Add(scene.Shape{Kind: scene.Polygon, Role: scene.Obstacle, Key: 1, Points: sect})
		}
		sc.Add(scene.Disc(scene.Goal, at(e.goal), c.GoalRange, 0))
		refPts := make([]scene.Point, len(e.ref))
		for i, q := range e.ref {
			refPts[i] = at(q)
		}
		path := scene.Line(scene.Reference, true, refPts...)
		path.Label = "expert path"
		sc.Add(path)
		if k == 1 { // the viewer draws the x–y trail from Focus
			tr := make([]scene.Point, len(e.trail))
			for i, q := range e.trail {
				tr[i] = at(q)
			}
			sc.Add(scene.Line(scene.Trail, false, tr...))
		}
		sc.Add(scene.Disc(scene.Robot, at(p), 0.4, 0))
	}
	sc.Focus = scene.Point{X: p[0], Y: p[1]}
	sc.Notes = append(sc.Notes, fmt.Sprintf("b %.1f  goal %.2f m  path error %.2f m", e.cfg.b(p), dist(p, e.goal),
		dist(p, e.ref[min(e.step, len(e.ref)-1)])))
}

// section returns the cross-section of the superquadric of half-size size
// in the plane of axes at offset cut along the third axis:
// |a|⁴ + |b|⁴ ≤ size⁴ − cut⁴, a superellipse; nil when the plane misses it.
func (e *Env) section(axes [2]int, size, cut, off float64) []scene.Point {
	c := e.cfg
	r4 := size*size*size*size - cut*cut*cut*cut
	if r4 <= 0 {
		return nil
	}
	r := math.Sqrt(math.Sqrt(r4))
	const n = 64
	pts := make([]scene.Point, n)
	for i := range pts {
		th := 2 * math.Pi * float64(i) / n
		cs, sn := math.Cos(th), math.Sin(th)
		pts[i] = scene.Point{X: off + c.Obstacle[axes[0]] + r*math.Copysign(math.Sqrt(math.Abs(cs)), cs),
			Y: c.Obstacle[axes[1]] + r*math.Copysign(math.Sqrt(math.Abs(sn)), sn)}
	}
	return pts
}
