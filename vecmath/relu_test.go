package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRelu: Relu equals math.Max(0, v) bit for bit and ReluGrad the plain
// branch, tails included, with NaN, ±0 and ±Inf among the values.
func TestRelu(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	special := []float64{math.NaN(), math.Copysign(0, -1), 0, math.Inf(1), math.Inf(-1), -1e-310}
	for _, n := range []int{1, 3, 4, 7, 64, 257} {
		y, g := make([]float64, n), make([]float64, n)
		for i := range y {
			y[i], g[i] = rng.NormFloat64(), rng.NormFloat64()
			if rng.IntN(4) == 0 {
				y[i] = special[rng.IntN(len(special))]
			}
			if rng.IntN(8) == 0 {
				g[i] = math.NaN()
			}
		}
		out := append([]float64(nil), y...)
		Relu(out)
		d := make([]float64, n)
		ReluGrad(d, g, y)
		for i, v := range y {
			if want := math.Max(0, v); math.Float64bits(out[i]) != math.Float64bits(want) {
				t.Fatalf("n=%d: Relu(%v) = %v, want %v", n, v, out[i], want)
			}
			want := 0.0
			if v > 0 {
				want = g[i]
			}
			if math.Float64bits(d[i]) != math.Float64bits(want) {
				t.Fatalf("n=%d: ReluGrad at y=%v, g=%v: %v, want %v", n, v, g[i], d[i], want)
			}
		}
	}
}
