package viz

import (
	"fmt"
	"image/color"
	"math"

	"github.com/barriergym/barriergym/scene"
)

// Colours of the picture, exported so that tests can find what was drawn.
var (
	Background    = color.RGBA{250, 250, 247, 255}
	ArenaColor    = color.RGBA{200, 200, 195, 255}
	RoadColor     = color.RGBA{225, 225, 220, 255}
	LaneColor     = color.RGBA{120, 120, 115, 255}
	MarginColor   = color.RGBA{245, 190, 190, 255}
	ObstacleColor = color.RGBA{200, 40, 40, 255}
	ActiveColor   = color.RGBA{255, 150, 0, 255}
	GoalColor     = color.RGBA{30, 160, 60, 255}
	TrailColor    = color.RGBA{120, 150, 230, 255}
	RobotColor    = color.RGBA{30, 70, 200, 255}
	HeadingColor  = color.RGBA{10, 20, 60, 255}
	VCPColor      = color.RGBA{250, 220, 0, 255}
	RefColor      = color.RGBA{150, 150, 150, 255}
	SafeColor     = color.RGBA{130, 0, 160, 255}
	TextColor     = color.RGBA{20, 20, 20, 255}
	PanelColor    = color.RGBA{215, 215, 215, 215} // behind text: white at 84 % opacity (alpha-premultiplied)
)

// style is how a role is painted: its colour, line width (pixels) and the
// smallest radius (pixels) a circle of it gets, so a small robot stays
// visible.
type style struct {
	col           color.RGBA
	width, minRad float64
}

var styles = map[scene.Role]style{
	scene.Boundary:     {ArenaColor, 1.5, 0},
	scene.Road:         {RoadColor, 1.5, 0},
	scene.LaneLine:     {LaneColor, 2, 0},
	scene.Goal:         {GoalColor, 2.5, 5},
	scene.Margin:       {MarginColor, 2, 0},
	scene.Obstacle:     {ObstacleColor, 2, 0},
	scene.Trail:        {TrailColor, 2, 0},
	scene.Reference:    {RefColor, 2.5, 0},
	scene.Safe:         {SafeColor, 2.5, 0},
	scene.Robot:        {RobotColor, 2, 6},
	scene.Heading:      {HeadingColor, 3, 0},
	scene.ControlPoint: {VCPColor, 2, 2},
}

// RoleColor returns the colour a role is painted in.
func RoleColor(r scene.Role) color.RGBA { return styles[r].col }

// TextPanel draws lines of text on a translucent panel at (x, y).
func TextPanel(c Canvas, x, y int, lines []string) {
	if len(lines) == 0 {
		return
	}
	c.FillRect(float64(x-6), float64(y-4), float64(panelWidth(lines)), float64(15*len(lines)+6), PanelColor)
	for i, l := range lines {
		c.Text(x, y+15*i, l, TextColor)
	}
}

// Transform maps world metres to screen pixels: uniform scale, y up in the
// world and down on the screen, the world rectangle centred.
type Transform struct {
	Scale, OffX, OffY float64
	H                 int
}

// Fit returns the transform that shows world in a w×h screen with pad
// pixels around it.
func Fit(world scene.Rect, w, h int, pad float64) Transform {
	sx := (float64(w) - 2*pad) / (world.X1 - world.X0)
	sy := (float64(h) - 2*pad) / (world.Y1 - world.Y0)
	s := math.Min(sx, sy)
	offX := (float64(w)-s*(world.X1-world.X0))/2 - s*world.X0
	offY := (float64(h)-s*(world.Y1-world.Y0))/2 - s*world.Y0
	return Transform{Scale: s, OffX: offX, OffY: offY, H: h}
}

// ToScreen maps a world point to pixels.
func (t Transform) ToScreen(x, y float64) (float64, float64) {
	return t.OffX + t.Scale*x, float64(t.H) - (t.OffY + t.Scale*y)
}

// ToWorld maps pixels to a world point.
func (t Transform) ToWorld(px, py float64) (float64, float64) {
	return (px - t.OffX) / t.Scale, (float64(t.H) - py - t.OffY) / t.Scale
}

// panelWidth is the HUD panel's width in pixels (7 per character).
func panelWidth(lines []string) int {
	w := 0
	for _, l := range lines {
		w = max(w, len([]rune(l)))
	}
	return 7*w + 12
}

// Place returns the transform Draw uses for frame f on a w×h canvas: the
// world, grown to show whole the obstacles that reach into it
// (scene.Shown), fitted beside the HUD panel when the panel takes at most a
// third of the width, so the HUD covers none of the scene; over the whole
// canvas otherwise.
func Place(f *Frame, w, h int) Transform {
	t, _ := place(f.Shown(), f.HUD, w, h)
	return t
}

// place is Place for the shown world; beside reports that the HUD has a
// column of its own.
func place(world scene.Rect, hud []string, w, h int) (t Transform, beside bool) {
	if len(hud) > 0 {
		if pw := panelWidth(hud) + 16; pw <= w/3 {
			t := Fit(world, w-pw, h, 12)
			t.OffX += float64(pw)
			return t, true
		}
	}
	return Fit(world, w, h, 12), false
}

// Draw paints the frame on c (see Place): the shapes by role (boundary and
// road first, the robot last), a ring around each obstacle whose CBF row
// is active, the trail, and the HUD.
func Draw(c Canvas, f *Frame) Transform {
	w, h := c.Size()
	shown := f.Shown()
	t, beside := place(shown, f.HUD, w, h)
	c.Clear(Background)
	for _, role := range scene.Roles() {
		if role == scene.Trail {
			activeRings(c, t, f)
			trail(c, t, shown, f.Trail)
		}
		for i := range f.Shapes {
			if f.Shapes[i].Role == role {
				shape(c, t, &f.Shapes[i])
			}
		}
	}
	TextPanel(c, 16, 14, f.HUD)
	lx, ly := 16, 14+15*len(f.HUD)+18 // under the HUD, in its column
	entries := legendEntries(f)
	if !beside { // the HUD lies over the world: the legend goes to the bottom-right corner
		lx, ly = w-legendWidth(entries)-10, h-15*len(entries)-36
	}
	legend(c, lx, ly, entries)
	scaleBar(c, t, 16, h-22)
	return t
}

// legendEntry is one line of the colour legend.
type legendEntry struct {
	col  color.RGBA
	name string
}

// legendEntries lists what the frame shows, in drawing order: every role
// present, the active-row ring when some row is active, the trail.
func legendEntries(f *Frame) []legendEntry {
	present := map[scene.Role]bool{}
	for _, sh := range f.Shapes {
		present[sh.Role] = true
	}
	present[scene.Trail] = len(f.Trail) > 1
	var out []legendEntry
	for _, r := range scene.Roles() {
		if r == scene.Trail && len(f.Active) > 0 {
			out = append(out, legendEntry{ActiveColor, "active CBF row"})
		}
		if present[r] && r != scene.Boundary {
			out = append(out, legendEntry{styles[r].col, r.String()})
		}
	}
	return out
}

func legendWidth(entries []legendEntry) int {
	w := 0
	for _, e := range entries {
		w = max(w, len([]rune(e.name)))
	}
	return 7*w + 30
}

// legend draws the colour legend with its top-left corner at (x, y).
func legend(c Canvas, x, y int, entries []legendEntry) {
	if len(entries) == 0 {
		return
	}
	c.FillRect(float64(x-6), float64(y-4), float64(legendWidth(entries)), float64(15*len(entries)+6), PanelColor)
	for i, e := range entries {
		yy := y + 15*i
		c.FillRect(float64(x), float64(yy+2), 12, 9, e.col)
		c.Text(x+18, yy, e.name, TextColor)
	}
}

// scaleBar draws a bar of a round length in metres (1, 2 or 5 × 10ᵏ, about
// 60–150 pixels at the frame's scale) with its length written beside it,
// its left end at (x, y).
func scaleBar(c Canvas, t Transform, x, y int) {
	if !(t.Scale > 0) || math.IsInf(t.Scale, 0) {
		return
	}
	base := math.Pow(10, math.Floor(math.Log10(60/t.Scale)))
	metres := 10 * base
	for _, k := range []float64{1, 2, 5} {
		if k*base*t.Scale >= 60 {
			metres = k * base
			break
		}
	}
	px := metres * t.Scale
	label := fmt.Sprintf("%g m", metres)
	c.FillRect(float64(x-6), float64(y-8), px+float64(7*len(label))+24, 22, PanelColor)
	fx, fy := float64(x), float64(y)+4
	c.Line(fx, fy, fx+px, fy, 2, TextColor)
	c.Line(fx, fy-5, fx, fy+5, 2, TextColor)
	c.Line(fx+px, fy-5, fx+px, fy+5, 2, TextColor)
	c.Text(x+int(px)+8, y-3, label, TextColor)
}

// shape paints one shape.
func shape(c Canvas, t Transform, s *scene.Shape) {
	st := styles[s.Role]
	width := st.width
	if s.Width > 0 {
		width = s.Width
	}
	pts := make([]float64, 0, 2*len(s.Points))
	for _, p := range s.Points {
		x, y := t.ToScreen(p.X, p.Y)
		pts = append(pts, x, y)
	}
	switch s.Kind {
	case scene.Circle:
		r := math.Max(s.Radius*t.Scale, st.minRad)
		if s.Fill {
			c.FillCircle(pts[0], pts[1], r, st.col)
		} else {
			c.StrokeCircle(pts[0], pts[1], r, width, st.col)
		}
	case scene.Polygon:
		c.FillPolygon(pts, st.col)
	case scene.Polyline:
		for i := 2; i+1 < len(pts); i += 2 {
			if s.Dashed {
				dashes(c, pts[i-2], pts[i-1], pts[i], pts[i+1], width, st.col)
			} else {
				c.Line(pts[i-2], pts[i-1], pts[i], pts[i+1], width, st.col)
			}
		}
	case scene.Arrow:
		arrow(c, pts[0], pts[1], pts[2], pts[3], width, st.col)
	}
	if s.Label != "" && len(pts) >= 2 {
		c.Text(int(pts[len(pts)-2])+6, int(pts[len(pts)-1])-16, s.Label, st.col) // above the point
	}
}

// activeRings marks the obstacles whose CBF rows are active: a ring on
// their margin (or on the obstacle when it has none).
func activeRings(c Canvas, t Transform, f *Frame) {
	for _, key := range f.Active {
		var ring *scene.Shape
		for i := range f.Shapes {
			s := &f.Shapes[i]
			if s.Key != key || (s.Role != scene.Margin && s.Role != scene.Obstacle) {
				continue
			}
			if ring == nil || s.Role == scene.Margin {
				ring = s
			}
		}
		if ring == nil {
			continue
		}
		if ring.Kind == scene.Circle {
			x, y := t.ToScreen(ring.Points[0].X, ring.Points[0].Y)
			c.StrokeCircle(x, y, ring.Radius*t.Scale, 3, ActiveColor)
			continue
		}
		for i := range ring.Points {
			a, b := ring.Points[i], ring.Points[(i+1)%len(ring.Points)]
			ax, ay := t.ToScreen(a.X, a.Y)
			bx, by := t.ToScreen(b.X, b.Y)
			c.Line(ax, ay, bx, by, 3, ActiveColor)
		}
	}
}

// trail paints the robot's path within the shown world (a view that
// follows the robot leaves the rest out, so it does not run under the HUD).
func trail(c Canvas, t Transform, shown scene.Rect, pts []scene.Point) {
	in := func(p scene.Point) bool {
		return p.X >= shown.X0 && p.X <= shown.X1 && p.Y >= shown.Y0 && p.Y <= shown.Y1
	}
	for i := 1; i < len(pts); i++ {
		if !in(pts[i-1]) || !in(pts[i]) {
			continue
		}
		ax, ay := t.ToScreen(pts[i-1].X, pts[i-1].Y)
		bx, by := t.ToScreen(pts[i].X, pts[i].Y)
		c.Line(ax, ay, bx, by, 2, TrailColor)
	}
}

// dashes draws a dashed line: 9 pixels drawn, 7 left out.
func dashes(c Canvas, x0, y0, x1, y1, width float64, col color.RGBA) {
	l := math.Hypot(x1-x0, y1-y0)
	if l == 0 {
		return
	}
	ux, uy := (x1-x0)/l, (y1-y0)/l
	for s := 0.0; s < l; s += 16 {
		e := math.Min(s+9, l)
		c.Line(x0+ux*s, y0+uy*s, x0+ux*e, y0+uy*e, width, col)
	}
}

// arrow draws a line with a head from (x0, y0) to (x1, y1).
func arrow(c Canvas, x0, y0, x1, y1, width float64, col color.RGBA) {
	c.Line(x0, y0, x1, y1, width, col)
	a := math.Atan2(y1-y0, x1-x0)
	for _, s := range []float64{-1, 1} {
		c.Line(x1, y1, x1-10*math.Cos(a+s*0.45), y1-10*math.Sin(a+s*0.45), width, col)
	}
}
