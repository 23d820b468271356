// Package progress shows how far long work has got: a redrawn bar on a
// terminal; otherwise (logs, CI) a quiet line every tenth of the way and
// at least every 30 s, with the time left.
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

// quietEvery is the longest quiet mode stays silent once reporting: a log
// shows the work is alive even when one unit takes minutes.
const quietEvery = 30 * time.Second

// Bar reports progress towards a known total. It is safe for concurrent
// use. Call Finish when the work ends (also on errors).
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int
	done     int
	tty      bool
	start    time.Time
	lastTen  int
	lastDraw time.Time // terminal: last redraw; quiet: last line
	every    time.Duration
	stop     chan struct{} // closed by Finish; ends the quiet heartbeat
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
	return newBar(w, label, total, quietEvery)
}

func newBar(w io.Writer, label string, total int, every time.Duration) *Bar {
	now := time.Now()
	b := &Bar{w: w, label: label, total: max(total, 1), tty: IsTerminal(w), start: now, lastDraw: now,
		every: every, stop: make(chan struct{})}
	if w != nil && !b.tty {
		go b.heartbeat()
	}
	return b
}

// heartbeat writes a quiet line whenever none was written for b.every.
func (b *Bar) heartbeat() {
	tick := time.NewTicker(b.every / 6)
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-tick.C:
			b.mu.Lock()
			if time.Since(b.lastDraw) >= b.every-b.every/6 {
				b.line()
			}
			b.mu.Unlock()
		}
	}
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
	// for anyone to wonder (the heartbeat covers long silences).
	if ten := b.done * 10 / b.total; ten > b.lastTen && time.Since(b.start) > quietAfter {
		b.lastTen = ten
		b.line()
	}
}

// line writes one quiet-mode line.
func (b *Bar) line() {
	b.lastDraw = time.Now()
	fmt.Fprintf(b.w, "%s: %d/%d (%d%%) %s%s\n", b.label, b.done, b.total, 100*b.done/b.total, b.elapsed(), b.eta())
}

func (b *Bar) elapsed() string { return time.Since(b.start).Round(100 * time.Millisecond).String() }

// eta estimates the time left from the rate so far ("" before any unit or
// after the last).
func (b *Bar) eta() string {
	if b.done <= 0 || b.done >= b.total {
		return ""
	}
	left := time.Duration(float64(time.Since(b.start)) * float64(b.total-b.done) / float64(b.done))
	return ", eta " + left.Round(time.Second).String()
}

func (b *Bar) draw() {
	b.lastDraw = time.Now()
	const width = 30
	filled := width * min(b.done, b.total) / b.total
	fmt.Fprintf(b.w, "\r%s [%s%s] %d/%d %s%s ", b.label, strings.Repeat("=", filled),
		strings.Repeat(" ", width-filled), b.done, b.total, b.elapsed(), b.eta())
}

// Finish ends the bar: the line on a terminal, the heartbeat otherwise.
// Calling it again does nothing.
func (b *Bar) Finish() {
	if b == nil || b.w == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.stop:
		return
	default:
		close(b.stop)
	}
	if b.tty {
		b.draw()
		fmt.Fprintln(b.w)
	}
}
