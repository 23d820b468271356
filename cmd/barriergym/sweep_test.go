package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweepCommand: plan prints every run pending; run trains the index
// the array-job engine sets (here Kubernetes' JOB_COMPLETION_INDEX), then
// skips it; local trains the rest; plan then shows every run complete.
// Mistakes: no subcommand, no file, an index beyond the sweep, a bad line.
func TestSweepCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.yaml")
	text := "configs: [robot2d-barriernet]\nseeds: [1, 2, 3]\nlist:\n  - {train.epochs: 1, eval.episodes: 3}\nout: " + filepath.Join(dir, "out") + "\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "sweep", "plan", path)
	if code != 0 || strings.Count(out, "| pending |") != 3 || !strings.Contains(out, "002-robot2d-barriernet-epochs=1-episodes=3-seed3") {
		t.Fatalf("plan: exit %d, %s\n%s", code, errs, out)
	}
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	code, out, errs = runCLI(t, "", "sweep", "run", path)
	if code != 0 || !strings.Contains(out, "001-robot2d-barriernet-epochs=1-episodes=3-seed2: trained") ||
		!strings.Contains(errs, "(JOB_COMPLETION_INDEX)") {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ = runCLI(t, "", "sweep", "run", path, "-index", "1"); code != 0 || !strings.Contains(out, "skipped") {
		t.Fatalf("run again: exit %d\n%s", code, out)
	}
	if code, _, errs = runCLI(t, "", "sweep", "local", path, "-parallel", "2"); code != 0 || strings.Count(errs, ": trained") != 2 {
		t.Fatalf("local: exit %d\n%s", code, errs)
	}
	if _, out, _ = runCLI(t, "", "sweep", "plan", path); strings.Count(out, "| complete |") != 3 {
		t.Errorf("plan after: %s", out)
	}
	manifest := filepath.Join(dir, "job.yaml")
	if code, out, errs := runCLI(t, "", "sweep", "emit", "k8s", path, "-image", "img", "-claim", "proj", "-o", manifest); code != 1 ||
		!strings.Contains(errs, "must lie under the working directory") {
		// path is absolute: the pod could not find it in the volume
		t.Errorf("emit k8s with an absolute sweep path: exit %d %s %s", code, out, errs)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("configs: [robot2d]\ngrid:\n  train.epoch: [1]\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sweep"}, 2, "say what to do"},
		{[]string{"sweep", "plan"}, 2, "name the sweep file"},
		{[]string{"sweep", "run", path, "-index", "3"}, 2, "has 3 runs (0…2)"},
		{[]string{"sweep", "plan", bad}, 1, "bad.yaml:3: train.epoch: unknown key"},
		{[]string{"sweep", "emit", "nomad", path}, 2, "slurm or k8s"},
		{[]string{"sweep", "emit", "k8s", path, "-claim", "c"}, 1, "say which container image"},
		{[]string{"sweep", "emit", "slurm", path, "-cpus", "0", "-binary", "/bin/true"}, 1, "cpus 0"},
	} {
		if code, _, errs := runCLI(t, "", tc.args...); code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %s", tc.args, code, errs)
		}
	}
}
