package viz

import (
	"image/color"
	"math"
)

// Colours of the scene, exported so that tests can find what was drawn.
var (
	Background    = color.RGBA{250, 250, 247, 255}
	ArenaColor    = color.RGBA{200, 200, 195, 255}
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
	PanelColor    = color.RGBA{255, 255, 255, 215} // behind text, translucent
)

// TextPanel draws lines of text on a translucent panel at (x, y).
func TextPanel(c Canvas, x, y int, lines []string) {
	if len(lines) == 0 {
		return
	}
	w := 0
	for _, l := range lines {
		w = max(w, len([]rune(l)))
	}
	c.FillRect(float64(x-6), float64(y-4), float64(7*w+12), float64(15*len(lines)+6), PanelColor)
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
func Fit(world Rect, w, h int, pad float64) Transform {
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

// Draw paints the scene on c, fitted to c's size.
func Draw(c Canvas, s *Scene) Transform {
	w, h := c.Size()
	t := Fit(s.World, w, h, 12)
	c.Clear(Background)
	x0, y0 := t.ToScreen(s.World.X0, s.World.Y0)
	x1, y1 := t.ToScreen(s.World.X1, s.World.Y1)
	for _, e := range [][4]float64{{x0, y0, x1, y0}, {x1, y0, x1, y1}, {x1, y1, x0, y1}, {x0, y1, x0, y0}} {
		c.Line(e[0], e[1], e[2], e[3], 1.5, ArenaColor)
	}
	if s.HasLane {
		ax, ay := t.ToScreen(s.World.X0, s.Lane)
		bx, _ := t.ToScreen(s.World.X1, s.Lane)
		for x := ax; x < bx; x += 16 {
			c.Line(x, ay, math.Min(x+9, bx), ay, 2.5, GoalColor)
		}
	}
	if s.HasGoal {
		gx, gy := t.ToScreen(s.Goal[0], s.Goal[1])
		c.FillCircle(gx, gy, math.Max(s.GoalRadius*t.Scale, 5), GoalColor)
	}
	for i, o := range s.Obstacles {
		ox, oy := t.ToScreen(o.X, o.Y)
		c.FillCircle(ox, oy, (o.R+s.Margin)*t.Scale, MarginColor)
		c.FillCircle(ox, oy, o.R*t.Scale, ObstacleColor)
		if i < len(s.Active) && s.Active[i] {
			c.StrokeCircle(ox, oy, (o.R+s.Margin)*t.Scale, 3, ActiveColor)
		}
	}
	for i := 1; i < len(s.Trail); i++ {
		ax, ay := t.ToScreen(s.Trail[i-1][0], s.Trail[i-1][1])
		bx, by := t.ToScreen(s.Trail[i][0], s.Trail[i][1])
		c.Line(ax, ay, bx, by, 2, TrailColor)
	}
	rx, ry := t.ToScreen(s.Robot[0], s.Robot[1])
	if s.HasArrows {
		for _, a := range []struct {
			tip [2]float64
			col color.RGBA
		}{{s.Ref, RefColor}, {s.Safe, SafeColor}} {
			tx, ty := t.ToScreen(a.tip[0], a.tip[1])
			arrow(c, rx, ry, tx, ty, a.col)
		}
	}
	rr := math.Max(s.RobotRadius*t.Scale, 6)
	c.FillCircle(rx, ry, rr, RobotColor)
	hx, hy := rx+1.6*rr*math.Cos(s.Robot[2]), ry-1.6*rr*math.Sin(s.Robot[2])
	c.Line(rx, ry, hx, hy, 3, HeadingColor)
	if s.HasVCP {
		vx, vy := t.ToScreen(s.VCP[0], s.VCP[1])
		c.FillCircle(vx, vy, math.Max(rr/4, 2), VCPColor)
	}
	TextPanel(c, 16, 14, s.HUD)
	return t
}

// arrow draws a line with a head from (x0, y0) to (x1, y1).
func arrow(c Canvas, x0, y0, x1, y1 float64, col color.RGBA) {
	c.Line(x0, y0, x1, y1, 2.5, col)
	a := math.Atan2(y1-y0, x1-x0)
	for _, s := range []float64{-1, 1} {
		c.Line(x1, y1, x1-10*math.Cos(a+s*0.45), y1-10*math.Sin(a+s*0.45), 2.5, col)
	}
}
