package barrier

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/barriergym/barriergym/qplayer"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func matrix(g *gorgonia.ExprGraph, name string, rows, cols int, v []float64) *gorgonia.Node {
	return gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(rows, cols), gorgonia.WithName(name),
		gorgonia.WithValue(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(v))))
}

// safetyLayer builds, for a batch of B samples with m controls, the QP
// u* = argmin ½‖u − u_ref‖² s.t. the layout's rows, h from RHSNode, and
// returns a function computing Σ w⊙u* and its gradient with respect to the
// learned gains by a TapeMachine.
type safetyLayer struct {
	learned []float64
	run     func() (float64, []float64)
}

func newSafetyLayer(t *testing.T, l Layout, fixed []float64, B, m int, rng *rand.Rand) safetyLayer {
	t.Helper()
	k, nl, ld := len(l.Slots), len(l.Learned()), l.LieDim()
	g := gorgonia.NewGraph()
	learnedV := make([]float64, B*nl)
	for i := range learnedV {
		learnedV[i] = 0.2 + 2*rng.Float64()
	}
	lieV, GV, refV, w := make([]float64, B*ld), make([]float64, B*k*m), make([]float64, B*m), make([]float64, B*m)
	for i := range lieV {
		lieV[i] = rng.NormFloat64()
	}
	for i := range GV {
		GV[i] = rng.NormFloat64()
	}
	for i := range refV {
		refV[i], w[i] = 3*rng.NormFloat64(), rng.NormFloat64()
	}
	learned := matrix(g, "gains", B, nl, learnedV)
	h, err := RHSNode(learned, matrix(g, "lie", B, ld, lieV), l, fixed)
	if err != nil {
		t.Fatal(err)
	}
	Gn := gorgonia.NewTensor(g, tensor.Float64, 3, gorgonia.WithShape(B, k, m), gorgonia.WithName("G"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(B, k, m), tensor.WithBacking(GV))))
	eye := make([]float64, m*m)
	negRef := make([]float64, B*m)
	for i := 0; i < m; i++ {
		eye[i*m+i] = 1
	}
	for i := range refV {
		negRef[i] = -refV[i]
	}
	z, err := qplayer.QP(matrix(g, "Q", m, m, eye), matrix(g, "p", B, m, negRef), Gn, h, qplayer.WithElastic(1e4, 1))
	if err != nil {
		t.Fatal(err)
	}
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(z, matrix(g, "w", B, m, w)))))
	if _, err := gorgonia.Grad(loss, learned); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(learned))
	t.Cleanup(func() { vm.Close() })
	return safetyLayer{learned: learnedV, run: func() (float64, []float64) {
		vm.Reset()
		if gr, err := learned.Grad(); err == nil && gr != nil {
			clear(gr.Data().([]float64))
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		gr, err := learned.Grad()
		if err != nil {
			t.Fatal(err)
		}
		return loss.Value().Data().(float64), append([]float64(nil), gr.Data().([]float64)...)
	}}
}

// TestRHSNodeThroughQP: the node's values equal RHS, and the gradient of a
// loss of the QP's solution with respect to the learned gains — through
// the QP op and the node — matches central differences, for rows of
// relative degree 1, 2 and 3 (shared, fixed and per-row gains) and
// m = 1, 2, 3 controls.
func TestRHSNodeThroughQP(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	l := mixedLayout()
	fixed := []float64{1.5}
	for m := 1; m <= 3; m++ {
		const B = 6
		s := newSafetyLayer(t, l, fixed, B, m, rng)
		_, grad := s.run()
		checked := 0
		for i := range s.learned {
			v := s.learned[i]
			const eps = 1e-6
			s.learned[i] = v + eps
			lp, _ := s.run()
			s.learned[i] = v - eps
			lm, _ := s.run()
			s.learned[i] = v
			fd := (lp - lm) / (2 * eps)
			if math.Abs(fd-grad[i]) > 1e-5*(1+math.Abs(fd)) {
				t.Errorf("m=%d: ∂loss/∂gain[%d] = %v, finite difference %v", m, i, grad[i], fd)
			}
			if grad[i] != 0 {
				checked++
			}
		}
		if checked < len(s.learned)/3 {
			t.Errorf("m=%d: only %d of %d gain gradients are non-zero: too few active rows to test", m, checked, len(s.learned))
		}
	}
}

// TestRHSNodeValues: the node computes RHS per sample and slot.
func TestRHSNodeValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	l := mixedLayout()
	const B = 4
	learnedV, lieV := make([]float64, B*3), make([]float64, B*l.LieDim())
	for i := range learnedV {
		learnedV[i] = rng.Float64() * 4
	}
	for i := range lieV {
		lieV[i] = rng.NormFloat64()
	}
	g := gorgonia.NewGraph()
	h, err := RHSNode(matrix(g, "gains", B, 3, learnedV), matrix(g, "lie", B, l.LieDim(), lieV), l, []float64{0.7})
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	got := h.Value().Data().([]float64)
	all := make([]float64, 4)
	for i := 0; i < B; i++ {
		l.Expand(all, learnedV[3*i:3*i+3], []float64{0.7})
		off := i * l.LieDim()
		for j, s := range l.Slots {
			if want := l.SlotRHS(j, lieV[off:off+s.Degree+1], all); got[i*3+j] != want {
				t.Errorf("sample %d slot %d: node %v, RHS %v", i, j, got[i*3+j], want)
			}
			off += s.Degree + 1
		}
	}
	if _, err := RHSNode(matrix(g, "x", B, 2, make([]float64, 2*B)), matrix(g, "y", B, l.LieDim(), lieV), l, []float64{0.7}); err == nil {
		t.Error("wrong number of learned gains accepted")
	}
}
