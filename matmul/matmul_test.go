package matmul

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// naive is the product as the package defines its rounding: per entry a
// fused chain from 0 over p ascending, then added to C.
func naive(r, c, k int, A, B Matrix, C []float64, ldc int) {
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			s := 0.0
			for p := 0; p < k; p++ {
				s = math.FMA(A.at(i, p), B.at(p, j), s)
			}
			C[i*ldc+j] += s
		}
	}
}

func random(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// view stores an r×c matrix as given (T false) or as its transpose.
func view(rng *rand.Rand, r, c int, t bool) Matrix {
	if t {
		return Matrix{Data: random(rng, r*c), Stride: r, T: true}
	}
	return Matrix{Data: random(rng, r*c), Stride: c}
}

// TestMulAddExact checks every shape class (edges of both panel sizes,
// k = 1, transposes) bit for bit against the defined rounding, with the
// assembly kernel and the Go kernel alike, on one core and split across
// four, and against gonum's Dgemm to 1e-12.
func TestMulAddExact(t *testing.T) {
	for _, procs := range []int{1, 4} {
		prev := runtime.GOMAXPROCS(procs)
		testMulAddExact(t)
		runtime.GOMAXPROCS(prev)
	}
}

func testMulAddExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {4, 8, 1}, {3, 5, 7}, {5, 9, 2}, {64, 64, 14}, {512, 2, 32}, {17, 33, 65}, {14, 64, 512}, {130, 70, 300}, {8, 4, 3}}
	kernels := map[string]bool{"asm": hasFMA, "go": false}
	for _, sh := range shapes {
		r, c, k := sh[0], sh[1], sh[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				A, B := view(rng, r, k, ta), view(rng, k, c, tb)
				C0 := random(rng, r*c)
				want := append([]float64(nil), C0...)
				naive(r, c, k, A, B, want, c)
				for name, fma := range kernels {
					saved := hasFMA
					hasFMA = fma
					var w Workspace
					got := append([]float64(nil), C0...)
					w.MulAdd(r, c, k, A, B, got, c)
					hasFMA = saved
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("%v tA=%v tB=%v %s kernel: entry %d = %v, want %v", sh, ta, tb, name, i, got[i], want[i])
						}
					}
				}
				ref := append([]float64(nil), C0...)
				gonumMulAdd(r, c, k, A, B, ref, c)
				for i := range ref {
					if d := math.Abs(ref[i] - want[i]); d > 1e-12*(1+math.Abs(ref[i])) {
						t.Fatalf("%v: entry %d = %v, gonum %v", sh, i, want[i], ref[i])
					}
				}
			}
		}
	}
}

func gonumMulAdd(r, c, k int, A, B Matrix, C []float64, ldc int) {
	ga := blas64.General{Rows: r, Cols: k, Stride: A.Stride, Data: A.Data}
	ta := blas.NoTrans
	if A.T {
		ga.Rows, ga.Cols, ta = k, r, blas.Trans
	}
	gb := blas64.General{Rows: k, Cols: c, Stride: B.Stride, Data: B.Data}
	tb := blas.NoTrans
	if B.T {
		gb.Rows, gb.Cols, tb = c, k, blas.Trans
	}
	blas64.Gemm(ta, tb, 1, ga, gb, 1, blas64.General{Rows: r, Cols: c, Stride: ldc, Data: C})
}

// TestNoAllocation checks that a warmed workspace allocates nothing.
func TestNoAllocation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	A, B, C := view(rng, 512, 64, false), view(rng, 64, 64, false), make([]float64, 512*64)
	var w Workspace
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // one core: no goroutines
	if n := testing.AllocsPerRun(10, func() { w.MulAdd(512, 64, 64, A, B, C, 64) }); n != 0 {
		t.Fatalf("%v allocations per product", n)
	}
}

// BenchmarkMulAdd compares with gonum's Dgemm on a layer's three products
// at batch 512: go test -bench . -cpu 1 ./matmul
func BenchmarkMulAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	type prod struct {
		name    string
		r, c, k int
		ta, tb  bool
	}
	for _, p := range []prod{{"forward 512x64x64", 512, 64, 64, false, false}, {"dX 512x64x64", 512, 64, 64, false, true},
		{"dW 64x64x512", 64, 64, 512, true, false}} {
		A, B, C := view(rng, p.r, p.k, p.ta), view(rng, p.k, p.c, p.tb), make([]float64, p.r*p.c)
		flops := float64(2 * p.r * p.c * p.k)
		b.Run(p.name+"/matmul", func(b *testing.B) {
			var w Workspace
			for i := 0; i < b.N; i++ {
				w.MulAdd(p.r, p.c, p.k, A, B, C, p.c)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
		b.Run(p.name+"/gonum", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				gonumMulAdd(p.r, p.c, p.k, A, B, C, p.c)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

// TestRowMulAdd checks the one-row form bit for bit against the defined
// rounding (and so against MulAdd), for widths with and without a tail,
// with the assembly and in Go.
func TestRowMulAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sh := range [][2]int{{1, 1}, {14, 64}, {64, 32}, {5, 128}, {32, 2}, {32, 4}, {7, 19}, {64, 21}} {
		in, out := sh[0], sh[1]
		x, W, b := random(rng, in), random(rng, in*out), random(rng, out)
		want := append([]float64(nil), b...)
		var w Workspace
		w.MulAdd(1, out, in, Matrix{Data: x, Stride: in}, Matrix{Data: W, Stride: out}, want, out)
		for name, fma := range map[string]bool{"asm": hasFMA, "go": false} {
			saved := hasFMA
			hasFMA = fma
			acc := make([]float64, out)
			RowMulAdd(x, W, out, acc)
			hasFMA = saved
			for j := range acc {
				if got := b[j] + acc[j]; got != want[j] {
					t.Fatalf("%v %s: entry %d = %v, MulAdd %v", sh, name, j, got, want[j])
				}
			}
		}
	}
}
