// Package progress shows how far long work has got: a redrawn bar on a
// terminal, a quiet line every tenth of the way otherwise (logs, CI).
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// quietAfter is how long work runs before quiet mode starts reporting.
const quietAfter = 2 * time.Second

// Bar reports progress towards a known total. It is safe for concurrent use.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int
	done     int
	tty      bool
	start    time.Time
	lastTen  int
	lastDraw time.Time
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// New starts a bar for total units of work written to w (nil: silent).
func New(w io.Writer, label string, total int) *Bar {
	return &Bar{w: w, label: label, total: max(total, 1), tty: IsTerminal(w), start: time.Now()}
}

// Add records n more units done.
func (b *Bar) Add(n int) {
	if b == nil || b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if b.tty {
		if time.Since(b.lastDraw) > 100*time.Millisecond || b.done >= b.total {
			b.draw()
		}
		return
	}
	// Quiet mode: a line per tenth, once the work has lasted long enough
	// for anyone to wonder.
	if ten := b.done * 10 / b.total; ten > b.lastTen && time.Since(b.start) > quietAfter {
		b.lastTen = ten
		fmt.Fprintf(b.w, "%s: %d/%d (%d%%) %s\n", b.label, b.done, b.total, 100*b.done/b.total, b.elapsed())
	}
}

func (b *Bar) elapsed() string { return time.Since(b.start).Round(100 * time.Millisecond).String() }

func (b *Bar) draw() {
	b.lastDraw = time.Now()
	const width = 30
	filled := width * min(b.done, b.total) / b.total
	eta := ""
	if b.done > 0 && b.done < b.total {
		left := time.Duration(float64(time.Since(b.start)) * float64(b.total-b.done) / float64(b.done))
		eta = " eta " + left.Round(time.Second).String()
	}
	fmt.Fprintf(b.w, "\r%s [%s%s] %d/%d %s%s ", b.label, strings.Repeat("=", filled),
		strings.Repeat(" ", width-filled), b.done, b.total, b.elapsed(), eta)
}

// Finish ends the bar's line on a terminal.
func (b *Bar) Finish() {
	if b == nil || b.w == nil || !b.tty {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draw()
	fmt.Fprintln(b.w)
}
