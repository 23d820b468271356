// Package pointmass is the example scenario, the template to copy for a
// robot of your own (docs/scenarios.md walks through it): a point mass
// pushed by two accelerations — a planar double integrator, state
// (x, y, vx, vy), control (ax, ay) — driving to a goal among circular
// obstacles, kept clear of each by a high-order CBF of relative degree 2.
// One file holds what the config sees and what the rest of barriergym
// asks of a scenario (this one); env.go holds the simulator.
package pointmass

import (
	"embed"
	"fmt"
	"math"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// Name selects the scenario in configs (env.scenario).
const Name = "pointmass"

// Scenario is the example, made of its parts: the name, one line saying
// what it is, the defaults of its config section, its values for keys of
// the generic sections — the expert's class-K gains p₁ = p₂ = 2 (one value
// for every gain) and equal QP weights on both accelerations — its
// embedded configs, and how settings become a Task.
var Scenario = env.Define(Name,
	"planar double integrator (a point mass pushed by two accelerations) to a goal among circular obstacles (HOCBF, relative degree 2)",
	Defaults,
	env.Defaults{Gains: []float64{2}, Weights: []float64{1, 1}},
	env.Sub(configFiles, "configs"),
	func(s Settings) env.Task { return &Task{cfg: s} })

// The registration: package scenarios imports this package so that it runs.
func init() { env.Register(Scenario) }

//go:embed configs/*.yaml
var configFiles embed.FS

// Settings is the config section env.pointmass; each key's doc tag is
// what `barriergym config show` prints beside it.
type Settings struct {
	Dt          float64 `yaml:"dt" doc:"time step (s)"`
	Horizon     int     `yaml:"horizon" doc:"steps per episode"`
	Arena       float64 `yaml:"arena" doc:"side of the square arena (m)"`
	Obstacles   int     `yaml:"obstacles" doc:"number of circular obstacles"`
	Radius      float64 `yaml:"radius" doc:"obstacle radius (m)"`
	RobotRadius float64 `yaml:"robot_radius" doc:"the point mass's radius (m)"`
	Margin      float64 `yaml:"margin" doc:"clearance the CBFs keep beyond contact, for the gap between steps (m)"`
	AccelMax    float64 `yaml:"accel_max" doc:"acceleration bound |ax|, |ay| (m/s²)"`
	GoalRadius  float64 `yaml:"goal_radius" doc:"the goal is reached within this distance (m)"`
	Observed    int     `yaml:"observed" doc:"nearest obstacles in the observation, and CBF rows of a policy's QP"`
}

// Defaults returns the default setting: a 10 m arena with 6 obstacles.
func Defaults() Settings {
	return Settings{Dt: 0.05, Horizon: 300, Arena: 10, Obstacles: 6, Radius: 0.6, RobotRadius: 0.2,
		Margin: 0.05, AccelMax: 2, GoalRadius: 0.3, Observed: 3}
}

// Validate implements env.Settings: errors name the key.
func (c *Settings) Validate() error {
	if err := env.CheckRanges(
		env.Range{Key: "dt", Value: c.Dt, Hi: env.MaxDt, Unit: "s"},
		env.Range{Key: "arena", Value: c.Arena, Hi: 1000, Unit: "m"},
		env.Range{Key: "radius", Value: c.Radius, Hi: c.Arena / 2, Unit: "m (half the arena)"},
		env.Range{Key: "robot_radius", Value: c.RobotRadius, Hi: c.Arena / 4, Unit: "m (a quarter of the arena)"},
		env.Range{Key: "accel_max", Value: c.AccelMax, Hi: 100, Unit: "m/s²"},
		env.Range{Key: "goal_radius", Value: c.GoalRadius, Hi: c.Arena, Unit: "m (the arena)"},
	); err != nil {
		return err
	}
	if err := env.CheckHorizon(c.Horizon); err != nil {
		return err
	}
	switch {
	case c.Margin < 0 || math.IsInf(c.Margin, 0):
		return env.Errorf("margin", "%v, want a finite value ≥ 0", c.Margin)
	case c.Obstacles < 0:
		return env.Errorf("obstacles", "%d, want ≥ 0", c.Obstacles)
	case c.Observed < 1:
		return env.Errorf("observed", "%d, want ≥ 1", c.Observed)
	}
	if _, err := newLayout(*c, 0); err != nil { // a layout can be drawn
		return err
	}
	return nil
}

// Task is the scenario configured by its settings.
type Task struct{ cfg Settings }

// Spec implements env.Task: what the environments observe and accept, and
// the CBF layout — one slot per observed obstacle (nearest first), all
// fed by the same two learned gains p₁, p₂.
func (t *Task) Spec() env.Spec {
	c := t.cfg
	obs := []string{"goal x − x (m)", "goal y − y (m)", "vx (m/s)", "vy (m/s)"}
	var l barrier.Layout
	for k := 1; k <= c.Observed; k++ {
		obs = append(obs, fmt.Sprintf("obstacle %d x − x (m)", k), fmt.Sprintf("obstacle %d y − y (m)", k),
			fmt.Sprintf("obstacle %d radius (m)", k))
		l.Slots = append(l.Slots, barrier.Slot{Name: fmt.Sprintf("obstacle %d (nearest first)", k), Degree: 2, Gains: []int{0, 1}})
	}
	l.Gains = []barrier.Gain{{Name: "p₁", Learned: true}, {Name: "p₂", Learned: true}}
	return env.Spec{
		Scenario:    Name,
		Observation: obs,
		Controls: []env.Control{{Name: "ax", Unit: "m/s²", Lo: -c.AccelMax, Hi: c.AccelMax},
			{Name: "ay", Unit: "m/s²", Lo: -c.AccelMax, Hi: c.AccelMax}},
		Layout:      l,
		Dt:          c.Dt,
		GoalError:   "distance to the goal at the end (m)",
		StartFormat: `{"start":[x,y],"goal":[x,y],"obstacles":[[x,y],…]}`,
		Metrics: []env.Metric{
			{Name: "path_length", Summary: "mean_path_length", Reduce: env.Mean, Doc: "distance travelled in the episode (m)"},
			{Name: "peak_speed", Summary: "max_peak_speed", Reduce: env.Max, Doc: "the largest speed reached (m/s)"},
		},
	}
}

// NewEnv implements env.Task.
func (t *Task) NewEnv() env.Env { return New(t.cfg) }

// Start is an explicit layout, the mass at rest at its start.
type Start struct{ Layout Layout }

// Reset implements env.Start.
func (s Start) Reset(e env.Env) ([]float64, error) {
	p, ok := e.(*Env)
	if !ok {
		return nil, fmt.Errorf("a pointmass start given to %T", e)
	}
	obs, _ := p.ResetTo(s.Layout)
	return obs, nil
}

// ParseStart implements env.Task: {"start":[x,y],"goal":[x,y],"obstacles":[[x,y],…]}.
func (t *Task) ParseStart(line []byte) (env.Start, error) {
	var l struct {
		Start, Goal []float64
		Obstacles   [][]float64
	}
	if err := env.DecodeLine(line, &l); err != nil {
		return nil, err
	}
	if len(l.Start) != 2 || len(l.Goal) != 2 || !env.Finite(l.Start...) || !env.Finite(l.Goal...) {
		return nil, fmt.Errorf("start and goal need two finite numbers each")
	}
	lay := Layout{Start: [2]float64(l.Start), Goal: [2]float64(l.Goal)}
	for i, o := range l.Obstacles {
		if len(o) != 2 || !env.Finite(o...) {
			return nil, fmt.Errorf("obstacle %d = %v: want finite [x, y]", i, o)
		}
		lay.Obstacles = append(lay.Obstacles, barrier.Circle{X: o[0], Y: o[1], R: t.cfg.Radius})
	}
	c := t.cfg
	if err := env.CheckArenaStart(c.Arena, c.RobotRadius+c.Margin, c.GoalRadius, lay.Start, lay.Goal, lay.Obstacles); err != nil {
		return nil, err
	}
	return Start{Layout: lay}, nil
}
