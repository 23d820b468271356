package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/barriergym/barriergym/atomicfile"
)

// Checkpoint format identifiers.
const (
	CheckpointFormat  = "barriergym-checkpoint"
	CheckpointVersion = 1
)

// Checkpoint is everything needed to act with a policy or to resume its
// training: the config it belongs to, the weights, the observation
// statistics, the optimizer state and where training stood.
type Checkpoint struct {
	Config    string          `json:"config"` // the resolved config, YAML
	Spec      Spec            `json:"spec"`
	Layers    []Dense         `json:"layers"` // in the order of Net.Layers
	ObsMean   []float64       `json:"obs_mean"`
	ObsStd    []float64       `json:"obs_std"`
	Epoch     int             `json:"epoch"`               // epochs completed
	BestLoss  *float64        `json:"best_loss,omitempty"` // nil before the first epoch
	Optimizer *OptimizerState `json:"optimizer,omitempty"`
	// Extra is the training algorithm's own state (PPO: log-std, critic,
	// observation statistics, counters).
	Extra json.RawMessage `json:"extra,omitempty"`
}

// OptimizerState is Adam's state: the step count and the moment estimates
// of every parameter, in the order of Net.Params.
type OptimizerState struct {
	Step int         `json:"step"`
	M    [][]float64 `json:"m"`
	V    [][]float64 `json:"v"`
}

// envelope is the file: a format tag, a version, the payload and the
// SHA-256 of the payload's bytes.
type envelope struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	SHA256  string          `json:"sha256"`
	Payload json.RawMessage `json:"payload"`
}

// NewCheckpoint captures net (weights are copied).
func NewCheckpoint(net *Net, config string) *Checkpoint {
	ck := &Checkpoint{Config: config, Spec: net.Spec,
		ObsMean: append([]float64(nil), net.ObsMean...), ObsStd: append([]float64(nil), net.ObsStd...)}
	for _, l := range net.Layers() {
		ck.Layers = append(ck.Layers, Dense{In: l.In, Out: l.Out,
			W: append([]float64(nil), l.W...), B: append([]float64(nil), l.B...)})
	}
	return ck
}

// Save writes the checkpoint atomically (temporary file and rename).
func (ck *Checkpoint) Save(path string) error {
	payload, err := json.Marshal(ck)
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", path, err)
	}
	sum := sha256.Sum256(payload)
	data, err := json.Marshal(envelope{Format: CheckpointFormat, Version: CheckpointVersion,
		SHA256: hex.EncodeToString(sum[:]), Payload: payload})
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

// LoadCheckpoint reads and verifies a checkpoint. The error says whether
// the file is not a checkpoint, truncated or corrupt, from another format
// version, or inconsistent.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("load checkpoint %s: %s", path, fmt.Sprintf(format, args...))
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) && bytes.HasPrefix(bytes.TrimSpace(data), []byte(`{"format":"`+CheckpointFormat)) {
			return nil, fail("truncated or corrupt: invalid JSON at byte %d of %d", syn.Offset, len(data))
		}
		return nil, fail("not a barriergym checkpoint (%v)", err)
	}
	if env.Format != CheckpointFormat {
		return nil, fail("not a barriergym checkpoint (format %q)", env.Format)
	}
	if env.Version != CheckpointVersion {
		return nil, fail("format version %d, this build reads version %d", env.Version, CheckpointVersion)
	}
	sum := sha256.Sum256(env.Payload)
	if hex.EncodeToString(sum[:]) != env.SHA256 {
		return nil, fail("checksum mismatch: the file is corrupt")
	}
	var ck Checkpoint
	if err := json.Unmarshal(env.Payload, &ck); err != nil {
		return nil, fail("corrupt payload: %v", err)
	}
	if err := ck.consistent(); err != nil {
		return nil, fail("%v", err)
	}
	return &ck, nil
}

// consistent checks the weights against the spec they claim.
func (ck *Checkpoint) consistent() error {
	want := NewNet(ck.Spec, 0).Layers()
	if len(ck.Layers) != len(want) {
		return fmt.Errorf("mismatched: %d layers, its spec needs %d", len(ck.Layers), len(want))
	}
	for i, l := range ck.Layers {
		w := want[i]
		if l.In != w.In || l.Out != w.Out || len(l.W) != w.In*w.Out || len(l.B) != w.Out {
			return fmt.Errorf("mismatched: layer %d is %d×%d with %d+%d values, its spec needs %d×%d",
				i, l.In, l.Out, len(l.W), len(l.B), w.In, w.Out)
		}
	}
	if len(ck.ObsMean) != ck.Spec.ObsDim || len(ck.ObsStd) != ck.Spec.ObsDim {
		return fmt.Errorf("mismatched: observation statistics of size %d/%d, spec says %d",
			len(ck.ObsMean), len(ck.ObsStd), ck.Spec.ObsDim)
	}
	return nil
}

// Net rebuilds the network, checking that it fits spec (the spec of the
// config it is loaded for).
func (ck *Checkpoint) Net(spec Spec) (*Net, error) {
	a, _ := json.Marshal(ck.Spec)
	b, _ := json.Marshal(spec)
	if !bytes.Equal(a, b) {
		return nil, fmt.Errorf("checkpoint mismatched with the config: checkpoint spec %s, config spec %s", a, b)
	}
	net := NewNet(spec, 0)
	for i, l := range net.Layers() {
		copy(l.W, ck.Layers[i].W)
		copy(l.B, ck.Layers[i].B)
	}
	copy(net.ObsMean, ck.ObsMean)
	copy(net.ObsStd, ck.ObsStd)
	return net, nil
}
