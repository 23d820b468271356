package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadCheckpoint: any file read as a checkpoint either loads into a
// network whose weights and statistics are finite, or is refused with an
// error naming the file — never a panic or an allocation its size does not
// pay for.
func FuzzLoadCheckpoint(f *testing.F) {
	v1, err := os.ReadFile("testdata/v1-nav-ppo.ckpt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v1)
	f.Add(v1[:len(v1)/2])
	for _, tc := range testConfigs(f) {
		for _, head := range []string{HeadBarrierNet, HeadMLP} {
			s := specOf(f, tc.cfg, head)
			p := filepath.Join(f.TempDir(), "ck")
			if err := NewCheckpoint(NewNet(s, 1), "name: x\n").Save(p); err != nil {
				f.Fatal(err)
			}
			data, _ := os.ReadFile(p)
			f.Add(data)
		}
	}
	f.Add([]byte(`{"format":"barriergym-checkpoint","version":2,"sha256":"","payload":{}}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.ckpt")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ck, err := LoadCheckpoint(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error without the file's name: %v", err)
			}
			return
		}
		net, err := ck.Net(ck.Spec)
		if err != nil {
			t.Fatalf("loaded but does not build: %v", err)
		}
		for _, p := range append(net.Params(), net.ObsMean, net.ObsStd) {
			if firstNonFinite(p) >= 0 {
				t.Fatalf("a loaded value is not finite: %v", p)
			}
		}
	})
}
