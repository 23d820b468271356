package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// Robot2DStart is a robot2d initial condition.
type Robot2DStart struct {
	State [4]float64
	DstY  float64
}

// Reset implements Start.
func (s Robot2DStart) Reset(e env.Env) ([]float64, error) {
	r, ok := e.(*env.Robot2D)
	if !ok {
		return nil, fmt.Errorf("a robot2d start given to %s", e.Name())
	}
	obs, _ := r.ResetTo(s.State, s.DstY)
	return obs, nil
}

// NavStart is an explicit nav layout.
type NavStart struct{ Layout env.NavLayout }

// Reset implements Start.
func (s NavStart) Reset(e env.Env) ([]float64, error) {
	n, ok := e.(*env.Nav)
	if !ok {
		return nil, fmt.Errorf("a nav start given to %s", e.Name())
	}
	obs, _ := n.ResetTo(s.Layout)
	return obs, nil
}

// scenarioLine is one line of a scenarios file; which fields apply depends
// on the scenario.
// Lists are slices, not arrays, because encoding/json fills a short array
// silently; their lengths are checked here.
type scenarioLine struct {
	State     []float64   `json:"state"`
	DstY      *float64    `json:"dst_y"`
	Seed      *uint64     `json:"seed"`
	Start     []float64   `json:"start"`
	Goal      []float64   `json:"goal"`
	Obstacles [][]float64 `json:"obstacles"`
}

// numbers checks that v holds n finite numbers.
func numbers(name string, v []float64, n int) error {
	if len(v) != n {
		return fmt.Errorf("%s has %d numbers, want %d", name, len(v), n)
	}
	if !finite(v...) {
		return fmt.Errorf("%s holds NaN or Inf", name)
	}
	return nil
}

// maxReported bounds how many bad lines one error lists.
const maxReported = 20

// ParseScenarios reads initial conditions, one JSON object a line:
// robot2d {"state":[x,y,theta,v],"dst_y":d}; nav {"seed":s} or
// {"start":[x,y,theta],"goal":[x,y],"obstacles":[[x,y,r],…]}. Blank lines
// are skipped. Every bad line is reported with its number.
func ParseScenarios(r io.Reader, scenario string) ([]Start, error) {
	var starts []Start
	var bad []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		s, err := parseLine(line, scenario)
		if err != nil {
			if len(bad) < maxReported {
				bad = append(bad, fmt.Errorf("line %d: %w", n, err))
			}
			continue
		}
		starts = append(starts, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read scenarios: %w", err)
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	if len(starts) == 0 {
		return nil, errors.New("no scenarios in the file")
	}
	return starts, nil
}

func parseLine(line []byte, scenario string) (Start, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var l scenarioLine
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("malformed: %w", err)
	}
	switch scenario {
	case "robot2d":
		if l.State == nil || l.DstY == nil || l.Seed != nil || l.Start != nil || l.Goal != nil || l.Obstacles != nil {
			return nil, errors.New(`want {"state":[x,y,theta,v],"dst_y":d}`)
		}
		if err := numbers("state", l.State, 4); err != nil {
			return nil, err
		}
		if !finite(*l.DstY) {
			return nil, errors.New("dst_y is NaN or Inf")
		}
		return Robot2DStart{State: [4]float64(l.State), DstY: *l.DstY}, nil
	case "nav":
		if l.State != nil || l.DstY != nil {
			return nil, errors.New(`state and dst_y are robot2d fields; nav takes {"seed":s} or start, goal, obstacles`)
		}
		if l.Seed != nil {
			if l.Start != nil || l.Goal != nil || l.Obstacles != nil {
				return nil, errors.New("give either seed or start/goal/obstacles, not both")
			}
			return SeedStart(*l.Seed), nil
		}
		if l.Start == nil || l.Goal == nil {
			return nil, errors.New(`want {"seed":s} or {"start":[x,y,theta],"goal":[x,y],"obstacles":[[x,y,r],…]}`)
		}
		if err := numbers("start", l.Start, 3); err != nil {
			return nil, err
		}
		if err := numbers("goal", l.Goal, 2); err != nil {
			return nil, err
		}
		lay := env.NavLayout{Start: [3]float64(l.Start), Goal: [2]float64(l.Goal)}
		for i, o := range l.Obstacles {
			if numbers("obstacle", o, 3) != nil || o[2] <= 0 {
				return nil, fmt.Errorf("obstacle %d = %v: want finite x, y and a radius > 0", i, o)
			}
			lay.Obstacles = append(lay.Obstacles, barrier.Circle{X: o[0], Y: o[1], R: o[2]})
		}
		return NavStart{Layout: lay}, nil
	}
	return nil, fmt.Errorf("no scenario lines for %q", scenario)
}

func finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
