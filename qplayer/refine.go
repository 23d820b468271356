package qplayer

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Iterative refinement of an answer whose KKT check failed. The dual
// method's J and R accumulate rounding over many working-set changes, and a
// ridge (Options.Regularize, or the elastic σ) moves the answer off the
// problem given; in both cases the final working set is usually still the
// right one, and the answer on it is the solution of the equality-
// constrained problem
//
//	minimize ½zᵀQz + pᵀz  subject to  C z = d,
//
// C and d being the working rows of G and h and the rows of A and b, with
// Q exactly as given. A refinement step solves its KKT system for the
// correction of the current answer,
//
//	[Q  Cᵀ] [δz]   [−(Qz + p + Cᵀμ)]
//	[C  0 ] [δμ] = [   d − Cz       ],
//
// by least squares on an SVD of the KKT matrix (factored once), which also
// copes with a singular Q and dependent rows. The refined answer is kept
// only when it passes the full check: stationarity, every row feasible,
// λ ≥ 0. The path is rare and allocates.

// refineSteps bounds the refinement steps.
const refineSteps = 3

// refine polishes e's answer z, lam, nu on the working set act (rows of G)
// and reports whether the polished answer passes the KKT check; z, lam and
// nu are changed only then.
func refine(e *elem, z, lam, nu []float64, act []bool, tol float64) bool {
	n, m, k := e.n, e.m, e.k
	var rows []int
	for i := 0; i < m; i++ {
		if act[i] {
			rows = append(rows, k+i)
		}
	}
	for j := 0; j < k; j++ {
		rows = append(rows, j)
	}
	q := len(rows)
	var svd mat.SVD
	if !svd.Factorize(kktMatrix(e, rows), mat.SVDFull) {
		return false
	}
	x := make([]float64, n+q) // (z, μ)
	copy(x, z)
	for j, r := range rows {
		if r < k {
			x[n+j] = nu[r]
		} else {
			x[n+j] = lam[r-k]
		}
	}
	res := make([]float64, n+q)
	rank := svd.Rank(1e-13)
	if rank == 0 {
		return false
	}
	var delta mat.VecDense
	for step := 0; step < refineSteps; step++ {
		refinementRHS(e, rows, x, res)
		svd.SolveVecTo(&delta, mat.NewVecDense(n+q, res), rank)
		for i := range x {
			x[i] += delta.AtVec(i)
		}
	}
	zr, lr, nr := make([]float64, n), make([]float64, m), make([]float64, k)
	copy(zr, x[:n])
	for j, r := range rows {
		if r < k {
			nr[r] = x[n+j]
			continue
		}
		if x[n+j] < 0 {
			return false // the working set is not the optimal one
		}
		lr[r-k] = x[n+j]
	}
	if !kktActive(e, zr, lr, nr, act, tol) || !rowsFeasible(e, zr, tol) || !finiteAll(zr) {
		return false
	}
	copy(z, zr)
	copy(lam, lr)
	copy(nu, nr)
	return true
}

// refinementRHS writes the right-hand side of a refinement step at x = (z, μ)
// into res: −(Qz + p + Cᵀμ), then d − Cz.
func refinementRHS(e *elem, rows []int, x, res []float64) {
	n := e.n
	z := x[:n]
	for a := 0; a < n; a++ {
		s := e.p[a]
		for c, zc := range z {
			s += symQ(e.Q, n, a, c) * zc
		}
		for j, r := range rows {
			row, _ := e.normal(r)
			s += row[a] * x[n+j]
		}
		res[a] = -s
	}
	for j, r := range rows {
		row, rhs := e.normal(r)
		res[n+j] = rhs - dot(row, z)
	}
}

// rowsFeasible reports whether z satisfies every row of G to the KKT
// check's tolerance, relative to the row's scale.
func rowsFeasible(e *elem, z []float64, tol float64) bool {
	tol = math.Max(tol, 1e-9)
	n := e.n
	for i := 0; i < e.m; i++ {
		if g, mag := rowExcess(e.G[i*n:(i+1)*n], e.h[i], z); g > tol*(1+mag) {
			return false
		}
	}
	return true
}
