package train

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// holdEnv makes the test binary a process that locks a run directory and
// waits to be killed (see TestKilledRunLeavesNoLock).
const holdEnv = "BARRIERGYM_TEST_HOLD_LOCK"

func TestMain(m *testing.M) {
	if dir := os.Getenv(holdEnv); dir != "" {
		if _, err := lockDir(dir); err != nil {
			os.Exit(3)
		}
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSecondTrainerRefused: while a run trains, a second process resuming
// or training into the same directory is refused with ErrLocked.
func TestSecondTrainerRefused(t *testing.T) {
	cfg := shortConfig(t, "robot2d-barriernet", 1)
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Imitation(context.Background(), cfg, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	held, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Imitation(context.Background(), nil, Options{Resume: dir, Epochs: 2})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("resume of a locked run: %v, want ErrLocked naming the holder", err)
	}
	held.Close()
	if _, err := Imitation(context.Background(), nil, Options{Resume: dir, Epochs: 2}); err != nil {
		t.Errorf("resume after the lock was released: %v", err)
	}
}

// TestKilledRunLeavesNoLock: a process killed while holding a run's lock
// (SIGKILL: no clean-up at all) leaves the directory free for the next.
func TestKilledRunLeavesNoLock(t *testing.T) {
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), holdEnv+"="+dir)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	want := strconv.Itoa(child.Process.Pid) + "\n"
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if data, _ := os.ReadFile(filepath.Join(dir, LockFile)); string(data) == want {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatal("the child never took the lock")
		}
	}
	if _, err := lockDir(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock held by a live process: %v, want ErrLocked", err)
	}
	child.Process.Kill()
	child.Wait()
	f, err := lockDir(dir)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	f.Close()
}
