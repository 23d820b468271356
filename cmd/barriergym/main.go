// Command barriergym trains, evaluates and inspects policies that end in a
// differentiable control-barrier-function QP (BarrierNet).
//
// It is pure Go and never imports the viewer's graphics library, so it runs
// on machines without a display.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	_ "github.com/barriergym/barriergym/scenarios" // the built-in scenarios
)

// command is one subcommand.
type command struct {
	summary string
	run     func(args []string, env *cliEnv) int
}

// cliEnv carries the process's streams, so tests can run commands in-process.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func commands() map[string]command {
	return map[string]command{
		"qp":        {"solve QPs given as JSON Lines and print solutions and gradients", runQP},
		"eval":      {"run seeded closed-loop episodes and report safety and performance", runEval},
		"train":     {"train a policy from a config and write a run directory", runTrain},
		"bench":     {"measure speed: 'bench qp' the QP layer, 'bench env' the simulators, 'bench learn' a learner step", runBench},
		"scenarios": {"list the scenarios: controls, CBFs, gains and embedded configs", runScenarios},
		"config":    {"'config show NAME|FILE' prints a config fully resolved, every key commented", runConfig},
		"report":    {"summarize finished runs over seeds: mean, std, 95 % bootstrap CI, IQM; learning curves", runReport},
		"sweep":     {"expand a sweep file into numbered runs and train them: plan, run (one index), local", runSweep},
	}
}

func main() {
	os.Exit(run(os.Args[1:], &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}

// run dispatches to a subcommand and returns the exit status: 0 success,
// 1 some input was invalid, 2 usage or I/O error.
func run(args []string, env *cliEnv) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := cmds[args[1]]; ok {
				return c.run([]string{"-h"}, env)
			}
		}
		usage(env.stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "barriergym: unknown command %q\n\n", args[0])
		usage(env.stderr, cmds)
		return 2
	}
	return c.run(args[1:], env)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "barriergym — reinforcement learning with a differentiable CBF-QP safety layer")
	fmt.Fprintln(w, "\nUsage: barriergym <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'barriergym <command> -h' for a command's flags.")
}
