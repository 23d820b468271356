package barrier

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// polyDeriv returns the derivative of the polynomial Σ c[j] t^j.
func polyDeriv(c []float64) []float64 {
	d := make([]float64, len(c))
	for j := 1; j < len(c); j++ {
		d[j-1] = float64(j) * c[j]
	}
	return d
}

// TestRHSIsTheHOCBFRecursion: for a barrier trajectory b(t) (a random
// polynomial, so every derivative is exact), ψ₀ = b, ψᵢ = ψ̇ᵢ₋₁ + pᵢψᵢ₋₁
// evaluated at t = 0 equals RHS with Lie values (b⁽ʳ⁾, …, ḃ, b): the row's
// right-hand side is the HOCBF condition ψ_r ≥ 0 with b⁽ʳ⁾ moved left.
func TestRHSIsTheHOCBFRecursion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for r := 1; r <= 5; r++ {
		for trial := 0; trial < 20; trial++ {
			b := make([]float64, 8)
			for j := range b {
				b[j] = rng.NormFloat64()
			}
			p := make([]float64, r)
			for i := range p {
				p[i] = 0.1 + 3*rng.Float64()
			}
			psi := append([]float64(nil), b...)
			for i := 0; i < r; i++ {
				d := polyDeriv(psi)
				for j := range psi {
					psi[j] = d[j] + p[i]*psi[j]
				}
			}
			lie := make([]float64, r+1) // b⁽ʳ⁾(0), …, b(0)
			d := append([]float64(nil), b...)
			for k := 0; k <= r; k++ {
				lie[r-k] = d[0]
				d = polyDeriv(d)
			}
			if got := RHS(lie, p); math.Abs(got-psi[0]) > 1e-9*(1+math.Abs(psi[0])) {
				t.Fatalf("r=%d: RHS %v, ψ_r(0) %v", r, got, psi[0])
			}
		}
	}
}

// TestRHSClosedForms: r = 1, 2, 3 against their written-out formulas, and
// r = 2 bit for bit against BarrierNet's L_f²b + (p₁+p₂)L_f b + p₁p₂b.
func TestRHSClosedForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for trial := 0; trial < 100; trial++ {
		l := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		p := []float64{rng.Float64() * 4, rng.Float64() * 4, rng.Float64() * 4}
		cases := []struct {
			r    int
			want float64
		}{
			{1, l[0] + p[0]*l[1]},
			{2, l[0] + (p[0]+p[1])*l[1] + p[0]*p[1]*l[2]},
			{3, l[0] + (p[0]+p[1]+p[2])*l[1] + (p[0]*p[1]+p[0]*p[2]+p[1]*p[2])*l[2] + p[0]*p[1]*p[2]*l[3]},
		}
		for _, c := range cases {
			got := RHS(l[:c.r+1], p[:c.r])
			if c.r == 2 && got != c.want {
				t.Fatalf("r=2 not bit-identical to BarrierNet's form: %v vs %v", got, c.want)
			}
			if math.Abs(got-c.want) > 1e-12*(1+math.Abs(c.want)) {
				t.Fatalf("r=%d: %v, want %v", c.r, got, c.want)
			}
		}
	}
}

// TestRHSGradient: ∂h/∂p against central differences for r = 1, 2, 3.
func TestRHSGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for r := 1; r <= 3; r++ {
		for trial := 0; trial < 50; trial++ {
			lie := make([]float64, r+1)
			for k := range lie {
				lie[k] = rng.NormFloat64() * 5
			}
			p := make([]float64, r)
			for i := range p {
				p[i] = rng.Float64() * 4
			}
			g := rng.NormFloat64()
			dp := make([]float64, r)
			AddRHSGrad(lie, p, g, dp)
			for i := range p {
				const eps = 1e-6
				v := p[i]
				p[i] = v + eps
				hp := RHS(lie, p)
				p[i] = v - eps
				hm := RHS(lie, p)
				p[i] = v
				if fd := g * (hp - hm) / (2 * eps); math.Abs(fd-dp[i]) > 1e-7*(1+math.Abs(fd)) {
					t.Fatalf("r=%d ∂h/∂p%d: %v, finite difference %v", r, i+1, dp[i], fd)
				}
			}
		}
	}
}

// mixedLayout has rows of relative degree 1, 2 and 3: a learned gain
// shared by two slots, a fixed gain, gains learned per row.
func mixedLayout() Layout {
	return Layout{
		Slots: []Slot{
			{Name: "a", Degree: 1, Gains: []int{0}},
			{Name: "b", Degree: 2, Gains: []int{0, 1}},
			{Name: "c", Degree: 3, Gains: []int{2, 3, 1}},
		},
		Gains: []Gain{{"α", true}, {"β (fixed)", false}, {"γ", true}, {"δ", true}},
	}
}

func TestLayout(t *testing.T) {
	l := mixedLayout()
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if l.LieDim() != 2+3+4 || l.FeatDim(2) != 3*2+9 {
		t.Errorf("LieDim %d FeatDim %d", l.LieDim(), l.FeatDim(2))
	}
	if got := l.Learned(); len(got) != 3 || got[0] != 0 || got[1] != 2 || got[2] != 3 {
		t.Errorf("learned %v", got)
	}
	all := make([]float64, 4)
	l.Expand(all, []float64{1, 3, 4}, []float64{2})
	if all[0] != 1 || all[1] != 2 || all[2] != 3 || all[3] != 4 {
		t.Errorf("expanded %v", all)
	}
	// Pack: slot 2 has no row (padding), slot 0 takes its first row.
	rows := []Row{
		{Slot: 1, G: []float64{1, 2}, Lie: []float64{3, 4, 5}},
		{Slot: 0, G: []float64{6, 7}, Lie: []float64{8, 9}},
		{Slot: 0, G: []float64{0, 0}, Lie: []float64{0, 0}},
	}
	feat := make([]float64, l.FeatDim(2))
	filled := l.Pack(rows, 2, feat, nil)
	if filled[0] != 1 || filled[1] != 0 || filled[2] != -1 {
		t.Errorf("filled %v", filled)
	}
	G, h := make([]float64, 6), make([]float64, 3)
	l.Constraints(feat, 2, all, G, h)
	if G[0] != 6 || G[3] != 2 || G[4] != 0 || h[0] != 8+1*9 || h[1] != RHS([]float64{3, 4, 5}, []float64{1, 2}) || h[2] != PadValue {
		t.Errorf("G %v h %v", G, h)
	}
	bad := []struct {
		l    Layout
		want string
	}{
		{Layout{}, "no slots"},
		{Layout{Slots: []Slot{{Degree: 2, Gains: []int{0}}}, Gains: []Gain{{}}}, "1 gains for relative degree 2"},
		{Layout{Slots: []Slot{{Degree: 1, Gains: []int{3}}}, Gains: []Gain{{}}}, "uses gain 3"},
		{Layout{Slots: []Slot{{Degree: 1, Gains: []int{0}}}, Gains: []Gain{{}, {Name: "x"}}}, "gain 1 (x) feeds no slot"},
		{Layout{Slots: []Slot{{Degree: 0}}}, "relative degree 0"},
	}
	for _, c := range bad {
		if err := c.l.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.l, err, c.want)
		}
	}
	if err := l.CheckRow(Row{Slot: 1, G: []float64{1}, Lie: []float64{1, 2, 3}}, 2); err == nil {
		t.Error("a row with 1 coefficient passed for m = 2")
	}
}

func TestBox(t *testing.T) {
	for m := 1; m <= 3; m++ {
		lo, hi := make([]float64, m), make([]float64, m)
		for i := range lo {
			lo[i], hi[i] = -float64(i+1), float64(2*i+1)
		}
		G, h := make([]float64, 2*m*m), make([]float64, 2*m)
		Box(lo, hi, G, h)
		inside := func(u []float64) bool {
			for j := 0; j < 2*m; j++ {
				s := 0.0
				for i := 0; i < m; i++ {
					s += G[j*m+i] * u[i]
				}
				if s > h[j] {
					return false
				}
			}
			return true
		}
		u := make([]float64, m)
		if !inside(u) || !inside(lo) || !inside(hi) {
			t.Errorf("m=%d: 0, lo or hi outside the box", m)
		}
		u[m-1] = hi[m-1] + 0.1
		if inside(u) {
			t.Errorf("m=%d: above hi inside the box", m)
		}
		u[m-1] = lo[m-1] - 0.1
		if inside(u) {
			t.Errorf("m=%d: below lo inside the box", m)
		}
	}
}
