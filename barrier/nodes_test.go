package barrier

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func vec(g *gorgonia.ExprGraph, name string, v []float64) *gorgonia.Node {
	return gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(len(v), 1), gorgonia.WithName(name),
		gorgonia.WithValue(tensor.New(tensor.WithShape(len(v), 1), tensor.WithBacking(v))))
}

// TestNodesMatchNumbers: the graph right-hand sides equal the plain ones,
// and their gradients with respect to the gains are the analytic ones.
func TestNodesMatchNumbers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const B = 5
	var cs []HOCBF
	var p1s, p2s, lf2, lf, bs, hv []float64
	for i := 0; i < B; i++ {
		s := [4]float64{rng.Float64() * 60, 5 + rng.Float64()*20, rng.NormFloat64(), 1 + 3*rng.Float64()}
		c := Robot2DHOCBF(s, Circle{40, 15, 6})
		cs = append(cs, c)
		p1s = append(p1s, Sigmoid(rng.NormFloat64(), 4))
		p2s = append(p2s, Sigmoid(rng.NormFloat64(), 4))
		lf2, lf, bs = append(lf2, c.Lf2B), append(lf, c.LfB), append(bs, c.B)
		hv = append(hv, rng.NormFloat64())
	}
	g := gorgonia.NewGraph()
	p1, p2 := vec(g, "p1", p1s), vec(g, "p2", p2s)
	h, err := HOCBFRHSNode(vec(g, "lf2", lf2), vec(g, "lf", lf), vec(g, "b", bs), p1, p2)
	if err != nil {
		t.Fatal(err)
	}
	alpha, hvals := vec(g, "alpha", p1s), vec(g, "h", hv)
	k, err := CBFRHSNode(alpha, hvals)
	if err != nil {
		t.Fatal(err)
	}
	cost := gorgonia.Must(gorgonia.Add(gorgonia.Must(gorgonia.Sum(h)), gorgonia.Must(gorgonia.Sum(k))))
	if _, err := gorgonia.Grad(cost, p1, p2, alpha); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(p1, p2, alpha))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	got := h.Value().Data().([]float64)
	gotK := k.Value().Data().([]float64)
	g1, _ := p1.Grad()
	g2, _ := p2.Grad()
	ga, _ := alpha.Grad()
	for i, c := range cs {
		if want := c.RHS(p1s[i], p2s[i]); math.Abs(got[i]-want) > 1e-9*(1+math.Abs(want)) {
			t.Errorf("HOCBF rhs %d: graph %v, numbers %v", i, got[i], want)
		}
		if want := (CBF{H: hv[i]}).Row(p1s[i]).H; math.Abs(gotK[i]-want) > 1e-12 {
			t.Errorf("CBF rhs %d: graph %v, numbers %v", i, gotK[i], want)
		}
		// ∂/∂p₁ = L_f b + p₂ b, ∂/∂p₂ = L_f b + p₁ b, ∂/∂α = h.
		if ga.Data().([]float64)[i] != hv[i] {
			t.Errorf("∂/∂α %d: %v, want %v", i, ga.Data().([]float64)[i], hv[i])
		}
		if want := c.LfB + p2s[i]*c.B; math.Abs(g1.Data().([]float64)[i]-want) > 1e-9*(1+math.Abs(want)) {
			t.Errorf("∂/∂p1 %d: %v, want %v", i, g1.Data().([]float64)[i], want)
		}
		if want := c.LfB + p1s[i]*c.B; math.Abs(g2.Data().([]float64)[i]-want) > 1e-9*(1+math.Abs(want)) {
			t.Errorf("∂/∂p2 %d: %v, want %v", i, g2.Data().([]float64)[i], want)
		}
	}
}

func TestBoxRows(t *testing.T) {
	rows := BoxRows([2]float64{-0.45, -1.2}, [2]float64{0.45, 1.2})
	cases := []struct {
		u    [2]float64
		want bool
	}{{[2]float64{0, 0}, true}, {[2]float64{0.45, -1.2}, true}, {[2]float64{0.5, 0}, false}, {[2]float64{0, -1.3}, false}}
	for _, c := range cases {
		ok := true
		for _, r := range rows {
			ok = ok && r.Holds(c.u, 0)
		}
		if ok != c.want {
			t.Errorf("u = %v: inside %v, want %v", c.u, ok, c.want)
		}
	}
}
