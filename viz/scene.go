// Package viz draws what a rollout looks like: a Frame is a scenario's
// scene (package scene: shapes with roles, drawn by the scenario's
// env.Env.Draw) plus what the rollout adds — the robot's trail, the
// obstacles whose CBF rows are active in the QP, the heads-up display. One
// painter (Draw) paints a Frame on any Canvas: the pure-Go RGBA canvas
// here makes PNGs and GIFs headlessly; the viewer implements Canvas with
// Ebiten.
package viz

import (
	"fmt"
	"math"

	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
)

// Frame is one picture.
type Frame struct {
	scene.Scene
	Trail  []scene.Point // where the robot has been
	Active []int         // scene keys of the obstacles whose CBF rows are active
	HUD    []string
}

// NewFrame draws e's current scene, with arrows for the reference and
// executed controls when ref is not nil.
func NewFrame(e env.Env, ref, u []float64) *Frame {
	f := &Frame{}
	e.Draw(&f.Scene, ref, u)
	return f
}

// Whole widens the frame's world to hold every shape and the trail: a
// picture of the whole episode even where the scenario's view follows the
// robot.
func (f *Frame) Whole() {
	b := f.Bounds()
	for _, p := range f.Trail {
		b.X0, b.Y0, b.X1, b.Y1 = math.Min(b.X0, p.X), math.Min(b.Y0, p.Y), math.Max(b.X1, p.X), math.Max(b.Y1, p.Y)
	}
	w := f.World
	f.World = scene.Rect{X0: math.Min(w.X0, b.X0), Y0: math.Min(w.Y0, b.Y0), X1: math.Max(w.X1, b.X1), Y1: math.Max(w.Y1, b.Y1)}
}

// focus returns where e's robot is (the scene's focus).
func focus(e env.Env) scene.Point {
	var s scene.Scene
	e.Draw(&s, nil, nil)
	return s.Focus
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
