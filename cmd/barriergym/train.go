package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/train"
)

// defaultTrainConfig is what `barriergym train` trains without -config.
const defaultTrainConfig = "robot2d-barriernet"

const trainHelp = `Usage: barriergym train [-config NAME|FILE] [-out DIR] [flags]
       barriergym train -resume DIR

Trains a policy (imitation or PPO, as the config's train.algorithm says)
and writes a run directory (runs/<name>-<time>/ unless
-out is given): the resolved config.yaml, checkpoint.ckpt (latest) and
best.ckpt (lowest validation loss), metrics.csv, curves.png and eval.json.
Without -config it trains the embedded default, ` + defaultTrainConfig + `.
The checkpoints, metrics and event files are written every 10 s
(-save-every), at the end and when interrupted; a run killed outright
resumes from its last save and redoes the epochs or iterations since.

Ctrl-C stops after the current batch (imitation) or iteration (PPO); the
run directory keeps the last completed epoch or iteration, and -resume
DIR continues from there. -resume DIR with
-epochs N (imitation) or -steps N (PPO) extends a run to that new total
(the learning-rate schedule then stretches over the new total from where
the run stands). A run directory being trained is locked: a second train
or -resume on it is refused (a killed run leaves no lock behind).

Embedded configs: %s

Flags:
`

func runTrain(args []string, cli *cliEnv) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), trainHelp, joinNames())
		fs.PrintDefaults()
	}
	config := fs.String("config", defaultTrainConfig, "config: an embedded name or a YAML file")
	out := fs.String("out", "", "the new run directory (default runs/<name>-<time>)")
	root := fs.String("runs", "runs", "where new run directories go")
	resume := fs.String("resume", "", "continue the run in this directory (its own config is used); with -epochs or -steps, to that new total")
	epochs := fs.Int("epochs", 0, "override train.epochs (imitation)")
	seed := fs.Int64("seed", -1, "override train.seed (initial weights, shuffling, demonstrations)")
	steps := fs.Int("steps", 0, "override train.ppo.total_steps (PPO)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	saveEvery := fs.Duration("save-every", train.DefaultSaveEvery, "how often a run writes its checkpoints and metrics (0: after every epoch or iteration)")
	if code, done := parseFlags(fs, args, cli); done {
		return code
	}
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(cli.stderr, "barriergym train: %v\n", err)
			return 2
		}
		defer stopProfile()
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *saveEvery < 0 {
		fmt.Fprintf(cli.stderr, "barriergym train: -save-every %v, want ≥ 0\n", *saveEvery)
		return 2
	}
	cfg, err := trainConfig(set, *config, *epochs, *seed, *steps, *resume)
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym train: %v\n", err)
		return 2
	}
	if cfg != nil && cfg.Train.Algorithm == "ppo" {
		p := cfg.Train.PPO
		if p.TotalSteps%p.Rollout() != 0 {
			fmt.Fprintf(cli.stderr, "barriergym train: %d steps is not a whole number of rollouts (%d envs × %d steps = %d): training stops after %d iterations, %d steps\n",
				p.TotalSteps, p.NumEnvs, p.Steps, p.Rollout(), p.Iterations(), p.Iterations()*p.Rollout())
		}
	}
	if *out != "" {
		// Checked before any work (demonstrations can take a while).
		if err := train.MkdirNew(*out); err != nil {
			fmt.Fprintf(cli.stderr, "barriergym train: %v\n", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := train.Options{Root: *root, Dir: *out, Resume: *resume, Log: cli.stderr, SaveEvery: *saveEvery}
	if *saveEvery == 0 {
		opts.SaveEvery = -1 // every iteration
	}
	if *resume != "" {
		opts.Epochs, opts.Steps = *epochs, *steps
	}
	res, err := train.Run(ctx, cfg, opts)
	if errors.Is(err, train.ErrInterrupted) {
		return 130
	}
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym train: %v\n", err)
		return 1
	}
	fmt.Fprintf(cli.stdout, "trained %d %s in %.1f s: %s\n", res.Epochs, unit(cfg, *resume), res.Seconds, res.Dir)
	if s := res.Final; s != nil {
		fmt.Fprintln(cli.stdout)
		printSummary(cli.stdout, "evaluation of "+res.Dir, *s)
	}
	return 0
}

// trainConfig returns the config of a new run with the flags applied, or
// nil with -resume (the run's own is used). Flags that cannot apply are
// errors, not ignored.
func trainConfig(set map[string]bool, name string, epochs int, seed int64, steps int, resume string) (*configs.Config, error) {
	switch {
	case set["epochs"] && epochs < 1:
		return nil, fmt.Errorf("-epochs %d, want ≥ 1", epochs)
	case set["steps"] && steps < 1:
		return nil, fmt.Errorf("-steps %d, want ≥ 1", steps)
	case set["seed"] && seed < 0:
		return nil, fmt.Errorf("-seed %d, want ≥ 0", seed)
	case resume != "" && (set["config"] || set["seed"] || set["out"] || set["runs"]):
		return nil, errors.New("-resume continues a run with its own config, seed and directory: drop -config, -seed, -out and -runs")
	case resume != "":
		return nil, nil
	}
	cfg, err := configs.Load(name)
	if err != nil {
		return nil, err
	}
	ppo := cfg.Train.Algorithm == "ppo"
	switch {
	case ppo && set["epochs"]:
		return nil, fmt.Errorf("-epochs applies to imitation; %s trains with PPO: use -steps", name)
	case !ppo && set["steps"]:
		return nil, fmt.Errorf("-steps applies to PPO; %s trains by imitation: use -epochs", name)
	}
	if set["epochs"] {
		cfg.Train.Epochs = epochs
	}
	if set["seed"] {
		cfg.Train.Seed = uint64(seed)
	}
	if set["steps"] {
		cfg.Train.PPO.TotalSteps = steps
	}
	return cfg, cfg.Validate()
}

// unit names what a run counts: epochs (imitation) or iterations (PPO).
func unit(cfg *configs.Config, resume string) string {
	if cfg == nil {
		cfg, _ = train.ReadConfig(resume)
	}
	if cfg != nil && cfg.Train.Algorithm == "ppo" {
		return "iterations"
	}
	return "epochs"
}

// startCPUProfile starts writing a CPU profile to path and returns the
// function that stops it and closes the file.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
