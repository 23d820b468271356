package tape

import (
	"errors"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// layer is a graph of loss = Σ tanh(X·W + 1·b)² with the gradients of W
// and b, and the backing slices of X, W and b.
type layer struct {
	g        *gorgonia.ExprGraph
	loss     *gorgonia.Node
	W, b     *gorgonia.Node
	x, w, bv []float64
}

func newLayer(t *testing.T) *layer {
	t.Helper()
	l := &layer{g: gorgonia.NewGraph()}
	l.x, l.w, l.bv = make([]float64, 8*3), make([]float64, 3*4), make([]float64, 4)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][]float64{l.w, l.bv} {
		for i := range s {
			s[i] = rng.NormFloat64()
		}
	}
	X := gorgonia.NewMatrix(l.g, tensor.Float64, gorgonia.WithShape(8, 3), gorgonia.WithName("X"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(8, 3), tensor.WithBacking(l.x))))
	l.W = gorgonia.NewMatrix(l.g, tensor.Float64, gorgonia.WithShape(3, 4), gorgonia.WithName("W"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(3, 4), tensor.WithBacking(l.w))))
	l.b = gorgonia.NewVector(l.g, tensor.Float64, gorgonia.WithShape(4), gorgonia.WithName("b"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(4), tensor.WithBacking(l.bv))))
	xw := gorgonia.Must(gorgonia.Mul(X, l.W))
	y := gorgonia.Must(gorgonia.Tanh(gorgonia.Must(gorgonia.BroadcastAdd(xw, l.b, nil, []byte{0}))))
	l.loss = gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(y))))
	if _, err := gorgonia.Grad(l.loss, l.W, l.b); err != nil {
		t.Fatal(err)
	}
	return l
}

// run loads X, runs the machine and returns the loss and the gradients.
func (l *layer) run(t *testing.T, vm gorgonia.VM, x []float64) (float64, []float64) {
	t.Helper()
	copy(l.x, x)
	vm.Reset()
	for _, p := range []*gorgonia.Node{l.W, l.b} {
		if g, err := p.Grad(); err == nil && g != nil {
			clear(g.Data().([]float64))
		}
	}
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	var grads []float64
	for _, p := range []*gorgonia.Node{l.W, l.b} {
		g, err := p.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grads = append(grads, g.Data().([]float64)...)
	}
	return l.loss.Value().Data().(float64), grads
}

// TestMachineMatchesRunAll: run after run on new inputs, a Machine gives
// the loss and the gradients of gorgonia's own tape machine bit for bit,
// and from its second run on it bypasses RunAll (its first run queued no
// deferred work).
func TestMachineMatchesRunAll(t *testing.T) {
	ref, own := newLayer(t), newLayer(t)
	refVM := gorgonia.NewTapeMachine(ref.g, gorgonia.BindDualValues(ref.W, ref.b))
	defer refVM.Close()
	m := New(own.g, gorgonia.BindDualValues(own.W, own.b))
	defer m.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, len(ref.x))
	for run := 0; run < 5; run++ {
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		wantLoss, wantGrads := ref.run(t, refVM, x)
		loss, grads := own.run(t, m, x)
		if loss != wantLoss || math.IsNaN(loss) {
			t.Fatalf("run %d: loss %v, want %v", run, loss, wantLoss)
		}
		for i := range grads {
			if grads[i] != wantGrads[i] {
				t.Fatalf("run %d: gradient %d = %v, want %v", run, i, grads[i], wantGrads[i])
			}
		}
		if !m.Direct() {
			t.Fatalf("run %d: the machine still goes through RunAll", run)
		}
	}
}

// failOp returns a copy of its input, or an error while fail is set.
type failOp struct{ fail bool }

func (op *failOp) Arity() int { return 1 }
func (op *failOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 1, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op *failOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (op *failOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if op.fail {
		return nil, errors.New("failOp: told to fail")
	}
	return in[0].(tensor.Tensor).Clone().(gorgonia.Value), nil
}
func (op *failOp) ReturnsPtr() bool      { return false }
func (op *failOp) CallsExtern() bool     { return false }
func (op *failOp) OverwritesInput() int  { return -1 }
func (op *failOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "fail%p", op) }
func (op *failOp) Hashcode() uint32      { return 1 }
func (op *failOp) String() string        { return "fail" }

// TestMachineError: an instruction's error comes back from RunAll on the
// direct path too, and the machine runs again after a Reset.
func TestMachineError(t *testing.T) {
	g := gorgonia.NewGraph()
	a := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(3), gorgonia.WithName("a"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3}))))
	op := &failOp{}
	sum := gorgonia.Must(gorgonia.Add(gorgonia.Must(gorgonia.ApplyOp(op, a)), a))
	m := New(g)
	defer m.Close()
	for _, fail := range []bool{false, false, true, false} { // the second run on are direct
		op.fail = fail
		m.Reset()
		err := m.RunAll()
		switch {
		case fail && (err == nil || !strings.Contains(err.Error(), "told to fail")):
			t.Fatalf("failing op: RunAll = %v, want its error", err)
		case !fail && err != nil:
			t.Fatalf("RunAll: %v", err)
		case !fail:
			if got := sum.Value().Data().([]float64); got[2] != 6 {
				t.Fatalf("a+a = %v", got)
			}
		}
	}
	if !m.Direct() {
		t.Fatal("the machine still goes through RunAll")
	}
}
