package viz

import (
	"math"
	"strconv"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
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
	trail     [][2]float64
	last      control.Decision
	obs       []float64
	clock     float64 // simulated time owed to the simulation
	Done      bool    // the episode ended (terminated or truncated)
	collided  bool
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
	s.step, s.ret, s.cost, s.clock, s.Done, s.collided = 0, 0, 0, 0, false, false
	s.minB = info.MinBarrier
	st := s.Env.State()
	s.trail = [][2]float64{{st[0], st[1]}}
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
	obs, r, c, term, trunc, info := s.Env.Step(u[:])
	s.obs = append(s.obs[:0], obs...)
	s.step++
	s.ret += r
	s.cost += c
	s.minB = math.Min(s.minB, info.MinBarrier)
	s.collided = s.collided || info.Collision
	st := s.Env.State()
	s.trail = append(s.trail, [2]float64{st[0], st[1]})
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

// Scene returns the current frame.
func (s *Session) Scene() *Scene {
	f := NewScene(s.Env)
	f.Trail = s.trail
	st := s.Env.State()
	f.SetArrows(st, s.last.Ref, s.last.U)
	for _, i := range s.last.Active {
		if i < len(f.Active) {
			f.Active[i] = true
		}
	}
	status := "off (u_ref executed)"
	switch {
	case s.Safety && s.last.Filtered:
		status = s.last.Status.String()
	case s.Safety:
		status = "none (no safety layer)"
	}
	f.HUD = HUDLines(s.step, s.Dt, s.ret, s.cost, s.minB, s.last.Gains, status, s.last.Slack, s.last.Change)
	state := "running"
	switch {
	case s.Done && s.collided:
		state = "episode over (collided) - R restart, N next seed"
	case s.Done:
		state = "episode over - R restart, N next seed"
	case s.Paused:
		state = "paused - Space run, Right step"
	}
	f.HUD = append(f.HUD, "seed "+strconv.FormatUint(s.Seed, 10)+"  speed x"+strconv.FormatFloat(s.Speed, 'g', 3, 64)+"  "+state, "H help")
	return f
}

// AddObstacle adds an obstacle at (x, y) (nav), or moves the obstacle
// there (robot2d, which has exactly one).
func (s *Session) AddObstacle(x, y, r float64) {
	switch e := s.Env.(type) {
	case *env.Nav:
		e.SetObstacles(append(e.Obstacles(), barrier.Circle{X: x, Y: y, R: r}))
	case *env.Robot2D:
		o := e.Obstacles()[0]
		e.SetObstacle(barrier.Circle{X: x, Y: y, R: o.R})
	}
	s.refresh()
}

// RemoveObstacle removes the nav obstacle containing (x, y), if any.
func (s *Session) RemoveObstacle(x, y float64) {
	e, ok := s.Env.(*env.Nav)
	if !ok {
		return
	}
	obs := e.Obstacles()
	for i, o := range obs {
		if math.Hypot(o.X-x, o.Y-y) <= o.R {
			e.SetObstacles(append(append([]barrier.Circle(nil), obs[:i]...), obs[i+1:]...))
			s.refresh()
			return
		}
	}
}

// NearGoal reports whether (x, y) is on the goal (nav) or near the goal lane (robot2d).
func (s *Session) NearGoal(x, y float64) bool {
	switch e := s.Env.(type) {
	case *env.Nav:
		g := e.Goal()
		return math.Hypot(g[0]-x, g[1]-y) <= math.Max(3*e.Config().GoalRadius, 0.4)
	case *env.Robot2D:
		return math.Abs(y-e.Lane()) <= 1.5
	}
	return false
}

// MoveGoal puts the goal (nav) or the goal lane (robot2d) at (x, y).
func (s *Session) MoveGoal(x, y float64) {
	switch e := s.Env.(type) {
	case *env.Nav:
		e.SetGoal([2]float64{x, y})
	case *env.Robot2D:
		e.SetDstY(y - e.Config().Start[1])
	}
	s.refresh()
}

// refresh recomputes the controller's decision after an edit.
func (s *Session) refresh() {
	s.obs = append(s.obs[:0], s.Env.Observation()...)
	s.last = s.Ctrl.Act(s.Env, s.obs)
}
