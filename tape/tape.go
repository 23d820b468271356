// Package tape runs a Gorgonia tape machine's program on the calling
// goroutine.
//
// gorgonia's TapeMachine.RunAll is written for CUDA: it locks its caller
// to an OS thread, starts the program in a new goroutine and waits for it
// on channels. On a CPU that costs every run two OS-thread switches (the
// locked thread sleeps, another runs the program, then hands back) and a
// new goroutine whose stack grows again by copying through the deep calls
// of a QP op. Measured on a 2-vCPU machine, that was 40 % of a BarrierNet
// learner step at batch 64 (robot2d-barriernet: 415 → 238 µs) and a third
// of its MLP twin's (196 → 120 µs).
//
// A Machine runs the same program, instruction by instruction, through
// the tape machine's own loop (reached by go:linkname; the Gorgonia
// version is pinned in go.mod) on the caller's goroutine, and so gives the
// same values and gradients bit for bit (tested). The one thing RunAll
// does that this path does not is its queue of deferred gradient
// additions, which Gorgonia fills only for identity-op gradient nodes: a
// Machine's first run goes through RunAll, and if that queued anything
// the Machine keeps using RunAll.
package tape

import (
	"reflect"
	"unsafe"

	"gorgonia.org/gorgonia"
)

// runall is gorgonia's (*tapeMachine).runall: it executes the program from
// the machine's program counter to the end and then sends on done, or
// sends the first error on errc.
//
//go:linkname runall gorgonia.org/gorgonia.(*tapeMachine).runall
func runall(m unsafe.Pointer, errc chan error, done chan struct{})

// Machine is a Gorgonia tape machine whose runs stay on the caller's
// goroutine. Its methods other than RunAll are the tape machine's own.
type Machine struct {
	gorgonia.VM
	tm     reflect.Value // the *tapeMachine
	direct bool          // runs go through runall (set after a first run through RunAll queued nothing)
	ran    bool
	errc   chan error
	done   chan struct{}
}

// New compiles g into a tape machine (gorgonia.NewTapeMachine with opts).
func New(g *gorgonia.ExprGraph, opts ...gorgonia.VMOpt) *Machine {
	tm := gorgonia.NewTapeMachine(g, opts...)
	return &Machine{VM: tm, tm: reflect.ValueOf(tm),
		errc: make(chan error, 1), done: make(chan struct{}, 1)}
}

// RunAll runs the program from the current program counter to its end
// (call Reset first to run it again), as gorgonia's RunAll does.
func (m *Machine) RunAll() error {
	if !m.direct {
		err := m.VM.RunAll()
		if !m.ran && err == nil {
			m.ran = true
			m.direct = m.queued() == 0
		}
		return err
	}
	runall(m.tm.UnsafePointer(), m.errc, m.done)
	select {
	case err := <-m.errc:
		return err
	case <-m.done:
		return nil
	}
}

// Direct reports whether runs bypass gorgonia's RunAll (after the first
// run, when it queued no deferred work).
func (m *Machine) Direct() bool { return m.direct }

// queued is the length of the tape machine's queue of deferred gradient
// additions.
func (m *Machine) queued() int {
	return m.tm.Elem().FieldByName("closureQueue").Len()
}
