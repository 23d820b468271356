package control_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scenariotest"
)

func init() { env.Register(scenariotest.Chain("controltest-chain")) }

// chainConfig returns a chain of m axes of relative degree r.
func chainConfig(t *testing.T, m, r int) (*configs.Config, env.Task) {
	t.Helper()
	cfg, err := configs.Parse("chain.yaml", []byte(fmt.Sprintf(
		"env:\n  scenario: controltest-chain\n  controltest-chain:\n    axes: %d\n    degree: %d\n    horizon: 200\n", m, r)))
	if err != nil {
		t.Fatal(err)
	}
	task, err := cfg.Task()
	if err != nil {
		t.Fatal(err)
	}
	return cfg, task
}

// TestFilterKeepsBarriers: for m = 1, 2, 3 controls and relative degree
// r = 1, 2, 3, the nominal controller alone drives every axis through its
// floor; behind the filter every barrier stays ≥ 0, every executed control
// satisfies every row and the bounds, and the filter reports the rows it
// found active.
func TestFilterKeepsBarriers(t *testing.T) {
	for m := 1; m <= 3; m++ {
		for r := 1; r <= 3; r++ {
			cfg, task := chainConfig(t, m, r)
			spec := task.Spec()
			lo, hi := spec.Bounds()
			fc := control.NewFilterConfig(spec, []float64{1}, cfg.Barrier.Weights, 1e4, 1)
			f, err := control.NewFilter(control.NewNominal(m), fc)
			if err != nil {
				t.Fatal(err)
			}
			gains := make([]float64, len(spec.Layout.Gains))
			for i := range gains {
				gains[i] = 1
			}
			minFiltered, minNominal, active := math.Inf(1), math.Inf(1), 0
			for seed := uint64(0); seed < 5; seed++ {
				for _, filtered := range []bool{true, false} {
					e := task.NewEnv()
					obs, _ := e.Reset(seed)
					for {
						var d control.Decision
						if filtered {
							d = f.Act(e, obs)
							active += len(d.Active)
							for _, row := range e.CBFRows(nil) {
								if !row.Holds(d.U, gains, 1e-9+d.Slack) {
									t.Fatalf("m=%d r=%d: row %+v violated by %v", m, r, row, d.U)
								}
							}
							for i := range d.U {
								if d.U[i] < lo[i] || d.U[i] > hi[i] {
									t.Fatalf("m=%d r=%d: control %v outside the bounds", m, r, d.U)
								}
							}
						} else {
							d = control.NewNominal(m).Act(e, obs)
						}
						var trunc bool
						var info env.Info
						obs, _, _, _, trunc, info = e.Step(d.U)
						if filtered {
							minFiltered = math.Min(minFiltered, info.MinBarrier)
						} else {
							minNominal = math.Min(minNominal, info.MinBarrier)
						}
						if trunc {
							break
						}
					}
				}
			}
			if minFiltered < -1e-9 || minNominal >= 0 || active == 0 {
				t.Errorf("m=%d r=%d: min barrier filtered %v, nominal %v; %d active rows", m, r, minFiltered, minNominal, active)
			}
		}
	}
}

func TestNewFilterErrors(t *testing.T) {
	_, task := chainConfig(t, 2, 2)
	spec := task.Spec()
	for _, c := range []control.FilterConfig{
		control.NewFilterConfig(spec, []float64{1, 2, 3}, []float64{1, 1}, 1e4, 1),
		control.NewFilterConfig(spec, []float64{-1}, []float64{1, 1}, 1e4, 1),
		control.NewFilterConfig(spec, []float64{1}, []float64{1}, 1e4, 1),
		control.NewFilterConfig(spec, []float64{1}, []float64{1, 0}, 1e4, 1),
	} {
		if _, err := control.NewFilter(control.NewNominal(2), c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestDistance(t *testing.T) {
	if d := control.Distance([]float64{3, 4}, []float64{0, 0}); d != math.Hypot(3, 4) {
		t.Errorf("%v", d)
	}
	if d := control.Distance([]float64{1, 2, 2}, []float64{0, 0, 0}); math.Abs(d-3) > 1e-15 {
		t.Errorf("%v", d)
	}
}
