// Package bench measures barriergym's speed for `barriergym bench` and for
// Go benchmarks alike. It sits above everything it measures (environments,
// controllers, evaluation), so no measured package imports its measurer.
package bench

import (
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
)

// fixedControl is the control of the controller-free benchmarks: 60 % of
// the way from each lower bound to the upper one.
func fixedControl(spec env.Spec) []float64 {
	u := make([]float64, len(spec.Controls))
	for i, c := range spec.Controls {
		u[i] = c.Lo + 0.6*(c.Hi-c.Lo)
	}
	return u
}

// Single returns a benchmark of one environment stepping with a fixed
// control (expert false) or the expert's filtered control (expert true),
// resetting with the next seed when an episode ends. One op is one step.
func Single(cfg *configs.Config, expert bool) func(*testing.B) {
	return func(b *testing.B) {
		task, err := cfg.Task()
		if err != nil {
			b.Fatal(err)
		}
		e := task.NewEnv()
		var ctrl control.Controller
		if expert {
			if ctrl, err = eval.NewController(cfg, "expert"); err != nil {
				b.Fatal(err)
			}
		}
		u := fixedControl(task.Spec())
		seed := uint64(1)
		obs, _ := e.Reset(seed)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if ctrl != nil {
				u = ctrl.Act(e, obs).U
			}
			var term, trunc bool
			obs, _, _, term, trunc, _ = e.Step(u)
			if term || trunc {
				seed++
				obs, _ = e.Reset(seed)
			}
		}
	}
}

// Vectorized returns a benchmark of n auto-resetting copies stepped with a
// fixed control on all cores. One op is one Vec.Step (n env steps).
func Vectorized(cfg *configs.Config, n int) func(*testing.B) {
	return func(b *testing.B) {
		task, err := cfg.Task()
		if err != nil {
			b.Fatal(err)
		}
		v, err := env.NewVec(n, 1, 0, task)
		if err != nil {
			b.Fatal(err)
		}
		acts := make([][]float64, n)
		for i := range acts {
			acts[i] = fixedControl(task.Spec())
		}
		v.Reset()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			v.Step(acts)
		}
	}
}

// Row is one measured setting.
type Row struct {
	Name        string
	StepsPerSec float64
	Allocs      int64 // per op
}

// vecCopies is the number of environments of the vectorized benchmark.
const vecCopies = 256

// Env measures every registered scenario with its default settings: one
// environment without and with the expert filter (one core), the
// vectorized form and a full expert evaluation of evalEpisodes episodes
// (all cores). It writes a line per row to progress (may be nil).
func Env(evalEpisodes int, progress io.Writer) ([]Row, error) {
	var rows []Row
	cores := runtime.GOMAXPROCS(0)
	add := func(name string, stepsPerOp int, f func(*testing.B)) {
		r := testing.Benchmark(f)
		rows = append(rows, Row{Name: name, StepsPerSec: float64(stepsPerOp) * 1e9 / float64(r.NsPerOp()), Allocs: r.AllocsPerOp()})
		if progress != nil {
			fmt.Fprintf(progress, "  %s done\n", name)
		}
	}
	for _, name := range env.Names() {
		cfg, err := configs.Default(name)
		if err != nil {
			return nil, err
		}
		add(name+", one env, no controller (1 core)", 1, Single(cfg, false))
		add(name+", one env, expert filter (1 core)", 1, Single(cfg, true))
		add(fmt.Sprintf("%s, %d envs vectorized (%d cores)", name, vecCopies, cores), vecCopies, Vectorized(cfg, vecCopies))
		rate, err := ExpertEval(cfg, evalEpisodes)
		if err != nil {
			return nil, err
		}
		rows = append(rows, Row{Name: fmt.Sprintf("%s, expert filter, eval of %d episodes (%d cores)", name, evalEpisodes, cores), StepsPerSec: rate})
	}
	return rows, nil
}

// ExpertEval times a full evaluation of the expert over episodes seeded
// episodes on all cores and returns steps per second.
func ExpertEval(cfg *configs.Config, episodes int) (float64, error) {
	start := time.Now()
	eps, err := eval.Run(cfg, func() (control.Controller, error) { return eval.NewController(cfg, "expert") },
		eval.Seeds(1, episodes), eval.Options{})
	if err != nil {
		return 0, err
	}
	steps := 0
	for _, e := range eps {
		steps += e.Length
	}
	return float64(steps) / time.Since(start).Seconds(), nil
}
