package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// inputs draws values across tanh's ranges: tiny, around the 0.625 switch,
// moderate, saturating, and the special values.
func inputs(n int) []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := []float64{0, math.Copysign(0, -1), 0.625, -0.625, math.Nextafter(0.625, 0), 1e-300, 5e-324, 18, 19.1, 20, 22, 40, 1e300,
		math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, -math.MaxFloat64}
	for len(xs) < n {
		switch rng.IntN(4) {
		case 0:
			xs = append(xs, rng.NormFloat64()*1e-3)
		case 1:
			xs = append(xs, 0.625+rng.NormFloat64()*0.01)
		case 2:
			xs = append(xs, rng.NormFloat64()*3)
		default:
			xs = append(xs, rng.NormFloat64()*30)
		}
		if rng.IntN(2) == 0 {
			xs[len(xs)-1] = -xs[len(xs)-1]
		}
	}
	return xs
}

func ulps(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / (math.Nextafter(math.Abs(b), math.Inf(1)) - math.Abs(b))
}

// TestTanh checks every value against math.Tanh to 3 ulp (NaN for NaN,
// the sign of zero kept), the assembly against the Go form bit for bit,
// and a value's result independent of its place in the slice (the tail).
func TestTanh(t *testing.T) {
	xs := inputs(200003)
	got := make([]float64, len(xs))
	Tanh(got, xs)
	worst := 0.0
	for i, x := range xs {
		want := math.Tanh(x)
		switch {
		case math.IsNaN(want):
			if !math.IsNaN(got[i]) {
				t.Fatalf("tanh(%v) = %v, want NaN", x, got[i])
			}
		case math.Signbit(got[i]) != math.Signbit(want):
			t.Fatalf("tanh(%v) = %v, want %v (sign)", x, got[i], want)
		default:
			if u := ulps(got[i], want); u > worst {
				worst = u
				if u > 3 {
					t.Fatalf("tanh(%v) = %v, math.Tanh %v: %.1f ulp", x, got[i], want, u)
				}
			}
		}
		if g := tanhGo(x); math.Float64bits(g) != math.Float64bits(got[i]) && !(math.IsNaN(g) && math.IsNaN(got[i])) {
			t.Fatalf("tanh(%v): vector %v, Go form %v", x, got[i], g)
		}
	}
	t.Logf("worst error against math.Tanh: %.2f ulp (assembly: %v)", worst, hasFMA)
	for _, n := range []int{1, 2, 3, 5, 7, 12, 13, 20} { // tails, and an odd number of blocks (one alone after pairs)
		part := make([]float64, n)
		Tanh(part, xs[100:100+n])
		for i := range part {
			if math.Float64bits(part[i]) != math.Float64bits(got[100+i]) {
				t.Fatalf("tail of %d: entry %d = %v, in the long slice %v", n, i, part[i], got[100+i])
			}
		}
	}
	in := append([]float64(nil), xs[:64]...)
	Tanh(in, in) // in place
	for i := range in {
		if math.Float64bits(in[i]) != math.Float64bits(got[i]) && !math.IsNaN(in[i]) {
			t.Fatalf("in place: entry %d = %v, want %v", i, in[i], got[i])
		}
	}
}

// BenchmarkTanh compares with math.Tanh over a layer's worth of values:
// go test -bench . -cpu 1 ./vecmath
func BenchmarkTanh(b *testing.B) {
	xs := inputs(4096)[20:]
	dst := make([]float64, len(xs))
	b.Run("vecmath", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			Tanh(dst, xs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(xs)), "ns/value")
	})
	b.Run("math.Tanh", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for j, x := range xs {
				dst[j] = math.Tanh(x)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(xs)), "ns/value")
	})
}

// TestTanhGradAndAdd: the vector forms equal the plain loops bit for bit,
// tails included.
func TestTanhGradAndAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 7))
	for _, n := range []int{1, 3, 4, 7, 64, 257} {
		g, y, base := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range g {
			g[i], y[i], base[i] = rng.NormFloat64(), math.Tanh(rng.NormFloat64()), rng.NormFloat64()
		}
		d := make([]float64, n)
		TanhGrad(d, g, y)
		sum := append([]float64(nil), base...)
		Add(sum, g)
		for i := range d {
			if want := g[i] * (1 - y[i]*y[i]); d[i] != want {
				t.Fatalf("n=%d: TanhGrad[%d] = %v, want %v", n, i, d[i], want)
			}
			if want := base[i] + g[i]; sum[i] != want {
				t.Fatalf("n=%d: Add[%d] = %v, want %v", n, i, sum[i], want)
			}
		}
	}
}
