package main

import (
	"bytes"
	"flag"
	"fmt"

	"github.com/barriergym/barriergym/atomicfile"
	"github.com/barriergym/barriergym/report"
)

const reportHelp = `Usage: barriergym report DIR… [-csv FILE] [-json FILE] [-curves FILE.png]

Summarizes finished runs over seeds. Each DIR is a run directory or a
directory holding runs at any depth (a sweep's output). Runs are grouped
by their config with the seed left out — one config and one set of
overrides a group — and each metric (evaluation success, collisions, min
barrier, return, length, intervention; training collision steps and
episodes for PPO; wall-clock) is reported per group as the mean, the
sample standard deviation, the 95 % percentile-bootstrap CI of the mean
and the interquartile mean. Markdown goes to standard output.

Flags:
`

func runReport(args []string, cli *cliEnv) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	csvFile := fs.String("csv", "", "also write the statistics as CSV (a row per group and metric)")
	jsonFile := fs.String("json", "", "also write the statistics as JSON")
	curves := fs.String("curves", "", "draw each group's learning curve, mean and 95 % band over seeds, into this PNG")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), reportHelp)
		fs.PrintDefaults()
	}
	// Directories may come before or after the flags.
	var dirs []string
	for len(args) > 0 {
		if code, done := parseArgs(fs, args, cli); done {
			return code
		}
		if fs.NArg() == 0 {
			break
		}
		dirs = append(dirs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(dirs) == 0 {
		fmt.Fprintln(cli.stderr, "barriergym report: name at least one run or sweep directory (see -h)")
		return 2
	}
	runs, skipped, err := report.Find(dirs)
	for _, s := range skipped {
		fmt.Fprintf(cli.stderr, "barriergym report: %s is not finished (no eval.json): left out\n", s)
	}
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym report: %v\n", err)
		return 1
	}
	groups, err := report.Summarize(runs)
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym report: %v\n", err)
		return 1
	}
	report.Markdown(cli.stdout, groups)
	write := func(path string, render func(*bytes.Buffer) error) error {
		if path == "" {
			return nil
		}
		var b bytes.Buffer
		if err := render(&b); err != nil {
			return err
		}
		return atomicfile.WriteFile(path, b.Bytes(), 0o644)
	}
	for _, err := range []error{
		write(*csvFile, func(b *bytes.Buffer) error { return report.CSV(b, groups) }),
		write(*jsonFile, func(b *bytes.Buffer) error { return report.JSON(b, groups) }),
		write(*curves, func(b *bytes.Buffer) error {
			png, err := report.Curves(groups)
			b.Write(png)
			return err
		}),
	} {
		if err != nil {
			fmt.Fprintf(cli.stderr, "barriergym report: %v\n", err)
			return 1
		}
	}
	return 0
}
