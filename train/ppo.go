package train

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/policy"
	"github.com/barriergym/barriergym/progress"
)

// ppoState is what a PPO checkpoint carries beyond the policy network.
type ppoState struct {
	LogStd     []float64             `json:"log_std"`
	Value      []policy.Dense        `json:"value"`
	ValueAdam  policy.OptimizerState `json:"value_adam"`
	Obs        *RunningStats         `json:"obs_stats"`
	Iteration  int                   `json:"iteration"`
	EnvSteps   int                   `json:"env_steps"`
	Collisions float64               `json:"train_collision_steps"`
	Collided   int                   `json:"train_collided_episodes"`
	Episodes   int                   `json:"train_episodes"`
	Seconds    float64               `json:"seconds"`
	EnvEpisode []int                 `json:"env_episode"` // episodes begun per environment
	// Envs is where every environment stands in its episode (see
	// envSnapshot), so that a resumed run continues exactly.
	Envs []envSnapshot `json:"envs,omitempty"`
	// PPO-Lagrangian: the cost critic, its optimizer and the multiplier.
	CostValue     []policy.Dense         `json:"cost_value,omitempty"`
	CostValueAdam *policy.OptimizerState `json:"cost_value_adam,omitempty"`
	Lambda        float64                `json:"lambda"`
	LambdaAdam    *policy.OptimizerState `json:"lambda_adam,omitempty"`
}

// PPOMetrics is one row of a PPO run's metrics.csv (per iteration).
type PPOMetrics struct {
	Iteration                                   int
	EpRet, EpCost, EpLen, SuccessRate           float64 // episodes finished in the iteration
	CollisionRate, MinBarrier                   float64
	Intervention, QPSlackActive                 float64 // fraction of steps
	PolicyStd, KL, ClipFrac, LossPi, LossV, FPS float64
	TotalEnvSteps                               int
	TrainCollisionSteps, TrainCollidedEpisodes  float64 // cumulative
	Seconds                                     float64
}

var ppoHeader = []string{"Iteration", "EpRet", "EpCost", "EpLen", "SuccessRate", "CollisionRate", "MinBarrier",
	"Intervention", "QPSlackActive", "PolicyStd", "KL", "ClipFrac", "LossPi", "LossV", "FPS", "TotalEnvSteps",
	"TrainCollisionSteps", "TrainCollidedEpisodes", "Seconds"}

func (m PPOMetrics) values() []float64 {
	return []float64{float64(m.Iteration), m.EpRet, m.EpCost, m.EpLen, m.SuccessRate, m.CollisionRate, m.MinBarrier,
		m.Intervention, m.QPSlackActive, m.PolicyStd, m.KL, m.ClipFrac, m.LossPi, m.LossV, m.FPS,
		float64(m.TotalEnvSteps), m.TrainCollisionSteps, m.TrainCollidedEpisodes, m.Seconds}
}

func ppoMetricsOf(v []float64) PPOMetrics {
	return PPOMetrics{Iteration: int(v[0]), EpRet: v[1], EpCost: v[2], EpLen: v[3], SuccessRate: v[4],
		CollisionRate: v[5], MinBarrier: v[6], Intervention: v[7], QPSlackActive: v[8], PolicyStd: v[9], KL: v[10],
		ClipFrac: v[11], LossPi: v[12], LossV: v[13], FPS: v[14], TotalEnvSteps: int(v[15]),
		TrainCollisionSteps: v[16], TrainCollidedEpisodes: v[17], Seconds: v[18]}
}

// ppoRun is one PPO training run.
type ppoRun struct {
	cfg    *configs.Config
	p      configs.PPOConfig
	spec   policy.Spec
	task   env.Task
	net    *policy.Net
	st     ppoState
	value  *ValueNet
	cvalue *ValueNet // PPO-Lagrangian's cost critic (nil otherwise)
	// learners are the policy graph for the two halves of a minibatch,
	// run side by side (one core each); their gradients are summed.
	learners [2]*policy.Learner
	gradSum  [][]float64
	adamPi   *Adam
	adamV    *Adam
	adamC    *Adam
	adamL    *Adam // λ's optimizer (PPO-Lagrangian)
	workers  []*ppoWorker
	buf      rollout
	mb       minibatch
	rows     []PPOMetrics
	flushed  int // the iteration the run directory holds (flush)
	runBase
}

// criticScratch is a critic step's memory: the minibatch's normalized
// observations and ∂loss/∂V.
type criticScratch struct{ X, dV []float64 }

// minibatch is the policy step under way: its samples and normalized
// advantages, read by the surrogate losses in the learners' runs, and what
// each half's loss found besides its value.
type minibatch struct {
	idx   []int
	adv   []float64
	sigma []float64 // σ per control
	half  [2]halfStats
}

// halfStats is one half of a minibatch: where it starts, and what it adds
// to the step: ∂loss/∂log σ per control, the KL estimate and the clipped
// fraction (each already divided by the whole minibatch's size).
type halfStats struct {
	lo           int // the half's first sample in the minibatch
	dLogStd      []float64
	kl, clipFrac float64
}

// rollout holds one iteration's transitions, environment-major: sample
// (env i, step t) is at i·T + t.
type rollout struct {
	obs, feat, act []float64
	logp, val, rew []float64
	done           []bool
	adv, ret       []float64
	// PPO-Lagrangian: costs (bootstrapped at truncation), cost values,
	// advantages and returns.
	cost, cval, cadv, cret []float64
	lastCVal               []float64
	mbCAdv                 []float64
	// Scratch of the update: a minibatch's advantages (policyStep) and
	// each critic's (valueStep, alongside).
	mbAdv                     []float64
	valueScratch, costScratch criticScratch
	lastVal                   []float64 // V after the last step, per env
	interventions             int
	slackSteps                int
	finished                  []eval.Episode
}

// ppoWorker steps a share of the environments with its own actor, critic
// scratch, shield and random streams.
type ppoWorker struct {
	first  int // global index of its first env
	envs   []env.Env
	actor  *policy.Actor
	value  *ValueNet // shares the run's weights
	cvalue *ValueNet // the cost critic, sharing the run's (PPO-Lagrangian)
	shield *control.Filter
	rngs   []*rand.Rand
	noise  []*rand.PCG // the sources of rngs, whose state a checkpoint keeps
	// controls holds, per environment, the controls executed since its
	// last reset (m per step): replayed on resume to rebuild its state.
	controls [][]float64
	obs      [][]float64
	ep       []eval.Episode
	rows     *policy.Features
	feat     []float64
	norm     []float64
	act      []float64 // the sampled action
	batch    []float64 // the observations of a step, one row per env (Actor.NetBatch)
	normed   []float64 // the same, normalized (the critics' batch)
}

// PPO trains cfg's policy with proximal policy optimization and writes a
// run directory; with opts.Resume it continues that run.
func PPO(ctx context.Context, cfg *configs.Config, opts Options) (*Result, error) {
	r := &ppoRun{runBase: runBase{log: opts.Log, started: time.Now(), saveEvery: opts.SaveEvery}}
	defer r.unlock()
	if err := r.setup(cfg, opts); err != nil {
		return nil, err
	}
	defer r.closeLearners()
	res := &Result{Dir: r.dir}
	iters := r.p.Iterations()
	bar := progress.New(r.log, fmt.Sprintf("ppo iterations %d–%d", r.st.Iteration+1, iters), iters-r.st.Iteration)
	defer bar.Finish()
	for r.st.Iteration < iters {
		if ctx.Err() != nil {
			bar.Finish()
			res.Epochs = r.st.Iteration
			if r.st.Iteration > r.flushed {
				if err := r.flush(); err != nil {
					return res, err
				}
			}
			r.logf("interrupted at iteration %d; %s holds iteration %d: continue with -resume %s\n",
				r.st.Iteration+1, filepath.Join(r.dir, CheckpointFile), r.st.Iteration, r.dir)
			return res, ErrInterrupted
		}
		m, err := r.iterate(iters)
		if err != nil {
			return res, err
		}
		if err := r.record(m); err != nil {
			return res, err
		}
		bar.Add(1)
		if opts.afterEpoch != nil {
			opts.afterEpoch(r.st.Iteration)
		}
	}
	bar.Finish()
	sum, err := r.finalEval()
	if err != nil {
		return res, err
	}
	res.Epochs, res.Seconds, res.Final = r.st.Iteration, r.elapsed(), sum
	return res, nil
}

func (r *ppoRun) setup(cfg *configs.Config, opts Options) error {
	cfg, ck, err := r.open(cfg, opts)
	if err != nil {
		return err
	}
	r.cfg, r.p = cfg, cfg.Train.PPO
	if r.spec, err = policy.SpecFor(cfg); err != nil {
		return err
	}
	if r.task, err = cfg.Task(); err != nil {
		return err
	}
	if ck != nil {
		if err := r.restore(ck); err != nil {
			return fmt.Errorf("resume %s: %w", r.dir, err)
		}
	} else {
		r.net = policy.NewNet(r.spec, cfg.Train.Seed)
		r.value = NewValueNet(r.spec.ObsDim, r.p.ValueHidden, cfg.Train.Seed+1)
		r.st = ppoState{LogStd: append([]float64(nil), r.p.LogStdInit...), Obs: NewRunningStats(r.spec.ObsDim),
			EnvEpisode: make([]int, r.p.NumEnvs)}
		r.adamPi = NewAdam(cfg.Train.LR, r.piParams())
		r.adamV = NewAdam(cfg.Train.LR, r.value.Params())
		if r.p.Lagrangian() {
			r.cvalue = NewValueNet(r.spec.ObsDim, r.p.ValueHidden, cfg.Train.Seed+2)
			r.adamC = NewAdam(cfg.Train.LR, r.cvalue.Params())
			r.st.Lambda = r.p.LambdaInit
			r.adamL = NewAdam(r.p.LambdaLR, [][]float64{{0}})
		}
	}
	if err := r.makeLearners(); err != nil {
		return err
	}
	if err := r.makeWorkers(); err != nil {
		return err
	}
	if ck == nil {
		if err := r.create(opts, cfg); err != nil {
			return err
		}
		if err := r.save(CheckpointFile); err != nil {
			return err
		}
	}
	r.logf("run %s: PPO, %s policy (%d parameters), shield %s, %d envs × %d steps per iteration, %d steps\n",
		r.dir, r.spec.Head, r.net.NumParams(), r.p.Shield, r.p.NumEnvs, r.p.Steps, r.p.TotalSteps)
	return nil
}

// piParams are the policy's parameters and its log-std.
func (r *ppoRun) piParams() [][]float64 { return append(r.net.Params(), r.st.LogStd) }

func (r *ppoRun) restore(ck *policy.Checkpoint) error {
	var err error
	if r.net, err = ck.Net(r.spec); err != nil {
		return err
	}
	if err := json.Unmarshal(ck.Extra, &r.st); err != nil || r.st.Obs == nil {
		return fmt.Errorf("the checkpoint holds no PPO state (%v)", err)
	}
	r.offset = r.st.Seconds
	r.value = NewValueNet(r.spec.ObsDim, r.p.ValueHidden, 0)
	if r.p.Lagrangian() {
		r.cvalue = NewValueNet(r.spec.ObsDim, r.p.ValueHidden, 0)
	}
	if err := r.st.validate(r); err != nil {
		return fmt.Errorf("the checkpoint's PPO state: %w", err)
	}
	if r.st.Envs == nil {
		r.logf("this checkpoint predates exact resume: every environment starts a new episode\n")
	}
	for i, l := range r.st.Value {
		copy(r.value.Layers[i].W, l.W)
		copy(r.value.Layers[i].B, l.B)
	}
	r.adamPi = NewAdam(r.cfg.Train.LR, r.piParams())
	if ck.Optimizer != nil {
		r.adamPi.State = *ck.Optimizer
	}
	r.adamV = NewAdam(r.cfg.Train.LR, r.value.Params())
	r.adamV.State = r.st.ValueAdam
	if r.p.Lagrangian() {
		for i, l := range r.st.CostValue {
			copy(r.cvalue.Layers[i].W, l.W)
			copy(r.cvalue.Layers[i].B, l.B)
		}
		r.adamC = NewAdam(r.cfg.Train.LR, r.cvalue.Params())
		r.adamC.State = *r.st.CostValueAdam
		r.adamL = NewAdam(r.p.LambdaLR, [][]float64{{0}})
		r.adamL.State = *r.st.LambdaAdam
	}
	rows, err := ReadPPOMetrics(r.dir)
	if err != nil {
		return err
	}
	r.rows = rows[:min(len(rows), r.st.Iteration)]
	r.flushed = r.st.Iteration
	return nil
}

func (r *ppoRun) makeWorkers() error {
	n, w := r.p.NumEnvs, min(workers(), r.p.NumEnvs)
	r.workers = nil
	for k := 0; k < w; k++ {
		lo, hi := k*n/w, (k+1)*n/w
		wk := &ppoWorker{first: lo, actor: policy.NewActor(r.net), rows: policy.NewFeatures(r.spec),
			feat: make([]float64, r.spec.FeatDim()), norm: make([]float64, r.spec.ObsDim), act: make([]float64, r.spec.M())}
		wk.value = &ValueNet{Layers: r.value.Layers}
		if r.cvalue != nil {
			wk.cvalue = &ValueNet{Layers: r.cvalue.Layers}
		}
		if r.p.Shield == "fixed" {
			spec := r.task.Spec()
			f, err := control.NewFilter(control.NewNominal(len(spec.Controls)), eval.FilterConfig(r.cfg, spec))
			if err != nil {
				return err
			}
			wk.shield = f
		}
		for i := lo; i < hi; i++ {
			if err := r.addEnv(wk, i); err != nil {
				return err
			}
		}
		r.workers = append(r.workers, wk)
	}
	r.st.Envs = nil
	return nil
}

// addEnv gives worker wk environment i: at the start of a new episode, or,
// when resuming, exactly where the checkpoint left it.
func (r *ppoRun) addEnv(wk *ppoWorker, i int) error {
	e := r.task.NewEnv()
	pcg := rand.NewPCG(r.cfg.Train.Seed, uint64(i)+1<<32*uint64(r.st.Iteration))
	wk.envs, wk.noise, wk.rngs = append(wk.envs, e), append(wk.noise, pcg), append(wk.rngs, rand.New(pcg))
	if r.st.Envs != nil {
		obs, err := r.st.Envs[i].restore(e, pcg, env.EpisodeSeed(r.cfg.Train.Seed, i, r.st.EnvEpisode[i]-1), r.spec.M())
		if err != nil {
			return fmt.Errorf("environment %d: %w", i, err)
		}
		wk.obs, wk.ep = append(wk.obs, obs), append(wk.ep, r.st.Envs[i].Episode)
		wk.controls = append(wk.controls, r.st.Envs[i].Controls)
		return nil
	}
	obs, _ := e.Reset(env.EpisodeSeed(r.cfg.Train.Seed, i, r.st.EnvEpisode[i]))
	r.st.EnvEpisode[i]++
	wk.obs = append(wk.obs, append([]float64(nil), obs...))
	wk.ep = append(wk.ep, eval.Episode{MinBarrier: math.Inf(1)})
	wk.controls = append(wk.controls, nil)
	return nil
}

// makeLearners builds the graphs of the two halves of a minibatch (sizes
// ⌊M/2⌋ and ⌈M/2⌉), each with its half's surrogate loss.
func (r *ppoRun) makeLearners() error {
	M := r.p.Minibatch
	for h, size := range []int{M / 2, M - M/2} {
		if size == 0 {
			continue
		}
		l, err := policy.NewLossLearner(r.net, size, r.surrogate(h))
		if err != nil {
			r.closeLearners()
			return err
		}
		r.learners[h] = l
	}
	return nil
}

func (r *ppoRun) closeLearners() {
	for _, l := range r.learners {
		if l != nil {
			l.Close()
		}
	}
}
