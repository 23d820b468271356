// Package control holds the controllers every scenario gets: its nominal
// controller (the scenario's own, blind to safety) and the CBF-QP safety
// filter that turns any controller into a safe one — the expert used as
// demonstrator, viewer driver, PPO shield and baseline. Both work on any
// scenario through the env contract: any number of controls, any CBF rows.
package control

import (
	"math"

	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/qplayer"
)

// Decision reports what a controller did for one step. Its slices live in
// the controller's memory until its next Act.
type Decision struct {
	Ref        []float64      // the reference (nominal) control
	U          []float64      // the control to execute
	Filtered   bool           // a safety filter ran
	Change     float64        // ‖U − Ref‖, how much the filter changed the control
	Slack      float64        // the largest elastic slack (0: every row held exactly)
	Infeasible bool           // the hard QP was infeasible and the elastic one was used
	Status     qplayer.Status // the QP's status when Filtered
	// Active lists the scene keys (barrier.Row.Shape) of the obstacles
	// whose CBF rows are active in the QP.
	Active []int
	// Gains are the class-K gains of the QP's CBF rows this step: a
	// filter's configured ones, a BarrierNet policy's (learned and fixed,
	// one per gain of the layout); nil without a safety layer.
	Gains []float64
}

// Controller chooses the control for an environment's current state. A
// Controller keeps scratch memory: use one per goroutine.
type Controller interface {
	Act(e env.Env, obs []float64) Decision
}

// Nominal is the scenario's nominal controller (env.Env.Nominal).
type Nominal struct{ u []float64 }

// NewNominal returns the nominal controller of a task with m controls.
func NewNominal(m int) *Nominal { return &Nominal{u: make([]float64, m)} }

// Act implements Controller.
func (c *Nominal) Act(e env.Env, _ []float64) Decision {
	e.Nominal(c.u)
	return Decision{Ref: c.u, U: c.u}
}

// Distance returns ‖a − b‖ (for two dimensions exactly math.Hypot).
func Distance(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Hypot(d, a[i]-b[i])
	}
	return d
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
