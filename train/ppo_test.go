package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/policy"
)

// tinyNav is a small, quick nav setting for PPO tests.
func tinyNav(t *testing.T, head, shield string, total int) *configs.Config {
	t.Helper()
	cfg, err := configs.Load("nav-ppo")
	if err != nil {
		t.Fatal(err)
	}
	n := &cfg.Env.Nav
	n.Arena, n.Obstacles, n.MinStartGoal, n.Horizon, n.RadiusMin, n.RadiusMax = 5, 2, 2.5, 120, 0.3, 0.5
	cfg.Policy.Head, cfg.Policy.Trunk = head, []int{32}
	p := &cfg.Train.PPO
	p.NumEnvs, p.Steps, p.TotalSteps, p.Minibatch, p.UpdateEpochs, p.Shield = 8, 64, total, 128, 10, shield
	cfg.Eval.Episodes = 10
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestPPOLearnsSafely: on a tiny nav the return rises measurably while the
// shield keeps every training step collision-free.
func TestPPOLearnsSafely(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a while")
	}
	cfg := tinyNav(t, policy.HeadBarrierNet, "policy", 8*64*40)
	dir := filepath.Join(t.TempDir(), "ppo")
	res, err := PPO(context.Background(), cfg, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ReadPPOMetrics(dir)
	if err != nil || len(rows) != 40 {
		t.Fatalf("%d metrics rows, %v", len(rows), err)
	}
	mean := func(rs []PPOMetrics) float64 {
		s, n := 0.0, 0.0
		for _, r := range rs {
			if !math.IsNaN(r.EpRet) {
				s, n = s+r.EpRet, n+1
			}
		}
		return s / n
	}
	early, late := mean(rows[:10]), mean(rows[30:])
	t.Logf("mean episode return: iterations 1–10 %.3f, 31–40 %.3f; final success %.2f", early, late, res.Final.SuccessRate)
	if !(late > early+1) {
		t.Errorf("return did not rise: %.3f → %.3f", early, late)
	}
	if c := rows[len(rows)-1].TrainCollisionSteps; c != 0 {
		t.Errorf("%v training steps in collision under the shield", c)
	}
	if res.Final.CollisionRate != 0 {
		t.Errorf("evaluation collisions: %v", res.Final.CollisionRate)
	}
}

// TestPPOResume: an interrupted PPO run resumes from its checkpoint and
// finishes its iterations.
func TestPPOResume(t *testing.T) {
	cfg := tinyNav(t, policy.HeadBarrierNet, "policy", 8*64*3)
	dir := filepath.Join(t.TempDir(), "ppo")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := PPO(ctx, cfg, Options{Dir: dir, afterEpoch: func(int) { cancel() }})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run returned %v", err)
	}
	res, err := PPO(context.Background(), nil, Options{Resume: dir})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := ReadPPOMetrics(dir)
	if res.Epochs != 3 || len(rows) != 3 || rows[2].TotalEnvSteps != 3*8*64 {
		t.Errorf("resumed run: %d iterations, %d rows %+v", res.Epochs, len(rows), rows)
	}
}

// TestShields: for random states and random sampled actions, the executed
// action satisfies the CBF rows it was projected on, within the reported
// elastic slack — the policy's own rows (learned gains) and the fixed
// filter's rows.
func TestShields(t *testing.T) {
	cfg, _ := configs.Load("nav-ppo")
	spec, _ := policy.SpecFor(cfg)
	net := policy.NewNet(spec, 3)
	actor := policy.NewActor(net)
	fixed, err := control.NewFilter(control.DefaultNavNominal(), control.DefaultNavFilter())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := cfg.NewEnv()
	rng := rand.New(rand.NewPCG(8, 9))
	feat := make([]float64, spec.FeatDim())
	G, h := make([]float64, 2*spec.Rows()), make([]float64, spec.Rows())
	projected, maxSlack := 0, 0.0
	for ep := 0; ep < 30; ep++ {
		obs, _ := e.Reset(uint64(ep))
		for step := 0; step < 60; step++ {
			policy.Features(spec, e, feat)
			out := actor.Forward(obs, feat)
			a := [2]float64{out.U[0] + rng.NormFloat64(), out.U[1] + 2*rng.NormFloat64()}
			u, slack, _ := actor.Project(a)
			maxSlack = math.Max(maxSlack, slack)
			actor.RowsOf(feat, G, h)
			for j := 0; j < spec.Rows(); j++ {
				if G[2*j]*u[0]+G[2*j+1]*u[1] > h[j]+slack+1e-7*(1+math.Abs(h[j])) {
					t.Fatalf("policy shield: row %d violated by %v (slack %v)", j, G[2*j]*u[0]+G[2*j+1]*u[1]-h[j], slack)
				}
			}
			if math.Hypot(u[0]-a[0], u[1]-a[1]) > 1e-9 {
				projected++
			}
			d := fixed.Apply(e, a)
			rows := e.CBFRows(control.DefaultNavFilter().Gains, nil)
			lo, hi := e.ActionBounds()
			rows = append(rows, barrierBox(lo, hi)...)
			for j, r := range rows {
				if !r.Holds(d.U, d.Slack+1e-7*(1+math.Abs(r.H))) {
					t.Fatalf("fixed shield: row %d violated", j)
				}
			}
			var term, trunc bool
			obs, _, _, term, trunc, _ = e.Step(u[:])
			if term || trunc {
				break
			}
		}
	}
	if projected < 100 {
		t.Errorf("only %d samples needed projecting: the test does not exercise the shield", projected)
	}
	t.Logf("%d projected samples, largest slack %g", projected, maxSlack)
}

func barrierBox(lo, hi [2]float64) []barrier.Row {
	b := barrier.BoxRows(lo, hi)
	return b[:]
}
