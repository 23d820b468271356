package train

import (
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"math"
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
	_ "github.com/barriergym/barriergym/scenarios"
)

func shortConfig(t *testing.T, name string, epochs int) *configs.Config {
	t.Helper()
	cfg, err := configs.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Train.Epochs, cfg.Train.EvalEvery, cfg.Train.EvalEpisodes = epochs, 1, 2
	cfg.Eval.Episodes = 3
	return cfg
}

// TestImitationLossFallsAndCheckpointRoundTrips trains BarrierNet on its
// published data for three epochs: the loss falls, and the saved policy
// acts exactly as the trained one.
func TestImitationLossFallsAndCheckpointRoundTrips(t *testing.T) {
	cfg := shortConfig(t, "robot2d-barriernet", 3)
	dir := filepath.Join(t.TempDir(), "run")
	res, err := Imitation(context.Background(), cfg, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ReadMetrics(dir)
	if err != nil || len(rows) != 3 {
		t.Fatalf("metrics: %d rows, %v", len(rows), err)
	}
	if !(rows[2].Loss < rows[0].Loss/2) || !(rows[2].ValLoss < rows[0].ValLoss) {
		t.Errorf("loss did not fall: %+v", rows)
	}
	if res.Final == nil || res.Final.Episodes != 3 {
		t.Fatalf("final evaluation %+v", res.Final)
	}
	for _, f := range []string{ConfigFile, CheckpointFile, BestFile, MetricsFile, CurvesFile, EvalFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}
	f, _ := os.Open(filepath.Join(dir, CurvesFile))
	if _, err := png.Decode(f); err != nil {
		t.Errorf("curves.png: %v", err)
	}
	f.Close()
	cfg2, net, err := LoadPolicy(dir, CheckpointFile)
	if err != nil {
		t.Fatal(err)
	}
	if cfg2.Name != cfg.Name || cfg2.Train.Epochs != 3 {
		t.Errorf("resolved config not saved: %+v", cfg2.Train)
	}
	task, _ := cfg.Task()
	_, valid, err := LoadDemos(task, cfg.Train.Data, net.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := MeanLoss(net, valid), rows[2].ValLoss; math.Abs(got-want) > 1e-7*want {
		t.Errorf("reloaded policy's validation loss %v, recorded %v", got, want)
	}
	// Wrong config for the checkpoint: a clear mismatch error.
	other := shortConfig(t, "robot2d-mlp", 1)
	spec, _ := policy.SpecFor(other)
	ck, _ := policy.LoadCheckpoint(filepath.Join(dir, CheckpointFile))
	if _, err := ck.Net(spec); err == nil || !strings.Contains(err.Error(), "mismatched") {
		t.Errorf("mismatched config: %v", err)
	}
}

// TestInterruptAndResume: a run stopped after its first epoch and resumed
// ends with exactly the weights of an uninterrupted run.
func TestInterruptAndResume(t *testing.T) {
	cfg := shortConfig(t, "robot2d-barriernet", 2)
	cfg.Train.EvalEvery = 0
	whole := filepath.Join(t.TempDir(), "whole")
	if _, err := Imitation(context.Background(), cfg, Options{Dir: whole}); err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Imitation(ctx, cfg, Options{Dir: cut, afterEpoch: func(int) { cancel() }})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run returned %v", err)
	}
	if rows, _ := ReadMetrics(cut); len(rows) != 1 {
		t.Fatalf("interrupted run recorded %d epochs, want 1", len(rows))
	}
	res, err := Imitation(context.Background(), nil, Options{Resume: cut})
	if err != nil {
		t.Fatal(err)
	}
	if res.Epochs != 2 {
		t.Fatalf("resumed run ended at epoch %d", res.Epochs)
	}
	sameWeights(t, whole, cut)
	if rows, _ := ReadMetrics(cut); len(rows) != 2 {
		t.Errorf("resumed metrics has %d rows", len(rows))
	}
	if _, err := Imitation(context.Background(), nil, Options{Resume: t.TempDir()}); err == nil {
		t.Error("resuming an empty directory succeeded")
	}
}

// TestImitationSaveEvery: with a long save interval, checkpoint.ckpt
// keeps epoch 0 and no metrics or best.ckpt appear until the last epoch;
// with a negative one every epoch is written. best.ckpt holds the epoch
// of the lowest validation loss either way.
func TestImitationSaveEvery(t *testing.T) {
	cfg := shortConfig(t, "robot2d-barriernet", 3)
	cfg.Train.EvalEvery = 0
	for _, c := range []struct {
		every time.Duration
		want  func(i int) int // the epoch on disk once epoch i is recorded
	}{
		{time.Hour, func(i int) int { return map[bool]int{true: 3}[i == 3] }},
		{-1, func(i int) int { return i }},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		_, err := Imitation(context.Background(), cfg, Options{Dir: dir, SaveEvery: c.every, afterEpoch: func(i int) {
			rows, _ := ReadMetrics(dir)
			ck, err := policy.LoadCheckpoint(filepath.Join(dir, CheckpointFile))
			switch {
			case err != nil:
				t.Errorf("SaveEvery %v, after epoch %d: %v", c.every, i, err)
			case len(rows) != c.want(i) || ck.Epoch != c.want(i):
				t.Errorf("SaveEvery %v, after epoch %d: %d metric rows, checkpoint of epoch %d; want %d",
					c.every, i, len(rows), ck.Epoch, c.want(i))
			}
			if _, err := os.Stat(filepath.Join(dir, BestFile)); (err == nil) != (c.want(i) > 0) {
				t.Errorf("SaveEvery %v, after epoch %d: best.ckpt present %v", c.every, i, err == nil)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := ReadMetrics(dir)
		best, err := policy.LoadCheckpoint(filepath.Join(dir, BestFile))
		if err != nil {
			t.Fatal(err)
		}
		lowest := 0
		for k, m := range rows {
			if m.ValLoss < rows[lowest].ValLoss {
				lowest = k
			}
		}
		if best.Epoch != lowest+1 || math.Abs(*best.BestLoss-rows[lowest].ValLoss) > 1e-6*rows[lowest].ValLoss { // metrics.csv holds 8 digits
			t.Errorf("SaveEvery %v: best.ckpt holds epoch %d (loss %v); the lowest validation loss is epoch %d's",
				c.every, best.Epoch, *best.BestLoss, lowest+1)
		}
	}
}

// TestExtendRun: a finished one-epoch run resumed with Epochs 2 trains one
// more epoch, keeps the first epoch's row, says where it resumes and
// records the new total in config.yaml; totals that cannot apply are
// refused. (It is not the two-epoch run: the learning-rate schedule of the
// first epoch was that of a one-epoch run.)
func TestExtendRun(t *testing.T) {
	cfg := shortConfig(t, "robot2d-barriernet", 1)
	cfg.Train.EvalEvery = 0
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Imitation(context.Background(), cfg, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	first, _ := ReadMetrics(dir)
	if _, err := Imitation(context.Background(), nil, Options{Resume: dir, Steps: 4096}); err == nil ||
		!strings.Contains(err.Error(), "-steps applies to PPO") {
		t.Errorf("-steps on imitation: %v", err)
	}
	var log strings.Builder
	res, err := Imitation(context.Background(), nil, Options{Resume: dir, Epochs: 2, Log: &log})
	if err != nil || res.Epochs != 2 {
		t.Fatalf("extended run: %+v, %v", res, err)
	}
	if !strings.Contains(log.String(), "from epoch 1 of 2") {
		t.Errorf("log does not say where it resumed:\n%s", log.String())
	}
	if c, err := ReadConfig(dir); err != nil || c.Train.Epochs != 2 {
		t.Errorf("config.yaml after extending: %v", err)
	}
	rows, _ := ReadMetrics(dir)
	if len(rows) != 2 || rows[0].Loss != first[0].Loss || rows[1].Epoch != 2 {
		t.Errorf("metrics after extending: %+v (first run %+v)", rows, first)
	}
	if _, err := Imitation(context.Background(), nil, Options{Resume: dir, Epochs: 1}); err == nil ||
		!strings.Contains(err.Error(), "has done 2 epochs already") {
		t.Errorf("shrinking a run: %v", err)
	}
}

func TestExpertDemosTrainNav(t *testing.T) {
	cfg := shortConfig(t, "nav-barriernet", 1)
	cfg.Train.Episodes = 4
	res, err := Imitation(context.Background(), cfg, Options{Dir: filepath.Join(t.TempDir(), "run")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Final == nil || res.Final.CollisionRate != 0 {
		t.Errorf("nav BarrierNet after one epoch: %+v", res.Final)
	}
}

// TestLoadDemosErrors: a scenario without published demonstrations, and
// a name that is no published set, are refused saying what there is.
func TestLoadDemosErrors(t *testing.T) {
	for _, c := range []struct{ config, data, want string }{
		{"nav-barriernet", "barriernet-robot2d", "has no published demonstrations; use expert"},
		{"robot2d-barriernet", "nope", "published sets of robot2d: barriernet-robot2d"},
	} {
		cfg := shortConfig(t, c.config, 1)
		cfg.Train.Data = c.data
		_, err := Imitation(context.Background(), cfg, Options{Dir: filepath.Join(t.TempDir(), "run")})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s with data %s: %v, want %q", c.config, c.data, err, c.want)
		}
	}
}

// TestVersion1Runs: run directories written before the scenario contract
// (checkpoint format 1, a config.yaml holding every scenario's section)
// still load, and their policies evaluate to the numbers the version that
// wrote them recorded: every figure to 1e-12
// relative (a layer's sums are now fused multiply–adds, rounded as the
// learner rounds them, which moves the last bits).
func TestVersion1Runs(t *testing.T) {
	for _, dir := range []string{"testdata/v1/r2d", "testdata/v1/nav"} {
		cfg, net, err := LoadPolicy(dir, CheckpointFile)
		if err != nil {
			t.Fatal(err)
		}
		eps, err := eval.Run(cfg, func() (control.Controller, error) { return Controller(cfg, net) },
			eval.Seeds(cfg.Eval.Seed, cfg.Eval.Episodes), eval.Options{})
		if err != nil {
			t.Fatal(err)
		}
		task, _ := cfg.Task()
		got := eval.Summarize("", task.Spec(), cfg.Eval.Seed, eps)
		data, _ := os.ReadFile(filepath.Join(dir, "eval-by-v1.json"))
		var want eval.Summary
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		got.Policy, got.GoalError, got.GainNames = want.Policy, want.GoalError, want.GainNames
		if !sameFigures(t, got, want) {
			t.Errorf("%s evaluates to\n%+v\nthe version that wrote it recorded\n%+v", dir, got, want)
		}
	}
}

// sameWeights fails unless the latest checkpoints of the runs in whole and
// cut hold bit-identical weights.
func sameWeights(t *testing.T, whole, cut string) {
	t.Helper()
	_, a, err := LoadPolicy(whole, CheckpointFile)
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := LoadPolicy(cut, CheckpointFile)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := a.Params(), b.Params()
	for i := range pa {
		for j := range pa[i] {
			if pa[i][j] != pb[i][j] {
				t.Fatalf("parameter %d/%d: uninterrupted %v, resumed %v", i, j, pa[i][j], pb[i][j])
			}
		}
	}
}

// sameFigures compares two values through their JSON forms: numbers to
// 1e-12 relative, everything else exactly.
func sameFigures(t *testing.T, a, b any) bool {
	t.Helper()
	var x, y any
	for _, p := range []struct {
		v   any
		dst *any
	}{{a, &x}, {b, &y}} {
		data, err := json.Marshal(p.v)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, p.dst); err != nil {
			t.Fatal(err)
		}
	}
	var same func(x, y any) bool
	same = func(x, y any) bool {
		switch xv := x.(type) {
		case float64:
			yv, ok := y.(float64)
			return ok && math.Abs(xv-yv) <= 1e-12*math.Max(1, math.Abs(yv))
		case map[string]any:
			yv, ok := y.(map[string]any)
			if !ok || len(xv) != len(yv) {
				return false
			}
			for k := range xv {
				if !same(xv[k], yv[k]) {
					return false
				}
			}
			return true
		case []any:
			yv, ok := y.([]any)
			if !ok || len(xv) != len(yv) {
				return false
			}
			for i := range xv {
				if !same(xv[i], yv[i]) {
					return false
				}
			}
			return true
		}
		return reflect.DeepEqual(x, y)
	}
	return same(x, y)
}
