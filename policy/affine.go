package policy

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/barriergym/barriergym/matmul"
	"github.com/barriergym/barriergym/vecmath"
	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Activations of a layer.
const (
	actNone = iota
	actTanh
	actReLU
)

// activation returns the code of a config's activation name.
func activation(name string) int {
	if name == "tanh" {
		return actTanh
	}
	return actReLU
}

// activate applies activation act to y in place (actNone: nothing), as
// every form of a layer does: the learner's op, the actor's rows.
func activate(act int, y []float64) {
	switch act {
	case actTanh:
		vecmath.Tanh(y, y)
	case actReLU:
		vecmath.Relu(y)
	}
}

// affineOp is a fully connected layer as one Gorgonia op:
//
//	Y = act(X·W + 1bᵀ),  X batch×in, W in×out, b 1×out,
//
// where act is tanh, ReLU or the identity; a linear layer may scale its
// outputs, Y = (X·W + 1bᵀ)·diag(s). Its gradients, for the upstream
// gradient dY, are
//
//	D = dY ⊙ act′ (act′ = 1 − Y² for tanh, [Y > 0] for ReLU, s or 1 otherwise),
//	dW = XᵀD,  db = 1ᵀD,  dX = D·Wᵀ,
//
// computed once per forward run by whichever gradient op runs first (dX
// only when the layer's input needs one: not for the observations, which
// get no gradient node). The arithmetic is Dense's (ForwardBatch,
// BackwardBatch), whose rounding the Actor's one-sample form repeats
// exactly, and tanh is vecmath's, as the Actor's. Outputs and gradients
// live in the op's buffers, reused run after run.
type affineOp struct {
	act              int
	batch, in, out   int
	needDX           bool
	scale            []float64 // per output, linear layers only (nil: 1)
	ws               matmul.Workspace
	y, d, dx, dw, db []float64
	yT, dxT, dwT     *tensor.Dense
	dbT              *tensor.Dense
	fwdRuns, bwdRuns uint64
}

// affine applies a layer to x (batch×in) with weights W (in×out) and bias
// B (1×out); needDX says whether x needs a gradient; scale (linear
// layers, nil for none) multiplies each output.
func affine(x, W, B *gorgonia.Node, act int, needDX bool, scale []float64) (*gorgonia.Node, error) {
	xs, ws := x.Shape(), W.Shape()
	if len(xs) != 2 || len(ws) != 2 || xs[1] != ws[0] || !B.Shape().Eq(tensor.Shape{1, ws[1]}) {
		return nil, fmt.Errorf("policy: layer shapes x %v, W %v, b %v do not fit", xs, ws, B.Shape())
	}
	if scale != nil && (act != actNone || len(scale) != ws[1]) {
		return nil, fmt.Errorf("policy: a scaled layer is linear with one scale per output (%d for %d)", len(scale), ws[1])
	}
	op := &affineOp{act: act, batch: xs[0], in: ws[0], out: ws[1], needDX: needDX, scale: scale}
	op.y = make([]float64, op.batch*op.out)
	op.yT = tensor.New(tensor.WithShape(op.batch, op.out), tensor.WithBacking(op.y))
	return gorgonia.ApplyOp(op, x, W, B)
}

func matrixType() hm.Type { return gorgonia.TensorType{Dims: 2, Of: hm.TypeVariable('a')} }

func (op *affineOp) Arity() int { return 3 }
func (op *affineOp) Type() hm.Type {
	t := matrixType()
	return hm.NewFnType(t, t, t, t)
}
func (op *affineOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.batch, op.out}, nil
}
func (op *affineOp) ReturnsPtr() bool      { return false }
func (op *affineOp) CallsExtern() bool     { return false }
func (op *affineOp) OverwritesInput() int  { return -1 }
func (op *affineOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "Affine%p", op) }
func (op *affineOp) Hashcode() uint32      { return hashOf(op) }
func (op *affineOp) String() string {
	return fmt.Sprintf("Affine{%d×%d→%d,%s}", op.batch, op.in, op.out, [3]string{"linear", "tanh", "relu"}[op.act])
}

func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// data returns the float64 backing of a value.
func data(v gorgonia.Value) ([]float64, error) {
	if d, ok := v.(*tensor.Dense); ok && d.Dtype() == tensor.Float64 && !d.IsScalar() {
		return d.Float64s(), nil // Data() would allocate its answer
	}
	if t, ok := v.(tensor.Tensor); ok {
		if d, ok := t.Data().([]float64); ok {
			return d, nil
		}
	}
	return nil, fmt.Errorf("policy: layer input is %T, want a float64 tensor", v)
}

// Do computes Y.
func (op *affineOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	x, W, b, err := op.operands(inputs)
	if err != nil {
		return nil, err
	}
	layer := Dense{In: op.in, Out: op.out, W: W, B: b}
	layer.ForwardBatch(&op.ws, x, op.batch, op.y)
	activate(op.act, op.y)
	if op.scale != nil { // linear layers only
		for i := 0; i < op.batch; i++ {
			row := op.y[i*op.out : (i+1)*op.out]
			for j, s := range op.scale {
				row[j] *= s
			}
		}
	}
	op.fwdRuns++
	return op.yT, nil
}

func (op *affineOp) operands(inputs []gorgonia.Value) (x, W, b []float64, err error) {
	if len(inputs) < 3 {
		return nil, nil, nil, fmt.Errorf("policy: layer has %d inputs, want 3", len(inputs))
	}
	if x, err = data(inputs[0]); err == nil {
		if W, err = data(inputs[1]); err == nil {
			b, err = data(inputs[2])
		}
	}
	return x, W, b, err
}

// DiffWRT: W and b, and X when it needs a gradient (not the
// observations, which are data).
func (op *affineOp) DiffWRT(n int) []bool { return []bool{op.needDX, true, true}[:n] }

// SymDiff returns the gradient nodes of X (unless it is data), W and b;
// each reads X, W, b, Y and dY.
func (op *affineOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	args := gorgonia.Nodes{inputs[0], inputs[1], inputs[2], output, grad}
	out := make(gorgonia.Nodes, 3)
	for i := range out {
		if i == 0 && !op.needDX {
			continue
		}
		g, err := gorgonia.ApplyOp(&affineGradOp{fwd: op, input: i}, args...)
		if err != nil {
			return nil, fmt.Errorf("policy: layer gradient %d: %w", i, err)
		}
		out[i] = g
	}
	return out, nil
}

// backward computes D, dW, db and dX (when X needs it) from the values
// of X, W, b, Y, dY, once per forward run.
func (op *affineOp) backward(inputs []gorgonia.Value) error {
	if op.bwdRuns == op.fwdRuns && op.dw != nil {
		return nil
	}
	x, W, b, err := op.operands(inputs)
	if err != nil {
		return err
	}
	y, err := data(inputs[3])
	if err != nil {
		return err
	}
	dy, err := data(inputs[4])
	if err != nil {
		return err
	}
	op.allocGrads()
	op.activationGrad(y, dy)
	clear(op.dw)
	clear(op.db)
	layer := Dense{In: op.in, Out: op.out, W: W, B: b}
	layer.BackwardBatch(&op.ws, x, op.d, op.batch, op.dw, op.db, op.dx)
	op.bwdRuns = op.fwdRuns
	return nil
}

// activationGrad sets D = dY ⊙ act′.
func (op *affineOp) activationGrad(y, dy []float64) {
	d := op.d
	switch {
	case op.act == actTanh:
		vecmath.TanhGrad(d, dy, y)
	case op.act == actReLU:
		vecmath.ReluGrad(d, dy, y)
	case op.scale != nil:
		for i := 0; i < op.batch; i++ {
			for j, s := range op.scale {
				d[i*op.out+j] = dy[i*op.out+j] * s
			}
		}
	default:
		copy(d, dy)
	}
}

// allocGrads makes the gradient buffers on first use (dX only when X
// needs a gradient).
func (op *affineOp) allocGrads() {
	if op.dw != nil {
		return
	}
	op.d, op.dw, op.db = make([]float64, op.batch*op.out), make([]float64, op.in*op.out), make([]float64, op.out)
	op.dwT = tensor.New(tensor.WithShape(op.in, op.out), tensor.WithBacking(op.dw))
	op.dbT = tensor.New(tensor.WithShape(1, op.out), tensor.WithBacking(op.db))
	if op.needDX {
		op.dx = make([]float64, op.batch*op.in)
		op.dxT = tensor.New(tensor.WithShape(op.batch, op.in), tensor.WithBacking(op.dx))
	}
}

// affineGradOp is the gradient of one input of an affineOp (0 X, 1 W,
// 2 b).
type affineGradOp struct {
	fwd   *affineOp
	input int
}

func (g *affineGradOp) Arity() int { return 5 }
func (g *affineGradOp) Type() hm.Type {
	t := matrixType()
	return hm.NewFnType(t, t, t, t, t, t)
}
func (g *affineGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[g.input].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("policy: layer gradient: input shape is %T", in[g.input])
	}
	return s.Clone(), nil
}
func (g *affineGradOp) ReturnsPtr() bool      { return false }
func (g *affineGradOp) CallsExtern() bool     { return false }
func (g *affineGradOp) OverwritesInput() int  { return -1 }
func (g *affineGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "AffineGrad%p/%d", g.fwd, g.input) }
func (g *affineGradOp) Hashcode() uint32      { return hashOf(g) }
func (g *affineGradOp) String() string        { return fmt.Sprintf("AffineGrad{%c}", "XWb"[g.input]) }

// Do returns the input's gradient (the op's buffer).
func (g *affineGradOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	if err := g.fwd.backward(inputs); err != nil {
		return nil, err
	}
	return [3]*tensor.Dense{g.fwd.dxT, g.fwd.dwT, g.fwd.dbT}[g.input], nil
}
