package robot3d

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

func TestConformance(t *testing.T) { scenariotest.Conformance(t, task(t, Defaults()), 8) }

// TestLieDerivatives checks L_f b, L_f²b and L_gL_f b against finite
// differences along simulated trajectories from random positions and
// velocities near the obstacle.
func TestLieDerivatives(t *testing.T) {
	s := Defaults()
	s.Dt, s.Horizon = 1e-4, env.MaxHorizon
	scenariotest.LieDerivatives(t, task(t, s), func(e env.Env, rng *rand.Rand) {
		r := e.(*Env)
		r.Reset(rng.Uint64())
		for i := 0; i < 3; i++ {
			r.s[2*i], r.s[2*i+1] = r.cfg.Obstacle[i]+10*(rng.Float64()-0.5), 2*rng.NormFloat64()
		}
	}, 3000, 1e-5)
}

// TestPublished: the published trajectory replays exactly under the
// exact integration (its controls give its states), and the published
// start starts there with the goal at its end.
func TestPublished(t *testing.T) {
	tr := published()
	if len(tr) != 331 {
		t.Fatalf("%d rows", len(tr))
	}
	e := New(Defaults())
	e.ResetTo(PublishedStart())
	for k := 0; k+1 < len(tr); k++ {
		e.Step([]float64{tr[k][6], tr[k][7], tr[k][8]})
		for i := 0; i < 6; i++ {
			if math.Abs(e.s[i]-tr[k+1][i]) > 1e-6 {
				t.Fatalf("step %d: state %v, published %v", k+1, e.s, tr[k+1][:6])
			}
		}
	}
	if e.GoalError() > 1e-6 {
		t.Errorf("the published start's goal is %v from the trajectory's end", e.GoalError())
	}
}

// TestExpert: the PD behind the HOCBF filter never enters the obstacle over
// 300 seeded start and goal pairs and its path is the reference one (path
// error 0); the PD alone enters it.
func TestExpert(t *testing.T) {
	cfg, err := configs.Load(Name)
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := cfg.Task()
	for _, policy := range []string{"expert", "nominal"} {
		eps, err := eval.Run(cfg, func() (control.Controller, error) { return eval.NewController(cfg, policy) }, eval.Seeds(0, 300), eval.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := eval.Summarize(policy, tk.Spec(), 0, eps)
		t.Logf("%s: collisions %.1f %%, min b %.1f, path error %.3g m, success %.1f %%", policy, 100*s.CollisionRate, s.Extra[0].Value, s.Extra[1].Value, 100*s.SuccessRate)
		switch policy {
		case "expert":
			if s.CollisionRate != 0 || s.Extra[0].Value < 0 || s.Extra[1].Value > 1e-9 || s.SuccessRate < 0.85 {
				t.Errorf("the expert: %+v", s)
			}
		case "nominal":
			if s.CollisionRate < 0.5 {
				t.Errorf("the PD alone collided in %v of episodes: the test does not see collisions", s.CollisionRate)
			}
		}
	}
}

// TestDemos: the embedded sets give the published rows with the goal
// appended and the HOCBF row of each state.
func TestDemos(t *testing.T) {
	tk := task(t, Defaults())
	for part, want := range map[string]int{"train": 284, "valid": 47} {
		n := 0
		err := tk.ReadDemos(BarrierNetData, part, func(obs []float64, rows []barrier.Row, u []float64) {
			if len(obs) != 9 || len(u) != 3 || len(rows) != 1 || obs[6] != PublishedStart().Goal[0] {
				t.Fatalf("sample %d: obs %v u %v", n, obs, u)
			}
			n++
		})
		if err != nil || n != want {
			t.Errorf("%s: %d samples, %v; want %d", part, n, err, want)
		}
	}
	bad := "x,vx,y,vy,z,vz,ux,uy,uz\n1,2,3\n"
	if err := env.ReadTable("bad.csv", strings.NewReader(bad), columns, dataLimit, func([]float64) {}); err == nil || !strings.HasPrefix(err.Error(), "bad.csv:2") {
		t.Errorf("short row: %v", err)
	}
}

func TestParseStart(t *testing.T) {
	tk := task(t, Defaults())
	if s, err := tk.ParseStart([]byte(`{"published":true}`)); err != nil || !s.(Start).Published {
		t.Fatalf("published: %+v, %v", s, err)
	}
	if _, err := tk.ParseStart([]byte(`{"start":[0,0,1],"goal":[18,18,18]}`)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ line, want string }{
		{`{"start":[10,10,9],"goal":[18,18,18]}`, "inside the obstacle"},
		{`{"start":[0,0,1],"goal":[10,10,9]}`, "inside the obstacle"},
		{`{"start":[0,0,1],"goal":[0,0,1.5]}`, "nothing to do"},
		{`{"start":[0,0],"goal":[1,1,1]}`, "want"},
		{`{"published":true,"start":[0,0,1],"goal":[18,18,18]}`, "want"},
	} {
		if _, err := tk.ParseStart([]byte(c.line)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.line, err, c.want)
		}
	}
}

// TestDraw: two projections, each with the obstacle's cross-section at the
// robot's coordinate (the full 7 m square-ish section at the centre's
// height), the goal and the robot.
func TestDraw(t *testing.T) {
	e := New(Defaults())
	e.ResetTo(Start{From: [3]float64{0, 10, 9}, Goal: [3]float64{20, 10, 9}})
	var sc scene.Scene
	e.Draw(&sc, nil, nil)
	n := map[scene.Role]int{}
	for _, s := range sc.Shapes {
		n[s.Role]++
		if s.Role == scene.Obstacle && s.Kind == scene.Polygon {
			if b := s.Bounds(); math.Abs(b.Y1-b.Y0-14) > 0.01 {
				t.Errorf("cross-section %v, want 14 m across at the centre's height", b)
			}
		}
	}
	if n[scene.Obstacle] != 2 || n[scene.Margin] != 2 || n[scene.Robot] != 2 || n[scene.Goal] != 2 || n[scene.Reference] != 2 {
		t.Errorf("shapes by role: %v", n)
	}
}
