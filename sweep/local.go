package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/barriergym/barriergym/train"
)

// Local trains every run of the sweep on this machine, parallel runs at a
// time, each run's log in its LogFile. It prints a line to progress as
// each run ends — done, running and failed counts, the estimated time
// left, the run, what happened and its final success and collision rates —
// and every 30 s one naming the runs under way with their time and
// progress; it goes on past a failed run. It returns an error naming how many runs
// failed, or ctx's when interrupted (runs under way keep their last
// checkpoint, and the next call resumes them).
func (s *Sweep) Local(ctx context.Context, parallel int, progress io.Writer) error {
	if parallel < 1 {
		return fmt.Errorf("sweep %s: parallel %d, want ≥ 1", s.Name, parallel)
	}
	if err := os.MkdirAll(filepath.Join(s.Out, "logs"), 0o755); err != nil {
		return fmt.Errorf("sweep %s: %w", s.Name, err)
	}
	var (
		mu                 sync.Mutex
		next, done, failed int
		running            int
		trainedSeconds     float64
		trainedRuns        int
		start              = time.Now()
		total              = len(s.Runs)
		active             = map[int]time.Time{} // runs under way and when they began
	)
	report := func(r Run, line string) {
		mu.Lock()
		defer mu.Unlock()
		eta := "—"
		if trainedRuns > 0 {
			left := float64(total-done) * trainedSeconds / float64(trainedRuns) / float64(parallel)
			eta = (time.Duration(left) * time.Second).Round(time.Second).String()
		}
		fmt.Fprintf(progress, "[%d/%d done, %d running, %d failed, ETA %s] %s: %s\n",
			done, total, running, failed, eta, r.Name, line)
	}
	worker := func() {
		for {
			mu.Lock()
			if next >= total || ctx.Err() != nil {
				mu.Unlock()
				return
			}
			i := next
			next++
			running++
			active[i] = time.Now()
			mu.Unlock()
			r := s.Runs[i]
			t0 := time.Now()
			outcome, res, err := s.trainLogged(ctx, i)
			secs := time.Since(t0).Seconds()
			mu.Lock()
			running--
			delete(active, i)
			done++
			if err != nil {
				failed++
			}
			if outcome == Trained || outcome == Resumed {
				trainedSeconds += secs
				trainedRuns++
			}
			mu.Unlock()
			switch {
			case errors.Is(err, train.ErrInterrupted):
				report(r, "interrupted (resumable)")
			case err != nil:
				report(r, fmt.Sprintf("failed: %v (log %s)", err, s.LogFile(r)))
			case res != nil && res.Final != nil:
				report(r, fmt.Sprintf("%s in %.0f s: success %.0f %%, collisions %.0f %%", outcome, secs,
					100*res.Final.SuccessRate, 100*res.Final.CollisionRate))
			default:
				report(r, outcome.String())
			}
		}
	}
	stopBeat := make(chan struct{})
	go s.heartbeat(stopBeat, func() {
		mu.Lock()
		defer mu.Unlock()
		var parts []string
		for i, t0 := range active {
			parts = append(parts, fmt.Sprintf("%s %s%s", s.Runs[i].Name, time.Since(t0).Round(time.Second), s.logProgress(s.Runs[i])))
		}
		sort.Strings(parts)
		fmt.Fprintf(progress, "[%d/%d done, %d running, %d failed] running: %s\n", done, total, running, failed, strings.Join(parts, "; "))
	})
	defer close(stopBeat)
	var wg sync.WaitGroup
	for w := 0; w < min(parallel, total); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker()
		}()
	}
	wg.Wait()
	fmt.Fprintf(progress, "sweep %s: %d runs, %d failed, in %s; runs in %s\n", s.Name, total, failed,
		time.Since(start).Round(time.Second), s.Out)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case failed > 0:
		return fmt.Errorf("sweep %s: %d of %d runs failed (their logs are in %s)", s.Name, failed, total,
			filepath.Join(s.Out, "logs"))
	}
	return nil
}

// trainLogged is Train with the run's log in its LogFile (appended: a
// resumed run's log continues).
func (s *Sweep) trainLogged(ctx context.Context, i int) (Outcome, *train.Result, error) {
	f, err := os.OpenFile(s.LogFile(s.Runs[i]), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	return s.Train(ctx, i, f)
}

// beatEvery is how often Local reports the runs under way.
const beatEvery = 30 * time.Second

// heartbeat calls beat every s.beat (beatEvery by default) until stop is
// closed.
func (s *Sweep) heartbeat(stop <-chan struct{}, beat func()) {
	every := s.beat
	if every == 0 {
		every = beatEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			beat()
		}
	}
}

var percent = regexp.MustCompile(`\((\d+)%\)`)

// logProgress returns " (NN %)" from the last progress line of run r's
// log, or "" when it has none yet.
func (s *Sweep) logProgress(r Run) string {
	f, err := os.Open(s.LogFile(r))
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	buf := make([]byte, 512)
	n, _ := f.ReadAt(buf, max(0, st.Size()-int64(len(buf))))
	m := percent.FindAllSubmatch(buf[:n], -1)
	if len(m) == 0 {
		return ""
	}
	return " (" + string(m[len(m)-1][1]) + " %)"
}
