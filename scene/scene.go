// Package scene describes what a picture of a scenario shows, in world
// coordinates (metres, y up): circles, polygons (a car's oriented box),
// polylines (lane edges, headings), labelled arrows. Each shape has a Role
// (obstacle, goal, robot, …) rather than a colour, so that every
// scenario's pictures share one legend, chosen by the painter (package
// viz). Scenarios fill a Scene; they know nothing of pixels.
package scene

import (
	"fmt"
	"math"
)

// Point is a world position in metres.
type Point struct{ X, Y float64 }

// Rect is a world rectangle [X0, X1]×[Y0, Y1].
type Rect struct{ X0, Y0, X1, Y1 float64 }

// Role says what a shape stands for.
type Role uint8

// Roles, in the order a painter should draw them (later on top).
const (
	Boundary     Role = iota // the edge of the arena or world
	Road                     // drivable surface
	LaneLine                 // lane markings and lane edges
	Goal                     // the goal region or goal lane
	Margin                   // the safety margin around an obstacle
	Obstacle                 // what must not be hit
	Trail                    // where the robot has been
	Reference                // arrow: the reference control u_ref
	Safe                     // arrow: the executed (safe) control u*
	Robot                    // the robot's footprint
	Heading                  // the robot's heading, wheels
	ControlPoint             // a point the CBFs constrain (nav's virtual control point)
	numRoles
)

// Roles lists every role in drawing order.
func Roles() []Role {
	r := make([]Role, numRoles)
	for i := range r {
		r[i] = Role(i)
	}
	return r
}

// String names the role for legends.
func (r Role) String() string {
	names := [...]string{"boundary", "road", "lane line", "goal", "safety margin", "obstacle", "trail",
		"reference control u_ref", "safe control u*", "robot", "heading", "control point"}
	if int(r) < len(names) {
		return names[r]
	}
	return "role?"
}

// Kind is a shape's geometry.
type Kind uint8

// Kinds of shape.
const (
	Circle   Kind = iota // Points[0] is the centre, Radius the radius
	Polygon              // Points are the vertices of a closed, filled polygon
	Polyline             // Points are joined by a line of Width pixels
	Arrow                // from Points[0] to Points[1]
)

// Shape is one thing to draw.
type Shape struct {
	Kind   Kind
	Role   Role
	Points []Point
	Radius float64 // Circle: metres
	Width  float64 // Polyline, Arrow, outlines: pixels (0: the painter's default)
	Fill   bool    // Circle: filled disc (true) or ring (false)
	Dashed bool    // Polyline
	Label  string  // drawn beside the shape
	// Key identifies an obstacle: a CBF row whose barrier keeps the robot
	// from it carries the same key (barrier.Row.Shape), so a painter can
	// mark the obstacles whose rows are active in the QP. 0: none.
	Key int
}

// Scene is one frame: the world region to show, the robot's position (for
// its trail and for views that follow it), the shapes, and notes for the
// heads-up display that only the scenario knows (speed, steering angle, …).
type Scene struct {
	World  Rect
	Focus  Point
	Shapes []Shape
	Notes  []string
}

// Add appends shapes.
func (s *Scene) Add(shapes ...Shape) { s.Shapes = append(s.Shapes, shapes...) }

// Disc returns a filled circle.
func Disc(role Role, c Point, r float64, key int) Shape {
	return Shape{Kind: Circle, Role: role, Points: []Point{c}, Radius: r, Fill: true, Key: key}
}

// Line returns a polyline through points.
func Line(role Role, dashed bool, points ...Point) Shape {
	return Shape{Kind: Polyline, Role: role, Points: points, Dashed: dashed}
}

// Box returns the filled rectangle of length × width centred at c and
// turned by heading θ (radians, counter-clockwise from +x).
func Box(role Role, c Point, length, width, heading float64, key int) Shape {
	s, co := math.Sincos(heading)
	hl, hw := length/2, width/2
	corner := func(a, b float64) Point { return Point{c.X + a*co - b*s, c.Y + a*s + b*co} }
	return Shape{Kind: Polygon, Role: role, Key: key,
		Points: []Point{corner(hl, hw), corner(-hl, hw), corner(-hl, -hw), corner(hl, -hw)}}
}

// ArrowTo returns a labelled arrow from tail to tip.
func ArrowTo(role Role, tail, tip Point, label string) Shape {
	return Shape{Kind: Arrow, Role: role, Points: []Point{tail, tip}, Label: label}
}

// Border returns the outline of r.
func Border(r Rect) Shape {
	return Line(Boundary, false, Point{r.X0, r.Y0}, Point{r.X1, r.Y0}, Point{r.X1, r.Y1}, Point{r.X0, r.Y1}, Point{r.X0, r.Y0})
}

// Bounds returns the smallest rectangle holding every shape (circles with
// their radius).
func (s *Scene) Bounds() Rect {
	b := empty()
	for i := range s.Shapes {
		b = b.Union(s.Shapes[i].Bounds())
	}
	return b
}

// Shown returns World grown to hold whole every closed shape (disc or
// polygon) that reaches into it: an obstacle and its margin at the edge of
// the arena are shown entire, not cut by the frame. Lines (roads, trails)
// do not grow it, so a view that follows the robot stays a window.
func (s *Scene) Shown() Rect {
	w := s.World
	for i := range s.Shapes {
		sh := &s.Shapes[i]
		if sh.Kind != Circle && sh.Kind != Polygon {
			continue
		}
		if b := sh.Bounds(); b.X0 <= s.World.X1 && b.X1 >= s.World.X0 && b.Y0 <= s.World.Y1 && b.Y1 >= s.World.Y0 {
			w = w.Union(b)
		}
	}
	return w
}

// Bounds returns the smallest rectangle holding the shape.
func (sh *Shape) Bounds() Rect {
	b := empty()
	r := 0.0
	if sh.Kind == Circle {
		r = sh.Radius
	}
	for _, p := range sh.Points {
		b = b.Union(Rect{p.X - r, p.Y - r, p.X + r, p.Y + r})
	}
	return b
}

// Union returns the smallest rectangle holding r and o.
func (r Rect) Union(o Rect) Rect {
	return Rect{math.Min(r.X0, o.X0), math.Min(r.Y0, o.Y0), math.Max(r.X1, o.X1), math.Max(r.Y1, o.Y1)}
}

// empty is the rectangle that holds nothing (the identity of Union).
func empty() Rect { return Rect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)} }

// TimePlot returns the shapes of a small plot of a series over time in the
// world rectangle r: axes (Boundary), a dashed line at ref (Goal) labelled
// refLabel, and the series (Safe) labelled with its last value; values are
// clamped to [0, max], span steps fill the width, and title labels the
// axes. Scenarios use it to show a figure's history beside the scene (the
// headway of a car following another).
func TimePlot(r Rect, values []float64, max float64, span int, ref float64, refLabel, title, unit string) []Shape {
	px := func(k int) float64 { return r.X0 + (r.X1-r.X0)*float64(k)/float64(span) }
	py := func(v float64) float64 { return r.Y0 + (r.Y1-r.Y0)*math.Min(math.Max(v, 0), max)/max }
	// Labels go at a line's last point: the left ends here, inside the plot.
	axes := Line(Boundary, false, Point{r.X1, r.Y0}, Point{r.X0, r.Y0}, Point{r.X0, r.Y1})
	axes.Label = title
	top := Line(Boundary, true, Point{r.X1, r.Y1}, Point{r.X0, r.Y1})
	refLine := Line(Goal, true, Point{r.X1, py(ref)}, Point{r.X0, py(ref)})
	refLine.Label = refLabel
	out := []Shape{axes, top, refLine}
	if len(values) > 1 {
		pts := make([]Point, len(values))
		for k, v := range values {
			pts[k] = Point{px(k), py(v)}
		}
		curve := Line(Safe, false, pts...)
		curve.Label = fmt.Sprintf("%.2f %s", values[len(values)-1], unit)
		out = append(out, curve)
	}
	return out
}
