package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileReplacesAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "eval.json")
	for _, content := range []string{"first", "second"} {
		if err := WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		if string(got) != content {
			t.Fatalf("read %q, want %q", got, content)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the file", len(entries))
	}
	if err := WriteFile(filepath.Join(dir, "no", "such", "dir.json"), nil, 0o644); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

func TestCreateCommitAbort(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "answers.jsonl")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Abort()
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("after Abort the file holds %q, want the old content", got)
	}
	f, err = Create(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("new"))
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("before Commit the file holds %q, want the old content", got)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if got, _ := os.ReadFile(p); string(got) != "new" || st.Mode().Perm() != 0o600 {
		t.Errorf("after Commit: %q mode %v, want \"new\" mode 0600", got, st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the file", len(entries))
	}
}

// TestErrorsNameTheTarget: a message names the file the user asked for,
// never the temporary one.
func TestErrorsNameTheTarget(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "missing", "eval.json"), dir} {
		err := WriteFile(p, []byte("x"), 0o644)
		if err == nil {
			t.Fatalf("WriteFile(%s) succeeded", p)
		}
		if msg := err.Error(); !strings.Contains(msg, p) || strings.Contains(msg, ".tmp") {
			t.Errorf("WriteFile(%s): %q, want the target's name and no temporary name", p, msg)
		}
	}
}
