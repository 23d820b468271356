// Package robot3d is BarrierNet's 3-D robot (Xiao et al., T-RO 2023): a
// 3-D double integrator, state (x, vx, y, vy, z, vz), control the three
// accelerations, going to a goal around a superquadric obstacle
//
//	b = (x − 10)⁴ + (y − 10)⁴ + (z − 9)⁴ − 7⁴ ≥ 0,
//
// a HOCBF of relative degree 2 with gains p₁, p₂. It carries BarrierNet's
// published expert trajectory; seeded start and goal pairs, with the
// project's own expert, go beyond it.
package robot3d

import (
	"embed"
	"fmt"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// Name selects the scenario in configs (env.scenario).
const Name = "robot3d"

// Scenario is robot3d, registered under Name.
var Scenario = env.Define(Name,
	"BarrierNet's 3-D robot: a 3-D double integrator goes around a superquadric obstacle to its goal (HOCBF, relative degree 2, three controls)",
	Defaults,
	env.Defaults{Gains: []float64{expertGain, expertGain}, Weights: []float64{1, 1, 1}},
	env.Sub(configFiles, "configs"),
	func(s Settings) env.Task { return &Task{cfg: s} })

func init() { env.Register(Scenario) }

//go:embed configs/*.yaml
var configFiles embed.FS

// expertGain is the expert's p₁ = p₂, the default barrier.gains; the
// reference path of a seeded episode is this expert's.
const expertGain = 0.5

// Settings is the config section env.robot3d.
type Settings struct {
	Dt        float64    `yaml:"dt" doc:"time step (s)"`
	Horizon   int        `yaml:"horizon" doc:"steps per episode (the published trajectory has 330)"`
	Obstacle  [3]float64 `yaml:"obstacle" doc:"the superquadric's centre (m)"`
	Size      float64    `yaml:"size" doc:"its half-size R: b = Σ(pᵢ − oᵢ)⁴ − R⁴ (m)"`
	Margin    float64    `yaml:"margin" doc:"the CBF keeps the superquadric of half-size R + margin clear, for the gap between steps (m)"`
	AccelMax  float64    `yaml:"accel_max" doc:"bound on each acceleration |uᵢ| (m/s²)"`
	Box       float64    `yaml:"box" doc:"seeded starts and goals lie in [0, box]³ (m)"`
	GoalRange float64    `yaml:"goal_radius" doc:"success: within this of the goal at the end (m)"`
}

// Defaults returns BarrierNet's setting: dt 0.1 s, the obstacle at
// (10, 10, 9) with R = 7, 330 steps.
func Defaults() Settings {
	return Settings{Dt: 0.1, Horizon: 330, Obstacle: [3]float64{10, 10, 9}, Size: 7, Margin: 0.2, AccelMax: 5, Box: 20, GoalRange: 1}
}

// Validate implements env.Settings.
func (c *Settings) Validate() error {
	if err := env.CheckRanges(
		env.Range{Key: "dt", Value: c.Dt, Hi: env.MaxDt, Unit: "s"},
		env.Range{Key: "size", Value: c.Size, Hi: 100, Unit: "m"},
		env.Range{Key: "accel_max", Value: c.AccelMax, Hi: 100, Unit: "m/s²"},
		env.Range{Key: "box", Value: c.Box, Hi: 1000, Unit: "m"},
		env.Range{Key: "goal_radius", Value: c.GoalRange, Hi: c.Box, Unit: "m"},
	); err != nil {
		return err
	}
	if !(c.Margin >= 0 && c.Margin <= c.Size) {
		return env.Errorf("margin", "%v, want 0 ≤ margin ≤ size %v", c.Margin, c.Size)
	}
	if !env.Finite(c.Obstacle[:]...) {
		return env.Errorf("obstacle", "%v, want finite coordinates", c.Obstacle)
	}
	return env.CheckHorizon(c.Horizon)
}

// b is the barrier at position p (the geometric one: half-size R).
func (c *Settings) b(p [3]float64) float64 { return c.superquadric(p, c.Size) }

// superquadric is Σ(pᵢ − oᵢ)⁴ − r⁴.
func (c *Settings) superquadric(p [3]float64, r float64) float64 {
	s := -r * r * r * r
	for i, o := range c.Obstacle {
		d := p[i] - o
		s += d * d * d * d
	}
	return s
}

// Task is robot3d configured by its settings.
type Task struct{ cfg Settings }

// Spec implements env.Task.
func (t *Task) Spec() env.Spec {
	c := t.cfg
	ctl := func(n string) env.Control {
		return env.Control{Name: n, Unit: "m/s²", Lo: -c.AccelMax, Hi: c.AccelMax}
	}
	return env.Spec{
		Scenario: Name,
		Observation: []string{"x (m)", "vx (m/s)", "y (m)", "vy (m/s)", "z (m)", "vz (m/s)",
			"goal x (m)", "goal y (m)", "goal z (m)"},
		Controls: []env.Control{ctl("ux"), ctl("uy"), ctl("uz")},
		Layout: barrier.Layout{
			Slots: []barrier.Slot{{Name: "superquadric", Degree: 2, Gains: []int{0, 1}}},
			Gains: []barrier.Gain{{Name: "p₁", Learned: true}, {Name: "p₂", Learned: true}},
		},
		Dt:          c.Dt,
		GoalError:   "distance to the goal at the end (m)",
		StartFormat: `{"published":true} or {"start":[x,y,z],"goal":[x,y,z]}`,
		Metrics: []env.Metric{
			{Name: "min_b", Summary: "min_b", Reduce: env.Min, Doc: "smallest b = Σ(pᵢ − oᵢ)⁴ − R⁴ over the steps (m⁴)"},
			{Name: "path_error", Summary: "mean_path_error", Doc: "mean distance to the expert's position at the same step (m)"},
		},
	}
}

// NewEnv implements env.Task.
func (t *Task) NewEnv() env.Env { return New(t.cfg) }

// Start is an initial position at rest and a goal; Published marks
// BarrierNet's own, whose reference path is the published trajectory.
type Start struct {
	From, Goal [3]float64
	Published  bool
}

// Reset implements env.Start.
func (s Start) Reset(e env.Env) ([]float64, error) {
	r, ok := e.(*Env)
	if !ok {
		return nil, fmt.Errorf("a robot3d start given to %T", e)
	}
	obs, _ := r.ResetTo(s)
	return obs, nil
}

// ParseStart implements env.Task.
func (t *Task) ParseStart(line []byte) (env.Start, error) {
	var l struct {
		Published bool      `json:"published"`
		Start     []float64 `json:"start"`
		Goal      []float64 `json:"goal"`
	}
	if err := env.DecodeLine(line, &l); err != nil {
		return nil, err
	}
	if l.Published && l.Start == nil && l.Goal == nil {
		return PublishedStart(), nil
	}
	if l.Published || len(l.Start) != 3 || len(l.Goal) != 3 || !env.Finite(l.Start...) || !env.Finite(l.Goal...) {
		return nil, fmt.Errorf(`want {"published":true} or {"start":[x,y,z],"goal":[x,y,z]} with finite numbers`)
	}
	s := Start{From: [3]float64(l.Start), Goal: [3]float64(l.Goal)}
	switch {
	case t.cfg.b(s.From) <= 0:
		return nil, fmt.Errorf("start %v lies inside the obstacle", s.From)
	case t.cfg.b(s.Goal) <= 0:
		return nil, fmt.Errorf("goal %v lies inside the obstacle", s.Goal)
	case dist(s.From, s.Goal) <= t.cfg.GoalRange:
		return nil, fmt.Errorf("goal %v is within goal_radius of the start: nothing to do", s.Goal)
	}
	return s, nil
}
