package bench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/policy"
	"github.com/barriergym/barriergym/train"
)

// expertStates returns at least n states the scenario's expert visits in
// seeded episodes (train.ExpertDemos, episodes doubled until there are
// enough): the inputs a learner sees in training, with the QP's active
// sets of real states.
func expertStates(cfg *configs.Config, spec policy.Spec, n int) (*train.Dataset, error) {
	for episodes := 1; ; episodes *= 2 {
		d, err := train.ExpertDemos(cfg, spec, episodes, 1)
		if err != nil || d.Len() >= n {
			return d, err
		}
	}
}

// Learner builds cfg's policy network and its learner at batch size b,
// loaded with b expert states and targets: for PPO configs a loss
// learner (PPO's shape: a loss computed in Go, here Σ u·g for seeded
// Gaussian g), otherwise the imitation learner (mean squared error to
// seeded Gaussian targets).
func Learner(cfg *configs.Config, b int) (*policy.Net, *policy.Learner, error) {
	spec, err := policy.SpecFor(cfg)
	if err != nil {
		return nil, nil, err
	}
	net := policy.NewNet(spec, cfg.Train.Seed)
	rng := rand.New(rand.NewPCG(uint64(b), 3))
	g := make([]float64, b*spec.M())
	for i := range g {
		g[i] = rng.NormFloat64() / float64(b)
	}
	var l *policy.Learner
	if cfg.Train.Algorithm == "ppo" {
		l, err = policy.NewLossLearner(net, b, func(u, grad []float64) float64 {
			s := 0.0
			for i, v := range u {
				s += v * g[i]
			}
			copy(grad, g)
			return s
		})
	} else {
		l, err = policy.NewLearner(net, b)
	}
	if err != nil {
		return nil, nil, err
	}
	d, err := expertStates(cfg, spec, b)
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	m := spec.M()
	for i := 0; i < b; i++ {
		obs, feat, _ := d.Sample(i)
		l.Load(i, obs, feat, g[i*m:(i+1)*m])
	}
	return net, l, nil
}

// LearnerStep returns a benchmark of one learner step of cfg's policy at
// batch size b: forward, backward and an Adam update of every weight, on a
// batch loaded once (one op is one step).
func LearnerStep(cfg *configs.Config, b int) func(*testing.B) {
	return func(tb *testing.B) {
		net, l, err := Learner(cfg, b)
		if err != nil {
			tb.Fatal(err)
		}
		defer l.Close()
		adam := train.NewAdam(1e-6, net.Params())
		tb.ReportAllocs()
		tb.ResetTimer()
		for i := 0; i < tb.N; i++ {
			if _, err := l.Run(); err != nil {
				tb.Fatal(fmt.Errorf("learner step: %w", err))
			}
			grads, err := l.Grads()
			if err != nil {
				tb.Fatal(err)
			}
			adam.Step(net.Params(), grads)
		}
	}
}

// LearnRow is one line of the learner-step table: a config's network at a
// batch size, milliseconds per step on one core and on all cores, and
// allocations per step (one core).
type LearnRow struct {
	Config     string
	Spec       policy.Spec
	Batch      int
	OneCoreMS  float64
	AllCoresMS float64
	Cores      int
	Allocs     int64
}

// Learn measures one learner step of each config's network at each batch
// size, on one core (GOMAXPROCS 1) and on all cores, each the median of
// count timings taken in count passes over the whole table (this
// machine's speed drifts by ±10 % and more in slow spells, which passes
// spread over every cell alike), writing a line per pass to progress (may
// be nil).
func Learn(cfgs []*configs.Config, batches []int, count int, progress io.Writer) ([]LearnRow, error) {
	cores := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(cores)
	var rows []LearnRow
	var cfgOf []*configs.Config
	for _, cfg := range cfgs {
		spec, err := policy.SpecFor(cfg)
		if err != nil {
			return nil, err
		}
		_, l, err := Learner(cfg, 1) // a config that cannot build fails here, not in a benchmark
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Name, err)
		}
		l.Close()
		for _, b := range batches {
			rows = append(rows, LearnRow{Config: cfg.Name, Spec: spec, Batch: b, Cores: cores})
			cfgOf = append(cfgOf, cfg)
		}
	}
	count = max(count, 1)
	one, all := make([][]float64, len(rows)), make([][]float64, len(rows))
	for pass := 0; pass < count; pass++ {
		for i := range rows {
			runtime.GOMAXPROCS(1)
			r := testing.Benchmark(LearnerStep(cfgOf[i], rows[i].Batch))
			one[i] = append(one[i], float64(r.NsPerOp())/1e6)
			rows[i].Allocs = r.AllocsPerOp()
			runtime.GOMAXPROCS(cores)
			r = testing.Benchmark(LearnerStep(cfgOf[i], rows[i].Batch))
			all[i] = append(all[i], float64(r.NsPerOp())/1e6)
		}
		if progress != nil {
			fmt.Fprintf(progress, "  pass %d of %d done\n", pass+1, count)
		}
	}
	for i := range rows {
		rows[i].OneCoreMS, rows[i].AllCoresMS = median(one[i]), median(all[i])
	}
	return rows, nil
}

// median returns the median of xs (sorted in place).
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// Twin returns the index of row i's MLP twin in rows: the MLP head on the
// same scenario, trunk and batch size (−1 when none, or row i is an MLP).
func Twin(rows []LearnRow, i int) int {
	r := rows[i]
	if r.Spec.Head == policy.HeadMLP {
		return -1
	}
	for j, o := range rows {
		if o.Spec.Head == policy.HeadMLP && o.Spec.Scenario == r.Spec.Scenario && o.Batch == r.Batch &&
			slices.Equal(o.Spec.Trunk, r.Spec.Trunk) {
			return j
		}
	}
	return -1
}
