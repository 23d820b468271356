package barrier

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// RHSNode returns the node h (batch, slots) of the rows' right-hand sides
// for learned gains (batch, len(Learned())) and Lie values lie
// (batch, LieDim()): hⱼ = Σ_k e_k(pⱼ) lieⱼ[k], where pⱼ are slot j's gains
// taken from the learned ones and, for gains that are not learned, from
// fixed (their values in order). It is one operation with its own backward
// pass (∂h/∂p by AddRHSGrad); lie is data and gets no gradient.
func RHSNode(learned, lie *gorgonia.Node, l Layout, fixed []float64) (*gorgonia.Node, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	nl := len(l.Learned())
	if len(fixed) != len(l.Gains)-nl {
		return nil, fmt.Errorf("barrier: RHSNode: %d fixed gains, the layout has %d", len(fixed), len(l.Gains)-nl)
	}
	ls, hs := learned.Shape(), lie.Shape()
	if ls.Dims() != 2 || hs.Dims() != 2 || ls[0] != hs[0] || ls[1] != nl || hs[1] != l.LieDim() {
		return nil, fmt.Errorf("barrier: RHSNode: gains %v and Lie values %v, want (batch, %d) and (batch, %d)",
			ls, hs, nl, l.LieDim())
	}
	op := &rhsOp{layout: l, fixed: append([]float64(nil), fixed...), batch: ls[0], learned: nl}
	return gorgonia.ApplyOp(op, learned, lie)
}

// rhsOp computes h for a batch; its gradient op reuses its layout.
type rhsOp struct {
	layout  Layout
	fixed   []float64
	batch   int
	learned int
}

// gainsOf writes sample i's full gain vector into all.
func (op *rhsOp) gainsOf(learned []float64, i int, all []float64) {
	op.layout.Expand(all, learned[i*op.learned:(i+1)*op.learned], op.fixed)
}

func (op *rhsOp) Arity() int { return 2 }
func (op *rhsOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *rhsOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.batch, len(op.layout.Slots)}, nil
}
func (op *rhsOp) ReturnsPtr() bool      { return false }
func (op *rhsOp) CallsExtern() bool     { return false }
func (op *rhsOp) OverwritesInput() int  { return -1 }
func (op *rhsOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "HOCBFRHS%p", op) }
func (op *rhsOp) Hashcode() uint32      { return hashOf(op) }
func (op *rhsOp) String() string        { return fmt.Sprintf("HOCBFRHS{slots=%d}", len(op.layout.Slots)) }

// Do implements gorgonia.Op.
func (op *rhsOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	learned, lie, err := op.inputs(inputs)
	if err != nil {
		return nil, err
	}
	k, ld := len(op.layout.Slots), op.layout.LieDim()
	h := make([]float64, op.batch*k)
	all := make([]float64, len(op.layout.Gains))
	for i := 0; i < op.batch; i++ {
		op.gainsOf(learned, i, all)
		off := i * ld
		for j, s := range op.layout.Slots {
			h[i*k+j] = op.layout.SlotRHS(j, lie[off:off+s.Degree+1], all)
			off += s.Degree + 1
		}
	}
	return tensor.New(tensor.WithShape(op.batch, k), tensor.WithBacking(h)), nil
}

func (op *rhsOp) inputs(in []gorgonia.Value) (learned, lie []float64, err error) {
	if len(in) < 2 {
		return nil, nil, fmt.Errorf("barrier: HOCBF rhs: %d inputs, want 2", len(in))
	}
	if learned, err = floats(in[0]); err == nil {
		lie, err = floats(in[1])
	}
	return learned, lie, err
}

// DiffWRT implements gorgonia.SDOp: the gains are differentiable, the Lie
// values are data.
func (op *rhsOp) DiffWRT(int) []bool { return []bool{true, false} }

// SymDiff implements gorgonia.SDOp.
func (op *rhsOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g, err := gorgonia.ApplyOp(&rhsGradOp{op}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("barrier: HOCBF rhs gradient: %w", err)
	}
	return gorgonia.Nodes{g, nil}, nil
}

// rhsGradOp returns ∂loss/∂learned from the upstream gradient ∂loss/∂h.
type rhsGradOp struct{ fwd *rhsOp }

func (g *rhsGradOp) Arity() int { return 3 }
func (g *rhsGradOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t, t)
}
func (g *rhsGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{g.fwd.batch, g.fwd.learned}, nil
}
func (g *rhsGradOp) ReturnsPtr() bool      { return false }
func (g *rhsGradOp) CallsExtern() bool     { return false }
func (g *rhsGradOp) OverwritesInput() int  { return -1 }
func (g *rhsGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "HOCBFRHSGrad%p", g.fwd) }
func (g *rhsGradOp) Hashcode() uint32      { return hashOf(g) }
func (g *rhsGradOp) String() string        { return "HOCBFRHSGrad" }

// Do implements gorgonia.Op: per sample and slot, the slot's gains receive
// g·∂hⱼ/∂p; learned gains shared by several slots sum their parts.
func (g *rhsGradOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	op := g.fwd
	learned, lie, err := op.inputs(inputs)
	if err != nil {
		return nil, err
	}
	up, err := floats(inputs[2])
	if err != nil {
		return nil, err
	}
	l := op.layout
	k, ld, nl := len(l.Slots), l.LieDim(), op.learned
	// column of each gain among the learned ones (−1: fixed)
	col := make([]int, len(l.Gains))
	c := 0
	for i, gn := range l.Gains {
		col[i] = -1
		if gn.Learned {
			col[i], c = c, c+1
		}
	}
	out := make([]float64, op.batch*nl)
	all := make([]float64, len(l.Gains))
	var p, dp [MaxDegree]float64
	for i := 0; i < op.batch; i++ {
		op.gainsOf(learned, i, all)
		off := i * ld
		for j, s := range l.Slots {
			r := s.Degree
			for q, gi := range s.Gains {
				p[q], dp[q] = all[gi], 0
			}
			AddRHSGrad(lie[off:off+r+1], p[:r], up[i*k+j], dp[:r])
			for q, gi := range s.Gains {
				if col[gi] >= 0 {
					out[i*nl+col[gi]] += dp[q]
				}
			}
			off += r + 1
		}
	}
	return tensor.New(tensor.WithShape(op.batch, nl), tensor.WithBacking(out)), nil
}

func floats(v gorgonia.Value) ([]float64, error) {
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("barrier: input is %T, want a tensor", v)
	}
	d, ok := t.Data().([]float64)
	if !ok {
		return nil, fmt.Errorf("barrier: input holds %T, want []float64", t.Data())
	}
	return d, nil
}

func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
