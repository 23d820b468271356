// Command barriergym-view shows rollouts live in a window: a trained run's
// policy, or a scenario's expert or nominal controller. Keys pause, step,
// reset, change seed, switch the safety layer off (to see what it
// prevents), change speed and save screenshots; the mouse edits obstacles
// and the goal.
//
// It is the only binary that imports Ebiten, which needs a display.
package main

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"

	"github.com/barriergym/barriergym/cmd/barriergym-view/internal/display"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/eval"
	_ "github.com/barriergym/barriergym/scenarios" // the built-in scenarios
	"github.com/barriergym/barriergym/train"
	"github.com/barriergym/barriergym/viz"
	"github.com/hajimehoshi/ebiten/v2"
)

// defaultConfig is what the viewer shows without -run or -config: the
// unicycle among obstacles, driven by its expert.
const defaultConfig = "nav-barriernet"

type options struct {
	run, config, policy, shot string
	seed                      uint64
	frames, width, height     int
	best, safety              bool
}

// newFlags defines the viewer's flags on o.
func newFlags(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("barriergym-view", flag.ContinueOnError)
	fs.StringVar(&o.run, "run", "", "show this run directory's policy")
	fs.BoolVar(&o.best, "best", false, "with -run: its best checkpoint instead of the latest")
	fs.StringVar(&o.config, "config", defaultConfig, "config when no -run: an embedded name or a YAML file")
	fs.StringVar(&o.policy, "policy", "expert", "controller when no -run: expert or nominal")
	fs.Uint64Var(&o.seed, "seed", 1, "first episode seed")
	fs.StringVar(&o.shot, "screenshot", "", "render -frames frames, save the last to this PNG file and exit")
	fs.IntVar(&o.frames, "frames", 60, "frames to render with -screenshot")
	fs.BoolVar(&o.safety, "safety", true, "start with the safety layer on (false: as after pressing S, u_ref executed)")
	fs.IntVar(&o.width, "width", 960, "window width")
	fs.IntVar(&o.height, "height", 640, "window height")
	fs.Usage = func() { fmt.Fprint(fs.Output(), display.Header); fs.PrintDefaults() }
	return fs
}

func main() {
	var o options
	fs := newFlags(&o)
	fs.SetOutput(io.Discard) // one help, on stdout, below
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stdout)
			fs.Usage()
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "barriergym-view: %v\n\n", err)
		fs.SetOutput(os.Stderr)
		fs.Usage()
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "barriergym-view: unexpected argument %q (see -h)\n", fs.Arg(0))
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintf(os.Stderr, "barriergym-view: %v\n", err)
		os.Exit(1)
	}
}

// session builds the live rollout the options ask for.
func session(o options) (*viz.Session, string, error) {
	var cfg *configs.Config
	var ctrl control.Controller
	title := ""
	if o.run != "" {
		file := train.CheckpointFile
		if o.best {
			file = train.BestFile
		}
		c, net, err := train.LoadPolicy(o.run, file)
		if err != nil {
			return nil, "", err
		}
		ctrl, err = train.Controller(c, net)
		if err != nil {
			return nil, "", err
		}
		cfg, title = c, o.run
	} else {
		c, err := configs.Load(o.config)
		if err != nil {
			return nil, "", err
		}
		if ctrl, err = eval.NewController(c, o.policy); err != nil {
			return nil, "", err
		}
		cfg, title = c, c.Name+" / "+o.policy
	}
	task, err := cfg.Task()
	if err != nil {
		return nil, "", err
	}
	return viz.NewSession(task.NewEnv(), ctrl, o.seed, task.Spec().Dt), title, nil
}

func run(o options) error {
	if o.width < 200 || o.height < 150 {
		return fmt.Errorf("window %d×%d is too small (want at least 200×150)", o.width, o.height)
	}
	if o.shot != "" && o.frames < 1 {
		return fmt.Errorf("-frames %d, want ≥ 1", o.frames)
	}
	s, title, err := session(o)
	if err != nil {
		return err
	}
	s.Safety = o.safety
	g := &game{s: s, shotFile: o.shot, frames: o.frames}
	ebiten.SetWindowSize(o.width, o.height)
	ebiten.SetWindowTitle("barriergym — " + title)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	if err := ebiten.RunGame(g); err != nil && !errors.Is(err, ebiten.Termination) {
		return err
	}
	return g.err
}

// savePNG writes img to path.
func savePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
