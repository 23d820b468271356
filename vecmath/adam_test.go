package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdam: the vector form and the Go form equal the textbook update, written out one
// weight at a time, bit for bit over many steps, tails included; the
// gradients span magnitudes from 1e-12 to 1e3 and include zeros.
func TestAdam(t *testing.T) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	rng := rand.New(rand.NewPCG(11, 13))
	for _, n := range []int{1, 3, 4, 7, 64, 257} {
		p, m, v := make([]float64, n), make([]float64, n), make([]float64, n)
		wp, wm, wv := make([]float64, n), make([]float64, n), make([]float64, n)
		gp, gm, gv := make([]float64, n), make([]float64, n), make([]float64, n) // the Go form throughout
		for i := range p {
			p[i] = rng.NormFloat64()
			wp[i], gp[i] = p[i], p[i]
		}
		g := make([]float64, n)
		for step := 1; step <= 50; step++ {
			for i := range g {
				g[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(16)-12))
				if rng.IntN(10) == 0 {
					g[i] = 0
				}
			}
			t1 := float64(step)
			c := AdamCoeffs{B1: b1, OneMinusB1: 1 - b1, B2: b2, OneMinusB2: 1 - b2, Eps: eps,
				Step: 1e-3 / (1 - math.Pow(b1, t1)), InvC2: 1 / math.Sqrt(1-math.Pow(b2, t1))}
			Adam(p, m, v, g, c)
			adamGo(gp, gm, gv, g, &c)
			for i, gi := range g {
				wm[i] = b1*wm[i] + (1-b1)*gi
				wv[i] = b2*wv[i] + (1-b2)*gi*gi
				wp[i] -= c.Step * wm[i] / (math.Sqrt(wv[i])*c.InvC2 + eps)
				if p[i] != wp[i] || m[i] != wm[i] || v[i] != wv[i] || gp[i] != wp[i] || gm[i] != wm[i] || gv[i] != wv[i] {
					t.Fatalf("n=%d step %d weight %d: (p, m, v) = (%v, %v, %v), want (%v, %v, %v)",
						n, step, i, p[i], m[i], v[i], wp[i], wm[i], wv[i])
				}
			}
		}
	}
}

// BenchmarkAdam times the update of a nav-ppo-sized network (9 478
// weights): go test -bench Adam -cpu 1 ./vecmath
func BenchmarkAdam(b *testing.B) {
	const n = 9478
	p, m, v, g := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range g {
		g[i] = float64(i%7) * 1e-3
	}
	c := AdamCoeffs{B1: 0.9, OneMinusB1: 0.1, B2: 0.999, OneMinusB2: 0.001, Step: 1e-3, InvC2: 1, Eps: 1e-8}
	for i := 0; i < b.N; i++ {
		Adam(p, m, v, g, c)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/weight")
}
