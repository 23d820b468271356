package qplayer

import (
	"math"
	"strings"
	"testing"
)

// problemFromBytes turns fuzz input into a small problem with entries of
// moderate size (bytes as signed eighths), so that residuals can be judged.
func problemFromBytes(data []byte) (*Batch, bool) {
	b, _, ok := scaledProblemFromBytes(data, false)
	return b, ok
}

// scaledProblemFromBytes is problemFromBytes; with scaled, two more bytes
// scale the objective (Q and p) and the constraints (G, h, A, b) by powers
// of ten from 1e-150 to 1e150, so that magnitudes large and tiny, and
// objective and constraints far apart, are fuzzed too. It reports whether
// a scale is extreme (beyond 1e±8), where residuals are not judged.
func scaledProblemFromBytes(data []byte, scaled bool) (*Batch, bool, bool) {
	objScale, conScale, extreme := 1.0, 1.0, false
	if scaled {
		if len(data) < 5 {
			return nil, false, false
		}
		pow := func(c byte) (float64, bool) {
			e := int(c%31)*10 - 150
			return math.Pow(10, float64(e)), e < -8 || e > 8
		}
		var x1, x2 bool
		objScale, x1 = pow(data[3])
		conScale, x2 = pow(data[4])
		extreme = x1 || x2
		data = append(data[:3:3], data[5:]...)
	}
	if len(data) < 3 {
		return nil, false, false
	}
	n := 1 + int(data[0])%6
	m := int(data[1]) % 9
	k := int(data[2]) % n
	data = data[3:]
	next := func() float64 {
		if len(data) == 0 {
			return 0
		}
		v := float64(int8(data[0])) / 8
		data = data[1:]
		return v
	}
	fill := func(c int) []float64 {
		s := make([]float64, c)
		for i := range s {
			s[i] = next()
		}
		return s
	}
	b := &Batch{Size: 1, N: n, M: m, K: k}
	b.Q = fill(n * n)
	b.P, b.G, b.H, b.A, b.B = fill(n), fill(m*n), fill(m), fill(k*n), fill(k)
	for _, v := range [][]float64{b.Q, b.P} {
		for i := range v {
			v[i] *= objScale
		}
	}
	for _, v := range [][]float64{b.G, b.H, b.A, b.B} {
		for i := range v {
			v[i] *= conScale
		}
	}
	return b, extreme, true
}

// kktResidual returns the largest violation, relative to the data's
// scale, of stationarity, primal feasibility, dual sign and complementarity.
func kktResidual(b *Batch, r *Result) float64 {
	n, m, k := b.N, b.M, b.K
	z := r.Z[:n]
	scale := 1 + maxAbs(b.Q) + maxAbs(b.P) + maxAbs(b.G) + maxAbs(b.H) + maxAbs(b.A) + maxAbs(b.B)
	scale *= 1 + maxAbs(z) + maxAbs(r.Lambda) + maxAbs(r.Nu)
	worst := 0.0
	for a := 0; a < n; a++ {
		s := b.P[a]
		for c := 0; c < n; c++ {
			s += 0.5 * (b.Q[a*n+c] + b.Q[c*n+a]) * z[c]
		}
		for i := 0; i < m; i++ {
			s += b.G[i*n+a] * r.Lambda[i]
		}
		for i := 0; i < k; i++ {
			s += b.A[i*n+a] * r.Nu[i]
		}
		worst = math.Max(worst, math.Abs(s))
	}
	for i := 0; i < m; i++ {
		slack := b.H[i] - dot(b.G[i*n:(i+1)*n], z)
		worst = math.Max(worst, -slack)
		worst = math.Max(worst, -r.Lambda[i])
		worst = math.Max(worst, math.Abs(slack*r.Lambda[i]))
	}
	for i := 0; i < k; i++ {
		worst = math.Max(worst, math.Abs(dot(b.A[i*n:(i+1)*n], z)-b.B[i]))
	}
	return worst / scale
}

func FuzzSolve(f *testing.F) {
	f.Add([]byte{1, 3, 0, 16, 0, 0, 16, 0, 0, 248, 248, 248, 0, 0, 248, 248, 0, 0})
	f.Add([]byte{2, 5, 1, 8, 1, 2, 1, 9, 0, 2, 0, 7, 5, 5, 5, 250, 3, 1, 1, 1, 1, 1, 1, 255, 8, 8, 8, 8})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{3, 8, 2, 200, 17, 3, 100, 4, 4, 4, 9, 1, 120, 130, 140, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7})
	f.Add([]byte{1, 2, 0, 8, 0, 0, 8, 0, 0, 8, 0, 248, 0, 248, 248})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, ok := problemFromBytes(data)
		if !ok {
			return
		}
		for _, elastic := range []bool{false, true} {
			s, _ := NewSolver(Options{Elastic: elastic, Rho: 100})
			var r Result
			if err := s.Solve(b, &r); err != nil {
				t.Fatal(err)
			}
			for _, v := range append(append(append([]float64{}, r.Z...), r.Lambda...), r.Nu...) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("elastic=%v: non-finite output z=%v λ=%v ν=%v", elastic, r.Z, r.Lambda, r.Nu)
				}
			}
			if r.Status[0] == Optimal && !elastic {
				if res := kktResidual(b, &r); res > 1e-8 {
					t.Fatalf("KKT residual %g for %+v: z=%v λ=%v ν=%v", res, b, r.Z, r.Lambda, r.Nu)
				}
			}
			if elastic && r.Status[0] == Infeasible && b.K == 0 {
				// Only inconsistent equalities, which elastic mode keeps hard,
				// may leave an elastic problem infeasible.
				t.Fatalf("elastic mode reported infeasible for %+v", b)
			}
			var g Grad
			dz := make([]float64, b.N)
			for i := range dz {
				dz[i] = 1
			}
			if err := s.Backward(b, &r, dz, &g); err != nil {
				t.Fatal(err)
			}
			for _, gs := range g.slices() {
				for _, v := range *gs {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("non-finite gradient %+v", g)
					}
				}
			}
		}
	})
}

// TestRegularizeSemidefinite: ZECEVIC2 (Maros–Meszaros) has Q = diag(0, 4).
// It is solved exactly by default (proximal points) and approximately with
// Regularize.
func TestRegularizeSemidefinite(t *testing.T) {
	b := &Batch{Size: 1, N: 2, M: 6, Q: []float64{0, 0, 0, 4}, P: []float64{-2, -3},
		G: []float64{1, 1, 1, 4, -1, 0, 1, 0, 0, -1, 0, 1}, H: []float64{2, 4, 0, 10, 0, 10}}
	s, _ := NewSolver(Options{})
	var r Result
	s.Solve(b, &r)
	if r.Status[0] != Optimal || math.Abs(r.Z[0]-1.75) > 1e-9 || math.Abs(r.Z[1]-0.25) > 1e-9 {
		t.Fatalf("ZECEVIC2 with no flags: %v z = %v, want (1.75, 0.25)", r.Status[0], r.Z)
	}
	s, _ = NewSolver(Options{Regularize: 1e-9})
	s.Solve(b, &r)
	if r.Status[0] != Optimal || math.Abs(r.Z[0]-1.75) > 1e-6 || math.Abs(r.Z[1]-0.25) > 1e-6 {
		t.Fatalf("regularized ZECEVIC2: %v z = %v, want (1.75, 0.25)", r.Status[0], r.Z)
	}
	if obj := r.Objective(b, 0); math.Abs(obj+4.125) > 1e-6 {
		t.Errorf("objective %v, want −4.125", obj)
	}
}

// FuzzSolveMagnitudes: problems whose objective and constraints are scaled
// by powers of ten from 1e-150 to 1e150. Nothing non-finite ever comes out
// (an answer that does not fit is invalid, saying why; a gradient that
// does not is zero with an error); an infeasible element's certificate
// checks; and where the scales stay within 1e±8 an optimal answer satisfies
// the KKT conditions.
func FuzzSolveMagnitudes(f *testing.F) {
	f.Add([]byte{1, 3, 0, 15, 15, 16, 0, 0, 16, 0, 0, 248, 248, 248, 0, 0, 248, 248, 0, 0})
	f.Add([]byte{2, 5, 1, 30, 0, 8, 1, 2, 1, 9, 0, 2, 0, 7, 5, 5, 5, 250, 3, 1, 1, 1, 1, 1, 1, 255, 8, 8, 8, 8})
	f.Add([]byte{1, 2, 0, 0, 30, 8, 0, 0, 8, 0, 0, 8, 0, 248, 0, 248, 248})
	f.Add([]byte{3, 8, 2, 14, 16, 200, 17, 3, 100, 4, 4, 4, 9, 1, 120, 130, 140, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, extreme, ok := scaledProblemFromBytes(data, true)
		if !ok {
			return
		}
		s, _ := NewSolver(Options{})
		var r Result
		if err := s.Solve(b, &r); err != nil {
			t.Fatal(err)
		}
		if !finiteAll(r.Z) || !finiteAll(r.Lambda) || !finiteAll(r.Nu) {
			t.Fatalf("non-finite output %v: z=%v λ=%v ν=%v", r.Status, r.Z, r.Lambda, r.Nu)
		}
		switch r.Status[0] {
		case Invalid:
			if r.Why(0) == "" {
				t.Fatal("invalid without a reason")
			}
		case Infeasible:
			y, w := r.Certificate(0)
			checkFarkas(t, b, 0, y, w)
		case Optimal:
			if res := kktResidual(b, &r); !extreme && res > 1e-8 {
				t.Fatalf("KKT residual %g for %+v: z=%v λ=%v ν=%v", res, b, r.Z, r.Lambda, r.Nu)
			}
		}
		var g Grad
		dz := make([]float64, b.N)
		for i := range dz {
			dz[i] = 1
		}
		if err := s.Backward(b, &r, dz, &g); err != nil && !strings.Contains(err.Error(), "overflows") {
			t.Fatal(err)
		}
		for _, gs := range g.slices() {
			if !finiteAll(*gs) {
				t.Fatalf("non-finite gradient %+v", g)
			}
		}
	})
}
