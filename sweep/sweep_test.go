package sweep

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/barriergym/barriergym/scenarios"
	"github.com/barriergym/barriergym/train"
)

// write puts a sweep file in a temporary directory and returns its path.
func write(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestExpand: configs × override sets × seeds, in that order, the grid's
// last key varying fastest; names are unique and carry index, config,
// overrides and seed; defaults fill name, seeds and out.
func TestExpand(t *testing.T) {
	path := write(t, `name: demo
configs: [nav-ppo, nav-ppo-filter]
seeds: [1, 2]
grid:
  train.ppo.total_steps: [64000, 128000]
  barrier.p_max: [2, 4]
out: somewhere
`)
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 16 || s.Out != filepath.Join(filepath.Dir(path), "somewhere") || s.Name != "demo" {
		t.Fatalf("%d runs in %s named %s", len(s.Runs), s.Out, s.Name)
	}
	want := map[int]string{
		0:  "000-nav-ppo-total_steps=64000-p_max=2-seed1",
		1:  "001-nav-ppo-total_steps=64000-p_max=2-seed2",
		2:  "002-nav-ppo-total_steps=64000-p_max=4-seed1",
		7:  "007-nav-ppo-total_steps=128000-p_max=4-seed2",
		8:  "008-nav-ppo-filter-total_steps=64000-p_max=2-seed1",
		15: "015-nav-ppo-filter-total_steps=128000-p_max=4-seed2",
	}
	for i, name := range want {
		if s.Runs[i].Name != name || s.Runs[i].Index != i {
			t.Errorf("run %d: %q, want %q", i, s.Runs[i].Name, name)
		}
	}
	cfg, err := s.Config(s.Runs[7])
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Train.PPO.TotalSteps != 128000 || cfg.Barrier.PMax != 4 || cfg.Train.Seed != 2 {
		t.Errorf("run 7's config: steps %d, p_max %v, seed %d", cfg.Train.PPO.TotalSteps, cfg.Barrier.PMax, cfg.Train.Seed)
	}
	// The same file expands the same way; a list keeps its order.
	path = write(t, "configs: [robot2d-barriernet]\nlist:\n  - {train.epochs: 3}\n  - {train.epochs: 1, eval.episodes: 2}\n")
	a, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Runs) != 2 || a.Runs[1].Name != "001-robot2d-barriernet-epochs=1-episodes=2-seed1" ||
		a.Name != "s" || a.Out != filepath.Join("runs", "sweeps", "s") {
		t.Errorf("list sweep: %+v in %s", a.Runs, a.Out)
	}
}

// TestBadSweepFiles: every mistake is reported with the sweep file's line.
func TestBadSweepFiles(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"configs: [nav]\nsedes: [1]\n", "s.yaml:2: sedes: unknown key"},
		{"configs: [nav]\ngrid:\n  train.ppo.totl_steps: [1]\n", "s.yaml:3: train.ppo.totl_steps: unknown key"},
		{"configs: [nav]\ngrid:\n  train.seed: [1, many]\n", `s.yaml:3: train.seed: "many" is not`},
		{"configs: [nav]\ngrid:\n  train.seed: 3\n", "s.yaml:3: grid: train.seed: want a list of values"},
		{"configs: [nav]\nlist:\n  - 3\n", "s.yaml:3: list: want a mapping"},
		{"configs: [no-such-config]\n", "s.yaml:1: configs: "},
		{"configs: [nav]\ngrid: {train.seed: [1]}\nlist: [{train.seed: 2}]\n", "grid or list, not both"},
		{"configs: [nav-ppo]\n\nlist:\n  - {train.ppo.total_steps: -4}\n", "s.yaml:4: train.ppo.total_steps: -4, want"},
		{"configs: [nav]\nseeds: []\n", "s.yaml:2: seeds: want at least one seed"},
		{"seeds: [1]\n", "configs: say which configs"},
		{"name: a/b\nconfigs: [nav]\n", "s.yaml:1: name:"},
	} {
		_, err := Load(write(t, tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.text, err, tc.want)
		}
	}
}

// tinySweep is two quick robot2d runs (one epoch, three evaluation
// episodes) in a temporary directory.
func tinySweep(t *testing.T) *Sweep {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.yaml")
	text := "configs: [robot2d-barriernet]\nseeds: [1, 2]\nlist:\n  - {train.epochs: 1, eval.episodes: 3}\nout: " + filepath.Join(dir, "out") + "\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTrainStates: a pending run trains, a complete one is skipped, a
// partial one resumes, a run locked by another process is left to it, and
// a directory left without a checkpoint starts over.
func TestTrainStates(t *testing.T) {
	s := tinySweep(t)
	ctx := context.Background()
	r := s.Runs[0]
	step := func(want Outcome, state State) {
		t.Helper()
		got, _, err := s.Train(ctx, 0, io.Discard)
		if err != nil || got != want || s.StateOf(r) != state {
			t.Fatalf("outcome %v, state %v, %v; want %v, %v", got, s.StateOf(r), err, want, state)
		}
	}
	step(Trained, Complete)
	step(Skipped, Complete)
	if err := os.Remove(filepath.Join(s.Dir(r), train.EvalFile)); err != nil {
		t.Fatal(err)
	}
	if s.StateOf(r) != Partial {
		t.Fatalf("state %v without eval.json", s.StateOf(r))
	}
	step(Resumed, Complete)
	held, err := train.Lock(filepath.Join(s.Out, "locks", r.Name+".lock"), "test")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(s.Dir(r), train.EvalFile))
	step(Busy, Partial)
	held.Close()
	if err := os.Remove(filepath.Join(s.Dir(r), train.CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	step(Trained, Complete)
	if _, _, err := s.Train(ctx, 5, io.Discard); err == nil {
		t.Error("index 5 of 2 runs accepted")
	}
}

// TestLocal trains every run two at a time, each line of progress naming
// a run, with reports of the runs under way between; a second call skips
// them all.
func TestLocal(t *testing.T) {
	s := tinySweep(t)
	s.beat = 200 * time.Millisecond
	var out syncBuilder
	if err := s.Local(context.Background(), 2, &out); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Runs {
		if s.StateOf(r) != Complete || !strings.Contains(out.String(), r.Name+": trained") {
			t.Errorf("run %s: %v\n%s", r.Name, s.StateOf(r), out.String())
		}
		if _, err := os.Stat(s.LogFile(r)); err != nil {
			t.Errorf("no log: %v", err)
		}
	}
	if !strings.Contains(out.String(), "running: 00") {
		t.Errorf("no report of the runs under way:\n%s", out.String())
	}
	out.Reset()
	if err := s.Local(context.Background(), 2, &out); err != nil || strings.Count(out.String(), "skipped") != 2 {
		t.Errorf("second call: %v\n%s", err, out.String())
	}
}

// TestShippedSweeps: every sweep file in sweeps/ loads and expands.
func TestShippedSweeps(t *testing.T) {
	files, _ := filepath.Glob("../sweeps/*.yaml")
	if len(files) == 0 {
		t.Fatal("no sweep files in sweeps/")
	}
	for _, f := range files {
		s, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(s.Runs) < 2 {
			t.Errorf("%s: %d runs", f, len(s.Runs))
		}
	}
}

// syncBuilder is a strings.Builder safe for the heartbeat's goroutine.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuilder) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

// TestEditedSweepRefused: once runs began, a sweep file that expands to
// other runs is refused with the first index that differs.
func TestEditedSweepRefused(t *testing.T) {
	s := tinySweep(t)
	if _, _, err := s.Train(context.Background(), 1, io.Discard); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(s.File)
	os.WriteFile(s.File, []byte(strings.Replace(string(text), "seeds: [1, 2]", "seeds: [2, 1]", 1)), 0o644)
	edited, err := Load(s.File)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := edited.Train(context.Background(), 1, io.Discard); err == nil || !strings.Contains(err.Error(), "index 0: was") {
		t.Errorf("edited sweep: %v", err)
	}
	os.WriteFile(s.File, text, 0o644)
	same, _ := Load(s.File)
	if got, _, err := same.Train(context.Background(), 1, io.Discard); err != nil || got != Skipped {
		t.Errorf("the same sweep again: %v, %v", got, err)
	}
}
