package main

import (
	"fmt"
	"image"
	"time"

	"github.com/barriergym/barriergym/viz"
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

var helpLines = []string{
	"Space  pause / run",
	"Right  one step (when paused)",
	"R      reset the episode",
	"N      next seed",
	"S      safety layer on/off",
	"+ / -  speed x2 / /2",
	"P      screenshot (PNG)",
	"H      this help",
	"Esc    quit",
	"mouse: left click adds an obstacle,",
	"drag the goal, right click removes",
}

// game is the Ebiten side: input, timing and drawing of a viz.Session.
type game struct {
	s        *viz.Session
	t        viz.Transform
	help     bool
	dragging bool
	shotFile string // -screenshot mode when set
	frames   int
	frame    int
	shotNow  string // a screenshot to take at the next Draw
	quit     bool
	message  string
	err      error
	last     time.Time
}

// Update implements ebiten.Game.
func (g *game) Update() error {
	if g.quit || g.err != nil {
		return ebiten.Termination
	}
	if g.shotFile != "" {
		if g.frame < g.frames {
			g.s.Step()
			g.frame++
		}
		if g.frame == g.frames {
			g.shotNow = g.shotFile
		}
		return nil
	}
	g.keys()
	g.mouse()
	now := time.Now()
	if !g.last.IsZero() {
		g.s.Advance(now.Sub(g.last).Seconds())
	}
	g.last = now
	return nil
}

func (g *game) keys() {
	s := g.s
	switch {
	case inpututil.IsKeyJustPressed(ebiten.KeyEscape):
		g.quit = true
	case inpututil.IsKeyJustPressed(ebiten.KeySpace):
		s.Paused = !s.Paused
	case inpututil.IsKeyJustPressed(ebiten.KeyArrowRight):
		s.Paused = true
		s.Step()
	case inpututil.IsKeyJustPressed(ebiten.KeyR):
		s.Reset()
	case inpututil.IsKeyJustPressed(ebiten.KeyN):
		s.NextSeed()
	case inpututil.IsKeyJustPressed(ebiten.KeyS):
		s.Safety = !s.Safety
	case inpututil.IsKeyJustPressed(ebiten.KeyEqual), inpututil.IsKeyJustPressed(ebiten.KeyNumpadAdd):
		s.Speed = min(s.Speed*2, 64)
	case inpututil.IsKeyJustPressed(ebiten.KeyMinus), inpututil.IsKeyJustPressed(ebiten.KeyNumpadSubtract):
		s.Speed = max(s.Speed/2, 1.0/16)
	case inpututil.IsKeyJustPressed(ebiten.KeyH):
		g.help = !g.help
	case inpututil.IsKeyJustPressed(ebiten.KeyP):
		g.shotNow = fmt.Sprintf("barriergym-%s.png", time.Now().Format("20060102-150405"))
	}
}

func (g *game) mouse() {
	mx, my := ebiten.CursorPosition()
	x, y := g.t.ToWorld(float64(mx), float64(my))
	switch {
	case inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft):
		if g.s.NearGoal(x, y) {
			g.dragging = true
		} else {
			g.s.AddObstacle(x, y)
		}
	case inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft):
		g.dragging = false
	case inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonRight):
		g.s.RemoveObstacle(x, y)
	}
	if g.dragging && ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) {
		g.s.MoveGoal(x, y)
	}
}

// Draw implements ebiten.Game.
func (g *game) Draw(screen *ebiten.Image) {
	c := ebitenCanvas{screen}
	frame := g.s.Frame()
	if g.message != "" {
		frame.HUD = append(frame.HUD, g.message)
	}
	g.t = viz.Draw(c, frame)
	if g.help {
		w, _ := c.Size()
		viz.TextPanel(c, w-290, 14, helpLines)
	}
	if g.shotNow != "" {
		path := g.shotNow
		g.shotNow = ""
		err := savePNG(path, capture(screen))
		switch {
		case g.shotFile != "":
			g.err, g.quit = err, true
		case err != nil:
			g.message = "screenshot failed: " + err.Error()
		default:
			g.message = "saved " + path
		}
	}
}

// capture reads the screen's pixels into an image.
func capture(screen *ebiten.Image) *image.RGBA {
	b := screen.Bounds()
	img := image.NewRGBA(b)
	screen.ReadPixels(img.Pix)
	return img
}

// Layout implements ebiten.Game: the scene fills the (resizable) window.
func (g *game) Layout(w, h int) (int, int) { return w, h }
