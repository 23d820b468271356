// Package atomicfile writes files so that readers see the old content or
// the new, never a torn mix: the data go to a temporary file in the same
// directory, are synced, and replace the target with a rename.
//
// Errors name the target path, never the temporary file: that name means
// nothing to whoever reads the message.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a file being written atomically: its content becomes visible at
// its path only when Commit succeeds. Creating one checks early that the
// target's directory exists and is writable, before any long work.
type File struct {
	path string
	perm os.FileMode
	tmp  *os.File
	done bool
}

// Create starts writing path; the file appears with permissions perm at
// Commit. Call Abort (a no-op after Commit) to give up.
func Create(path string, perm os.FileMode) (*File, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("write %s: is a directory", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, cause(err))
	}
	return &File{path: path, perm: perm, tmp: tmp}, nil
}

// Write implements io.Writer.
func (f *File) Write(p []byte) (int, error) {
	n, err := f.tmp.Write(p)
	if err != nil {
		err = fmt.Errorf("write %s: %w", f.path, cause(err))
	}
	return n, err
}

// Commit syncs the data and puts the file in place.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("write %s: already committed or aborted", f.path)
	}
	f.done = true
	name := f.tmp.Name()
	err := f.tmp.Chmod(f.perm)
	if err == nil {
		err = f.tmp.Sync()
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, f.path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("write %s: %w", f.path, cause(err))
	}
	return nil
}

// Abort discards what was written; the target is left as it was.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

// WriteFile writes data to path atomically with the given permissions.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// cause strips the temporary file's name from err: a *PathError or
// *LinkError's underlying error ("permission denied", "no space left").
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
