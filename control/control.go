// Package control holds hand-written controllers for barriergym's
// scenarios: a nominal controller per scenario (lane or goal tracking with
// speed regulation, blind to obstacles) and the CBF-QP safety filter that
// turns a nominal controller into the safe expert used as demonstrator,
// viewer driver and baseline.
package control

import (
	"fmt"
	"math"

	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/qplayer"
)

// Decision reports what a controller did for one step.
type Decision struct {
	Ref        [2]float64     // the reference (nominal) control
	U          [2]float64     // the control to execute
	Filtered   bool           // a safety filter ran
	Change     float64        // ‖U − Ref‖, how much the filter changed the control
	Slack      float64        // the largest elastic slack (0: every row held exactly)
	Infeasible bool           // the hard QP was infeasible and the elastic one was used
	Status     qplayer.Status // the QP's status when Filtered
	// Active lists the obstacles (indices in the environment's Obstacles)
	// whose CBF row is active in the QP; it lives in the controller's
	// scratch memory until the next Act.
	Active []int
	// Gains are the class-K gains of the QP's CBF rows this step: a
	// filter's fixed ones, a BarrierNet policy's learned ones (for nav one
	// per obstacle slot, nearest first; for robot2d p₁, p₂); nil without a
	// safety layer. They live in the controller's memory until the next Act.
	Gains []float64
}

// Controller chooses the control for an environment's current state. A
// Controller keeps scratch memory: use one per goroutine.
type Controller interface {
	Act(e env.Env, obs []float64) Decision
}

// Robot2DNominal tracks the goal lane and a cruise speed, ignoring the
// obstacle: a = k_v(v_ref − v), θ_d = atan(k_y(lane − y)) within ±θ_max,
// θ̇ = k_θ(θ_d − θ); both clipped to the action bounds.
type Robot2DNominal struct {
	VRef, KV, KY, KTheta, ThetaMax float64
}

// DefaultRobot2DNominal cruises at 5 m/s, the speed of BarrierNet's demonstrations.
func DefaultRobot2DNominal() Robot2DNominal {
	return Robot2DNominal{VRef: 5, KV: 1, KY: 0.15, KTheta: 1.5, ThetaMax: 0.5}
}

// Act implements Controller.
func (c Robot2DNominal) Act(e env.Env, _ []float64) Decision {
	r, ok := e.(*env.Robot2D)
	if !ok {
		panic(fmt.Sprintf("control: Robot2DNominal drives robot2d, not %s", e.Name()))
	}
	s := r.State()
	lo, hi := r.ActionBounds()
	thd := math.Max(-c.ThetaMax, math.Min(c.ThetaMax, math.Atan(c.KY*(r.Lane()-s[1]))))
	u := [2]float64{
		clamp(c.KTheta*(thd-s[2]), lo[0], hi[0]),
		clamp(c.KV*(c.VRef-s[3]), lo[1], hi[1]),
	}
	return Decision{Ref: u, U: u}
}

// NavNominal drives to the goal, ignoring obstacles: ω = k_ω·e for the
// heading error e, v = v_max·max(0, cos e)·min(1, d/slow) for goal
// distance d; both clipped to the action bounds.
type NavNominal struct {
	KOmega, Slow float64
}

// DefaultNavNominal returns the nominal controller of the nav expert.
func DefaultNavNominal() NavNominal { return NavNominal{KOmega: 3, Slow: 0.5} }

// Act implements Controller.
func (c NavNominal) Act(e env.Env, _ []float64) Decision {
	n, ok := e.(*env.Nav)
	if !ok {
		panic(fmt.Sprintf("control: NavNominal drives nav, not %s", e.Name()))
	}
	s, g := n.State(), n.Goal()
	dx, dy := g[0]-s[0], g[1]-s[1]
	head := wrap(math.Atan2(dy, dx) - s[2])
	lo, hi := n.ActionBounds()
	v := hi[0] * math.Max(0, math.Cos(head)) * math.Min(1, math.Hypot(dx, dy)/c.Slow)
	u := [2]float64{clamp(v, lo[0], hi[0]), clamp(c.KOmega*head, lo[1], hi[1])}
	return Decision{Ref: u, U: u}
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func wrap(a float64) float64 { return math.Remainder(a, 2*math.Pi) }
