package robot2d

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/scenariotest"
	"github.com/barriergym/barriergym/scene"
)

func task(t *testing.T, s Settings) *Task { return scenariotest.Task(t, Scenario, &s).(*Task) }

func TestConformance(t *testing.T) {
	scenariotest.Conformance(t, task(t, Defaults()), 10)
}

// TestLieDerivatives checks L_f b, L_f²b and L_gL_f b against finite
// differences of the row's values along trajectories the simulator
// produces, from random states all over the world.
func TestLieDerivatives(t *testing.T) {
	s := Defaults()
	s.Dt, s.Horizon = 1e-4, env.MaxHorizon
	scenariotest.LieDerivatives(t, task(t, s), func(e env.Env, rng *rand.Rand) {
		e.(*Env).ResetTo([4]float64{5 + 60*rng.Float64(), 5 + 20*rng.Float64(), rng.NormFloat64(), 1 + 4*rng.Float64()}, 0)
	}, 2000, 1e-5)
}

func TestDeterministicDestinations(t *testing.T) {
	a, b := New(Defaults()), New(Defaults())
	o1, _ := a.Reset(42)
	o2, _ := b.Reset(42)
	if o1[4] != o2[4] {
		t.Fatal("same seed, different destination")
	}
	if o3, _ := b.Reset(43); o3[4] == o1[4] {
		t.Fatal("seeds 42 and 43 give the same destination")
	}
}

func TestSettingsValidation(t *testing.T) {
	for _, c := range []struct {
		change func(*Settings)
		key    string
	}{
		{func(s *Settings) { s.Dt = -0.1 }, "dt"},
		{func(s *Settings) { s.Start = [4]float64{40, 15, 0, 2} }, "start"},
		{func(s *Settings) { s.Horizon = 0 }, "horizon"},
		{func(s *Settings) { s.DstRange = [2]float64{3, -3} }, "dst_range"},
	} {
		s := Defaults()
		c.change(&s)
		err := s.Validate()
		if fe, ok := err.(*env.FieldError); !ok || fe.Key != c.key {
			t.Errorf("error %v, want one for key %s", err, c.key)
		}
	}
}

// rollout plays one episode with c from (5, 15, 0, 2) toward dst.
func rollout(e *Env, c control.Controller, dst float64) (collided bool, minB, laneErr float64) {
	obs, _ := e.ResetTo(Defaults().Start, dst)
	minB = math.Inf(1)
	for {
		d := c.Act(e, obs)
		var trunc bool
		var info env.Info
		obs, _, _, _, trunc, info = e.Step(d.U)
		collided = collided || info.Collision
		minB = math.Min(minB, info.MinBarrier)
		if trunc {
			return collided, minB, e.GoalError()
		}
	}
}

// TestExpertNeverCollides sweeps 41 destinations in [−10, 10]: the expert
// never collides; the same nominal controller unfiltered does.
func TestExpertNeverCollides(t *testing.T) {
	cfg, err := configs.Load(Name)
	if err != nil {
		t.Fatal(err)
	}
	expert, _ := eval.NewController(cfg, "expert")
	nominal, _ := eval.NewController(cfg, "nominal")
	e := New(Defaults())
	var collisions, nominalCollisions int
	for k := 0; k <= 40; k++ {
		dst := -10 + 0.5*float64(k)
		c, minB, lane := rollout(e, expert, dst)
		t.Logf("dst %5.1f: collided %v min b %.2f lane err %.2f", dst, c, minB, lane)
		if c {
			collisions++
		}
		if c, _, _ := rollout(e, nominal, dst); c {
			nominalCollisions++
		}
	}
	if collisions != 0 {
		t.Errorf("expert collided for %d of 41 destinations", collisions)
	}
	if nominalCollisions == 0 {
		t.Error("the unfiltered nominal controller never collided")
	}
}

// TestDemos: BarrierNet's published demonstrations load with BarrierNet's
// row counts, and keep the barrier well positive (≈16.4 at the least).
func TestDemos(t *testing.T) {
	tk := task(t, Defaults())
	for part, want := range map[string]int{"train": 12111, "valid": 1346} {
		n, minB := 0, math.Inf(1)
		err := tk.ReadDemos(BarrierNetData, part, func(obs []float64, rows []barrier.Row, u []float64) {
			n++
			minB = math.Min(minB, rows[0].Lie[2])
			if len(obs) != 5 || len(u) != 2 || len(rows) != 1 {
				t.Fatalf("sample of %d observations, %d controls, %d rows", len(obs), len(u), len(rows))
			}
		})
		if err != nil || n != want || minB < 16 || minB > 17 {
			t.Errorf("%s: %d samples (want %d), min b %.2f, %v", part, n, want, minB, err)
		}
	}
	if err := tk.ReadDemos(t.TempDir(), "train", nil); err == nil || !strings.Contains(err.Error(), "train.csv") {
		t.Errorf("missing directory: %v", err)
	}
}

func TestBadDemonstrations(t *testing.T) {
	cases := []struct{ csv, want string }{
		{"x,y,theta,v,dst_y,u_theta_dot,u_accel\n1,2,3,4,5,6,7\n1,2,3,4,5,six,7\n", "d.csv:3: u_theta_dot = \"six\""},
		{"x,y,theta,v,dst,u_theta_dot,u_accel\n", "d.csv:1: column 5 is \"dst\""},
		{"x,y,theta,v,dst_y,u_theta_dot,u_accel\n1,2,3\n", "d.csv:2:"},
		{"x,y,theta,v,dst_y,u_theta_dot,u_accel\n", "no demonstrations"},
		{"x,y,theta,v,dst_y,u_theta_dot,u_accel\n1,2,3,4,5,NaN,7\n", "not a finite number"},
	}
	for _, c := range cases {
		err := ReadCSV("d.csv", strings.NewReader(c.csv), barrier.Circle{X: 40, Y: 15, R: 6}, func([]float64, []barrier.Row, []float64) {})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

func TestParseStart(t *testing.T) {
	tk := task(t, Defaults())
	s, err := tk.ParseStart([]byte(`{"state":[5,15,0.1,2],"dst_y":-3.1}`))
	if err != nil || s.(Start).DstY != -3.1 || s.(Start).State[2] != 0.1 {
		t.Fatalf("start %+v, %v", s, err)
	}
	for _, bad := range []string{`{"state":[5,15,0],"dst_y":1}`, `{"state":[5,15,0,2]}`, `{"state":[5,15,0,2],"dst_y":1,"color":"red"}`, `not json`} {
		if _, err := tk.ParseStart([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	} // Lines that parse but make no physical sense, refused saying why.
	for _, c := range []struct{ line, want string }{
		{`{"state":[40,16,0,2],"dst_y":1}`, "lies inside the obstacle"},
	} {
		if _, err := tk.ParseStart([]byte(c.line)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.line, err, c.want)
		}
	}
}

// TestDraw: the obstacle, the goal lane and the robot are where the state
// says; the obstacle carries the key its row does.
func TestDraw(t *testing.T) {
	e := New(Defaults())
	e.ResetTo([4]float64{20, 12, 0.3, 2}, 6)
	var sc scene.Scene
	e.Draw(&sc, []float64{0.1, 0.5}, []float64{-0.2, 0.5})
	rows := e.CBFRows(nil)
	found := map[scene.Role]bool{}
	for _, s := range sc.Shapes {
		found[s.Role] = true
		switch s.Role {
		case scene.Obstacle:
			if s.Points[0] != (scene.Point{X: 40, Y: 15}) || s.Radius != 6 || s.Key != rows[0].Shape {
				t.Errorf("obstacle %+v, row shape %d", s, rows[0].Shape)
			}
		case scene.Goal:
			if s.Points[0].Y != 21 || !s.Dashed {
				t.Errorf("goal lane %+v, want dashed at y = 21", s)
			}
		case scene.Robot:
			if s.Points[0] != (scene.Point{X: 20, Y: 12}) {
				t.Errorf("robot at %v", s.Points[0])
			}
		}
	}
	for _, r := range []scene.Role{scene.Obstacle, scene.Goal, scene.Robot, scene.Heading, scene.Reference, scene.Safe} {
		if !found[r] {
			t.Errorf("no %v in the scene", r)
		}
	}
	e.AddObstacle(30, 10)
	e.MoveGoal(0, 20)
	if rows := e.CBFRows(nil); e.Lane() != 20 || rows[0].Lie[2] != 10*10+2*2-36 {
		t.Errorf("after editing: lane %v, b %v", e.Lane(), rows[0].Lie[2])
	}
}
