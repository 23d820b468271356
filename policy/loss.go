package policy

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Loss is a scalar loss of a batch of controls computed in Go: given the
// policy's controls u (batch×m, row-major) it returns the loss and writes
// ∂loss/∂u into grad (same shape). A loss learner calls it once per Run,
// between the graph's forward and backward passes, so losses that are
// awkward as graphs (PPO's clipped surrogate over a Gaussian whose mean is
// u) still learn through one forward pass of the network.
type Loss func(u, grad []float64) float64

// lossOp applies a Loss to its input: the output is the scalar loss, the
// gradient of the input the loss's ∂loss/∂u times the upstream scalar.
type lossOp struct {
	f     Loss
	shape tensor.Shape
	grad  []float64
	gradT *tensor.Dense
}

func applyLoss(u *gorgonia.Node, f Loss) (*gorgonia.Node, error) {
	op := &lossOp{f: f, shape: u.Shape().Clone()}
	op.grad = make([]float64, op.shape.TotalSize())
	op.gradT = tensor.New(tensor.WithShape(op.shape...), tensor.WithBacking(op.grad))
	return gorgonia.ApplyOp(op, u)
}

func (op *lossOp) Arity() int { return 1 }
func (op *lossOp) Type() hm.Type {
	return hm.NewFnType(matrixType(), hm.TypeVariable('a'))
}
func (op *lossOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (op *lossOp) ReturnsPtr() bool      { return false }
func (op *lossOp) CallsExtern() bool     { return false }
func (op *lossOp) OverwritesInput() int  { return -1 }
func (op *lossOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "Loss%p", op) }
func (op *lossOp) Hashcode() uint32      { return hashOf(op) }
func (op *lossOp) String() string        { return "Loss" }

// Do evaluates the loss and keeps its gradient.
func (op *lossOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("policy: loss has %d inputs, want 1", len(inputs))
	}
	u, err := data(inputs[0])
	if err != nil {
		return nil, err
	}
	return gorgonia.NewF64(op.f(u, op.grad)), nil
}

func (op *lossOp) DiffWRT(n int) []bool { return []bool{true}[:n] }

func (op *lossOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g, err := gorgonia.ApplyOp(&lossGradOp{fwd: op}, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("policy: loss gradient: %w", err)
	}
	return gorgonia.Nodes{g}, nil
}

// lossGradOp is ∂loss/∂u scaled by the upstream scalar (1 at the root).
type lossGradOp struct{ fwd *lossOp }

func (g *lossGradOp) Arity() int { return 2 }
func (g *lossGradOp) Type() hm.Type {
	return hm.NewFnType(matrixType(), hm.TypeVariable('a'), matrixType())
}
func (g *lossGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return g.fwd.shape.Clone(), nil
}
func (g *lossGradOp) ReturnsPtr() bool      { return false }
func (g *lossGradOp) CallsExtern() bool     { return false }
func (g *lossGradOp) OverwritesInput() int  { return -1 }
func (g *lossGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "LossGrad%p", g.fwd) }
func (g *lossGradOp) Hashcode() uint32      { return hashOf(g) }
func (g *lossGradOp) String() string        { return "LossGrad" }

func (g *lossGradOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("policy: loss gradient has %d inputs, want 2", len(inputs))
	}
	s, ok := inputs[1].(gorgonia.Scalar)
	if !ok {
		return nil, fmt.Errorf("policy: loss gradient: upstream is %T, want a scalar", inputs[1])
	}
	if up, _ := s.Data().(float64); up != 1 {
		for i := range g.fwd.grad {
			g.fwd.grad[i] *= up
		}
	}
	return g.fwd.gradT, nil
}
