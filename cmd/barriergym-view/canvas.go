package main

import (
	"image/color"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"
	"golang.org/x/image/font/basicfont"
)

// ebitenCanvas implements viz.Canvas on an Ebiten image.
type ebitenCanvas struct{ img *ebiten.Image }

var face = text.NewGoXFace(basicfont.Face7x13)

func (c ebitenCanvas) Size() (int, int) { b := c.img.Bounds(); return b.Dx(), b.Dy() }

func (c ebitenCanvas) Clear(col color.RGBA) { c.img.Fill(col) }

func (c ebitenCanvas) FillCircle(cx, cy, r float64, col color.RGBA) {
	vector.FillCircle(c.img, float32(cx), float32(cy), float32(r), col, true)
}

func (c ebitenCanvas) StrokeCircle(cx, cy, r, w float64, col color.RGBA) {
	vector.StrokeCircle(c.img, float32(cx), float32(cy), float32(r), float32(w), col, true)
}

func (c ebitenCanvas) Line(x0, y0, x1, y1, w float64, col color.RGBA) {
	vector.StrokeLine(c.img, float32(x0), float32(y0), float32(x1), float32(y1), float32(w), col, true)
}

func (c ebitenCanvas) FillRect(x, y, w, h float64, col color.RGBA) {
	vector.FillRect(c.img, float32(x), float32(y), float32(w), float32(h), col, false)
}

func (c ebitenCanvas) FillPolygon(xy []float64, col color.RGBA) {
	if len(xy) < 6 {
		return
	}
	var p vector.Path
	p.MoveTo(float32(xy[0]), float32(xy[1]))
	for i := 2; i+1 < len(xy); i += 2 {
		p.LineTo(float32(xy[i]), float32(xy[i+1]))
	}
	p.Close()
	vector.FillPath(c.img, &p, nil, &vector.DrawPathOptions{AntiAlias: true, ColorScale: colorScale(col)})
}

func colorScale(col color.RGBA) ebiten.ColorScale {
	var cs ebiten.ColorScale
	cs.ScaleWithColor(col)
	return cs
}

func (c ebitenCanvas) Text(x, y int, s string, col color.RGBA) {
	op := &text.DrawOptions{}
	op.GeoM.Translate(float64(x), float64(y))
	op.ColorScale.ScaleWithColor(col)
	text.Draw(c.img, s, face, op)
}
