package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/barriergym/barriergym/atomicfile"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/progress"
	"github.com/barriergym/barriergym/train"
	"github.com/barriergym/barriergym/viz"
)

const evalHelp = `Usage: barriergym eval -config NAME|FILE [-policy expert|nominal] [flags]
       barriergym eval -run DIR [flags]

-run evaluates a trained run's policy (checkpoint.ckpt, or best.ckpt with
-best) on the run's own config.

Runs closed-loop episodes headlessly across cores and prints safety and
performance figures: success and collision rates, return, cost, the minimum
barrier value, how often and how much the safety filter changed the nominal
control, and how often its QP needed slack or was infeasible.

Episodes are drawn from seeds seed, seed+1, … (-episodes, -seed; defaults
from the config's eval section), or replayed from -scenarios FILE.jsonl, one
JSON object a line: {"seed":s} for any scenario, or the scenario's own
initial condition:
%s
Embedded configs: %s

Flags:
`

type evalFlags struct {
	config, policy, jsonOut, perEpisode, scenarios string
	run, pngDir, gifFile                           string
	best                                           bool
	gifEpisodes                                    int
	episodes, workers                              int
	seed                                           uint64
	perturb                                        eval.Perturbation
}

func runEval(args []string, cli *cliEnv) int {
	var f evalFlags
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), evalHelp, startFormats(), joinNames())
		fs.PrintDefaults()
	}
	fs.StringVar(&f.config, "config", "", "config: an embedded name or a YAML file (required unless -run)")
	fs.StringVar(&f.run, "run", "", "evaluate the policy of this run directory")
	fs.BoolVar(&f.best, "best", false, "with -run: the best checkpoint instead of the latest")
	fs.StringVar(&f.policy, "policy", "expert", "expert (nominal controller + CBF-QP filter) or nominal (unfiltered)")
	fs.IntVar(&f.episodes, "episodes", 0, "episodes to run (default: the config's eval.episodes)")
	fs.Uint64Var(&f.seed, "seed", 0, "first episode seed (default: the config's eval.seed)")
	fs.IntVar(&f.workers, "workers", 0, "parallel episodes (0: all cores)")
	fs.StringVar(&f.jsonOut, "json", "", "write the summary as JSON to this file")
	fs.StringVar(&f.perEpisode, "per-episode", "", "write one JSON line per episode to this file")
	fs.StringVar(&f.scenarios, "scenarios", "", "replay the initial conditions of this JSON Lines file instead of seeds")
	fs.StringVar(&f.pngDir, "png", "", "write a PNG of each episode's whole trajectory into this directory")
	fs.StringVar(&f.gifFile, "gif", "", "write an animated GIF of the first episodes to this file")
	fs.IntVar(&f.gifEpisodes, "gif-episodes", 3, "episodes in the GIF")
	fs.Float64Var(&f.perturb.ObsNoise, "obs-noise", 0, "robustness: σ of Gaussian noise on every observation entry the policy sees (the CBF rows use the true state)")
	fs.Float64Var(&f.perturb.ActGain, "act-gain", 1, "robustness: gain on every executed control (a mismatched actuator)")
	fs.BoolVar(&f.perturb.ActDelay, "act-delay", false, "robustness: execute each control one step late")
	fs.Float64Var(&f.perturb.StateNoise, "state-noise", 0, "robustness: σ of Gaussian noise on the measured state the policy and its CBF rows use")
	fs.Float64Var(&f.perturb.ProcessNoise, "process-noise", 0, "robustness: σ of a Gaussian disturbance on the state derivative")
	fs.Uint64Var(&f.perturb.Seed, "noise-seed", 1, "robustness: seed of the observation noise")
	if code, done := parseFlags(fs, args, cli); done {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if err := evaluate(&f, set, cli); err != nil {
		fmt.Fprintf(cli.stderr, "barriergym eval: %v\n", err)
		return 2
	}
	return 0
}

func joinNames() string { return strings.Join(configs.Names(), ", ") }

// startFormats lists each registered scenario's -scenarios line format.
func startFormats() string {
	var b strings.Builder
	for _, name := range env.Names() {
		cfg, err := configs.Default(name)
		if err != nil {
			continue
		}
		if task, err := cfg.Task(); err == nil {
			fmt.Fprintf(&b, "  %-9s %s\n", name+":", task.Spec().StartFormat)
		}
	}
	return b.String()
}

// controllerFactory returns the config to evaluate on and a maker of
// controllers: a run's policy with -run, else expert or nominal.
func controllerFactory(f *evalFlags) (*configs.Config, func() (control.Controller, error), error) {
	if f.run != "" {
		file := train.CheckpointFile
		if f.best {
			file = train.BestFile
		}
		cfg, net, err := train.LoadPolicy(f.run, file)
		if err != nil {
			return nil, nil, err
		}
		f.policy = f.run
		return cfg, func() (control.Controller, error) { return train.Controller(cfg, net) }, nil
	}
	if f.config == "" {
		return nil, nil, fmt.Errorf("-config or -run is required (embedded configs: %s)", joinNames())
	}
	cfg, err := configs.Load(f.config)
	if err != nil {
		return nil, nil, err
	}
	mk := func() (control.Controller, error) { return eval.NewController(cfg, f.policy) }
	if _, err := mk(); err != nil {
		return nil, nil, err
	}
	return cfg, mk, nil
}

// checkFlags refuses flags that cannot apply together or hold impossible
// values, and output paths that cannot be written, before any episode runs.
func checkFlags(f *evalFlags, set map[string]bool) error {
	switch {
	case set["run"] && (set["config"] || set["policy"]):
		return errors.New("-run evaluates the run's own config and policy: drop -config and -policy")
	case set["best"] && !set["run"]:
		return errors.New("-best applies to -run only")
	case set["episodes"] && f.episodes < 1:
		return fmt.Errorf("-episodes %d, want ≥ 1", f.episodes)
	case f.workers < 0:
		return fmt.Errorf("-workers %d, want ≥ 0 (0: all cores)", f.workers)
	case f.gifEpisodes < 1:
		return fmt.Errorf("-gif-episodes %d, want ≥ 1", f.gifEpisodes)
	case f.perturb.Validate() != nil:
		return fmt.Errorf("robustness flags: %v", f.perturb.Validate())
	case f.perturb.ActGain == 0:
		return fmt.Errorf("-act-gain 0, want > 0")
	case !f.perturb.IsZero() && (set["png"] || set["gif"]):
		return errors.New("pictures show episodes without perturbation: drop -png/-gif or the robustness flags")
	case set["scenarios"] && (set["episodes"] || set["seed"]):
		return errors.New("-scenarios gives the episodes: drop -episodes and -seed")
	}
	for _, out := range []struct{ flag, path string }{{"json", f.jsonOut}, {"per-episode", f.perEpisode}, {"gif", f.gifFile}} {
		if out.path == "" {
			continue
		}
		file, err := atomicfile.Create(out.path, 0o644)
		if err != nil {
			return fmt.Errorf("-%s: %w", out.flag, err)
		}
		file.Abort()
	}
	if f.pngDir != "" {
		if err := os.MkdirAll(f.pngDir, 0o755); err != nil {
			return fmt.Errorf("-png: %w", err)
		}
	}
	return nil
}

func evaluate(f *evalFlags, set map[string]bool, cli *cliEnv) error {
	if err := checkFlags(f, set); err != nil {
		return err
	}
	cfg, newController, err := controllerFactory(f)
	if err != nil {
		return err
	}
	if set["episodes"] {
		cfg.Eval.Episodes = f.episodes
	}
	if set["seed"] {
		cfg.Eval.Seed = f.seed
	}
	if set["workers"] {
		cfg.Eval.Workers = f.workers
	}
	if cfg.Eval.Episodes < 1 {
		return fmt.Errorf("-episodes %d, want ≥ 1", cfg.Eval.Episodes)
	}
	task, err := cfg.Task()
	if err != nil {
		return err
	}
	starts := eval.Seeds(cfg.Eval.Seed, cfg.Eval.Episodes)
	if f.scenarios != "" {
		file, err := os.Open(f.scenarios)
		if err != nil {
			return err
		}
		starts, err = eval.ParseScenarios(file, task)
		file.Close()
		if err != nil {
			return fmt.Errorf("scenarios %s:\n%w", f.scenarios, err)
		}
	}
	bar := progress.New(cli.stderr, "eval", len(starts))
	eps, err := eval.Run(cfg, newController, starts, eval.Options{Workers: cfg.Eval.Workers, Progress: bar, Perturb: f.perturb})
	bar.Finish()
	if err != nil {
		return err
	}
	sum := eval.Summarize(f.policy, task.Spec(), cfg.Eval.Seed, eps)
	if !f.perturb.IsZero() {
		p := f.perturb
		sum.Perturbation = &p
	}
	printSummary(cli.stdout, cfg.Name, sum)
	if f.jsonOut != "" {
		data, err := json.MarshalIndent(sum, "", "  ")
		if err != nil {
			return fmt.Errorf("write %s: %w", f.jsonOut, err)
		}
		if err := atomicfile.WriteFile(f.jsonOut, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	if err := pictures(f, task, newController, starts, cli); err != nil {
		return err
	}
	if f.perEpisode != "" {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for i, e := range eps {
			if err := enc.Encode(e); err != nil {
				return fmt.Errorf("write %s: episode %d: %w", f.perEpisode, i, err)
			}
		}
		if err := atomicfile.WriteFile(f.perEpisode, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func printSummary(w io.Writer, name string, s eval.Summary) {
	fmt.Fprintf(w, "%s, policy %s: %d episodes from seed %d\n\n", name, s.Policy, s.Episodes, s.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rows := []struct {
		k, v string
	}{
		{"success rate", fmt.Sprintf("%.1f %%", 100*s.SuccessRate)},
		{"collision rate", fmt.Sprintf("%.1f %%", 100*s.CollisionRate)},
		{"mean return", fmt.Sprintf("%.3f", s.MeanReturn)},
		{"mean cost", fmt.Sprintf("%.3f", s.MeanCost)},
		{"cost rate (per step)", fmt.Sprintf("%.4f", s.CostRate)},
		{"min barrier (all episodes)", barrierFigure(s.MinBarrier)},
		{"mean of episode min barriers", barrierFigure(s.MeanMinBarrier)},
		{"intervention rate (steps)", fmt.Sprintf("%.1f %%", 100*s.InterventionRate)},
		{"mean ‖u − u_ref‖ per step", fmt.Sprintf("%.4f", s.MeanIntervention)},
		{"QP slack-active rate", fmt.Sprintf("%.2f %%", 100*s.SlackActiveRate)},
		{"QP infeasible rate", fmt.Sprintf("%.2f %%", 100*s.InfeasibleRate)},
		{"mean episode length", fmt.Sprintf("%.1f steps", s.MeanLength)},
		{"mean final goal error", fmt.Sprintf("%.3f — %s", s.MeanFinalError, s.GoalError)},
	}
	if len(s.MeanGains) > 0 {
		rows = append(rows, struct{ k, v string }{"mean CBF gains", gainsText(s)})
	}
	docs := metricDocs(s.Scenario)
	for _, x := range s.Extra {
		rows = append(rows, struct{ k, v string }{x.Name, fmt.Sprintf("%.4g — %s", x.Value, docs[x.Name])})
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\n", r.k, r.v)
	}
	tw.Flush()
}

// metricDocs returns what each of a scenario's own summary metrics
// measures, by summary key.
func metricDocs(scenario string) map[string]string {
	docs := map[string]string{}
	cfg, err := configs.Default(scenario)
	if err != nil {
		return docs
	}
	task, err := cfg.Task()
	if err != nil {
		return docs
	}
	for _, m := range task.Spec().Metrics {
		how := map[env.Reduce]string{env.Mean: "mean", env.Min: "least", env.Max: "largest"}[m.Reduce]
		docs[m.Summary] = how + " over episodes of " + m.Doc
	}
	return docs
}

// gainsText lists the summary's mean CBF gains and what they are.
func gainsText(s eval.Summary) string {
	parts := make([]string, len(s.MeanGains))
	for i, g := range s.MeanGains {
		parts[i] = fmt.Sprintf("%.2f", g)
	}
	what := "one value for every gain"
	if len(s.GainNames) > 0 {
		what = strings.Join(s.GainNames, ", ")
	}
	return strings.Join(parts, " ") + " (" + what + ")"
}

// Picture sizes of -png and -gif.
const (
	pngW, pngH = 900, 600
	gifW, gifH = 480, 320
)

// pictures replays episodes (deterministically) to draw -png and -gif.
func pictures(f *evalFlags, task env.Task, newController func() (control.Controller, error), starts []env.Start, cli *cliEnv) error {
	if f.pngDir == "" && f.gifFile == "" {
		return nil
	}
	e, dt := task.NewEnv(), task.Spec().Dt
	c, err := newController()
	if err != nil {
		return err
	}
	if f.pngDir != "" {
		if err := os.MkdirAll(f.pngDir, 0o755); err != nil {
			return err
		}
		bar := progress.New(cli.stderr, "png", len(starts))
		for i, s := range starts {
			frames, err := viz.Rollout(e, c, s, dt)
			if err != nil {
				return err
			}
			last := frames[len(frames)-1]
			last.Whole()
			if err := viz.WritePNG(filepath.Join(f.pngDir, fmt.Sprintf("episode-%03d.png", i)), last, pngW, pngH); err != nil {
				return err
			}
			bar.Add(1)
		}
		bar.Finish()
	}
	if f.gifFile != "" {
		if f.gifEpisodes < 1 {
			return fmt.Errorf("-gif-episodes %d, want ≥ 1", f.gifEpisodes)
		}
		var eps [][]*viz.Frame
		for _, s := range starts[:min(f.gifEpisodes, len(starts))] {
			frames, err := viz.Rollout(e, c, s, dt)
			if err != nil {
				return err
			}
			eps = append(eps, frames)
		}
		if err := viz.WriteGIF(f.gifFile, eps, gifEvery, gifW, gifH, gifDelay); err != nil {
			return err
		}
	}
	return nil
}

// gifEvery and gifDelay: a frame every 4 steps, shown for 4/100 s.
const (
	gifEvery = 4
	gifDelay = 4
)

// barrierFigure prints a minimum barrier; +Inf is a minimum over nothing.
func barrierFigure(v float64) string {
	if math.IsInf(v, 1) {
		return "none (no barrier evaluated)"
	}
	return fmt.Sprintf("%.4f", v)
}
