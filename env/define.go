package env

import (
	"fmt"
	"io/fs"
)

// Define returns a Scenario of plain parts, the common case: a settings
// struct S (its pointer implements Settings) with its defaults, the
// scenario's values for the generic keys, its embedded configs, and
// newTask, which is handed settings that passed Validate. A scenario's
// package registers it in one line:
//
//	func init() { env.Register(env.Define(Name, summary, Defaults, generic, configs, newTask)) }
func Define[S any, P interface {
	*S
	Settings
}](name, summary string, defaults func() S, generic Defaults, configs fs.FS, newTask func(S) Task) Scenario {
	return defined[S, P]{name: name, summary: summary, defaults: defaults, generic: generic, configs: configs, newTask: newTask}
}

type defined[S any, P interface {
	*S
	Settings
}] struct {
	name, summary string
	defaults      func() S
	generic       Defaults
	configs       fs.FS
	newTask       func(S) Task
}

func (d defined[S, P]) Name() string       { return d.name }
func (d defined[S, P]) Summary() string    { return d.summary }
func (d defined[S, P]) Defaults() Defaults { return d.generic }
func (d defined[S, P]) Configs() fs.FS     { return d.configs }

// Settings returns a new copy of the defaults.
func (d defined[S, P]) Settings() Settings {
	s := d.defaults()
	return P(&s)
}

// Task validates the settings and configures the task.
func (d defined[S, P]) Task(s Settings) (Task, error) {
	p, ok := s.(P)
	if !ok || p == nil {
		return nil, fmt.Errorf("scenario %s: settings of type %T, want %T", d.name, s, P(nil))
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return d.newTask(*p), nil
}

// Sub returns the subtree dir of fsys (the configs directory of an
// embedded file system); a bad dir is a programming error and panics.
func Sub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(fmt.Sprintf("env: configs %s: %v", dir, err))
	}
	return sub
}
