package progress

import (
	"bytes"
	"strings"
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
