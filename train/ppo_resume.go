package train

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/policy"
)

// envSnapshot is what one of PPO's environments needs to continue exactly
// where it was when a checkpoint was written: the controls executed since
// its episode began (the simulators are deterministic, so resetting to the
// episode's seed and replaying them rebuilds the state bit for bit), the
// episode's running figures and the state of its exploration noise.
type envSnapshot struct {
	Controls []float64    `json:"controls"` // m per step since the reset
	Episode  eval.Episode `json:"episode"`
	Noise    []byte       `json:"noise"` // rand.PCG state (MarshalBinary)
}

// snapshotEnvs captures every environment, in index order.
func (r *ppoRun) snapshotEnvs() ([]envSnapshot, error) {
	out := make([]envSnapshot, r.p.NumEnvs)
	for _, w := range r.workers {
		for j := range w.envs {
			noise, err := w.noise[j].MarshalBinary()
			if err != nil {
				return nil, err
			}
			out[w.first+j] = envSnapshot{Controls: w.controls[j], Episode: w.ep[j], Noise: noise}
		}
	}
	return out, nil
}

// restore puts e, in the episode of seed, where the snapshot left it and
// pcg in its state; it returns the observation e gives there.
func (s *envSnapshot) restore(e env.Env, pcg *rand.PCG, seed uint64, m int) ([]float64, error) {
	if err := pcg.UnmarshalBinary(s.Noise); err != nil {
		return nil, fmt.Errorf("noise state: %w", err)
	}
	if len(s.Controls)%m != 0 {
		return nil, fmt.Errorf("%d control values, not a whole number of steps of %d", len(s.Controls), m)
	}
	obs, _ := e.Reset(seed)
	for k := 0; k < len(s.Controls); k += m {
		next, _, _, term, trunc, _ := e.Step(s.Controls[k : k+m])
		if term || trunc {
			return nil, errors.New("the replayed episode ended early: the checkpoint does not belong to this simulator")
		}
		obs = next
	}
	return append([]float64(nil), obs...), nil
}

// validate checks PPO's state from a checkpoint before it is used: sizes
// against the spec, the config and the critic, every number finite and
// every counter in range. A checksum proves the file is what was written,
// not that it makes sense.
func (st *ppoState) validate(r *ppoRun) error {
	m, n := r.spec.M(), r.p.NumEnvs
	iters := r.p.Iterations()
	switch {
	case len(st.LogStd) != m || env.NonFinite(st.LogStd...) >= 0:
		return fmt.Errorf("log_std %v, want %d finite values", st.LogStd, m)
	case st.Iteration < 0 || st.EnvSteps < 0 || st.Episodes < 0 || st.Collided < 0 || !(st.Collisions >= 0) || !(st.Seconds >= 0):
		return errors.New("a counter (iteration, env_steps, train_*, seconds) is negative")
	case len(st.EnvEpisode) != n:
		return fmt.Errorf("env_episode has %d entries, the config %d environments", len(st.EnvEpisode), n)
	case st.Envs != nil && len(st.Envs) != n:
		return fmt.Errorf("envs has %d entries, the config %d environments", len(st.Envs), n)
	case st.Iteration > iters && iters > 0:
		return fmt.Errorf("iteration %d, beyond the config's %d", st.Iteration, iters)
	}
	for i, k := range st.EnvEpisode {
		if k < 0 || (st.Envs != nil && k < 1) {
			return fmt.Errorf("env_episode[%d] is %d", i, k)
		}
	}
	if o := st.Obs; len(o.Mean) != r.spec.ObsDim || len(o.M2) != r.spec.ObsDim || !(o.Count >= 0) ||
		env.NonFinite(o.Mean...) >= 0 || env.NonFinite(o.M2...) >= 0 {
		return fmt.Errorf("obs_stats: want %d finite means and second moments and a count ≥ 0", r.spec.ObsDim)
	}
	if err := checkCritic("critic", st.Value, r.value); err != nil {
		return err
	}
	if err := st.ValueAdam.Validate(r.value.Params(), 0); err != nil {
		return fmt.Errorf("value_adam: %w", err)
	}
	switch lag := r.p.Lagrangian(); {
	case !lag && st.CostValue != nil:
		return errors.New("it holds a cost critic, and the config is plain PPO (train.ppo.lambda_lr 0)")
	case !lag:
		return nil
	case st.CostValue == nil || st.CostValueAdam == nil || st.LambdaAdam == nil:
		return errors.New("it holds no cost critic, and the config is PPO-Lagrangian (train.ppo.lambda_lr > 0)")
	case !(st.Lambda >= 0) || env.NonFinite(st.Lambda) >= 0:
		return fmt.Errorf("lambda %v, want a finite value ≥ 0", st.Lambda)
	}
	if err := checkCritic("cost critic", st.CostValue, r.cvalue); err != nil {
		return err
	}
	if err := st.CostValueAdam.Validate(r.cvalue.Params(), 0); err != nil {
		return fmt.Errorf("cost_value_adam: %w", err)
	}
	if err := st.LambdaAdam.Validate([][]float64{{st.Lambda}}, 0); err != nil {
		return fmt.Errorf("lambda_adam: %w", err)
	}
	return nil
}

// checkCritic reports whether a checkpoint's critic layers fit the
// config's critic v and hold finite values.
func checkCritic(name string, layers []policy.Dense, v *ValueNet) error {
	if len(layers) != len(v.Layers) {
		return fmt.Errorf("the %s has %d layers, the config %d", name, len(layers), len(v.Layers))
	}
	for i, l := range layers {
		w := v.Layers[i]
		if l.In != w.In || l.Out != w.Out || len(l.W) != len(w.W) || len(l.B) != len(w.B) {
			return fmt.Errorf("%s layer %d is %d×%d, the config's %d×%d", name, i, l.In, l.Out, w.In, w.Out)
		}
		if env.NonFinite(l.W...) >= 0 || env.NonFinite(l.B...) >= 0 {
			return fmt.Errorf("%s layer %d holds a value that is not finite", name, i)
		}
	}
	return nil
}
