package vecmath

// Relu sets y[i] = max(0, y[i]) in place, as math.Max(0, v) does: NaN
// stays NaN and −0 becomes +0.
func Relu(y []float64) {
	n := len(y) &^ 3
	if n > 0 {
		reluBlocks(y[:n])
	}
	reluGo(y[n:])
}

// ReluGrad sets d[i] = g[i] where y[i] > 0 and 0 elsewhere: the gradient
// through max(0, ·) from its output y and the upstream gradient g (all
// the same length).
func ReluGrad(d, g, y []float64) {
	n := len(y) &^ 3
	d, g = d[:len(y)], g[:len(y)]
	if n > 0 {
		reluGradBlocks(d[:n], g[:n], y[:n])
	}
	reluGradGo(d[n:], g[n:], y[n:])
}

func reluGo(y []float64) {
	for i, v := range y {
		y[i] = max(0, v)
	}
}

func reluGradGo(d, g, y []float64) {
	for i, v := range y {
		d[i] = 0
		if v > 0 {
			d[i] = g[i]
		}
	}
}
