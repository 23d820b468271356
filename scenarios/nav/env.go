package nav

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
	"github.com/barriergym/barriergym/sim"
)

// Layout is one episode's start (x, y, θ), goal and obstacles.
type Layout struct {
	Start     [3]float64
	Goal      [2]float64
	Obstacles []barrier.Circle
}

// maxLayoutTries bounds the rejection sampling of a layout.
const maxLayoutTries = 10000

// NewLayout draws the layout of seed: start and goal at least
// MinStartGoal apart, obstacles clear of both (by the robot's radius plus
// twice the look-ahead around the start, the goal radius around the goal)
// and apart from each other by a robot's width, so the goal is reachable.
func NewLayout(c Settings, seed uint64) (Layout, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6e61760000000000))
	margin := c.RobotRadius + 2*c.Lookahead
	in := func(pad float64) float64 { return pad + (c.Arena-2*pad)*rng.Float64() }
	var l Layout
	for try := 0; ; try++ {
		if try == maxLayoutTries {
			return l, env.Errorf("min_start_goal", "no start and goal %v apart found for seed %d in %d tries", c.MinStartGoal, seed, try)
		}
		l.Start = [3]float64{in(margin), in(margin), math.Pi * (2*rng.Float64() - 1)}
		l.Goal = [2]float64{in(c.GoalRadius), in(c.GoalRadius)}
		if math.Hypot(l.Goal[0]-l.Start[0], l.Goal[1]-l.Start[1]) >= c.MinStartGoal {
			break
		}
	}
	l.Obstacles = make([]barrier.Circle, 0, c.Obstacles)
	for try := 0; len(l.Obstacles) < c.Obstacles; try++ {
		if try == maxLayoutTries {
			return l, env.Errorf("obstacles", "placed only %d of %d for seed %d: the arena is too crowded",
				len(l.Obstacles), c.Obstacles, seed)
		}
		o := barrier.Circle{X: c.Arena * rng.Float64(), Y: c.Arena * rng.Float64(),
			R: c.RadiusMin + (c.RadiusMax-c.RadiusMin)*rng.Float64()}
		if c.clear(l, o) {
			l.Obstacles = append(l.Obstacles, o)
		}
	}
	return l, nil
}

// clear reports whether obstacle o keeps clear of the start, the goal and
// the other obstacles of l.
func (c Settings) clear(l Layout, o barrier.Circle) bool {
	gap := 2*(c.RobotRadius+c.Lookahead) + 0.1
	if math.Hypot(o.X-l.Start[0], o.Y-l.Start[1]) < o.R+c.RobotRadius+2*c.Lookahead+0.1 {
		return false
	}
	if math.Hypot(o.X-l.Goal[0], o.Y-l.Goal[1]) < o.R+c.RobotRadius+c.Lookahead+c.GoalRadius {
		return false
	}
	for _, p := range l.Obstacles {
		if math.Hypot(o.X-p.X, o.Y-p.Y) < o.R+p.R+gap {
			return false
		}
	}
	return true
}

// VCP is the virtual-control-point barrier of a kinematic unicycle, state
// (x, y, θ), control u = (v, ω). The point q = (x + l cosθ, y + l sinθ)
// moves as q̇ = J·u with J = [[cosθ, −l sinθ], [sinθ, l cosθ]] (det J = l),
// so both controls enter at relative degree one. For an obstacle o and a
// robot of radius r the barrier is
//
//	h = ‖q − o‖² − (o.R + r + l)²
//
// whose zero level keeps the robot's centre at least o.R + r from o's
// centre; the row is −2(q − o)ᵀJ·u ≤ α·h (L_f h = 0: the unicycle has no
// drift).
type VCP struct {
	L           float64 // look-ahead distance l of the control point (> 0)
	RobotRadius float64
}

// At returns h and −L_g h for obstacle o at state s.
func (b VCP) At(s [3]float64, o barrier.Circle) (h float64, g [2]float64) {
	sin, cos := math.Sincos(s[2])
	dx, dy := s[0]+b.L*cos-o.X, s[1]+b.L*sin-o.Y
	safe := o.R + b.RobotRadius + b.L
	// L_g h = 2(q − o)ᵀJ.
	lg0 := 2 * (dx*cos + dy*sin)
	lg1 := 2 * b.L * (-dx*sin + dy*cos)
	return dx*dx + dy*dy - safe*safe, [2]float64{-lg0, -lg1}
}

// Env is the nav simulator. Observation: the goal in the body frame, then
// for the Observed nearest obstacles (nearest first) their centre in the
// body frame and radius; missing obstacles read (2·arena, 0, 0). Reward:
// the decrease of the goal distance, plus GoalBonus on arrival. Cost 1 per
// step in collision. Terminated at the goal, truncated at the horizon.
type Env struct {
	cfg      Settings
	vcp      VCP
	layout   Layout
	s        [3]float64
	step     int
	dist     float64   // current goal distance
	order    []int     // obstacle indices, nearest first
	gap      []float64 // surface distance to each obstacle
	obs      []float64
	barriers []float64
	rowBuf   []float64 // per obstacle: G (2), Lie (0, h)
}

// New returns an environment for valid settings (see Settings.Validate).
func New(cfg Settings) *Env {
	return &Env{cfg: cfg, vcp: VCP{L: cfg.Lookahead, RobotRadius: cfg.RobotRadius},
		obs: make([]float64, 2+3*cfg.Observed)}
}

// Layout returns the episode's start, goal and obstacles.
func (e *Env) Layout() Layout { return e.layout }

// State implements env.Env: x, y, θ.
func (e *Env) State() []float64 { return e.s[:] }

// SetState implements env.StateSetter.
func (e *Env) SetState(x []float64) error {
	if len(x) != len(e.s) {
		return fmt.Errorf("nav: state of %d values, want %d", len(x), len(e.s))
	}
	copy(e.s[:], x)
	return nil
}

// Reset implements env.Env: the layout is drawn from seed. Validate has
// checked that the config's layouts can be drawn; a seed for which
// rejection sampling still fails is a defect worth a panic.
func (e *Env) Reset(seed uint64) ([]float64, env.Info) {
	l, err := NewLayout(e.cfg, seed)
	if err != nil {
		panic(err)
	}
	return e.ResetTo(l)
}

// ResetTo starts an episode on a given layout.
func (e *Env) ResetTo(l Layout) ([]float64, env.Info) {
	e.layout, e.s, e.step = l, l.Start, 0
	e.resize()
	e.dist = e.goalDist()
	return e.Observation(), e.info()
}

// resize fits the per-obstacle buffers to the layout.
func (e *Env) resize() {
	k := len(e.layout.Obstacles)
	if cap(e.order) < k {
		e.order, e.gap, e.rowBuf = make([]int, k), make([]float64, k), make([]float64, 4*k)
	}
	e.order, e.gap = e.order[:k], e.gap[:k]
}

func (e *Env) goalDist() float64 {
	return math.Hypot(e.layout.Goal[0]-e.s[0], e.layout.Goal[1]-e.s[1])
}

// Observation implements env.Env.
func (e *Env) Observation() []float64 {
	barrier.SortNearest(e.s[0], e.s[1], e.layout.Obstacles, e.order, e.gap)
	sin, cos := math.Sincos(e.s[2])
	body := func(x, y float64) (float64, float64) {
		dx, dy := x-e.s[0], y-e.s[1]
		return cos*dx + sin*dy, -sin*dx + cos*dy
	}
	e.obs[0], e.obs[1] = body(e.layout.Goal[0], e.layout.Goal[1])
	for j := 0; j < e.cfg.Observed; j++ {
		o := e.obs[2+3*j : 5+3*j]
		if j >= len(e.order) {
			o[0], o[1], o[2] = 2*e.cfg.Arena, 0, 0
			continue
		}
		c := e.layout.Obstacles[e.order[j]]
		o[0], o[1] = body(c.X, c.Y)
		o[2] = c.R
	}
	return e.obs
}

func (e *Env) info() env.Info {
	var minB float64
	e.barriers, minB = barrier.Clearances(e.s[0], e.s[1], e.cfg.RobotRadius, e.layout.Obstacles, e.barriers)
	return env.Info{Step: e.step, MinBarrier: minB, Barriers: e.barriers, Collision: minB < 0}
}

// Step implements env.Env.
func (e *Env) Step(u []float64) ([]float64, float64, float64, bool, bool, env.Info) {
	v := sim.Clip(u[0], 0, e.cfg.VMax)
	w := sim.Clip(u[1], -e.cfg.OmegaMax, e.cfg.OmegaMax)
	x, y, th := sim.UnicycleRK4(e.s[0], e.s[1], e.s[2], v, 0, w, e.cfg.Dt)
	e.s = [3]float64{x, y, sim.WrapAngle(th)}
	e.step++
	d := e.goalDist()
	reward := e.dist - d
	e.dist = d
	info := e.info()
	cost := 0.0
	if info.Collision {
		cost = 1
	}
	terminated := d <= e.cfg.GoalRadius
	if terminated {
		reward += e.cfg.GoalBonus
		info.Success = true
	}
	return e.Observation(), reward, cost, terminated, e.step >= e.cfg.Horizon && !terminated, info
}

// CBFRows implements env.Env: one VCP row per obstacle, nearest first (the
// order of the observation); the j-th nearest fills slot j, and rows
// beyond the observed obstacles fill the last slot. A row's Shape is its
// obstacle's index + 1.
func (e *Env) CBFRows(dst []barrier.Row) []barrier.Row {
	dst = dst[:0]
	last := e.cfg.Observed - 1
	for j, i := range e.order {
		h, g := e.vcp.At(e.s, e.layout.Obstacles[i])
		buf := e.rowBuf[4*j : 4*j+4]
		buf[0], buf[1], buf[2], buf[3] = g[0], g[1], 0, h
		dst = append(dst, barrier.Row{Slot: min(j, last), Shape: i + 1, G: buf[0:2], Lie: buf[2:4]})
	}
	return dst
}

// GoalError implements env.Env: the distance to the goal.
func (e *Env) GoalError() float64 { return e.goalDist() }

// The nominal controller drives to the goal, blind to obstacles:
// ω = k_ω·e for the heading error e, v = v_max·max(0, cos e)·min(1, d/slow)
// for goal distance d; both clipped to the bounds.
const (
	nominalKOmega = 3
	nominalSlow   = 0.5
)

// Nominal implements env.Env.
func (e *Env) Nominal(u []float64) {
	s, g := e.s, e.layout.Goal
	dx, dy := g[0]-s[0], g[1]-s[1]
	head := math.Remainder(math.Atan2(dy, dx)-s[2], 2*math.Pi)
	v := e.cfg.VMax * math.Max(0, math.Cos(head)) * math.Min(1, math.Hypot(dx, dy)/nominalSlow)
	u[0] = sim.Clip(v, 0, e.cfg.VMax)
	u[1] = sim.Clip(nominalKOmega*head, -e.cfg.OmegaMax, e.cfg.OmegaMax)
}

// Draw implements env.Env.
func (e *Env) Draw(sc *scene.Scene, ref, u []float64) {
	c := e.cfg
	sc.World = scene.Rect{X0: 0, Y0: 0, X1: c.Arena, Y1: c.Arena}
	sc.Focus = scene.Point{X: e.s[0], Y: e.s[1]}
	sc.Add(scene.Border(sc.World), scene.Disc(scene.Goal, scene.Point{X: e.layout.Goal[0], Y: e.layout.Goal[1]}, c.GoalRadius, 0))
	for i, o := range e.layout.Obstacles {
		p := scene.Point{X: o.X, Y: o.Y}
		sc.Add(scene.Disc(scene.Margin, p, o.R+c.RobotRadius, i+1), scene.Disc(scene.Obstacle, p, o.R, i+1))
	}
	if ref != nil {
		sc.Add(scene.ArrowTo(scene.Reference, sc.Focus, e.tip(ref), "u_ref"),
			scene.ArrowTo(scene.Safe, sc.Focus, e.tip(u), "u*"))
	}
	sin, cos := math.Sincos(e.s[2])
	r, l := c.RobotRadius, c.Lookahead
	sc.Add(scene.Disc(scene.Robot, sc.Focus, r, 0),
		scene.Line(scene.Heading, false, sc.Focus, scene.Point{X: e.s[0] + 1.6*r*cos, Y: e.s[1] + 1.6*r*sin}),
		scene.Disc(scene.ControlPoint, scene.Point{X: e.s[0] + l*cos, Y: e.s[1] + l*sin}, r/4, 0))
}

// arrowHorizon is how far ahead, in seconds, the control arrows look.
const arrowHorizon = 1.0

// tip returns where control u = (v, ω) takes the robot in arrowHorizon.
func (e *Env) tip(u []float64) scene.Point {
	h := e.s[2] + u[1]*arrowHorizon/2
	return scene.Point{X: e.s[0] + u[0]*arrowHorizon*math.Cos(h), Y: e.s[1] + u[0]*arrowHorizon*math.Sin(h)}
}

// editRadius is the radius of obstacles added in the viewer (m).
const editRadius = 0.5

// AddObstacle implements env.Editor.
func (e *Env) AddObstacle(x, y float64) {
	e.setObstacles(append(append([]barrier.Circle(nil), e.layout.Obstacles...), barrier.Circle{X: x, Y: y, R: editRadius}))
}

// RemoveObstacle implements env.Editor.
func (e *Env) RemoveObstacle(x, y float64) bool {
	obs := e.layout.Obstacles
	for i, o := range obs {
		if math.Hypot(o.X-x, o.Y-y) <= o.R {
			e.setObstacles(append(append([]barrier.Circle(nil), obs[:i]...), obs[i+1:]...))
			return true
		}
	}
	return false
}

// setObstacles replaces the episode's obstacles, keeping the robot where it is.
func (e *Env) setObstacles(obs []barrier.Circle) {
	e.layout.Obstacles = obs
	e.resize()
	e.Observation()
}

// NearGoal implements env.Editor.
func (e *Env) NearGoal(x, y float64) bool {
	g := e.layout.Goal
	return math.Hypot(g[0]-x, g[1]-y) <= math.Max(3*e.cfg.GoalRadius, 0.4)
}

// MoveGoal implements env.Editor.
func (e *Env) MoveGoal(x, y float64) {
	e.layout.Goal = [2]float64{x, y}
	e.dist = e.goalDist()
	e.Observation()
}
