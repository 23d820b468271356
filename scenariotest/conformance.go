// Package scenariotest helps test scenarios: generic checks of the env
// contract every scenario must pass (Conformance), a check of every CBF
// row's Lie values against finite differences along simulated trajectories
// (LieDerivatives), and Chain, a synthetic scenario of any number of
// controls and any relative degree for testing the code above the
// scenarios.
package scenariotest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
)

// Conformance checks a task against the contract over episodes seeded
// 0…episodes−1, driven by random controls within the bounds: its spec is
// consistent; Reset is deterministic; observations have the spec's length;
// every CBF row fits the layout and its shape key is drawn; values are
// finite; the nominal control is finite; Draw shows the robot; episodes
// end.
func Conformance(t *testing.T, task env.Task, episodes int) {
	t.Helper()
	spec := task.Spec()
	checkSpec(t, spec)
	a, b := task.NewEnv(), task.NewEnv()
	for seed := uint64(0); seed < 3; seed++ {
		oa, _ := a.Reset(seed)
		ob, _ := b.Reset(seed)
		if !equal(oa, ob) || !equal(a.State(), b.State()) {
			t.Fatalf("seed %d: two resets differ", seed)
		}
	}
	checkSetState(t, spec, a, b)
	if _, ok := a.(env.MetricsReporter); len(spec.Metrics) > 0 && !ok {
		t.Errorf("the spec has %d metrics but the environment is no env.MetricsReporter", len(spec.Metrics))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	m := len(spec.Controls)
	u, nominal := make([]float64, m), make([]float64, m)
	var rows []barrier.Row
	const maxSteps = 1 << 20
	for ep := 0; ep < episodes; ep++ {
		obs, info := a.Reset(uint64(ep))
		for step := 0; ; step++ {
			checkState(t, spec, a, obs, info, &rows)
			a.Nominal(nominal)
			if !env.Finite(nominal...) {
				t.Fatalf("episode %d step %d: nominal control %v", ep, step, nominal)
			}
			for i, c := range spec.Controls {
				u[i] = c.Lo + (c.Hi-c.Lo)*rng.Float64()
			}
			var r, cost float64
			var term, trunc bool
			obs, r, cost, term, trunc, info = a.Step(u)
			if !env.Finite(r, cost) {
				t.Fatalf("episode %d step %d: reward %v cost %v", ep, step, r, cost)
			}
			if term || trunc {
				break
			}
			if step == maxSteps {
				t.Fatalf("episode %d did not end in %d steps", ep, maxSteps)
			}
		}
	}
}

// checkSetState: an env.StateSetter given another environment's state (of
// the same episode, a few steps on) reports that state and that
// observation and CBF rows, and refuses a state of the wrong length.
func checkSetState(t *testing.T, spec env.Spec, a, b env.Env) {
	t.Helper()
	sa, ok := a.(env.StateSetter)
	if !ok {
		return
	}
	a.Reset(5)
	b.Reset(5)
	u := make([]float64, len(spec.Controls))
	for i := 0; i < 3; i++ {
		b.Nominal(u)
		b.Step(u)
	}
	if err := sa.SetState(b.State()); err != nil {
		t.Fatalf("SetState of a state: %v", err)
	}
	if !equal(a.State(), b.State()) {
		t.Errorf("after SetState, State %v, want %v", a.State(), b.State())
	}
	ra, rb := a.CBFRows(nil), b.CBFRows(nil)
	for i := range rb {
		if i >= len(ra) || !equal(ra[i].G, rb[i].G) || !equal(ra[i].Lie, rb[i].Lie) {
			t.Errorf("after SetState, CBF row %d differs", i)
			break
		}
	}
	if err := sa.SetState(append(append([]float64(nil), b.State()...), 0)); err == nil {
		t.Error("SetState accepted a state one value too long")
	}
}

func checkSpec(t *testing.T, spec env.Spec) {
	t.Helper()
	if err := spec.Layout.Validate(); err != nil {
		t.Fatal(err)
	}
	if spec.Scenario == "" || len(spec.Observation) == 0 || len(spec.Controls) == 0 || !(spec.Dt > 0) ||
		spec.GoalError == "" || spec.StartFormat == "" {
		t.Fatalf("incomplete spec %+v", spec)
	}
	for _, c := range spec.Controls {
		if c.Name == "" || c.Unit == "" || !(c.Lo < c.Hi) || !env.Finite(c.Lo, c.Hi) {
			t.Errorf("control %+v: want a name, a unit and finite bounds lo < hi", c)
		}
	}
}

// checkState checks one state's observation, info, rows and picture.
func checkState(t *testing.T, spec env.Spec, e env.Env, obs []float64, info env.Info, rows *[]barrier.Row) {
	t.Helper()
	if len(obs) != len(spec.Observation) || !env.Finite(obs...) {
		t.Fatalf("observation %v, want %d finite values", obs, len(spec.Observation))
	}
	if !env.Finite(info.Barriers...) || math.IsNaN(info.MinBarrier) {
		t.Fatalf("info %+v", info)
	}
	*rows = e.CBFRows(*rows)
	var sc scene.Scene
	e.Draw(&sc, nil, nil)
	keys := map[int]bool{}
	robot := false
	for _, s := range sc.Shapes {
		keys[s.Key] = true
		robot = robot || s.Role == scene.Robot
	}
	if !robot || !(sc.World.X1 > sc.World.X0 && sc.World.Y1 > sc.World.Y0) {
		t.Fatalf("the scene shows no robot or has an empty world %v", sc.World)
	}
	for _, r := range *rows {
		if err := spec.Layout.CheckRow(r, len(spec.Controls)); err != nil {
			t.Fatal(err)
		}
		if !env.Finite(r.G...) || !env.Finite(r.Lie...) {
			t.Fatalf("row %+v is not finite", r)
		}
		if r.Shape != 0 && !keys[r.Shape] {
			t.Fatalf("row of slot %d keeps clear of shape %d, which the scene does not draw", r.Slot, r.Shape)
		}
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Task configures scenario sc with settings s (a pointer to its settings
// type), failing the test if they are refused.
func Task(t testing.TB, sc env.Scenario, s env.Settings) env.Task {
	t.Helper()
	task, err := sc.Task(s)
	if err != nil {
		t.Fatal(err)
	}
	return task
}
