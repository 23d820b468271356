package qplayer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// screenBatch draws n = 2 elastic problems: m rows through a random point
// (feasible) or random offsets (often infeasible), a shared or batched Q.
func screenBatch(rng *rand.Rand, size, m int, sharedQ bool) *Batch {
	b := &Batch{Size: size, N: 2, M: m, P: make([]float64, 2*size), G: make([]float64, 2*m*size), H: make([]float64, m*size)}
	posdef := func(Q []float64) {
		a, c, d := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		Q[0], Q[1], Q[2], Q[3] = a*a+0.2, a*c, a*c, c*c+d*d+0.2
	}
	if sharedQ {
		b.Q = make([]float64, 4)
		posdef(b.Q)
	} else {
		b.Q = make([]float64, 4*size)
		for i := 0; i < size; i++ {
			posdef(b.Q[4*i : 4*i+4])
		}
	}
	for i := range b.P {
		b.P[i] = 3 * rng.NormFloat64()
	}
	for i := 0; i < size; i++ {
		z0 := [2]float64{rng.NormFloat64(), rng.NormFloat64()}
		feasible := rng.IntN(4) != 0
		for j := 0; j < m; j++ {
			g := b.G[(i*m+j)*2 : (i*m+j)*2+2]
			g[0], g[1] = rng.NormFloat64(), rng.NormFloat64()
			if feasible {
				b.H[i*m+j] = g[0]*z0[0] + g[1]*z0[1] + 0.1 + math.Abs(rng.NormFloat64())
			} else {
				b.H[i*m+j] = rng.NormFloat64() - 1
			}
		}
	}
	return b
}

// TestScreenMatchesExtended solves elastic n = 2 batches with and without
// the screen: the answers, multipliers, slacks, statuses and every
// gradient agree with the extended problem's; a fair share of elements is
// screened and a fair share is not (infeasible, or a multiplier at ρ
// when ρ is small).
func TestScreenMatchesExtended(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct {
		rho     float64
		sharedQ bool
	}{{1e4, true}, {1e4, false}, {2, true}, {1, false}} {
		t.Run(fmt.Sprintf("rho=%v/sharedQ=%v", tc.rho, tc.sharedQ), func(t *testing.T) {
			b := screenBatch(rng, 3000, 6, tc.sharedQ)
			dz := make([]float64, 2*b.Size)
			for i := range dz {
				dz[i] = rng.NormFloat64()
			}
			run := func(noScreen bool) (*Result, *Grad) {
				s, err := NewSolver(Options{Elastic: true, Rho: tc.rho, Sigma: 1, Workers: 2})
				if err != nil {
					t.Fatal(err)
				}
				s.noScreen = noScreen
				var res Result
				var g Grad
				if err := s.Solve(b, &res); err != nil {
					t.Fatal(err)
				}
				if err := s.Backward(b, &res, dz, &g); err != nil {
					t.Fatal(err)
				}
				return &res, &g
			}
			got, gg := run(false)
			want, gw := run(true)
			screened := 0
			for i := 0; i < b.Size; i++ {
				if got.hard[i] {
					screened++
				}
				if got.Status[i] != want.Status[i] {
					t.Fatalf("element %d: status %v, extended %v", i, got.Status[i], want.Status[i])
				}
			}
			if screened < b.Size/10 || screened > b.Size*19/20 {
				t.Fatalf("%d of %d elements screened: the test does not exercise both paths", screened, b.Size)
			}
			close := func(what string, a, c []float64, tol float64) {
				t.Helper()
				for i := range a {
					if d := math.Abs(a[i] - c[i]); d > tol*(1+math.Abs(c[i])) {
						t.Fatalf("%s[%d] = %v, extended %v", what, i, a[i], c[i])
					}
				}
			}
			close("z", got.Z, want.Z, 1e-9)
			close("λ", got.Lambda, want.Lambda, 1e-7)
			close("slack", got.Slack, want.Slack, 1e-9)
			close("dQ", gg.Q, gw.Q, 1e-7)
			close("dp", gg.P, gw.P, 1e-7)
			close("dG", gg.G, gw.G, 1e-7)
			close("dh", gg.H, gw.H, 1e-7)
			t.Logf("%d of %d screened", screened, b.Size)
		})
	}
}
