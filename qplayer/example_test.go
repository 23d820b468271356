package qplayer_test

import (
	"fmt"
	"math"

	"github.com/barriergym/barriergym/qplayer"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Solve a batch of two problems that share Q and G, then differentiate
// ℓ = z₀ + z₁ (summed over the batch) with respect to every input.
func ExampleSolver() {
	b := &qplayer.Batch{Size: 2, N: 2, M: 1,
		Q: []float64{2, 0, 0, 2},  // shared
		P: []float64{0, 0, -4, 0}, // batched: one p per element
		G: []float64{-1, -1},      // shared: −z₀ − z₁ ≤ −1
		H: []float64{-1, 3}}       // batched
	s, err := qplayer.NewSolver(qplayer.Options{})
	if err != nil {
		panic(err)
	}
	var r qplayer.Result
	if err := s.Solve(b, &r); err != nil {
		panic(err)
	}
	for i := 0; i < b.Size; i++ {
		fmt.Printf("element %d: %v z=%.3f λ=%.3f active=%v\n", i, r.Status[i], round(r.Z[2*i:2*i+2]), r.Lambda[i], r.ActiveSet(i))
	}
	var g qplayer.Grad
	if err := s.Backward(b, &r, []float64{1, 1, 1, 1}, &g); err != nil {
		panic(err)
	}
	fmt.Printf("∇h = %.3f (batched), ∇G = %.3f (shared: summed)\n", g.H, g.G)
	// Output:
	// element 0: optimal z=[0.500 0.500] λ=1.000 active=[0]
	// element 1: optimal z=[2.000 0.000] λ=0.000 active=[]
	// ∇h = [-1.000 0.000] (batched), ∇G = [0.500 0.500] (shared: summed)
}

// round rounds to 3 decimals without printing −0.
func round(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Round(x*1000)/1000 + 0
	}
	return out
}

// Use the QP as the last layer of a Gorgonia graph.
func ExampleQP() {
	g := gorgonia.NewGraph()
	mat := func(name string, shape []int, v ...float64) *gorgonia.Node {
		return gorgonia.NewTensor(g, tensor.Float64, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(name),
			gorgonia.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))))
	}
	Q := mat("Q", []int{2, 2}, 2, 0, 0, 2)
	p := mat("p", []int{1, 2}, -2, -2) // a batch of one; in a policy, the network's output
	G := mat("G", []int{1, 2}, 1, 1)   // z₀ + z₁ ≤ 1
	h := mat("h", []int{1}, 1)
	z, err := qplayer.QP(Q, p, G, h, qplayer.WithElastic(1e3, 1))
	if err != nil {
		panic(err)
	}
	loss := gorgonia.Must(gorgonia.Sum(z))
	if _, err := gorgonia.Grad(loss, p, h); err != nil {
		panic(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(p, h))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		panic(err)
	}
	dh, _ := h.Grad()
	fmt.Printf("z = %.3f, ∂Σz/∂h = %.3f\n", z.Value().Data(), dh.Data())
	// Output:
	// z = [0.500 0.500], ∂Σz/∂h = [1.000]
}
