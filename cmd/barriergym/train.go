package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
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

Ctrl-C stops after the current batch; the run directory keeps the last
completed epoch, and -resume DIR continues from there.

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
	resume := fs.String("resume", "", "continue the run in this directory (its own config is used)")
	epochs := fs.Int("epochs", 0, "override train.epochs")
	seed := fs.Int64("seed", -1, "override train.seed (initial weights, shuffling, demonstrations)")
	steps := fs.Int("steps", 0, "override train.ppo.total_steps (PPO)")
	if code, done := parseFlags(fs, args, cli); done {
		return code
	}
	var cfg *configs.Config
	if *resume == "" {
		var err error
		if cfg, err = configs.Load(*config); err != nil {
			fmt.Fprintf(cli.stderr, "barriergym train: %v\n", err)
			return 2
		}
		if *epochs > 0 {
			cfg.Train.Epochs = *epochs
		}
		if *seed >= 0 {
			cfg.Train.Seed = uint64(*seed)
		}
		if *steps > 0 {
			cfg.Train.PPO.TotalSteps = *steps
		}
		if err := cfg.Validate(); err != nil {
			fmt.Fprintf(cli.stderr, "barriergym train: %v\n", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := trainRun(ctx, cfg, train.Options{Root: *root, Dir: *out, Resume: *resume, Log: cli.stderr})
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

// trainRun dispatches on the config's algorithm (a resumed run reads its own).
func trainRun(ctx context.Context, cfg *configs.Config, opts train.Options) (*train.Result, error) {
	if cfg == nil {
		c, err := train.ReadConfig(opts.Resume)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	if cfg.Train.Algorithm == "ppo" {
		return train.PPO(ctx, cfg, opts)
	}
	return train.Imitation(ctx, cfg, opts)
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
