package viz

import (
	"image"
	"image/color"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
)

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := math.Abs(float64(r>>8)-float64(want.R)) + math.Abs(float64(g>>8)-float64(want.G)) + math.Abs(float64(b>>8)-float64(want.B))
	return d < 12
}

// TestPNGPainterPlacesThings: the obstacle, goal and robot colours appear
// at the pixels the world-to-screen transform predicts.
func TestPNGPainterPlacesThings(t *testing.T) {
	cfg, _ := configs.Load("nav")
	e, _ := cfg.NewEnv()
	n := e.(*env.Nav)
	n.ResetTo(env.NavLayout{Start: [3]float64{2, 2, 0.5}, Goal: [2]float64{8, 7},
		Obstacles: []barrier.Circle{{X: 5, Y: 5, R: 0.8}, {X: 2, Y: 8, R: 0.4}}})
	s := NewScene(e)
	const w, h = 640, 480
	img := Render(s, w, h)
	tr := Fit(s.World, w, h, 12)
	check := func(what string, x, y float64, want color.RGBA) {
		px, py := tr.ToScreen(x, y)
		if got := img.At(int(px), int(py)); !near(got, want) {
			t.Errorf("%s at world (%v, %v) = pixel (%d, %d): %v, want %v", what, x, y, int(px), int(py), got, want)
		}
	}
	check("obstacle", 5, 5, ObstacleColor)
	check("small obstacle", 2, 8, ObstacleColor)
	check("obstacle margin", 5+0.8+0.1, 5, MarginColor)
	check("goal", 8, 7, GoalColor)
	check("robot", 2-0.1, 2, RobotColor)
	check("free space", 6.5, 2, Background)
	if x, y := tr.ToWorld(tr.ToScreen(3.3, 4.4)); math.Abs(x-3.3) > 1e-9 || math.Abs(y-4.4) > 1e-9 {
		t.Errorf("ToWorld∘ToScreen = (%v, %v)", x, y)
	}
	// robot2d: the goal lane and the obstacle.
	rcfg, _ := configs.Load("robot2d")
	re, _ := rcfg.NewEnv()
	re.(*env.Robot2D).ResetTo([4]float64{5, 15, 0, 2}, 6)
	rs := NewScene(re)
	img = Render(rs, w, h)
	tr = Fit(rs.World, w, h, 12)
	check("robot2d obstacle", 40, 15, ObstacleColor)
	px, py := tr.ToScreen(20, 21)
	found := false
	for dx := 0; dx < 20; dx++ {
		found = found || near(img.At(int(px)+dx, int(py)), GoalColor)
	}
	if !found {
		t.Error("no goal-lane dash near (20, 21)")
	}
}

// TestGIFShowsTheRobotMoving: the GIF decodes, has one frame per `every`
// states plus the last, and the robot's pixels move between frames.
func TestGIFShowsTheRobotMoving(t *testing.T) {
	cfg, _ := configs.Load("nav")
	e, _ := cfg.NewEnv()
	c, _ := eval.NewController(cfg, "expert")
	frames, err := Rollout(e, c, eval.SeedStart(4), cfg.Dt())
	if err != nil {
		t.Fatal(err)
	}
	const every = 10
	p := filepath.Join(t.TempDir(), "ep.gif")
	if err := WriteGIF(p, [][]*Scene{frames}, every, 240, 160, 5); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(p)
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	want := (len(frames)-1)/every + 1
	if (len(frames)-1)%every != 0 {
		want++
	}
	if len(g.Image) != want {
		t.Errorf("%d GIF frames for %d states, want %d", len(g.Image), len(frames), want)
	}
	first, last := robotCentre(g.Image[0]), robotCentre(g.Image[len(g.Image)-1])
	if math.Hypot(first.X-last.X, first.Y-last.Y) < 20 {
		t.Errorf("robot at %v in the first frame and %v in the last: it did not move", first, last)
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
