package env

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"

	"github.com/barriergym/barriergym/barrier"
)

// Scenario is a task barriergym can simulate. Its package registers it
// (Register) under its name, which is the value of env.scenario that
// selects it and the key of its config section env.<name>.
type Scenario interface {
	Name() string
	// Summary describes the task in one line.
	Summary() string
	// Settings returns a new copy of the section's defaults: a pointer to
	// a struct whose fields carry a yaml tag (the key) and a doc tag (one
	// line: what it is, with its unit).
	Settings() Settings
	// Defaults are the scenario's values for keys of the generic sections.
	Defaults() Defaults
	// Configs holds the scenario's embedded configs, NAME.yaml at its root,
	// usable by NAME everywhere a config is asked for.
	Configs() fs.FS
	// Task returns the scenario configured by settings (a value Settings
	// returned, possibly changed), or the first impossible value as a
	// *FieldError keyed within the section.
	Task(s Settings) (Task, error)
}

// Settings is a scenario's config section.
type Settings interface {
	// Validate reports the first impossible value as a *FieldError keyed
	// within the section.
	Validate() error
}

// Defaults are a scenario's values for keys of the generic config sections.
type Defaults struct {
	Gains        []float64 // barrier.gains: the expert filter's class-K gains
	Weights      []float64 // barrier.weights: the QP's H diagonal, one per control
	EvalEpisodes int       // eval.episodes; 0 takes the generic default
}

// Task is a configured scenario.
type Task interface {
	Spec() Spec
	// NewEnv returns a fresh environment (one per goroutine).
	NewEnv() Env
	// ParseStart reads one line of an eval -scenarios file in the format
	// Spec.StartFormat gives. Lines {"seed":s} are handled before it is
	// called. Use DecodeLine to reject unknown fields.
	ParseStart(line []byte) (Start, error)
}

// Spec is what a configured scenario's environments observe and accept.
type Spec struct {
	Scenario    string         // the scenario's name
	Observation []string       // names of the observation's entries, with units
	Controls    []Control      // the control u, one entry per dimension
	Layout      barrier.Layout // the CBF rows' slots and gains
	Dt          float64        // seconds per step
	GoalError   string         // what Env.GoalError measures, e.g. "distance to the goal at the end (m)"
	StartFormat string         // the JSON line ParseStart reads
	Metrics     []Metric       // the scenario's own per-episode metrics
}

// Control is one dimension of the control.
type Control struct {
	Name   string // e.g. "θ̇"
	Unit   string // e.g. "rad/s"
	Lo, Hi float64
}

// Bounds returns the controls' lower and upper bounds.
func (s Spec) Bounds() (lo, hi []float64) {
	for _, c := range s.Controls {
		lo, hi = append(lo, c.Lo), append(hi, c.Hi)
	}
	return lo, hi
}

// Reduce says how a Metric's per-episode values combine over episodes.
type Reduce uint8

// Reductions.
const (
	Mean Reduce = iota
	Min
	Max
)

// Metric is a scenario's own per-episode figure, reported per episode
// under Name and over episodes under Summary.
type Metric struct {
	Name    string // per-episode key, e.g. "crash" (1 or 0)
	Summary string // summary key, e.g. "crash_rate"
	Reduce  Reduce
	Doc     string // one line, with the unit
}

// Start puts an environment at an episode's initial condition.
type Start interface {
	Reset(e Env) ([]float64, error)
}

// SeedStart draws the episode from a seed.
type SeedStart uint64

// Reset implements Start.
func (s SeedStart) Reset(e Env) ([]float64, error) {
	obs, _ := e.Reset(uint64(s))
	return obs, nil
}

// DemoSource is implemented by tasks with published demonstrations.
type DemoSource interface {
	// DemoSets names the demonstration sets embedded in the binary.
	DemoSets() []string
	// ReadDemos calls add for every sample of part ("train" or "valid") of
	// source — an embedded set's name or a directory holding part.csv —
	// with its observation, the CBF rows of its state and the
	// demonstrated control. Errors name the file and line.
	ReadDemos(source, part string, add func(obs []float64, rows []barrier.Row, u []float64)) error
}

// DecodeLine decodes one JSON object into v strictly: unknown fields and
// trailing data are errors.
func DecodeLine(line []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("malformed: data after the object")
	}
	return nil
}
