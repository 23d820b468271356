package robot2d

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
	"github.com/barriergym/barriergym/sim"
)

// Env is BarrierNet's 2-D robot: state (x, y, θ, v), control (θ̇, a),
// observation (x, y, θ, v, dst_y). The goal lane is y = start_y + dst_y.
// Reward per step: progress along x minus LaneWeight·|y − lane|·dt. Cost 1
// per step with b < 0. Episodes are never terminated, only truncated at
// the horizon; success is ending within LaneTol of the lane.
type Env struct {
	cfg      Settings
	obstacle barrier.Circle
	s        [4]float64
	dstY     float64
	step     int
	obs      [5]float64
	barriers [1]float64
	row      [5]float64 // the HOCBF row's G (2) and Lie values (3)
}

// New returns an environment for valid settings (see Settings.Validate).
func New(cfg Settings) *Env { return &Env{cfg: cfg, obstacle: cfg.circle()} }

// HOCBF holds the coefficients of the barrier b = (x−x₀)² + (y−y₀)² − R²
// at a state (x, y, θ, v), with dx = x−x₀, dy = y−y₀:
//
//	L_f b   = 2v(dx cosθ + dy sinθ)
//	L_f² b  = 2v²
//	L_gL_f b = [2v(−dx sinθ + dy cosθ), 2(dx cosθ + dy sinθ)]
type HOCBF struct {
	B, LfB, Lf2B float64
	LgLfB        [2]float64
}

// At returns the coefficients at state s for obstacle o.
func At(s [4]float64, o barrier.Circle) HOCBF {
	dx, dy := s[0]-o.X, s[1]-o.Y
	sin, cos := math.Sincos(s[2])
	v := s[3]
	radial := dx*cos + dy*sin
	return HOCBF{
		B:     dx*dx + dy*dy - o.R*o.R,
		LfB:   2 * v * radial,
		Lf2B:  2 * v * v,
		LgLfB: [2]float64{2 * v * (-dx*sin + dy*cos), 2 * radial},
	}
}

// row writes c as a generic row (G = −L_gL_f b; Lie = L_f²b, L_f b, b) into buf.
func (c HOCBF) row(buf []float64) barrier.Row {
	buf[0], buf[1], buf[2], buf[3], buf[4] = -c.LgLfB[0], -c.LgLfB[1], c.Lf2B, c.LfB, c.B
	return barrier.Row{Slot: 0, Shape: 1, G: buf[0:2], Lie: buf[2:5]}
}

// Lane returns the goal lane's y.
func (e *Env) Lane() float64 { return e.cfg.Start[1] + e.dstY }

// State implements env.Env: x, y, θ, v.
func (e *Env) State() []float64 { return e.s[:] }

// SetState implements env.StateSetter.
func (e *Env) SetState(x []float64) error {
	if len(x) != len(e.s) {
		return fmt.Errorf("robot2d: state of %d values, want %d", len(x), len(e.s))
	}
	copy(e.s[:], x)
	return nil
}

// Reset implements env.Env: the destination offset is drawn from seed.
func (e *Env) Reset(seed uint64) ([]float64, env.Info) {
	rng := rand.New(rand.NewPCG(seed, 0x726f626f74326400))
	lo, hi := e.cfg.DstRange[0], e.cfg.DstRange[1]
	return e.ResetTo(e.cfg.Start, lo+(hi-lo)*rng.Float64())
}

// ResetTo starts an episode from a given state and destination offset.
func (e *Env) ResetTo(state [4]float64, dstY float64) ([]float64, env.Info) {
	e.s, e.dstY, e.step = state, dstY, 0
	return e.Observation(), e.info()
}

// Observation implements env.Env.
func (e *Env) Observation() []float64 {
	e.obs = [5]float64{e.s[0], e.s[1], e.s[2], e.s[3], e.dstY}
	return e.obs[:]
}

func (e *Env) info() env.Info {
	b := barrier.Clearance(e.s[0], e.s[1], e.obstacle, 0)
	e.barriers[0] = b
	return env.Info{Step: e.step, MinBarrier: b, Barriers: e.barriers[:], Collision: b < 0}
}

// Step implements env.Env.
func (e *Env) Step(u []float64) ([]float64, float64, float64, bool, bool, env.Info) {
	w := sim.Clip(u[0], -e.cfg.ThetaDotMax, e.cfg.ThetaDotMax)
	a := sim.Clip(u[1], -e.cfg.AccelMax, e.cfg.AccelMax)
	dt := e.cfg.Dt
	x0 := e.s[0]
	x, y, th := sim.UnicycleRK4(e.s[0], e.s[1], e.s[2], e.s[3], a, w, dt)
	e.s = [4]float64{x, y, th, e.s[3] + a*dt}
	e.step++
	info := e.info()
	cost := 0.0
	if info.Collision {
		cost = 1
	}
	reward := (x - x0) - e.cfg.LaneWeight*math.Abs(y-e.Lane())*dt
	truncated := e.step >= e.cfg.Horizon
	info.Success = truncated && math.Abs(y-e.Lane()) <= e.cfg.LaneTol
	return e.Observation(), reward, cost, false, truncated, info
}

// HOCBF returns the obstacle barrier's coefficients at the current state.
func (e *Env) HOCBF() HOCBF { return At(e.s, e.obstacle) }

// CBFRows implements env.Env: the obstacle's one HOCBF row.
func (e *Env) CBFRows(dst []barrier.Row) []barrier.Row {
	return append(dst[:0], e.HOCBF().row(e.row[:]))
}

// GoalError implements env.Env: the distance to the goal lane.
func (e *Env) GoalError() float64 { return math.Abs(e.s[1] - e.Lane()) }

// The nominal controller tracks the goal lane and a cruise of 5 m/s (the
// speed of BarrierNet's demonstrations), blind to the obstacle:
// a = k_v(v_ref − v), θ_d = atan(k_y(lane − y)) within ±θ_max,
// θ̇ = k_θ(θ_d − θ); both clipped to the bounds.
const (
	nominalVRef     = 5
	nominalKV       = 1
	nominalKY       = 0.15
	nominalKTheta   = 1.5
	nominalThetaMax = 0.5
)

// Nominal implements env.Env.
func (e *Env) Nominal(u []float64) {
	s := e.s
	thd := math.Max(-nominalThetaMax, math.Min(nominalThetaMax, math.Atan(nominalKY*(e.Lane()-s[1]))))
	u[0] = sim.Clip(nominalKTheta*(thd-s[2]), -e.cfg.ThetaDotMax, e.cfg.ThetaDotMax)
	u[1] = sim.Clip(nominalKV*(nominalVRef-s[3]), -e.cfg.AccelMax, e.cfg.AccelMax)
}

// world frames the task: start x = 5, lanes y ∈ [5, 25], the goal region
// near x ≈ 64.
var world = scene.Rect{X0: 0, Y0: 0, X1: 75, Y1: 30}

// robotRadius is the drawn robot's radius (m); the barrier treats the
// robot as a point, as BarrierNet does.
const robotRadius = 1

// Draw implements env.Env.
func (e *Env) Draw(sc *scene.Scene, ref, u []float64) {
	sc.World = world
	sc.Focus = scene.Point{X: e.s[0], Y: e.s[1]}
	lane := e.Lane()
	sc.Add(scene.Border(world),
		scene.Line(scene.Goal, true, scene.Point{X: world.X0, Y: lane}, scene.Point{X: world.X1, Y: lane}),
		scene.Disc(scene.Obstacle, scene.Point{X: e.obstacle.X, Y: e.obstacle.Y}, e.obstacle.R, 1))
	if ref != nil {
		sc.Add(scene.ArrowTo(scene.Reference, sc.Focus, e.tip(ref), "u_ref"),
			scene.ArrowTo(scene.Safe, sc.Focus, e.tip(u), "u*"))
	}
	sin, cos := math.Sincos(e.s[2])
	sc.Add(scene.Disc(scene.Robot, sc.Focus, robotRadius, 0),
		scene.Line(scene.Heading, false, sc.Focus, scene.Point{X: e.s[0] + 1.6*robotRadius*cos, Y: e.s[1] + 1.6*robotRadius*sin}))
}

// arrowHorizon is how far ahead, in seconds, the control arrows look.
const arrowHorizon = 1.0

// tip returns where control u = (θ̇, a) takes the robot in arrowHorizon.
func (e *Env) tip(u []float64) scene.Point {
	speed := e.s[3] + u[1]*arrowHorizon
	h := e.s[2] + u[0]*arrowHorizon/2
	return scene.Point{X: e.s[0] + speed*arrowHorizon*math.Cos(h), Y: e.s[1] + speed*arrowHorizon*math.Sin(h)}
}

// AddObstacle implements env.Editor: robot2d has exactly one obstacle,
// which moves to (x, y).
func (e *Env) AddObstacle(x, y float64) { e.obstacle.X, e.obstacle.Y = x, y }

// RemoveObstacle implements env.Editor: the one obstacle stays.
func (e *Env) RemoveObstacle(x, y float64) bool { return false }

// NearGoal implements env.Editor: within 1.5 m of the goal lane.
func (e *Env) NearGoal(x, y float64) bool { return math.Abs(y-e.Lane()) <= 1.5 }

// MoveGoal implements env.Editor: the goal lane to y.
func (e *Env) MoveGoal(x, y float64) { e.dstY = y - e.cfg.Start[1] }
