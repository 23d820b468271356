package train

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"github.com/barriergym/barriergym/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// WriteCurves draws curves.png: training and validation loss (log scale)
// on top; closed-loop minimum barrier and collisions where evaluated below.
func WriteCurves(dir string, rows []Metrics) error {
	loss := plot.New()
	loss.Title.Text = "Imitation loss"
	loss.X.Label.Text = "epoch"
	loss.Y.Label.Text = "MSE"
	loss.Y.Scale = plot.LogScale{}
	loss.Y.Tick.Marker = plot.LogTicks{}
	loss.Legend.Top = true
	safety := plot.New()
	safety.Legend.Top = true
	safety.Title.Text = "Closed-loop evaluation"
	safety.X.Label.Text = "epoch"
	safety.Y.Label.Text = "min barrier / collided episodes"
	series := func(p *plot.Plot, name string, c color.Color, get func(Metrics) float64) error {
		var pts plotter.XYs
		for _, r := range rows {
			if v := get(r); plottable(v) && !(p == loss && v <= 0) {
				pts = append(pts, plotter.XY{X: float64(r.Epoch), Y: v})
			}
		}
		if len(pts) == 0 {
			return nil
		}
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		l.Color, s.Color = c, c
		p.Add(l, s)
		p.Legend.Add(name, l, s)
		return nil
	}
	blue, orange, green, red := color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255},
		color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255}
	for _, s := range []struct {
		p    *plot.Plot
		name string
		c    color.Color
		get  func(Metrics) float64
	}{
		{loss, "train", blue, func(m Metrics) float64 { return m.Loss }},
		{loss, "validation", orange, func(m Metrics) float64 { return m.ValLoss }},
		{safety, "min barrier", green, func(m Metrics) float64 { return m.MinBarrier }},
		{safety, "collided episodes", red, func(m Metrics) float64 { return m.Collisions }},
	} {
		if err := series(s.p, s.name, s.c, s.get); err != nil {
			return fmt.Errorf("curves: %w", err)
		}
	}
	img := vgimg.New(8*vg.Inch, 8*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadX: vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := plot.Align([][]*plot.Plot{{loss}, {safety}}, tiles, dc)
	loss.Draw(canvases[0][0])
	safety.Draw(canvases[1][0])
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("curves: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, CurvesFile), buf.Bytes(), 0o644)
}

// plottable reports whether v can be drawn: NaN (not measured) and ±Inf
// (e.g. the minimum barrier of a scenario without obstacles) leave a gap.
func plottable(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
