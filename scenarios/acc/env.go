package acc

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
	"github.com/barriergym/barriergym/sim"
)

// Profile is how the lead car drives.
type Profile uint8

// Lead profiles.
const (
	Constant  Profile = iota // cruises at its initial speed
	Braking                  // cruises, then brakes to a lower speed (possibly a stop) and keeps it
	StopAndGo                // cruises, brakes to a stop, waits, accelerates back, again
)

var profileNames = map[string]Profile{"constant": Constant, "braking": Braking, "stop-and-go": StopAndGo}

// Env is one episode. The ego: ż = v₀ − v, v̇ = u − F_r(v)/m, integrated by
// RK4 with u held (its speed not below 0). The lead: piecewise-constant
// acceleration a₀ by its profile, integrated exactly. Observation
// (v, z, v₀, a₀). Reward per step −((v − desired)/desired)²·dt; cost 1
// per step with h < 0. Truncated at the horizon; success is h ≥ 0
// throughout.
type Env struct {
	cfg     Settings
	rng     *rand.Rand
	profile Profile
	x, v    float64 // ego position and speed
	x0, v0  float64 // the lead's
	a0      float64 // the lead's acceleration this step
	cruise  float64 // the lead's cruising speed
	target  float64 // braking: the speed it brakes to
	phase   int     // stop-and-go: 0 cruise, 1 brake, 2 wait, 3 accelerate
	until   float64 // when the current phase ends (s)
	brake   float64 // its deceleration (m/s², positive)
	step    int

	minH, minGap, speedSum float64
	obs                    [4]float64
	barriers               [1]float64
	row                    [3]float64
	history                []float64 // z/v at every step, for the scene
	scratch                [10]float64
}

// New returns an environment for valid settings.
func New(cfg Settings) *Env { return &Env{cfg: cfg} }

// Reset implements env.Env: the profile (a third of the seeds each), the
// speeds and a gap with h ≥ 0 from seed.
func (e *Env) Reset(seed uint64) ([]float64, env.Info) {
	c := e.cfg
	rng := rand.New(rand.NewPCG(seed, 0x6163630000000000))
	draw := func(r [2]float64) float64 { return r[0] + (r[1]-r[0])*rng.Float64() }
	s := Start{Profile: Profile(seed % 3), V: draw(c.EgoSpeed), V0: draw(c.LeadSpeed)}
	s.Z = c.Headway*s.V + (s.V0-s.V)*(s.V0-s.V)/(2*c.Cd*gravity) + c.Margin + draw(c.StartGap)
	return e.ResetTo(s, seed)
}

// ResetTo starts from s; seed draws the profile's timings.
func (e *Env) ResetTo(s Start, seed uint64) ([]float64, env.Info) {
	e.rng = rand.New(rand.NewPCG(seed, 0x6163637072000000))
	e.profile, e.x, e.v, e.x0, e.v0, e.cruise = s.Profile, 0, s.V, s.Z, s.V0, s.V0
	e.step, e.phase, e.a0 = 0, 0, 0
	e.until = 3 + 7*e.rng.Float64()
	e.brake = e.cfg.Braking[0] + (e.cfg.Braking[1]-e.cfg.Braking[0])*e.rng.Float64()
	e.target = e.cruise * 0.5 * e.rng.Float64() // braking: to at most half its speed, possibly 0
	e.minH, e.minGap, e.speedSum = math.Inf(1), math.Inf(1), 0
	e.history = e.history[:0]
	e.plan()
	info := e.info()
	e.record()
	return e.Observation(), info
}

// plan sets the lead's acceleration for the coming step from its profile.
func (e *Env) plan() {
	t := float64(e.step) * e.cfg.Dt
	switch e.profile {
	case Constant:
		e.a0 = 0
	case Braking:
		e.a0 = 0
		if t >= e.until && e.v0 > e.target {
			e.a0 = -e.brake
		}
	case StopAndGo:
		// Cruise and wait end by the clock; braking ends at a stop and
		// accelerating back at the cruise speed.
		if (e.phase == 0 || e.phase == 2) && t >= e.until {
			e.phase++
		}
		switch e.phase {
		case 0, 2:
			e.a0 = 0
		case 1:
			e.a0 = -e.brake
		case 3:
			e.a0 = 1.5
		}
		if e.phase == 1 && e.v0 <= 0 {
			e.phase, e.until = 2, t+2+3*e.rng.Float64()
		}
		if e.phase == 3 && e.v0 >= e.cruise {
			e.phase, e.until = 0, t+3+5*e.rng.Float64()
		}
	}
	// Not below 0, not above its cruise speed, within this step.
	dt := e.cfg.Dt
	if e.v0+e.a0*dt < 0 {
		e.a0 = -e.v0 / dt
	}
	if e.a0 > 0 && e.v0+e.a0*dt > e.cruise {
		e.a0 = (e.cruise - e.v0) / dt
	}
	if e.profile == Braking && e.a0 < 0 && e.v0+e.a0*dt < e.target {
		e.a0 = (e.target - e.v0) / dt
	}
}

// resistance is F_r(v)/m (m/s²).
func (e *Env) resistance(v float64) float64 {
	c := e.cfg
	return (c.F0 + c.F1*v + c.F2*v*v) / c.Mass
}

// State implements env.Env: x, v, x₀, v₀.
func (e *Env) State() []float64 { return []float64{e.x, e.v, e.x0, e.v0} }

// SetState implements env.StateSetter: x, v, x0, v0.
func (e *Env) SetState(x []float64) error {
	if len(x) != 4 {
		return fmt.Errorf("acc: state of %d values, want 4 (x, v, x0, v0)", len(x))
	}
	e.x, e.v, e.x0, e.v0 = x[0], x[1], x[2], x[3]
	return nil
}

// Observation implements env.Env.
func (e *Env) Observation() []float64 {
	e.obs = [4]float64{e.v, e.x0 - e.x, e.v0, e.a0}
	return e.obs[:]
}

// H returns the barrier h (without the margin).
func (e *Env) H() float64 { return e.cfg.h(e.x0-e.x, e.v, e.v0) }

func (e *Env) info() env.Info {
	h := e.H()
	e.barriers[0] = h
	return env.Info{Step: e.step, MinBarrier: h, Barriers: e.barriers[:], Collision: h < 0}
}

func (e *Env) record() {
	e.minH, e.minGap = math.Min(e.minH, e.H()), math.Min(e.minGap, e.x0-e.x)
	e.history = append(e.history, (e.x0-e.x)/math.Max(e.v, 0.01))
}

// Step implements env.Env.
func (e *Env) Step(u []float64) ([]float64, float64, float64, bool, bool, env.Info) {
	c := e.cfg
	a := sim.Clip(u[0], -c.Cd*gravity, c.Cd*gravity)
	dt := c.Dt
	st := []float64{e.x, e.v}
	sim.RK4(func(x, u, dx []float64) {
		dx[0] = x[1]
		dx[1] = u[0] - e.resistance(math.Max(x[1], 0))
	}, st, []float64{a}, dt, e.scratch[:])
	e.x, e.v = st[0], math.Max(st[1], 0)
	e.x0 += e.v0*dt + 0.5*e.a0*dt*dt
	e.v0 = math.Max(e.v0+e.a0*dt, 0)
	e.step++
	e.speedSum += e.v
	e.plan()
	info := e.info()
	e.record()
	cost := 0.0
	if info.Collision {
		cost = 1
	}
	d := (e.v - c.Desired) / c.Desired
	truncated := e.step >= c.Horizon
	info.Success = truncated && e.minH >= 0
	return e.Observation(), -d * d * dt, cost, false, truncated, info
}

// Row returns the barrier as a generic row. With G = T + (v − v₀)/(c_d·g),
//
//	ḣ = (v₀ − v)(1 − a₀/(c_d·g)) − G·v̇,   v̇ = u − F_r/m,
//
// so −L_g h = G and L_f h = (v₀ − v)(1 − a₀/(c_d·g)) + G·F_r/m; the value
// is h − margin.
func (e *Env) Row() barrier.Row {
	c := e.cfg
	cg := c.Cd * gravity
	g := c.Headway + (e.v-e.v0)/cg
	e.row = [3]float64{g, (e.v0-e.v)*(1-e.a0/cg) + g*e.resistance(e.v), e.H() - c.Margin}
	return barrier.Row{Slot: 0, Shape: 1, G: e.row[0:1], Lie: e.row[1:3]}
}

// CBFRows implements env.Env.
func (e *Env) CBFRows(dst []barrier.Row) []barrier.Row { return append(dst[:0], e.Row()) }

// GoalError implements env.Env.
func (e *Env) GoalError() float64 { return math.Abs(e.v - e.cfg.Desired) }

// nominalK is the nominal speed controller's gain (1/s).
const nominalK = 0.5

// Nominal implements env.Env: u = F_r/m + k(desired − v), clipped; blind
// to the lead.
func (e *Env) Nominal(u []float64) {
	c := e.cfg
	u[0] = sim.Clip(e.resistance(e.v)+nominalK*(c.Desired-e.v), -c.Cd*gravity, c.Cd*gravity)
}

// EpisodeMetrics implements env.MetricsReporter.
func (e *Env) EpisodeMetrics(dst []float64) {
	mean := e.v
	if e.step > 0 {
		mean = e.speedSum / float64(e.step)
	}
	dst[0], dst[1], dst[2] = e.minH, mean, e.minGap
}

// The view (scene.Following): the road strip that follows the ego, and the
// time headway z/v plotted under it.
const (
	viewBehind = 20.0
	plotMax    = 6.0 // time headway at the plot's top (s)
)

// Draw implements env.Env: both cars (z is the gap between the ego's front
// bumper, at x, and the lead's rear, at x₀), the distance h = 0 needs behind
// the lead as the margin, and the history.
func (e *Env) Draw(sc *scene.Scene, ref, u []float64) {
	c := e.cfg
	scene.Following{
		From: e.x - viewBehind, Focus: e.x, LeadRear: e.x0, EgoFront: e.x, Need: e.x0 - e.x - e.H(),
		Ref: ref, U: u,
		Plot: scene.Series{Values: e.history, Max: plotMax, Span: c.Horizon, Ref: c.Headway,
			RefLabel: fmt.Sprintf("T %.1f s", c.Headway),
			Title:    fmt.Sprintf("time headway z/v 0-%.0f s over %.0f s", plotMax, float64(c.Horizon)*c.Dt), Unit: "s"},
	}.Draw(sc)
	sc.Notes = append(sc.Notes, fmt.Sprintf("h %.2f m  gap %.1f m", e.H(), e.x0-e.x),
		fmt.Sprintf("v %.2f  v0 %.2f m/s  a0 %+.1f", e.v, e.v0, e.a0))
}
