package policy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
	_ "github.com/barriergym/barriergym/scenarios"
	"github.com/barriergym/barriergym/scenariotest"
)

func init() { env.Register(scenariotest.Chain("policytest-chain")) }

// testConfig is one config the tests run: every registered scenario with
// its defaults, and chains of m controls and relative degree r.
type testConfig struct {
	name string
	cfg  *configs.Config
}

func testConfigs(t testing.TB) []testConfig {
	t.Helper()
	var out []testConfig
	for _, name := range env.Names() {
		if name == "policytest-chain" {
			continue
		}
		cfg, err := configs.Default(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, testConfig{name, cfg})
	}
	for _, mr := range [][2]int{{1, 3}, {3, 1}, {2, 2}} {
		floor := "" // the (2, 2) chain's learned gains have a floor
		if mr[0] == 2 {
			floor = "barrier:\n  p_min: 1.5\n  p_max: 3\n"
		}
		cfg, err := configs.Parse("chain.yaml", []byte(fmt.Sprintf(
			"env:\n  scenario: policytest-chain\n  policytest-chain:\n    axes: %d\n    degree: %d\n%s", mr[0], mr[1], floor)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, testConfig{fmt.Sprintf("chain m=%d r=%d", mr[0], mr[1]), cfg})
	}
	return out
}

func specOf(t testing.TB, cfg *configs.Config, head string) Spec {
	t.Helper()
	c := *cfg
	c.Policy.Head = head
	c.Policy.Trunk, c.Policy.Branch = []int{16}, []int{8}
	s, err := SpecFor(&c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// samples draws states from rollouts with random controls: observations,
// features and random targets.
func samples(t *testing.T, cfg *configs.Config, s Spec, n int, rng *rand.Rand) (obs, feat, target [][]float64) {
	task, err := cfg.Task()
	if err != nil {
		t.Fatal(err)
	}
	e := task.NewEnv()
	f := NewFeatures(s)
	o, _ := e.Reset(rng.Uint64())
	u := make([]float64, s.M())
	for len(obs) < n {
		ft := make([]float64, s.FeatDim())
		f.Read(e, ft)
		tg := make([]float64, s.M())
		for i := range tg {
			tg[i] = rng.NormFloat64() * 0.5
			u[i] = s.Lo[i] + (s.Hi[i]-s.Lo[i])*rng.Float64()
		}
		obs, feat, target = append(obs, append([]float64(nil), o...)), append(feat, ft), append(target, tg)
		var term, trunc bool
		o, _, _, term, trunc, _ = e.Step(u)
		if term || trunc {
			o, _ = e.Reset(rng.Uint64())
		}
	}
	return
}

// TestGraphMatchesActor: for every scenario and head, the Gorgonia graph
// and the plain-Go actor compute the same controls, and the graph's
// gradients match finite differences of the actor's loss — through the
// QP and the generic right-hand side for m = 1, 2, 3 and r = 1, 2, 3.
func TestGraphMatchesActor(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range testConfigs(t) {
		for _, head := range []string{HeadBarrierNet, HeadMLP} {
			s := specOf(t, tc.cfg, head)
			net := NewNet(s, 7)
			const B = 6
			obs, feat, target := samples(t, tc.cfg, s, B, rng)
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
			m := s.M()
			actorLoss := func() float64 {
				sum := 0.0
				for i := 0; i < B; i++ {
					o := a.Forward(obs[i], feat[i])
					for j := range o.U {
						sum += (o.U[j] - target[i][j]) * (o.U[j] - target[i][j])
					}
				}
				return sum / float64(m*B)
			}
			u := l.Controls()
			for i := 0; i < B; i++ {
				o := a.Forward(obs[i], feat[i])
				for j := range o.U {
					// One rounding everywhere: the MLP's controls are the
					// graph's bit for bit; the QP's batch and single solves
					// may round differently.
					if head == HeadMLP && o.U[j] != u[m*i+j] || math.Abs(o.U[j]-u[m*i+j]) > 1e-9 {
						t.Fatalf("%s/%s sample %d: graph %v, actor %v", tc.name, head, i, u[m*i:m*i+m], o.U)
					}
				}
			}
			if math.Abs(loss-actorLoss()) > 1e-12 {
				t.Fatalf("%s/%s: graph loss %v, actor loss %v", tc.name, head, loss, actorLoss())
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
					t.Errorf("%s/%s: ∂loss/∂param[%d][%d] = %v, finite difference %v", tc.name, head, pi, j, grads[pi][j], fd)
				}
			}
			l.Close()
		}
	}
}

// TestGainGradientsReachTheLayer: on the chains, without bound rows and
// with u_ref pushed far into the floor, every CBF row is active, so the
// controls depend on the learned gains: the gain branch's output bias gets
// a gradient for every learned gain, matching finite differences.
func TestGainGradientsReachTheLayer(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range testConfigs(t)[len(env.Names())-1:] {
		cfg := *tc.cfg
		cfg.Barrier.Bounds = false
		s := specOf(t, &cfg, HeadBarrierNet)
		net := NewNet(s, 1)
		last := net.Ref[len(net.Ref)-1].B
		for i := range last {
			last[i] = 100 * s.Lo[i]
		}
		const B = 8
		obs, feat, target := samples(t, tc.cfg, s, B, rng)
		l, err := NewLearner(net, B)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < B; i++ {
			l.Load(i, obs[i], feat[i], target[i])
		}
		l.Run()
		grads, _ := l.Grads()
		bias := net.Gain[len(net.Gain)-1].B
		g := grads[len(grads)-1]
		a := NewActor(net)
		loss := func() float64 {
			sum := 0.0
			for i := 0; i < B; i++ {
				for j, u := range a.Forward(obs[i], feat[i]).U {
					sum += (u - target[i][j]) * (u - target[i][j])
				}
			}
			return sum / float64(s.M()*B)
		}
		for k := range bias {
			v := bias[k]
			bias[k] = v + 1e-6
			lp := loss()
			bias[k] = v - 1e-6
			lm := loss()
			bias[k] = v
			fd := (lp - lm) / 2e-6
			if g[k] == 0 || math.Abs(fd-g[k]) > 1e-5*(1+math.Abs(fd)) {
				t.Errorf("%s: ∂loss/∂(gain bias %d) = %v, finite difference %v", tc.name, k, g[k], fd)
			}
		}
		l.Close()
	}
}

// TestFeaturesMatchEnvRows: the packed features give the environment's
// own rows (G and h) for the first row of each slot.
func TestFeaturesMatchEnvRows(t *testing.T) {
	for _, tc := range testConfigs(t) {
		s := specOf(t, tc.cfg, HeadBarrierNet)
		task, _ := tc.cfg.Task()
		e := task.NewEnv()
		e.Reset(3)
		f := make([]float64, s.FeatDim())
		NewFeatures(s).Read(e, f)
		gains := make([]float64, len(s.Layout.Gains))
		for i := range gains {
			gains[i] = float64(i + 1)
		}
		m := s.M()
		G, h := make([]float64, m*s.Rows()), make([]float64, s.Rows())
		s.qpRows(f, gains, G, h)
		seen := map[int]bool{}
		for _, r := range e.CBFRows(nil) {
			if seen[r.Slot] {
				continue
			}
			seen[r.Slot] = true
			j := r.Slot
			for i := 0; i < m; i++ {
				if G[j*m+i] != r.G[i] {
					t.Fatalf("%s slot %d: G %v, env %v", tc.name, j, G[j*m:j*m+m], r.G)
				}
			}
			if want := s.Layout.SlotRHS(j, r.Lie, gains); h[j] != want {
				t.Fatalf("%s slot %d: h %v, env %v", tc.name, j, h[j], want)
			}
		}
	}
}

// TestLossLearner: with the loss Σ u·g computed in Go the loss is the
// actor's and the parameter gradients are gᵀ∂u/∂θ, checked against finite
// differences of Σ u·g by the actor.
func TestLossLearner(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range testConfigs(t) {
		s := specOf(t, tc.cfg, HeadBarrierNet)
		net := NewNet(s, 2)
		const B = 5
		obs, feat, g := samples(t, tc.cfg, s, B, rng)
		m := s.M()
		l, err := NewLossLearner(net, B, func(u, grad []float64) float64 {
			sum := 0.0
			for i := 0; i < B; i++ {
				for j := 0; j < m; j++ {
					sum += u[i*m+j] * g[i][j]
					grad[i*m+j] = g[i][j]
				}
			}
			return sum
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < B; i++ {
			l.Load(i, obs[i], feat[i], nil)
		}
		loss, err := l.Run()
		if err != nil {
			t.Fatal(err)
		}
		grads, _ := l.Grads()
		a := NewActor(net)
		f := func() float64 {
			sum := 0.0
			for i := 0; i < B; i++ {
				for j, u := range a.Forward(obs[i], feat[i]).U {
					sum += u * g[i][j]
				}
			}
			return sum
		}
		if f0 := f(); math.Abs(loss-f0) > 1e-12*(1+math.Abs(f0)) {
			t.Errorf("%s: loss %v, the actor's %v", tc.name, loss, f0)
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
				t.Errorf("%s param %d/%d: gradient %v, finite difference %v", tc.name, pi, j, grads[pi][j], fd)
			}
		}
		l.Close()
	}
}

// TestControllerReportsGains: a BarrierNet controller's decision carries
// every gain of the layout, learned ones in (p_min, p_max); an MLP's none.
func TestControllerReportsGains(t *testing.T) {
	for _, tc := range testConfigs(t) {
		for _, head := range []string{HeadBarrierNet, HeadMLP} {
			s := specOf(t, tc.cfg, head)
			task, _ := tc.cfg.Task()
			e := task.NewEnv()
			obs, _ := e.Reset(3)
			c := Controller{Actor: NewActor(NewNet(s, 5))}
			d := c.Act(e, obs)
			want := 0
			if head == HeadBarrierNet {
				want = len(s.Layout.Gains)
			}
			if len(d.Gains) != want || len(d.U) != s.M() {
				t.Fatalf("%s/%s: %d gains %v and %d controls", tc.name, head, len(d.Gains), d.Gains, len(d.U))
			}
			for i, g := range d.Gains {
				if s.Layout.Gains[i].Learned && !(g > s.PMin && g < s.PMax) || g != c.LastGains()[i] {
					t.Errorf("%s/%s: gain %d = %v, want in (%v, %v) and equal to LastGains %v", tc.name, head, i, g, s.PMin, s.PMax, c.LastGains())
				}
			}
			for i, u := range d.U {
				if u < s.Lo[i] || u > s.Hi[i] {
					t.Errorf("%s/%s: control %v outside the bounds", tc.name, head, d.U)
				}
			}
		}
	}
}

// TestNetBatchMatchesForward: the network run on a batch of observations
// and finished sample by sample gives Forward's controls, references,
// gains, slacks and statuses bit for bit, for every scenario and head and
// batch sizes from 1 to 17 (short row blocks of the product included).
func TestNetBatchMatchesForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, tc := range testConfigs(t) {
		for _, head := range []string{HeadBarrierNet, HeadMLP} {
			s := specOf(t, tc.cfg, head)
			net := NewNet(s, 11)
			const B = 17
			obs, feat, _ := samples(t, tc.cfg, s, B, rng)
			one, many := NewActor(net), NewActor(net)
			for _, n := range []int{1, 2, 5, 8, B} {
				flat := make([]float64, 0, n*s.ObsDim)
				for i := 0; i < n; i++ {
					flat = append(flat, obs[i]...)
				}
				many.NetBatch(flat, n)
				for i := 0; i < n; i++ {
					got := many.Finish(i, feat[i])
					got = Output{U: slices.Clone(got.U), Ref: slices.Clone(got.Ref), Gains: slices.Clone(got.Gains),
						Slack: got.Slack, Status: got.Status}
					want := one.Forward(obs[i], feat[i])
					if !slices.Equal(got.U, want.U) || !slices.Equal(got.Ref, want.Ref) ||
						!slices.Equal(got.Gains, want.Gains) || got.Slack != want.Slack || got.Status != want.Status {
						t.Fatalf("%s %s, batch %d, sample %d: %+v, Forward %+v", tc.name, head, n, i, got, want)
					}
				}
			}
		}
	}
}
