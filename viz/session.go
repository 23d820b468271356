package viz

import (
	"math"
	"strconv"

	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
)

// Session is a live rollout for the viewer: an environment, a controller,
// the episode's seed, whether the safety layer acts, speed and pause, and
// the running statistics the HUD shows. It holds no graphics, so it is
// tested headlessly.
type Session struct {
	Env    env.Env
	Ctrl   control.Controller
	Seed   uint64
	Dt     float64
	Safety bool    // false executes u_ref unfiltered
	Paused bool    // also set when an episode ends
	Speed  float64 // simulated seconds per real second

	step      int
	ret, cost float64
	minB      float64
	trail     []scene.Point
	last      control.Decision
	obs       []float64
	clock     float64 // simulated time owed to the simulation
	Done      bool    // the episode ended (terminated or truncated)
	Collided  bool    // the episode had a collision
}

// NewSession starts episode seed.
func NewSession(e env.Env, c control.Controller, seed uint64, dt float64) *Session {
	s := &Session{Env: e, Ctrl: c, Seed: seed, Dt: dt, Safety: true, Speed: 1}
	s.Reset()
	return s
}

// Reset restarts the current seed's episode.
func (s *Session) Reset() {
	obs, info := s.Env.Reset(s.Seed)
	s.obs = append(s.obs[:0], obs...)
	s.step, s.ret, s.cost, s.clock, s.Done, s.Collided = 0, 0, 0, 0, false, false
	s.minB = info.MinBarrier
	s.trail = []scene.Point{focus(s.Env)}
	s.last = s.Ctrl.Act(s.Env, s.obs)
}

// NextSeed starts the next seed's episode.
func (s *Session) NextSeed() {
	s.Seed++
	s.Reset()
}

// Step advances the simulation one step (nothing once the episode ended).
func (s *Session) Step() {
	if s.Done {
		return
	}
	d := s.Ctrl.Act(s.Env, s.obs)
	u := d.U
	if !s.Safety {
		u = d.Ref
	}
	obs, r, c, term, trunc, info := s.Env.Step(u)
	s.obs = append(s.obs[:0], obs...)
	s.step++
	s.ret += r
	s.cost += c
	s.minB = math.Min(s.minB, info.MinBarrier)
	s.Collided = s.Collided || info.Collision
	s.trail = append(s.trail, focus(s.Env))
	s.last = d
	if term || trunc {
		s.Done, s.Paused = true, true
		return
	}
	s.last = s.Ctrl.Act(s.Env, s.obs)
}

// Advance runs the simulation for wall seconds of real time at Speed,
// independent of the frame rate; it takes at most maxSteps steps.
func (s *Session) Advance(wall float64) {
	if s.Paused || s.Done {
		return
	}
	const maxSteps = 200
	s.clock += wall * s.Speed
	for n := 0; s.clock >= s.Dt && n < maxSteps; n++ {
		s.clock -= s.Dt
		s.Step()
	}
	s.clock = math.Min(s.clock, s.Dt)
}

// StepCount is the steps taken in the episode.
func (s *Session) StepCount() int { return s.step }

// Frame returns the current picture.
func (s *Session) Frame() *Frame {
	f := NewFrame(s.Env, s.last.Ref, s.last.U)
	f.Trail = s.trail
	f.Active = s.last.Active
	status := "off (u_ref executed)"
	switch {
	case s.Safety && s.last.Filtered:
		status = s.last.Status.String()
	case s.Safety:
		status = "none (no safety layer)"
	}
	f.HUD = HUDLines(s.step, s.Dt, s.ret, s.cost, s.minB, s.last.Gains, status, s.last.Slack, s.last.Change)
	f.HUD = append(f.HUD, f.Notes...)
	state := "running"
	switch {
	case s.Done && s.Collided:
		state = "episode over (collided) - R restart, N next seed"
	case s.Done:
		state = "episode over - R restart, N next seed"
	case s.Paused:
		state = "paused - Space run, Right step"
	}
	f.HUD = append(f.HUD, "seed "+strconv.FormatUint(s.Seed, 10)+"  speed x"+strconv.FormatFloat(s.Speed, 'g', 3, 64)+"  "+state, "H help")
	return f
}

// Editable reports whether the scenario lets the user edit its scene.
func (s *Session) Editable() bool {
	_, ok := s.Env.(env.Editor)
	return ok
}

// AddObstacle adds an obstacle at (x, y), where the scenario allows it.
func (s *Session) AddObstacle(x, y float64) {
	if ed, ok := s.Env.(env.Editor); ok {
		ed.AddObstacle(x, y)
		s.refresh()
	}
}

// RemoveObstacle removes the obstacle containing (x, y), if any.
func (s *Session) RemoveObstacle(x, y float64) {
	if ed, ok := s.Env.(env.Editor); ok && ed.RemoveObstacle(x, y) {
		s.refresh()
	}
}

// NearGoal reports whether (x, y) is on the goal, to drag it.
func (s *Session) NearGoal(x, y float64) bool {
	ed, ok := s.Env.(env.Editor)
	return ok && ed.NearGoal(x, y)
}

// MoveGoal puts the goal at (x, y).
func (s *Session) MoveGoal(x, y float64) {
	if ed, ok := s.Env.(env.Editor); ok {
		ed.MoveGoal(x, y)
		s.refresh()
	}
}

// refresh recomputes the controller's decision after an edit.
func (s *Session) refresh() {
	s.obs = append(s.obs[:0], s.Env.Observation()...)
	s.last = s.Ctrl.Act(s.Env, s.obs)
}
