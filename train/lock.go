package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockFile is the file in a run directory that a training process holds an
// exclusive lock on (flock), so that a second train or -resume on the same
// directory is refused. The kernel releases the lock when the process ends,
// however it ends: a killed run never leaves its directory locked.
const LockFile = ".lock"

// ErrLocked is returned when another process trains the run directory
// (or holds another Lock).
var ErrLocked = errors.New("another process is training this run directory")

// lockDir takes the run directory's lock.
func lockDir(dir string) (*os.File, error) {
	return Lock(filepath.Join(dir, LockFile), dir)
}

// Lock takes an exclusive lock (flock) on the file at path, creating it,
// for as long as the returned file stays open; the kernel releases it when
// the process ends, however it ends. The file records the holder's PID.
// When another process holds it the error wraps ErrLocked and names what
// (the name used in messages) and that PID.
func Lock(path, what string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := ""
			if data, rerr := os.ReadFile(path); rerr == nil {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(data))); perr == nil {
					holder = fmt.Sprintf(" (pid %d)", pid)
				}
			}
			return nil, fmt.Errorf("%s: %w%s; wait for it to finish or stop it", what, ErrLocked, holder)
		}
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// lock takes r.dir's lock for the rest of the run.
func (r *runBase) lock() error {
	f, err := lockDir(r.dir)
	if err != nil {
		return err
	}
	r.lockFile = f
	return nil
}

// unlock releases the run directory (a no-op when it was never locked).
func (r *runBase) unlock() {
	if r.lockFile != nil {
		r.lockFile.Close()
		r.lockFile = nil
	}
}
