package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// slurmCluster is a single-node Slurm on this machine (DESIGN §9): munged,
// slurmctld and slurmd as root, state, spool and logs in a temporary
// directory, stopped by PID when the test ends.
type slurmCluster struct {
	dir  string
	conf string
}

// env returns the environment Slurm's commands need.
func (c *slurmCluster) env() []string { return append(os.Environ(), "SLURM_CONF="+c.conf) }

// command runs a Slurm command and returns its output.
func (c *slurmCluster) command(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = c.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// freePort returns a TCP port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startSlurm starts the cluster, or skips the test when it cannot run here.
func startSlurm(t *testing.T) *slurmCluster {
	t.Helper()
	if os.Getenv("BARRIERGYM_SLURM") == "" {
		t.Skip("the Slurm test runs under `make test` (BARRIERGYM_SLURM=1, with slurm-wlm and munge installed)")
	}
	if os.Geteuid() != 0 {
		t.Skip("starting Slurm's daemons needs root")
	}
	for _, bin := range []string{"munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: install slurm-wlm and munge (make deps does)", bin)
		}
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	c := &slurmCluster{dir: t.TempDir()}
	c.conf = filepath.Join(c.dir, "slurm.conf")
	for _, d := range []string{"state", "spool", "munge"} {
		if err := os.MkdirAll(filepath.Join(c.dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	socket := filepath.Join(c.dir, "munge", "munge.socket")
	munged := exec.Command("munged", "--force", "--foreground", "-S", socket,
		"--pid-file", filepath.Join(c.dir, "munge", "munged.pid"),
		"--log-file", filepath.Join(c.dir, "munge", "munged.log"),
		"--seed-file", filepath.Join(c.dir, "munge", "seed"))
	conf := fmt.Sprintf(`ClusterName=barriergym
SlurmctldHost=%[1]s
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=%[2]s
CredType=cred/munge
StateSaveLocation=%[3]s/state
SlurmdSpoolDir=%[3]s/spool
SlurmctldPidFile=%[3]s/slurmctld.pid
SlurmdPidFile=%[3]s/slurmd.pid
SlurmctldPort=%[4]d
SlurmdPort=%[5]d
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmctldLogFile=%[3]s/slurmctld.log
SlurmdLogFile=%[3]s/slurmd.log
NodeName=%[1]s CPUs=2 RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
`, host, socket, c.dir, freePort(t), freePort(t))
	if err := os.WriteFile(c.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	daemons := []*exec.Cmd{munged,
		exec.Command("slurmctld", "-D", "-f", c.conf),
		exec.Command("slurmd", "-D", "-f", c.conf)}
	for i, d := range daemons {
		d.Env = c.env()
		log, _ := os.Create(filepath.Join(c.dir, fmt.Sprintf("daemon%d.out", i)))
		d.Stdout, d.Stderr = log, log
		if err := d.Start(); err != nil {
			t.Fatalf("%v: %v", d.Args, err)
		}
		t.Cleanup(func() { stop(d); log.Close() }) // by PID, in reverse order of starting
		if i == 0 {
			waitFor(t, 10*time.Second, "munged's socket", func() bool {
				_, err := os.Stat(socket)
				return err == nil
			})
		}
	}
	waitFor(t, 30*time.Second, "the node to be idle", func() bool {
		cmd := exec.Command("sinfo", "-h", "-o", "%T")
		cmd.Env = c.env()
		out, _ := cmd.Output()
		return strings.TrimSpace(string(out)) == "idle"
	})
	return c
}

// stop ends a daemon by its PID: SIGTERM (it stops its helpers), then
// SIGKILL if it has not ended within 5 s.
func stop(d *exec.Cmd) {
	d.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { d.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		d.Process.Kill()
		<-done
	}
}

// waitFor polls ok until it holds or the time is up.
func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("gave up waiting for %s after %v", what, limit)
}

// TestSlurmArrayJob submits the emitted script of a tiny sweep (2 configs ×
// 2 seeds, seconds each) to a real single-node Slurm, waits for the array
// job, and checks that every run directory is complete, that plan sees all
// four runs complete and that the report covers them: two groups of two.
func TestSlurmArrayJob(t *testing.T) {
	c := startSlurm(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "barriergym")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sweepFile := filepath.Join(dir, "tiny.yaml")
	text := "name: tiny\nconfigs: [robot2d-barriernet, robot2d-mlp]\nseeds: [1, 2]\n" +
		"list:\n  - {train.epochs: 1, eval.episodes: 3}\nout: out\n"
	if err := os.WriteFile(sweepFile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	emit := exec.Command(bin, "sweep", "emit", "slurm", sweepFile, "-parallel", "2", "-cpus", "1", "-mem", "1000")
	emit.Dir = dir
	if out, err := emit.CombinedOutput(); err != nil {
		t.Fatalf("emit: %v\n%s", err, out)
	}
	script := filepath.Join(dir, "out", "tiny.sbatch")
	job := strings.TrimSpace(c.command(t, "sbatch", "--parsable", script))
	t.Logf("submitted array job %s", job)
	waitFor(t, 5*time.Minute, "array job "+job, func() bool {
		cmd := exec.Command("squeue", "-h", "-j", job)
		cmd.Env = c.env()
		out, err := cmd.Output()
		return err == nil && strings.TrimSpace(string(out)) == ""
	})
	logs, _ := filepath.Glob(filepath.Join(dir, "out", "logs", "slurm-"+job+"_*.out"))
	if len(logs) != 4 {
		t.Errorf("%d task logs, want 4: %v", len(logs), logs)
	}
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		if !strings.Contains(string(data), ": trained") {
			t.Errorf("%s:\n%s", l, data)
		}
	}
	code, out, errs := runCLI(t, "", "sweep", "plan", sweepFile)
	if code != 0 || strings.Count(out, "| complete |") != 4 {
		t.Errorf("plan after the job: exit %d, %s\n%s", code, errs, out)
	}
	for _, run := range []string{"000-robot2d-barriernet", "001-robot2d-barriernet", "002-robot2d-mlp", "003-robot2d-mlp"} {
		matches, _ := filepath.Glob(filepath.Join(dir, "out", run+"*", "eval.json"))
		if len(matches) != 1 {
			t.Errorf("run %s: no eval.json", run)
		}
	}
	code, out, errs = runCLI(t, "", "report", filepath.Join(dir, "out"))
	if code != 0 || !strings.HasPrefix(out, "2 groups, 4 runs.") ||
		!strings.Contains(out, "| robot2d-barriernet-epochs=1-episodes=3 | 2 |") ||
		!strings.Contains(out, "| robot2d-mlp-epochs=1-episodes=3 | 2 |") {
		t.Errorf("report of the job's runs: exit %d, %s\n%s", code, errs, out)
	}
}
