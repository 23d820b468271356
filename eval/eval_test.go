package eval

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
)

func TestRunExpertAndNominal(t *testing.T) {
	cfg, err := configs.Load("nav")
	if err != nil {
		t.Fatal(err)
	}
	run := func(policy string, workers int) []Episode {
		eps, err := Run(cfg, func() (control.Controller, error) { return NewController(cfg, policy) },
			Seeds(100, 40), Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return eps
	}
	expert := run("expert", 2)
	s := Summarize("expert", "nav", 100, expert)
	if s.CollisionRate != 0 || s.MinBarrier <= 0 || s.InterventionRate == 0 {
		t.Errorf("expert summary %+v: want no collisions, positive min barrier, some interventions", s)
	}
	if *expert[3].Seed != 103 || expert[3].Index != 3 || len(expert[3].FinalState) != 3 {
		t.Errorf("episode 3: %+v", expert[3])
	}
	// Deterministic whatever the worker count.
	one := run("expert", 1)
	for i := range one {
		if one[i].Return != expert[i].Return || one[i].Length != expert[i].Length {
			t.Fatalf("episode %d differs between 1 and 2 workers", i)
		}
	}
	// The expert reports its fixed gain; the nominal has no safety layer.
	if s := Summarize("expert", "nav", 100, expert); !reflect.DeepEqual(s.MeanGains, []float64{2}) {
		t.Errorf("expert mean gains %v, want [2]", s.MeanGains)
	}
	nominal := Summarize("nominal", "nav", 100, run("nominal", 2))
	if nominal.MeanGains != nil {
		t.Errorf("nominal mean gains %v, want none", nominal.MeanGains)
	}
	if nominal.CollisionRate == 0 || nominal.MeanCost == 0 || nominal.InterventionRate != 0 {
		t.Errorf("nominal summary %+v: want collisions and no interventions", nominal)
	}
	if _, err := NewController(cfg, "magic"); err == nil {
		t.Error("unknown policy accepted")
	}
}

func TestSummarize(t *testing.T) {
	eps := []Episode{
		{Return: 1, Cost: 2, Length: 10, Collided: true, MinBarrier: -1, Interventions: 5, ChangeSum: 1, SlackSteps: 2, FinalError: 1,
			MeanGains: []float64{1, 4}},
		{Return: 3, Cost: 0, Length: 30, Success: true, MinBarrier: 2, Interventions: 3, ChangeSum: 3, Infeasible: 4, FinalError: 2,
			MeanGains: []float64{3, 0}},
		{Length: 60, MinBarrier: 5}, // no safety layer: no gains, not in their mean
	}
	s := Summarize("p", "nav", 7, eps)
	want := Summary{Policy: "p", Scenario: "nav", Episodes: 3, Seed: 7, SuccessRate: 1.0 / 3, CollisionRate: 1.0 / 3,
		MeanReturn: 4.0 / 3, MeanCost: 2.0 / 3, CostRate: 2.0 / 100, MinBarrier: -1, MeanMinBarrier: 2,
		InterventionRate: 8.0 / 100, MeanIntervention: 4.0 / 100, SlackActiveRate: 2.0 / 100, InfeasibleRate: 4.0 / 100,
		MeanLength: 100.0 / 3, MeanFinalError: 1, MeanGains: []float64{(10 + 90) / 40.0, 40 / 40.0}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("summary\n%+v\nwant\n%+v", s, want)
	}
}

func TestParseScenarios(t *testing.T) {
	good := `{"state":[5,15,0,2],"dst_y":3.1}

{"state":[5,15,0.1,2],"dst_y":-3.1}
`
	starts, err := ParseScenarios(strings.NewReader(good), "robot2d")
	if err != nil || len(starts) != 2 || starts[1].(Robot2DStart).DstY != -3.1 {
		t.Fatalf("starts %v, err %v", starts, err)
	}
	nav := `{"seed":4}
{"start":[1,1,0],"goal":[8,8],"obstacles":[[4,4,0.5]]}
`
	starts, err = ParseScenarios(strings.NewReader(nav), "nav")
	if err != nil || len(starts) != 2 || starts[0].(SeedStart) != 4 || len(starts[1].(NavStart).Layout.Obstacles) != 1 {
		t.Fatalf("nav starts %v, err %v", starts, err)
	}
	bad := `{"state":[5,15,0,2],"dst_y":1}
{"state":[5,15,0],"dst_y":1}
not json
{"seed":3}
{"state":[5,15,0,2],"dst_y":1,"color":"red"}
`
	_, err = ParseScenarios(strings.NewReader(bad), "robot2d")
	if err == nil {
		t.Fatal("bad lines accepted")
	}
	for _, want := range []string{"line 2:", "line 3:", "line 4:", "line 5:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "line 1:") {
		t.Errorf("good line 1 reported: %v", err)
	}
	if _, err := ParseScenarios(strings.NewReader(`{"start":[1,1,0],"goal":[8,8],"obstacles":[[4,4,-1]]}`), "nav"); err == nil {
		t.Error("negative radius accepted")
	}
	if _, err := ParseScenarios(strings.NewReader(""), "nav"); err == nil {
		t.Error("empty file accepted")
	}
}

// TestScenarioReplayMatchesSeed: replaying {"seed":s} gives the seeded episode.
func TestScenarioReplayMatchesSeed(t *testing.T) {
	cfg, _ := configs.Load("nav")
	starts, _ := ParseScenarios(strings.NewReader(`{"seed":9}`), "nav")
	mk := func() (control.Controller, error) { return NewController(cfg, "expert") }
	a, _ := Run(cfg, mk, starts, Options{Workers: 1})
	b, _ := Run(cfg, mk, Seeds(9, 1), Options{Workers: 1})
	if math.Abs(a[0].Return-b[0].Return) != 0 || a[0].Length != b[0].Length {
		t.Errorf("replay %+v, seeded %+v", a[0], b[0])
	}
}
