package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
)

const scenariosHelp = `Usage: barriergym scenarios

Lists every registered scenario with its default settings: a one-line
description, the observation, the controls (names, units, bounds), the CBF
rows of a policy's QP (name, relative degree, the gains feeding them), the
gains (learned by a BarrierNet policy or fixed; the expert's values), its
published demonstrations and its embedded configs.
'barriergym config show NAME' prints an embedded config in full.
`

func runScenarios(args []string, cli *cliEnv) int {
	fs := flag.NewFlagSet("scenarios", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), scenariosHelp) }
	if code, done := parseFlags(fs, args, cli); done {
		return code
	}
	for i, name := range env.Names() {
		if i > 0 {
			fmt.Fprintln(cli.stdout)
		}
		if err := describeScenario(cli.stdout, name); err != nil {
			fmt.Fprintf(cli.stderr, "barriergym scenarios: %s: %v\n", name, err)
			return 1
		}
	}
	return 0
}

// describeScenario prints one scenario with its default settings.
func describeScenario(w io.Writer, name string) error {
	sc, err := env.Lookup(name)
	if err != nil {
		return err
	}
	cfg, err := configs.Default(name)
	if err != nil {
		return err
	}
	task, err := cfg.Task()
	if err != nil {
		return err
	}
	spec := task.Spec()
	fmt.Fprintf(w, "%s — %s\n", name, sc.Summary())
	fmt.Fprintf(w, "  observation (%d): %s\n", len(spec.Observation), strings.Join(spec.Observation, "; "))
	var ctrl []string
	for _, c := range spec.Controls {
		ctrl = append(ctrl, fmt.Sprintf("%s ∈ [%g, %g] %s", c.Name, c.Lo, c.Hi, c.Unit))
	}
	fmt.Fprintf(w, "  controls (%d): %s; dt %g s\n", len(spec.Controls), strings.Join(ctrl, "; "), spec.Dt)
	l := spec.Layout
	fmt.Fprintf(w, "  CBF rows of a policy's QP (%d):\n", len(l.Slots))
	for _, s := range l.Slots {
		names := make([]string, len(s.Gains))
		for i, g := range s.Gains {
			names[i] = l.Gains[g].Name
		}
		fmt.Fprintf(w, "    %s: relative degree %d, gains %s\n", s.Name, s.Degree, strings.Join(names, ", "))
	}
	expert := cfg.Barrier.ExpertGains(spec)
	var gains []string
	for i, g := range l.Gains {
		kind := "fixed"
		if g.Learned {
			kind = "learned"
		}
		gains = append(gains, fmt.Sprintf("%s %s (expert %g)", g.Name, kind, expert[i]))
	}
	fmt.Fprintf(w, "  gains: %s\n", strings.Join(gains, "; "))
	for _, m := range spec.Metrics {
		fmt.Fprintf(w, "  metric %s (per episode %s): %s\n", m.Summary, m.Name, m.Doc)
	}
	if d, ok := task.(env.DemoSource); ok {
		fmt.Fprintf(w, "  published demonstrations (train.data): %s\n", strings.Join(d.DemoSets(), ", "))
	}
	fmt.Fprintf(w, "  eval -scenarios lines: {\"seed\":s} or %s\n", spec.StartFormat)
	fmt.Fprintf(w, "  configs: %s\n", strings.Join(configs.NamesOf(name), ", "))
	return nil
}
