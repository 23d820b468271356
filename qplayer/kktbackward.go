package qplayer

import "gonum.org/v1/gonum/mat"

// kktBackward solves the KKT system of the strongly active rows directly,
//
//	[Q  Cᵀ] [dz]   [−g]
//	[C  0 ] [dμ] = [ 0],
//
// for a Q that is only positive semidefinite (no Cholesky factor to go
// through). When the system is nonsingular — Q positive definite on the
// null space of C and C of full row rank, i.e. wherever the solution is
// locally unique — this is the exact derivative. When it is singular (the
// solution is not unique) the convention is the least-norm solution
// (pseudo-inverse, by SVD). It allocates: the path is rare.
func kktBackward(e *elem, rows []int, g []float64) (dz, dmu []float64, ok bool) {
	n, q := e.n, len(rows)
	K := kktMatrix(e, rows)
	rhs := mat.NewVecDense(n+q, nil)
	for a := 0; a < n; a++ {
		rhs.SetVec(a, -g[a])
	}
	var svd mat.SVD
	if !svd.Factorize(K, mat.SVDFull) {
		return nil, nil, false
	}
	vals := svd.Values(nil)
	var U, V mat.Dense
	svd.UTo(&U)
	svd.VTo(&V)
	cut := 1e-12 * vals[0]
	x := make([]float64, n+q)
	for s, sv := range vals {
		if sv <= cut {
			continue
		}
		c := 0.0
		for i := 0; i < n+q; i++ {
			c += U.At(i, s) * rhs.AtVec(i)
		}
		c /= sv
		for i := 0; i < n+q; i++ {
			x[i] += c * V.At(i, s)
		}
	}
	return x[:n], x[n:], true
}

// kktMatrix returns the KKT matrix of e's working rows (constraint ids, as
// workspace.normal numbers them): [Q Cᵀ; C 0] with Q's symmetric part.
func kktMatrix(e *elem, rows []int) *mat.Dense {
	n, q := e.n, len(rows)
	K := mat.NewDense(n+q, n+q, nil)
	for a := 0; a < n; a++ {
		for c := 0; c < n; c++ {
			K.Set(a, c, symQ(e.Q, n, a, c))
		}
	}
	for j, r := range rows {
		row, _ := e.normal(r)
		for a := 0; a < n; a++ {
			K.Set(a, n+j, row[a])
			K.Set(n+j, a, row[a])
		}
	}
	return K
}
