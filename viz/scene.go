// Package viz describes what a rollout looks like — a Scene: obstacles
// with their safety margin, the goal or goal lane, the robot with its
// heading (and virtual control point), its trail, the reference and safe
// controls as arrows, the active constraints and a HUD — and draws it on
// any Canvas. The pure-Go RGBA canvas here makes PNGs and GIFs headlessly;
// the viewer implements Canvas with Ebiten.
package viz

import (
	"fmt"
	"math"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// Rect is a world-space rectangle.
type Rect struct{ X0, Y0, X1, Y1 float64 }

// Scene is one frame's content, in world coordinates (metres).
type Scene struct {
	Scenario    string
	World       Rect
	Obstacles   []barrier.Circle
	Margin      float64 // drawn around each obstacle: the robot's radius
	Active      []bool  // per obstacle: its barrier row is active in the QP
	Goal        [2]float64
	GoalRadius  float64
	HasGoal     bool
	Lane        float64 // robot2d's goal lane y
	HasLane     bool
	Robot       [3]float64 // x, y, θ
	RobotRadius float64
	VCP         [2]float64 // nav's virtual control point
	HasVCP      bool
	Lookahead   float64 // the control point's distance ahead of the robot
	Trail       [][2]float64
	Ref, Safe   [2]float64 // arrow tips: where u_ref and u* would take the robot in ArrowHorizon
	HasArrows   bool
	HUD         []string
}

// ArrowHorizon is how far ahead, in seconds, the control arrows look.
const ArrowHorizon = 1.0

// robot2dWorld frames BarrierNet's task: start x = 5, lanes y ∈ [5, 25],
// the goal region near x ≈ 64.
var robot2dWorld = Rect{0, 0, 75, 30}

// NewScene returns the static part of e's scene (world, obstacles, goal)
// and the robot where it stands now.
func NewScene(e env.Env) *Scene {
	s := &Scene{Scenario: e.Name(), Obstacles: append([]barrier.Circle(nil), e.Obstacles()...)}
	s.Active = make([]bool, len(s.Obstacles))
	switch x := e.(type) {
	case *env.Robot2D:
		s.World, s.Lane, s.HasLane, s.RobotRadius = robot2dWorld, x.Lane(), true, 1
	case *env.Nav:
		c := x.Config()
		s.World = Rect{0, 0, c.Arena, c.Arena}
		s.Goal, s.GoalRadius, s.HasGoal = x.Goal(), c.GoalRadius, true
		s.Margin, s.RobotRadius, s.HasVCP, s.Lookahead = c.RobotRadius, c.RobotRadius, true, c.Lookahead
	}
	s.SetRobot(e.State())
	return s
}

// SetRobot places the robot at state (x, y, θ, …).
func (s *Scene) SetRobot(state []float64) {
	s.Robot = [3]float64{state[0], state[1], state[2]}
	if s.HasVCP {
		l := s.Lookahead
		s.VCP = [2]float64{state[0] + l*math.Cos(state[2]), state[1] + l*math.Sin(state[2])}
	}
}

// SetArrows sets the arrows of reference and safe controls for the robot's
// state: nav (v, ω), robot2d (θ̇, a) with speed state[3].
func (s *Scene) SetArrows(state []float64, ref, safe [2]float64) {
	tip := func(u [2]float64) [2]float64 {
		x, y, th := state[0], state[1], state[2]
		var speed, turn float64
		if s.Scenario == "robot2d" {
			speed, turn = state[3]+u[1]*ArrowHorizon, u[0]
		} else {
			speed, turn = u[0], u[1]
		}
		h := th + turn*ArrowHorizon/2
		return [2]float64{x + speed*ArrowHorizon*math.Cos(h), y + speed*ArrowHorizon*math.Sin(h)}
	}
	s.Ref, s.Safe, s.HasArrows = tip(ref), tip(safe), true
}

// HUDLines formats the heads-up display.
func HUDLines(step int, dt, ret, cost, minB float64, gains []float64, status string, slack, change float64) []string {
	g := "-"
	if len(gains) > 0 {
		g = fmt.Sprintf("%.2f", gains)
	}
	return []string{
		fmt.Sprintf("step %d  t %.2f s", step, float64(step)*dt),
		fmt.Sprintf("return %.2f  cost %.0f", ret, cost),
		fmt.Sprintf("min barrier %.3f", minB),
		fmt.Sprintf("gains %s", g),
		fmt.Sprintf("QP %s  slack %.3g", status, slack),
		fmt.Sprintf("intervention |u-u_ref| %.3f", change),
	}
}
