// Package envbench measures simulator throughput: single environments with
// a fixed control or the expert's CBF-QP filter in the loop, and the
// vectorized form across cores. The Go benchmarks and `barriergym bench
// env` share these functions.
package envbench

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

// fixedControl is the control of the controller-free benchmarks.
var fixedControl = map[string][]float64{"robot2d": {0.1, 0.5}, "nav": {0.8, 0.3}}

// Single returns a benchmark of one environment stepping with a fixed
// control (expert false) or the expert's filtered control (expert true),
// resetting with the next seed when an episode ends. One op is one step.
func Single(cfg *configs.Config, expert bool) func(*testing.B) {
	return func(b *testing.B) {
		e, err := cfg.NewEnv()
		if err != nil {
			b.Fatal(err)
		}
		var ctrl control.Controller
		if expert {
			if ctrl, err = eval.NewController(cfg, "expert"); err != nil {
				b.Fatal(err)
			}
		}
		u := fixedControl[cfg.Env.Scenario]
		seed := uint64(1)
		obs, _ := e.Reset(seed)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if ctrl != nil {
				d := ctrl.Act(e, obs)
				u = d.U[:]
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
		v, err := env.NewVec(n, 1, 0, cfg.NewEnv)
		if err != nil {
			b.Fatal(err)
		}
		acts := make([][]float64, n)
		for i := range acts {
			acts[i] = fixedControl[cfg.Env.Scenario]
		}
		v.Reset()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			v.Step(acts)
		}
	}
}

// Row is one measured configuration.
type Row struct {
	Name        string
	StepsPerSec float64
	Allocs      int64 // per op
}

// Measure runs every benchmark and writes a progress line per row to
// progress (may be nil).
func Measure(progress io.Writer) ([]Row, error) {
	var rows []Row
	add := func(name string, stepsPerOp int, f func(*testing.B)) {
		r := testing.Benchmark(f)
		rows = append(rows, Row{Name: name, StepsPerSec: float64(stepsPerOp) * 1e9 / float64(r.NsPerOp()), Allocs: r.AllocsPerOp()})
		if progress != nil {
			fmt.Fprintf(progress, "  %s done\n", name)
		}
	}
	robot, err := configs.Load("robot2d")
	if err != nil {
		return nil, err
	}
	nav, err := configs.Load("nav")
	if err != nil {
		return nil, err
	}
	add("robot2d, one env, no controller (1 core)", 1, Single(robot, false))
	add("robot2d, one env, expert filter (1 core)", 1, Single(robot, true))
	add("nav 8 obstacles, one env, no controller (1 core)", 1, Single(nav, false))
	add("nav 8 obstacles, one env, expert filter (1 core)", 1, Single(nav, true))
	const n = 256
	add(fmt.Sprintf("robot2d, %d envs vectorized (%d cores)", n, runtime.GOMAXPROCS(0)), n, Vectorized(robot, n))
	add(fmt.Sprintf("nav, %d envs vectorized (%d cores)", n, runtime.GOMAXPROCS(0)), n, Vectorized(nav, n))
	rate, err := ExpertEval(nav, 200)
	if err != nil {
		return nil, err
	}
	rows = append(rows, Row{Name: fmt.Sprintf("nav, expert filter, eval of 200 episodes (%d cores)", runtime.GOMAXPROCS(0)), StepsPerSec: rate})
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
