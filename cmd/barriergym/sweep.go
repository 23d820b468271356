package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/barriergym/barriergym/atomicfile"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/sweep"
	"github.com/barriergym/barriergym/train"
)

const sweepHelp = `Usage: barriergym sweep plan FILE
       barriergym sweep run FILE [-index I]
       barriergym sweep local FILE [-parallel P]
       barriergym sweep emit slurm FILE [-parallel P] [-cpus C] [-mem MiB] [-time T] [-partition X] [-binary PATH] [-o SCRIPT]
       barriergym sweep emit k8s FILE -image IMAGE -claim PVC [-workdir DIR] [-parallel P] [-cpus C] [-mem MiB] [-o FILE]

A sweep file names base configs (embedded names or paths), seeds, and a
grid or list of overrides by dotted key; it expands deterministically to
numbered runs (config by config, then override set, then seed):

  name: nav-ppo-seeds
  configs: [nav-ppo, nav-ppo-filter]
  seeds: [1, 2, 3]
  grid:
    train.ppo.total_steps: [1000000, 3000000]
  out: results           # relative to this file; default runs/sweeps/<name>

plan   prints the runs: index, run directory, config, overrides, seed and
       state (pending, partial, complete). Mistakes in the file are
       reported with its line before anything runs.
run    trains one run: -index I, or the index an array-job engine sets
       (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX). A complete run is
       skipped, a partial one resumed; a run another process is training
       is left to it. Progress goes to standard error.
local  trains every run on this machine, P at a time, each run's log in
       OUT/logs/<run>.log, with a line per finished run (counts, ETA,
       success and collisions). Ctrl-C stops; run it again to resume.
emit slurm  writes a Slurm array batch script (default OUT/<name>.sbatch):
       #SBATCH --array=0-(N−1)%P, one task per run, each running
       'barriergym sweep run FILE' in this directory with the task's
       index; logs in OUT/logs. Submit it with sbatch; resubmitting
       finishes what is left. -binary is the barriergym the nodes run
       (default: this one, when it is not a 'go run' temporary).
emit k8s  writes a Kubernetes Indexed Job (default OUT/<name>.k8s.yaml):
       completionMode Indexed, completions = the runs, parallelism P;
       each pod runs 'barriergym sweep run FILE' from IMAGE in the
       project's PersistentVolumeClaim mounted at -workdir (FILE relative
       to it, as it is to this directory here), its index from
       JOB_COMPLETION_INDEX. Apply it with kubectl apply -f.

Flags:
`

func runSweep(args []string, cli *cliEnv) int {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	index := fs.Int("index", -1, "run: the run to train (default: $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX)")
	parallel := fs.Int("parallel", 1, "local, emit: runs trained at once (emit: 0 for no limit)")
	var res sweep.Resources
	fs.IntVar(&res.CPUs, "cpus", 2, "emit: cores per run")
	fs.IntVar(&res.MemoryMiB, "mem", 4096, "emit: memory per run, MiB")
	fs.StringVar(&res.Time, "time", "", "emit slurm: time limit per run (e.g. 02:00:00; default the partition's)")
	fs.StringVar(&res.Partition, "partition", "", "emit slurm: partition (default the cluster's)")
	binary := fs.String("binary", "", "emit slurm: the barriergym binary the cluster runs (default this one)")
	script := fs.String("o", "", "emit: where to write (default OUT/<name>.sbatch or OUT/<name>.k8s.yaml)")
	var kj sweep.KubeJob
	fs.StringVar(&kj.Image, "image", "", "emit k8s: the container image with barriergym on its PATH")
	fs.StringVar(&kj.Claim, "claim", "", "emit k8s: the PersistentVolumeClaim holding the project and its runs")
	fs.StringVar(&kj.Workdir, "workdir", "/project", "emit k8s: where the claim is mounted and the runs start")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), sweepHelp)
		fs.PrintDefaults()
	}
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	engine := ""
	if sub == "emit" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		engine, args = args[0], args[1:]
	}
	file := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if code, done := parseFlags(fs, args, cli); done {
		return code
	}
	switch {
	case sub != "plan" && sub != "run" && sub != "local" && sub != "emit":
		fmt.Fprintf(cli.stderr, "barriergym sweep: say what to do: plan, run, local or emit (see -h); got %q\n", sub)
		return 2
	case sub == "emit" && engine != "slurm" && engine != "k8s":
		fmt.Fprintf(cli.stderr, "barriergym sweep emit: say for which engine: slurm or k8s (see -h); got %q\n", engine)
		return 2
	case file == "":
		fmt.Fprintf(cli.stderr, "barriergym sweep %s: name the sweep file (see -h)\n", sub)
		return 2
	}
	s, err := sweep.Load(file)
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym sweep: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch sub {
	case "plan":
		printPlan(cli, s)
		return 0
	case "emit":
		res.Parallel = *parallel
		return emit(cli, s, engine, res, kj, *binary, file, *script)
	case "local":
		err := s.Local(ctx, *parallel, cli.stderr)
		switch {
		case ctx.Err() != nil:
			return 130
		case err != nil:
			fmt.Fprintf(cli.stderr, "barriergym sweep: %v\n", err)
			return 1
		}
		return 0
	}
	return sweepRun(ctx, cli, s, *index)
}

// sweepRun trains one run of s: -index, or the engine's index.
func sweepRun(ctx context.Context, cli *cliEnv, s *sweep.Sweep, index int) int {
	from := "-index"
	if index < 0 {
		i, name, ok, err := sweep.IndexFromEnv()
		if err != nil {
			fmt.Fprintf(cli.stderr, "barriergym sweep run: %v\n", err)
			return 2
		}
		if !ok {
			fmt.Fprintln(cli.stderr, "barriergym sweep run: give -index, or run it as an array job (SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)")
			return 2
		}
		index, from = i, name
	}
	if index >= len(s.Runs) {
		fmt.Fprintf(cli.stderr, "barriergym sweep run: %s %d, but sweep %s has %d runs (0…%d)\n", from, index, s.Name, len(s.Runs), len(s.Runs)-1)
		return 2
	}
	r := s.Runs[index]
	fmt.Fprintf(cli.stderr, "sweep %s, run %d of %d (%s): %s\n", s.Name, index, len(s.Runs), from, s.Dir(r))
	outcome, res, err := s.Train(ctx, index, cli.stderr)
	switch {
	case errors.Is(err, train.ErrInterrupted):
		return 130
	case err != nil:
		fmt.Fprintf(cli.stderr, "barriergym sweep run: %v\n", err)
		return 1
	}
	fmt.Fprintf(cli.stdout, "%s: %s\n", r.Name, outcome)
	if res != nil && res.Final != nil {
		fmt.Fprintf(cli.stdout, "success %.1f %%, collisions %.1f %%, in %.1f s\n", 100*res.Final.SuccessRate,
			100*res.Final.CollisionRate, res.Seconds)
	}
	return 0
}

// emit writes the engine's submission file for s (out, or its default in
// the sweep's output) and says how to submit it.
func emit(cli *cliEnv, s *sweep.Sweep, engine string, res sweep.Resources, kj sweep.KubeJob, binary, file, out string) int {
	var (
		text         []byte
		err          error
		perm         = os.FileMode(0o644)
		what, submit string
	)
	if engine == "k8s" {
		if out == "" {
			out = filepath.Join(s.Out, s.Name+".k8s.yaml")
		}
		text, err = s.KubeManifest(res, kj, file)
		what, submit = fmt.Sprintf("an Indexed Job of %d pods", len(s.Runs)), "apply with\n  kubectl apply -f"
	} else {
		if out == "" {
			out = filepath.Join(s.Out, s.Name+".sbatch")
		}
		text, err = slurmScript(s, res, binary, out)
		perm, what, submit = 0o755, fmt.Sprintf("%d array tasks", len(s.Runs)), "submit with\n  sbatch"
	}
	if err == nil {
		err = os.MkdirAll(filepath.Dir(out), 0o755)
	}
	if err == nil {
		err = atomicfile.WriteFile(out, text, perm)
	}
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym sweep emit: %v\n", err)
		return 1
	}
	fmt.Fprintf(cli.stdout, "wrote %s: %s; %s %s\n", out, what, submit, out)
	return 0
}

// slurmScript returns s's Slurm array script, to be written at script,
// for binary (default: this one, unless a 'go run' temporary) run in the
// working directory; it makes the directory of the tasks' logs.
func slurmScript(s *sweep.Sweep, res sweep.Resources, binary, script string) ([]byte, error) {
	if binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		if strings.Contains(exe, "go-build") {
			return nil, fmt.Errorf("this barriergym is a 'go run' temporary (%s); build one (go build -o barriergym ./cmd/barriergym) and pass -binary", exe)
		}
		binary = exe
	}
	binary, err := filepath.Abs(binary)
	if err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	text, err := s.SlurmScript(res, binary, wd, script)
	if err != nil {
		return nil, err
	}
	return text, os.MkdirAll(filepath.Join(s.Out, "logs"), 0o755)
}

// printPlan prints the sweep's runs as a Markdown table.
func printPlan(cli *cliEnv, s *sweep.Sweep) {
	w := cli.stdout
	fmt.Fprintf(w, "sweep %s (%s): %d runs in %s\n\n", s.Name, s.File, len(s.Runs), s.Out)
	fmt.Fprintln(w, "| index | run | config | overrides | seed | state |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range s.Runs {
		fmt.Fprintf(w, "| %d | %s | %s | %s | %d | %s |\n", r.Index, r.Name, r.Config, overridesText(r.Overrides), r.Seed, s.StateOf(r))
	}
}

func overridesText(os []configs.Override) string {
	if len(os) == 0 {
		return "—"
	}
	parts := make([]string, len(os))
	for i, o := range os {
		parts[i] = o.String()
	}
	return strings.Join(parts, ", ")
}
