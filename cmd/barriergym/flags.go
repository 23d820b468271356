package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// parseFlags parses args of a command that takes no positional arguments;
// done reports that the command should return code (help was shown, or the
// command line was wrong).
func parseFlags(fs *flag.FlagSet, args []string, cli *cliEnv) (code int, done bool) {
	if code, done := parseArgs(fs, args, cli); done {
		return code, done
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(cli.stderr, "barriergym %s: unexpected argument %q (see -h)\n", fs.Name(), fs.Arg(0))
		return 2, true
	}
	return 0, false
}

// parseArgs parses args, leaving positional arguments in fs.Args. -h
// prints the help once, on standard output, and returns 0; a wrong flag
// prints what is wrong and the help on standard error and returns 2. The
// flag package's own printing is silenced: on a terminal it would show the
// help a second time.
func parseArgs(fs *flag.FlagSet, args []string, cli *cliEnv) (code int, done bool) {
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(cli.stdout)
		fs.Usage()
		return 0, true
	}
	fmt.Fprintf(cli.stderr, "barriergym %s: %v\n\n", fs.Name(), err)
	fs.SetOutput(cli.stderr)
	fs.Usage()
	return 2, true
}
