package viz

import (
	"image"
	"image/color"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	_ "github.com/barriergym/barriergym/scenarios"
	"github.com/barriergym/barriergym/scene"
)

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := math.Abs(float64(r>>8)-float64(want.R)) + math.Abs(float64(g>>8)-float64(want.G)) + math.Abs(float64(b>>8)-float64(want.B))
	return d < 12
}

// TestPainterPlacesShapes: each role's colour appears at the pixels the
// world-to-screen transform predicts — circles, a rotated box, a dashed
// line, the ring of an active obstacle, the robot above everything.
func TestPainterPlacesShapes(t *testing.T) {
	f := &Frame{Active: []int{1}}
	f.World = scene.Rect{X0: 0, Y0: 0, X1: 10, Y1: 10}
	f.Add(scene.Border(f.World),
		scene.Line(scene.LaneLine, true, scene.Point{X: 0, Y: 9}, scene.Point{X: 10, Y: 9}),
		scene.Disc(scene.Margin, scene.Point{X: 5, Y: 5}, 1.2, 1), scene.Disc(scene.Obstacle, scene.Point{X: 5, Y: 5}, 0.8, 1),
		scene.Disc(scene.Margin, scene.Point{X: 8, Y: 2}, 0.7, 2), scene.Disc(scene.Obstacle, scene.Point{X: 8, Y: 2}, 0.5, 2),
		scene.Box(scene.Obstacle, scene.Point{X: 2, Y: 7}, 3, 1, math.Pi/2, 3),
		scene.Disc(scene.Goal, scene.Point{X: 8, Y: 7}, 0.3, 0),
		scene.Disc(scene.Robot, scene.Point{X: 2, Y: 2}, 0.2, 0))
	const w, h = 640, 480
	img := Render(f, w, h)
	tr := Place(f, w, h)
	check := func(what string, x, y float64, want color.RGBA) {
		t.Helper()
		px, py := tr.ToScreen(x, y)
		if got := img.At(int(px), int(py)); !near(got, want) {
			t.Errorf("%s at world (%v, %v) = pixel (%d, %d): %v, want %v", what, x, y, int(px), int(py), got, want)
		}
	}
	check("obstacle", 5, 5, ObstacleColor)
	check("margin", 5+1.0, 5, MarginColor)
	check("active ring", 5, 5+1.2, ActiveColor)
	check("inactive margin", 8+0.6, 2, MarginColor)
	check("box, along its turned length", 2, 7+1.3, ObstacleColor)
	check("beside the turned box", 2+0.9, 7, Background)
	check("goal", 8, 7, GoalColor)
	check("robot", 2-0.1, 2, RobotColor)
	check("lane dash", 0.1, 9, LaneColor)
	check("free space", 6.5, 3, Background)
	if x, y := tr.ToWorld(tr.ToScreen(3.3, 4.4)); math.Abs(x-3.3) > 1e-9 || math.Abs(y-4.4) > 1e-9 {
		t.Errorf("ToWorld∘ToScreen = (%v, %v)", x, y)
	}
}

// TestGIFShowsTheRobotMoving, for every registered scenario's expert: the
// GIF decodes, has one picture per `every` frames plus the last, the robot
// is drawn in the first and the last, and it moved in the world (views
// that follow it keep it at the same pixels).
// TestLegendAndScaleBar: beside the HUD, the legend shows a swatch in the
// colour of each role drawn (and of the active ring), none of a role not
// drawn; the scale bar is a round number of metres long at the frame's
// scale. On a narrow canvas (HUD over the world) both still appear.
func TestLegendAndScaleBar(t *testing.T) {
	f := &Frame{Active: []int{1}, HUD: []string{"step 1", "gains [2.00]"}, Trail: []scene.Point{{X: 1, Y: 1}, {X: 2, Y: 2}}}
	f.World = scene.Rect{X0: 0, Y0: 0, X1: 10, Y1: 10}
	f.Add(scene.Border(f.World), scene.Disc(scene.Margin, scene.Point{X: 5, Y: 5}, 1.2, 1),
		scene.Disc(scene.Obstacle, scene.Point{X: 5, Y: 5}, 0.8, 1), scene.Disc(scene.Robot, scene.Point{X: 2, Y: 2}, 0.2, 0))
	for _, size := range [][2]int{{900, 600}, {300, 300}} {
		w, h := size[0], size[1]
		img := Render(f, w, h)
		entries := legendEntries(f)
		want := []legendEntry{{MarginColor, "safety margin"}, {ObstacleColor, "obstacle"}, {ActiveColor, "active CBF row"},
			{TrailColor, "trail"}, {RobotColor, "robot"}}
		if len(entries) != len(want) {
			t.Fatalf("legend %v, want %v", entries, want)
		}
		beside := w == 900
		lx, ly := 16, 14+15*len(f.HUD)+18
		if !beside {
			lx, ly = w-legendWidth(entries)-10, h-15*len(entries)-36
		}
		for i, e := range want {
			if entries[i] != e {
				t.Errorf("legend line %d: %v, want %v", i, entries[i], e)
			}
			if got := img.At(lx+6, ly+15*i+6); !near(got, e.col) {
				t.Errorf("%d×%d: swatch of %s at (%d, %d): %v, want %v", w, h, e.name, lx+6, ly+15*i+6, got, e.col)
			}
		}
		// The bar: dark from its left tick for metres·scale pixels, then not.
		tr := Place(f, w, h)
		base := math.Pow(10, math.Floor(math.Log10(60/tr.Scale)))
		y := h - 22 + 4
		n := 0
		for x := 16; x < w && near(img.At(x, y), TextColor); x++ {
			n++
		}
		metres := float64(n-1) / tr.Scale / base
		if math.Abs(metres-math.Round(metres)) > 0.05 || n < 55 || n > 160 {
			t.Errorf("%d×%d: scale bar %d pixels = %.3g m at %.3g px/m, want a round length of 60–150 px", w, h, n, metres*base, tr.Scale)
		}
	}
}

func TestGIFShowsTheRobotMoving(t *testing.T) {
	for _, name := range env.Names() {
		cfg, _ := configs.Default(name)
		task, _ := cfg.Task()
		c, _ := eval.NewController(cfg, "expert")
		frames, err := Rollout(task.NewEnv(), c, env.SeedStart(4), task.Spec().Dt)
		if err != nil {
			t.Fatal(err)
		}
		const every = 10
		p := filepath.Join(t.TempDir(), "ep.gif")
		if err := WriteGIF(p, [][]*Frame{frames}, every, 900, 600, 5); err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(p)
		g, err := gif.DecodeAll(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := (len(frames)-1)/every + 1
		if (len(frames)-1)%every != 0 {
			want++
		}
		if len(g.Image) != want {
			t.Errorf("%s: %d GIF pictures for %d frames, want %d", name, len(g.Image), len(frames), want)
		}
		for _, i := range []int{0, len(g.Image) - 1} {
			if c := robotCentre(g.Image[i]); c.X < 0 {
				t.Errorf("%s: no robot in picture %d", name, i)
			}
		}
		a, b := frames[0].Focus, frames[len(frames)-1].Focus
		if math.Hypot(a.X-b.X, a.Y-b.Y) < 1 {
			t.Errorf("%s: the robot at %v at the start and %v at the end: it did not move", name, a, b)
		}
		if n := len(frames[len(frames)-1].Trail); n != len(frames) {
			t.Errorf("%s: the last frame's trail has %d points for %d frames", name, n, len(frames))
		}
	}
}

type pt struct{ X, Y float64 }

func robotCentre(img image.Image) pt {
	var sx, sy, n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if near(img.At(x, y), RobotColor) {
				sx, sy, n = sx+float64(x), sy+float64(y), n+1
			}
		}
	}
	if n == 0 {
		return pt{-1000, -1000}
	}
	return pt{sx / n, sy / n}
}
