package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/barriergym/barriergym/atomicfile"
	"github.com/barriergym/barriergym/train"
)

// State is how far a run has got.
type State int

// States of a run, from its directory.
const (
	Pending  State = iota // no directory, or one without a checkpoint
	Partial               // a checkpoint and no final evaluation: resumable
	Complete              // eval.json written: the run has finished
)

func (s State) String() string {
	return [...]string{"pending", "partial", "complete"}[s]
}

// StateOf returns run r's state.
func (s *Sweep) StateOf(r Run) State {
	dir := s.Dir(r)
	if _, err := os.Stat(filepath.Join(dir, train.EvalFile)); err == nil {
		return Complete
	}
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); err == nil {
		return Partial
	}
	return Pending
}

// Outcome says what Train did.
type Outcome int

// Outcomes of Train.
const (
	Trained Outcome = iota // trained from the start
	Resumed                // continued from its last checkpoint
	Skipped                // already complete
	Busy                   // another process is on it
)

func (o Outcome) String() string {
	return [...]string{"trained", "resumed", "skipped (complete)", "busy (another process has it)"}[o]
}

// IndexFromEnv returns the run index an array-job engine gives its task:
// SLURM_ARRAY_TASK_ID (Slurm) or JOB_COMPLETION_INDEX (Kubernetes Indexed
// Jobs), and false when neither is set.
func IndexFromEnv() (int, string, bool, error) {
	for _, name := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"} {
		if v, ok := os.LookupEnv(name); ok {
			i, err := strconv.Atoi(v)
			if err != nil {
				return 0, name, true, fmt.Errorf("%s=%q is not a run index", name, v)
			}
			return i, name, true, nil
		}
	}
	return 0, "", false, nil
}

// Train trains run i of the sweep, writing its progress to log: a
// complete run is skipped, a partial one resumed from its checkpoint, a
// pending one (re)started. The run is locked for the whole call (a lock
// file beside the run directories), so two processes never train the same
// run: the second gets Busy.
func (s *Sweep) Train(ctx context.Context, i int, log io.Writer) (Outcome, *train.Result, error) {
	if i < 0 || i >= len(s.Runs) {
		return 0, nil, fmt.Errorf("sweep %s: run index %d, want 0…%d", s.Name, i, len(s.Runs)-1)
	}
	r := s.Runs[i]
	if err := os.MkdirAll(filepath.Join(s.Out, "locks"), 0o755); err != nil {
		return 0, nil, fmt.Errorf("sweep %s: %w", s.Name, err)
	}
	if err := s.checkPlan(); err != nil {
		return 0, nil, err
	}
	lock, err := train.Lock(filepath.Join(s.Out, "locks", r.Name+".lock"), "run "+r.Name)
	if errors.Is(err, train.ErrLocked) {
		return Busy, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	defer lock.Close()
	dir := s.Dir(r)
	switch s.StateOf(r) {
	case Complete:
		return Skipped, nil, nil
	case Partial:
		res, err := train.Run(ctx, nil, train.Options{Resume: dir, Log: log})
		return Resumed, res, err
	}
	// Pending: a directory without a checkpoint (stopped before its first
	// epoch ended) starts over; the lock says nobody else is in it.
	if err := os.RemoveAll(dir); err != nil {
		return 0, nil, err
	}
	cfg, err := s.Config(r)
	if err != nil {
		return 0, nil, err
	}
	if err := os.MkdirAll(s.Out, 0o755); err != nil {
		return 0, nil, err
	}
	res, err := train.Run(ctx, cfg, train.Options{Dir: dir, Log: log})
	return Trained, res, err
}

// PlanFile is where a sweep's output records the runs it was started with.
const PlanFile = "plan.json"

// checkPlan records the sweep's runs (index, name) in OUT/plan.json when
// it is not there yet, and otherwise refuses to go on when they differ:
// an edited sweep file would give indices that name other runs than the
// ones already trained or being trained by other array tasks.
func (s *Sweep) checkPlan() error {
	names := make([]string, len(s.Runs))
	for i, r := range s.Runs {
		names[i] = r.Name
	}
	path := filepath.Join(s.Out, PlanFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		out, err := json.MarshalIndent(map[string]any{"sweep": s.Name, "file": s.File, "runs": names}, "", "  ")
		if err != nil {
			return err
		}
		return atomicfile.WriteFile(path, append(out, '\n'), 0o644)
	}
	if err != nil {
		return err
	}
	var plan struct{ Runs []string }
	if err := json.Unmarshal(data, &plan); err != nil {
		return fmt.Errorf("sweep %s: %s: %w", s.Name, path, err)
	}
	for i := 0; i < max(len(plan.Runs), len(names)); i++ {
		var was, now string
		if i < len(plan.Runs) {
			was = plan.Runs[i]
		}
		if i < len(names) {
			now = names[i]
		}
		if was != now {
			return fmt.Errorf("sweep %s: the sweep file no longer expands to the runs %s was started with (index %d: was %q, now %q); give the edited sweep another out, or remove %s to start over there",
				s.Name, s.Out, i, was, now, path)
		}
	}
	return nil
}
