// Package drive is the vehicle: a kinematic bicycle in the Frenet frame of
// a curved two-lane road, passing a car parked in its lane — BarrierNet's
// driving task (Xiao et al., T-RO 2023) from ground-truth state instead of
// camera images. Controls: acceleration and steering rate. CBFs of
// relative degree 2 keep the footprint off the parked car (a superellipse
// around both footprints, learned gains) and on the road (each outer
// corner of the footprint against its edge, fixed gains); rows of relative
// degree 1 keep the steering angle and the speed in their bounds.
package drive

import (
	"embed"
	"fmt"
	"math"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// Name selects the scenario in configs (env.scenario).
const Name = "drive"

// Scenario is drive, registered under Name. The expert's gains, from a scan
// over 300 episodes (README): p₁ = p₂ = 8 for the parked car (smaller ones
// make the row bind early and swerve harder), q₁ = q₂ = 3 for the road
// edges (2 binds in the lane and costs passes, 6 lets the corners come
// within 0.1 m of the edge), k = 5 for the bounds of δ and v. H =
// diag(10, 1): braking ten times as expensive per unit as steering, so the
// layer swerves where H = I would stop behind the parked car, a deadlock
// PPO's third seed never left; the expert's figures are the same either way.
var Scenario = env.Define(Name,
	"kinematic bicycle on a curved two-lane road passing a parked car (BarrierNet's driving task, from state; HOCBFs of relative degree 2)",
	Defaults,
	env.Defaults{Gains: []float64{8, 8, 3, 3, 5}, Weights: []float64{10, 1}},
	env.Sub(configFiles, "configs"),
	func(s Settings) env.Task { return newTask(s) })

func init() { env.Register(Scenario) }

//go:embed configs/*.yaml
var configFiles embed.FS

// Settings is the config section env.drive. The vehicle is BarrierNet's
// VISTA car.
type Settings struct {
	Dt             float64    `yaml:"dt" doc:"time step (s)"`
	Horizon        int        `yaml:"horizon" doc:"steps per episode"`
	LaneWidth      float64    `yaml:"lane_width" doc:"width of each of the two lanes (m)"`
	KappaMax       float64    `yaml:"kappa_max" doc:"largest road curvature |κ| (1/m)"`
	Wheelbase      float64    `yaml:"wheelbase" doc:"L, front to rear axle (m)"`
	RearToCentre   float64    `yaml:"rear_to_centre" doc:"l_r, rear axle to the car's centre, the state's reference point (m)"`
	CarLength      float64    `yaml:"car_length" doc:"length of the ego and the parked car (m)"`
	CarWidth       float64    `yaml:"car_width" doc:"width of the ego and the parked car (m)"`
	DeltaMax       float64    `yaml:"delta_max" doc:"steering angle bound |δ| (rad)"`
	OmegaMax       float64    `yaml:"omega_max" doc:"steering rate bound |ω| (rad/s)"`
	AccelMax       float64    `yaml:"accel_max" doc:"acceleration bound |a| (m/s²)"`
	VMax           float64    `yaml:"v_max" doc:"speed bound: v ∈ [0, v_max] (m/s)"`
	V0             float64    `yaml:"v0" doc:"initial speed (m/s)"`
	Cruise         float64    `yaml:"cruise" doc:"the nominal controller's speed (m/s)"`
	ObstacleAhead  [2]float64 `yaml:"obstacle_ahead" doc:"the parked car's centre is this far ahead of the ego's, drawn uniformly (m)"`
	ObstacleOffset float64    `yaml:"obstacle_offset" doc:"its lateral offset from the lane centre is drawn in ±this (m)"`
	Clearance      float64    `yaml:"clearance" doc:"what the CBFs keep between the footprint (turned up to 0.15 rad) and the parked car or the road edges (m)"`
}

// Defaults returns the default setting: two 3.5 m lanes, |κ| ≤ 1/60 m⁻¹,
// 100 steps of 0.1 s from 6 m/s, the parked car 15–25 m ahead.
func Defaults() Settings {
	return Settings{Dt: 0.1, Horizon: 100, LaneWidth: 3.5, KappaMax: 1.0 / 60, Wheelbase: 2.8, RearToCentre: 1.4,
		CarLength: 4.5, CarWidth: 1.8, DeltaMax: 0.75, OmegaMax: 1, AccelMax: 7, VMax: 15, V0: 6, Cruise: 10,
		ObstacleAhead: [2]float64{15, 25}, ObstacleOffset: 0.3, Clearance: 0.1}
}

// Validate implements env.Settings.
func (c *Settings) Validate() error {
	if err := env.CheckRanges(
		env.Range{Key: "dt", Value: c.Dt, Hi: env.MaxDt, Unit: "s"},
		env.Range{Key: "lane_width", Value: c.LaneWidth, Hi: 20, Unit: "m"},
		env.Range{Key: "wheelbase", Value: c.Wheelbase, Hi: 20, Unit: "m"},
		env.Range{Key: "rear_to_centre", Value: c.RearToCentre, Hi: 20, Unit: "m"},
		env.Range{Key: "car_length", Value: c.CarLength, Hi: 30, Unit: "m"},
		env.Range{Key: "car_width", Value: c.CarWidth, Hi: 10, Unit: "m"},
		env.Range{Key: "delta_max", Value: c.DeltaMax, Hi: 1.5, Unit: "rad"},
		env.Range{Key: "omega_max", Value: c.OmegaMax, Hi: 100, Unit: "rad/s"},
		env.Range{Key: "accel_max", Value: c.AccelMax, Hi: 100, Unit: "m/s²"},
		env.Range{Key: "v_max", Value: c.VMax, Hi: 100, Unit: "m/s"},
		env.Range{Key: "cruise", Value: c.Cruise, Hi: c.VMax, Unit: "m/s (v_max)"},
	); err != nil {
		return err
	}
	if err := env.CheckHorizon(c.Horizon); err != nil {
		return err
	}
	g := c.geometry()
	switch {
	case !(c.KappaMax >= 0 && c.KappaMax*c.LaneWidth < 0.5):
		return env.Errorf("kappa_max", "%v, want ≥ 0 and below %.3g (a tenth of the road's width as radius)", c.KappaMax, 0.5/c.LaneWidth)
	case c.RearToCentre > c.Wheelbase:
		return env.Errorf("rear_to_centre", "%v, want ≤ wheelbase %v", c.RearToCentre, c.Wheelbase)
	case c.DeltaMax >= math.Pi/2:
		return env.Errorf("delta_max", "%v, want below π/2", c.DeltaMax)
	case !(c.V0 >= 0 && c.V0 <= c.VMax):
		return env.Errorf("v0", "%v, want in [0, v_max = %v]", c.V0, c.VMax)
	case !(c.ObstacleAhead[0] > c.CarLength && c.ObstacleAhead[0] <= c.ObstacleAhead[1]):
		return env.Errorf("obstacle_ahead", "%v, want car_length < low ≤ high", c.ObstacleAhead)
	case !(c.ObstacleOffset >= 0 && c.ObstacleOffset < c.LaneWidth/2):
		return env.Errorf("obstacle_offset", "%v, want in [0, lane_width/2)", c.ObstacleOffset)
	case !(c.Clearance >= 0):
		return env.Errorf("clearance", "%v, want ≥ 0", c.Clearance)
	case c.LaneWidth/2+c.CarWidth/2 > g.edge:
		return env.Errorf("car_width", "%v: a car this wide (with the clearance) does not fit its lane", c.CarWidth)
	case -c.LaneWidth/2+c.ObstacleOffset+g.obstacle.b >= g.edge-c.CarWidth/2:
		// The parked car at its largest offset leaves no room between its
		// superellipse and the left edge.
		return env.Errorf("car_width", "%v: no room to pass the parked car within the road", c.CarWidth)
	}
	return nil
}

// headingAllowance is the heading error up to which the parked car's
// superellipse covers the turned footprint (rad); the road edges' rows are
// exact at any heading.
const headingAllowance = 0.25

// geometry holds the CBFs' shapes derived from the settings.
type geometry struct {
	obstacle superellipse // centred at the origin; moved per episode
	edge     float64      // the farthest |d| a corner of the footprint may reach
}

// geometry derives the shapes: the footprint turned by up to
// headingAllowance reaches a half-length hl and a half-width hw from its
// centre; the superellipse covers the Minkowski sum of both footprints
// plus the clearance; the footprint's corners keep the clearance from the
// road's edges.
func (c *Settings) geometry() geometry {
	sin, cos := math.Sincos(headingAllowance)
	hl := c.CarLength/2*cos + c.CarWidth/2*sin
	hw := c.CarWidth/2*cos + c.CarLength/2*sin
	cover := math.Pow(2, 0.25) // a superellipse of exponent 4 through the rectangle's corners
	return geometry{
		obstacle: superellipse{a: cover * (c.CarLength/2 + hl + c.Clearance), b: cover * (c.CarWidth/2 + hw + c.Clearance)},
		edge:     c.LaneWidth - c.Clearance,
	}
}

// Task is drive configured by its settings.
type Task struct {
	cfg  Settings
	geom geometry
}

func newTask(s Settings) *Task { return &Task{cfg: s, geom: s.geometry()} }

// Slots of the layout, in the order of CBFRows.
const (
	slotCar = iota
	slotRightFront
	slotRightRear
	slotLeftFront
	slotLeftRear
	slotDeltaMax
	slotDeltaMin
	slotVMax
	slotVMin
)

// Spec implements env.Task. The parked car's gains p₁, p₂ are learned: how
// early and how hard to swerve or brake is what a policy can improve on.
// The road edges' q₁, q₂ and the bounds' k are fixed: they are always
// there, never in the way of passing, and a policy learning them would
// only trade edge margin against reward.
func (t *Task) Spec() env.Spec {
	c := t.cfg
	return env.Spec{
		Scenario: Name,
		Observation: []string{"d, lateral offset from the centre line, left positive (m)", "μ, heading error (rad)",
			"v (m/s)", "δ (rad)", "κ here (1/m)", "κ 10 m ahead (1/m)", "κ 20 m ahead (1/m)", "κ 30 m ahead (1/m)",
			"Δs, the parked car's centre ahead of the ego's along the road (m)", "Δd, its lateral offset from the ego (m)"},
		Controls: []env.Control{{Name: "a", Unit: "m/s²", Lo: -c.AccelMax, Hi: c.AccelMax},
			{Name: "ω", Unit: "rad/s", Lo: -c.OmegaMax, Hi: c.OmegaMax}},
		Layout: barrier.Layout{
			Slots: []barrier.Slot{
				{Name: "parked car (superellipse around both footprints)", Degree: 2, Gains: []int{0, 1}},
				{Name: "right road edge, front right corner", Degree: 2, Gains: []int{2, 3}},
				{Name: "right road edge, rear right corner", Degree: 2, Gains: []int{2, 3}},
				{Name: "left road edge, front left corner", Degree: 2, Gains: []int{2, 3}},
				{Name: "left road edge, rear left corner", Degree: 2, Gains: []int{2, 3}},
				{Name: "steering angle ≤ δ_max", Degree: 1, Gains: []int{4}},
				{Name: "steering angle ≥ −δ_max", Degree: 1, Gains: []int{4}},
				{Name: "speed ≤ v_max", Degree: 1, Gains: []int{4}},
				{Name: "speed ≥ 0", Degree: 1, Gains: []int{4}},
			},
			Gains: []barrier.Gain{{Name: "p₁", Learned: true}, {Name: "p₂", Learned: true},
				{Name: "q₁ (edges)"}, {Name: "q₂ (edges)"}, {Name: "k (bounds)"}},
		},
		Dt:          c.Dt,
		GoalError:   "lateral distance from the right lane's centre at the end (m)",
		StartFormat: `{"curvature":[[amp,freq,phase],…],"obstacle":[s,d],"state":[s,d,mu,v,delta]}`,
		Metrics: []env.Metric{
			{Name: "crash", Summary: "crash_rate", Doc: "the footprints of the ego and the parked car overlapped"},
			{Name: "out_of_road", Summary: "out_of_road_rate", Doc: "the footprint left the road"},
			{Name: "max_rotation", Summary: "max_rotation_rate", Doc: "|μ| exceeded π/10 (BarrierNet's exceed max rotation)"},
			{Name: "pass", Summary: "pass_rate", Doc: "ahead of the parked car and back in the right lane at the end, without crash or leaving the road"},
			{Name: "abs_accel", Summary: "mean_abs_accel", Doc: "mean |a| executed (m/s²)"},
			{Name: "abs_steer_rate", Summary: "mean_abs_steer_rate", Doc: "mean |ω| executed (rad/s)"},
		},
	}
}

// NewEnv implements env.Task.
func (t *Task) NewEnv() env.Env { return newEnv(t) }

// Start is an explicit road, parked car and initial state.
type Start struct {
	Waves    []Wave
	Obstacle [2]float64 // s, d
	State    [5]float64 // s, d, μ, v, δ
}

// Reset implements env.Start.
func (s Start) Reset(e env.Env) ([]float64, error) {
	de, ok := e.(*Env)
	if !ok {
		return nil, fmt.Errorf("a drive start given to %T", e)
	}
	obs, _ := de.ResetTo(s)
	return obs, nil
}

// ParseStart implements env.Task: a road (curvature waves, each
// [amplitude 1/m, frequency rad/m, phase rad]; none: straight), the parked
// car's (s, d) and the initial state (s, d, μ, v, δ).
func (t *Task) ParseStart(line []byte) (env.Start, error) {
	var l struct {
		Curvature [][]float64
		Obstacle  []float64
		State     []float64
	}
	if err := env.DecodeLine(line, &l); err != nil {
		return nil, err
	}
	if len(l.Obstacle) != 2 || len(l.State) != 5 {
		return nil, fmt.Errorf("want an obstacle [s,d] and a state [s,d,mu,v,delta]")
	}
	if !env.Finite(append(l.Obstacle, l.State...)...) {
		return nil, fmt.Errorf("obstacle %v and state %v must be finite numbers", l.Obstacle, l.State)
	}
	st := Start{Obstacle: [2]float64(l.Obstacle), State: [5]float64(l.State)}
	sum := 0.0
	for i, w := range l.Curvature {
		if len(w) != 3 || !env.Finite(w...) {
			return nil, fmt.Errorf("curvature wave %d = %v: want finite [amplitude, frequency, phase]", i, w)
		}
		st.Waves = append(st.Waves, Wave{Amp: w[0], Freq: w[1], Phase: w[2]})
		sum += math.Abs(w[0])
	}
	c := t.cfg
	switch {
	case sum > c.KappaMax+1e-12:
		return nil, fmt.Errorf("curvature amplitudes sum to %v, above kappa_max %v", sum, c.KappaMax)
	case math.Abs(st.State[iD]) > c.LaneWidth || math.Abs(st.Obstacle[1]) > c.LaneWidth:
		return nil, fmt.Errorf("the ego or the parked car is off the road (|d| > %v)", c.LaneWidth)
	case st.State[iV] < 0 || st.State[iV] > c.VMax || math.Abs(st.State[iDelta]) > c.DeltaMax:
		return nil, fmt.Errorf("speed %v or steering %v outside [0, %v] and ±%v", st.State[iV], st.State[iDelta], c.VMax, c.DeltaMax)
	case math.Abs(st.State[iMu]) >= math.Pi/2:
		return nil, fmt.Errorf("heading error %v, want |μ| < π/2 (the car drives along the road)", st.State[iMu])
	}
	if _, info := t.NewEnv().(*Env).ResetTo(st); info.Collision {
		return nil, fmt.Errorf("at the start the ego overlaps the parked car or leaves the road (clearances %.3g m)", info.Barriers)
	}
	return st, nil
}
