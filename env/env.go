// Package env is barriergym's scenario contract: what a scenario is
// (Scenario, registered by name, owning its config section), what it is
// once configured (Task: observation, controls, CBF layout, episode
// starts) and what one of its simulators does (Env: Safety-Gymnasium's
// reset/step, the CBF rows of the current state, the nominal controller,
// a picture of the scene). Everything above the scenarios — controllers,
// policies, evaluation, pictures, training, the commands — uses these
// interfaces only, and never names a scenario.
//
// A scenario is one package that implements Scenario and registers it in
// an init function (as database/sql drivers do); package scenarios imports
// the built-in ones. env also steps many environments across cores (Vec).
//
// env knows nothing of Gorgonia: it uses the barrier package's
// plain-number side only.
package env

import (
	"fmt"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/scene"
)

// Info describes the safety situation after a reset or a step.
type Info struct {
	Step int // steps taken in this episode
	// MinBarrier is the smallest geometric barrier (negative exactly when
	// in collision); +Inf when there is nothing to collide with.
	MinBarrier float64
	// Barriers holds the geometric barrier of each obstacle; it lives in a
	// buffer the environment reuses.
	Barriers  []float64
	Collision bool
	// Success is task success, whatever the collisions (reported apart).
	Success bool
}

// Env is one simulated episode at a time of a configured scenario.
// Observations and rows returned live in buffers the environment reuses:
// copy them to keep them past the next call. An Env is not safe for
// concurrent use: one per goroutine.
type Env interface {
	// Reset starts the episode drawn from seed and returns its observation.
	Reset(seed uint64) ([]float64, Info)
	// Step applies u (clipped to the control bounds) for one time step.
	Step(u []float64) (obs []float64, reward, cost float64, terminated, truncated bool, info Info)
	// Observation returns the current observation.
	Observation() []float64
	// State returns the simulator state (its meaning is the scenario's).
	State() []float64
	// CBFRows writes the CBF rows of the current state into dst
	// (resliced) and returns it: every barrier the scenario has, in the
	// order a policy should see them (a policy takes the first row of each
	// slot of the task's Layout).
	CBFRows(dst []barrier.Row) []barrier.Row
	// Nominal writes the nominal controller's control for the current
	// state into u (one value per control): the task's behaviour without
	// regard for safety, which the expert filters through the CBF rows.
	Nominal(u []float64)
	// GoalError is how far the robot is from its task's goal (Spec.GoalError
	// says in what sense).
	GoalError() float64
	// Draw adds the current scene to sc: the world to show, the obstacles
	// (with the keys their rows carry), the goal, the robot and its
	// heading; with ref and u (nil: none), arrows showing where the
	// reference and the executed controls take the robot.
	Draw(sc *scene.Scene, ref, u []float64)
}

// StateSetter is implemented by environments whose state can be set:
// what robustness studies need to disturb the dynamics (eval's
// -process-noise) and to build the CBF rows from a noisy measurement of
// the state (-state-noise). x has State's length and meaning; SetState
// changes nothing else of the episode (its layout, its clock).
type StateSetter interface {
	SetState(x []float64) error
}

// Editor is implemented by environments whose scene a user may edit in
// the viewer. Coordinates are world metres.
type Editor interface {
	// AddObstacle puts an obstacle at (x, y), or moves the one there is.
	AddObstacle(x, y float64)
	// RemoveObstacle removes the obstacle containing (x, y) and reports
	// whether there was one.
	RemoveObstacle(x, y float64) bool
	// NearGoal reports whether (x, y) is on the goal (to drag it).
	NearGoal(x, y float64) bool
	// MoveGoal puts the goal at (x, y).
	MoveGoal(x, y float64)
}

// MetricsReporter is implemented by environments of a task whose Spec has
// Metrics.
type MetricsReporter interface {
	// EpisodeMetrics writes the episode's values of Spec.Metrics so far,
	// in their order, into dst.
	EpisodeMetrics(dst []float64)
}

// FieldError is an impossible configuration value: the key (as written in
// YAML, relative to the section that reports it) and what is wrong with
// it, so a config loader can point at the line.
type FieldError struct {
	Key string
	Msg string
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Msg }

// Errorf returns a *FieldError for key with a formatted message.
func Errorf(key, format string, args ...any) error {
	return &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)}
}
