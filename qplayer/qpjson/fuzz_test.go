package qpjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/barriergym/barriergym/qplayer"
)

// FuzzRun: any input gets one answer line per non-blank line, each valid
// JSON with a status, and no panic.
func FuzzRun(f *testing.F) {
	for _, path := range []string{"../testdata/public.jsonl", "../testdata/bad.jsonl"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			f.Add(line)
		}
	}
	for _, s := range []string{`{"Q":[[2,0],[0,2]],"p":[1e200,1e200]}`, `{"Q":[[1e-308]],"p":[1e10]}`,
		`{"Q":[[2]],"p":[1e10],"dz":[1e300]}`, `{"Q":[[1]],"p":[0],"G":[[1],[-1]],"h":[-1,-1]}`, "{}\n{\"Q\":[[1]]}"} {
		f.Add([]byte(s))
	}
	solver, err := qplayer.NewSolver(qplayer.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		var out bytes.Buffer
		if _, err := Run(bytes.NewReader(data), &out, solver); err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, line := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 {
				want++
			}
		}
		got := 0
		sc := bufio.NewScanner(&out)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var a struct{ Status string }
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil || a.Status == "" {
				t.Fatalf("answer %q: %v", sc.Bytes(), err)
			}
			got++
		}
		if got != want {
			t.Fatalf("%d answers for %d lines", got, want)
		}
	})
}
