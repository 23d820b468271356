package nav

import (
	"math"
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

// TestLieDerivatives checks ḣ = L_g h·u = −G·u of every VCP barrier
// (L_f h = 0) against finite differences along simulated trajectories.
func TestLieDerivatives(t *testing.T) {
	s := Defaults()
	s.Dt, s.Horizon = 1e-4, env.MaxHorizon
	scenariotest.LieDerivatives(t, task(t, s), nil, 5000, 1e-5)
}

// TestLayouts: over many seeds, layouts keep the promised distances.
func TestLayouts(t *testing.T) {
	c := Defaults()
	for seed := uint64(0); seed < 500; seed++ {
		l, err := NewLayout(c, seed)
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Hypot(l.Goal[0]-l.Start[0], l.Goal[1]-l.Start[1]); d < c.MinStartGoal {
			t.Fatalf("seed %d: start–goal %v < %v", seed, d, c.MinStartGoal)
		}
		if len(l.Obstacles) != c.Obstacles {
			t.Fatalf("seed %d: %d obstacles", seed, len(l.Obstacles))
		}
		for _, o := range l.Obstacles {
			if o.R < c.RadiusMin || o.R > c.RadiusMax {
				t.Fatalf("seed %d: radius %v", seed, o.R)
			}
			if barrier.Clearance(l.Start[0], l.Start[1], o, c.RobotRadius+2*c.Lookahead) <= 0 {
				t.Fatalf("seed %d: start inside the margin of %+v", seed, o)
			}
			if barrier.Clearance(l.Goal[0], l.Goal[1], o, c.RobotRadius+c.GoalRadius) <= 0 {
				t.Fatalf("seed %d: goal inside the margin of %+v", seed, o)
			}
		}
		for _, v := range []float64{l.Start[0], l.Start[1], l.Goal[0], l.Goal[1]} {
			if v < 0 || v > c.Arena {
				t.Fatalf("seed %d: start/goal outside the arena", seed)
			}
		}
	}
	for _, bad := range []func(*Settings){
		func(s *Settings) { s.Obstacles = 200 },
		func(s *Settings) { s.Obstacles = -1 },
		func(s *Settings) { s.RadiusMin = 0 },
		func(s *Settings) { s.Observed = 0 },
	} {
		s := Defaults()
		bad(&s)
		if err := s.Validate(); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

// TestObservation: goal and obstacles in the body frame, nearest first;
// rows nearest first, the farther ones in the last slot.
func TestObservation(t *testing.T) {
	c := Defaults()
	c.Observed = 2
	e := New(c)
	l := Layout{Start: [3]float64{1, 1, math.Pi / 2}, Goal: [2]float64{1, 8},
		Obstacles: []barrier.Circle{{X: 4, Y: 1, R: 0.5}, {X: 1, Y: 3, R: 0.4}, {X: 9, Y: 9, R: 0.3}}}
	obs, info := e.ResetTo(l)
	want := []float64{7, 0, 2, 0, 0.4, 0, -3, 0.5}
	for i := range want {
		if math.Abs(obs[i]-want[i]) > 1e-12 {
			t.Fatalf("obs = %v, want %v", obs, want)
		}
	}
	if want := 4 - 0.36; math.Abs(info.MinBarrier-want) > 1e-12 {
		t.Errorf("min barrier %v, want %v", info.MinBarrier, want)
	}
	rows := e.CBFRows(nil)
	if len(rows) != 3 || rows[0].Shape != 2 || rows[1].Shape != 1 || rows[2].Shape != 3 ||
		rows[0].Slot != 0 || rows[1].Slot != 1 || rows[2].Slot != 1 {
		t.Errorf("rows (slot, shape): %d %d / %d %d / %d %d", rows[0].Slot, rows[0].Shape, rows[1].Slot, rows[1].Shape, rows[2].Slot, rows[2].Shape)
	}
	// Drive straight into the obstacle ahead: a collision with cost 1.
	var cost float64
	for i := 0; i < 60; i++ {
		_, _, cst, _, _, _ := e.Step([]float64{1, 0})
		cost += cst
	}
	if cost == 0 {
		t.Error("driving through an obstacle cost nothing")
	}
}

// TestReachesGoal: terminated with the bonus at the goal.
func TestReachesGoal(t *testing.T) {
	e := New(Defaults())
	e.ResetTo(Layout{Start: [3]float64{1, 1, 0}, Goal: [2]float64{3, 1}})
	ret := 0.0
	for i := 0; i < 100; i++ {
		_, r, _, term, _, info := e.Step([]float64{1, 0})
		ret += r
		if term {
			if !info.Success || ret < 10+1.6 {
				t.Fatalf("terminated: success %v return %v", info.Success, ret)
			}
			return
		}
	}
	t.Fatal("never reached the goal 2 m ahead")
}

// TestExpertNeverCollides: zero collisions over 200 seeded episodes with
// the filter; the same nominal controller unfiltered does collide.
func TestExpertNeverCollides(t *testing.T) {
	cfg, err := configs.Load(Name)
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string) (collisions, successes int, minB float64) {
		eps, err := eval.Run(cfg, func() (control.Controller, error) { return eval.NewController(cfg, name) }, eval.Seeds(0, 200), eval.Options{})
		if err != nil {
			t.Fatal(err)
		}
		minB = math.Inf(1)
		for _, e := range eps {
			if e.Collided {
				collisions++
			}
			if e.Success {
				successes++
			}
			minB = math.Min(minB, e.MinBarrier)
		}
		return
	}
	collisions, successes, minB := run("expert")
	nominal, _, _ := run("nominal")
	t.Logf("expert: %d collisions, %d/200 successes, min barrier %.4f; nominal: %d collisions", collisions, successes, minB, nominal)
	if collisions != 0 || successes < 190 {
		t.Errorf("expert: %d collisions, %d successes of 200", collisions, successes)
	}
	if nominal == 0 {
		t.Error("the unfiltered nominal controller never collided: the test does not see collisions")
	}
}

func TestParseStart(t *testing.T) {
	tk := task(t, Defaults())
	s, err := tk.ParseStart([]byte(`{"start":[1,1,0],"goal":[8,8],"obstacles":[[4,4,0.5]]}`))
	if err != nil || len(s.(Start).Layout.Obstacles) != 1 {
		t.Fatalf("start %+v, %v", s, err)
	}
	for _, bad := range []string{`{"start":[1,1,0],"goal":[8,8],"obstacles":[[4,4,-1]]}`, `{"start":[1,1],"goal":[8,8]}`,
		`{"state":[5,15,0,2],"dst_y":1}`, `{"start":[1,1,0],"goal":[8,1e999]}`} {
		if _, err := tk.ParseStart([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	} // Lines that parse but make no physical sense, refused saying why.
	for _, c := range []struct{ line, want string }{
		{`{"start":[4,4,0],"goal":[8,8],"obstacles":[[4,4.3,0.5]]}`, "overlaps obstacle 0"},
		{`{"start":[1,1,0],"goal":[4,4],"obstacles":[[4,4,0.5]]}`, "goal [4 4] lies inside obstacle 0"},
		{`{"start":[-3,1,0],"goal":[8,8]}`, "start [-3 1] lies outside the arena [0, 10]²"},
		{`{"start":[1,1,0],"goal":[80,8]}`, "goal [80 8] lies outside the arena"},
		{`{"start":[1,1,0],"goal":[1.1,1]}`, "within the goal radius"},
	} {
		if _, err := tk.ParseStart([]byte(c.line)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.line, err, c.want)
		}
	}
}

// TestDrawAndEdit: obstacles with their margins and keys, the goal, the
// robot and its control point; editing adds, removes and moves.
func TestDrawAndEdit(t *testing.T) {
	e := New(Defaults())
	e.ResetTo(Layout{Start: [3]float64{2, 2, 0}, Goal: [2]float64{8, 7},
		Obstacles: []barrier.Circle{{X: 5, Y: 5, R: 0.8}}})
	var sc scene.Scene
	e.Draw(&sc, nil, nil)
	roles := map[scene.Role]scene.Shape{}
	for _, s := range sc.Shapes {
		roles[s.Role] = s
	}
	if o := roles[scene.Obstacle]; o.Points[0] != (scene.Point{X: 5, Y: 5}) || o.Key != 1 || roles[scene.Margin].Radius != 1 {
		t.Errorf("obstacle %+v margin %+v", o, roles[scene.Margin])
	}
	if g := roles[scene.Goal]; g.Points[0] != (scene.Point{X: 8, Y: 7}) {
		t.Errorf("goal %+v", g)
	}
	if p := roles[scene.ControlPoint]; math.Abs(p.Points[0].X-2.1) > 1e-12 {
		t.Errorf("control point %+v", p)
	}
	e.AddObstacle(3, 3)
	if n := len(e.Layout().Obstacles); n != 2 || len(e.CBFRows(nil)) != 2 {
		t.Fatalf("%d obstacles after adding", n)
	}
	if !e.RemoveObstacle(3.1, 3) || e.RemoveObstacle(9, 9) || len(e.Layout().Obstacles) != 1 {
		t.Fatal("removing")
	}
	e.MoveGoal(1, 9)
	if !e.NearGoal(1.1, 9) || e.NearGoal(5, 5) || e.GoalError() != math.Hypot(1, 7) {
		t.Error("moving the goal")
	}
}

var _ env.Editor = (*Env)(nil)
