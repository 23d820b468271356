// Package display stops barriergym-view before Ebiten starts when there is
// no display to open: Ebiten's package initialisation panics without one.
//
// Its init runs before Ebiten's because Go initialises packages in import
// path order among those whose imports are ready, this path sorts before
// github.com/hajimehoshi/ebiten, and it imports only os and runtime, which
// Ebiten imports too. Keep it that way: any further import may let Ebiten's
// initialisation run first.
package display

import (
	"os"
	"runtime"
)

// Header is the viewer's help above the list of flags.
const Header = `Usage: barriergym-view -run DIR | -config NAME|FILE [-policy expert|nominal] [flags]

Shows rollouts live at real time (the simulation runs apart from the 60 FPS
frame rate). Needs a display (under X, or ` + "`xvfb-run -a`" + `); without one it
says so and exits 1.

Keys:  Space pause/run   Right one step (paused)   R reset   N next seed
       S safety layer on/off (off executes u_ref unfiltered)
       + / - speed ×2 / ÷2   H help   P screenshot PNG   Esc quit
Mouse (scenarios that allow editing): left click adds an obstacle (or
       moves the one there is), drag the goal to move it, right click
       removes an obstacle.

-screenshot FILE -frames N renders N frames of the episode, one simulation
step per frame, saves the last frame and exits (for tests and pictures).

Flags:
`

// HelpText is the viewer's whole help, printed by -h with or without a
// display. It is written out here, flags included, because init cannot
// build a flag set without importing more; a test checks that it equals
// Header followed by what the main package's flags print.
const HelpText = Header + `  -best
    	with -run: its best checkpoint instead of the latest
  -config string
    	config when no -run: an embedded name or a YAML file (default "nav-barriernet")
  -frames int
    	frames to render with -screenshot (default 60)
  -height int
    	window height (default 640)
  -policy string
    	controller when no -run: expert or nominal (default "expert")
  -run string
    	show this run directory's policy
  -safety
    	start with the safety layer on (false: as after pressing S, u_ref executed) (default true)
  -screenshot string
    	render -frames frames, save the last to this PNG file and exit
  -seed uint
    	first episode seed (default 1)
  -width int
    	window width (default 960)
`

// Missing reports why no display can be opened ("" when one may be).
func Missing() string {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		return ""
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return "no display: DISPLAY is not set. Run it in a desktop session, under `xvfb-run -a`, " +
			"or make pictures without a display with `barriergym eval -png DIR` or `-gif FILE`"
	}
	return ""
}

func init() {
	why := Missing()
	if why == "" {
		return
	}
	for _, a := range os.Args[1:] {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			os.Stdout.WriteString(HelpText)
			os.Exit(0)
		}
	}
	os.Stderr.WriteString("barriergym-view: " + why + "\n")
	os.Exit(1)
}
