package matmul

import "golang.org/x/sys/cpu"

// hasFMA reports whether the assembly micro-kernel can run.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func kernelAVX2(k int, a, b *float64, acc *[mr * nr]float64)

func kernel(k int, a, b []float64, acc *[mr * nr]float64) {
	if hasFMA {
		kernelAVX2(k, &a[0], &b[0], acc)
		return
	}
	kernelGo(k, a, b, acc)
}
