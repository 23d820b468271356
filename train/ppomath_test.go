package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGaussianLogProbClosedForm(t *testing.T) {
	// One dimension: log N(1; 0, 2²) = −½(½)² − log 2 − ½ log 2π.
	got := GaussianLogProb([]float64{1}, []float64{0}, []float64{math.Log(2)})
	want := -0.125 - math.Log(2) - 0.5*math.Log(2*math.Pi)
	if math.Abs(got-want) > 1e-15 {
		t.Errorf("log prob %v, want %v", got, want)
	}
	// Two dimensions add.
	a, mu, ls := []float64{0.3, -1}, []float64{0.1, 0.5}, []float64{-0.5, 0.2}
	sum := GaussianLogProb(a[:1], mu[:1], ls[:1]) + GaussianLogProb(a[1:], mu[1:], ls[1:])
	if math.Abs(GaussianLogProb(a, mu, ls)-sum) > 1e-15 {
		t.Error("log prob of independent dimensions does not add")
	}
	if h := GaussianEntropy([]float64{0}); math.Abs(h-0.5*math.Log(2*math.Pi*math.E)) > 1e-15 {
		t.Errorf("entropy of N(0,1) %v", h)
	}
}

// TestGAEByHand: γ = 0.9, λ = 0.8 over three steps, the episode ending
// after the second.
func TestGAEByHand(t *testing.T) {
	r := []float64{1, 2, 3}
	v := []float64{0.5, 1, 2, 4}
	done := []bool{false, true, false}
	adv, ret := GAE(r, v, done, 0.9, 0.8)
	d2 := 3 + 0.9*4 - 2   // 4.6
	d1 := 2.0 + 0 - 1     // 1 (terminal: no successor value)
	d0 := 1 + 0.9*1 - 0.5 // 1.4
	want := []float64{d0 + 0.9*0.8*d1, d1, d2}
	for i := range want {
		if math.Abs(adv[i]-want[i]) > 1e-12 || math.Abs(ret[i]-(want[i]+v[i])) > 1e-12 {
			t.Fatalf("adv %v ret %v, want adv %v", adv, ret, want)
		}
	}
}

func TestClippedSurrogateByHand(t *testing.T) {
	cases := []struct {
		ratio, adv, obj, d float64
	}{
		{1.1, 2, 2.2, 2.2}, // inside the clip range: r·A, d/dlogp = r·A
		{1.5, 2, 2.4, 0},   // positive advantage, ratio above 1+ε: clipped, no gradient
		{1.5, -2, -3, -3},  // negative advantage, ratio above: unclipped is smaller
		{0.5, -2, -1.6, 0}, // negative advantage, ratio below 1−ε: clipped
		{0.5, 2, 1, 1},     // positive advantage, ratio below: unclipped is smaller
	}
	for _, c := range cases {
		obj, d := ClippedSurrogate(math.Log(c.ratio), 0, c.adv, 0.2)
		if math.Abs(obj-c.obj) > 1e-12 || math.Abs(d-c.d) > 1e-12 {
			t.Errorf("r=%v A=%v: objective %v d %v, want %v %v", c.ratio, c.adv, obj, d, c.obj, c.d)
		}
	}
}

// TestValueNetGradients checks the critic's minibatch gradients of
// Σᵢ wᵢV(xᵢ) against finite differences, and that one observation's value
// is the same bit for bit alone and in a minibatch (one rounding).
func TestValueNetGradients(t *testing.T) {
	v := NewValueNet(3, []int{5, 6}, 1)
	for _, l := range v.Layers { // undo the small last layer so the check is not trivial
		for i := range l.W {
			l.W[i] *= 10
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 7
	X, w := make([]float64, 3*n), make([]float64, n)
	for i := range X {
		X[i] = rng.NormFloat64()
	}
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	f := func() float64 {
		s := 0.0
		for i := 0; i < n; i++ {
			s += w[i] * v.Forward(X[3*i:3*i+3])
		}
		return s
	}
	vals := append([]float64(nil), v.ForwardBatch(X, n)...)
	for i := 0; i < n; i++ {
		if one := v.Forward(X[3*i : 3*i+3]); one != vals[i] {
			t.Fatalf("sample %d: alone %v, in the batch %v", i, one, vals[i])
		}
	}
	v.ZeroGrads()
	v.BackwardBatch(w)
	for k := 0; k < 40; k++ {
		pi := rng.IntN(len(v.Params()))
		p := v.Params()[pi]
		j := rng.IntN(len(p))
		old := p[j]
		p[j] = old + 1e-6
		fp := f()
		p[j] = old - 1e-6
		fm := f()
		p[j] = old
		if fd := (fp - fm) / 2e-6; math.Abs(fd-v.Grads()[pi][j]) > 1e-6*(1+math.Abs(fd)) {
			t.Errorf("param %d/%d: gradient %v, finite difference %v", pi, j, v.Grads()[pi][j], fd)
		}
	}
}

func TestRunningStatsAndNormalize(t *testing.T) {
	s := NewRunningStats(1)
	for _, x := range []float64{1, 2, 3, 4} {
		s.Add([]float64{x})
	}
	if s.Mean[0] != 2.5 || math.Abs(s.Std()[0]-math.Sqrt(1.25)) > 1e-12 {
		t.Errorf("mean %v std %v", s.Mean, s.Std())
	}
	v := []float64{1, 2, 3}
	Normalize(v)
	if math.Abs(v[0]+v[2]) > 1e-12 || math.Abs(v[1]) > 1e-12 {
		t.Errorf("normalized %v", v)
	}
	g := [][]float64{{3}, {4}}
	if n := ClipGradNorm(g, 1); n != 5 || math.Abs(g[0][0]-0.6) > 1e-12 {
		t.Errorf("clip: norm %v, grads %v", n, g)
	}
}

// TestLagrangeStep: λ moves by about Adam's step (lr) against the cost's
// excess — up while the cost exceeds the limit, down while it is under —
// and never below 0; the penalized advantage is (A_r − λA_c)/(1+λ).
func TestLagrangeStep(t *testing.T) {
	adam := NewAdam(0.035, [][]float64{{0}})
	lambda := LagrangeStep(adam, 0.001, 30, 1)
	if math.Abs(lambda-0.036) > 1e-9 {
		t.Errorf("first step over the limit: λ %v, want 0.001 + 0.035", lambda)
	}
	for i := 0; i < 5; i++ {
		lambda = LagrangeStep(adam, lambda, 30, 1)
	}
	up := lambda
	for i := 0; i < 200; i++ {
		lambda = LagrangeStep(adam, lambda, 0, 1)
	}
	if !(up > 0.2 && up < 0.25) || lambda != 0 {
		t.Errorf("λ after 6 steps over the limit %v (want ≈ 6·0.035), after 200 under %v (want 0)", up, lambda)
	}
	adv, cadv := []float64{1, -2}, []float64{2, 0}
	LagrangianAdvantages(adv, cadv, 0.5)
	if adv[0] != 0 || math.Abs(adv[1]+4.0/3) > 1e-15 {
		t.Errorf("penalized advantages %v, want [0, −4/3]", adv)
	}
}
