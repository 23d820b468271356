package matmul

import "golang.org/x/sys/cpu"

// hasFMA reports whether the assembly micro-kernel can run.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// kernelAVX2 is kernelGo in AVX2 and FMA; strides are in elements.
//
//go:noescape
func kernelAVX2(k int, a *float64, rs, ps int, b *float64, ldb int, c *float64, ldc int)

func kernel(k int, a []float64, rs, ps int, b []float64, ldb int, C []float64, ldc int) {
	if hasFMA {
		// The last entries read: A's (3, k−1), B's (k−1, 7), C's (3, 7).
		_, _, _ = a[3*rs+(k-1)*ps], b[(k-1)*ldb+nr-1], C[3*ldc+nr-1]
		kernelAVX2(k, &a[0], rs, ps, &b[0], ldb, &C[0], ldc)
		return
	}
	kernelGo(k, a, rs, ps, b, ldb, C, ldc)
}

// rowAVX2 runs RowMulAdd over the first 4·blocks columns.
//
//go:noescape
func rowAVX2(x *float64, nx int, w *float64, ldw int, acc *float64, blocks int)

// rowKernel runs RowMulAdd over as many columns as the assembly takes (a
// multiple of 4, none without it) and returns how many.
func rowKernel(x, W []float64, stride int, acc []float64) int {
	blocks := len(acc) / 4
	if !hasFMA || blocks == 0 {
		return 0
	}
	_ = W[(len(x)-1)*stride+4*blocks-1]
	rowAVX2(&x[0], len(x), &W[0], stride, &acc[0], blocks)
	return 4 * blocks
}
