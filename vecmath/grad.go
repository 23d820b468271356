package vecmath

// TanhGrad sets d[i] = g[i]·(1 − y[i]²): the gradient through tanh from
// its output y and the upstream gradient g (all the same length).
func TanhGrad(d, g, y []float64) {
	n := len(y) &^ 3
	d, g = d[:len(y)], g[:len(y)]
	if n > 0 {
		tanhGradBlocks(d[:n], g[:n], y[:n])
	}
	tanhGradGo(d[n:], g[n:], y[n:])
}

// Add sets dst[i] += src[i] (dst at least as long as src).
func Add(dst, src []float64) {
	n := len(src) &^ 3
	dst = dst[:len(src)]
	if n > 0 {
		addBlocks(dst[:n], src[:n])
	}
	for i := n; i < len(src); i++ {
		dst[i] += src[i]
	}
}

// tanhGradGo is TanhGrad in Go; float64() keeps the compiler from fusing
// 1 − v·v into one rounding on machines with FMA, as the assembly does not.
func tanhGradGo(d, g, y []float64) {
	for i, v := range y {
		d[i] = g[i] * (1 - float64(v*v))
	}
}

func addGo(dst, src []float64) {
	for i, v := range src {
		dst[i] += v
	}
}
