// Package report summarizes training runs over seeds. Runs are grouped by
// their config with the seed left out (so a group is one config and one
// set of overrides), and every figure is reported per group as the mean,
// the standard deviation, a 95 % bootstrap confidence interval of the mean
// and the interquartile mean (Agarwal et al., "Deep RL at the edge of the
// statistical precipice", NeurIPS 2021) — the statistics a safe-RL claim
// over a handful of seeds needs.
package report

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/train"
)

// Run is one finished run as the report reads it.
type Run struct {
	Dir    string
	Config *configs.Config
	Final  eval.Summary // eval.json
	// Figures of the training itself, from metrics.csv's last row.
	Seconds               float64 // wall-clock, resumed parts included
	TrainCollisionSteps   float64 // PPO: steps in collision during training (NaN otherwise)
	TrainCollidedEpisodes float64 // PPO: episodes with a collision during training (NaN otherwise)
	curve                 []point // learning curve: return (PPO) or validation loss (imitation)
}

// point is one point of a learning curve: x environment steps (PPO) or
// epochs (imitation).
type point struct{ X, Y float64 }

// Find returns the finished runs under the given paths: each path is a
// run directory, or a directory whose subdirectories (at any depth) hold
// runs, as a sweep's output does. A run is finished when its eval.json is
// written; unfinished runs are listed in skipped.
func Find(paths []string) (runs []*Run, skipped []string, err error) {
	for _, p := range paths {
		err := filepath.WalkDir(p, func(dir string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			if _, err := os.Stat(filepath.Join(dir, train.ConfigFile)); err != nil {
				return nil
			}
			if _, err := os.Stat(filepath.Join(dir, train.EvalFile)); err != nil {
				skipped = append(skipped, dir)
				return filepath.SkipDir
			}
			r, err := Read(dir)
			if err != nil {
				return err
			}
			runs = append(runs, r)
			return filepath.SkipDir
		})
		if err != nil {
			return nil, nil, fmt.Errorf("report: %w", err)
		}
	}
	if len(runs) == 0 {
		return nil, skipped, fmt.Errorf("report: no finished run (a directory with %s and %s) under %v", train.ConfigFile, train.EvalFile, paths)
	}
	return runs, skipped, nil
}

// Read reads one finished run directory.
func Read(dir string) (*Run, error) {
	cfg, err := train.ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, train.EvalFile))
	if err != nil {
		return nil, err
	}
	r := &Run{Dir: dir, Config: cfg, TrainCollisionSteps: math.NaN(), TrainCollidedEpisodes: math.NaN()}
	if err := json.Unmarshal(data, &r.Final); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, train.EvalFile), err)
	}
	if cfg.Train.Algorithm == "ppo" {
		rows, err := train.ReadPPOMetrics(dir)
		if err != nil {
			return nil, err
		}
		for _, m := range rows {
			r.curve = append(r.curve, point{float64(m.TotalEnvSteps), m.EpRet})
		}
		if n := len(rows); n > 0 {
			last := rows[n-1]
			r.Seconds, r.TrainCollisionSteps, r.TrainCollidedEpisodes = last.Seconds, last.TrainCollisionSteps, last.TrainCollidedEpisodes
		}
		return r, nil
	}
	rows, err := train.ReadMetrics(dir)
	if err != nil {
		return nil, err
	}
	for _, m := range rows {
		r.curve = append(r.curve, point{float64(m.Epoch), m.ValLoss})
	}
	if n := len(rows); n > 0 {
		r.Seconds = rows[n-1].Seconds
	}
	return r, nil
}

// Group is the runs of one config and set of overrides, seeds pooled.
type Group struct {
	Name  string
	Runs  []*Run
	Stats []Stat // one per metric, in Metrics order
}

// Stat is one metric of a group over its runs.
type Stat struct {
	Metric     string    `json:"metric"`
	N          int       `json:"n"` // runs with a value
	Mean       float64   `json:"mean"`
	Std        float64   `json:"std"` // sample standard deviation (n − 1)
	CILo, CIHi float64   `json:"-"`   // 95 % percentile-bootstrap interval of the mean
	IQM        float64   `json:"iqm"` // mean of the middle half (25 % trimmed each side)
	Values     []float64 `json:"values"`
}

// Metric is one figure the report summarizes, read from a run.
type Metric struct {
	Name string
	Of   func(*Run) float64
}

// Metrics are the figures of every report: final evaluation, training
// safety and cost.
var Metrics = []Metric{
	{"success_rate", func(r *Run) float64 { return r.Final.SuccessRate }},
	{"collision_rate", func(r *Run) float64 { return r.Final.CollisionRate }},
	{"min_barrier", func(r *Run) float64 { return r.Final.MinBarrier }},
	{"mean_min_barrier", func(r *Run) float64 { return r.Final.MeanMinBarrier }},
	{"mean_return", func(r *Run) float64 { return r.Final.MeanReturn }},
	{"mean_length", func(r *Run) float64 { return r.Final.MeanLength }},
	{"intervention_rate", func(r *Run) float64 { return r.Final.InterventionRate }},
	{"train_collision_steps", func(r *Run) float64 { return r.TrainCollisionSteps }},
	{"train_collided_episodes", func(r *Run) float64 { return r.TrainCollidedEpisodes }},
	{"wall_clock_s", func(r *Run) float64 { return r.Seconds }},
}

// Resamples is the number of bootstrap resamples behind each interval.
const Resamples = 10000

// Summarize groups runs by config (seed left out) and computes every
// metric's statistics. The bootstrap draws from a fixed seed, so a report
// is reproducible. Groups come in the order of their first run's directory.
func Summarize(runs []*Run) ([]*Group, error) {
	byKey := map[string]*Group{}
	var groups []*Group
	sort.Slice(runs, func(i, j int) bool { return runs[i].Dir < runs[j].Dir })
	for _, r := range runs {
		key, err := groupKey(r.Config)
		if err != nil {
			return nil, fmt.Errorf("report: %s: %w", r.Dir, err)
		}
		g := byKey[key]
		if g == nil {
			g = &Group{Name: groupName(r)}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.Runs = append(g.Runs, r)
	}
	for gi, g := range groups {
		rng := rand.New(rand.NewPCG(2021, uint64(gi)))
		for _, m := range Metrics {
			var vals []float64
			for _, r := range g.Runs {
				if v := m.Of(r); !math.IsNaN(v) {
					vals = append(vals, v)
				}
			}
			g.Stats = append(g.Stats, describe(m.Name, vals, rng))
		}
	}
	return groups, nil
}

// groupKey is the run's config with the seed set to 0, rendered: equal for
// the seeds of one config and one set of overrides.
func groupKey(cfg *configs.Config) (string, error) {
	c := *cfg
	c.Train.Seed = 0
	out, err := configs.Render(&c)
	return string(out), err
}

var sweepRunName = regexp.MustCompile(`^\d{3,}-(.*)-seed\d+$`)

// groupName names a group after its first run: a sweep's run directory
// without its index and seed, or the config's name.
func groupName(r *Run) string {
	if m := sweepRunName.FindStringSubmatch(filepath.Base(r.Dir)); m != nil {
		return m[1]
	}
	if r.Config.Name != "" {
		return r.Config.Name
	}
	return filepath.Base(r.Dir)
}

// describe computes the statistics of vals (a metric over a group's runs).
func describe(name string, vals []float64, rng *rand.Rand) Stat {
	s := Stat{Metric: name, N: len(vals), Values: vals, Mean: math.NaN(), Std: math.NaN(),
		CILo: math.NaN(), CIHi: math.NaN(), IQM: math.NaN()}
	if len(vals) == 0 {
		return s
	}
	s.Mean = mean(vals)
	if len(vals) > 1 {
		ss := 0.0
		for _, v := range vals {
			ss += (v - s.Mean) * (v - s.Mean)
		}
		s.Std = math.Sqrt(ss / float64(len(vals)-1))
	}
	s.CILo, s.CIHi = bootstrapCI(vals, rng)
	s.IQM = iqm(vals)
	return s
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// bootstrapCI returns the 95 % percentile-bootstrap interval of the mean:
// the 2.5th and 97.5th percentiles of the means of Resamples resamples
// drawn with replacement.
func bootstrapCI(vals []float64, rng *rand.Rand) (lo, hi float64) {
	n := len(vals)
	means := make([]float64, Resamples)
	for b := range means {
		s := 0.0
		for i := 0; i < n; i++ {
			s += vals[rng.IntN(n)]
		}
		means[b] = s / float64(n)
	}
	sort.Float64s(means)
	return quantile(means, 0.025), quantile(means, 0.975)
}

// quantile returns the q-quantile of sorted values, interpolating linearly
// between order statistics.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(math.Floor(pos))
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}

// iqm returns the interquartile mean: the mean of the values left when
// ⌊n/4⌋ are cut from each end of the sorted values (scipy's trim_mean at
// 0.25, as rliable computes it).
func iqm(vals []float64) float64 {
	s := append([]float64(nil), vals...)
	sort.Float64s(s)
	cut := len(s) / 4
	return mean(s[cut : len(s)-cut])
}
