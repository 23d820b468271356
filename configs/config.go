// Package configs holds barriergym's configuration schema, its defaults,
// the YAML files embedded in the binary, and a strict loader that points at
// the file, line and key of anything wrong.
package configs

import (
	"errors"
	"fmt"
	"math"

	"github.com/barriergym/barriergym/env"
)

// Config is a whole run: the scenario, the safety layer, the policy, its
// training and its evaluation.
type Config struct {
	Name    string        `yaml:"name"`
	Env     EnvConfig     `yaml:"env"`
	Barrier BarrierConfig `yaml:"barrier"`
	Policy  PolicyConfig  `yaml:"policy"`
	Train   TrainConfig   `yaml:"train"`
	Eval    EvalConfig    `yaml:"eval"`
}

// EnvConfig selects the scenario and holds each scenario's settings (only
// the selected one is used).
type EnvConfig struct {
	Scenario string            `yaml:"scenario"` // robot2d or nav
	Robot2D  env.Robot2DConfig `yaml:"robot2d"`
	Nav      env.NavConfig     `yaml:"nav"`
}

// BarrierConfig sets the CBF-QP safety layer: the expert's fixed gains, the
// QP's weights and elastic penalties, and the bound on learned gains.
type BarrierConfig struct {
	Gains   []float64  `yaml:"gains"`   // robot2d (p₁, p₂); nav α (one, or one per observed obstacle)
	Weights [2]float64 `yaml:"weights"` // H's diagonal
	Rho     float64    `yaml:"rho"`     // elastic linear slack penalty
	Sigma   float64    `yaml:"sigma"`   // elastic quadratic slack penalty
	PMax    float64    `yaml:"p_max"`   // learned gains are p_max·sigmoid(·)
	// Bounds makes the action bounds rows of a learned policy's QP (the
	// expert filter always has them). Without, the environment clips.
	Bounds bool `yaml:"bounds"`
}

// PolicyConfig describes the network.
type PolicyConfig struct {
	Head       string `yaml:"head"`       // barriernet or mlp
	Trunk      []int  `yaml:"trunk"`      // hidden sizes of the shared trunk
	Branch     []int  `yaml:"branch"`     // hidden sizes of each output branch
	Activation string `yaml:"activation"` // relu or tanh
}

// TrainConfig describes training.
type TrainConfig struct {
	Algorithm string  `yaml:"algorithm"` // imitation or ppo
	Data      string  `yaml:"data"`      // imitation: "expert" or a CSV path in BarrierNet's format
	Episodes  int     `yaml:"episodes"`  // expert demonstrations to generate
	Seed      uint64  `yaml:"seed"`
	Epochs    int     `yaml:"epochs"`
	BatchSize int     `yaml:"batch_size"`
	LR        float64 `yaml:"lr"`
	// LRSchedule is constant, or cosine: annealed from LR to 0 over the run.
	LRSchedule string `yaml:"lr_schedule"`
	// EvalEvery runs a closed-loop evaluation of EvalEpisodes episodes
	// every that many epochs (0: none until the end).
	EvalEvery    int `yaml:"eval_every"`
	EvalEpisodes int `yaml:"eval_episodes"`
	// PPO holds the reinforcement-learning settings (algorithm: ppo).
	PPO PPOConfig `yaml:"ppo"`
}

// PPOConfig follows CleanRL's continuous-action PPO. Its defaults are the
// nav recipe the README measures: more environments per iteration, larger
// minibatches and fewer epochs than CleanRL's, because here the update
// costs far more than the rollout.
type PPOConfig struct {
	NumEnvs      int       `yaml:"num_envs"`      // environments stepped in parallel
	Steps        int       `yaml:"steps"`         // steps per environment per iteration
	TotalSteps   int       `yaml:"total_steps"`   // environment steps in all
	Minibatch    int       `yaml:"minibatch"`     // samples per gradient step
	UpdateEpochs int       `yaml:"update_epochs"` // passes over each rollout
	Gamma        float64   `yaml:"gamma"`
	Lambda       float64   `yaml:"gae_lambda"`
	Clip         float64   `yaml:"clip"`          // ratio and value clipping
	EntCoef      float64   `yaml:"ent_coef"`      // entropy bonus
	VFCoef       float64   `yaml:"vf_coef"`       // value loss weight
	MaxGradNorm  float64   `yaml:"max_grad_norm"` // global gradient-norm clip
	TargetKL     float64   `yaml:"target_kl"`     // stop an update's epochs past this approximate KL (0: never)
	AnnealLR     bool      `yaml:"anneal_lr"`     // linear learning-rate annealing to 0
	LogStdInit   []float64 `yaml:"log_std_init"`  // initial log-std per control
	ValueHidden  []int     `yaml:"value_hidden"`  // the critic's hidden sizes
	// Shield: policy projects each sampled action onto the policy's own CBF
	// rows (its learned gains), fixed onto the expert filter's rows (fixed
	// gains), none executes the sample.
	Shield string `yaml:"shield"`
}

// EvalConfig describes the closed-loop evaluation.
type EvalConfig struct {
	Episodes int    `yaml:"episodes"`
	Seed     uint64 `yaml:"seed"`
	Workers  int    `yaml:"workers"` // 0: all cores
}

// Scenarios are the scenario names.
var Scenarios = []string{"robot2d", "nav"}

// Default returns the defaults of a scenario, or an error naming the
// scenarios there are.
func Default(scenario string) (*Config, error) {
	c := &Config{
		Name:    scenario,
		Env:     EnvConfig{Scenario: scenario, Robot2D: env.DefaultRobot2D(), Nav: env.DefaultNav()},
		Barrier: BarrierConfig{Rho: 1e4, Sigma: 1, PMax: 4, Bounds: true},
		Policy:  PolicyConfig{Head: "barriernet", Trunk: []int{128}, Branch: []int{32}, Activation: "relu"},
		Train: TrainConfig{Algorithm: "imitation", Data: "expert", Episodes: 200, Seed: 1,
			Epochs: 20, BatchSize: 64, LR: 1e-3, LRSchedule: "constant", EvalEvery: 5, EvalEpisodes: 10,
			PPO: PPOConfig{NumEnvs: 32, Steps: 128, TotalSteps: 3_000_000, Minibatch: 512, UpdateEpochs: 4,
				Gamma: 0.99, Lambda: 0.95, Clip: 0.2, EntCoef: 0, VFCoef: 0.5, MaxGradNorm: 0.5, TargetKL: 0.02,
				AnnealLR: true, LogStdInit: []float64{-1, -0.5}, ValueHidden: []int{64, 64}, Shield: "policy"}},
		Eval: EvalConfig{Episodes: 100, Seed: 1},
	}
	switch scenario {
	case "robot2d":
		c.Barrier.Gains, c.Barrier.Weights = []float64{1, 1}, [2]float64{1, 10}
		c.Eval.Episodes = 41
	case "nav":
		c.Barrier.Gains, c.Barrier.Weights = []float64{2}, [2]float64{100, 1}
	default:
		return nil, &env.FieldError{Key: "env.scenario", Msg: fmt.Sprintf("%q, want one of %v", scenario, Scenarios)}
	}
	return c, nil
}

// Validate reports the first impossible value as an *env.FieldError whose
// Key is the value's full YAML path (e.g. "env.nav.dt").
func (c *Config) Validate() error {
	prefix := func(section string, err error) error {
		var fe *env.FieldError
		if errors.As(err, &fe) {
			return &env.FieldError{Key: section + "." + fe.Key, Msg: fe.Msg}
		}
		return err
	}
	switch c.Env.Scenario {
	case "robot2d":
		if err := c.Env.Robot2D.Validate(); err != nil {
			return prefix("env.robot2d", err)
		}
	case "nav":
		if err := c.Env.Nav.Validate(); err != nil {
			return prefix("env.nav", err)
		}
	default:
		return &env.FieldError{Key: "env.scenario", Msg: fmt.Sprintf("%q, want one of %v", c.Env.Scenario, Scenarios)}
	}
	for _, check := range []func() error{c.Barrier.validate(c.Env.Scenario), c.Policy.validate, c.Train.validate, c.Eval.validate, c.validateShield} {
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

func (b BarrierConfig) validate(scenario string) func() error {
	return func() error {
		switch {
		case scenario == "robot2d" && len(b.Gains) != 2:
			return bad("barrier.gains", "%v, want two gains (p1, p2) for robot2d", b.Gains)
		case len(b.Gains) == 0:
			return bad("barrier.gains", "empty, want at least one gain")
		case !positive(b.Weights[0]) || !positive(b.Weights[1]):
			return bad("barrier.weights", "%v, want two values > 0", b.Weights)
		case b.Rho < 0 || math.IsInf(b.Rho, 0) || math.IsNaN(b.Rho):
			return bad("barrier.rho", "%v, want ≥ 0", b.Rho)
		case !positive(b.Sigma):
			return bad("barrier.sigma", "%v, want > 0", b.Sigma)
		case !positive(b.PMax):
			return bad("barrier.p_max", "%v, want > 0", b.PMax)
		}
		for _, g := range b.Gains {
			if !positive(g) {
				return bad("barrier.gains", "%v, want every gain > 0", b.Gains)
			}
		}
		return nil
	}
}

func (p PolicyConfig) validate() error {
	switch {
	case p.Head != "barriernet" && p.Head != "mlp":
		return bad("policy.head", "%q, want barriernet or mlp", p.Head)
	case p.Activation != "relu" && p.Activation != "tanh":
		return bad("policy.activation", "%q, want relu or tanh", p.Activation)
	}
	for _, l := range [][]int{p.Trunk, p.Branch} {
		for _, n := range l {
			if n < 1 {
				return bad("policy.trunk", "layer size %d, want ≥ 1", n)
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

func (t TrainConfig) validate() error {
	switch {
	case t.Algorithm != "imitation" && t.Algorithm != "ppo":
		return bad("train.algorithm", "%q, want imitation or ppo", t.Algorithm)
	case t.Data == "":
		return bad("train.data", "empty, want expert or a CSV path")
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
	return t.PPO.validate()
}

func (p PPOConfig) validate() error {
	switch {
	case p.NumEnvs < 1:
		return bad("train.ppo.num_envs", "%d, want ≥ 1", p.NumEnvs)
	case p.Steps < 1:
		return bad("train.ppo.steps", "%d, want ≥ 1", p.Steps)
	case p.Minibatch < 1 || p.Minibatch > p.NumEnvs*p.Steps:
		return bad("train.ppo.minibatch", "%d, want between 1 and num_envs·steps = %d", p.Minibatch, p.NumEnvs*p.Steps)
	case p.TotalSteps < p.NumEnvs*p.Steps:
		return bad("train.ppo.total_steps", "%d, want at least one iteration (num_envs·steps = %d)", p.TotalSteps, p.NumEnvs*p.Steps)
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
	case len(p.LogStdInit) != 2:
		return bad("train.ppo.log_std_init", "%v, want two values (one per control)", p.LogStdInit)
	case p.Shield != "policy" && p.Shield != "fixed" && p.Shield != "none":
		return bad("train.ppo.shield", "%q, want policy, fixed or none", p.Shield)
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
