package viz

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"os"

	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
)

// Rollout replays one episode (deterministic for its start) and returns a
// frame per state: the start and after every step, with the trail so far,
// the control arrows, the active obstacles and the HUD.
func Rollout(e env.Env, c control.Controller, start env.Start, dt float64) ([]*Frame, error) {
	obs, err := start.Reset(e)
	if err != nil {
		return nil, err
	}
	var frames []*Frame
	var ret, cost float64
	trail := []scene.Point{focus(e)}
	minB := 0.0
	for step := 0; ; step++ {
		d := c.Act(e, obs)
		f := NewFrame(e, d.Ref, d.U)
		f.Trail = trail
		f.Active = append([]int(nil), d.Active...)
		status := "off"
		if d.Filtered {
			status = d.Status.String()
		}
		var info env.Info
		var r, k float64
		var term, trunc bool
		obs, r, k, term, trunc, info = e.Step(d.U)
		ret, cost = ret+r, cost+k
		if step == 0 || info.MinBarrier < minB {
			minB = info.MinBarrier
		}
		f.HUD = append(HUDLines(step, dt, ret, cost, minB, d.Gains, status, d.Slack, d.Change), f.Notes...)
		frames = append(frames, f)
		// The trail only grows: each frame keeps its own length of it.
		last := NewFrame(e, nil, nil)
		trail = append(trail, last.Focus)
		if term || trunc {
			last.Trail, last.HUD, last.Active = trail, f.HUD, f.Active
			return append(frames, last), nil
		}
	}
}

// Render draws a frame into a new w×h image.
func Render(s *Frame, w, h int) *image.RGBA {
	c := NewRGBACanvas(w, h)
	Draw(c, s)
	return c.Img
}

// WritePNG writes a frame as a PNG file.
func WritePNG(path string, s *Frame, w, h int) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := png.Encode(f, Render(s, w, h)); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// WriteGIF writes an animated GIF of the episodes one after the other, a
// picture every `every` frames (and each episode's last), delay in 1/100 s.
func WriteGIF(path string, episodes [][]*Frame, every, w, h, delay int) error {
	var g gif.GIF
	for _, frames := range episodes {
		for i, s := range frames {
			if i%every != 0 && i != len(frames)-1 {
				continue
			}
			img := Render(s, w, h)
			p := image.NewPaletted(img.Bounds(), scenePalette)
			draw.Draw(p, p.Bounds(), img, image.Point{}, draw.Src)
			g.Image = append(g.Image, p)
			g.Delay = append(g.Delay, delay)
		}
	}
	if len(g.Image) == 0 {
		return fmt.Errorf("write %s: no frames", path)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := gif.EncodeAll(f, &g); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// scenePalette holds the scene's colours and their blends with the
// background (anti-aliased edges), so GIF frames keep the exact colours
// and converting a frame stays cheap.
var scenePalette = func() color.Palette {
	p := color.Palette{Background, color.RGBA{0, 0, 0, 255}, color.RGBA{255, 255, 255, 255}}
	for _, c := range []color.RGBA{ArenaColor, RoadColor, LaneColor, MarginColor, ObstacleColor, ActiveColor, GoalColor,
		TrailColor, RobotColor, HeadingColor, VCPColor, RefColor, SafeColor, TextColor} {
		for _, a := range []float64{1, 0.75, 0.5, 0.25} {
			mix := func(x, y uint8) uint8 { return uint8(a*float64(x) + (1-a)*float64(y) + 0.5) }
			p = append(p, color.RGBA{mix(c.R, Background.R), mix(c.G, Background.G), mix(c.B, Background.B), 255})
		}
	}
	return p
}()
