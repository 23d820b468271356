package merge

import (
	"fmt"

	"github.com/barriergym/barriergym/scene"
)

// The view: a strip of road viewLength metres long that follows the ego
// (viewBehind metres of it behind the ego), and under it a plot of the time
// headway over the episode, with φ dashed.
const (
	viewLength = 120.0
	viewBehind = 20.0
	carLength  = 4.5
	carWidth   = 1.8
	laneHalf   = 1.75
	plotTop    = -6.0 // the plot's top edge (world m)
	plotHeight = 24.0 // its height: headway 0 … plotMax
	plotMax    = 4.0  // headway at the plot's top (s)
	plotSpan   = 140  // steps across the plot's width
)

// Draw implements env.Env.
func (e *Env) Draw(sc *scene.Scene, ref, u []float64) {
	x0 := e.x - viewBehind
	sc.World = scene.Rect{X0: x0, Y0: plotTop - plotHeight - 2, X1: x0 + viewLength, Y1: 8}
	sc.Focus = scene.Point{X: e.x, Y: 0}
	road := []scene.Point{{X: x0, Y: laneHalf}, {X: x0 + viewLength, Y: laneHalf},
		{X: x0 + viewLength, Y: -laneHalf}, {X: x0, Y: -laneHalf}}
	sc.Add(scene.Shape{Kind: scene.Polygon, Role: scene.Road, Points: road},
		scene.Line(scene.LaneLine, false, road[0], road[1]), scene.Line(scene.LaneLine, false, road[3], road[2]))
	// The headway margin: where the ego's front may be, φ·v_i behind the
	// lead's rear.
	rear := e.lead.x - carLength/2
	sc.Add(scene.Box(scene.Margin, scene.Point{X: rear - e.cfg.Headway*e.v/2, Y: 0}, e.cfg.Headway*e.v, carWidth+0.6, 0, 1),
		scene.Box(scene.Obstacle, scene.Point{X: e.lead.x, Y: 0}, carLength, carWidth, 0, 1))
	if ref != nil {
		sc.Add(scene.ArrowTo(scene.Reference, sc.Focus, e.tip(ref[0]), "u_ref"),
			scene.ArrowTo(scene.Safe, sc.Focus, e.tip(u[0]), "u*"))
	}
	sc.Add(scene.Box(scene.Robot, sc.Focus, carLength, carWidth, 0, 0))
	e.plot(sc, x0)
	sc.Notes = append(sc.Notes,
		fmt.Sprintf("headway %.3f s (phi %.1f)  gap %.1f m", e.Headway(), e.cfg.Headway, e.lead.x-e.x),
		fmt.Sprintf("v_i %.2f  v_ip %.2f m/s", e.v, e.lead.v))
}

// plot draws the headway history under the road: time across, headway up,
// φ dashed.
func (e *Env) plot(sc *scene.Scene, x0 float64) {
	r := scene.Rect{X0: x0, Y0: plotTop - plotHeight, X1: x0 + viewLength, Y1: plotTop}
	sc.Add(scene.TimePlot(r, e.history, plotMax, plotSpan, e.cfg.Headway, fmt.Sprintf("phi %.1f s", e.cfg.Headway),
		fmt.Sprintf("time headway 0-%.0f s over %.0f s", plotMax, plotSpan*e.cfg.Dt), "s")...)
}

// arrowHorizon is how far ahead, in seconds, the control arrows look.
const arrowHorizon = 1.0

// tip returns where acceleration a takes the ego in arrowHorizon, relative
// to where it would be at constant speed: the arrow shows the control, not
// the motion (which is tens of metres a second).
func (e *Env) tip(a float64) scene.Point {
	return scene.Point{X: e.x + 4*a*arrowHorizon, Y: 0}
}
