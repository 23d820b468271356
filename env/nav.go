package env

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/barrier"
)

// NavConfig sets up the nav scenario. The defaults are the benchmark
// setting: 10 m arena, 8 obstacles of radius 0.3–0.8 m, robot radius 0.2 m,
// start and goal ≥ 6 m apart, v ∈ [0, 1] m/s, ω ∈ [−2, 2] rad/s, dt 0.05 s,
// 400 steps.
type NavConfig struct {
	Dt           float64 `yaml:"dt"`             // s
	Horizon      int     `yaml:"horizon"`        // steps per episode
	Arena        float64 `yaml:"arena"`          // side of the square arena, m
	Obstacles    int     `yaml:"obstacles"`      // number of circular obstacles
	RadiusMin    float64 `yaml:"radius_min"`     // obstacle radii are uniform in [min, max], m
	RadiusMax    float64 `yaml:"radius_max"`     //
	RobotRadius  float64 `yaml:"robot_radius"`   // m
	MinStartGoal float64 `yaml:"min_start_goal"` // start–goal distance at least this, m
	VMax         float64 `yaml:"v_max"`          // v ∈ [0, v_max], m/s
	OmegaMax     float64 `yaml:"omega_max"`      // ω ∈ [−ω_max, ω_max], rad/s
	GoalRadius   float64 `yaml:"goal_radius"`    // the goal is reached within this distance, m
	GoalBonus    float64 `yaml:"goal_bonus"`     // reward for reaching the goal
	Observed     int     `yaml:"observed"`       // nearest obstacles in the observation
	Lookahead    float64 `yaml:"lookahead"`      // virtual control point distance l, m
}

// DefaultNav returns the benchmark setting.
func DefaultNav() NavConfig {
	return NavConfig{
		Dt: 0.05, Horizon: 400, Arena: 10, Obstacles: 8, RadiusMin: 0.3, RadiusMax: 0.8,
		RobotRadius: 0.2, MinStartGoal: 6, VMax: 1, OmegaMax: 2, GoalRadius: 0.3,
		GoalBonus: 10, Observed: 4, Lookahead: 0.1,
	}
}

// Validate reports impossible values, naming the key.
func (c *NavConfig) Validate() error {
	for _, kv := range []struct {
		k string
		v float64
	}{{"dt", c.Dt}, {"arena", c.Arena}, {"radius_min", c.RadiusMin}, {"radius_max", c.RadiusMax},
		{"robot_radius", c.RobotRadius}, {"v_max", c.VMax}, {"omega_max", c.OmegaMax},
		{"goal_radius", c.GoalRadius}, {"lookahead", c.Lookahead}} {
		if err := checkPositive(kv.k, kv.v); err != nil {
			return err
		}
	}
	switch {
	case c.Horizon < 1:
		return fieldErr("horizon", "%d, want ≥ 1", c.Horizon)
	case c.Obstacles < 0:
		return fieldErr("obstacles", "%d, want ≥ 0", c.Obstacles)
	case c.RadiusMin > c.RadiusMax:
		return fieldErr("radius_min", "%v > radius_max = %v", c.RadiusMin, c.RadiusMax)
	case c.MinStartGoal < 0 || c.MinStartGoal > c.Arena*math.Sqrt2*0.9:
		return fieldErr("min_start_goal", "%v, want between 0 and %.3g (90%% of the arena's diagonal)",
			c.MinStartGoal, c.Arena*math.Sqrt2*0.9)
	case c.Observed < 0:
		return fieldErr("observed", "%d, want ≥ 0", c.Observed)
	case c.GoalBonus < 0:
		return fieldErr("goal_bonus", "%v, want ≥ 0", c.GoalBonus)
	}
	// A config whose layouts cannot be drawn is refused here rather than
	// at some later Reset.
	for seed := uint64(0); seed < 4; seed++ {
		if _, err := NewNavLayout(*c, seed); err != nil {
			return err
		}
	}
	return nil
}

// NavLayout is one episode's start (x, y, θ), goal and obstacles.
type NavLayout struct {
	Start     [3]float64
	Goal      [2]float64
	Obstacles []barrier.Circle
}

// maxLayoutTries bounds the rejection sampling of a layout.
const maxLayoutTries = 10000

// NewNavLayout draws the layout of seed: start and goal at least
// MinStartGoal apart, obstacles clear of both (by the robot's radius plus
// twice the look-ahead around the start, the goal radius around the goal)
// and apart from each other by a robot's width, so the goal is reachable.
func NewNavLayout(c NavConfig, seed uint64) (NavLayout, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6e61760000000000))
	margin := c.RobotRadius + 2*c.Lookahead
	in := func(pad float64) float64 { return pad + (c.Arena-2*pad)*rng.Float64() }
	var l NavLayout
	for try := 0; ; try++ {
		if try == maxLayoutTries {
			return l, fieldErr("min_start_goal", "no start and goal %v apart found for seed %d in %d tries", c.MinStartGoal, seed, try)
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
			return l, fieldErr("obstacles", "placed only %d of %d for seed %d: the arena is too crowded",
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
func (c NavConfig) clear(l NavLayout, o barrier.Circle) bool {
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

// Nav is a kinematic unicycle, state (x, y, θ), control (v, ω), among
// circular obstacles. Observation: the goal in the body frame, then for the
// Observed nearest obstacles (nearest first) their centre in the body frame
// and radius; missing obstacles read (2·arena, 0, 0). Reward: the decrease
// of the goal distance, plus GoalBonus on arrival. Cost 1 per step in
// collision. Terminated at the goal, truncated at the horizon.
type Nav struct {
	cfg      NavConfig
	vcp      barrier.VCP
	layout   NavLayout
	s        [3]float64
	step     int
	dist     float64   // current goal distance
	order    []int     // obstacle indices, nearest first
	gap      []float64 // surface distance to each obstacle
	obs      []float64
	barriers []float64
}

// NewNav returns the environment, or an error for an impossible config.
func NewNav(cfg NavConfig) (*Nav, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("nav: %w", err)
	}
	return &Nav{cfg: cfg, vcp: barrier.VCP{L: cfg.Lookahead, RobotRadius: cfg.RobotRadius},
		obs: make([]float64, 2+3*cfg.Observed)}, nil
}

// Name implements Env.
func (e *Nav) Name() string { return "nav" }

// ObsDim implements Env.
func (e *Nav) ObsDim() int { return 2 + 3*e.cfg.Observed }

// ActDim implements Env.
func (e *Nav) ActDim() int { return 2 }

// Config returns the environment's configuration.
func (e *Nav) Config() NavConfig { return e.cfg }

// Layout returns the episode's start, goal and obstacles.
func (e *Nav) Layout() NavLayout { return e.layout }

// Goal returns the goal position.
func (e *Nav) Goal() [2]float64 { return e.layout.Goal }

// VCP returns the virtual-control-point barrier the scenario uses.
func (e *Nav) VCP() barrier.VCP { return e.vcp }

// State implements Env.
func (e *Nav) State() []float64 { return e.s[:] }

// Obstacles implements Env.
func (e *Nav) Obstacles() []barrier.Circle { return e.layout.Obstacles }

// ActionBounds implements Env.
func (e *Nav) ActionBounds() (lo, hi [2]float64) {
	return [2]float64{0, -e.cfg.OmegaMax}, [2]float64{e.cfg.VMax, e.cfg.OmegaMax}
}

// Reset implements Env: the layout is drawn from seed. Validate has checked
// that the config's layouts can be drawn; a seed for which rejection
// sampling still fails is a defect worth a panic.
func (e *Nav) Reset(seed uint64) ([]float64, Info) {
	l, err := NewNavLayout(e.cfg, seed)
	if err != nil {
		panic(err)
	}
	return e.ResetTo(l)
}

// ResetTo starts an episode on a given layout.
func (e *Nav) ResetTo(l NavLayout) ([]float64, Info) {
	e.layout, e.s, e.step = l, l.Start, 0
	k := len(l.Obstacles)
	if cap(e.order) < k {
		e.order, e.gap = make([]int, k), make([]float64, k)
	}
	e.order, e.gap = e.order[:k], e.gap[:k]
	e.dist = e.goalDist()
	return e.observe(), e.info()
}

func (e *Nav) goalDist() float64 {
	return math.Hypot(e.layout.Goal[0]-e.s[0], e.layout.Goal[1]-e.s[1])
}

// sortObstacles orders the obstacles by distance from the robot (insertion
// sort: a handful of obstacles, nearly sorted from the previous step).
func (e *Nav) sortObstacles() {
	for i, o := range e.layout.Obstacles {
		dx, dy := o.X-e.s[0], o.Y-e.s[1]
		e.gap[i] = math.Hypot(dx, dy) - o.R
	}
	for i := range e.order {
		e.order[i] = i
	}
	for i := 1; i < len(e.order); i++ {
		for j := i; j > 0 && e.gap[e.order[j]] < e.gap[e.order[j-1]]; j-- {
			e.order[j], e.order[j-1] = e.order[j-1], e.order[j]
		}
	}
}

func (e *Nav) observe() []float64 {
	e.sortObstacles()
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

func (e *Nav) info() Info {
	minB := math.Inf(1)
	e.barriers = e.barriers[:0]
	for _, o := range e.layout.Obstacles {
		b := barrier.Clearance(e.s[0], e.s[1], o, e.cfg.RobotRadius)
		e.barriers = append(e.barriers, b)
		minB = math.Min(minB, b)
	}
	return Info{Step: e.step, MinBarrier: minB, Barriers: e.barriers, Collision: minB < 0}
}

// Step implements Env.
func (e *Nav) Step(u []float64) ([]float64, float64, float64, bool, bool, Info) {
	v := clip(u[0], 0, e.cfg.VMax)
	w := clip(u[1], -e.cfg.OmegaMax, e.cfg.OmegaMax)
	x, y, th := unicycleRK4(e.s[0], e.s[1], e.s[2], v, 0, w, e.cfg.Dt)
	e.s = [3]float64{x, y, wrapAngle(th)}
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
	return e.observe(), reward, cost, terminated, e.step >= e.cfg.Horizon && !terminated, info
}

// CBFs writes the VCP barriers of the obstacles, nearest first (the order
// of the observation), into dst and returns it.
func (e *Nav) CBFs(dst []barrier.CBF) []barrier.CBF {
	dst = dst[:0]
	for _, i := range e.order {
		dst = append(dst, e.vcp.At(e.s, e.layout.Obstacles[i]))
	}
	return dst
}

// CBFRows implements Env: one VCP row per obstacle, nearest first; gains
// are the class-K gains α, one per obstacle in that order, the last one
// repeated for obstacles beyond len(gains).
func (e *Nav) CBFRows(gains []float64, rows []barrier.Row) []barrier.Row {
	rows = rows[:0]
	for j, i := range e.order {
		a := gains[min(j, len(gains)-1)]
		rows = append(rows, e.vcp.At(e.s, e.layout.Obstacles[i]).Row(a))
	}
	return rows
}

// GoalError implements Env: the distance to the goal.
func (e *Nav) GoalError() float64 { return e.goalDist() }

// CBFObstacle implements Env: rows are nearest first.
func (e *Nav) CBFObstacle(j int) int { return e.order[j] }

// SetObstacles replaces the episode's obstacles, keeping the robot where
// it is (for interactive editing).
func (e *Nav) SetObstacles(obs []barrier.Circle) {
	e.layout.Obstacles = append([]barrier.Circle(nil), obs...)
	k := len(obs)
	e.order, e.gap = make([]int, k), make([]float64, k)
	e.observe()
}

// SetGoal moves the goal, keeping the robot where it is.
func (e *Nav) SetGoal(g [2]float64) {
	e.layout.Goal = g
	e.dist = e.goalDist()
	e.observe()
}

// Observation implements Env.
func (e *Nav) Observation() []float64 { return e.observe() }
