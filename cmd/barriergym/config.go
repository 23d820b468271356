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
	fs.SetOutput(cli.stderr)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), configHelp, joinNames()) }
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(cli.stdout)
			fs.Usage()
			return 0
		}
		return 2
	}
	if fs.NArg() != 2 || fs.Arg(0) != "show" {
		fmt.Fprintln(cli.stderr, "barriergym config: want 'config show NAME|FILE' (see -h)")
		return 2
	}
	cfg, err := configs.Load(fs.Arg(1))
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
