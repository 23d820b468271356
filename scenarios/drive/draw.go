package drive

import (
	"fmt"
	"math"

	"github.com/barriergym/barriergym/scene"
	"github.com/barriergym/barriergym/sim"
)

// The view: a window of viewWidth × viewHeight metres centred viewAhead
// metres ahead of the ego, along its heading.
const (
	viewWidth  = 64.0
	viewHeight = 32.0
	viewAhead  = 14.0 // the window's centre is this far ahead of the ego
	drawStep   = 1.0  // road polylines are sampled every this many metres
)

// Draw implements env.Env: the road in world coordinates (surface, edges,
// dashed lane line), the parked car with the CBF's superellipse around it,
// the ego as an oriented box with its front wheels turned by δ, and the
// arrows of where u_ref and u* take it in one second. The window follows
// the ego; the HUD notes (ASCII: the HUD's font has no Greek) show v, δ,
// the last a and ω and the clearances.
func (e *Env) Draw(sc *scene.Scene, ref, u []float64) {
	c := &e.t.cfg
	p, psi := e.road.World(e.x[iS], e.x[iD])
	heading := psi + e.x[iMu]
	cx, cy := p.X+viewAhead*math.Cos(heading), p.Y+viewAhead*math.Sin(heading)
	sc.World = scene.Rect{X0: cx - viewWidth/2, Y0: cy - viewHeight/2, X1: cx + viewWidth/2, Y1: cy + viewHeight/2}
	sc.Focus = p
	lo, hi := math.Min(e.x[iS]-viewWidth, e.s0-10), e.x[iS]+viewWidth // the road since the start, for whole-episode pictures
	left, right, mid := e.edgeLine(lo, hi, c.LaneWidth), e.edgeLine(lo, hi, -c.LaneWidth), e.edgeLine(lo, hi, 0)
	surface := append(append([]scene.Point(nil), left...), reversed(right)...)
	sc.Add(scene.Shape{Kind: scene.Polygon, Role: scene.Road, Points: surface},
		scene.Line(scene.LaneLine, false, left...), scene.Line(scene.LaneLine, false, right...),
		scene.Line(scene.LaneLine, true, mid...))
	sc.Add(scene.Shape{Kind: scene.Polygon, Role: scene.Margin, Key: 1, Points: e.superellipsePoints()})
	carP, carPsi := e.road.World(e.car[0], e.car[1])
	sc.Add(scene.Box(scene.Obstacle, carP, c.CarLength, c.CarWidth, carPsi, 1))
	if ref != nil {
		sc.Add(scene.ArrowTo(scene.Reference, p, e.tip(ref), "u_ref"), scene.ArrowTo(scene.Safe, p, e.tip(u), "u*"))
	}
	sc.Add(scene.Box(scene.Robot, p, c.CarLength, c.CarWidth, heading, 0))
	front := c.Wheelbase - c.RearToCentre
	for _, side := range []float64{-1, 1} {
		sin, cos := math.Sincos(heading)
		w := scene.Point{X: p.X + front*cos - side*0.75*sin, Y: p.Y + front*sin + side*0.75*cos}
		sc.Add(scene.Box(scene.Heading, w, 0.7, 0.25, heading+e.x[iDelta], 0))
	}
	sc.Notes = append(sc.Notes,
		fmt.Sprintf("v %.2f m/s  delta %+.3f rad", e.x[iV], e.x[iDelta]),
		fmt.Sprintf("a %+.2f m/s2  omega %+.3f rad/s", e.lastU[0], e.lastU[1]),
		fmt.Sprintf("clearance: car %.2f  right %.2f  left %.2f m", e.barriers[0], e.barriers[1], e.barriers[2]))
}

// edgeLine samples the line at lateral offset d from s = lo to hi.
func (e *Env) edgeLine(lo, hi, d float64) []scene.Point {
	var pts []scene.Point
	for s := lo; s <= hi; s += drawStep {
		p, _ := e.road.World(s, d)
		pts = append(pts, p)
	}
	return pts
}

// superellipsePoints outlines the parked car's CBF boundary b = 0 in world
// coordinates: the set the ego's centre keeps out of.
func (e *Env) superellipsePoints() []scene.Point {
	g := e.t.geom.obstacle
	var pts []scene.Point
	for k := 0; k < 48; k++ {
		sin, cos := math.Sincos(2 * math.Pi * float64(k) / 48)
		// |cos|^½ sign(cos): the exponent-4 superellipse's parametrisation
		ds := g.a * math.Copysign(math.Sqrt(math.Abs(cos)), cos)
		dd := g.b * math.Copysign(math.Sqrt(math.Abs(sin)), sin)
		p, _ := e.road.World(e.car[0]+ds, e.car[1]+dd)
		pts = append(pts, p)
	}
	return pts
}

func reversed(p []scene.Point) []scene.Point {
	out := make([]scene.Point, len(p))
	for i := range p {
		out[len(p)-1-i] = p[i]
	}
	return out
}

// tip returns where control u takes the ego in one second (ten RK4 steps).
func (e *Env) tip(u []float64) scene.Point {
	x := e.x
	var scratch [25]float64
	for k := 0; k < 10; k++ {
		sim.RK4(e.bike.deriv, x[:], u, 0.1, scratch[:])
		x[iV] = math.Max(x[iV], 0)
	}
	p, _ := e.road.World(x[iS], x[iD])
	return p
}

// AddObstacle implements env.Editor: the parked car moves to (x, y).
func (e *Env) AddObstacle(x, y float64) {
	s, d := e.road.Project(scene.Point{X: x, Y: y})
	e.car = [2]float64{s, sim.Clip(d, -e.t.cfg.LaneWidth, e.t.cfg.LaneWidth)}
	e.info()
}

// RemoveObstacle implements env.Editor: the parked car stays.
func (e *Env) RemoveObstacle(x, y float64) bool { return false }

// NearGoal implements env.Editor: the task has no goal to drag.
func (e *Env) NearGoal(x, y float64) bool { return false }

// MoveGoal implements env.Editor.
func (e *Env) MoveGoal(x, y float64) {}
