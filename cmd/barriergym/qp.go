package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/barriergym/barriergym/atomicfile"
	"github.com/barriergym/barriergym/qplayer"
	"github.com/barriergym/barriergym/qplayer/qpjson"
)

const qpHelp = `Usage: barriergym qp [-in FILE] [-out FILE] [-elastic RHO] [flags]

Solves quadratic programs, one per input line (JSON Lines),

    minimize ½zᵀQz + pᵀz  subject to  Gz ≤ h,  Az = b

and writes one JSON line per problem, in order.

Input fields:  Q (n×n), p (n); G (m×n), h (m), A (k×n), b (k) optional;
               dz (n, optional): the upstream gradient ∂ℓ/∂z; name (echoed).
Output fields: status (optimal, infeasible, unbounded, invalid, max_iter,
               inaccurate), z, lambda, nu, active (indices of G rows in the
               working set), objective, iterations; slack (elastic mode);
               error (when invalid); grad {Q,p,G,h,A,b} when dz was given;
               certificate {y, w} when infeasible: y ≥ 0, Gᵀy + Aᵀw = 0,
               hᵀy + bᵀw < 0, checked numerically (a check that fails gives
               inaccurate); direction d when unbounded: Qd = 0, pᵀd < 0,
               Gd ≤ 0, Ad = 0, max |dᵢ| = 1; residuals {stationarity, primal,
               dual, complementarity} when inaccurate (relative KKT residuals).
Q need only be positive semidefinite.

A malformed line, bad shapes, NaN/Inf in the input or in the answer (a
magnitude that overflows float64) or a Q that is not positive semidefinite make
that line invalid, with an error saying why; the rest are still solved, every
line gets its answer line in order, and the exit status is 1. -out FILE is
written atomically: it appears whole when the run ends.

Example:
    echo '{"Q":[[2,0],[0,2]],"p":[0,0],"G":[[-1,-1]],"h":[-1],"dz":[1,0]}' | barriergym qp

Flags:
`

func runQP(args []string, env *cliEnv) int {
	fs := flag.NewFlagSet("qp", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), qpHelp)
		fs.PrintDefaults()
	}
	in := fs.String("in", "-", "input file of JSON Lines (- for standard input)")
	out := fs.String("out", "-", "output file (- for standard output)")
	rho := fs.Float64("elastic", 0, "elastic mode with this linear slack penalty `RHO` (0: hard constraints)")
	sigma := fs.Float64("sigma", qplayer.DefaultSigma, "elastic mode: quadratic slack penalty")
	tol := fs.Float64("tol", qplayer.DefaultTol, "relative constraint tolerance")
	maxIter := fs.Int("max-iter", 0, "active-set changes allowed per problem (0: 10·(n+m+k)+20)")
	reg := fs.Float64("regularize", 0, "add this to Q's diagonal (for semidefinite Q)")
	if code, done := parseFlags(fs, args, env); done {
		return code
	}
	opts := qplayer.Options{Elastic: *rho > 0, Rho: *rho, Sigma: *sigma, Tol: *tol, MaxIter: *maxIter, Regularize: *reg}
	solver, err := qplayer.NewSolver(opts)
	if err != nil {
		fmt.Fprintf(env.stderr, "barriergym qp: %v\n", err)
		return 2
	}
	r := env.stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			fmt.Fprintf(env.stderr, "barriergym qp: %v\n", err)
			return 2
		}
		defer f.Close()
		r = f
	}
	w := env.stdout
	var outFile *atomicfile.File
	if *out != "-" {
		if outFile, err = atomicfile.Create(*out, 0o644); err != nil {
			fmt.Fprintf(env.stderr, "barriergym qp: %v\n", err)
			return 2
		}
		w = outFile
	}
	bad, err := qpjson.Run(r, w, solver)
	if outFile != nil {
		// The answers computed before a read error are kept.
		if cerr := outFile.Commit(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "barriergym qp: %v\n", err)
		return 2
	}
	if bad > 0 {
		fmt.Fprintf(env.stderr, "barriergym qp: %d invalid line(s)\n", bad)
		return 1
	}
	return 0
}
