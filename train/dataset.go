// Package train trains barriergym policies: imitation of demonstrations
// (BarrierNet's published data or the scenario's own expert) and, later,
// reinforcement learning, writing a self-contained run directory.
package train

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/policy"
)

// BarrierNet's 2-D robot demonstrations (Xiao et al., MIT licence), as
// published, converted to CSV: see data/barriernet-robot2d/README.md.
//
//go:embed data/barriernet-robot2d/*.csv
var barrierNetData embed.FS

// EmbeddedData is the name under which configs refer to the embedded data.
const EmbeddedData = "barriernet-robot2d"

// Dataset is a set of demonstrations: observations, the barrier features of
// their states and the expert's controls, row-major.
type Dataset struct {
	ObsDim, FeatDim int
	Obs, Feat, U    []float64
}

// Len is the number of samples.
func (d *Dataset) Len() int { return len(d.U) / 2 }

// Sample returns sample i's observation, features and control.
func (d *Dataset) Sample(i int) (obs, feat, u []float64) {
	return d.Obs[i*d.ObsDim : (i+1)*d.ObsDim], d.Feat[i*d.FeatDim : (i+1)*d.FeatDim], d.U[2*i : 2*i+2]
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

// barrierNetColumns is the header of BarrierNet's CSV format.
var barrierNetColumns = []string{"x", "y", "theta", "v", "dst_y", "u_theta_dot", "u_accel"}

// ReadBarrierNetCSV reads demonstrations in BarrierNet's CSV format
// (x,y,theta,v,dst_y,u_theta_dot,u_accel) for the robot2d spec and
// obstacle. Errors name the file and line.
func ReadBarrierNetCSV(name string, r io.Reader, spec policy.Spec, cfg env.Robot2DConfig) (*Dataset, error) {
	if spec.Scenario != "robot2d" {
		return nil, fmt.Errorf("%s: BarrierNet's CSV holds robot2d demonstrations, the config is %s", name, spec.Scenario)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(barrierNetColumns)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s:1: %w", name, err)
	}
	for i, c := range barrierNetColumns {
		if header[i] != c {
			return nil, fmt.Errorf("%s:1: column %d is %q, want %q (columns %v)", name, i+1, header[i], c, barrierNetColumns)
		}
	}
	d := &Dataset{ObsDim: 5, FeatDim: spec.FeatDim()}
	feat := make([]float64, d.FeatDim)
	o := cfg.Circle()
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		var v [7]float64
		for i, s := range rec {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil || math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
				return nil, fmt.Errorf("%s:%d: %s = %q is not a finite number", name, line, barrierNetColumns[i], s)
			}
		}
		d.Obs = append(d.Obs, v[:5]...)
		policy.Robot2DFeatures([4]float64{v[0], v[1], v[2], v[3]}, o, feat)
		d.Feat = append(d.Feat, feat...)
		d.U = append(d.U, v[5], v[6])
	}
	if d.Len() == 0 {
		return nil, fmt.Errorf("%s: no demonstrations", name)
	}
	return d, nil
}

// LoadBarrierNet reads the training and validation sets from the embedded
// copy (source EmbeddedData) or from a directory holding train.csv and
// valid.csv.
func LoadBarrierNet(source string, spec policy.Spec, cfg env.Robot2DConfig) (trainSet, valid *Dataset, err error) {
	open := func(file string) (io.ReadCloser, string, error) {
		if source == EmbeddedData {
			f, err := barrierNetData.Open("data/barriernet-robot2d/" + file)
			return f, "embedded " + EmbeddedData + "/" + file, err
		}
		p := filepath.Join(source, file)
		f, err := os.Open(p)
		return f, p, err
	}
	var sets [2]*Dataset
	for i, file := range []string{"train.csv", "valid.csv"} {
		f, name, err := open(file)
		if err != nil {
			return nil, nil, fmt.Errorf("demonstrations %s: %w", source, err)
		}
		sets[i], err = ReadBarrierNetCSV(name, f, spec, cfg)
		f.Close()
		if err != nil {
			return nil, nil, err
		}
	}
	return sets[0], sets[1], nil
}

// ExpertDemos rolls out the configured expert for episodes seeded episodes
// from seed (across cores) and records observation, features and control
// at every step.
func ExpertDemos(cfg *configs.Config, spec policy.Spec, episodes int, seed uint64) (*Dataset, error) {
	parts := make([]*Dataset, episodes)
	errs := make([]error, episodes)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < max(1, min(episodes, workers())); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := cfg.NewEnv()
			var c control.Controller
			if err == nil {
				c, err = eval.NewController(cfg, "expert")
			}
			for i := range next {
				if err != nil {
					errs[i] = err
					continue
				}
				parts[i], errs[i] = demo(e, c, spec, seed+uint64(i))
			}
		}()
	}
	for i := 0; i < episodes; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	d := &Dataset{ObsDim: spec.ObsDim, FeatDim: spec.FeatDim()}
	for i, p := range parts {
		if errs[i] != nil {
			return nil, fmt.Errorf("expert demonstration %d: %w", i, errs[i])
		}
		d.Obs = append(d.Obs, p.Obs...)
		d.Feat = append(d.Feat, p.Feat...)
		d.U = append(d.U, p.U...)
	}
	return d, nil
}

func demo(e env.Env, c control.Controller, spec policy.Spec, seed uint64) (*Dataset, error) {
	d := &Dataset{ObsDim: spec.ObsDim, FeatDim: spec.FeatDim()}
	feat := make([]float64, d.FeatDim)
	obs, _ := e.Reset(seed)
	for {
		if err := policy.Features(spec, e, feat); err != nil {
			return nil, err
		}
		act := c.Act(e, obs)
		d.Obs = append(d.Obs, obs...)
		d.Feat = append(d.Feat, feat...)
		d.U = append(d.U, act.U[0], act.U[1])
		var term, trunc bool
		obs, _, _, term, trunc, _ = e.Step(act.U[:])
		if term || trunc {
			return d, nil
		}
	}
}
