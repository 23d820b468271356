package merge

import (
	"bytes"
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

func TestConformance(t *testing.T) { scenariotest.Conformance(t, task(t, Defaults()), 10) }

// TestLieDerivatives checks ḃ = L_f b − G·u of the headway barrier against
// finite differences along simulated trajectories, behind seeded leads
// that accelerate and brake (their acceleration must not enter ḃ).
func TestLieDerivatives(t *testing.T) {
	s := Defaults()
	s.Dt, s.Horizon = 1e-4, env.MaxHorizon
	scenariotest.LieDerivatives(t, task(t, s), func(e env.Env, rng *rand.Rand) {
		m := e.(*Env)
		m.Reset(rng.Uint64())
		m.lead.accel = 4 * rng.NormFloat64()
	}, 3000, 1e-6)
}

// TestRecordedLead: the recorded lead replays BarrierNet's data exactly
// (every 10th row at dt 0.1), 140 steps; a recorded ego's controls, taken
// from its speeds, reproduce its positions (the exact integration).
func TestRecordedLead(t *testing.T) {
	e := New(Defaults())
	obs, _ := e.ResetRecorded()
	all := recording()
	if len(all) != 1410 || obs[0] != all[0].xip || obs[3] != 27 {
		t.Fatalf("%d rows, first observation %v", len(all), obs)
	}
	steps := 0
	for {
		k := steps
		u := (all[10*(k+1)].vi - all[10*k].vi) / 0.1
		_, _, _, _, trunc, _ := e.Step([]float64{u})
		steps++
		if e.lead.x != all[10*steps].xip || e.lead.v != all[10*steps].vip {
			t.Fatalf("step %d: lead (%v, %v), recorded (%v, %v)", steps, e.lead.x, e.lead.v, all[10*steps].xip, all[10*steps].vip)
		}
		if math.Abs(e.x-all[10*steps].xi) > 0.01 {
			t.Fatalf("step %d: ego at %v, the recorded ego at %v", steps, e.x, all[10*steps].xi)
		}
		if trunc {
			break
		}
	}
	if steps != 140 {
		t.Errorf("%d steps, want 140", steps)
	}
}

// TestExpert: behind the CBF filter the expert keeps the headway (to 1e-6)
// at every step of 300 seeded leads and of the recorded one; the nominal
// controller alone does not; the control-error metric is 0 for the expert.
func TestExpert(t *testing.T) {
	cfg, err := configs.Load(Name)
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := cfg.Task()
	starts := append(eval.Seeds(0, 300), Recorded{})
	for _, policy := range []string{"expert", "nominal"} {
		eps, err := eval.Run(cfg, func() (control.Controller, error) { return eval.NewController(cfg, policy) }, starts, eval.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := eval.Summarize(policy, tk.Spec(), 0, eps)
		minH, below, ctlErr := s.Extra[0].Value, s.Extra[1].Value, s.Extra[3].Value
		t.Logf("%s: min headway %.4f s, %.2f steps below per episode, control error %.3g", policy, minH, below, ctlErr)
		switch policy {
		case "expert":
			if minH < 1.8-1e-6 || s.CollisionRate != 0 || ctlErr > 1e-9 {
				t.Errorf("the expert: min headway %v, collision rate %v, control error %v", minH, s.CollisionRate, ctlErr)
			}
		case "nominal":
			if s.CollisionRate < 0.5 {
				t.Errorf("the nominal controller alone kept the headway in %v of episodes: the test does not see violations", 1-s.CollisionRate)
			}
		}
	}
}

// TestDemos: the embedded sets load with their rows, the headway barrier
// of each state; the OCBF labels keep b ≥ −margin (the data's own headway
// is ≥ 1.805 s).
func TestDemos(t *testing.T) {
	tk := task(t, Defaults())
	for _, set := range tk.DemoSets() {
		for part, want := range map[string]int{"train": 1175, "valid": 235} {
			n := 0
			err := tk.ReadDemos(set, part, func(obs []float64, rows []barrier.Row, u []float64) {
				b := rows[0].Lie[1]
				if want := obs[0] - obs[2] - 1.8*obs[3] - tk.cfg.Margin; math.Abs(b-want) > 1e-9 || rows[0].G[0] != 1.8 ||
					rows[0].Lie[0] != obs[1]-obs[3] {
					t.Fatalf("%s/%s row %d: %+v for obs %v", set, part, n, rows[0], obs)
				}
				n++
			})
			if err != nil || n != want {
				t.Errorf("%s/%s: %d samples (%v), want %d", set, part, n, err, want)
			}
		}
	}
	for _, bad := range []string{"x_ip,v_ip,x_i,v_i,u\n1,2,3,4\n", "a,b,c,d,e\n1,2,3,4,5\n", "x_ip,v_ip,x_i,v_i,u\n1,2,3,4,NaN\n",
		"x_ip,v_ip,x_i,v_i,u\n"} {
		err := ReadCSV("bad.csv", strings.NewReader(bad), Defaults(), func([]float64, []barrier.Row, []float64) {})
		if err == nil || !strings.HasPrefix(err.Error(), "bad.csv") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestParseStart(t *testing.T) {
	tk := task(t, Defaults())
	s, err := tk.ParseStart([]byte(`{"lead":"recorded"}`))
	if err != nil {
		t.Fatal(err)
	}
	e := tk.NewEnv().(*Env)
	if obs, err := s.Reset(e); err != nil || obs[2] != 0 || obs[3] != 27 || !e.lead.recorded {
		t.Errorf("recorded start: %v, %v", obs, err)
	}
	for _, bad := range []string{`{"lead":"ghost"}`, `{"lead":"recorded","x":1}`, `{}`} {
		if _, err := tk.ParseStart([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	odd := Defaults()
	odd.Dt = 0.015
	if _, err := task(t, odd).ParseStart([]byte(`{"lead":"recorded"}`)); err == nil || !strings.Contains(err.Error(), "0.01 s") {
		t.Errorf("dt 0.015 with the recorded lead: %v", err)
	}
}

// TestDraw: both cars on the road strip where the state says, the headway
// margin behind the lead with the lead's key, and the headway plotted.
func TestDraw(t *testing.T) {
	e := New(Defaults())
	e.Reset(3)
	for k := 0; k < 20; k++ {
		e.Step([]float64{0})
	}
	var sc scene.Scene
	e.Draw(&sc, []float64{1}, []float64{0.5})
	found := map[scene.Role]int{}
	for _, s := range sc.Shapes {
		found[s.Role]++
		if s.Role == scene.Obstacle && (s.Key != 1 || math.Abs(s.Bounds().X0+carLength/2-e.lead.x) > 1e-9) {
			t.Errorf("the lead drawn at %v, it is at %v", s.Bounds(), e.lead.x)
		}
		if s.Role == scene.Robot && math.Abs(s.Bounds().X0+carLength/2-e.x) > 1e-9 {
			t.Errorf("the ego drawn at %v, it is at %v", s.Bounds(), e.x)
		}
		if s.Role == scene.Safe && s.Kind == scene.Polyline && len(s.Points) != 21 {
			t.Errorf("headway plot of %d points after 20 steps", len(s.Points))
		}
	}
	for _, r := range []scene.Role{scene.Road, scene.Margin, scene.Obstacle, scene.Robot, scene.Goal, scene.Reference} {
		if found[r] == 0 {
			t.Errorf("no %v drawn", r)
		}
	}
	var buf bytes.Buffer
	for _, n := range sc.Notes {
		buf.WriteString(n)
	}
	if !strings.Contains(buf.String(), "headway") {
		t.Errorf("notes %q", sc.Notes)
	}
}
