package viz

import (
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/eval"
)

func navSession(t *testing.T, seed uint64) *Session {
	cfg, _ := configs.Load("nav")
	e, _ := cfg.NewEnv()
	c, _ := eval.NewController(cfg, "expert")
	return NewSession(e, c, seed, cfg.Dt())
}

// TestSafetySwitch: with the layer on no episode collides; off, the same
// seeds run u_ref unfiltered and some collide.
func TestSafetySwitch(t *testing.T) {
	collided := func(safety bool) int {
		n := 0
		for seed := uint64(0); seed < 20; seed++ {
			s := navSession(t, seed)
			s.Safety = safety
			for !s.Done {
				s.Step()
			}
			if s.collided {
				n++
			}
		}
		return n
	}
	if on := collided(true); on != 0 {
		t.Errorf("safety on: %d collisions", on)
	}
	if off := collided(false); off == 0 {
		t.Error("safety off: no collision in 20 seeds, so the switch shows nothing")
	}
}

// TestAdvanceIsRealTime: the simulation advances by simulated time, not
// by frames, and not while paused.
func TestAdvanceIsRealTime(t *testing.T) {
	s := navSession(t, 1)
	for i := 0; i < 60; i++ {
		s.Advance(1.0 / 60)
	}
	if n := s.StepCount(); n < 19 || n > 21 {
		t.Errorf("one second at speed 1 took %d steps of 0.05 s, want 20", n)
	}
	s.Speed = 4
	s.Advance(0.5)
	if n := s.StepCount(); n < 58 || n > 61 {
		t.Errorf("half a second at speed 4 brought the count to %d, want 60", n)
	}
	s.Paused = true
	s.Advance(1)
	if s.StepCount() > 61 {
		t.Error("the simulation advanced while paused")
	}
	s.NextSeed()
	if s.Seed != 2 || s.StepCount() != 0 {
		t.Errorf("next seed: seed %d, step %d", s.Seed, s.StepCount())
	}
}

func TestEditing(t *testing.T) {
	s := navSession(t, 1)
	n := len(s.Env.Obstacles())
	s.AddObstacle(5, 5, 0.5)
	if len(s.Env.Obstacles()) != n+1 {
		t.Fatalf("%d obstacles after adding, want %d", len(s.Env.Obstacles()), n+1)
	}
	s.RemoveObstacle(5.1, 5)
	if len(s.Env.Obstacles()) != n {
		t.Fatalf("%d obstacles after removing, want %d", len(s.Env.Obstacles()), n)
	}
	s.MoveGoal(1, 9)
	if sc := s.Scene(); sc.Goal != [2]float64{1, 9} {
		t.Errorf("goal at %v after moving it to (1, 9)", sc.Goal)
	}
	if !s.NearGoal(1.1, 9) || s.NearGoal(5, 5) {
		t.Error("NearGoal does not find the goal")
	}
	for !s.Done {
		s.Step()
	}
	if s.collided {
		t.Error("the expert collided after edits")
	}
}
