// Package merge is BarrierNet's traffic-merging experiment (Xiao et al.,
// T-RO 2023) as car following on one lane: the ego vehicle, a double
// integrator with state (x_i, v_i) and control u (acceleration), follows a
// preceding vehicle whose trajectory is either the one recorded in
// BarrierNet's published data or drawn from the seed (speed changes), and
// keeps a time headway of φ = 1.8 s through the barrier
// b = x_ip − x_i − φ·v_i of relative degree 1. It carries BarrierNet's
// demonstrations (the OCBF controller's, and the unconstrained optimal
// control's).
package merge

import (
	"embed"
	"fmt"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// Name selects the scenario in configs (env.scenario).
const Name = "merge"

// expertGain is the class-K gain of the expert's headway CBF: the default
// barrier.gains, and the expert the control-error metric compares with.
const expertGain = 1

// Scenario is merge, registered under Name.
var Scenario = env.Define(Name,
	"BarrierNet's traffic merging: one-lane car following behind a recorded or seeded preceding vehicle, time headway 1.8 s (CBF, relative degree 1)",
	Defaults,
	env.Defaults{Gains: []float64{expertGain}, Weights: []float64{1}},
	env.Sub(configFiles, "configs"),
	func(s Settings) env.Task { return &Task{cfg: s} })

func init() { env.Register(Scenario) }

//go:embed configs/*.yaml
var configFiles embed.FS

// Settings is the config section env.merge.
type Settings struct {
	Dt        float64    `yaml:"dt" doc:"time step (s)"`
	Horizon   int        `yaml:"horizon" doc:"steps per episode (the recorded lead lasts 140)"`
	Headway   float64    `yaml:"headway" doc:"φ, the time headway the ego must keep: x_ip − x_i ≥ φ·v_i (s)"`
	Margin    float64    `yaml:"margin" doc:"distance the CBF keeps beyond the headway, for the gap between steps: b = x_ip − x_i − φ·v_i − margin (m)"`
	AccelMax  float64    `yaml:"accel_max" doc:"acceleration bound |u| (m/s²)"`
	Cruise    float64    `yaml:"cruise" doc:"the nominal controller's desired speed (m/s)"`
	EgoSpeed  [2]float64 `yaml:"ego_speed" doc:"synthetic episodes: the ego's initial speed is drawn in this range (m/s)"`
	LeadSpeed [2]float64 `yaml:"lead_speed" doc:"synthetic episodes: the lead's initial speed range (m/s)"`
	StartGap  [2]float64 `yaml:"start_gap" doc:"synthetic episodes: the initial time headway gap/v_i is drawn in this range (s)"`
	LeadAccel [2]float64 `yaml:"lead_accel" doc:"synthetic episodes: the lead's acceleration in each phase is drawn in this range (m/s²)"`
	Phase     [2]float64 `yaml:"phase" doc:"synthetic episodes: each phase of constant lead acceleration lasts this long (s)"`
	// LeadMinSpeed keeps seeded leads moving: merging traffic, not stop
	// and go (acc has that).
	LeadMinSpeed float64 `yaml:"lead_min_speed" doc:"synthetic episodes: the lead's speed stays at or above this (m/s)"`
}

// Defaults returns BarrierNet's setting: dt 0.1 s, 140 steps (the recorded
// lead's 14 s), φ = 1.8 s; synthetic leads like the recorded one (23–30 m/s)
// with speed changes: phases of 2–5 s accelerating at up to 1.5 m/s² or
// braking at up to 2 m/s², never below 10 m/s.
func Defaults() Settings {
	return Settings{Dt: 0.1, Horizon: 140, Headway: 1.8, Margin: 0.3, AccelMax: 5, Cruise: 30,
		EgoSpeed: [2]float64{24, 30}, LeadSpeed: [2]float64{20, 28}, StartGap: [2]float64{2, 2.6},
		LeadAccel: [2]float64{-2, 1.5}, Phase: [2]float64{2, 5}, LeadMinSpeed: 10}
}

// Validate implements env.Settings.
func (c *Settings) Validate() error {
	if err := env.CheckRanges(
		env.Range{Key: "dt", Value: c.Dt, Hi: env.MaxDt, Unit: "s"},
		env.Range{Key: "headway", Value: c.Headway, Hi: 10, Unit: "s"},
		env.Range{Key: "accel_max", Value: c.AccelMax, Hi: 100, Unit: "m/s²"},
		env.Range{Key: "cruise", Value: c.Cruise, Hi: 100, Unit: "m/s"},
	); err != nil {
		return err
	}
	if err := env.CheckHorizon(c.Horizon); err != nil {
		return err
	}
	if err := env.CheckIntervals(
		env.Interval{Key: "ego_speed", Value: c.EgoSpeed, Hi: 100},
		env.Interval{Key: "lead_speed", Value: c.LeadSpeed, Hi: 100},
		env.Interval{Key: "start_gap", Value: c.StartGap, Hi: 100},
		env.Interval{Key: "lead_accel", Value: c.LeadAccel, Lo: -100, Hi: 100},
		env.Interval{Key: "phase", Value: c.Phase, Hi: 1000},
	); err != nil {
		return err
	}
	if err := env.CheckRanges(env.Range{Key: "margin", Value: c.Margin, Hi: 100, LoClosed: true, Unit: "m"}); err != nil {
		return err
	}
	switch {
	case c.StartGap[0] < c.Headway:
		return env.Errorf("start_gap", "%v: starts closer than the headway %v s would break the barrier at once", c.StartGap, c.Headway)
	case !(c.LeadMinSpeed >= 0 && c.LeadMinSpeed <= c.LeadSpeed[0]):
		return env.Errorf("lead_min_speed", "%v, want 0 ≤ lead_min_speed ≤ lead_speed low %v", c.LeadMinSpeed, c.LeadSpeed[0])
	case c.Phase[0] <= 0:
		return env.Errorf("phase", "%v, want phases longer than 0 s", c.Phase)
	case c.EgoSpeed[0] <= 0:
		return env.Errorf("ego_speed", "%v, want a moving ego (> 0 m/s)", c.EgoSpeed)
	}
	return nil
}

// Task is merge configured by its settings.
type Task struct{ cfg Settings }

// Spec implements env.Task.
func (t *Task) Spec() env.Spec {
	c := t.cfg
	return env.Spec{
		Scenario:    Name,
		Observation: []string{"x_ip (m)", "v_ip (m/s)", "x_i (m)", "v_i (m/s)"},
		Controls:    []env.Control{{Name: "u", Unit: "m/s²", Lo: -c.AccelMax, Hi: c.AccelMax}},
		Layout: barrier.Layout{
			Slots: []barrier.Slot{{Name: "headway", Degree: 1, Gains: []int{0}}},
			Gains: []barrier.Gain{{Name: "p", Learned: true}},
		},
		Dt:          c.Dt,
		GoalError:   "the ego's distance behind the expert ego of the recorded data at the end (m); 0 for seeded leads",
		StartFormat: `{"lead":"recorded"}`,
		Metrics: []env.Metric{
			{Name: "min_headway", Summary: "min_headway", Reduce: env.Min, Doc: "smallest time headway (x_ip − x_i)/v_i over the steps (s)"},
			{Name: "steps_below", Summary: "mean_steps_below", Doc: "steps with the headway below φ − 1e-6 s"},
			{Name: "mean_speed", Summary: "mean_speed", Doc: "the ego's mean speed (m/s)"},
			{Name: "control_error", Summary: "mean_control_error", Doc: "mean |u − u_expert| per step, the expert being the nominal controller behind the CBF with gain 1 (m/s²)"},
		},
	}
}

// NewEnv implements env.Task.
func (t *Task) NewEnv() env.Env { return New(t.cfg) }

// Recorded starts an episode behind the preceding vehicle of BarrierNet's
// closed-loop test, from the recorded ego's first state.
type Recorded struct{}

// Reset implements env.Start.
func (Recorded) Reset(e env.Env) ([]float64, error) {
	m, ok := e.(*Env)
	if !ok {
		return nil, fmt.Errorf("a merge start given to %T", e)
	}
	obs, _ := m.ResetRecorded()
	return obs, nil
}

// ParseStart implements env.Task: {"lead":"recorded"} (seeded leads are
// {"seed":s}).
func (t *Task) ParseStart(line []byte) (env.Start, error) {
	var l struct {
		Lead string `json:"lead"`
	}
	if err := env.DecodeLine(line, &l); err != nil {
		return nil, err
	}
	if l.Lead != "recorded" {
		return nil, fmt.Errorf(`lead %q: want {"lead":"recorded"}, or {"seed":s} for a seeded lead`, l.Lead)
	}
	if _, ok := RecordedStride(t.cfg.Dt); !ok {
		return nil, fmt.Errorf("the recorded lead is sampled every 0.01 s: dt %v is not a multiple of it", t.cfg.Dt)
	}
	return Recorded{}, nil
}
