package eval

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	_ "github.com/barriergym/barriergym/scenarios"
	"github.com/barriergym/barriergym/scenariotest"
)

func init() { env.Register(scenariotest.Chain("evaltest-chain")) }

// TestRunExpertAndNominal, for every registered scenario: the expert never
// collides and intervenes; runs are the same whatever the worker count;
// the expert reports its configured gains; the nominal controller has no
// safety layer and, on the chain, collides.
func TestRunExpertAndNominal(t *testing.T) {
	for _, name := range env.Names() {
		cfg, err := configs.Default(name)
		if err != nil {
			t.Fatal(err)
		}
		task, _ := cfg.Task()
		run := func(policy string, workers int) []Episode {
			eps, err := Run(cfg, func() (control.Controller, error) { return NewController(cfg, policy) },
				Seeds(100, 12), Options{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			return eps
		}
		expert := run("expert", 2)
		s := Summarize("expert", task.Spec(), 100, expert)
		if s.CollisionRate != 0 || s.MinBarrier < 0 || s.InterventionRate == 0 || s.Scenario != name {
			t.Errorf("%s expert summary %+v: want no collisions, positive min barrier, some interventions", name, s)
		}
		if *expert[3].Seed != 103 || expert[3].Index != 3 || len(expert[3].FinalState) == 0 {
			t.Errorf("%s episode 3: %+v", name, expert[3])
		}
		one := run("expert", 1)
		for i := range one {
			if one[i].Return != expert[i].Return || one[i].Length != expert[i].Length {
				t.Fatalf("%s episode %d differs between 1 and 2 workers", name, i)
			}
		}
		if !reflect.DeepEqual(s.MeanGains, cfg.Barrier.Gains) {
			t.Errorf("%s expert mean gains %v, want %v", name, s.MeanGains, cfg.Barrier.Gains)
		}
		nominal := Summarize("nominal", task.Spec(), 100, run("nominal", 2))
		if nominal.MeanGains != nil || nominal.InterventionRate != 0 {
			t.Errorf("%s nominal summary %+v: want no gains and no interventions", name, nominal)
		}
		if name == "evaltest-chain" && nominal.CollisionRate == 0 {
			t.Errorf("the chain's nominal controller never collided")
		}
	}
	cfg, _ := configs.Default(env.Names()[0])
	if _, err := NewController(cfg, "magic"); err == nil {
		t.Error("unknown policy accepted")
	}
}

func TestSummarize(t *testing.T) {
	eps := []Episode{
		{Return: 1, Cost: 2, Length: 10, Collided: true, MinBarrier: -1, Interventions: 5, ChangeSum: 1, SlackSteps: 2, FinalError: 1,
			MeanGains: []float64{1, 4}, Extra: []Value{{"crash", 1}, {"speed", 3}}},
		{Return: 3, Cost: 0, Length: 30, Success: true, MinBarrier: 2, Interventions: 3, ChangeSum: 3, Infeasible: 4, FinalError: 2,
			MeanGains: []float64{3, 0}, Extra: []Value{{"crash", 0}, {"speed", 5}}},
		{Length: 60, MinBarrier: 5, Extra: []Value{{"crash", 0}, {"speed", 4}}}, // no safety layer: no gains
	}
	spec := env.Spec{Scenario: "s", GoalError: "m", Layout: barrier.Layout{Gains: []barrier.Gain{{Name: "a"}, {Name: "b"}}},
		Metrics: []env.Metric{{Name: "crash", Summary: "crash_rate"}, {Name: "speed", Summary: "max_speed", Reduce: env.Max}}}
	s := Summarize("p", spec, 7, eps)
	want := Summary{Policy: "p", Scenario: "s", Episodes: 3, Seed: 7, SuccessRate: 1.0 / 3, CollisionRate: 1.0 / 3,
		MeanReturn: 4.0 / 3, MeanCost: 2.0 / 3, CostRate: 2.0 / 100, MinBarrier: -1, MeanMinBarrier: 2,
		InterventionRate: 8.0 / 100, MeanIntervention: 4.0 / 100, SlackActiveRate: 2.0 / 100, InfeasibleRate: 4.0 / 100,
		MeanLength: 100.0 / 3, MeanFinalError: 1, GoalError: "m", MeanGains: []float64{(10 + 90) / 40.0, 40 / 40.0},
		GainNames: []string{"a", "b"}, Extra: []Value{{"crash_rate", 1.0 / 3}, {"max_speed", 5}}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("summary\n%+v\nwant\n%+v", s, want)
	}
	// Scenario metrics are keys of their own in JSON, and read back.
	data, err := json.Marshal(s)
	if err != nil || !strings.Contains(string(data), `"crash_rate":0.3333`) || !strings.HasSuffix(string(data), `"max_speed":5}`) {
		t.Fatalf("JSON %s, %v", data, err)
	}
	var back Summary
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("read back\n%+v\nwant\n%+v (%v)", back, s, err)
	}
	ep, _ := json.Marshal(eps[0])
	var e0 Episode
	if json.Unmarshal(ep, &e0); !reflect.DeepEqual(e0.Extra, eps[0].Extra) || !strings.Contains(string(ep), `"speed":3`) {
		t.Errorf("episode JSON %s read back as %+v", ep, e0)
	}
}

// TestJSONNonFinite: a minimum barrier over nothing (+Inf) is written as
// null and read back as +Inf; any other value JSON cannot hold is an error
// that names the field.
func TestJSONNonFinite(t *testing.T) {
	inf := math.Inf(1)
	s := Summary{Policy: "p", Episodes: 1, MinBarrier: inf, MeanMinBarrier: inf, Extra: []Value{{"pass_rate", 1}}}
	data, err := json.Marshal(s)
	if err != nil || !strings.Contains(string(data), `"min_barrier":null`) || !strings.Contains(string(data), `"mean_min_barrier":null`) {
		t.Fatalf("JSON %s, %v", data, err)
	}
	var back Summary
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("read back\n%+v\nwant\n%+v (%v)", back, s, err)
	}
	ep := Episode{MinBarrier: inf, FinalState: []float64{1, 2}}
	data, err = json.Marshal(ep)
	var e Episode
	if err != nil || json.Unmarshal(data, &e) != nil || !math.IsInf(e.MinBarrier, 1) {
		t.Errorf("episode JSON %s (%v) read back as %+v", data, err, e)
	}
	for _, c := range []struct {
		v    any
		name string
	}{
		{Summary{MeanReturn: math.NaN()}, "mean_return"},
		{Summary{MinBarrier: math.NaN()}, "min_barrier"},
		{Summary{MinBarrier: math.Inf(-1)}, "min_barrier"},
		{Summary{MeanGains: []float64{1, inf}}, "mean_gains[1]"},
		{Summary{Extra: []Value{{"pass_rate", math.NaN()}}}, "pass_rate"},
		{Episode{FinalState: []float64{0, math.NaN()}}, "final_state[1]"},
		{Episode{Return: -inf}, "return"},
	} {
		_, err := json.Marshal(c.v)
		if err == nil || !strings.Contains(err.Error(), c.name+": ") {
			t.Errorf("%+v: error %v, want one naming %s", c.v, err, c.name)
		}
	}
}

func chainTask(t *testing.T) env.Task {
	cfg, _ := configs.Default("evaltest-chain")
	task, err := cfg.Task()
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func TestParseScenarios(t *testing.T) {
	task := chainTask(t)
	good := `{"x":[1,0,0.5,0]}

{"seed":4}
`
	starts, err := ParseScenarios(strings.NewReader(good), task)
	if err != nil || len(starts) != 2 || starts[1].(env.SeedStart) != 4 {
		t.Fatalf("starts %v, err %v", starts, err)
	}
	bad := `{"x":[1,0,0.5,0]}
{"x":[1,0,0.5]}
not json
{"seed":-3}
{"seed":3,"x":[1,0,0.5,0]}
{"x":[1,0,0.5,0],"color":"red"}
`
	_, err = ParseScenarios(strings.NewReader(bad), task)
	if err == nil {
		t.Fatal("bad lines accepted")
	}
	for _, want := range []string{"line 2:", "line 3:", "line 4:", "line 5:", "line 6:", `want {"seed":s} or {"x"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "line 1:") {
		t.Errorf("good line 1 reported: %v", err)
	}
	if _, err := ParseScenarios(strings.NewReader(""), task); err == nil {
		t.Error("empty file accepted")
	}
}

// TestScenarioReplayMatchesSeed: replaying {"seed":s} gives the seeded episode.
func TestScenarioReplayMatchesSeed(t *testing.T) {
	for _, name := range env.Names() {
		cfg, _ := configs.Default(name)
		task, _ := cfg.Task()
		starts, _ := ParseScenarios(strings.NewReader(`{"seed":9}`), task)
		mk := func() (control.Controller, error) { return NewController(cfg, "expert") }
		a, _ := Run(cfg, mk, starts, Options{Workers: 1})
		b, _ := Run(cfg, mk, Seeds(9, 1), Options{Workers: 1})
		if math.Abs(a[0].Return-b[0].Return) != 0 || a[0].Length != b[0].Length {
			t.Errorf("%s: replay %+v, seeded %+v", name, a[0], b[0])
		}
	}
}
