package viz

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// Canvas is what a painter needs; coordinates are screen pixels, y down.
type Canvas interface {
	Size() (w, h int)
	Clear(c color.RGBA)
	FillCircle(cx, cy, r float64, c color.RGBA)
	StrokeCircle(cx, cy, r, width float64, c color.RGBA)
	Line(x0, y0, x1, y1, width float64, c color.RGBA)
	FillRect(x, y, w, h float64, c color.RGBA) // c may be translucent
	FillPolygon(xy []float64, c color.RGBA)    // vertices x₀, y₀, x₁, y₁, …
	Text(x, y int, s string, c color.RGBA)     // y is the top of the line
}

// RGBACanvas paints anti-aliased shapes into an image.RGBA, in pure Go.
// Each shape is rasterized over its own bounding box only.
type RGBACanvas struct {
	Img    *image.RGBA
	r      *vector.Rasterizer
	box    image.Rectangle // the current shape's pixels
	ox, oy float64         // the current shape's origin
}

// NewRGBACanvas returns a w×h canvas.
func NewRGBACanvas(w, h int) *RGBACanvas {
	return &RGBACanvas{Img: image.NewRGBA(image.Rect(0, 0, w, h)), r: vector.NewRasterizer(w, h)}
}

// Size implements Canvas.
func (c *RGBACanvas) Size() (int, int) { b := c.Img.Bounds(); return b.Dx(), b.Dy() }

// Clear implements Canvas.
func (c *RGBACanvas) Clear(col color.RGBA) {
	draw.Draw(c.Img, c.Img.Bounds(), image.NewUniform(col), image.Point{}, draw.Src)
}

// begin starts a shape covering [x0, x1]×[y0, y1].
func (c *RGBACanvas) begin(x0, y0, x1, y1 float64) {
	c.box = image.Rect(int(math.Floor(x0))-1, int(math.Floor(y0))-1, int(math.Ceil(x1))+1, int(math.Ceil(y1))+1)
	c.ox, c.oy = float64(c.box.Min.X), float64(c.box.Min.Y)
	c.r.Reset(c.box.Dx(), c.box.Dy())
}

func (c *RGBACanvas) moveTo(x, y float64) { c.r.MoveTo(float32(x-c.ox), float32(y-c.oy)) }
func (c *RGBACanvas) lineTo(x, y float64) { c.r.LineTo(float32(x-c.ox), float32(y-c.oy)) }

// fill paints the shape's mask in col.
func (c *RGBACanvas) fill(col color.RGBA) {
	r := c.box.Intersect(c.Img.Bounds())
	if r.Empty() {
		return
	}
	c.r.Draw(c.Img, r, image.NewUniform(col), r.Min.Sub(c.box.Min))
}

// circlePath adds a circle to the rasterizer, counter-clockwise when ccw.
func (c *RGBACanvas) circlePath(cx, cy, r float64, ccw bool) {
	const n = 72
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i) / n
		if ccw {
			a = -a
		}
		x, y := cx+r*math.Cos(a), cy+r*math.Sin(a)
		if i == 0 {
			c.moveTo(x, y)
		} else {
			c.lineTo(x, y)
		}
	}
	c.r.ClosePath()
}

// FillCircle implements Canvas.
func (c *RGBACanvas) FillCircle(cx, cy, r float64, col color.RGBA) {
	c.begin(cx-r, cy-r, cx+r, cy+r)
	c.circlePath(cx, cy, r, false)
	c.fill(col)
}

// StrokeCircle implements Canvas: a ring, outer path one way, inner the other.
func (c *RGBACanvas) StrokeCircle(cx, cy, r, width float64, col color.RGBA) {
	R := r + width/2
	c.begin(cx-R, cy-R, cx+R, cy+R)
	c.circlePath(cx, cy, R, false)
	c.circlePath(cx, cy, math.Max(r-width/2, 0), true)
	c.fill(col)
}

// Line implements Canvas: a quadrilateral of the given width.
func (c *RGBACanvas) Line(x0, y0, x1, y1, width float64, col color.RGBA) {
	dx, dy := x1-x0, y1-y0
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	nx, ny := -dy/l*width/2, dx/l*width/2
	c.begin(math.Min(x0, x1)-width, math.Min(y0, y1)-width, math.Max(x0, x1)+width, math.Max(y0, y1)+width)
	c.moveTo(x0+nx, y0+ny)
	c.lineTo(x1+nx, y1+ny)
	c.lineTo(x1-nx, y1-ny)
	c.lineTo(x0-nx, y0-ny)
	c.r.ClosePath()
	c.fill(col)
}

// FillRect implements Canvas.
func (c *RGBACanvas) FillRect(x, y, w, h float64, col color.RGBA) {
	c.begin(x, y, x+w, y+h)
	c.moveTo(x, y)
	c.lineTo(x+w, y)
	c.lineTo(x+w, y+h)
	c.lineTo(x, y+h)
	c.r.ClosePath()
	c.fill(col)
}

// FillPolygon implements Canvas.
func (c *RGBACanvas) FillPolygon(xy []float64, col color.RGBA) {
	if len(xy) < 6 {
		return
	}
	x0, y0, x1, y1 := xy[0], xy[1], xy[0], xy[1]
	for i := 2; i+1 < len(xy); i += 2 {
		x0, y0 = math.Min(x0, xy[i]), math.Min(y0, xy[i+1])
		x1, y1 = math.Max(x1, xy[i]), math.Max(y1, xy[i+1])
	}
	c.begin(x0, y0, x1, y1)
	c.moveTo(xy[0], xy[1])
	for i := 2; i+1 < len(xy); i += 2 {
		c.lineTo(xy[i], xy[i+1])
	}
	c.r.ClosePath()
	c.fill(col)
}

// Text implements Canvas with the 7×13 basic font.
func (c *RGBACanvas) Text(x, y int, s string, col color.RGBA) {
	d := font.Drawer{Dst: c.Img, Src: image.NewUniform(col), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y+basicfont.Face7x13.Ascent)}
	d.DrawString(s)
}
