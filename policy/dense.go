package policy

import (
	"github.com/barriergym/barriergym/matmul"
	"github.com/barriergym/barriergym/vecmath"
)

// The arithmetic of a layer, without its activation, one row or a batch
// of rows at a time. Every output is rounded the same way whichever form
// computes it (the products fused into a sum from 0, inputs in order, then
// the bias added), so the actor, the learner's layer op and the critic
// compute the same numbers.

// Forward sets y = xW + b for one row x (y has Out entries).
func (d *Dense) Forward(x, y []float64) {
	y = y[:d.Out]
	clear(y)
	matmul.RowMulAdd(x, d.W, d.Out, y)
	for j, b := range d.B {
		y[j] += b
	}
}

// ForwardBatch sets Y = XW + 1bᵀ for the n rows of X (n×In, row-major;
// Y n×Out). One row goes through Forward's row product, which needs no
// packing.
func (d *Dense) ForwardBatch(ws *matmul.Workspace, X []float64, n int, Y []float64) {
	if n == 1 {
		d.Forward(X, Y)
		return
	}
	for i := 0; i < n; i++ {
		copy(Y[i*d.Out:(i+1)*d.Out], d.B)
	}
	ws.MulAdd(n, d.Out, d.In, matmul.Matrix{Data: X, Stride: d.In}, matmul.Matrix{Data: d.W, Stride: d.Out}, Y, d.Out)
}

// BackwardBatch takes the gradient D (n×Out) of the layer's
// pre-activation for the n rows of X back: dW += XᵀD, db += 1ᵀD (rows in
// order) and, unless dX is nil, dX = DWᵀ (n×In).
func (d *Dense) BackwardBatch(ws *matmul.Workspace, X, D []float64, n int, dW, db, dX []float64) {
	ws.MulAdd(d.In, d.Out, n, matmul.Matrix{Data: X, Stride: d.In, T: true}, matmul.Matrix{Data: D, Stride: d.Out}, dW, d.Out)
	for i := 0; i < n; i++ {
		vecmath.Add(db, D[i*d.Out:(i+1)*d.Out])
	}
	if dX != nil {
		clear(dX)
		ws.MulAdd(n, d.In, d.Out, matmul.Matrix{Data: D, Stride: d.Out}, matmul.Matrix{Data: d.W, Stride: d.Out, T: true}, dX, d.In)
	}
}
