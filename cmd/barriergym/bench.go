package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/barriergym/barriergym/bench"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/qplayer/qpbench"
)

const benchHelp = `Usage: barriergym bench qp|env|learn [flags]

bench qp   times the QP layer and prints Markdown tables: µs per QP,
           forward and forward+backward, with Q shared by the batch and
           batched, on random feasible problems for each (n, m) and batch
           size, and on safety-layer problems (n = 2: one CBF row and four
           control bounds) for each batch size; then the Gorgonia op
           (Q shared; p, G, h batched) in a TapeMachine.
bench env  times every registered scenario's simulator: steps per second
           of one environment with a fixed control or the expert's CBF-QP
           filter in the loop (one core), the vectorized form and a full
           expert evaluation of 200 episodes (all cores).

Progress goes to standard error.

Flags of bench qp:
`

const benchEnvHelp = `Usage: barriergym bench env

Times every registered scenario's simulator: steps per second of one
environment with a fixed control or the expert's CBF-QP filter in the loop
(one core), the vectorized form and a full expert evaluation of 200
episodes (all cores). Prints a Markdown table; progress goes to standard
error. It takes no flags.
`

// benchOpts are the flags of 'bench qp'.
type benchOpts struct {
	workers        int
	sizes, batches string
}

func benchFlags(o *benchOpts) *flag.FlagSet {
	fs := flag.NewFlagSet("bench qp", flag.ContinueOnError)
	fs.IntVar(&o.workers, "workers", 1, "goroutines per batch (1 measures one core)")
	fs.StringVar(&o.sizes, "sizes", "2x1,2x5,4x10,10x20", "problem sizes as NxM, comma-separated")
	fs.StringVar(&o.batches, "batches", "1,64,1024,16384", "batch sizes, comma-separated")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchHelp)
		fs.PrintDefaults()
	}
	return fs
}

func runBench(args []string, env *cliEnv) int {
	if len(args) > 0 && args[0] == "env" {
		return runBenchEnv(args[1:], env)
	}
	if len(args) > 0 && args[0] == "learn" {
		return runBenchLearn(args[1:], env)
	}
	var o benchOpts
	fs := benchFlags(&o)
	if len(args) == 0 || args[0] != "qp" {
		if code, done := parseFlags(fs, args, env); done { // -h, or a flag without 'qp'
			return code
		}
		fmt.Fprintln(env.stderr, "barriergym bench: say what to measure: 'barriergym bench qp', 'bench env' or 'bench learn' (see -h)")
		return 2
	}
	if code, done := parseFlags(fs, args[1:], env); done {
		return code
	}
	sizes, err := parseSizes(o.sizes)
	if err != nil {
		fmt.Fprintf(env.stderr, "barriergym bench qp: -sizes: %v\n", err)
		return 2
	}
	batches, err := parseInts(o.batches)
	if err != nil {
		fmt.Fprintf(env.stderr, "barriergym bench qp: -batches: %v\n", err)
		return 2
	}
	if o.workers < 1 {
		fmt.Fprintf(env.stderr, "barriergym bench qp: -workers %d, want ≥ 1\n", o.workers)
		return 2
	}
	writeQPBench(env, sizes, batches, o.workers)
	return 0
}

// writeQPBench measures and prints the solver and op tables.
func writeQPBench(env *cliEnv, sizes []qpbench.Size, batches []int, workers int) {
	w := env.stdout
	fmt.Fprintf(w, "QP layer, %d worker(s), GOMAXPROCS %d, %s/%s, %s\n\n", workers, runtime.GOMAXPROCS(0),
		runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintln(w, "Random problems (every row random, a few active), µs per QP:")
	writeQPRows(w, qpbench.Measure(qpbench.Random, sizes, batches, workers, env.stderr))
	fmt.Fprintln(w, "\nSafety-layer problems (two controls, one CBF row, four bounds), µs per QP:")
	writeQPRows(w, qpbench.Measure(qpbench.SafetyLayer, []qpbench.Size{{N: 2, M: 5}}, batches, workers, env.stderr))
	fmt.Fprintln(w, "\nGorgonia op in a TapeMachine, n=2, m=5 (Q shared; p, G, h batched):")
	fmt.Fprintln(w, "\n| batch | forward ms | forward+backward ms | allocs/run (fwd, fwd+bwd) |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, batch := range []int{64, 1024} {
		s := qpbench.Size{N: 2, M: 5}
		f := testing.Benchmark(qpbench.Op(s, batch, workers, false))
		fb := testing.Benchmark(qpbench.Op(s, batch, workers, true))
		fmt.Fprintf(w, "| %d | %.3f | %.3f | %d, %d |\n", batch, float64(f.NsPerOp())/1e6, float64(fb.NsPerOp())/1e6,
			f.AllocsPerOp(), fb.AllocsPerOp())
		fmt.Fprintf(env.stderr, "  op batch=%d done\n", batch)
	}
}

// writeQPRows prints measured rows as a Markdown table.
func writeQPRows(w io.Writer, rows []qpbench.Row) {
	fmt.Fprintln(w, "\n| n | m | batch | forward, Q shared | forward, Q batched | fwd+bwd, Q shared | fwd+bwd, Q batched | allocs/call (fwd, fwd+bwd) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %d | %d | %.3f | %.3f | %.3f | %.3f | %d, %d |\n", r.N, r.M, r.Batch,
			r.SharedFwdUS, r.FwdUS, r.SharedFwdBwdUS, r.FwdBwdUS, r.FwdAllocs, r.FBAlloc)
	}
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func parseSizes(s string) ([]qpbench.Size, error) {
	var out []qpbench.Size
	for _, f := range strings.Split(s, ",") {
		nm := strings.Split(strings.TrimSpace(f), "x")
		if len(nm) != 2 {
			return nil, fmt.Errorf("%q is not NxM", f)
		}
		n, err1 := strconv.Atoi(nm[0])
		m, err2 := strconv.Atoi(nm[1])
		if err1 != nil || err2 != nil || n < 1 || m < 0 {
			return nil, fmt.Errorf("%q is not NxM with N ≥ 1, M ≥ 0", f)
		}
		out = append(out, qpbench.Size{N: n, M: m})
	}
	return out, nil
}

func runBenchEnv(args []string, cli *cliEnv) int {
	fs := flag.NewFlagSet("bench env", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), benchEnvHelp) }
	if code, done := parseFlags(fs, args, cli); done {
		return code
	}
	rows, err := bench.Env(200, cli.stderr)
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym bench env: %v\n", err)
		return 2
	}
	w := cli.stdout
	fmt.Fprintf(w, "Simulators, GOMAXPROCS %d, %s/%s, %s\n\n", runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH,
		time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintln(w, "| setting | steps/s | allocs/op |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %d |\n", r.Name, humanRate(r.StepsPerSec), r.Allocs)
	}
	return 0
}

// humanRate prints a rate with a k or M suffix.
func humanRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2f M", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.0f k", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}

const benchLearnHelp = `Usage: barriergym bench learn [-configs A,B,…] [-batches 64,512]

Times one learner step of each config's policy network: forward pass,
backward pass and an Adam update of every weight, on a batch of states
the scenario's expert visits (PPO configs: the loss learner PPO uses;
imitation configs: the mean squared error to targets). Each network and
batch size is measured on one core (GOMAXPROCS 1) and on all cores, the
median of -count timings each, taken in -count passes over the whole
table so that a slow spell of the machine touches every cell alike (a
minute or two with the defaults).
Prints a Markdown table with milliseconds per step, allocations per step
and, for a BarrierNet network, its step over its MLP twin's (the MLP
config of the same scenario and trunk in the list), on one core. Progress
goes to standard error.

Flags:
`

func runBenchLearn(args []string, cli *cliEnv) int {
	fs := flag.NewFlagSet("bench learn", flag.ContinueOnError)
	names := fs.String("configs", "nav-ppo,nav-ppo-mlp,robot2d-barriernet,robot2d-mlp", "configs whose networks to time (embedded names or YAML paths), comma-separated")
	batchList := fs.String("batches", "64,512", "batch sizes, comma-separated")
	count := fs.Int("count", 3, "timings per cell; the median is printed")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchLearnHelp)
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args, cli); done {
		return code
	}
	batches, err := parseInts(*batchList)
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym bench learn: -batches: %v\n", err)
		return 2
	}
	var cfgs []*configs.Config
	for _, n := range strings.Split(*names, ",") {
		cfg, err := configs.Load(strings.TrimSpace(n))
		if err != nil {
			fmt.Fprintf(cli.stderr, "barriergym bench learn: %v\n", err)
			return 2
		}
		cfgs = append(cfgs, cfg)
	}
	if *count < 1 {
		fmt.Fprintf(cli.stderr, "barriergym bench learn: -count %d, want ≥ 1\n", *count)
		return 2
	}
	rows, err := bench.Learn(cfgs, batches, *count, cli.stderr)
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym bench learn: %v\n", err)
		return 1
	}
	w := cli.stdout
	fmt.Fprintf(w, "Learner step (forward, backward, Adam), float64, median of %d, %s/%s, %s\n\n", *count, runtime.GOOS, runtime.GOARCH,
		time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "| network | batch | ms, 1 core | ms, %d cores | allocs/step | × MLP twin (1 core) |\n", runtime.GOMAXPROCS(0))
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for i, r := range rows {
		ratio := "—"
		if j := bench.Twin(rows, i); j >= 0 {
			ratio = fmt.Sprintf("%.2f× (%s)", r.OneCoreMS/rows[j].OneCoreMS, rows[j].Config)
		}
		fmt.Fprintf(w, "| %s | %d | %.3f | %.3f | %d | %s |\n", r.Config, r.Batch, r.OneCoreMS, r.AllCoresMS, r.Allocs, ratio)
	}
	return 0
}
