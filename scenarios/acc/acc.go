// Package acc is adaptive cruise control as in Ames, Grizzle and Tabuada
// (CDC 2014), the classic control-barrier-function example: a car of mass
// m with rolling and aerodynamic resistance F_r = f₀ + f₁v + f₂v² follows a
// lead car on one lane, wants to drive at 24 m/s, and must keep the
// barrier
//
//	h = z − T·v − ½(v₀ − v)²/(c_d·g) ≥ 0
//
// (z the gap, v₀ the lead's speed, T = 1.8 s): the headway plus the
// distance to match the lead's speed braking at c_d·g, which is also the
// control's lower bound, so the barrier stays feasible. The lead's speed
// profile (constant, braking, stop and go) is drawn from the seed.
package acc

import (
	"embed"
	"fmt"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// Name selects the scenario in configs (env.scenario).
const Name = "acc"

// gravity is g (m/s²).
const gravity = 9.81

// Scenario is acc, registered under Name.
var Scenario = env.Define(Name,
	"adaptive cruise control (Ames et al. 2014): follow a lead car at a safe distance including braking, speed objective 24 m/s (CBF, relative degree 1)",
	Defaults,
	// 120 evaluation episodes: 40 leads of each profile.
	env.Defaults{Gains: []float64{1}, Weights: []float64{1}, EvalEpisodes: 120},
	env.Sub(configFiles, "configs"),
	func(s Settings) env.Task { return &Task{cfg: s} })

func init() { env.Register(Scenario) }

//go:embed configs/*.yaml
var configFiles embed.FS

// Settings is the config section env.acc. The control is the wheel force
// per unit mass, u = F_w/m (m/s²), so v̇ = u − F_r/m.
type Settings struct {
	Dt        float64    `yaml:"dt" doc:"time step (s)"`
	Horizon   int        `yaml:"horizon" doc:"steps per episode"`
	Mass      float64    `yaml:"mass" doc:"m, the car's mass (kg)"`
	F0        float64    `yaml:"f0" doc:"rolling resistance f₀ of F_r = f₀ + f₁v + f₂v² (N)"`
	F1        float64    `yaml:"f1" doc:"f₁ (N·s/m)"`
	F2        float64    `yaml:"f2" doc:"f₂ (N·s²/m²)"`
	Headway   float64    `yaml:"headway" doc:"T, the time headway of the barrier (s)"`
	Cd        float64    `yaml:"cd" doc:"c_d: the control is bounded by ±c_d·g, and the barrier plans braking at c_d·g"`
	Desired   float64    `yaml:"desired" doc:"the speed objective (m/s)"`
	Margin    float64    `yaml:"margin" doc:"distance the CBF keeps beyond h = 0, for the gap between steps (m)"`
	EgoSpeed  [2]float64 `yaml:"ego_speed" doc:"the ego's initial speed is drawn in this range (m/s)"`
	LeadSpeed [2]float64 `yaml:"lead_speed" doc:"the lead's initial (cruising) speed range (m/s)"`
	StartGap  [2]float64 `yaml:"start_gap" doc:"the initial gap is drawn in this range, above what h ≥ 0 needs (m)"`
	Braking   [2]float64 `yaml:"braking" doc:"the lead's decelerations are drawn in this range (m/s², positive)"`
}

// Defaults returns Ames et al.'s constants: m = 1650 kg, f₀ = 0.1 N,
// f₁ = 5 N·s/m, f₂ = 0.25 N·s²/m², T = 1.8 s, c_d = 0.3, 24 m/s desired;
// leads cruising at 10–20 m/s (14 in the paper) and braking at 0.5–2 m/s²
// (below c_d·g = 2.94: the barrier plans for a lead that keeps its speed,
// and a lead braking harder than the ego can makes the QP infeasible within
// the bounds), 30 s episodes at 0.1 s.
func Defaults() Settings {
	return Settings{Dt: 0.1, Horizon: 300, Mass: 1650, F0: 0.1, F1: 5, F2: 0.25, Headway: 1.8, Cd: 0.3,
		Desired: 24, Margin: 0.5, EgoSpeed: [2]float64{16, 26}, LeadSpeed: [2]float64{10, 20},
		StartGap: [2]float64{20, 60}, Braking: [2]float64{0.5, 2}}
}

// Validate implements env.Settings.
func (c *Settings) Validate() error {
	if err := env.CheckRanges(
		env.Range{Key: "dt", Value: c.Dt, Hi: env.MaxDt, Unit: "s"},
		env.Range{Key: "mass", Value: c.Mass, Hi: 1e5, Unit: "kg"},
		env.Range{Key: "headway", Value: c.Headway, Hi: 10, Unit: "s"},
		env.Range{Key: "cd", Value: c.Cd, Hi: 2},
		env.Range{Key: "desired", Value: c.Desired, Hi: 100, Unit: "m/s"},
	); err != nil {
		return err
	}
	if err := env.CheckHorizon(c.Horizon); err != nil {
		return err
	}
	if err := env.CheckRanges(
		env.Range{Key: "f0", Value: c.F0, Hi: 1e4, LoClosed: true, Unit: "N"},
		env.Range{Key: "f1", Value: c.F1, Hi: 1e3, LoClosed: true, Unit: "N·s/m"},
		env.Range{Key: "f2", Value: c.F2, Hi: 100, LoClosed: true, Unit: "N·s²/m²"},
		env.Range{Key: "margin", Value: c.Margin, Hi: 100, LoClosed: true, Unit: "m"},
	); err != nil {
		return err
	}
	return env.CheckIntervals(
		env.Interval{Key: "ego_speed", Value: c.EgoSpeed, Hi: 100},
		env.Interval{Key: "lead_speed", Value: c.LeadSpeed, Hi: 100},
		env.Interval{Key: "start_gap", Value: c.StartGap, Hi: 1e4},
		env.Interval{Key: "braking", Value: c.Braking, Hi: 2 * gravity},
	)
}

// Task is acc configured by its settings.
type Task struct{ cfg Settings }

// Spec implements env.Task.
func (t *Task) Spec() env.Spec {
	c := t.cfg
	return env.Spec{
		Scenario:    Name,
		Observation: []string{"v (m/s)", "z (m)", "v₀ (m/s)", "a₀ (m/s²)"},
		Controls:    []env.Control{{Name: "u", Unit: "m/s² (F_w/m)", Lo: -c.Cd * gravity, Hi: c.Cd * gravity}},
		Layout: barrier.Layout{
			Slots: []barrier.Slot{{Name: "safe distance", Degree: 1, Gains: []int{0}}},
			Gains: []barrier.Gain{{Name: "γ", Learned: true}},
		},
		Dt:          c.Dt,
		GoalError:   "|v − desired| at the end (m/s)",
		StartFormat: `{"profile":"constant|braking|stop-and-go","v":v,"z":z,"v0":v0}`,
		Metrics: []env.Metric{
			{Name: "min_h", Summary: "min_h", Reduce: env.Min, Doc: "smallest h = z − T·v − ½(v₀ − v)²/(c_d·g) over the steps (m)"},
			{Name: "mean_speed", Summary: "mean_speed", Doc: "the ego's mean speed (m/s)"},
			{Name: "min_gap", Summary: "min_gap", Reduce: env.Min, Doc: "smallest gap z (m)"},
		},
	}
}

// NewEnv implements env.Task.
func (t *Task) NewEnv() env.Env { return New(t.cfg) }

// Start is an initial condition with a lead profile.
type Start struct {
	Profile  Profile
	V, Z, V0 float64
}

// Reset implements env.Start.
func (s Start) Reset(e env.Env) ([]float64, error) {
	a, ok := e.(*Env)
	if !ok {
		return nil, fmt.Errorf("an acc start given to %T", e)
	}
	obs, _ := a.ResetTo(s, 0)
	return obs, nil
}

// ParseStart implements env.Task.
func (t *Task) ParseStart(line []byte) (env.Start, error) {
	var l struct {
		Profile string   `json:"profile"`
		V       *float64 `json:"v"`
		Z       *float64 `json:"z"`
		V0      *float64 `json:"v0"`
	}
	if err := env.DecodeLine(line, &l); err != nil {
		return nil, err
	}
	p, ok := profileNames[l.Profile]
	if !ok || l.V == nil || l.Z == nil || l.V0 == nil {
		return nil, fmt.Errorf(`want {"profile":"constant|braking|stop-and-go","v":v,"z":z,"v0":v0}`)
	}
	s := Start{Profile: p, V: *l.V, Z: *l.Z, V0: *l.V0}
	switch {
	case !env.Finite(s.V, s.Z, s.V0) || s.V < 0 || s.V0 < 0 || s.V > 100 || s.V0 > 100:
		return nil, fmt.Errorf("speeds %v and %v: want finite, in [0, 100] m/s", s.V, s.V0)
	case t.cfg.h(s.Z, s.V, s.V0) < 0:
		return nil, fmt.Errorf("gap %v m at v %v, v0 %v: h = %.3g < 0 at the start (unsafe from the outset)", s.Z, s.V, s.V0, t.cfg.h(s.Z, s.V, s.V0))
	}
	return s, nil
}

// h is the barrier z − T·v − ½(v₀ − v)²/(c_d·g) (without the margin).
func (c *Settings) h(z, v, v0 float64) float64 {
	d := v0 - v
	return z - c.Headway*v - d*d/(2*c.Cd*gravity)
}
