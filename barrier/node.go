package barrier

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

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
	return RHSNodeWith(learned, lie, l, fixed, RHSOptions{})
}

// RHSOptions extend RHSNode into the whole right-hand side of a policy's
// QP in one operation.
type RHSOptions struct {
	// Squash takes the learned input as a network's raw outputs r and
	// uses the gains p = PMin + (PMax − PMin)·σ(r) (∂p/∂r = (p − PMin)(1 − σ)).
	Squash     bool
	PMin, PMax float64
	// Tail is appended to every sample's h after the slots: the
	// right-hand sides of constant rows (a policy's control bounds).
	Tail []float64
}

// RHSNodeWith is RHSNode with options; its output is (batch, slots +
// len(Tail)).
func RHSNodeWith(learned, lie *gorgonia.Node, l Layout, fixed []float64, o RHSOptions) (*gorgonia.Node, error) {
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
	if o.Squash && !(o.PMax > o.PMin) {
		return nil, fmt.Errorf("barrier: RHSNode: squash into [%v, %v], want p_max > p_min", o.PMin, o.PMax)
	}
	op := &rhsOp{layout: l, fixed: append([]float64(nil), fixed...), batch: ls[0], learned: nl, opts: o}
	op.opts.Tail = append([]float64(nil), o.Tail...)
	op.width = len(l.Slots) + len(o.Tail)
	op.h = make([]float64, op.batch*op.width)
	op.hT = tensor.New(tensor.WithShape(op.batch, op.width), tensor.WithBacking(op.h))
	op.gains, op.den, op.all = make([]float64, op.batch*nl), make([]float64, op.batch*nl), make([]float64, op.batch*len(l.Gains))
	op.col = make([]int, len(l.Gains))
	c := 0
	for i, g := range l.Gains {
		op.col[i] = -1
		if g.Learned {
			op.col[i], c = c, c+1
		}
	}
	return gorgonia.ApplyOp(op, learned, lie)
}

// rhsOp computes h for a batch; its gradient op reuses its layout and the
// gains of the forward run (a tape runs an op before its gradient). Its
// output and gradient live in its buffers, reused run after run.
type rhsOp struct {
	layout  Layout
	fixed   []float64
	batch   int
	learned int
	opts    RHSOptions
	width   int
	h, grad []float64
	hT      *tensor.Dense
	gradT   *tensor.Dense
	col     []int // each gain's column among the learned ones (−1: fixed)
	// Per sample of the last forward run: the learned gains (squashed),
	// 1 + e^{−r} of each (Squash), and the full gain vector.
	gains, den, all []float64
}

// gainsOf writes sample i's full gain vector into its row of op.all and
// returns it (the learned gains, squashed when asked, also into op.gains,
// with 1 + e^{−r} in op.den for the gradient).
func (op *rhsOp) gainsOf(learned []float64, i int) []float64 {
	nl, ng := op.learned, len(op.layout.Gains)
	src := learned[i*nl : (i+1)*nl]
	if op.opts.Squash {
		o := op.opts
		gains, den := op.gains[i*nl:(i+1)*nl], op.den[i*nl:(i+1)*nl]
		for q, r := range src {
			den[q] = 1 + math.Exp(-r)
			gains[q] = o.PMin + (o.PMax-o.PMin)/den[q]
		}
		src = gains
	}
	all := op.all[i*ng : (i+1)*ng]
	op.layout.Expand(all, src, op.fixed)
	return all
}

func (op *rhsOp) Arity() int { return 2 }
func (op *rhsOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op *rhsOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.batch, op.width}, nil
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
	k, ld, w := len(op.layout.Slots), op.layout.LieDim(), op.width
	for i := 0; i < op.batch; i++ {
		all := op.gainsOf(learned, i)
		off := i * ld
		for j, s := range op.layout.Slots {
			op.h[i*w+j] = op.layout.SlotRHS(j, lie[off:off+s.Degree+1], all)
			off += s.Degree + 1
		}
		copy(op.h[i*w+k:(i+1)*w], op.opts.Tail)
	}
	return op.hT, nil
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
	_, lie, err := op.inputs(inputs)
	if err != nil {
		return nil, err
	}
	up, err := floats(inputs[2])
	if err != nil {
		return nil, err
	}
	l := op.layout
	ld, nl, ng, w, col := l.LieDim(), op.learned, len(l.Gains), op.width, op.col
	if op.grad == nil {
		op.grad = make([]float64, op.batch*nl)
		op.gradT = tensor.New(tensor.WithShape(op.batch, nl), tensor.WithBacking(op.grad))
	}
	out := op.grad
	clear(out)
	var p, dp [MaxDegree]float64
	for i := 0; i < op.batch; i++ {
		all := op.all[i*ng : (i+1)*ng] // the forward run's gains
		off := i * ld
		for j, s := range l.Slots {
			r := s.Degree
			for q, gi := range s.Gains {
				p[q], dp[q] = all[gi], 0
			}
			AddRHSGrad(lie[off:off+r+1], p[:r], up[i*w+j], dp[:r])
			for q, gi := range s.Gains {
				if col[gi] >= 0 {
					out[i*nl+col[gi]] += dp[q]
				}
			}
			off += r + 1
		}
		if o := op.opts; o.Squash { // ∂p/∂r = (p_max − p_min)σ(1 − σ), σ = 1/(1 + e^{−r})
			for q, den := range op.den[i*nl : (i+1)*nl] {
				sig := 1 / den
				out[i*nl+q] *= (o.PMax - o.PMin) * sig * (1 - sig)
			}
		}
	}
	return op.gradT, nil
}

func floats(v gorgonia.Value) ([]float64, error) {
	if d, ok := v.(*tensor.Dense); ok && d.Dtype() == tensor.Float64 && !d.IsScalar() {
		return d.Float64s(), nil // Data() would allocate its answer
	}
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
