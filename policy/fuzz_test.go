package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/env"
)

// FuzzLoadCheckpoint: any file read as a checkpoint either loads into a
// network whose weights and statistics are finite, or is refused with an
// error naming the file — never a panic or an allocation its size does not
// pay for. With signed set the input is the payload and the envelope around
// it carries its correct checksum, so that the content checks behind the
// checksum are explored too; otherwise the input is the whole file.
func FuzzLoadCheckpoint(f *testing.F) {
	v1, err := os.ReadFile("testdata/v1-nav-ppo.ckpt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v1[:2000], false)
	// Small networks keep the seeds short, so the fuzzer mutates them fast.
	for _, tc := range testConfigs(f) {
		cfg := *tc.cfg
		cfg.Policy.Trunk, cfg.Policy.Branch = []int{3}, []int{2}
		for _, head := range []string{HeadBarrierNet, HeadMLP} {
			s := specOf(f, &cfg, head)
			payload, err := json.Marshal(NewCheckpoint(NewNet(s, 1), "name: x\n"))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(payload, true)
		}
	}
	f.Add([]byte(`{"format":"barriergym-checkpoint","version":2,"sha256":"","payload":{}}`), false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, signed bool) {
		if signed {
			sum := sha256.Sum256(data)
			data = []byte(`{"format":"` + CheckpointFormat + `","version":2,"sha256":"` + hex.EncodeToString(sum[:]) +
				`","payload":` + string(data) + `}`)
		}
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
			if !env.Finite(p...) {
				t.Fatalf("a loaded value is not finite: %v", p)
			}
		}
	})
}
