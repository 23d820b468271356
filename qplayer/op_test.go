package qplayer

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func constant(g *gorgonia.ExprGraph, name string, shape []int, data []float64) *gorgonia.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), data...)))
	if len(shape) == 1 {
		return gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(shape...), gorgonia.WithName(name), gorgonia.WithValue(t))
	}
	return gorgonia.NewTensor(g, tensor.Float64, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name), gorgonia.WithValue(t))
}

// TestOpKnownAnswer differentiates the optimal value ½z*ᵀQz* + pᵀz* of
// dQP's example through Gorgonia's autodiff: the totals must be
// ∇Q = ½z*z*ᵀ, ∇p = z*, ∇G = λ*z*ᵀ, ∇h = −λ*.
func TestOpKnownAnswer(t *testing.T) {
	for _, elastic := range []bool{false, true} {
		g := gorgonia.NewGraph()
		Q := constant(g, "Q", []int{2, 2}, []float64{2, 0, 0, 2})
		p := constant(g, "p", []int{2}, []float64{0, 0})
		G := constant(g, "G", []int{3, 2}, []float64{-1, -1, -1, 0, 0, -1})
		h := constant(g, "h", []int{3}, []float64{-1, 0, 0})
		var opts []Option
		if elastic {
			opts = append(opts, WithElastic(0, 0))
		}
		z, err := QP(Q, p, G, h, opts...)
		if err != nil {
			t.Fatal(err)
		}
		Qz := gorgonia.Must(gorgonia.Mul(Q, z))
		quad := gorgonia.Must(gorgonia.Mul(gorgonia.Must(gorgonia.Mul(z, Qz)), gorgonia.NewConstant(0.5)))
		cost := gorgonia.Must(gorgonia.Add(quad, gorgonia.Must(gorgonia.Mul(p, z))))
		if _, err := gorgonia.Grad(cost, Q, p, G, h); err != nil {
			t.Fatal(err)
		}
		vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(Q, p, G, h))
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		want := map[*gorgonia.Node][]float64{
			Q: {0.125, 0.125, 0.125, 0.125},
			p: {0.5, 0.5},
			G: {0.5, 0.5, 0, 0, 0, 0},
			h: {-1, 0, 0},
		}
		for n, w := range want {
			gv, err := n.Grad()
			if err != nil {
				t.Fatal(err)
			}
			got := gv.Data().([]float64)
			for i := range w {
				if math.Abs(got[i]-w[i]) > 1e-10 {
					t.Errorf("elastic=%v ∇%s = %v, want %v", elastic, n.Name(), got, w)
					break
				}
			}
		}
		zv := z.Value().Data().([]float64)
		if math.Abs(zv[0]-0.5) > 1e-12 || math.Abs(zv[1]-0.5) > 1e-12 {
			t.Errorf("z = %v", zv)
		}
		r, err := ResultOf(z)
		if err != nil || r.Lambda[0] != 1 && math.Abs(r.Lambda[0]-1) > 1e-12 {
			t.Errorf("ResultOf: %v λ=%v", err, r.Lambda)
		}
		vm.Close()
	}
}

// TestOpLearnsUpstream fits a batched upstream parameter through the op:
// p is learned so that z* reaches targets, one of which lies outside the
// feasible set (the best reachable point is its projection).
func TestOpLearnsUpstream(t *testing.T) {
	g := gorgonia.NewGraph()
	const B = 3
	Q := constant(g, "Q", []int{2, 2}, []float64{2, 0.5, 0.5, 1})
	G := constant(g, "G", []int{2, 2}, []float64{1, 1, -1, 0})
	h := constant(g, "h", []int{2}, []float64{1, 2})
	p := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(B, 2), gorgonia.WithName("p"),
		gorgonia.WithInit(gorgonia.Zeroes()))
	target := constant(g, "target", []int{B, 2}, []float64{0.3, -0.2, -1, 1.5, 2, 2})
	z, err := QP(Q, p, G, h)
	if err != nil {
		t.Fatal(err)
	}
	diff := gorgonia.Must(gorgonia.Sub(z, target))
	cost := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(diff))))
	if _, err := gorgonia.Grad(cost, p); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(p))
	defer vm.Close()
	solver := gorgonia.NewAdamSolver(gorgonia.WithLearnRate(0.05))
	var loss float64
	for it := 0; it < 2000; it++ {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		loss = cost.Value().Data().(float64)
		if err := solver.Step(gorgonia.NodesToValueGrads(gorgonia.Nodes{p})); err != nil {
			t.Fatal(err)
		}
		vm.Reset()
	}
	// Targets 0 and 1 are feasible; target 2 = (2,2) violates x+y ≤ 1 and its
	// Q-metric projection is not reachable in the Euclidean loss sense, so
	// the optimum of the loss is the Euclidean projection onto x+y = 1:
	// (0.5, 0.5), leaving a residual of 2·1.5² = 4.5.
	zv := z.Value().Data().([]float64)
	if math.Abs(loss-4.5) > 1e-4 {
		t.Fatalf("loss after training %v, want 4.5; z = %v", loss, zv)
	}
	want := []float64{0.3, -0.2, -1, 1.5, 0.5, 0.5}
	for i := range want {
		if math.Abs(zv[i]-want[i]) > 1e-3 {
			t.Fatalf("z = %v, want %v", zv, want)
		}
	}
}

// TestOpGradientsReachEveryInput builds a batched problem with equalities
// in a graph and checks that each of the six inputs' gradients equals the
// plain solver's, for ℓ = Σ wᵢ·zᵢ.
func TestOpGradientsReachEveryInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const B, n, m, k = 4, 3, 4, 1
	es := make([]elem, B)
	for i := range es {
		es[i] = randomQP(rng, n, m, k)
	}
	b := stack(es, "Q")
	w := make([]float64, B*n)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	s, _ := NewSolver(Options{})
	var r Result
	s.Solve(b, &r)
	var want Grad
	if err := s.Backward(b, &r, w, &want); err != nil {
		t.Fatal(err)
	}

	g := gorgonia.NewGraph()
	Q := constant(g, "Q", []int{n, n}, b.Q)
	p := constant(g, "p", []int{B, n}, b.P)
	G := constant(g, "G", []int{B, m, n}, b.G)
	h := constant(g, "h", []int{B, m}, b.H)
	A := constant(g, "A", []int{B, k, n}, b.A)
	bb := constant(g, "b", []int{B, k}, b.B)
	z, err := QP(Q, p, G, h, WithEqualities(A, bb))
	if err != nil {
		t.Fatal(err)
	}
	wn := constant(g, "w", []int{B, n}, w)
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(z, wn))))
	inputs := gorgonia.Nodes{Q, p, G, h, A, bb}
	if _, err := gorgonia.Grad(loss, inputs...); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(inputs...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	for i, ws := range [][]float64{want.Q, want.P, want.G, want.H, want.A, want.B} {
		gv, err := inputs[i].Grad()
		if err != nil {
			t.Fatal(err)
		}
		got := gv.Data().([]float64)
		nonzero := false
		for j := range ws {
			if math.Abs(got[j]-ws[j]) > 1e-12*(1+math.Abs(ws[j])) {
				t.Fatalf("∇%s = %v, solver says %v", inputs[i].Name(), got, ws)
			}
			nonzero = nonzero || got[j] != 0
		}
		if !nonzero {
			t.Errorf("∇%s is all zero", inputs[i].Name())
		}
	}
}

func TestOpRejectsBadShapes(t *testing.T) {
	g := gorgonia.NewGraph()
	Q := constant(g, "Q", []int{2, 2}, []float64{1, 0, 0, 1})
	p3 := constant(g, "p", []int{3}, []float64{0, 0, 0})
	p := constant(g, "p2", []int{4, 2}, make([]float64, 8))
	G := constant(g, "G", []int{3, 1, 2}, make([]float64, 6))
	h := constant(g, "h", []int{1}, []float64{0})
	if _, err := QP(Q, p3, nil, nil); err == nil {
		t.Error("p of the wrong length accepted")
	}
	if _, err := QP(Q, p, G, h); err == nil {
		t.Error("batch sizes 4 and 3 accepted")
	}
	if _, err := QP(Q, p, G, nil); err == nil {
		t.Error("G without h accepted")
	}
}

// TestOpWithoutGradient: inputs marked as data get no gradient node, and
// the others' gradients are those of the full graph bit for bit; a node
// that is not an input is refused.
func TestOpWithoutGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	const B, n, m = 5, 2, 4
	es := make([]elem, B)
	for i := range es {
		es[i] = randomQP(rng, n, m, 0)
	}
	b := stack(es, "Q")
	w := make([]float64, B*n)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	run := func(data bool) (gp, gh []float64, nodes int) {
		g := gorgonia.NewGraph()
		Q := constant(g, "Q", []int{n, n}, b.Q)
		p := constant(g, "p", []int{B, n}, b.P)
		G := constant(g, "G", []int{B, m, n}, b.G)
		h := constant(g, "h", []int{B, m}, b.H)
		var opts []Option
		if data {
			opts = append(opts, WithoutGradient(Q, G))
		}
		z, err := QP(Q, p, G, h, opts...)
		if err != nil {
			t.Fatal(err)
		}
		wn := constant(g, "w", []int{B, n}, w)
		loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(z, wn))))
		if _, err := gorgonia.Grad(loss, p, h); err != nil {
			t.Fatal(err)
		}
		vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(p, h))
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		dp, _ := p.Grad()
		dh, _ := h.Grad()
		return append([]float64(nil), dp.Data().([]float64)...), append([]float64(nil), dh.Data().([]float64)...), g.Nodes().Len()
	}
	p0, h0, n0 := run(false)
	p1, h1, n1 := run(true)
	if n1 != n0-2 {
		t.Errorf("graph has %d nodes with Q and G as data, %d without: want two gradient nodes fewer", n1, n0)
	}
	for i := range p0 {
		if p0[i] != p1[i] {
			t.Fatalf("∇p[%d] = %v with data inputs, %v without", i, p1[i], p0[i])
		}
	}
	for i := range h0 {
		if h0[i] != h1[i] {
			t.Fatalf("∇h[%d] = %v with data inputs, %v without", i, h1[i], h0[i])
		}
	}
	g := gorgonia.NewGraph()
	Q := constant(g, "Q", []int{n, n}, b.Q)
	p := constant(g, "p", []int{B, n}, b.P)
	other := constant(g, "x", []int{B, n}, b.P)
	if _, err := QP(Q, p, nil, nil, WithoutGradient(other)); err == nil || !strings.Contains(err.Error(), "not an input") {
		t.Errorf("WithoutGradient of a stranger: %v", err)
	}
}
