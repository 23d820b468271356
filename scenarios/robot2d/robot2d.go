// Package robot2d is BarrierNet's 2-D robot (Xiao et al., T-RO 2023): a
// unicycle with speed, state (x, y, θ, v), control (θ̇, a), passing one
// circular obstacle on its way to a goal lane, with the obstacle's
// high-order CBF of relative degree 2. Its defaults reproduce BarrierNet's
// setting exactly, and it carries BarrierNet's published demonstrations.
package robot2d

import (
	"embed"
	"fmt"
	"math"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// Name selects the scenario in configs (env.scenario).
const Name = "robot2d"

// Scenario is robot2d, registered under Name.
var Scenario = env.Define(Name,
	"BarrierNet's 2-D robot: a unicycle with speed passes a circular obstacle to reach a goal lane (HOCBF, relative degree 2)",
	Defaults,
	// The expert's HOCBF gains; steering ten times cheaper than braking;
	// 41 evaluation episodes, as many as the destinations of the expert test.
	env.Defaults{Gains: []float64{1, 1}, Weights: []float64{1, 10}, EvalEpisodes: 41},
	env.Sub(configFiles, "configs"),
	func(s Settings) env.Task { return &Task{cfg: s} })

func init() { env.Register(Scenario) }

//go:embed configs/*.yaml
var configFiles embed.FS

// Settings is the config section env.robot2d.
type Settings struct {
	Dt          float64    `yaml:"dt" doc:"time step (s)"`
	Horizon     int        `yaml:"horizon" doc:"steps per episode"`
	Start       [4]float64 `yaml:"start" doc:"initial state x (m), y (m), θ (rad), v (m/s)"`
	Obstacle    [3]float64 `yaml:"obstacle" doc:"obstacle centre x, y and radius (m)"`
	DstRange    [2]float64 `yaml:"dst_range" doc:"destination offsets dst_y are drawn uniformly in this range (m)"`
	ThetaDotMax float64    `yaml:"theta_dot_max" doc:"turn-rate bound |θ̇| (rad/s)"`
	AccelMax    float64    `yaml:"accel_max" doc:"acceleration bound |a| (m/s²)"`
	LaneTol     float64    `yaml:"lane_tol" doc:"success: final |y − goal lane| within this (m)"`
	LaneWeight  float64    `yaml:"lane_weight" doc:"reward: weight of the lane error per second"`
}

// Defaults returns BarrierNet's setting: dt 0.1 s, 137 steps, start
// (5, 15, 0, 2), obstacle (40, 15) radius 6, dst_y ∈ [−10, 10].
func Defaults() Settings {
	return Settings{
		Dt: 0.1, Horizon: 137, Start: [4]float64{5, 15, 0, 2},
		Obstacle: [3]float64{40, 15, 6}, DstRange: [2]float64{-10, 10},
		ThetaDotMax: 0.45, AccelMax: 1.2, LaneTol: 1, LaneWeight: 0.5,
	}
}

// Validate implements env.Settings.
func (c *Settings) Validate() error {
	if err := env.CheckRanges(
		env.Range{Key: "dt", Value: c.Dt, Hi: env.MaxDt, Unit: "s"},
		env.Range{Key: "obstacle", Value: c.Obstacle[2], Hi: 1000, Unit: "m (its radius)"},
		env.Range{Key: "theta_dot_max", Value: c.ThetaDotMax, Hi: 100, Unit: "rad/s"},
		env.Range{Key: "accel_max", Value: c.AccelMax, Hi: 100, Unit: "m/s²"},
		env.Range{Key: "lane_tol", Value: c.LaneTol, Hi: 1000, Unit: "m"},
	); err != nil {
		return err
	}
	if !env.Finite(c.Start[:]...) || !env.Finite(c.Obstacle[:]...) || !env.Finite(c.DstRange[:]...) || math.Abs(c.Start[0]) > 1e6 ||
		math.Abs(c.Start[1]) > 1e6 || math.Abs(c.Obstacle[0]) > 1e6 || math.Abs(c.Obstacle[1]) > 1e6 {
		return env.Errorf("start", "%v and obstacle %v: want finite coordinates within ±1e6 m", c.Start, c.Obstacle)
	}
	if err := env.CheckHorizon(c.Horizon); err != nil {
		return err
	}
	if c.DstRange[0] > c.DstRange[1] {
		return env.Errorf("dst_range", "%v, want low ≤ high", c.DstRange)
	}
	if c.LaneWeight < 0 {
		return env.Errorf("lane_weight", "%v, want ≥ 0", c.LaneWeight)
	}
	if b := barrier.Clearance(c.Start[0], c.Start[1], c.circle(), 0); b <= 0 {
		return env.Errorf("start", "%v lies inside the obstacle %v", c.Start, c.Obstacle)
	}
	return nil
}

func (c *Settings) circle() barrier.Circle {
	return barrier.Circle{X: c.Obstacle[0], Y: c.Obstacle[1], R: c.Obstacle[2]}
}

// Task is robot2d configured by its settings.
type Task struct{ cfg Settings }

// Spec implements env.Task.
func (t *Task) Spec() env.Spec {
	c := t.cfg
	return env.Spec{
		Scenario:    Name,
		Observation: []string{"x (m)", "y (m)", "θ (rad)", "v (m/s)", "dst_y (m)"},
		Controls: []env.Control{{Name: "θ̇", Unit: "rad/s", Lo: -c.ThetaDotMax, Hi: c.ThetaDotMax},
			{Name: "a", Unit: "m/s²", Lo: -c.AccelMax, Hi: c.AccelMax}},
		Layout: barrier.Layout{
			Slots: []barrier.Slot{{Name: "obstacle", Degree: 2, Gains: []int{0, 1}}},
			Gains: []barrier.Gain{{Name: "p₁", Learned: true}, {Name: "p₂", Learned: true}},
		},
		Dt:          c.Dt,
		GoalError:   "|y − goal lane| after the last step (m)",
		StartFormat: `{"state":[x,y,theta,v],"dst_y":d}`,
	}
}

// NewEnv implements env.Task.
func (t *Task) NewEnv() env.Env { return New(t.cfg) }

// Start is an initial state and destination offset.
type Start struct {
	State [4]float64
	DstY  float64
}

// Reset implements env.Start.
func (s Start) Reset(e env.Env) ([]float64, error) {
	r, ok := e.(*Env)
	if !ok {
		return nil, fmt.Errorf("a robot2d start given to %T", e)
	}
	obs, _ := r.ResetTo(s.State, s.DstY)
	return obs, nil
}

// ParseStart implements env.Task: {"state":[x,y,theta,v],"dst_y":d}.
func (t *Task) ParseStart(line []byte) (env.Start, error) {
	var l struct {
		State []float64 `json:"state"`
		DstY  *float64  `json:"dst_y"`
	}
	if err := env.DecodeLine(line, &l); err != nil {
		return nil, err
	}
	if len(l.State) != 4 || l.DstY == nil {
		return nil, fmt.Errorf(`want {"state":[x,y,theta,v],"dst_y":d}`)
	}
	if !env.Finite(append(l.State, *l.DstY)...) {
		return nil, fmt.Errorf("state and dst_y must be finite numbers")
	}
	if b := barrier.Clearance(l.State[0], l.State[1], t.cfg.circle(), 0); b <= 0 {
		return nil, fmt.Errorf("state %v lies inside the obstacle %v", l.State, t.cfg.Obstacle)
	}
	return Start{State: [4]float64(l.State), DstY: *l.DstY}, nil
}
