package vecmath

import "golang.org/x/sys/cpu"

// hasFMA reports whether the assembly can run.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func tanhAVX2(dst, src *float64, blocks int, consts *[31][4]float64)

// tanhVec is tanhConsts with every constant four times over, for the
// assembly's memory operands.
var tanhVec = func() (v [31][4]float64) {
	for i, c := range tanhConsts {
		v[i] = [4]float64{c, c, c, c}
	}
	return v
}()

// tanhBlocks computes Tanh for len(src), a multiple of 4, values.
func tanhBlocks(dst, src []float64) {
	if len(src) == 0 {
		return
	}
	if hasFMA {
		_ = dst[len(src)-1]
		tanhAVX2(&dst[0], &src[0], len(src)/4, &tanhVec)
		return
	}
	tanhBlocksGo(dst, src)
}

//go:noescape
func tanhGradAVX2(d, up, y *float64, blocks int)

//go:noescape
func addAVX2(dst, src *float64, blocks int)

// tanhGradBlocks is TanhGrad over len(y), a multiple of 4, values.
func tanhGradBlocks(d, g, y []float64) {
	if !hasFMA { // the same machine test as Tanh: AVX2
		tanhGradGo(d, g, y)
		return
	}
	_, _ = d[len(y)-1], g[len(y)-1]
	tanhGradAVX2(&d[0], &g[0], &y[0], len(y)/4)
}

// addBlocks is Add over len(src), a multiple of 4, values.
func addBlocks(dst, src []float64) {
	if !hasFMA {
		addGo(dst, src)
		return
	}
	_ = dst[len(src)-1]
	addAVX2(&dst[0], &src[0], len(src)/4)
}

//go:noescape
func adamAVX2(p, m, v, grad *float64, blocks int, consts *[7]float64)

// adamBlocks is Adam over len(p), a multiple of 4, values.
func adamBlocks(p, m, v, g []float64, c *AdamCoeffs) {
	if !hasFMA { // the same machine test as Tanh: AVX2
		adamGo(p, m, v, g, c)
		return
	}
	_, _, _ = m[len(p)-1], v[len(p)-1], g[len(p)-1]
	k := [7]float64{c.B1, c.OneMinusB1, c.B2, c.OneMinusB2, c.Step, c.InvC2, c.Eps}
	adamAVX2(&p[0], &m[0], &v[0], &g[0], len(p)/4, &k)
}

//go:noescape
func reluAVX2(y *float64, blocks int)

//go:noescape
func reluGradAVX2(d, up, y *float64, blocks int)

// reluBlocks is Relu over len(y), a multiple of 4, values.
func reluBlocks(y []float64) {
	if !hasFMA { // the same machine test as Tanh: AVX2
		reluGo(y)
		return
	}
	reluAVX2(&y[0], len(y)/4)
}

// reluGradBlocks is ReluGrad over len(y), a multiple of 4, values.
func reluGradBlocks(d, g, y []float64) {
	if !hasFMA {
		reluGradGo(d, g, y)
		return
	}
	_, _ = d[len(y)-1], g[len(y)-1]
	reluGradAVX2(&d[0], &g[0], &y[0], len(y)/4)
}
