package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestQuietLinesAfterAWhile(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "train", 10)
	b.Add(5)
	if buf.Len() != 0 {
		t.Fatalf("quiet mode wrote before %v: %q", quietAfter, buf.String())
	}
	b.start = time.Now().Add(-2 * quietAfter)
	b.Add(5)
	b.Finish()
	if got := buf.String(); !strings.HasPrefix(got, "train: 10/10 (100%)") || strings.Count(got, "\n") != 1 {
		t.Errorf("quiet output %q", got)
	}
	var nilBar *Bar
	nilBar.Add(1) // a nil bar is silent, not a crash
	New(nil, "x", 1).Add(1)
}

func TestTerminalDraw(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "eval", 4)
	b.tty = true
	b.Add(4)
	b.Finish()
	if got := buf.String(); !strings.Contains(got, "\reval [") || !strings.Contains(got, "4/4") || !strings.HasSuffix(got, "\n") {
		t.Errorf("terminal output %q", got)
	}
}

// TestHeartbeat: in quiet mode a line comes at least every `every` even
// when no unit finishes, with the time left once one has; none after Finish.
func TestHeartbeat(t *testing.T) {
	var buf safeBuffer
	b := newBar(&buf, "epoch 1/20", 4, 60*time.Millisecond)
	time.Sleep(150 * time.Millisecond)
	b.Add(1)
	time.Sleep(150 * time.Millisecond)
	b.Finish()
	got := buf.String()
	time.Sleep(150 * time.Millisecond)
	if buf.String() != got {
		t.Errorf("lines after Finish: %q", buf.String()[len(got):])
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) < 3 {
		t.Fatalf("%d lines in 300 ms with a 60 ms heartbeat: %q", len(lines), got)
	}
	if !strings.HasPrefix(lines[0], "epoch 1/20: 0/4 (0%)") || !strings.Contains(lines[len(lines)-1], "1/4 (25%)") ||
		!strings.Contains(lines[len(lines)-1], ", eta ") {
		t.Errorf("quiet lines %q", got)
	}
	b.Finish() // twice is fine
}

// safeBuffer is a bytes.Buffer for concurrent writers.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
