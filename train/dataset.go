// Package train trains barriergym policies — imitation of demonstrations
// (a scenario's published data or its own expert) and PPO through the
// safety layer — writing a self-contained run directory.
package train

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/policy"
)

// Dataset is a set of demonstrations: observations, the barrier features of
// their states and the expert's controls, row-major.
type Dataset struct {
	ObsDim, FeatDim, M int
	Obs, Feat, U       []float64
}

// newDataset returns an empty dataset shaped for spec.
func newDataset(spec policy.Spec) *Dataset {
	return &Dataset{ObsDim: spec.ObsDim, FeatDim: spec.FeatDim(), M: spec.M()}
}

// Len is the number of samples.
func (d *Dataset) Len() int { return len(d.U) / d.M }

// Sample returns sample i's observation, features and control.
func (d *Dataset) Sample(i int) (obs, feat, u []float64) {
	return d.Obs[i*d.ObsDim : (i+1)*d.ObsDim], d.Feat[i*d.FeatDim : (i+1)*d.FeatDim], d.U[i*d.M : (i+1)*d.M]
}

// append adds the samples of o.
func (d *Dataset) append(o *Dataset) {
	d.Obs = append(d.Obs, o.Obs...)
	d.Feat = append(d.Feat, o.Feat...)
	d.U = append(d.U, o.U...)
}

// Stats returns the observations' mean and standard deviation.
func (d *Dataset) Stats() (mean, std []float64) {
	n := float64(d.Len())
	mean, std = make([]float64, d.ObsDim), make([]float64, d.ObsDim)
	for i := 0; i < d.Len(); i++ {
		for k := 0; k < d.ObsDim; k++ {
			mean[k] += d.Obs[i*d.ObsDim+k] / n
		}
	}
	for i := 0; i < d.Len(); i++ {
		for k := 0; k < d.ObsDim; k++ {
			x := d.Obs[i*d.ObsDim+k] - mean[k]
			std[k] += x * x / n
		}
	}
	for k := range std {
		std[k] = math.Sqrt(std[k])
	}
	return mean, std
}

// LoadDemos reads the training and validation parts of a task's published
// demonstrations (source: an embedded set's name or a directory holding
// train.csv and valid.csv).
func LoadDemos(task env.Task, source string, spec policy.Spec) (trainSet, valid *Dataset, err error) {
	src, ok := task.(env.DemoSource)
	if !ok {
		return nil, nil, fmt.Errorf("train.data %q: scenario %s has no published demonstrations; use expert", source, spec.Scenario)
	}
	var sets [2]*Dataset
	for i, part := range []string{"train", "valid"} {
		d := newDataset(spec)
		pack := policy.NewFeatures(spec)
		feat := make([]float64, d.FeatDim)
		var bad error
		err := src.ReadDemos(source, part, func(obs []float64, rows []barrier.Row, u []float64) {
			if bad == nil && (len(obs) != d.ObsDim || len(u) != d.M) {
				bad = fmt.Errorf("demonstrations %s: a sample of %d observations and %d controls, the scenario has %d and %d",
					source, len(obs), len(u), d.ObsDim, d.M)
			}
			pack.Pack(rows, feat)
			d.Obs = append(d.Obs, obs...)
			d.Feat = append(d.Feat, feat...)
			d.U = append(d.U, u...)
		})
		if err == nil {
			err = bad
		}
		if err != nil {
			if !slices.Contains(src.DemoSets(), source) && !strings.ContainsAny(source, `/\`) {
				err = fmt.Errorf("%w (published sets of %s: %s)", err, spec.Scenario, strings.Join(src.DemoSets(), ", "))
			}
			return nil, nil, err
		}
		sets[i] = d
	}
	return sets[0], sets[1], nil
}

// ExpertDemos rolls out the configured expert for episodes seeded episodes
// from seed (across cores) and records observation, features and control
// at every step.
func ExpertDemos(cfg *configs.Config, spec policy.Spec, episodes int, seed uint64) (*Dataset, error) {
	task, err := cfg.Task()
	if err != nil {
		return nil, err
	}
	parts := make([]*Dataset, episodes)
	errs := make([]error, episodes)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(1, min(episodes, workers())); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := task.NewEnv()
			c, err := eval.NewController(cfg, "expert")
			pack := policy.NewFeatures(spec)
			for i := range next {
				if err != nil {
					errs[i] = err
					continue
				}
				parts[i] = demo(e, c, pack, spec, seed+uint64(i))
			}
		}()
	}
	for i := 0; i < episodes; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	d := newDataset(spec)
	for i, p := range parts {
		if errs[i] != nil {
			return nil, fmt.Errorf("expert demonstration %d: %w", i, errs[i])
		}
		d.append(p)
	}
	return d, nil
}

func demo(e env.Env, c control.Controller, pack *policy.Features, spec policy.Spec, seed uint64) *Dataset {
	d := newDataset(spec)
	feat := make([]float64, d.FeatDim)
	obs, _ := e.Reset(seed)
	for {
		pack.Read(e, feat)
		act := c.Act(e, obs)
		d.Obs = append(d.Obs, obs...)
		d.Feat = append(d.Feat, feat...)
		d.U = append(d.U, act.U...)
		var term, trunc bool
		obs, _, _, term, trunc, _ = e.Step(act.U)
		if term || trunc {
			return d
		}
	}
}
