package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/configs"
)

func TestCheckpointRoundTripAndErrors(t *testing.T) {
	for _, tc := range testConfigs(t) {
		s := specOf(t, tc.cfg, HeadBarrierNet)
		net := NewNet(s, 3)
		mean, std := make([]float64, s.ObsDim), make([]float64, s.ObsDim)
		for i := range std {
			mean[i], std[i] = float64(i), float64(i+1)
		}
		net.SetNormalization(mean, std)
		p := filepath.Join(t.TempDir(), "ck.json")
		ck := NewCheckpoint(net, "name: x\n")
		v := NewNet(s, 5).Params()
		for _, p := range v {
			for j := range p {
				p[j] = p[j] * p[j]
			}
		}
		ck.Epoch, ck.Optimizer = 4, &OptimizerState{Step: 9, M: NewNet(s, 4).Params(), V: v}
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
					t.Fatalf("%s param %d/%d: %v != %v", tc.name, i, j, a[i][j], b[i][j])
				}
			}
		}
		if back.Epoch != 4 || back.Optimizer.Step != 9 || n2.ObsStd[s.ObsDim-1] != float64(s.ObsDim) || back.Config != "name: x\n" {
			t.Errorf("%s: round trip lost state: %+v", tc.name, back)
		}
		if _, err := back.Net(specOf(t, tc.cfg, HeadMLP)); err == nil || !strings.Contains(err.Error(), "mismatched") {
			t.Errorf("%s: loading into an MLP spec: %v", tc.name, err)
		}
	}
}

func TestCheckpointErrors(t *testing.T) {
	s := specOf(t, testConfigs(t)[0].cfg, HeadBarrierNet)
	dir := t.TempDir()
	p := filepath.Join(dir, "ck.json")
	ck := NewCheckpoint(NewNet(s, 1), "name: x\n")
	ck.Epoch = 4
	if err := ck.Save(p); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", data[:len(data)/2], "truncated or corrupt"},
		{"flipped digit", []byte(strings.Replace(string(data), `"epoch":4`, `"epoch":5`, 1)), "checksum mismatch"},
		{"version", []byte(strings.Replace(string(data), `"version":2`, `"version":7`, 1)), "format version 7, this build reads versions 1 and 2"},
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
	if _, err := LoadCheckpoint(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file loaded")
	}
}

// TestImpossibleCheckpoints: a checkpoint whose checksum is right but whose
// content is impossible is refused with the field, before anything is
// allocated from its sizes: no panic, no out-of-memory, no NaN later.
func TestImpossibleCheckpoints(t *testing.T) {
	s := specOf(t, testConfigs(t)[0].cfg, HeadBarrierNet)
	net := NewNet(s, 1)
	base := NewCheckpoint(net, "name: x\n")
	base.Optimizer = &OptimizerState{Step: 3, M: NewNet(s, 2).Params(), V: NewNet(s, 2).Params()}
	for _, p := range base.Optimizer.V {
		for j := range p {
			p[j] = p[j] * p[j]
		}
	}
	cases := []struct {
		name   string
		tamper func(ck map[string]any)
		want   string
	}{
		{"negative obs_dim", func(ck map[string]any) { spec(ck)["obs_dim"] = -3 }, "spec.obs_dim -3"},
		{"huge obs_dim", func(ck map[string]any) { spec(ck)["obs_dim"] = 1e12 }, "spec.obs_dim 1000000000000"},
		{"huge trunk", func(ck map[string]any) { spec(ck)["trunk"] = []any{4000000000} }, "spec.trunk[0] 4000000000 units"},
		{"negative trunk", func(ck map[string]any) { spec(ck)["trunk"] = []any{-1} }, "spec.trunk[0] -1 units"},
		{"deep trunk", func(ck map[string]any) {
			widths := make([]any, 100)
			for i := range widths {
				widths[i] = 1
			}
			spec(ck)["trunk"] = widths
		}, "spec.trunk: 100 layers"},
		{"too many parameters", func(ck map[string]any) { spec(ck)["trunk"] = []any{16000, 16000} }, "parameters, want at most"},
		{"negative layer", func(ck map[string]any) { layer(ck, 0)["In"] = -4 }, "mismatched: layer 0 is -4×"},
		{"negative epoch", func(ck map[string]any) { ck["epoch"] = -5 }, "epoch -5"},
		{"zero std", func(ck map[string]any) { ck["obs_std"] = make([]any, s.ObsDim) }, "obs_std[0] is 0, want a finite value > 0"},
		{"head", func(ck map[string]any) { spec(ck)["head"] = "lstm" }, `spec.head "lstm"`},
		{"p_max", func(ck map[string]any) { spec(ck)["p_max"] = 0 }, "spec.p_max 0"},
		{"bounds", func(ck map[string]any) { spec(ck)["hi"] = []any{} }, "spec.lo/hi"},
		{"layout", func(ck map[string]any) { spec(ck)["layout"] = map[string]any{"slots": []any{}} }, "spec.layout"},
		{"nan weight", func(ck map[string]any) { layer(ck, 1)["W"].([]any)[2] = "NaN" }, "corrupt payload"},
		{"optimizer shape", func(ck map[string]any) {
			opt := ck["optimizer"].(map[string]any)
			opt["m"] = opt["m"].([]any)[:1]
		}, "optimizer: 1 first and"},
		{"negative second moment", func(ck map[string]any) {
			v := ck["optimizer"].(map[string]any)["v"].([]any)
			v[0].([]any)[0] = -1
		}, "optimizer: v[0][0] is -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			payload, _ := json.Marshal(base)
			var ck map[string]any
			json.Unmarshal(payload, &ck)
			c.tamper(ck)
			q := filepath.Join(t.TempDir(), "ck.json")
			writeSigned(t, q, ck)
			if _, err := LoadCheckpoint(q); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

func spec(ck map[string]any) map[string]any { return ck["spec"].(map[string]any) }

func layer(ck map[string]any, i int) map[string]any { return ck["layers"].([]any)[i].(map[string]any) }

// writeSigned writes payload as a checkpoint with a correct checksum.
func writeSigned(t *testing.T, path string, payload any) {
	t.Helper()
	data, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	file, _ := json.Marshal(map[string]any{"format": CheckpointFormat, "version": CheckpointVersion,
		"sha256": hex.EncodeToString(sum[:]), "payload": json.RawMessage(data)})
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVersion1Checkpoint: a checkpoint written before the scenario
// contract (format 1: two controls, n_cbf and n_gains) loads, with the
// spec its own config gives; one whose spec contradicts its config is
// refused.
func TestVersion1Checkpoint(t *testing.T) {
	const v1 = "testdata/v1-nav-ppo.ckpt"
	ck, err := LoadCheckpoint(v1)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := configs.Parse("config", []byte(ck.Config))
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := SpecFor(cfg)
	net, err := ck.Net(spec)
	if err != nil || spec.NCBF() != 4 || spec.NGains() != 4 || len(net.Trunk) != 1 || net.Trunk[0].Out != 6 {
		t.Fatalf("version-1 checkpoint: spec %+v, %v", spec, err)
	}
	// Change n_cbf in the payload and fix the checksum: refused.
	data, _ := os.ReadFile(v1)
	var env map[string]json.RawMessage
	json.Unmarshal(data, &env)
	payload := strings.Replace(string(env["payload"]), `"n_cbf":4`, `"n_cbf":3`, 1)
	sum := sha256.Sum256([]byte(payload))
	env["payload"], env["sha256"] = json.RawMessage(payload), json.RawMessage(`"`+hex.EncodeToString(sum[:])+`"`)
	bad, _ := json.Marshal(env)
	q := filepath.Join(t.TempDir(), "bad.ckpt")
	os.WriteFile(q, bad, 0o644)
	if _, err := LoadCheckpoint(q); err == nil || !strings.Contains(err.Error(), "format version 1: its spec") {
		t.Errorf("contradictory version-1 checkpoint: %v", err)
	}
}

// TestEncodeIsMarshal: the hand-spliced file is byte for byte what
// encoding/json writes for the envelope around the checkpoint, with and
// without extra state, compact or spaced.
func TestEncodeIsMarshal(t *testing.T) {
	cfg, err := configs.Load("nav-ppo")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := SpecFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range []string{"", `{"a":[1,2.5e-300],"b":"x y"}`, "{ \"a\" : [1, 2],\n \"b\": \"x y\" }"} {
		ck := NewCheckpoint(NewNet(spec, 3), "name: x\n")
		ck.Epoch = 7
		if extra != "" {
			ck.Extra = json.RawMessage(extra)
		}
		payload, err := json.Marshal(ck)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(payload)
		want, err := json.Marshal(envelope{Format: CheckpointFormat, Version: CheckpointVersion,
			SHA256: hex.EncodeToString(sum[:]), Payload: payload})
		if err != nil {
			t.Fatal(err)
		}
		got, err := ck.encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("extra %q: encode differs from encoding/json:\n%.300s\n%.300s", extra, got, want)
		}
	}
}
