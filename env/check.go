package env

import (
	"fmt"
	"math"

	"github.com/barriergym/barriergym/barrier"
)

// Range is the interval a setting must lie in to make physical sense:
// Lo < Value ≤ Hi (Lo ≤ Value when LoClosed), with the unit for the message.
// Positive and finite is not enough: a time step of 1e308 s validates as
// positive and yields NaN at the first step.
type Range struct {
	Key      string
	Value    float64
	Lo, Hi   float64
	LoClosed bool
	Unit     string
}

// CheckRanges returns a *FieldError for the first value outside its range,
// saying the range.
func CheckRanges(rs ...Range) error {
	for _, r := range rs {
		lo := r.Value > r.Lo || (r.LoClosed && r.Value == r.Lo)
		if lo && r.Value <= r.Hi {
			continue
		}
		op := "<"
		if r.LoClosed {
			op = "≤"
		}
		unit := ""
		if r.Unit != "" {
			unit = " " + r.Unit
		}
		return Errorf(r.Key, "%v, want %v %s %s ≤ %v%s", r.Value, r.Lo, op, r.Key, r.Hi, unit)
	}
	return nil
}

// Interval is a setting that is itself a range [low, high] (speeds a seed
// draws from, say): finite, ordered, and within [Lo, Hi].
type Interval struct {
	Key    string
	Value  [2]float64
	Lo, Hi float64
}

// CheckIntervals returns a *FieldError for the first interval that is not
// finite, not ordered or not within its bounds.
func CheckIntervals(is ...Interval) error {
	for _, r := range is {
		v := r.Value
		if !Finite(v[:]...) || v[0] > v[1] || v[0] < r.Lo || v[1] > r.Hi {
			return Errorf(r.Key, "%v, want low ≤ high within [%v, %v]", v, r.Lo, r.Hi)
		}
	}
	return nil
}

// Common ranges: a time step of at most a second, and episodes of at most
// a million steps.
const (
	MaxDt      = 1.0
	MaxHorizon = 1_000_000
)

// CheckHorizon refuses a horizon outside 1…MaxHorizon steps.
func CheckHorizon(h int) error {
	if h < 1 || h > MaxHorizon {
		return Errorf("horizon", "%d, want 1 ≤ horizon ≤ %d steps", h, MaxHorizon)
	}
	return nil
}

// CheckArenaStart refuses an initial condition in the square arena
// [0, arena]² that makes no sense: a coordinate that is not finite, the
// start or the goal outside the arena, the goal already reached at the
// start (closer than goalRadius), or the robot (a disc of robotRadius)
// starting in an obstacle, or the goal inside one.
func CheckArenaStart(arena, robotRadius, goalRadius float64, start, goal [2]float64, obstacles []barrier.Circle) error {
	for _, p := range []struct {
		name string
		xy   [2]float64
	}{{"start", start}, {"goal", goal}} {
		x, y := p.xy[0], p.xy[1]
		if math.IsNaN(x) || math.IsNaN(y) || x < 0 || y < 0 || x > arena || y > arena {
			return fmt.Errorf("%s %v lies outside the arena [0, %v]²", p.name, p.xy, arena)
		}
	}
	if d := math.Hypot(goal[0]-start[0], goal[1]-start[1]); d <= goalRadius {
		return fmt.Errorf("goal %v is %.3g m from the start, within the goal radius %v: nothing to do", goal, d, goalRadius)
	}
	for i, o := range obstacles {
		if barrier.Clearance(start[0], start[1], o, robotRadius) <= 0 {
			return fmt.Errorf("start %v: the robot (radius %v) overlaps obstacle %d %v", start, robotRadius, i, o)
		}
		if barrier.Clearance(goal[0], goal[1], o, 0) <= 0 {
			return fmt.Errorf("goal %v lies inside obstacle %d %v", goal, i, o)
		}
	}
	return nil
}

// Finite reports whether every value is a finite number (no NaN, no ±Inf).
func Finite(v ...float64) bool { return NonFinite(v...) < 0 }

// NonFinite returns the index of the first value that is NaN or ±Inf, or −1
// when there is none (for messages that name the entry).
func NonFinite(v ...float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}
