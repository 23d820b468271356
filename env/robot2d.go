package env

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/barrier"
)

// Robot2DConfig sets up BarrierNet's 2-D robot. The defaults reproduce
// BarrierNet's setting exactly.
type Robot2DConfig struct {
	Dt          float64    `yaml:"dt"`            // s
	Horizon     int        `yaml:"horizon"`       // steps per episode
	Start       [4]float64 `yaml:"start"`         // x, y, θ, v
	Obstacle    [3]float64 `yaml:"obstacle"`      // centre x, y and radius
	DstRange    [2]float64 `yaml:"dst_range"`     // destination offsets drawn uniformly in this range
	ThetaDotMax float64    `yaml:"theta_dot_max"` // |θ̇| bound, rad/s
	AccelMax    float64    `yaml:"accel_max"`     // |a| bound, m/s²
	LaneTol     float64    `yaml:"lane_tol"`      // success: final |y − lane| within this, m
	LaneWeight  float64    `yaml:"lane_weight"`   // reward: weight of the lane error per second
}

// DefaultRobot2D returns BarrierNet's setting: dt 0.1 s, 137 steps, start
// (5, 15, 0, 2), obstacle (40, 15) radius 6, dst_y ∈ [−10, 10].
func DefaultRobot2D() Robot2DConfig {
	return Robot2DConfig{
		Dt: 0.1, Horizon: 137, Start: [4]float64{5, 15, 0, 2},
		Obstacle: [3]float64{40, 15, 6}, DstRange: [2]float64{-10, 10},
		ThetaDotMax: 0.45, AccelMax: 1.2, LaneTol: 1, LaneWeight: 0.5,
	}
}

// Validate reports impossible values, naming the key.
func (c *Robot2DConfig) Validate() error {
	for _, kv := range []struct {
		k string
		v float64
	}{{"dt", c.Dt}, {"obstacle", c.Obstacle[2]}, {"theta_dot_max", c.ThetaDotMax},
		{"accel_max", c.AccelMax}, {"lane_tol", c.LaneTol}} {
		if err := checkPositive(kv.k, kv.v); err != nil {
			return err
		}
	}
	if c.Horizon < 1 {
		return fieldErr("horizon", "%d, want ≥ 1", c.Horizon)
	}
	if c.DstRange[0] > c.DstRange[1] {
		return fieldErr("dst_range", "%v, want low ≤ high", c.DstRange)
	}
	if c.LaneWeight < 0 {
		return fieldErr("lane_weight", "%v, want ≥ 0", c.LaneWeight)
	}
	if b := barrier.Clearance(c.Start[0], c.Start[1], c.Circle(), 0); b <= 0 {
		return fieldErr("start", "%v lies inside the obstacle %v", c.Start, c.Obstacle)
	}
	return nil
}

// Circle returns the obstacle.
func (c *Robot2DConfig) Circle() barrier.Circle {
	return barrier.Circle{X: c.Obstacle[0], Y: c.Obstacle[1], R: c.Obstacle[2]}
}

// Robot2D is BarrierNet's 2-D robot: state (x, y, θ, v), control (θ̇, a),
// observation (x, y, θ, v, dst_y). The goal lane is y = start_y + dst_y.
// Reward per step: progress along x minus LaneWeight·|y − lane|·dt. Cost 1
// per step with b < 0. Episodes are never terminated, only truncated at
// the horizon.
type Robot2D struct {
	cfg      Robot2DConfig
	obstacle barrier.Circle
	s        [4]float64
	dstY     float64
	step     int
	obs      [5]float64
	barriers [1]float64
}

// NewRobot2D returns the environment, or an error for an impossible config.
func NewRobot2D(cfg Robot2DConfig) (*Robot2D, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("robot2d: %w", err)
	}
	return &Robot2D{cfg: cfg, obstacle: cfg.Circle()}, nil
}

// Name implements Env.
func (e *Robot2D) Name() string { return "robot2d" }

// ObsDim implements Env.
func (e *Robot2D) ObsDim() int { return 5 }

// ActDim implements Env.
func (e *Robot2D) ActDim() int { return 2 }

// Config returns the environment's configuration.
func (e *Robot2D) Config() Robot2DConfig { return e.cfg }

// DstY returns the episode's destination offset.
func (e *Robot2D) DstY() float64 { return e.dstY }

// Lane returns the goal lane's y.
func (e *Robot2D) Lane() float64 { return e.cfg.Start[1] + e.dstY }

// State implements Env.
func (e *Robot2D) State() []float64 { return e.s[:] }

// Obstacles implements Env.
func (e *Robot2D) Obstacles() []barrier.Circle { return []barrier.Circle{e.obstacle} }

// ActionBounds implements Env.
func (e *Robot2D) ActionBounds() (lo, hi [2]float64) {
	return [2]float64{-e.cfg.ThetaDotMax, -e.cfg.AccelMax}, [2]float64{e.cfg.ThetaDotMax, e.cfg.AccelMax}
}

// Reset implements Env: the destination offset is drawn from seed.
func (e *Robot2D) Reset(seed uint64) ([]float64, Info) {
	rng := rand.New(rand.NewPCG(seed, 0x726f626f74326400))
	lo, hi := e.cfg.DstRange[0], e.cfg.DstRange[1]
	return e.ResetTo(e.cfg.Start, lo+(hi-lo)*rng.Float64())
}

// ResetTo starts an episode from a given state and destination offset.
func (e *Robot2D) ResetTo(state [4]float64, dstY float64) ([]float64, Info) {
	e.s, e.dstY, e.step = state, dstY, 0
	return e.observe(), e.info()
}

func (e *Robot2D) observe() []float64 {
	e.obs = [5]float64{e.s[0], e.s[1], e.s[2], e.s[3], e.dstY}
	return e.obs[:]
}

func (e *Robot2D) info() Info {
	b := barrier.Clearance(e.s[0], e.s[1], e.obstacle, 0)
	e.barriers[0] = b
	return Info{Step: e.step, MinBarrier: b, Barriers: e.barriers[:], Collision: b < 0}
}

// Step implements Env.
func (e *Robot2D) Step(u []float64) ([]float64, float64, float64, bool, bool, Info) {
	w := clip(u[0], -e.cfg.ThetaDotMax, e.cfg.ThetaDotMax)
	a := clip(u[1], -e.cfg.AccelMax, e.cfg.AccelMax)
	dt := e.cfg.Dt
	x0 := e.s[0]
	x, y, th := unicycleRK4(e.s[0], e.s[1], e.s[2], e.s[3], a, w, dt)
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
	return e.observe(), reward, cost, false, truncated, info
}

// HOCBF returns the barrier coefficients at the current state.
func (e *Robot2D) HOCBF() barrier.HOCBF {
	return barrier.Robot2DHOCBF(e.s, e.obstacle)
}

// CBFRows implements Env: one HOCBF row; gains = (p₁, p₂).
func (e *Robot2D) CBFRows(gains []float64, rows []barrier.Row) []barrier.Row {
	return append(rows[:0], e.HOCBF().Row(gains[0], gains[1]))
}

// GoalError implements Env: the distance to the goal lane.
func (e *Robot2D) GoalError() float64 { return math.Abs(e.s[1] - e.Lane()) }

// CBFObstacle implements Env: the one row is the one obstacle's.
func (e *Robot2D) CBFObstacle(int) int { return 0 }

// SetObstacle moves the obstacle, keeping the robot where it is (for
// interactive editing).
func (e *Robot2D) SetObstacle(o barrier.Circle) {
	e.obstacle = o
	e.observe()
}

// SetDstY moves the goal lane, keeping the robot where it is.
func (e *Robot2D) SetDstY(d float64) {
	e.dstY = d
	e.observe()
}

// Observation implements Env.
func (e *Robot2D) Observation() []float64 { return e.observe() }
