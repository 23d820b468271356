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
	"strings"
	"testing"

	"github.com/barriergym/barriergym/cmd/barriergym-view/internal/display"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
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

// TestScreenshotShowsTheScene, for every registered scenario's expert:
// the viewer runs a seeded episode for 40 frames; at the pixels the
// world-to-screen transform predicts for the state a headless replay of
// the same 40 steps reaches, the screenshot shows the obstacles, the goal
// and the robot in their colours. The transform comes from the replay's
// own world rectangle, so a view that follows the robot is checked too.
func TestScreenshotShowsTheScene(t *testing.T) {
	bin := buildViewer(t)
	for _, name := range env.Names() {
		t.Run(name, func(t *testing.T) { checkScreenshot(t, bin, name) })
	}
}

func checkScreenshot(t *testing.T, bin, config string) {
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
	tr := viz.Place(frame, w, h)
	at := func(p scene.Point) color.Color {
		px, py := tr.ToScreen(p.X, p.Y)
		return img.At(int(math.Round(px)), int(math.Round(py)))
	}
	inside := func(p scene.Point) bool {
		return p.X > frame.World.X0 && p.X < frame.World.X1 && p.Y > frame.World.Y0 && p.Y < frame.World.Y1
	}
	var heading *scene.Shape
	for i := range frame.Shapes {
		if frame.Shapes[i].Role == scene.Heading && frame.Shapes[i].Kind == scene.Polyline {
			heading = &frame.Shapes[i]
		}
	}
	checked := 0
	for _, sh := range frame.Shapes {
		if sh.Kind == scene.Polyline || sh.Kind == scene.Arrow {
			continue
		}
		p := centre(sh)
		switch sh.Role {
		case scene.Obstacle, scene.Goal:
		case scene.Robot:
			if sh.Kind == scene.Circle && heading != nil { // the heading line is drawn over the centre: look behind it
				tip := heading.Points[1]
				d := math.Hypot(tip.X-p.X, tip.Y-p.Y)
				p = scene.Point{X: p.X - 0.6*sh.Radius*(tip.X-p.X)/d, Y: p.Y - 0.6*sh.Radius*(tip.Y-p.Y)/d}
			}
		default:
			continue
		}
		if !inside(p) {
			continue
		}
		if got, want := at(p), viz.RoleColor(sh.Role); !near(got, want) {
			t.Errorf("%v at (%.2f, %.2f): pixel %v, want %v", sh.Role, p.X, p.Y, got, want)
		}
		checked++
	}
	if checked < 2 {
		t.Fatalf("only %d shapes checked", checked)
	}
	if got := at(scene.Point{X: frame.Focus.X, Y: frame.Focus.Y - 0.45*(frame.World.Y1-frame.World.Y0)}); near(got, viz.RobotColor) {
		t.Errorf("robot colour far below the robot: the check cannot fail")
	}
}

// centre returns a circle's centre or a polygon's vertex mean.
func centre(sh scene.Shape) scene.Point {
	if sh.Kind == scene.Circle {
		return sh.Points[0]
	}
	var c scene.Point
	for _, p := range sh.Points {
		c.X, c.Y = c.X+p.X/float64(len(sh.Points)), c.Y+p.Y/float64(len(sh.Points))
	}
	return c
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

// TestHelpAnywhere: -h prints the help once on standard output and exits 0
// with a display and without one (where the viewer cannot start Ebiten and
// prints the help kept beside the display check, which must equal the one
// the flags make); without a display and without -h, one line says so and
// the exit status is 1.
func TestHelpAnywhere(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "barriergym-view")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/barriergym/barriergym/cmd/barriergym-view").CombinedOutput(); err != nil {
		t.Fatalf("build the viewer: %v\n%s", err, out)
	}
	var noDisplay []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			noDisplay = append(noDisplay, kv)
		}
	}
	runView := func(environ []string, args ...string) (int, string, string) {
		var stdout, stderr strings.Builder
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = environ, &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, stdout.String(), stderr.String()
	}
	code, out, errs := runView(noDisplay, "-h")
	if code != 0 || out != display.HelpText || errs != "" {
		t.Errorf("-h without a display: exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	code, out, errs = runView(noDisplay, "-config", "nav")
	if code != 1 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "no display") {
		t.Errorf("without a display: exit %d, stdout %q, stderr %q; want 1 and one line saying so", code, out, errs)
	}
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no DISPLAY for the rest: run under xvfb-run -a (make test does)")
	}
	code, out, errs = runView(os.Environ(), "-h")
	if code != 0 || out != display.HelpText || errs != "" {
		t.Errorf("-h with a display: exit %d, stderr %q; stdout differs from display.HelpText (update it from the flags):\n%s",
			code, errs, out)
	}
}
