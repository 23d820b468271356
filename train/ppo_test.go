package train

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/policy"
)

// tinyNav is a small, quick nav setting for PPO tests.
func tinyNav(t *testing.T, head, shield string, total int) *configs.Config {
	t.Helper()
	cfg, err := configs.Load("testdata/tiny-nav-ppo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Policy.Head, cfg.Train.PPO.Shield, cfg.Train.PPO.TotalSteps = head, shield, total
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

// TestPPOResume: a PPO run interrupted mid-way and resumed from its
// checkpoint ends exactly as the uninterrupted run: every non-timing column
// of metrics.csv and every weight bit-identical. Environments are cut in
// mid-episode (episodes are longer than a rollout), so their states, the
// episodes' running figures and the noise streams must all carry over.
func TestPPOResume(t *testing.T) {
	cfg := tinyNav(t, policy.HeadBarrierNet, "policy", 8*64*4)
	whole := filepath.Join(t.TempDir(), "whole")
	if _, err := PPO(context.Background(), cfg, Options{Dir: whole}); err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := PPO(ctx, cfg, Options{Dir: cut, afterEpoch: func(i int) {
		if i == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run returned %v", err)
	}
	// Saves are due every saveEvery; an interrupt writes what is pending.
	if rows, err := ReadPPOMetrics(cut); err != nil || len(rows) != 2 {
		t.Fatalf("interrupted after iteration 2: %d metric rows (%v)", len(rows), err)
	}
	res, err := PPO(context.Background(), nil, Options{Resume: cut})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := ReadPPOMetrics(whole)
	b, _ := ReadPPOMetrics(cut)
	if res.Epochs != 4 || len(a) != 4 || len(b) != 4 || b[3].TotalEnvSteps != 4*8*64 {
		t.Fatalf("resumed run: %d iterations, %d and %d rows", res.Epochs, len(a), len(b))
	}
	for k := range a {
		x, y := a[k].values(), b[k].values()
		for c, name := range ppoHeader {
			if name == "FPS" || name == "Seconds" {
				continue
			}
			if x[c] != y[c] && !(math.IsNaN(x[c]) && math.IsNaN(y[c])) {
				t.Errorf("iteration %d, %s: uninterrupted %v, resumed %v", k+1, name, x[c], y[c])
			}
		}
	}
	sameWeights(t, whole, cut)
}

// TestShields: for random states and random sampled actions, the executed
// action satisfies the CBF rows it was projected on, within the reported
// elastic slack — the policy's own rows (learned gains) and the fixed
// filter's rows.
func TestShields(t *testing.T) {
	cfg, _ := configs.Load("nav-ppo")
	spec, _ := policy.SpecFor(cfg)
	task, _ := cfg.Task()
	net := policy.NewNet(spec, 3)
	actor := policy.NewActor(net)
	fc := eval.FilterConfig(cfg, task.Spec())
	fixed, err := control.NewFilter(control.NewNominal(spec.M()), fc)
	if err != nil {
		t.Fatal(err)
	}
	gains := cfg.Barrier.ExpertGains(task.Spec())
	e := task.NewEnv()
	rng := rand.New(rand.NewPCG(8, 9))
	feat := make([]float64, spec.FeatDim())
	rows := policy.NewFeatures(spec)
	m := spec.M()
	G, h := make([]float64, m*spec.Rows()), make([]float64, spec.Rows())
	projected, maxSlack := 0, 0.0
	for ep := 0; ep < 30; ep++ {
		obs, _ := e.Reset(uint64(ep))
		for step := 0; step < 60; step++ {
			rows.Read(e, feat)
			out := actor.Forward(obs, feat)
			a := []float64{out.U[0] + rng.NormFloat64(), out.U[1] + 2*rng.NormFloat64()}
			u, slack, _ := actor.Project(a)
			maxSlack = math.Max(maxSlack, slack)
			actor.RowsOf(feat, G, h)
			for j := 0; j < spec.Rows(); j++ {
				if G[m*j]*u[0]+G[m*j+1]*u[1] > h[j]+slack+1e-7*(1+math.Abs(h[j])) {
					t.Fatalf("policy shield: row %d violated by %v (slack %v)", j, G[m*j]*u[0]+G[m*j+1]*u[1]-h[j], slack)
				}
			}
			if control.Distance(u, a) > 1e-9 {
				projected++
			}
			d := fixed.Apply(e, a)
			for j, r := range e.CBFRows(nil) {
				p := make([]float64, len(r.Lie)-1)
				for k, g := range task.Spec().Layout.Slots[r.Slot].Gains {
					p[k] = gains[g]
				}
				if !r.Holds(d.U, p, d.Slack+1e-7*(1+math.Abs(r.Lie[len(r.Lie)-1]))) {
					t.Fatalf("fixed shield: row %d violated", j)
				}
			}
			lo, hi := task.Spec().Bounds()
			for i := range d.U {
				if d.U[i] < lo[i] || d.U[i] > hi[i] {
					t.Fatalf("fixed shield: %v outside the bounds", d.U)
				}
			}
			var term, trunc bool
			obs, _, _, term, trunc, _ = e.Step(u)
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

// ppoExtra reads a PPO checkpoint's state.
func ppoExtra(t *testing.T, dir string) ppoState {
	t.Helper()
	ck, err := policy.LoadCheckpoint(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	var st ppoState
	if err := json.Unmarshal(ck.Extra, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestPPOLagrangian trains a plain MLP with PPO-Lagrangian on a tiny nav
// (no shield, cost limit 0, so the random policy's collisions push λ up):
// λ follows Adam's steps against the mean episode cost's excess over the
// limit, recomputed from metrics.csv's episode costs, the checkpoint holds the cost critic, and a run
// cut at iteration 3 and resumed ends bit-identical to the uninterrupted
// one (metrics, weights, λ, cost critic).
func TestPPOLagrangian(t *testing.T) {
	cfg := tinyNav(t, policy.HeadMLP, "none", 8*64*6)
	cfg.Train.PPO.LambdaLR, cfg.Train.PPO.CostLimit, cfg.Train.PPO.LambdaInit = 0.05, 0, 0.1
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	whole := filepath.Join(t.TempDir(), "whole")
	if _, err := PPO(context.Background(), cfg, Options{Dir: whole}); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadPPOMetrics(whole)
	if err != nil || len(rows) != 6 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	lambda, costly := 0.1, 0
	adam := NewAdam(0.05, [][]float64{{0}})
	for _, m := range rows {
		if !math.IsNaN(m.EpCost) {
			lambda = LagrangeStep(adam, lambda, m.EpCost, 0)
			if m.EpCost > 0 {
				costly++
			}
		}
	}
	st := ppoExtra(t, whole)
	// metrics.csv keeps 8 significant digits of each episode cost.
	if math.Abs(st.Lambda-lambda) > 1e-6*(1+lambda) || costly == 0 || !(st.Lambda > 0.1) {
		t.Errorf("λ %v, recomputed from metrics.csv %v (%d iterations with cost)", st.Lambda, lambda, costly)
	}
	if len(st.CostValue) != len(cfg.Train.PPO.ValueHidden)+1 || st.CostValueAdam == nil {
		t.Errorf("the checkpoint holds no cost critic: %d layers", len(st.CostValue))
	}
	cut := filepath.Join(t.TempDir(), "cut")
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := PPO(ctx, cfg, Options{Dir: cut, afterEpoch: func(i int) {
		if i == 3 {
			cancel()
		}
	}}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run returned %v", err)
	}
	if _, err := PPO(context.Background(), nil, Options{Resume: cut}); err != nil {
		t.Fatal(err)
	}
	b, _ := ReadPPOMetrics(cut)
	for k := range rows {
		x, y := rows[k].values(), b[k].values()
		for c, name := range ppoHeader {
			if name != "FPS" && name != "Seconds" && x[c] != y[c] && !(math.IsNaN(x[c]) && math.IsNaN(y[c])) {
				t.Errorf("iteration %d, %s: uninterrupted %v, resumed %v", k+1, name, x[c], y[c])
			}
		}
	}
	sameWeights(t, whole, cut)
	sc := ppoExtra(t, cut)
	if sc.Lambda != st.Lambda || !reflect.DeepEqual(sc.CostValue, st.CostValue) {
		t.Errorf("resumed λ %v (uninterrupted %v), cost critic equal: %v", sc.Lambda, st.Lambda, reflect.DeepEqual(sc.CostValue, st.CostValue))
	}
	// A plain-PPO config refuses a Lagrangian checkpoint, and back.
	plain := tinyNav(t, policy.HeadMLP, "none", 8*64*6)
	text, _ := configs.Render(plain)
	os.WriteFile(filepath.Join(cut, ConfigFile), text, 0o644)
	if _, err := PPO(context.Background(), nil, Options{Resume: cut, Steps: 8 * 64 * 8}); err == nil ||
		!strings.Contains(err.Error(), "cost critic") {
		t.Errorf("plain PPO on a Lagrangian checkpoint: %v", err)
	}
}

// TestPPOSaveEvery: with a long save interval the run directory is written
// only after the last iteration (the checkpoint of iteration 0 written at
// the start stays until then); with a negative one after every iteration.
// Metrics never run ahead of the checkpoint.
func TestPPOSaveEvery(t *testing.T) {
	cfg := tinyNav(t, policy.HeadMLP, "none", 8*64*3)
	for _, c := range []struct {
		every time.Duration
		rows  func(i int) int // metric rows on disk once iteration i is recorded
	}{
		{time.Hour, func(i int) int { return map[bool]int{true: 3}[i == 3] }},
		{-1, func(i int) int { return i }},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		_, err := PPO(context.Background(), cfg, Options{Dir: dir, SaveEvery: c.every, afterEpoch: func(i int) {
			rows, err := ReadPPOMetrics(dir)
			if err != nil || len(rows) != c.rows(i) {
				t.Errorf("SaveEvery %v, after iteration %d: %d rows on disk (%v), want %d", c.every, i, len(rows), err, c.rows(i))
			}
			ck, err := policy.LoadCheckpoint(filepath.Join(dir, CheckpointFile))
			switch {
			case err != nil:
				t.Errorf("SaveEvery %v, after iteration %d: %v", c.every, i, err)
			case ck.Epoch != c.rows(i):
				t.Errorf("SaveEvery %v, after iteration %d: the checkpoint holds iteration %d, want %d", c.every, i, ck.Epoch, c.rows(i))
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
}
