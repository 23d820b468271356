// Package configs holds barriergym's configuration schema, its defaults and
// a strict loader that points at the file, line and key of anything wrong.
// The env section belongs to the selected scenario (env.<scenario>, its own
// settings type); every other section is generic. Configs embedded in the
// binary come from the registered scenarios (env.Scenario.Configs).
package configs

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/barriergym/barriergym/env"
)

// Config is a whole run: the scenario, the safety layer, the policy, its
// training and its evaluation. Every field's doc tag is the one-line
// comment `barriergym config show` prints beside it.
type Config struct {
	Name    string        `yaml:"name" doc:"names the run directories (runs/<name>-<time>)"`
	Env     EnvConfig     `yaml:"env" doc:"the scenario and its settings"`
	Barrier BarrierConfig `yaml:"barrier" doc:"the CBF-QP safety layer"`
	Policy  PolicyConfig  `yaml:"policy" doc:"the network"`
	Train   TrainConfig   `yaml:"train" doc:"training"`
	Eval    EvalConfig    `yaml:"eval" doc:"the closed-loop evaluation"`
}

// EnvConfig selects the scenario and holds its settings, the section
// env.<scenario> (a pointer to the scenario's own settings struct).
type EnvConfig struct {
	Scenario string
	Settings env.Settings
}

// BarrierConfig sets the CBF-QP safety layer: the expert's fixed gains, the
// QP's weights and elastic penalties, and the bound on learned gains.
type BarrierConfig struct {
	Gains   []float64 `yaml:"gains" doc:"the expert's class-K gains: one for every gain, or one per gain of the scenario's layout; gains a policy does not learn keep these"`
	Weights []float64 `yaml:"weights" doc:"H's diagonal, one per control: u* = argmin ½(u−u_ref)ᵀH(u−u_ref)"`
	Rho     float64   `yaml:"rho" doc:"elastic QP: linear penalty on the slack of bent rows"`
	Sigma   float64   `yaml:"sigma" doc:"elastic QP: quadratic penalty on the slack"`
	PMax    float64   `yaml:"p_max" doc:"learned gains are p_min + (p_max − p_min)·sigmoid(·); BarrierNet's p_max·sigmoid(·) with p_min 0"`
	PMin    float64   `yaml:"p_min" doc:"the least a learned gain can be: keeps it where the CBF-QP stays feasible (README, drive)"`
	Bounds  bool      `yaml:"bounds" doc:"the control bounds are rows of a policy's QP (the expert filter always has them); without, the simulator clips"`
}

// PolicyConfig describes the network.
type PolicyConfig struct {
	Head       string `yaml:"head" doc:"barriernet (ends in the CBF-QP) or mlp (the control out directly)"`
	Trunk      []int  `yaml:"trunk" doc:"hidden layer sizes of the shared trunk"`
	Branch     []int  `yaml:"branch" doc:"hidden layer sizes of each output branch (u_ref; gains)"`
	Activation string `yaml:"activation" doc:"relu or tanh"`
}

// TrainConfig describes training.
type TrainConfig struct {
	Algorithm  string  `yaml:"algorithm" doc:"imitation or ppo"`
	Data       string  `yaml:"data" doc:"imitation: expert (the scenario's own expert), a published set's name, or a directory of train.csv and valid.csv"`
	Episodes   int     `yaml:"episodes" doc:"imitation from the expert: demonstration episodes (a tenth more, other seeds, validate)"`
	Seed       uint64  `yaml:"seed" doc:"initial weights, shuffling, demonstrations and exploration"`
	Epochs     int     `yaml:"epochs" doc:"imitation: passes over the data"`
	BatchSize  int     `yaml:"batch_size" doc:"imitation: samples per gradient step"`
	LR         float64 `yaml:"lr" doc:"Adam's learning rate"`
	LRSchedule string  `yaml:"lr_schedule" doc:"imitation: constant, or cosine (annealed from lr to 0)"`
	EvalEvery  int     `yaml:"eval_every" doc:"imitation: closed-loop evaluation every this many epochs (0: only at the end)"`
	// EvalEpisodes is the size of those in-training evaluations.
	EvalEpisodes int       `yaml:"eval_episodes" doc:"episodes of each in-training evaluation"`
	PPO          PPOConfig `yaml:"ppo" doc:"reinforcement learning (algorithm: ppo)"`
}

// PPOConfig follows CleanRL's continuous-action PPO. Its defaults are the
// nav recipe the README measures: more environments per iteration, larger
// minibatches and fewer epochs than CleanRL's, because here the update
// costs far more than the rollout.
type PPOConfig struct {
	NumEnvs      int       `yaml:"num_envs" doc:"environments stepped in parallel"`
	Steps        int       `yaml:"steps" doc:"steps per environment per iteration"`
	TotalSteps   int       `yaml:"total_steps" doc:"environment steps in all"`
	Minibatch    int       `yaml:"minibatch" doc:"samples per gradient step"`
	UpdateEpochs int       `yaml:"update_epochs" doc:"passes over each rollout"`
	Gamma        float64   `yaml:"gamma" doc:"discount factor"`
	Lambda       float64   `yaml:"gae_lambda" doc:"GAE's λ"`
	Clip         float64   `yaml:"clip" doc:"ratio and value clipping"`
	EntCoef      float64   `yaml:"ent_coef" doc:"entropy bonus"`
	VFCoef       float64   `yaml:"vf_coef" doc:"value loss weight"`
	MaxGradNorm  float64   `yaml:"max_grad_norm" doc:"global gradient-norm clip"`
	TargetKL     float64   `yaml:"target_kl" doc:"stop an update's epochs past this approximate KL (0: never)"`
	AnnealLR     bool      `yaml:"anneal_lr" doc:"linear learning-rate annealing to 0"`
	LogStdInit   []float64 `yaml:"log_std_init" doc:"initial log-std of the Gaussian, one per control"`
	ValueHidden  []int     `yaml:"value_hidden" doc:"the critic's hidden layer sizes"`
	Shield       string    `yaml:"shield" doc:"policy: project each sample onto the policy's own CBF rows; fixed: onto the expert filter's; none"`
	// PPO-Lagrangian (OmniSafe's PPOLag) when LambdaLR > 0: a cost critic,
	// and the advantage (A_r − λA_c)/(1+λ) with λ ≥ 0 following, by Adam,
	// the mean episode cost's excess over CostLimit.
	CostLimit  float64 `yaml:"cost_limit" doc:"PPO-Lagrangian: the mean episode cost allowed"`
	LambdaLR   float64 `yaml:"lambda_lr" doc:"PPO-Lagrangian: Adam's step on λ, which ascends λ·(mean episode cost − cost_limit) each iteration, clamped at 0; 0: plain PPO"`
	LambdaInit float64 `yaml:"lambda_init" doc:"PPO-Lagrangian: λ at the start"`
}

// Lagrangian reports whether the config asks for PPO-Lagrangian.
func (p PPOConfig) Lagrangian() bool { return p.LambdaLR > 0 }

// Rollout is the environment steps of one PPO iteration: num_envs·steps.
func (p PPOConfig) Rollout() int { return p.NumEnvs * p.Steps }

// Iterations is how many whole rollouts total_steps holds.
func (p PPOConfig) Iterations() int { return p.TotalSteps / p.Rollout() }

// EvalConfig describes the closed-loop evaluation.
type EvalConfig struct {
	Episodes int    `yaml:"episodes" doc:"episodes, seeded seed, seed+1, …"`
	Seed     uint64 `yaml:"seed" doc:"the first episode's seed"`
	Workers  int    `yaml:"workers" doc:"parallel episodes (0: all cores)"`
}

// defaultEvalEpisodes is eval.episodes for scenarios that leave it open.
const defaultEvalEpisodes = 100

// Default returns the defaults of a registered scenario, or an error
// naming the scenarios there are.
func Default(scenario string) (*Config, error) {
	c, err := base(scenario)
	if err != nil {
		return nil, err
	}
	if err := c.fillPerControl(); err != nil {
		return nil, fmt.Errorf("scenario %s: its default settings: %w", scenario, err)
	}
	return c, nil
}

// base returns a scenario's defaults except the values given per control
// when the scenario leaves them open (fillPerControl), which depend on its
// settings.
func base(scenario string) (*Config, error) {
	sc, err := env.Lookup(scenario)
	if err != nil {
		return nil, &env.FieldError{Key: "env.scenario", Msg: err.Error()}
	}
	d := sc.Defaults()
	c := &Config{
		Name:    scenario,
		Env:     EnvConfig{Scenario: scenario, Settings: sc.Settings()},
		Barrier: BarrierConfig{Gains: d.Gains, Weights: d.Weights, Rho: 1e4, Sigma: 1, PMax: 4, Bounds: true},
		Policy:  PolicyConfig{Head: "barriernet", Trunk: []int{128}, Branch: []int{32}, Activation: "relu"},
		Train: TrainConfig{Algorithm: "imitation", Data: "expert", Episodes: 200, Seed: 1,
			Epochs: 20, BatchSize: 64, LR: 1e-3, LRSchedule: "constant", EvalEvery: 5, EvalEpisodes: 10,
			PPO: PPOConfig{NumEnvs: 32, Steps: 128, TotalSteps: 3_000_000, Minibatch: 512, UpdateEpochs: 4,
				Gamma: 0.99, Lambda: 0.95, Clip: 0.2, EntCoef: 0, VFCoef: 0.5, MaxGradNorm: 0.5, TargetKL: 0.02,
				AnnealLR: true, ValueHidden: []int{64, 64}, Shield: "policy"}},
		Eval: EvalConfig{Episodes: defaultEvalEpisodes, Seed: 1},
	}
	if d.EvalEpisodes > 0 {
		c.Eval.Episodes = d.EvalEpisodes
	}
	return c, nil
}

// fillPerControl gives the values that are one per control and were
// neither given nor chosen by the scenario their generic defaults: weight 1
// and initial log-std −0.5 for every control of the configured task.
func (c *Config) fillPerControl() error {
	if c.Barrier.Weights != nil && c.Train.PPO.LogStdInit != nil {
		return nil
	}
	t, err := c.Task()
	if err != nil {
		return err
	}
	m := len(t.Spec().Controls)
	fill := func(v float64) []float64 {
		s := make([]float64, m)
		for i := range s {
			s[i] = v
		}
		return s
	}
	if c.Barrier.Weights == nil {
		c.Barrier.Weights = fill(1)
	}
	if c.Train.PPO.LogStdInit == nil {
		c.Train.PPO.LogStdInit = fill(-0.5)
	}
	return nil
}

// Task returns the configured scenario, or the first impossible value of
// its section as an *env.FieldError keyed from the top (env.<scenario>.<key>).
// A config built in code with no section gets the scenario's defaults.
func (c *Config) Task() (env.Task, error) {
	sc, err := env.Lookup(c.Env.Scenario)
	if err != nil {
		return nil, &env.FieldError{Key: "env.scenario", Msg: err.Error()}
	}
	if c.Env.Settings == nil {
		c.Env.Settings = sc.Settings()
	}
	t, err := sc.Task(c.Env.Settings)
	if err != nil {
		return nil, prefix("env."+c.Env.Scenario, err)
	}
	spec := t.Spec()
	if err := spec.Layout.Validate(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", c.Env.Scenario, err)
	}
	if len(spec.Controls) == 0 || len(spec.Observation) == 0 || !positive(spec.Dt) {
		return nil, fmt.Errorf("scenario %s: %d controls, %d observations, dt %v: want at least one of each and dt > 0",
			c.Env.Scenario, len(spec.Controls), len(spec.Observation), spec.Dt)
	}
	return t, nil
}

// NewEnv returns a fresh environment of the configured scenario.
func (c *Config) NewEnv() (env.Env, error) {
	t, err := c.Task()
	if err != nil {
		return nil, err
	}
	return t.NewEnv(), nil
}

// prefix puts section before the key of a *env.FieldError.
func prefix(section string, err error) error {
	var fe *env.FieldError
	if errors.As(err, &fe) {
		return &env.FieldError{Key: section + "." + fe.Key, Msg: fe.Msg}
	}
	return err
}

// Validate reports the first impossible value as an *env.FieldError whose
// Key is the value's full YAML path (e.g. "env.nav.dt").
func (c *Config) Validate() error {
	t, err := c.Task()
	if err != nil {
		return err
	}
	spec := t.Spec()
	for _, check := range []func() error{
		func() error { return c.Barrier.validate(spec) },
		c.Policy.validate,
		func() error { return c.Train.validate(spec) },
		c.Eval.validate, c.validateShield,
	} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func bad(key, format string, args ...any) error {
	return &env.FieldError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

func positive(v float64) bool { return v > 0 && !math.IsInf(v, 0) }

// controlNames lists the controls for messages, e.g. "θ̇, a".
func controlNames(spec env.Spec) string {
	names := make([]string, len(spec.Controls))
	for i, c := range spec.Controls {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

func (b BarrierConfig) validate(spec env.Spec) error {
	gains := spec.Layout.Gains
	names := make([]string, len(gains))
	for i, g := range gains {
		names[i] = g.Name
	}
	m := len(spec.Controls)
	switch {
	case len(b.Gains) != 1 && len(b.Gains) != len(gains):
		return bad("barrier.gains", "%v, want 1 value (for every gain) or %d (%s)", b.Gains, len(gains), strings.Join(names, ", "))
	case len(b.Weights) != m:
		return bad("barrier.weights", "%v, want %d values > 0 (one per control: %s)", b.Weights, m, controlNames(spec))
	case b.Rho < 0 || math.IsInf(b.Rho, 0) || math.IsNaN(b.Rho):
		return bad("barrier.rho", "%v, want ≥ 0", b.Rho)
	case !positive(b.Sigma):
		return bad("barrier.sigma", "%v, want > 0", b.Sigma)
	case !positive(b.PMax):
		return bad("barrier.p_max", "%v, want > 0", b.PMax)
	case !(b.PMin >= 0 && b.PMin < b.PMax):
		return bad("barrier.p_min", "%v, want ≥ 0 and below p_max = %v", b.PMin, b.PMax)
	}
	for _, g := range b.Gains {
		if !positive(g) {
			return bad("barrier.gains", "%v, want every gain > 0", b.Gains)
		}
	}
	for _, w := range b.Weights {
		if !positive(w) {
			return bad("barrier.weights", "%v, want every weight > 0", b.Weights)
		}
	}
	return nil
}

// ExpertGains returns the expert's full gain vector (one value per gain
// of layout): barrier.gains itself, or its one value for every gain.
func (b BarrierConfig) ExpertGains(spec env.Spec) []float64 {
	n := len(spec.Layout.Gains)
	if len(b.Gains) == n {
		return b.Gains
	}
	all := make([]float64, n)
	for i := range all {
		all[i] = b.Gains[0]
	}
	return all
}

func (p PolicyConfig) validate() error {
	switch {
	case p.Head != "barriernet" && p.Head != "mlp":
		return bad("policy.head", "%q, want barriernet or mlp", p.Head)
	case p.Activation != "relu" && p.Activation != "tanh":
		return bad("policy.activation", "%q, want relu or tanh", p.Activation)
	case len(p.Trunk) == 0:
		return bad("policy.trunk", "empty, want at least one layer")
	}
	for key, l := range map[string][]int{"policy.trunk": p.Trunk, "policy.branch": p.Branch} {
		for _, n := range l {
			if n < 1 {
				return bad(key, "layer size %d, want ≥ 1", n)
			}
		}
	}
	return nil
}

func (c *Config) validateShield() error {
	if c.Train.Algorithm == "ppo" && c.Train.PPO.Shield == "policy" && c.Policy.Head != "barriernet" {
		return bad("train.ppo.shield", "policy needs policy.head barriernet (an MLP has no CBF rows); use fixed or none")
	}
	return nil
}

func (t TrainConfig) validate(spec env.Spec) error {
	switch {
	case t.Algorithm != "imitation" && t.Algorithm != "ppo":
		return bad("train.algorithm", "%q, want imitation or ppo", t.Algorithm)
	case t.Data == "":
		return bad("train.data", "empty, want expert or a published set")
	case t.Episodes < 1:
		return bad("train.episodes", "%d, want ≥ 1", t.Episodes)
	case t.Epochs < 1:
		return bad("train.epochs", "%d, want ≥ 1", t.Epochs)
	case t.BatchSize < 1:
		return bad("train.batch_size", "%d, want ≥ 1", t.BatchSize)
	case !positive(t.LR):
		return bad("train.lr", "%v, want > 0", t.LR)
	case t.LRSchedule != "constant" && t.LRSchedule != "cosine":
		return bad("train.lr_schedule", "%q, want constant or cosine", t.LRSchedule)
	case t.EvalEvery < 0:
		return bad("train.eval_every", "%d, want ≥ 0", t.EvalEvery)
	case t.EvalEvery > 0 && t.EvalEpisodes < 1:
		return bad("train.eval_episodes", "%d, want ≥ 1", t.EvalEpisodes)
	}
	return t.PPO.validate(spec)
}

func (p PPOConfig) validate(spec env.Spec) error {
	switch {
	case p.NumEnvs < 1:
		return bad("train.ppo.num_envs", "%d, want ≥ 1", p.NumEnvs)
	case p.Steps < 1:
		return bad("train.ppo.steps", "%d, want ≥ 1", p.Steps)
	case p.Minibatch < 1 || p.Minibatch > p.Rollout():
		return bad("train.ppo.minibatch", "%d, want between 1 and num_envs·steps = %d", p.Minibatch, p.Rollout())
	case p.TotalSteps < p.Rollout():
		return bad("train.ppo.total_steps", "%d, want at least one iteration (num_envs·steps = %d)", p.TotalSteps, p.Rollout())
	case p.UpdateEpochs < 1:
		return bad("train.ppo.update_epochs", "%d, want ≥ 1", p.UpdateEpochs)
	case !(p.Gamma > 0 && p.Gamma <= 1):
		return bad("train.ppo.gamma", "%v, want in (0, 1]", p.Gamma)
	case !(p.Lambda >= 0 && p.Lambda <= 1):
		return bad("train.ppo.gae_lambda", "%v, want in [0, 1]", p.Lambda)
	case !positive(p.Clip):
		return bad("train.ppo.clip", "%v, want > 0", p.Clip)
	case p.EntCoef < 0 || p.VFCoef < 0 || p.TargetKL < 0:
		return bad("train.ppo", "ent_coef, vf_coef and target_kl must be ≥ 0")
	case !positive(p.MaxGradNorm):
		return bad("train.ppo.max_grad_norm", "%v, want > 0", p.MaxGradNorm)
	case len(p.LogStdInit) != len(spec.Controls):
		return bad("train.ppo.log_std_init", "%v, want %d values (one per control: %s)", p.LogStdInit, len(spec.Controls), controlNames(spec))
	case p.Shield != "policy" && p.Shield != "fixed" && p.Shield != "none":
		return bad("train.ppo.shield", "%q, want policy, fixed or none", p.Shield)
	case !(p.CostLimit >= 0) || math.IsInf(p.CostLimit, 0):
		return bad("train.ppo.cost_limit", "%v, want a finite value ≥ 0", p.CostLimit)
	case !(p.LambdaLR >= 0) || math.IsInf(p.LambdaLR, 0):
		return bad("train.ppo.lambda_lr", "%v, want a finite value ≥ 0 (0: plain PPO)", p.LambdaLR)
	case !(p.LambdaInit >= 0) || math.IsInf(p.LambdaInit, 0):
		return bad("train.ppo.lambda_init", "%v, want a finite value ≥ 0", p.LambdaInit)
	}
	for _, n := range p.ValueHidden {
		if n < 1 {
			return bad("train.ppo.value_hidden", "layer size %d, want ≥ 1", n)
		}
	}
	return nil
}

func (e EvalConfig) validate() error {
	switch {
	case e.Episodes < 1:
		return bad("eval.episodes", "%d, want ≥ 1", e.Episodes)
	case e.Workers < 0:
		return bad("eval.workers", "%d, want ≥ 0", e.Workers)
	}
	return nil
}
