// Package eval runs seeded closed-loop episodes headlessly, across cores,
// and turns them into the safety and performance figures safe-RL users
// expect: success and collision rates, return, cost, minimum barrier value,
// how often and how much the safety filter intervened, how often its QP
// needed slack or was infeasible — and each scenario's own metrics.
package eval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/progress"
)

// InterventionTol is the control change ‖u − u_ref‖ above which a step
// counts as an intervention of the safety filter.
const InterventionTol = 1e-6

// Episode is one evaluated episode.
type Episode struct {
	Index      int       `json:"index"`
	Seed       *uint64   `json:"seed,omitempty"` // nil when the start came from a scenario file
	Return     float64   `json:"return"`
	Cost       float64   `json:"cost"`
	Length     int       `json:"length"`
	Collided   bool      `json:"collided"`
	Success    bool      `json:"success"`
	MinBarrier float64   `json:"min_barrier"`
	FinalState []float64 `json:"final_state"`
	FinalError float64   `json:"final_goal_error"` // env.Spec.GoalError says what it measures

	Interventions int     `json:"interventions"`    // steps the filter changed the control
	ChangeSum     float64 `json:"intervention_sum"` // Σ‖u − u_ref‖
	SlackSteps    int     `json:"slack_active"`     // steps the elastic QP used slack
	Infeasible    int     `json:"qp_infeasible"`    // steps the hard QP was infeasible
	// MeanGains are the CBF rows' gains averaged over the episode's steps
	// (see control.Decision.Gains); absent without a safety layer.
	MeanGains []float64 `json:"mean_gains,omitempty"`
	// Extra holds the scenario's own metrics (env.Spec.Metrics), written
	// in JSON as keys of their own.
	Extra []Value `json:"-"`
}

// Value is one named figure of a scenario's own metrics.
type Value struct {
	Name  string
	Value float64
}

// Summary aggregates episodes.
type Summary struct {
	Policy           string  `json:"policy"`
	Scenario         string  `json:"scenario"`
	Episodes         int     `json:"episodes"`
	Seed             uint64  `json:"seed"`
	SuccessRate      float64 `json:"success_rate"`
	CollisionRate    float64 `json:"collision_rate"` // episodes with any collision
	MeanReturn       float64 `json:"mean_return"`
	MeanCost         float64 `json:"mean_cost"`
	CostRate         float64 `json:"cost_rate"`         // cost per step
	MinBarrier       float64 `json:"min_barrier"`       // over all episodes
	MeanMinBarrier   float64 `json:"mean_min_barrier"`  // mean of the per-episode minima
	InterventionRate float64 `json:"intervention_rate"` // fraction of steps changed by the filter
	MeanIntervention float64 `json:"mean_intervention"` // mean ‖u − u_ref‖ per step
	SlackActiveRate  float64 `json:"slack_active_rate"` // fraction of steps with elastic slack
	InfeasibleRate   float64 `json:"qp_infeasible_rate"`
	MeanLength       float64 `json:"mean_length"`
	MeanFinalError   float64 `json:"mean_final_goal_error"` // GoalError says what it measures
	GoalError        string  `json:"goal_error,omitempty"`
	// MeanGains are the CBF rows' gains averaged over every step of the
	// episodes that report them: for a BarrierNet policy what it learned.
	MeanGains []float64 `json:"mean_gains,omitempty"`
	// GainNames name MeanGains when there is one per gain of the layout.
	GainNames []string `json:"gain_names,omitempty"`
	// Extra holds the scenario's own metrics over episodes
	// (env.Metric.Summary names), written in JSON as keys of their own.
	Extra []Value `json:"-"`
	// Perturbation is the robustness perturbation the episodes ran under
	// (absent when none).
	Perturbation *Perturbation `json:"perturbation,omitempty"`
}

// NewController returns a fresh controller by name: "expert" (the
// scenario's nominal controller behind the configured CBF-QP filter) or
// "nominal" (unfiltered).
func NewController(cfg *configs.Config, name string) (control.Controller, error) {
	task, err := cfg.Task()
	if err != nil {
		return nil, err
	}
	spec := task.Spec()
	nominal := control.NewNominal(len(spec.Controls))
	switch name {
	case "nominal":
		return nominal, nil
	case "expert":
		return control.NewFilter(nominal, FilterConfig(cfg, spec))
	}
	return nil, fmt.Errorf("unknown policy %q (want expert, nominal, or a run directory)", name)
}

// FilterConfig returns the expert's CBF-QP filter settings of a config.
func FilterConfig(cfg *configs.Config, spec env.Spec) control.FilterConfig {
	b := cfg.Barrier
	return control.NewFilterConfig(spec, b.Gains, b.Weights, b.Rho, b.Sigma)
}

// Options of Run.
type Options struct {
	Workers  int           // 0: all cores
	Progress *progress.Bar // may be nil
	Perturb  Perturbation  // the zero value perturbs nothing
}

// Perturbation is what a robustness study does to the loop between the
// controller and the simulator. The zero value does nothing.
type Perturbation struct {
	// ObsNoise is σ of Gaussian noise added to every observation entry the
	// controller sees. The CBF rows are the scenario's, computed from the
	// simulator's true state (the env contract's CBFRows), so this
	// perturbs what a policy sees — its reference and its gains — and not
	// the constraints themselves.
	ObsNoise float64 `json:"obs_noise"`
	// StateNoise is σ of Gaussian noise on a measurement of the state from
	// which the controller acts: its observation and its CBF rows are those
	// of the measured state (an environment in that state, kept on the
	// episode's clock), while the true state moves on. Needs an
	// env.StateSetter.
	StateNoise float64 `json:"state_noise"`
	// ProcessNoise is σ of a Gaussian disturbance on the state derivative,
	// held over each step: the state is moved by σ·dt·N(0, 1) in every
	// entry before the step integrates. Needs an env.StateSetter.
	ProcessNoise float64 `json:"process_noise"`
	// ActGain multiplies every executed control (a mismatched actuator);
	// 0 means 1.
	ActGain float64 `json:"act_gain"`
	// ActDelay executes each control one step late (zero at the first step).
	ActDelay bool `json:"act_delay"`
	// Seed draws the observation noise, with the episode's index: the same
	// seed gives the same noise whatever the number of workers.
	Seed uint64 `json:"noise_seed"`
}

// IsZero reports whether p perturbs nothing.
func (p Perturbation) IsZero() bool {
	return p.ObsNoise == 0 && p.StateNoise == 0 && p.ProcessNoise == 0 && (p.ActGain == 0 || p.ActGain == 1) && !p.ActDelay
}

// Validate reports impossible perturbations.
func (p Perturbation) Validate() error {
	switch {
	case !(p.ObsNoise >= 0) || math.IsInf(p.ObsNoise, 0):
		return fmt.Errorf("observation noise σ %v, want a finite value ≥ 0", p.ObsNoise)
	case !(p.StateNoise >= 0) || math.IsInf(p.StateNoise, 0):
		return fmt.Errorf("state measurement noise σ %v, want a finite value ≥ 0", p.StateNoise)
	case !(p.ProcessNoise >= 0) || math.IsInf(p.ProcessNoise, 0):
		return fmt.Errorf("process noise σ %v, want a finite value ≥ 0", p.ProcessNoise)
	case !(p.ActGain >= 0) || math.IsInf(p.ActGain, 0):
		return fmt.Errorf("actuation gain %v, want a finite value > 0", p.ActGain)
	}
	return nil
}

// Run plays one episode per start with a controller from newController
// (called once per worker) and returns the episodes in the starts' order.
func Run(cfg *configs.Config, newController func() (control.Controller, error), starts []env.Start, opts Options) ([]Episode, error) {
	task, err := cfg.Task()
	if err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(starts))
	eps := make([]Episode, len(starts))
	errs := make([]error, workers)
	next := make(chan int)
	var wg sync.WaitGroup
	if err := opts.Perturb.Validate(); err != nil {
		return nil, err
	}
	for w := 0; w < workers; w++ {
		p := &player{e: task.NewEnv(), metrics: task.Spec().Metrics, pert: opts.Perturb, dt: task.Spec().Dt}
		if opts.Perturb.StateNoise > 0 {
			p.seenEnv = task.NewEnv()
		}
		if err := p.canPerturb(); err != nil {
			return nil, err
		}
		if p.c, err = newController(); err != nil {
			return nil, err
		}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := range next {
				if errs[w] != nil {
					continue
				}
				eps[i], errs[w] = p.play(starts[i], i)
				eps[i].Index = i
				if s, ok := starts[i].(env.SeedStart); ok {
					seed := uint64(s)
					eps[i].Seed = &seed
				}
				opts.Progress.Add(1)
			}
		}(w)
	}
	for i := range starts {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("eval worker %d: %w", i, err)
		}
	}
	return eps, nil
}

// player plays episodes on one environment with one controller.
type player struct {
	e       env.Env
	c       control.Controller
	metrics []env.Metric
	values  []float64
	pert    Perturbation
	dt      float64
	seenEnv env.Env   // the environment in the measured state (StateNoise)
	state   []float64 // a perturbed state
	seen    []float64 // the observation the controller sees
	exec    []float64 // the control executed
	late    []float64 // the control decided a step ago
}

// play runs episode i, from s, to its end.
func (p *player) play(s env.Start, i int) (Episode, error) {
	e, c := p.e, p.c
	obs, err := s.Reset(e)
	if err != nil {
		return Episode{}, err
	}
	ep := Episode{MinBarrier: math.Inf(1)}
	noise := rand.New(rand.NewPCG(p.pert.Seed, uint64(i)))
	p.late = p.late[:0]
	if p.seenEnv != nil {
		if _, err := s.Reset(p.seenEnv); err != nil {
			return Episode{}, err
		}
	}
	for {
		ce, cobs, err := p.measure(obs, noise)
		if err != nil {
			return Episode{}, err
		}
		d := c.Act(ce, p.observe(cobs, noise))
		if err := p.disturb(noise); err != nil {
			return Episode{}, err
		}
		u := p.actuate(d.U)
		if p.seenEnv != nil {
			p.seenEnv.Step(u) // keeps the measured environment on the episode's clock
		}
		var term, trunc bool
		var info env.Info
		var r, cost float64
		obs, r, cost, term, trunc, info = e.Step(u)
		ep.Length++
		ep.Return += r
		ep.Cost += cost
		ep.Collided = ep.Collided || info.Collision
		ep.MinBarrier = math.Min(ep.MinBarrier, info.MinBarrier)
		if d.Change > InterventionTol {
			ep.Interventions++
		}
		ep.ChangeSum += d.Change
		if d.Slack > 0 {
			ep.SlackSteps++
		}
		if d.Infeasible {
			ep.Infeasible++
		}
		ep.MeanGains = addGains(ep.MeanGains, d.Gains, 1)
		if term || trunc {
			for i := range ep.MeanGains {
				ep.MeanGains[i] /= float64(ep.Length)
			}
			ep.Success = info.Success
			ep.FinalState = append([]float64(nil), e.State()...)
			ep.FinalError = e.GoalError()
			ep.Extra = p.episodeMetrics()
			return ep, nil
		}
	}
}

// canPerturb reports whether the environment supports the perturbation.
func (p *player) canPerturb() error {
	if p.pert.StateNoise == 0 && p.pert.ProcessNoise == 0 {
		return nil
	}
	if _, ok := p.e.(env.StateSetter); !ok {
		return fmt.Errorf("this scenario's environment cannot set its state (no env.StateSetter): state and process noise are unavailable")
	}
	return nil
}

// measure returns the environment and observation the controller acts
// from: the true ones, or (StateNoise) an environment set to a noisy
// measurement of the true state.
func (p *player) measure(obs []float64, noise *rand.Rand) (env.Env, []float64, error) {
	if p.seenEnv == nil {
		return p.e, obs, nil
	}
	p.state = noisy(p.state, p.e.State(), p.pert.StateNoise, noise)
	if err := p.seenEnv.(env.StateSetter).SetState(p.state); err != nil {
		return nil, nil, err
	}
	return p.seenEnv, p.seenEnv.Observation(), nil
}

// disturb moves the true state by σ·dt·N(0, 1) in every entry
// (ProcessNoise): a disturbance of the state derivative held over the step.
func (p *player) disturb(noise *rand.Rand) error {
	if p.pert.ProcessNoise == 0 {
		return nil
	}
	p.state = noisy(p.state, p.e.State(), p.pert.ProcessNoise*p.dt, noise)
	return p.e.(env.StateSetter).SetState(p.state)
}

// noisy writes x plus Gaussian noise of standard deviation sigma in every
// entry into dst (resliced) and returns it.
func noisy(dst, x []float64, sigma float64, noise *rand.Rand) []float64 {
	dst = append(dst[:0], x...)
	for i := range dst {
		dst[i] += sigma * noise.NormFloat64()
	}
	return dst
}

// observe returns the observation the controller sees: obs, or a noisy
// copy.
func (p *player) observe(obs []float64, noise *rand.Rand) []float64 {
	if p.pert.ObsNoise == 0 {
		return obs
	}
	p.seen = noisy(p.seen, obs, p.pert.ObsNoise, noise)
	return p.seen
}

// actuate returns the control executed for the decided u: u itself, or
// with the perturbation's gain and delay.
func (p *player) actuate(u []float64) []float64 {
	if p.pert.IsZero() {
		return u
	}
	gain := p.pert.ActGain
	if gain == 0 {
		gain = 1
	}
	out := u
	if p.pert.ActDelay {
		if len(p.late) != len(u) {
			p.late = make([]float64, len(u)) // nothing decided before the first step
		}
		out = append(p.exec[:0], p.late...)
		copy(p.late, u)
	}
	p.exec = append(p.exec[:0], out...)
	for i := range p.exec {
		p.exec[i] *= gain
	}
	return p.exec
}

// episodeMetrics returns the scenario's own metrics of the ended episode.
func (p *player) episodeMetrics() []Value {
	r, ok := p.e.(env.MetricsReporter)
	if len(p.metrics) == 0 || !ok {
		return nil
	}
	if len(p.values) != len(p.metrics) {
		p.values = make([]float64, len(p.metrics))
	}
	r.EpisodeMetrics(p.values)
	out := make([]Value, len(p.metrics))
	for i, m := range p.metrics {
		out[i] = Value{Name: m.Name, Value: p.values[i]}
	}
	return out
}

// addGains adds weight·gains into sum, element by element, and returns
// sum (made on first use).
func addGains(sum, gains []float64, weight float64) []float64 {
	if len(gains) == 0 {
		return sum
	}
	if sum == nil {
		sum = make([]float64, len(gains))
	}
	for i, g := range gains[:min(len(gains), len(sum))] {
		sum[i] += weight * g
	}
	return sum
}

// Summarize aggregates episodes of a task with the given spec.
func Summarize(policy string, spec env.Spec, seed uint64, eps []Episode) Summary {
	s := Summary{Policy: policy, Scenario: spec.Scenario, Episodes: len(eps), Seed: seed, MinBarrier: math.Inf(1),
		GoalError: spec.GoalError}
	steps, gainSteps := 0, 0
	for _, e := range eps {
		steps += e.Length
		if len(e.MeanGains) > 0 {
			s.MeanGains = addGains(s.MeanGains, e.MeanGains, float64(e.Length)) // weighted by steps
			gainSteps += e.Length
		}
		s.MeanReturn += e.Return
		s.MeanFinalError += e.FinalError
		s.MeanCost += e.Cost
		s.MeanMinBarrier += e.MinBarrier
		s.MinBarrier = math.Min(s.MinBarrier, e.MinBarrier)
		s.InterventionRate += float64(e.Interventions)
		s.MeanIntervention += e.ChangeSum
		s.SlackActiveRate += float64(e.SlackSteps)
		s.InfeasibleRate += float64(e.Infeasible)
		if e.Success {
			s.SuccessRate++
		}
		if e.Collided {
			s.CollisionRate++
		}
	}
	n := float64(max(len(eps), 1))
	st := float64(max(steps, 1))
	s.SuccessRate /= n
	s.CollisionRate /= n
	s.CostRate = s.MeanCost / st
	s.MeanReturn /= n
	s.MeanCost /= n
	s.MeanMinBarrier /= n
	s.MeanLength = float64(steps) / n
	s.MeanFinalError /= n
	s.InterventionRate /= st
	s.MeanIntervention /= st
	s.SlackActiveRate /= st
	s.InfeasibleRate /= st
	for i := range s.MeanGains {
		s.MeanGains[i] /= float64(gainSteps)
	}
	if gains := spec.Layout.Gains; len(s.MeanGains) == len(gains) {
		for _, g := range gains {
			s.GainNames = append(s.GainNames, g.Name)
		}
	}
	s.Extra = reduceMetrics(spec.Metrics, eps)
	return s
}

// reduceMetrics combines the episodes' own metrics as each Metric says.
func reduceMetrics(metrics []env.Metric, eps []Episode) []Value {
	var out []Value
	for i, m := range metrics {
		v, n := 0.0, 0
		switch m.Reduce {
		case env.Min:
			v = math.Inf(1)
		case env.Max:
			v = math.Inf(-1)
		}
		for _, e := range eps {
			if i >= len(e.Extra) {
				continue
			}
			x := e.Extra[i].Value
			switch m.Reduce {
			case env.Min:
				v = math.Min(v, x)
			case env.Max:
				v = math.Max(v, x)
			default:
				v += x
			}
			n++
		}
		if n == 0 {
			continue
		}
		if m.Reduce == env.Mean {
			v /= float64(n)
		}
		out = append(out, Value{Name: m.Summary, Value: v})
	}
	return out
}

// Seeds returns n starts with seeds base, base+1, ….
func Seeds(base uint64, n int) []env.Start {
	s := make([]env.Start, n)
	for i := range s {
		s[i] = env.SeedStart(base + uint64(i))
	}
	return s
}
