// Package env holds barriergym's simulators: BarrierNet's 2-D robot
// (robot2d) and a kinematic unicycle among circular obstacles (nav), with a
// Safety-Gymnasium-style API, RK4 integration with the control held over a
// step, seeded determinism, and a vectorized form that steps many
// auto-resetting copies across cores.
//
// env knows nothing of Gorgonia: it uses the barrier package's plain-number
// side only.
package env

import (
	"fmt"
	"math"

	"github.com/barriergym/barriergym/barrier"
)

// Info describes the safety situation after a reset or a step.
type Info struct {
	Step int // steps taken in this episode
	// MinBarrier is the smallest geometric barrier over the obstacles:
	// ‖p − o‖² − (r_o + r)², negative exactly when in collision.
	MinBarrier float64
	// Barriers holds that barrier for each obstacle, in the order of
	// Obstacles(); it lives in a buffer the environment reuses.
	Barriers  []float64
	Collision bool
	// Success is task success, whatever the collisions (reported apart):
	// nav reached its goal; robot2d ended its episode within the lane
	// tolerance of its goal lane.
	Success bool
}

// Env is one simulated episode at a time. Observations returned by Reset
// and Step live in a buffer the environment reuses: copy them to keep them
// past the next call.
type Env interface {
	// Reset starts the episode drawn from seed and returns its observation.
	Reset(seed uint64) ([]float64, Info)
	// Step applies u (clipped to the action bounds) for one time step.
	Step(u []float64) (obs []float64, reward, cost float64, terminated, truncated bool, info Info)
	ObsDim() int
	ActDim() int
	// Observation returns the current observation (the reused buffer).
	Observation() []float64
	// State returns the simulator state (robot2d: x, y, θ, v; nav: x, y, θ).
	State() []float64
	// ActionBounds returns the control box lo ≤ u ≤ hi.
	ActionBounds() (lo, hi [2]float64)
	// CBFRows writes the control-barrier rows of the current state for the
	// given gains into rows (resliced) and returns them; see each scenario
	// for what the gains are.
	CBFRows(gains []float64, rows []barrier.Row) []barrier.Row
	// Obstacles returns the episode's obstacles.
	Obstacles() []barrier.Circle
	// CBFObstacle returns the index in Obstacles of CBF row j's obstacle.
	CBFObstacle(j int) int
	// Name is the scenario's name.
	Name() string
	// GoalError is how far the robot is from its task's goal: robot2d the
	// distance |y − lane| to its goal lane, nav the distance to its goal.
	GoalError() float64
}

// clip returns v limited to [lo, hi].
func clip(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// wrapAngle maps an angle to (−π, π].
func wrapAngle(a float64) float64 {
	a = math.Mod(a+math.Pi, 2*math.Pi)
	if a <= 0 {
		a += 2 * math.Pi
	}
	return a - math.Pi
}

// FieldError is an impossible configuration value: the key (as written in
// YAML) and what is wrong with it, so a config loader can point at the line.
type FieldError struct {
	Key string
	Msg string
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Msg }

// fieldErr returns a FieldError for key with a formatted message.
func fieldErr(key, format string, args ...any) error {
	return &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// checkPositive returns an error naming key when v is not a finite positive value.
func checkPositive(key string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fieldErr(key, "%v, want a finite value > 0", v)
	}
	return nil
}

// unicycleRK4 advances (x, y, θ) under speed v(t) = v0 + acc·t and turn
// rate ω held over dt with classical RK4. θ and v are linear in time, so
// the stages need only three heading evaluations.
func unicycleRK4(x, y, th, v0, acc, omega, dt float64) (float64, float64, float64) {
	h := dt / 2
	s0, c0 := math.Sincos(th)
	s1, c1 := math.Sincos(th + omega*h)
	s2, c2 := math.Sincos(th + omega*dt)
	v1, v2 := v0+acc*h, v0+acc*dt
	// k1 = f(t0), k2 = k3 = f(t0 + h) (θ, v depend on time only), k4 = f(t0 + dt).
	x += dt / 6 * (v0*c0 + 4*v1*c1 + v2*c2)
	y += dt / 6 * (v0*s0 + 4*v1*s1 + v2*s2)
	return x, y, th + omega*dt
}
