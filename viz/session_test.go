package viz

import (
	"math"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/scene"
)

func session(t *testing.T, name string, seed uint64) *Session {
	t.Helper()
	cfg, err := configs.Default(name)
	if err != nil {
		t.Fatal(err)
	}
	task, _ := cfg.Task()
	c, _ := eval.NewController(cfg, "expert")
	return NewSession(task.NewEnv(), c, seed, task.Spec().Dt)
}

// TestSafetySwitch: with the layer on no episode of any registered
// scenario's expert collides; off, the same seeds run u_ref unfiltered, and
// collide in the scenarios whose nominal controller is blind to obstacles
// (at least one: the switch must show something).
func TestSafetySwitch(t *testing.T) {
	unsafe := 0
	for _, name := range env.Names() {
		collided := func(safety bool) int {
			n := 0
			for seed := uint64(0); seed < 12; seed++ {
				s := session(t, name, seed)
				s.Safety = safety
				for !s.Done {
					s.Step()
				}
				if s.Collided {
					n++
				}
			}
			return n
		}
		if on := collided(true); on != 0 {
			t.Errorf("%s, safety on: %d collisions", name, on)
		}
		off := collided(false)
		t.Logf("%s, safety off: %d of 12 episodes collide", name, off)
		if off > 0 {
			unsafe++
		}
	}
	if unsafe == 0 {
		t.Error("safety off: no collision in any scenario, so the switch shows nothing")
	}
}

// TestAdvanceIsRealTime: the simulation advances by simulated time, not
// by frames, and not while paused.
func TestAdvanceIsRealTime(t *testing.T) {
	for _, name := range env.Names() {
		s := session(t, name, 1)
		steps := func(seconds float64) int { return int(seconds/s.Dt + 0.5) }
		for i := 0; i < 60; i++ {
			s.Advance(1.0 / 60)
		}
		if n := s.StepCount(); n < steps(1)-1 || n > steps(1)+1 {
			t.Errorf("%s: one second at speed 1 took %d steps of %v s", name, n, s.Dt)
		}
		s.Paused = true
		n := s.StepCount()
		s.Advance(1)
		if s.StepCount() != n {
			t.Errorf("%s: the simulation advanced while paused", name)
		}
		s.NextSeed()
		if s.Seed != 2 || s.StepCount() != 0 {
			t.Errorf("%s: next seed: seed %d, step %d", name, s.Seed, s.StepCount())
		}
	}
}

// obstaclesAt counts the frame's obstacles whose centre (a circle's, a
// polygon's vertex mean) is within 0.1 m of (x, y).
func obstaclesAt(f *Frame, x, y float64) int {
	n := 0
	for _, s := range f.Shapes {
		if s.Role != scene.Obstacle || len(s.Points) == 0 {
			continue
		}
		var c scene.Point
		for _, p := range s.Points {
			c.X, c.Y = c.X+p.X/float64(len(s.Points)), c.Y+p.Y/float64(len(s.Points))
		}
		if math.Hypot(c.X-x, c.Y-y) < 0.1 {
			n++
		}
	}
	return n
}

// hasGoal reports whether the frame draws a goal to drag.
func hasGoal(f *Frame) bool {
	for _, s := range f.Shapes {
		if s.Role == scene.Goal && s.Kind == scene.Circle {
			return true
		}
	}
	return false
}

// TestEditing, for every scenario that allows it: an obstacle added at a
// point is drawn there; removed, it is gone; a goal, where there is one,
// moves; the expert still ends its episode without a collision.
func TestEditing(t *testing.T) {
	edited := 0
	for _, name := range env.Names() {
		s := session(t, name, 1)
		if !s.Editable() {
			continue
		}
		edited++
		f := s.Frame()
		w := f.World
		x, y := f.Focus.X+0.25*(w.X1-w.X0), f.Focus.Y // ahead of the robot: on the road where there is one
		s.AddObstacle(x, y)
		if obstaclesAt(s.Frame(), x, y) != 1 {
			t.Errorf("%s: no obstacle drawn at (%v, %v) after adding one", name, x, y)
		}
		s.RemoveObstacle(x, y)
		if gx, gy := w.X0+0.9*(w.X1-w.X0), w.Y0+0.8*(w.Y1-w.Y0); hasGoal(s.Frame()) {
			s.MoveGoal(gx, gy)
			if !s.NearGoal(gx, gy) {
				t.Errorf("%s: the goal is not at (%v, %v) after moving it there", name, gx, gy)
			}
		}
		for !s.Done {
			s.Step()
		}
		if s.Collided {
			t.Errorf("%s: the expert collided after edits", name)
		}
	}
	if edited == 0 {
		t.Error("no registered scenario allows editing: the test tests nothing")
	}
}
