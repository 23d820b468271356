package qplayer

import (
	"math"
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
