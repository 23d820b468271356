package main

import (
	"flag"
	"fmt"

	"github.com/barriergym/barriergym/configs"
)

const configHelp = `Usage: barriergym config show NAME|FILE

Prints a config fully resolved — every key of every section with its value
(defaults included) and a one-line comment saying what it is — as YAML that
barriergym reads back unchanged: a starting point for a config of your own.
NAME is an embedded config; FILE a YAML path. Errors point at the file,
line and key.

Embedded configs: %s
`

func runConfig(args []string, cli *cliEnv) int {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), configHelp, joinNames()) }
	if code, done := parseArgs(fs, args, cli); done {
		return code
	}
	if fs.NArg() == 0 || fs.Arg(0) != "show" {
		fmt.Fprintln(cli.stderr, "barriergym config: want 'config show NAME|FILE' (see -h)")
		return 2
	}
	show := flag.NewFlagSet("config show", flag.ContinueOnError)
	show.Usage = func() { fmt.Fprintf(show.Output(), configHelp, joinNames()) }
	if code, done := parseArgs(show, fs.Args()[1:], cli); done {
		return code
	}
	if show.NArg() != 1 {
		fmt.Fprintln(cli.stderr, "barriergym config show: want one NAME or FILE (see -h)")
		return 2
	}
	cfg, err := configs.Load(show.Arg(0))
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym config: %v\n", err)
		return 2
	}
	text, err := configs.Render(cfg)
	if err != nil {
		fmt.Fprintf(cli.stderr, "barriergym config: %v\n", err)
		return 1
	}
	cli.stdout.Write(text)
	return 0
}
