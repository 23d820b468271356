// Package qplayer solves batches of small dense convex quadratic programs
// exactly and differentiates their solutions, so that a QP can serve as the
// last layer of a neural network.
//
// Each batch element is the problem
//
//	minimize ½ zᵀQz + pᵀz   subject to  Gz ≤ h,  Az = b      (z ∈ Rⁿ)
//
// solved by the dual active-set method of Goldfarb and Idnani. The method
// ends on an exact, linearly independent working set, which the backward pass
// reuses to differentiate the KKT system. Infeasible and malformed elements
// are reported per element and never produce NaN; the rest of the batch is
// unaffected. An elastic mode softens the inequalities with penalised slack
// so that every element has a solution.
//
// The package knows nothing of robots: barrier and policy code build Q, p, G,
// h from their own quantities. QP wraps the solver as a Gorgonia operation.
package qplayer

import (
	"fmt"
	"math"
)

// Status says how the solve of one batch element ended.
type Status int8

// Statuses of a batch element.
const (
	// Optimal: z is the minimiser to working precision.
	Optimal Status = iota
	// Infeasible: the constraints admit no point (hard mode only).
	Infeasible
	// Invalid: the element's data are malformed (NaN, Inf, Q not positive
	// semidefinite).
	Invalid
	// MaxIter: the iteration limit was reached before optimality.
	MaxIter
	// Unbounded: Q is only semidefinite and the objective decreases without
	// bound along a direction the constraints allow: z holds that direction
	// of recession d (max |dᵢ| = 1) with Qd = 0, pᵀd < 0, Gd ≤ 0, Ad = 0,
	// checked numerically.
	Unbounded
	// Inaccurate: the method ended with a claim it could not back: the
	// KKT conditions of the problem given (stationarity, feasibility, λ ≥ 0,
	// complementarity, scaled by the data; in hard mode, Regularize
	// included) fail at its solution, or the Farkas certificate of an
	// infeasibility it found fails its check (round-off, not a proof).
	// z is the last iterate.
	Inaccurate
)

// String returns the lower-case name used in JSON output.
func (s Status) String() string {
	switch s {
	case Optimal:
		return "optimal"
	case Infeasible:
		return "infeasible"
	case Invalid:
		return "invalid"
	case MaxIter:
		return "max_iter"
	case Inaccurate:
		return "inaccurate"
	case Unbounded:
		return "unbounded"
	}
	return fmt.Sprintf("status(%d)", int8(s))
}

// Batch holds the data of Size problems with N variables, M inequalities and
// K equalities, row-major. Each of Q (N×N), P (N), G (M×N), H (M), A (K×N)
// and B (K) is either shared by every element (its length is that of one
// element) or batched (Size times that length, element after element).
// A shared input's gradient is the sum over the batch.
type Batch struct {
	Size    int
	N, M, K int
	Q, P    []float64
	G, H    []float64
	A, B    []float64
}

type field struct {
	name string
	data []float64
	per  int
}

func (b *Batch) fields() [6]field {
	n, m, k := b.N, b.M, b.K
	return [6]field{
		{"Q", b.Q, n * n}, {"p", b.P, n},
		{"G", b.G, m * n}, {"h", b.H, m},
		{"A", b.A, k * n}, {"b", b.B, k},
	}
}

// Validate checks the batch's sizes: dimensions must be non-negative, N
// positive, and each input either shared or batched.
func (b *Batch) Validate() error {
	if b.Size < 1 {
		return fmt.Errorf("qplayer: batch size %d, want ≥ 1", b.Size)
	}
	if b.N < 1 || b.M < 0 || b.K < 0 {
		return fmt.Errorf("qplayer: sizes n=%d m=%d k=%d, want n ≥ 1, m ≥ 0, k ≥ 0", b.N, b.M, b.K)
	}
	for _, f := range b.fields() {
		if len(f.data) != f.per && len(f.data) != f.per*b.Size {
			return fmt.Errorf("qplayer: %s has %d values, want %d (shared) or %d (batch of %d)",
				f.name, len(f.data), f.per, f.per*b.Size, b.Size)
		}
	}
	return nil
}

// elem is one problem of a batch: views into the batch's slices.
type elem struct {
	n, m, k int
	Q, p    []float64
	G, h    []float64
	A, b    []float64
}

// at returns element i's views.
func (b *Batch) at(i int) elem {
	n, m, k := b.N, b.M, b.K
	return elem{
		n: n, m: m, k: k,
		Q: elemOf(b.Q, n*n, i), p: elemOf(b.P, n, i),
		G: elemOf(b.G, m*n, i), h: elemOf(b.H, m, i),
		A: elemOf(b.A, k*n, i), b: elemOf(b.B, k, i),
	}
}

// elemOf returns element i's part of an input with per values an element:
// all of it when shared, its slice when batched.
func elemOf(d []float64, per, i int) []float64 {
	if len(d) == per {
		return d
	}
	return d[i*per : (i+1)*per]
}

// finite reports whether every value of the element is finite.
func (e *elem) finite() bool {
	for _, d := range [][]float64{e.Q, e.p, e.G, e.h, e.A, e.b} {
		if !finiteAll(d) {
			return false
		}
	}
	return true
}

// Options tune the solver. The zero value means the defaults.
type Options struct {
	// Elastic softens Gz ≤ h into Gz ≤ h + t, t ≥ 0, adding ρ·1ᵀt + (σ/2)‖t‖²
	// to the objective, so every element is feasible. The solution is exact
	// whenever ρ exceeds the largest multiplier of the hard problem.
	Elastic bool
	// Rho and Sigma are the elastic penalty weights (defaults 1e4 and 1).
	Rho, Sigma float64
	// Tol is the relative tolerance for constraint violation (default 1e-11).
	Tol float64
	// MaxIter bounds the active-set changes per element (default 10·(n+m+k)+20).
	MaxIter int
	// Workers is how many goroutines share a large batch (default GOMAXPROCS).
	Workers int
	// Regularize, when positive, is added to Q's diagonal (the problem then
	// solved is the regularized one, to O(Regularize) of the original). Zero
	// keeps Q as given: a Q that is positive semidefinite but not definite is
	// solved exactly by proximal-point iterations (see proximal.go), one that
	// is not semidefinite is invalid.
	Regularize float64
}

// Defaults of Options.
const (
	DefaultRho   = 1e4
	DefaultSigma = 1.0
	DefaultTol   = 1e-11
)

func (o Options) withDefaults() Options {
	if o.Rho == 0 {
		o.Rho = DefaultRho
	}
	if o.Sigma == 0 {
		o.Sigma = DefaultSigma
	}
	if o.Tol == 0 {
		o.Tol = DefaultTol
	}
	return o
}

// Check reports impossible option values.
func (o Options) Check() error {
	switch {
	case o.Rho < 0 || math.IsNaN(o.Rho) || math.IsInf(o.Rho, 0):
		return fmt.Errorf("qplayer: elastic rho %v, want a finite value ≥ 0", o.Rho)
	case o.Sigma < 0 || math.IsNaN(o.Sigma) || math.IsInf(o.Sigma, 0):
		return fmt.Errorf("qplayer: elastic sigma %v, want a finite value > 0", o.Sigma)
	case o.Tol < 0 || math.IsNaN(o.Tol):
		return fmt.Errorf("qplayer: tolerance %v, want ≥ 0", o.Tol)
	case o.MaxIter < 0:
		return fmt.Errorf("qplayer: max iterations %d, want ≥ 0", o.MaxIter)
	case o.Regularize < 0 || math.IsNaN(o.Regularize) || math.IsInf(o.Regularize, 0):
		return fmt.Errorf("qplayer: regularization %v, want a finite value ≥ 0", o.Regularize)
	case o.Workers < 0:
		return fmt.Errorf("qplayer: workers %d, want ≥ 0", o.Workers)
	}
	return nil
}
