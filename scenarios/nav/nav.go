// Package nav is a kinematic unicycle, state (x, y, θ), control (v, ω),
// driving to a goal among random circular obstacles. Its CBFs constrain a
// virtual control point ahead of the robot, so both controls enter at
// relative degree 1: one row per obstacle, nearest first.
package nav

import (
	"embed"
	"fmt"
	"math"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// Name selects the scenario in configs (env.scenario).
const Name = "nav"

// Scenario is nav, registered under Name.
var Scenario = env.Define(Name,
	"kinematic unicycle to a random goal among random circular obstacles (virtual-control-point CBFs, relative degree 1)",
	Defaults,
	// α = 2 for every obstacle; turning a hundred times cheaper than
	// slowing down (a scan gave 200/200 expert successes against 145/200
	// with a ratio of 10).
	env.Defaults{Gains: []float64{2}, Weights: []float64{100, 1}},
	env.Sub(configFiles, "configs"),
	func(s Settings) env.Task { return &Task{cfg: s} })

func init() { env.Register(Scenario) }

//go:embed configs/*.yaml
var configFiles embed.FS

// Settings is the config section env.nav. The defaults are the benchmark
// setting: 10 m arena, 8 obstacles of radius 0.3–0.8 m, robot radius
// 0.2 m, start and goal ≥ 6 m apart, v ∈ [0, 1] m/s, ω ∈ [−2, 2] rad/s,
// dt 0.05 s, 400 steps.
type Settings struct {
	Dt           float64 `yaml:"dt" doc:"time step (s)"`
	Horizon      int     `yaml:"horizon" doc:"steps per episode"`
	Arena        float64 `yaml:"arena" doc:"side of the square arena (m)"`
	Obstacles    int     `yaml:"obstacles" doc:"number of circular obstacles"`
	RadiusMin    float64 `yaml:"radius_min" doc:"obstacle radii are uniform in [radius_min, radius_max] (m)"`
	RadiusMax    float64 `yaml:"radius_max" doc:"largest obstacle radius (m)"`
	RobotRadius  float64 `yaml:"robot_radius" doc:"the robot's radius (m)"`
	MinStartGoal float64 `yaml:"min_start_goal" doc:"start and goal at least this far apart (m)"`
	VMax         float64 `yaml:"v_max" doc:"speed bound: v ∈ [0, v_max] (m/s)"`
	OmegaMax     float64 `yaml:"omega_max" doc:"turn-rate bound: ω ∈ [−omega_max, omega_max] (rad/s)"`
	GoalRadius   float64 `yaml:"goal_radius" doc:"the goal is reached within this distance (m)"`
	GoalBonus    float64 `yaml:"goal_bonus" doc:"reward for reaching the goal"`
	Observed     int     `yaml:"observed" doc:"nearest obstacles in the observation, and CBF rows of a policy's QP"`
	Lookahead    float64 `yaml:"lookahead" doc:"distance l of the virtual control point ahead of the robot (m)"`
}

// Defaults returns the benchmark setting.
func Defaults() Settings {
	return Settings{
		Dt: 0.05, Horizon: 400, Arena: 10, Obstacles: 8, RadiusMin: 0.3, RadiusMax: 0.8,
		RobotRadius: 0.2, MinStartGoal: 6, VMax: 1, OmegaMax: 2, GoalRadius: 0.3,
		GoalBonus: 10, Observed: 4, Lookahead: 0.1,
	}
}

// Validate implements env.Settings.
func (c *Settings) Validate() error {
	if err := env.CheckRanges(
		env.Range{Key: "dt", Value: c.Dt, Hi: env.MaxDt, Unit: "s"},
		env.Range{Key: "arena", Value: c.Arena, Hi: 1000, Unit: "m"},
		env.Range{Key: "radius_min", Value: c.RadiusMin, Hi: c.Arena / 2, Unit: "m (half the arena)"},
		env.Range{Key: "radius_max", Value: c.RadiusMax, Hi: c.Arena / 2, Unit: "m (half the arena)"},
		env.Range{Key: "robot_radius", Value: c.RobotRadius, Hi: c.Arena / 4, Unit: "m (a quarter of the arena)"},
		env.Range{Key: "v_max", Value: c.VMax, Hi: 100, Unit: "m/s"},
		env.Range{Key: "omega_max", Value: c.OmegaMax, Hi: 100, Unit: "rad/s"},
		env.Range{Key: "goal_radius", Value: c.GoalRadius, Hi: c.Arena, Unit: "m (the arena)"},
		env.Range{Key: "lookahead", Value: c.Lookahead, Hi: c.Arena / 4, Unit: "m (a quarter of the arena)"},
	); err != nil {
		return err
	}
	if err := env.CheckHorizon(c.Horizon); err != nil {
		return err
	}
	switch {
	case c.Obstacles < 0:
		return env.Errorf("obstacles", "%d, want ≥ 0", c.Obstacles)
	case c.RadiusMin > c.RadiusMax:
		return env.Errorf("radius_min", "%v > radius_max = %v", c.RadiusMin, c.RadiusMax)
	case c.MinStartGoal < 0 || c.MinStartGoal > c.Arena*math.Sqrt2*0.9:
		return env.Errorf("min_start_goal", "%v, want between 0 and %.3g (90%% of the arena's diagonal)",
			c.MinStartGoal, c.Arena*math.Sqrt2*0.9)
	case c.Observed < 1:
		return env.Errorf("observed", "%d, want ≥ 1 (a policy's QP has one CBF row per observed obstacle)", c.Observed)
	case c.GoalBonus < 0:
		return env.Errorf("goal_bonus", "%v, want ≥ 0", c.GoalBonus)
	}
	// A config whose layouts cannot be drawn is refused here rather than
	// at some later Reset.
	for seed := uint64(0); seed < 4; seed++ {
		if _, err := NewLayout(*c, seed); err != nil {
			return err
		}
	}
	return nil
}

// Task is nav configured by its settings.
type Task struct{ cfg Settings }

// Spec implements env.Task.
func (t *Task) Spec() env.Spec {
	c := t.cfg
	obs := []string{"goal x, body frame (m)", "goal y, body frame (m)"}
	var l barrier.Layout
	for k := 1; k <= c.Observed; k++ {
		obs = append(obs, fmt.Sprintf("obstacle %d x, body frame (m)", k), fmt.Sprintf("obstacle %d y, body frame (m)", k),
			fmt.Sprintf("obstacle %d radius (m)", k))
		// Rows of obstacles beyond the observed ones (the expert filter
		// takes them all) fill the last slot: its gain is theirs.
		name := fmt.Sprintf("obstacle %d (nearest first)", k)
		l.Slots = append(l.Slots, barrier.Slot{Name: name, Degree: 1, Gains: []int{k - 1}})
		l.Gains = append(l.Gains, barrier.Gain{Name: fmt.Sprintf("α%d", k), Learned: true})
	}
	return env.Spec{
		Scenario:    Name,
		Observation: obs,
		Controls: []env.Control{{Name: "v", Unit: "m/s", Lo: 0, Hi: c.VMax},
			{Name: "ω", Unit: "rad/s", Lo: -c.OmegaMax, Hi: c.OmegaMax}},
		Layout:      l,
		Dt:          c.Dt,
		GoalError:   "distance to the goal at the end (m)",
		StartFormat: `{"start":[x,y,theta],"goal":[x,y],"obstacles":[[x,y,r],…]}`,
	}
}

// NewEnv implements env.Task.
func (t *Task) NewEnv() env.Env { return New(t.cfg) }

// Start is an explicit layout.
type Start struct{ Layout Layout }

// Reset implements env.Start.
func (s Start) Reset(e env.Env) ([]float64, error) {
	n, ok := e.(*Env)
	if !ok {
		return nil, fmt.Errorf("a nav start given to %T", e)
	}
	obs, _ := n.ResetTo(s.Layout)
	return obs, nil
}

// ParseStart implements env.Task:
// {"start":[x,y,theta],"goal":[x,y],"obstacles":[[x,y,r],…]}.
func (t *Task) ParseStart(line []byte) (env.Start, error) {
	var l struct {
		Start     []float64   `json:"start"`
		Goal      []float64   `json:"goal"`
		Obstacles [][]float64 `json:"obstacles"`
	}
	if err := env.DecodeLine(line, &l); err != nil {
		return nil, err
	}
	if len(l.Start) != 3 || len(l.Goal) != 2 || !env.Finite(l.Start...) || !env.Finite(l.Goal...) {
		return nil, fmt.Errorf(`want {"start":[x,y,theta],"goal":[x,y],"obstacles":[[x,y,r],…]} with finite numbers`)
	}
	lay := Layout{Start: [3]float64(l.Start), Goal: [2]float64(l.Goal)}
	for i, o := range l.Obstacles {
		if len(o) != 3 || !env.Finite(o...) || o[2] <= 0 {
			return nil, fmt.Errorf("obstacle %d = %v: want finite x, y and a radius > 0", i, o)
		}
		lay.Obstacles = append(lay.Obstacles, barrier.Circle{X: o[0], Y: o[1], R: o[2]})
	}
	c := t.cfg
	if err := env.CheckArenaStart(c.Arena, c.RobotRadius, c.GoalRadius, [2]float64{lay.Start[0], lay.Start[1]}, lay.Goal, lay.Obstacles); err != nil {
		return nil, err
	}
	return Start{Layout: lay}, nil
}
