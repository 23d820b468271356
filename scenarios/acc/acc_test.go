package acc

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/scenariotest"
	"github.com/barriergym/barriergym/scene"
)

func task(t *testing.T, s Settings) *Task { return scenariotest.Task(t, Scenario, &s).(*Task) }

func TestConformance(t *testing.T) { scenariotest.Conformance(t, task(t, Defaults()), 9) }

// TestLieDerivatives checks ḣ = L_f h − G·u against finite differences
// along simulated trajectories (the drag and the lead's acceleration
// included), from random speeds and gaps behind leads of every profile.
func TestLieDerivatives(t *testing.T) {
	s := Defaults()
	s.Dt, s.Horizon = 1e-4, env.MaxHorizon
	scenariotest.LieDerivatives(t, task(t, s), func(e env.Env, rng *rand.Rand) {
		a := e.(*Env)
		a.Reset(rng.Uint64())
		a.v, a.v0 = 30*rng.Float64(), 30*rng.Float64()
		a.profile, a.brake, a.until = Braking, 0.5+1.5*rng.Float64(), 0
		a.plan()
	}, 3000, 1e-5)
}

// TestExpert: the speed tracker behind the CBF filter keeps h ≥ 0 over
// 300 seeded leads (100 of each profile) with the QP always feasible; the
// tracker alone does not.
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
		t.Logf("%s: violations %.1f %%, min h %.3f m, mean speed %.2f m/s, infeasible %.3f", policy, 100*s.CollisionRate, s.Extra[0].Value, s.Extra[1].Value, s.InfeasibleRate)
		if policy == "expert" && (s.CollisionRate != 0 || s.Extra[0].Value < 0 || s.InfeasibleRate != 0) {
			t.Errorf("the expert: %+v", s)
		}
		if policy == "nominal" && s.CollisionRate < 0.5 {
			t.Errorf("the tracker alone kept h ≥ 0 in %v of episodes: the test does not see violations", 1-s.CollisionRate)
		}
	}
}

// TestProfiles: each profile drives the lead as it says.
func TestProfiles(t *testing.T) {
	e := New(Defaults())
	for _, c := range []struct {
		p          Profile
		stops, low bool
	}{{Constant, false, false}, {Braking, false, true}, {StopAndGo, true, true}} {
		e.ResetTo(Start{Profile: c.p, V: 20, Z: 200, V0: 18}, 7)
		minV := e.v0
		for k := 0; k < 300; k++ {
			e.Step([]float64{0})
			minV = min(minV, e.v0)
			if e.v0 < 0 || e.v0 > 18+1e-9 {
				t.Fatalf("%v: lead speed %v", c.p, e.v0)
			}
		}
		if (minV == 0) != c.stops || (minV < 18) != c.low {
			t.Errorf("profile %v: least lead speed %v", c.p, minV)
		}
	}
}

func TestParseStart(t *testing.T) {
	tk := task(t, Defaults())
	s, err := tk.ParseStart([]byte(`{"profile":"stop-and-go","v":20,"z":80,"v0":14}`))
	if err != nil || s.(Start).Profile != StopAndGo {
		t.Fatalf("%+v, %v", s, err)
	}
	for _, c := range []struct{ line, want string }{
		{`{"profile":"zigzag","v":20,"z":80,"v0":14}`, "want"},
		{`{"profile":"constant","v":20,"v0":14}`, "want"},
		{`{"profile":"constant","v":25,"z":20,"v0":14}`, "h = "},
		{`{"profile":"constant","v":-1,"z":80,"v0":14}`, "speeds"},
	} {
		if _, err := tk.ParseStart([]byte(c.line)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.line, err, c.want)
		}
	}
}

func TestDraw(t *testing.T) {
	e := New(Defaults())
	e.Reset(4)
	for k := 0; k < 10; k++ {
		e.Step([]float64{0})
	}
	var sc scene.Scene
	e.Draw(&sc, []float64{1}, []float64{0})
	n := map[scene.Role]int{}
	for _, s := range sc.Shapes {
		n[s.Role]++
		if s.Role == scene.Obstacle && s.Bounds().X0 != e.x0 {
			t.Errorf("the lead's rear drawn at %v, it is at %v", s.Bounds().X0, e.x0)
		}
	}
	for _, r := range []scene.Role{scene.Road, scene.Margin, scene.Obstacle, scene.Robot, scene.Goal, scene.Safe} {
		if n[r] == 0 {
			t.Errorf("no %v drawn", r)
		}
	}
}
