package merge

import (
	"fmt"

	"github.com/barriergym/barriergym/scene"
)

// The view (scene.Following): a strip of road that follows the ego,
// viewBehind metres of it behind the ego, and under it the time headway over
// the episode, φ dashed.
const (
	viewBehind = 20.0
	carLength  = scene.CarLength
	plotMax    = 4.0 // headway at the plot's top (s)
	plotSpan   = 140 // steps across the plot's width
)

// Draw implements env.Env: the cars' centres are x_ip and x_i, and the
// margin behind the lead is where the ego's front may not be (φ·v_i).
func (e *Env) Draw(sc *scene.Scene, ref, u []float64) {
	scene.Following{
		From: e.x - viewBehind, Focus: e.x,
		LeadRear: e.lead.x - carLength/2, EgoFront: e.x + carLength/2, Need: e.cfg.Headway * e.v,
		Ref: ref, U: u,
		Plot: scene.Series{Values: e.history, Max: plotMax, Span: plotSpan, Ref: e.cfg.Headway,
			RefLabel: fmt.Sprintf("phi %.1f s", e.cfg.Headway),
			Title:    fmt.Sprintf("time headway 0-%.0f s over %.0f s", plotMax, plotSpan*e.cfg.Dt), Unit: "s"},
	}.Draw(sc)
	sc.Notes = append(sc.Notes,
		fmt.Sprintf("headway %.3f s (phi %.1f)  gap %.1f m", e.Headway(), e.cfg.Headway, e.lead.x-e.x),
		fmt.Sprintf("v_i %.2f  v_ip %.2f m/s", e.v, e.lead.v))
}
