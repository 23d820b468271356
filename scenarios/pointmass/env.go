package pointmass

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
	"github.com/barriergym/barriergym/sim"
)

// Layout is one episode's start, goal and obstacles.
type Layout struct {
	Start, Goal [2]float64
	Obstacles   []barrier.Circle
}

// newLayout draws seed's layout: start and goal in opposite halves of the
// arena, obstacles clear of both and of each other by a robot's width.
func newLayout(c Settings, seed uint64) (Layout, error) {
	rng := rand.New(rand.NewPCG(seed, 0x706d))
	in := func(lo, hi float64) float64 { return c.Arena * (lo + (hi-lo)*rng.Float64()) }
	l := Layout{Start: [2]float64{in(0.05, 0.25), in(0.05, 0.95)}, Goal: [2]float64{in(0.75, 0.95), in(0.05, 0.95)}}
	if rng.IntN(2) == 0 {
		l.Start, l.Goal = l.Goal, l.Start
	}
	clear := func(x, y, d float64) bool {
		return math.Hypot(x-l.Start[0], y-l.Start[1]) > d && math.Hypot(x-l.Goal[0], y-l.Goal[1]) > d
	}
	for try := 0; len(l.Obstacles) < c.Obstacles; try++ {
		if try == 10000 {
			return l, env.Errorf("obstacles", "placed only %d of %d: the arena is too crowded", len(l.Obstacles), c.Obstacles)
		}
		o := barrier.Circle{X: in(0, 1), Y: in(0, 1), R: c.Radius}
		ok := clear(o.X, o.Y, o.R+2*c.RobotRadius+c.GoalRadius)
		for _, p := range l.Obstacles {
			ok = ok && math.Hypot(o.X-p.X, o.Y-p.Y) > o.R+p.R+4*c.RobotRadius
		}
		if ok {
			l.Obstacles = append(l.Obstacles, o)
		}
	}
	return l, nil
}

// Env simulates the point mass. Reward: the decrease of the goal distance,
// plus 10 on arrival (terminated); cost 1 per step in collision.
type Env struct {
	cfg      Settings
	layout   Layout
	s        [4]float64 // x, y, vx, vy
	step     int
	order    []int     // obstacles, nearest first
	gap      []float64 // their surface distances
	obs      []float64
	barriers []float64
	rowBuf   []float64
	path     float64 // distance travelled
	peak     float64 // the largest speed
}

// New returns an environment for valid settings.
func New(cfg Settings) *Env { return &Env{cfg: cfg, obs: make([]float64, 4+3*cfg.Observed)} }

// State implements env.Env: x, y, vx, vy.
func (e *Env) State() []float64 { return e.s[:] }

// SetState implements env.StateSetter.
func (e *Env) SetState(x []float64) error {
	if len(x) != len(e.s) {
		return fmt.Errorf("pointmass: state of %d values, want %d", len(x), len(e.s))
	}
	copy(e.s[:], x)
	return nil
}

// Reset implements env.Env.
func (e *Env) Reset(seed uint64) ([]float64, env.Info) {
	l, err := newLayout(e.cfg, seed)
	if err != nil {
		panic(err) // Validate drew a layout of these settings
	}
	return e.ResetTo(l)
}

// ResetTo starts an episode on a layout, at rest.
func (e *Env) ResetTo(l Layout) ([]float64, env.Info) {
	e.layout, e.s, e.step, e.path, e.peak = l, [4]float64{l.Start[0], l.Start[1], 0, 0}, 0, 0, 0
	n := len(l.Obstacles)
	e.order, e.gap, e.rowBuf = make([]int, n), make([]float64, n), make([]float64, 5*n)
	return e.Observation(), e.info()
}

// Observation implements env.Env: the goal and the nearest obstacles
// relative to the mass, and its velocity.
func (e *Env) Observation() []float64 {
	x, y := e.s[0], e.s[1]
	barrier.SortNearest(x, y, e.layout.Obstacles, e.order, e.gap)
	copy(e.obs, []float64{e.layout.Goal[0] - x, e.layout.Goal[1] - y, e.s[2], e.s[3]})
	for k := 0; k < e.cfg.Observed; k++ {
		o := e.obs[4+3*k : 7+3*k]
		o[0], o[1], o[2] = 2*e.cfg.Arena, 0, 0
		if k < len(e.order) {
			c := e.layout.Obstacles[e.order[k]]
			o[0], o[1], o[2] = c.X-x, c.Y-y, c.R
		}
	}
	return e.obs
}

func (e *Env) info() env.Info {
	var minB float64
	e.barriers, minB = barrier.Clearances(e.s[0], e.s[1], e.cfg.RobotRadius, e.layout.Obstacles, e.barriers)
	return env.Info{Step: e.step, MinBarrier: minB, Barriers: e.barriers, Collision: minB < 0}
}

func (e *Env) goalDist() float64 {
	return math.Hypot(e.layout.Goal[0]-e.s[0], e.layout.Goal[1]-e.s[1])
}

// Step implements env.Env: the exact double-integrator update with the
// clipped acceleration held over dt.
func (e *Env) Step(u []float64) ([]float64, float64, float64, bool, bool, env.Info) {
	dt, a := e.cfg.Dt, e.cfg.AccelMax
	ax, ay := sim.Clip(u[0], -a, a), sim.Clip(u[1], -a, a)
	before, x0, y0 := e.goalDist(), e.s[0], e.s[1]
	e.s = [4]float64{e.s[0] + e.s[2]*dt + ax*dt*dt/2, e.s[1] + e.s[3]*dt + ay*dt*dt/2, e.s[2] + ax*dt, e.s[3] + ay*dt}
	e.step++
	e.path += math.Hypot(e.s[0]-x0, e.s[1]-y0)
	e.peak = math.Max(e.peak, math.Hypot(e.s[2], e.s[3]))
	info := e.info()
	reward, cost := before-e.goalDist(), 0.0
	if info.Collision {
		cost = 1
	}
	done := e.goalDist() <= e.cfg.GoalRadius
	if done {
		reward += 10
		info.Success = true
	}
	return e.Observation(), reward, cost, done, e.step >= e.cfg.Horizon && !done, info
}

// CBFRows implements env.Env. For obstacle o (radius R, the mass's radius
// r, the margin δ), b = ‖p − o‖² − (R + r + δ)² has relative degree 2 in
// the acceleration:
//
//	L_f b = 2(p − o)·v,  L_f²b = 2‖v‖²,  L_gL_f b = 2(p − o)ᵀ
//
// so the row is G = −2(p − o), Lie = (2‖v‖², 2(p − o)·v, b). Rows come
// nearest first; farther obstacles than the observed fill the last slot.
func (e *Env) CBFRows(dst []barrier.Row) []barrier.Row {
	dst = dst[:0]
	x, y, vx, vy := e.s[0], e.s[1], e.s[2], e.s[3]
	for j, i := range e.order {
		o := e.layout.Obstacles[i]
		dx, dy := x-o.X, y-o.Y
		buf := e.rowBuf[5*j : 5*j+5]
		buf[0], buf[1] = -2*dx, -2*dy
		buf[2], buf[3], buf[4] = 2*(vx*vx+vy*vy), 2*(dx*vx+dy*vy), barrier.Clearance(x, y, o, e.cfg.RobotRadius+e.cfg.Margin)
		dst = append(dst, barrier.Row{Slot: min(j, e.cfg.Observed-1), Shape: i + 1, G: buf[:2], Lie: buf[2:]})
	}
	return dst
}

// GoalError implements env.Env.
func (e *Env) GoalError() float64 { return e.goalDist() }

// EpisodeMetrics implements env.MetricsReporter: the Spec's metrics.
func (e *Env) EpisodeMetrics(dst []float64) { dst[0], dst[1] = e.path, e.peak }

// cruise is the nominal speed toward the goal (m/s).
const cruise = 1

// Nominal implements env.Env: track the velocity pointing at the goal at
// the cruise speed (slowing within a metre of it), a = 2(v_d − v), clipped.
func (e *Env) Nominal(u []float64) {
	dx, dy := e.layout.Goal[0]-e.s[0], e.layout.Goal[1]-e.s[1]
	d := math.Max(math.Hypot(dx, dy), 1e-9)
	speed := cruise * math.Min(1, d)
	for k, vd := range []float64{speed * dx / d, speed * dy / d} {
		u[k] = sim.Clip(2*(vd-e.s[2+k]), -e.cfg.AccelMax, e.cfg.AccelMax)
	}
}

// Draw implements env.Env: the arena, the goal, each obstacle with its
// margin (the mass's radius) under its row's key, the mass and its
// velocity, and where u_ref and u* take it in one second.
func (e *Env) Draw(sc *scene.Scene, ref, u []float64) {
	c := e.cfg
	sc.World = scene.Rect{X0: 0, Y0: 0, X1: c.Arena, Y1: c.Arena}
	sc.Focus = scene.Point{X: e.s[0], Y: e.s[1]}
	sc.Add(scene.Border(sc.World), scene.Disc(scene.Goal, scene.Point{X: e.layout.Goal[0], Y: e.layout.Goal[1]}, c.GoalRadius, 0))
	for i, o := range e.layout.Obstacles {
		p := scene.Point{X: o.X, Y: o.Y}
		sc.Add(scene.Disc(scene.Margin, p, o.R+c.RobotRadius, i+1), scene.Disc(scene.Obstacle, p, o.R, i+1))
	}
	at := func(a []float64) scene.Point { // where acceleration a takes the mass in 1 s
		return scene.Point{X: e.s[0] + e.s[2] + a[0]/2, Y: e.s[1] + e.s[3] + a[1]/2}
	}
	if ref != nil {
		sc.Add(scene.ArrowTo(scene.Reference, sc.Focus, at(ref), "u_ref"), scene.ArrowTo(scene.Safe, sc.Focus, at(u), "u*"))
	}
	sc.Add(scene.Disc(scene.Robot, sc.Focus, c.RobotRadius, 0),
		scene.Line(scene.Heading, false, sc.Focus, scene.Point{X: e.s[0] + e.s[2], Y: e.s[1] + e.s[3]}))
}
