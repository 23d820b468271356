package policy

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
)

func specOf(t *testing.T, scenario, head string) Spec {
	t.Helper()
	cfg, err := configs.Load(scenario)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Policy.Head = head
	cfg.Policy.Trunk, cfg.Policy.Branch = []int{16}, []int{8}
	s, err := SpecFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// samples draws states from expert-free random rollouts: observations,
// features and random targets.
func samples(t *testing.T, s Spec, n int, rng *rand.Rand) (obs, feat, target [][]float64) {
	cfg, _ := configs.Load(s.Scenario)
	e, _ := cfg.NewEnv()
	o, _ := e.Reset(rng.Uint64())
	for len(obs) < n {
		f := make([]float64, s.FeatDim())
		if err := Features(s, e, f); err != nil {
			t.Fatal(err)
		}
		obs = append(obs, append([]float64(nil), o...))
		feat = append(feat, f)
		target = append(target, []float64{rng.NormFloat64() * 0.3, rng.NormFloat64() * 0.5})
		var term, trunc bool
		lo, hi := e.ActionBounds()
		u := []float64{lo[0] + (hi[0]-lo[0])*rng.Float64(), lo[1] + (hi[1]-lo[1])*rng.Float64()}
		o, _, _, term, trunc, _ = e.Step(u)
		if term || trunc {
			o, _ = e.Reset(rng.Uint64())
		}
	}
	return
}

// TestGraphMatchesActor: the Gorgonia graph and the plain-Go actor compute
// the same controls, and the graph's gradients match finite differences of
// the actor's loss.
func TestGraphMatchesActor(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, scenario := range []string{"robot2d", "nav"} {
		for _, head := range []string{HeadBarrierNet, HeadMLP} {
			s := specOf(t, scenario, head)
			net := NewNet(s, 7)
			const B = 6
			obs, feat, target := samples(t, s, B, rng)
			mean, std := make([]float64, s.ObsDim), make([]float64, s.ObsDim)
			for i := range std {
				mean[i], std[i] = rng.NormFloat64(), 1+rng.Float64()
			}
			net.SetNormalization(mean, std)
			l, err := NewLearner(net, B)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < B; i++ {
				l.Load(i, obs[i], feat[i], target[i])
			}
			loss, err := l.Run()
			if err != nil {
				t.Fatal(err)
			}
			a := NewActor(net)
			actorLoss := func() float64 {
				sum := 0.0
				for i := 0; i < B; i++ {
					o := a.Forward(obs[i], feat[i])
					sum += (o.U[0]-target[i][0])*(o.U[0]-target[i][0]) + (o.U[1]-target[i][1])*(o.U[1]-target[i][1])
				}
				return sum / (2 * B)
			}
			u := l.Controls()
			for i := 0; i < B; i++ {
				o := a.Forward(obs[i], feat[i])
				if math.Abs(o.U[0]-u[2*i]) > 1e-9 || math.Abs(o.U[1]-u[2*i+1]) > 1e-9 {
					t.Fatalf("%s/%s sample %d: graph %v, actor %v", scenario, head, i, u[2*i:2*i+2], o.U)
				}
			}
			if math.Abs(loss-actorLoss()) > 1e-12 {
				t.Fatalf("%s/%s: graph loss %v, actor loss %v", scenario, head, loss, actorLoss())
			}
			// A second run must give the same gradients (not their sum).
			if _, err := l.Run(); err != nil {
				t.Fatal(err)
			}
			grads, err := l.Grads()
			if err != nil {
				t.Fatal(err)
			}
			params := net.Params()
			checked := 0
			for k := 0; k < 40; k++ {
				pi := rng.IntN(len(params))
				j := rng.IntN(len(params[pi]))
				v := params[pi][j]
				const eps = 1e-6
				params[pi][j] = v + eps
				lp := actorLoss()
				params[pi][j] = v - eps
				lm := actorLoss()
				params[pi][j] = v
				fd := (lp - lm) / (2 * eps)
				if math.Abs(fd-grads[pi][j]) > 1e-5*(1+math.Abs(fd)) {
					t.Errorf("%s/%s: ∂loss/∂param[%d][%d] = %v, finite difference %v", scenario, head, pi, j, grads[pi][j], fd)
				}
				checked++
			}
			l.Close()
		}
	}
}

func TestFeaturesMatchEnvRows(t *testing.T) {
	s := specOf(t, "nav", HeadBarrierNet)
	cfg, _ := configs.Load("nav")
	e, _ := cfg.NewEnv()
	e.Reset(3)
	f := make([]float64, s.FeatDim())
	Features(s, e, f)
	gains := []float64{1, 2, 3, 4}
	G, h := make([]float64, 2*s.Rows()), make([]float64, s.Rows())
	s.qpRows(f, gains, G, h)
	rows := e.CBFRows(gains, nil)
	for j := 0; j < s.NCBF; j++ {
		if G[2*j] != rows[j].G[0] || G[2*j+1] != rows[j].G[1] || math.Abs(h[j]-rows[j].H) > 1e-12 {
			t.Fatalf("row %d: policy (%v, %v), env %+v", j, G[2*j:2*j+2], h[j], rows[j])
		}
	}
	_ = env.Info{}
}

// TestUpstreamLearner: with upstream gradients g the parameter gradients
// are gᵀ∂u/∂θ, checked against finite differences of Σ u·g by the actor.
func TestUpstreamLearner(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	s := specOf(t, "nav", HeadBarrierNet)
	net := NewNet(s, 2)
	const B = 5
	obs, feat, g := samples(t, s, B, rng)
	l, err := NewUpstreamLearner(net, B)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < B; i++ {
		l.Load(i, obs[i], feat[i], g[i])
	}
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	grads, _ := l.Grads()
	a := NewActor(net)
	f := func() float64 {
		sum := 0.0
		for i := 0; i < B; i++ {
			o := a.Forward(obs[i], feat[i])
			sum += o.U[0]*g[i][0] + o.U[1]*g[i][1]
		}
		return sum
	}
	params := net.Params()
	for k := 0; k < 30; k++ {
		pi := rng.IntN(len(params))
		j := rng.IntN(len(params[pi]))
		v := params[pi][j]
		params[pi][j] = v + 1e-6
		fp := f()
		params[pi][j] = v - 1e-6
		fm := f()
		params[pi][j] = v
		if fd := (fp - fm) / 2e-6; math.Abs(fd-grads[pi][j]) > 1e-5*(1+math.Abs(fd)) {
			t.Errorf("param %d/%d: gradient %v, finite difference %v", pi, j, grads[pi][j], fd)
		}
	}
}

// TestControllerReportsGains: a BarrierNet controller's decision carries
// the gains its QP used, p_max·σ(·) of the gain branch; an MLP's none.
func TestControllerReportsGains(t *testing.T) {
	for _, tc := range []struct {
		scenario, head string
		gains          int // 0: none reported
	}{
		{"nav", HeadBarrierNet, 4},
		{"robot2d", HeadBarrierNet, 2},
		{"nav", HeadMLP, 0},
	} {
		s := specOf(t, tc.scenario, tc.head)
		cfg, _ := configs.Load(tc.scenario)
		e, _ := cfg.NewEnv()
		obs, _ := e.Reset(3)
		c := Controller{Actor: NewActor(NewNet(s, 5))}
		d := c.Act(e, obs)
		if len(d.Gains) != tc.gains {
			t.Fatalf("%s/%s: %d gains %v, want %d", tc.scenario, tc.head, len(d.Gains), d.Gains, tc.gains)
		}
		for i, g := range d.Gains {
			if !(g > 0 && g < s.PMax) || g != c.LastGains()[i] {
				t.Errorf("%s/%s: gain %d = %v, want in (0, %v) and equal to LastGains %v", tc.scenario, tc.head, i, g, s.PMax, c.LastGains())
			}
		}
	}
}
