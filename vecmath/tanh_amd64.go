package vecmath

import "golang.org/x/sys/cpu"

// hasFMA reports whether the assembly can run.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func tanhAVX2(dst, src *float64, blocks int, consts *[31]float64)

// tanhBlocks computes Tanh for len(src), a multiple of 4, values.
func tanhBlocks(dst, src []float64) {
	if len(src) == 0 {
		return
	}
	if hasFMA {
		_ = dst[len(src)-1]
		tanhAVX2(&dst[0], &src[0], len(src)/4, &tanhConsts)
		return
	}
	tanhBlocksGo(dst, src)
}
