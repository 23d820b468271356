package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/train"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

func TestQPCommand(t *testing.T) {
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		lines int
		want  string
	}{
		{"public file", "", []string{"qp", "-in", "../../qplayer/testdata/public.jsonl"}, 0, 6, `"name":"hs35","status":"optimal"`},
		{"bad lines", "", []string{"qp", "-in", "../../qplayer/testdata/bad.jsonl"}, 1, 5, `"status":"infeasible"`},
		{"stdin with gradient", `{"Q":[[2,0],[0,2]],"p":[0,0],"G":[[-1,-1]],"h":[-1],"dz":[1,0]}`,
			[]string{"qp"}, 0, 1, `"grad":{`},
		{"elastic", `{"Q":[[1]],"p":[0],"G":[[1],[-1]],"h":[-1,-1]}`, []string{"qp", "-elastic", "10"}, 0, 1, `"lambda":[11,11]`},
		{"overflow", "{\"Q\":[[2]],\"p\":[1]}\n{\"Q\":[[1e-308]],\"p\":[1e10]}\n{\"Q\":[[2]],\"p\":[3]}\n",
			[]string{"qp"}, 1, 3, `"error":"line 2: z overflows float64`},
		{"missing file", "", []string{"qp", "-in", "nope.jsonl"}, 2, 0, ""},
		{"bad option", "", []string{"qp", "-elastic", "-1"}, 2, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(t, c.stdin, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, c.code, errs)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if out == "" {
				lines = nil
			}
			if len(lines) != c.lines {
				t.Fatalf("%d output lines, want %d:\n%s", len(lines), c.lines, out)
			}
			for _, l := range lines {
				var v map[string]any
				if err := json.Unmarshal([]byte(l), &v); err != nil {
					t.Fatalf("output line %q is not JSON: %v", l, err)
				}
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("output lacks %s:\n%s", c.want, out)
			}
		})
	}
}

// TestQPOutFile: -out gets every answer, the one that overflows included,
// and replaces an existing file whole; a directory that does not exist is
// refused before any work.
func TestQPOutFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "answers.jsonl")
	if err := os.WriteFile(out, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := "{\"Q\":[[2]],\"p\":[1]}\n{\"Q\":[[2,0],[0,2]],\"p\":[1e200,1e200]}\n{\"Q\":[[2]],\"p\":[3]}\n"
	if code, _, errs := runCLI(t, in, "qp", "-out", out); code != 1 || !strings.Contains(errs, "1 invalid line") {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	data, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], `"status":"invalid"`) || !strings.Contains(lines[2], `"status":"optimal"`) {
		t.Errorf("%s holds:\n%s", out, data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in the directory, want the answers only", len(entries))
	}
	missing := filepath.Join(dir, "no", "answers.jsonl")
	if code, _, errs := runCLI(t, in, "qp", "-out", missing); code != 2 || !strings.Contains(errs, missing) || strings.Contains(errs, ".tmp") {
		t.Errorf("missing directory: exit %d, stderr %s", code, errs)
	}
}

func TestHelpAndUnknown(t *testing.T) {
	if code, out, _ := runCLI(t, "", "help"); code != 0 || !strings.Contains(out, "qp") || !strings.Contains(out, "bench") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
	// Every command and subcommand: help once, on stdout, exit 0.
	for _, args := range [][]string{{"qp"}, {"bench"}, {"bench", "qp"}, {"bench", "env"}, {"bench", "learn"}, {"scenarios"},
		{"config"}, {"config", "show"}, {"eval"}, {"train"}, {"sweep"}, {"sweep", "run"}, {"report"}} {
		for _, h := range []string{"-h", "-help", "--help"} {
			code, out, errs := runCLI(t, "", append(args, h)...)
			if code != 0 || strings.Count(out, "Usage: barriergym "+args[0]) != 1 || errs != "" {
				t.Errorf("%v %s: exit %d, stderr %q, stdout:\n%s", args, h, code, errs, out)
			}
		}
	}
	// A wrong flag: what is wrong and the help, on stderr, exit 2.
	for _, args := range [][]string{{"qp", "-frob"}, {"bench", "qp", "-frob"}, {"bench", "env", "-frob"}, {"bench", "learn", "-frob"},
		{"eval", "-frob"}, {"train", "-frob"}, {"config", "show", "-frob"}, {"sweep", "plan", "x.yaml", "-frob"}, {"report", "x", "-frob"}} {
		code, out, errs := runCLI(t, "", args...)
		if code != 2 || out != "" || !strings.Contains(errs, "flag provided but not defined: -frob") ||
			strings.Count(errs, "Usage: barriergym") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s", args, code, out, errs)
		}
	}
	if code, _, errs := runCLI(t, "", "frobnicate"); code != 2 || !strings.Contains(errs, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "bench", "qp", "-sizes", "2by5"); code != 2 || !strings.Contains(errs, "not NxM") {
		t.Errorf("bad -sizes: exit %d, %s", code, errs)
	}
}

func TestBenchQPRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("times benchmarks")
	}
	code, out, errs := runCLI(t, "", "bench", "qp", "-sizes", "2x5", "-batches", "64")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"| 2 | 5 | 64 |", "| 1024 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("bench output lacks %q:\n%s", want, out)
		}
	}
}

// TestBenchLearnRuns times a BarrierNet network and its MLP twin at one
// small batch: a row each, the BarrierNet one compared with its twin; a
// config that is not one is refused.
func TestBenchLearnRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("times benchmarks")
	}
	code, out, errs := runCLI(t, "", "bench", "learn", "-configs", "nav-ppo,nav-ppo-mlp", "-batches", "16", "-count", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"| nav-ppo | 16 |", "| nav-ppo-mlp | 16 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("bench learn output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "× (nav-ppo-mlp)") {
		t.Errorf("no ratio to the MLP twin:\n%s", out)
	}
	if code, _, errs := runCLI(t, "", "bench", "learn", "-configs", "nope"); code != 2 || !strings.Contains(errs, "nope") {
		t.Errorf("unknown config: exit %d, %s", code, errs)
	}
}

func TestEvalCommand(t *testing.T) {
	dir := t.TempDir()
	js, per := dir+"/eval.json", dir+"/eps.jsonl"
	code, out, errs := runCLI(t, "", "eval", "-config", "nav-barriernet", "-policy", "expert", "-episodes", "12", "-seed", "5",
		"-json", js, "-per-episode", per)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"success rate", "collision rate  ", "0.0 %", "min barrier", "intervention rate", "QP infeasible rate"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	var sum map[string]any
	data, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(data, &sum) != nil || sum["episodes"].(float64) != 12 || sum["collision_rate"].(float64) != 0 {
		t.Errorf("summary file: %v %s", err, data)
	}
	lines, _ := os.ReadFile(per)
	if n := strings.Count(string(lines), "\n"); n != 12 || !strings.Contains(string(lines), `"seed":16`) {
		t.Errorf("per-episode file has %d lines:\n%s", n, lines)
	}

	bad := dir + "/bad.jsonl"
	os.WriteFile(bad, []byte("{\"seed\":1}\n{\"state\":[1,2,3,4],\"dst_y\":0}\n"), 0o644)
	code, _, errs = runCLI(t, "", "eval", "-config", "nav-barriernet", "-scenarios", bad)
	if code != 2 || !strings.Contains(errs, "line 2:") {
		t.Errorf("bad scenarios: exit %d, %s", code, errs)
	}
	code, _, errs = runCLI(t, "", "eval", "-config", "nav-barriernet", "-policy", "magic")
	if code != 2 || !strings.Contains(errs, `unknown policy "magic"`) {
		t.Errorf("bad policy: exit %d, %s", code, errs)
	}
	code, _, errs = runCLI(t, "", "eval")
	if code != 2 || !strings.Contains(errs, "-config or -run is required") {
		t.Errorf("no config: exit %d, %s", code, errs)
	}
}

func TestTrainCommand(t *testing.T) {
	dir := t.TempDir() + "/run"
	code, out, errs := runCLI(t, "", "train", "-config", "robot2d-barriernet", "-epochs", "1", "-out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "trained 1 epochs") || !strings.Contains(out, "collision rate") {
		t.Errorf("output:\n%s", out)
	}
	code, out, errs = runCLI(t, "", "eval", "-run", dir, "-episodes", "3")
	if code != 0 || !strings.Contains(out, "3 episodes") {
		t.Errorf("eval -run: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "", "train", "-config", "robot2d-barriernet", "-out", dir)
	if code != 2 || !strings.Contains(errs, "not empty") {
		t.Errorf("training into a used directory: exit %d, %s", code, errs)
	}
	os.WriteFile(dir+"/checkpoint.ckpt", []byte(`{"format":"barriergym-checkpoint","version":1,"sha`), 0o644)
	code, _, errs = runCLI(t, "", "eval", "-run", dir)
	if code != 2 || !strings.Contains(errs, "truncated or corrupt") {
		t.Errorf("corrupt checkpoint: exit %d, %s", code, errs)
	}
	code, _, errs = runCLI(t, "", "train", "-config", "nope.yaml")
	if code != 2 || !strings.Contains(errs, "nope.yaml") {
		t.Errorf("missing config: exit %d, %s", code, errs)
	}
}

func TestEvalPictures(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCLI(t, "", "eval", "-config", "nav-barriernet", "-episodes", "2", "-png", dir+"/png", "-gif", dir+"/a.gif", "-gif-episodes", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, f := range []string{"png/episode-000.png", "png/episode-001.png", "a.gif"} {
		if st, err := os.Stat(dir + "/" + f); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestTrainPPOCommand(t *testing.T) {
	dir := t.TempDir() + "/ppo"
	code, out, errs := runCLI(t, "", "train", "-config", "nav-ppo", "-steps", "5000", "-out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "5000 steps is not a whole number of rollouts (32 envs × 128 steps = 4096): training stops after 1 iterations, 4096 steps") {
		t.Errorf("no word on what -steps 5000 does:\n%s", errs)
	}
	if !strings.Contains(out, "trained 1 iterations") || !strings.Contains(out, "collision rate") {
		t.Errorf("output:\n%s", out)
	}
	code, _, errs = runCLI(t, "", "train", "-config", "nav-ppo", "-steps", "100")
	if code != 2 || !strings.Contains(errs, "train.ppo.total_steps") {
		t.Errorf("too few steps: exit %d, %s", code, errs)
	}
}

// TestFlagsThatCannotApply: flags that conflict or hold impossible values
// are refused before any work, saying which.
func TestFlagsThatCannotApply(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "-epochs", "0"}, "-epochs 0, want ≥ 1"},
		{[]string{"eval", "-config", "nav", "-act-gain", "0"}, "-act-gain 0, want > 0"},
		{[]string{"eval", "-config", "nav", "-obs-noise", "-1"}, "observation noise σ -1"},
		{[]string{"eval", "-config", "nav", "-act-delay", "-gif", "x.gif"}, "drop -png/-gif or the robustness flags"},
		{[]string{"train", "-epochs", "-1"}, "-epochs -1, want ≥ 1"},
		{[]string{"train", "-steps", "4096"}, "-steps applies to PPO"},
		{[]string{"train", "-config", "nav-ppo", "-epochs", "3"}, "-epochs applies to imitation"},
		{[]string{"train", "-config", "nav-ppo", "-save-every", "-1s"}, "-save-every -1s, want ≥ 0"},
		{[]string{"train", "-resume", dir, "-config", "nav-ppo"}, "drop -config"},
		{[]string{"train", "-resume", dir, "-seed", "3"}, "drop -config, -seed"},
		{[]string{"eval", "-run", dir, "-config", "nav"}, "drop -config and -policy"},
		{[]string{"eval", "-config", "nav", "-workers", "-1"}, "-workers -1"},
		{[]string{"eval", "-config", "nav", "-episodes", "0"}, "-episodes 0"},
		{[]string{"eval", "-config", "nav", "-best"}, "-best applies to -run only"},
		{[]string{"eval", "-config", "nav", "-json", dir + "/no/such/eval.json"}, "-json: write " + dir + "/no/such/eval.json"},
	} {
		code, _, errs := runCLI(t, "", c.args...)
		if code != 2 || !strings.Contains(errs, c.want) || strings.Contains(errs, ".tmp") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// TestScenariosCommand: every registered scenario is listed with its
// controls, CBF rows, gains and configs.
func TestScenariosCommand(t *testing.T) {
	code, out, errs := runCLI(t, "", "scenarios")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, name := range env.Names() {
		if !strings.Contains(out, "\n"+name+" — ") && !strings.HasPrefix(out, name+" — ") {
			t.Errorf("scenario %s not listed:\n%s", name, out)
		}
		for _, c := range configs.NamesOf(name) {
			if !strings.Contains(out, c) {
				t.Errorf("config %s of %s not listed", c, name)
			}
		}
	}
	for _, want := range []string{"controls (2): θ̇ ∈ [-0.45, 0.45] rad/s", "relative degree 2, gains p₁, p₂", "p₁ learned (expert 1)",
		"relative degree 1, gains α1", "published demonstrations (train.data): barriernet-robot2d"} {
		if !strings.Contains(out, want) {
			t.Errorf("listing lacks %q:\n%s", want, out)
		}
	}
}

// TestConfigShow: the resolved config, every key commented, reads back as
// the same config; bad names and files are errors.
func TestConfigShow(t *testing.T) {
	code, out, errs := runCLI(t, "", "config", "show", "robot2d-barriernet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"dt: 0.1 # time step (s)", "data: barriernet-robot2d #", "weights: [1, 1] #", "log_std_init: [-0.5, -0.5] #"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	p := t.TempDir() + "/shown.yaml"
	os.WriteFile(p, []byte(out), 0o644)
	a, err := configs.Load(p)
	b, _ := configs.Load("robot2d-barriernet")
	if err != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("shown config reads back as %+v (%v)", a, err)
	}
	if code, _, errs := runCLI(t, "", "config", "show", "nope"); code != 2 || !strings.Contains(errs, "embedded:") {
		t.Errorf("unknown config: exit %d, %s", code, errs)
	}
	if code, _, _ := runCLI(t, "", "config", "list"); code != 2 {
		t.Errorf("config list: exit %d", code)
	}
}

// TestTrainInterruptedBySignal: a PPO run stopped by a real SIGINT (the
// Ctrl-C path) exits 130, and -resume finishes it with exactly the
// metrics of a run that was never interrupted.
func TestTrainInterruptedBySignal(t *testing.T) {
	const config, steps = "../../train/testdata/tiny-nav-ppo.yaml", "10240" // 20 iterations
	whole, cut := filepath.Join(t.TempDir(), "whole"), filepath.Join(t.TempDir(), "cut")
	if code, _, errs := runCLI(t, "", "train", "-config", config, "-steps", steps, "-out", whole); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, errs)
	}
	done := make(chan int, 1)
	go func() {
		code, _, _ := runCLI(t, "", "train", "-config", config, "-steps", steps, "-out", cut, "-save-every", "0")
		done <- code
	}()
	for {
		if rows, _ := train.ReadPPOMetrics(cut); len(rows) >= 2 {
			break
		}
		select {
		case code := <-done:
			t.Fatalf("the run ended (exit %d) before it could be interrupted", code)
		case <-time.After(5 * time.Millisecond):
		}
	}
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	if code := <-done; code != 130 {
		t.Fatalf("interrupted run: exit %d, want 130", code)
	}
	rows, _ := train.ReadPPOMetrics(cut)
	if len(rows) >= 20 {
		t.Fatalf("the interrupt came too late: %d iterations done", len(rows))
	}
	code, _, errs := runCLI(t, "", "train", "-resume", cut)
	if code != 0 || !strings.Contains(errs, fmt.Sprintf("from iteration %d of 20", len(rows))) {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	a, _ := train.ReadPPOMetrics(whole)
	b, _ := train.ReadPPOMetrics(cut)
	if len(a) != 20 || len(b) != 20 {
		t.Fatalf("%d and %d rows, want 20", len(a), len(b))
	}
	for k := range a {
		a[k].FPS, a[k].Seconds, b[k].FPS, b[k].Seconds = 0, 0, 0, 0
		if fmt.Sprint(a[k]) != fmt.Sprint(b[k]) {
			t.Errorf("iteration %d:\nuninterrupted %+v\nresumed       %+v", k+1, a[k], b[k])
		}
	}
}
