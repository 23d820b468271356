// Package viewtest runs the barriergym-view binary under a display and
// checks its screenshots. It does not import Ebiten itself, so `go test
// ./...` without a display skips it instead of panicking.
package viewtest

import (
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/eval"
	_ "github.com/barriergym/barriergym/scenarios"
	"github.com/barriergym/barriergym/scene"
	"github.com/barriergym/barriergym/viz"
)

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := math.Abs(float64(r>>8)-float64(want.R)) + math.Abs(float64(g>>8)-float64(want.G)) + math.Abs(float64(b>>8)-float64(want.B))
	return d < 24
}

// config is the config the viewer runs: the unicycle among obstacles.
const config = "nav-barriernet"

func buildViewer(t *testing.T) string {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no DISPLAY: run under xvfb-run -a (make test does)")
	}
	bin := filepath.Join(t.TempDir(), "barriergym-view")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/barriergym/barriergym/cmd/barriergym-view").CombinedOutput()
	if err != nil {
		t.Fatalf("build the viewer: %v\n%s", err, out)
	}
	return bin
}

// TestScreenshotShowsTheScene runs a seeded nav episode for 40 frames and
// checks the obstacle, goal and robot colours at the pixels the
// world-to-screen transform predicts for the state a headless replay of
// the same 40 steps reaches.
func TestScreenshotShowsTheScene(t *testing.T) {
	bin := buildViewer(t)
	const w, h, frames, seed = 800, 600, 40, 3
	shot := filepath.Join(t.TempDir(), "shot.png")
	cmd := exec.Command(bin, "-config", config, "-seed", "3", "-screenshot", shot, "-frames", "40",
		"-width", "800", "-height", "600")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("viewer: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("screenshot is %v, want %d×%d", b, w, h)
	}

	cfg, _ := configs.Load(config)
	task, _ := cfg.Task()
	c, _ := eval.NewController(cfg, "expert")
	s := viz.NewSession(task.NewEnv(), c, seed, task.Spec().Dt)
	for i := 0; i < frames; i++ {
		s.Step()
	}
	frame := s.Frame()
	tr := viz.Fit(frame.World, w, h, 12)
	at := func(x, y float64) color.Color {
		px, py := tr.ToScreen(x, y)
		return img.At(int(math.Round(px)), int(math.Round(py)))
	}
	var robot, heading scene.Shape
	checked := 0
	for _, sh := range frame.Shapes {
		switch sh.Role {
		case scene.Obstacle, scene.Goal:
			want := viz.RoleColor(sh.Role)
			if got := at(sh.Points[0].X, sh.Points[0].Y); !near(got, want) {
				t.Errorf("%v at (%.2f, %.2f): pixel %v, want %v", sh.Role, sh.Points[0].X, sh.Points[0].Y, got, want)
			}
			checked++
		case scene.Robot:
			robot = sh
		case scene.Heading:
			heading = sh
		}
	}
	if checked < 3 {
		t.Fatalf("only %d obstacles and goals in the scene", checked)
	}
	// The robot's body, a little behind its centre (the heading line and
	// the control point are drawn over the centre).
	c0, tip := robot.Points[0], heading.Points[1]
	d := math.Hypot(tip.X-c0.X, tip.Y-c0.Y)
	bx, by := c0.X-0.6*robot.Radius*(tip.X-c0.X)/d, c0.Y-0.6*robot.Radius*(tip.Y-c0.Y)/d
	if got := at(bx, by); !near(got, viz.RobotColor) {
		t.Errorf("robot at (%.2f, %.2f): pixel %v, want %v", bx, by, got, viz.RobotColor)
	}
	if got := at(c0.X, c0.Y-2.5); near(got, viz.RobotColor) {
		t.Errorf("robot colour 2.5 m below the robot: the check cannot fail")
	}
}

func TestViewerRejectsBadFlags(t *testing.T) {
	bin := buildViewer(t)
	for _, args := range [][]string{
		{"-config", "nosuch"},
		{"-config", config, "-policy", "magic"},
		{"-run", t.TempDir()},
		{"-width", "10"},
	} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err == nil {
			t.Errorf("%v: exit 0\n%s", args, out)
		}
	}
}
