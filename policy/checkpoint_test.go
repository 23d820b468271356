package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckpointRoundTripAndErrors(t *testing.T) {
	s := specOf(t, "robot2d", HeadBarrierNet)
	net := NewNet(s, 3)
	net.SetNormalization([]float64{1, 2, 3, 4, 5}, []float64{1, 1, 2, 2, 3})
	dir := t.TempDir()
	p := filepath.Join(dir, "ck.json")
	ck := NewCheckpoint(net, "name: x\n")
	ck.Epoch, ck.Optimizer = 4, &OptimizerState{Step: 9, M: net.Params(), V: net.Params()}
	if err := ck.Save(p); err != nil {
		t.Fatal(err)
	}
	back, err := LoadCheckpoint(p)
	if err != nil {
		t.Fatal(err)
	}
	n2, err := back.Net(s)
	if err != nil {
		t.Fatal(err)
	}
	a, b := n2.Params(), net.Params()
	for i := range a {
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				t.Fatalf("param %d/%d: %v != %v", i, j, a[i][j], b[i][j])
			}
		}
	}
	if len(back.Optimizer.V) != len(b) || back.Optimizer.V[0][0] != b[0][0] {
		t.Errorf("optimizer moments lost: %+v", back.Optimizer)
	}
	if back.Epoch != 4 || back.Optimizer.Step != 9 || n2.ObsStd[4] != 3 || back.Config != "name: x\n" {
		t.Errorf("round trip lost state: %+v", back)
	}

	data, _ := os.ReadFile(p)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", data[:len(data)/2], "truncated or corrupt"},
		{"flipped digit", []byte(strings.Replace(string(data), `"epoch":4`, `"epoch":5`, 1)), "checksum mismatch"},
		{"version", []byte(strings.Replace(string(data), `"version":1`, `"version":7`, 1)), "format version 7"},
		{"other file", []byte(`{"hello":"world"}`), "not a barriergym checkpoint"},
		{"garbage", []byte("\x00\x01binary"), "not a barriergym checkpoint"},
	}
	for _, c := range cases {
		q := filepath.Join(dir, c.name)
		os.WriteFile(q, c.data, 0o644)
		if _, err := LoadCheckpoint(q); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	other := specOf(t, "robot2d", HeadMLP)
	if _, err := back.Net(other); err == nil || !strings.Contains(err.Error(), "mismatched") {
		t.Errorf("loading into an MLP spec: %v", err)
	}
	if _, err := LoadCheckpoint(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file loaded")
	}
}
