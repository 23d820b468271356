package qplayer

import (
	"fmt"
	"hash"
	"hash/fnv"
	"slices"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Option configures the Gorgonia QP operation.
type Option func(*opConfig)

type opConfig struct {
	opts Options
	A, b *gorgonia.Node
	data gorgonia.Nodes // inputs that get no gradient
}

// WithEqualities adds the equality constraints Az = b: A is (k,n) or
// (batch,k,n), b is (k) or (batch,k).
func WithEqualities(A, b *gorgonia.Node) Option {
	return func(c *opConfig) { c.A, c.b = A, b }
}

// WithElastic softens the inequalities (see Options.Elastic); zero rho or
// sigma take the defaults.
func WithElastic(rho, sigma float64) Option {
	return func(c *opConfig) { c.opts.Elastic, c.opts.Rho, c.opts.Sigma = true, rho, sigma }
}

// WithSolverOptions sets every solver option at once.
func WithSolverOptions(o Options) Option {
	return func(c *opConfig) { c.opts = o }
}

// WithoutGradient marks inputs of the QP as data (a constant cost, rows
// read from the state): no gradient node is made for them, so the graph
// does not allocate and copy their gradients on every run. Each must be
// one of the QP's inputs.
func WithoutGradient(inputs ...*gorgonia.Node) Option {
	return func(c *opConfig) { c.data = append(c.data, inputs...) }
}

// QP returns the node z* = argmin ½zᵀQz + pᵀz s.t. Gz ≤ h (and Az = b with
// WithEqualities), differentiable with respect to every input in a
// TapeMachine graph. Each input is either batched (a leading batch
// dimension: Q (B,n,n), p (B,n), G (B,m,n), h (B,m)) or shared (no batch
// dimension); a shared input receives the sum of the per-element gradients.
// G and h may both be nil for a problem without inequalities. The result is
// (B,n), or (n) when no input is batched. Elements that are infeasible
// (hard mode) or invalid give a finite z and zero gradient; ResultOf tells
// which.
func QP(Q, p, G, h *gorgonia.Node, opts ...Option) (*gorgonia.Node, error) {
	var cfg opConfig
	for _, o := range opts {
		o(&cfg)
	}
	s, err := NewSolver(cfg.opts)
	if err != nil {
		return nil, err
	}
	if (G == nil) != (h == nil) || (cfg.A == nil) != (cfg.b == nil) {
		return nil, fmt.Errorf("qplayer: QP: G and h (and A and b) must be given together")
	}
	nodes := gorgonia.Nodes{Q, p}
	if G != nil {
		nodes = append(nodes, G, h)
	}
	if cfg.A != nil {
		nodes = append(nodes, cfg.A, cfg.b)
	}
	op, err := newQPOp(s, nodes, G != nil, cfg.A != nil)
	if err != nil {
		return nil, err
	}
	op.noGrad = make([]bool, len(nodes))
	for _, d := range cfg.data {
		i := slices.Index(nodes, d)
		if d == nil || i < 0 {
			return nil, fmt.Errorf("qplayer: QP: WithoutGradient of %v, which is not an input", d)
		}
		op.noGrad[i] = true
	}
	return gorgonia.ApplyOp(op, nodes...)
}

// ResultOf returns the full result (multipliers, active sets, statuses,
// slack) of the last forward run of a node made by QP.
func ResultOf(z *gorgonia.Node) (*Result, error) {
	if z == nil {
		return nil, fmt.Errorf("qplayer: ResultOf a nil node")
	}
	op, ok := z.Op().(*qpOp)
	if !ok {
		return nil, fmt.Errorf("qplayer: node %v was not made by QP", z)
	}
	return &op.res, nil
}

// Input roles, in the order of Batch.fields.
const (
	roleQ = iota
	roleP
	roleG
	roleH
	roleA
	roleB
)

// qpOp is the forward operation. It keeps the last batch and result so that
// its gradient operations, which run later in the same tape, can reuse them.
type qpOp struct {
	solver  *Solver
	roles   []int // role of each input
	dims    []int // each input's number of dimensions
	batched []bool
	size    int
	n, m, k int

	batch   Batch
	res     Result
	grad    Grad
	fwdRuns uint64 // forward runs so far
	bwdRuns uint64 // value of fwdRuns when the gradients were last computed
	bwdErr  error
	noGrad  []bool // per input: data (WithoutGradient), no gradient node
}

func newQPOp(s *Solver, nodes gorgonia.Nodes, hasG, hasA bool) (*qpOp, error) {
	op := &qpOp{solver: s, size: 1}
	op.roles = []int{roleQ, roleP}
	if hasG {
		op.roles = append(op.roles, roleG, roleH)
	}
	if hasA {
		op.roles = append(op.roles, roleA, roleB)
	}
	// Unbatched rank of each role: Q, G, A are matrices, p, h, b vectors.
	rank := [6]int{2, 1, 2, 1, 2, 1}
	for i, nd := range nodes {
		shp := nd.Shape()
		r := op.roles[i]
		if nd.Dtype() != tensor.Float64 {
			return nil, fmt.Errorf("qplayer: QP: input %s is %v, want float64", roleName(r), nd.Dtype())
		}
		d := shp.Dims()
		if d != rank[r] && d != rank[r]+1 {
			return nil, fmt.Errorf("qplayer: QP: input %s has shape %v, want %d dimensions (shared) or %d (batched)",
				roleName(r), shp, rank[r], rank[r]+1)
		}
		op.dims = append(op.dims, d)
		op.batched = append(op.batched, d == rank[r]+1)
		if d == rank[r]+1 {
			if op.size != 1 && shp[0] != op.size {
				return nil, fmt.Errorf("qplayer: QP: input %s has batch %d, others %d", roleName(r), shp[0], op.size)
			}
			op.size = shp[0]
		}
	}
	inner := func(i int) []int {
		s := nodes[i].Shape()
		if op.batched[i] {
			return s[1:]
		}
		return s
	}
	op.n = inner(0)[0]
	for i, r := range op.roles {
		sh := inner(i)
		want := map[int][]int{roleQ: {op.n, op.n}, roleP: {op.n}}
		switch r {
		case roleG:
			op.m = sh[0]
			want[r] = []int{op.m, op.n}
		case roleH:
			want[r] = []int{op.m}
		case roleA:
			op.k = sh[0]
			want[r] = []int{op.k, op.n}
		case roleB:
			want[r] = []int{op.k}
		}
		if !equalInts(sh, want[r]) {
			return nil, fmt.Errorf("qplayer: QP: input %s has element shape %v, want %v", roleName(r), sh, want[r])
		}
	}
	return op, nil
}

func roleName(r int) string { return [6]string{"Q", "p", "G", "h", "A", "b"}[r] }

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (op *qpOp) anyBatched() bool {
	for _, b := range op.batched {
		if b {
			return true
		}
	}
	return false
}

func tensorType(d int) hm.Type {
	return gorgonia.TensorType{Dims: d, Of: hm.TypeVariable('a')}
}

// Arity implements gorgonia.Op.
func (op *qpOp) Arity() int { return len(op.roles) }

// Type implements gorgonia.Op.
func (op *qpOp) Type() hm.Type {
	ts := make([]hm.Type, 0, len(op.dims)+1)
	for _, d := range op.dims {
		ts = append(ts, tensorType(d))
	}
	return hm.NewFnType(append(ts, tensorType(op.outShape().Dims()))...)
}

func (op *qpOp) outShape() tensor.Shape {
	if op.anyBatched() {
		return tensor.Shape{op.size, op.n}
	}
	return tensor.Shape{op.n}
}

// InferShape implements gorgonia.Op.
func (op *qpOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) { return op.outShape(), nil }

// ReturnsPtr implements gorgonia.Op.
func (op *qpOp) ReturnsPtr() bool { return false }

// CallsExtern implements gorgonia.Op.
func (op *qpOp) CallsExtern() bool { return false }

// OverwritesInput implements gorgonia.Op.
func (op *qpOp) OverwritesInput() int { return -1 }

// WriteHash implements gorgonia.Op; every QP node is distinct.
func (op *qpOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "QP%p", op) }

// Hashcode implements gorgonia.Op.
func (op *qpOp) Hashcode() uint32 {
	h := fnvHash()
	op.WriteHash(h)
	return h.Sum32()
}

// String implements gorgonia.Op.
func (op *qpOp) String() string {
	return fmt.Sprintf("QP{n=%d,m=%d,k=%d,%v}", op.n, op.m, op.k, op.solver)
}

// floats returns the float64 backing slice of a Gorgonia value.
func floats(v gorgonia.Value) ([]float64, error) {
	if d, ok := v.(*tensor.Dense); ok && d.Dtype() == tensor.Float64 && !d.IsScalar() {
		return d.Float64s(), nil // Data() would allocate its answer
	}
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("qplayer: input is %T, want a tensor", v)
	}
	d, ok := t.Data().([]float64)
	if !ok {
		return nil, fmt.Errorf("qplayer: input tensor holds %T, want []float64", t.Data())
	}
	return d, nil
}

// load points op.batch at the input values.
func (op *qpOp) load(inputs []gorgonia.Value) error {
	if len(inputs) < len(op.roles) {
		return fmt.Errorf("qplayer: QP: %d inputs, want %d", len(inputs), len(op.roles))
	}
	op.batch = Batch{Size: op.size, N: op.n, M: op.m, K: op.k}
	dst := [6]*[]float64{&op.batch.Q, &op.batch.P, &op.batch.G, &op.batch.H, &op.batch.A, &op.batch.B}
	for i, r := range op.roles {
		d, err := floats(inputs[i])
		if err != nil {
			return fmt.Errorf("qplayer: QP input %s: %w", roleName(r), err)
		}
		*dst[r] = d
	}
	return nil
}

// Do implements gorgonia.Op: it solves the batch.
func (op *qpOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	if err := op.load(inputs); err != nil {
		return nil, err
	}
	if err := op.solver.Solve(&op.batch, &op.res); err != nil {
		return nil, err
	}
	op.fwdRuns++
	z := make([]float64, len(op.res.Z))
	copy(z, op.res.Z)
	return tensor.New(tensor.WithShape(op.outShape()...), tensor.WithBacking(z)), nil
}

// DiffWRT implements gorgonia.SDOp: every input is differentiable but
// those given to WithoutGradient.
func (op *qpOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	for i := range d {
		d[i] = op.needsGrad(i)
	}
	return d
}

// needsGrad reports whether input i gets a gradient node.
func (op *qpOp) needsGrad(i int) bool { return i >= len(op.noGrad) || !op.noGrad[i] }

// SymDiff implements gorgonia.SDOp: one gradient node per input, all
// served by one backward solve.
func (op *qpOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != len(op.roles) {
		return nil, fmt.Errorf("qplayer: QP SymDiff: %d inputs, want %d", len(inputs), len(op.roles))
	}
	args := append(append(gorgonia.Nodes{}, inputs...), output, grad)
	out := make(gorgonia.Nodes, len(inputs))
	for i := range inputs {
		if !op.needsGrad(i) {
			continue // data: no gradient node
		}
		g, err := gorgonia.ApplyOp(&qpGradOp{fwd: op, input: i}, args...)
		if err != nil {
			return nil, fmt.Errorf("qplayer: QP gradient of %s: %w", roleName(op.roles[i]), err)
		}
		out[i] = g
	}
	return out, nil
}

// backward computes every input's gradient once per forward run.
func (op *qpOp) backward(dz gorgonia.Value) error {
	if op.bwdRuns == op.fwdRuns {
		return op.bwdErr
	}
	op.bwdRuns = op.fwdRuns
	d, err := floats(dz)
	if err != nil {
		op.bwdErr = err
		return err
	}
	op.bwdErr = op.solver.Backward(&op.batch, &op.res, d, &op.grad)
	return op.bwdErr
}

// qpGradOp returns the gradient for one input of a qpOp.
type qpGradOp struct {
	fwd   *qpOp
	input int
}

func (g *qpGradOp) Arity() int { return len(g.fwd.roles) + 2 }

func (g *qpGradOp) Type() hm.Type {
	ts := make([]hm.Type, 0, len(g.fwd.dims)+3)
	for _, d := range g.fwd.dims {
		ts = append(ts, tensorType(d))
	}
	out := tensorType(g.fwd.outShape().Dims())
	ts = append(ts, out, out, tensorType(g.fwd.dims[g.input]))
	return hm.NewFnType(ts...)
}

func (g *qpGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[g.input].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("qplayer: QP gradient: input shape is %T", in[g.input])
	}
	return s.Clone(), nil
}

func (g *qpGradOp) ReturnsPtr() bool     { return false }
func (g *qpGradOp) CallsExtern() bool    { return false }
func (g *qpGradOp) OverwritesInput() int { return -1 }
func (g *qpGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "QPGrad%p/%d", g.fwd, g.input)
}
func (g *qpGradOp) Hashcode() uint32 {
	h := fnvHash()
	g.WriteHash(h)
	return h.Sum32()
}
func (g *qpGradOp) String() string {
	return fmt.Sprintf("QPGrad{%s}", roleName(g.fwd.roles[g.input]))
}

// Do returns the gradient of the loss with respect to input g.input.
func (g *qpGradOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	if err := g.fwd.backward(inputs[len(inputs)-1]); err != nil {
		return nil, err
	}
	src := *g.fwd.grad.slices()[g.fwd.roles[g.input]]
	t, ok := inputs[g.input].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("qplayer: QP gradient: input is %T", inputs[g.input])
	}
	out := make([]float64, len(src))
	copy(out, src)
	return tensor.New(tensor.WithShape(t.Shape().Clone()...), tensor.WithBacking(out)), nil
}

func fnvHash() hash.Hash32 { return fnv.New32a() }
