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
	"github.com/barriergym/barriergym/configs"
)

// Checkpoint format identifiers. Version 2 records the scenario's CBF
// layout and any number of controls in the spec; version 1 files (two
// controls, robot2d and nav only) are read by rebuilding their spec from
// the config they carry (see migrateV1).
const (
	CheckpointFormat  = "barriergym-checkpoint"
	CheckpointVersion = 2
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

// Clone returns a copy of the state that shares no memory with it.
func (o OptimizerState) Clone() OptimizerState {
	c := OptimizerState{Step: o.Step, M: make([][]float64, len(o.M)), V: make([][]float64, len(o.V))}
	for i := range o.M {
		c.M[i] = append([]float64(nil), o.M[i]...)
	}
	for i := range o.V {
		c.V[i] = append([]float64(nil), o.V[i]...)
	}
	return c
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
	data, err := ck.encode()
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

// encode returns the file's bytes: json.Marshal of the envelope around
// json.Marshal of the checkpoint, byte for byte, without encoding/json
// re-reading the already encoded Extra and payload (a PPO checkpoint is a
// megabyte, saved every iteration).
func (ck *Checkpoint) encode() ([]byte, error) {
	c := *ck
	c.Extra = nil // omitted: spliced in below, as the last field
	payload, err := json.Marshal(&c)
	if err != nil {
		return nil, err
	}
	if len(ck.Extra) > 0 {
		if !json.Valid(ck.Extra) {
			return nil, fmt.Errorf("extra state is not JSON")
		}
		payload = append(append(append(payload[:len(payload)-1], `,"extra":`...), compactJSON(ck.Extra)...), '}')
	}
	sum := sha256.Sum256(payload)
	head, err := json.Marshal(envelope{Format: CheckpointFormat, Version: CheckpointVersion, SHA256: hex.EncodeToString(sum[:])})
	if err != nil {
		return nil, err
	}
	// head ends in "payload":null} (a nil RawMessage).
	const tail = `null}`
	if !bytes.HasSuffix(head, []byte(tail)) {
		return nil, fmt.Errorf("envelope encoding %q ends unexpectedly", head)
	}
	return append(append(head[:len(head)-len(tail)], payload...), '}'), nil
}

// compactJSON returns valid JSON without insignificant space, as
// encoding/json writes a RawMessage (unchanged when already compact).
func compactJSON(b []byte) []byte {
	if bytes.IndexAny(b, " \t\n\r") < 0 {
		return b
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
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
	if env.Version != CheckpointVersion && env.Version != 1 {
		return nil, fail("format version %d, this build reads versions 1 and %d", env.Version, CheckpointVersion)
	}
	sum := sha256.Sum256(env.Payload)
	if hex.EncodeToString(sum[:]) != env.SHA256 {
		return nil, fail("checksum mismatch: the file is corrupt")
	}
	var ck Checkpoint
	if err := json.Unmarshal(env.Payload, &ck); err != nil {
		return nil, fail("corrupt payload: %v", err)
	}
	if env.Version == 1 {
		if err := ck.migrateV1(env.Payload); err != nil {
			return nil, fail("format version 1: %v", err)
		}
	}
	if err := ck.validate(); err != nil {
		return nil, fail("%v", err)
	}
	return &ck, nil
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

// specV1 is the spec of a version-1 checkpoint.
type specV1 struct {
	Scenario   string    `json:"scenario"`
	Head       string    `json:"head"`
	ObsDim     int       `json:"obs_dim"`
	Trunk      []int     `json:"trunk"`
	Branch     []int     `json:"branch"`
	Activation string    `json:"activation"`
	NCBF       int       `json:"n_cbf"`
	NGains     int       `json:"n_gains"`
	PMax       float64   `json:"p_max"`
	Weights    []float64 `json:"weights"`
	Rho        float64   `json:"rho"`
	Sigma      float64   `json:"sigma"`
	Bounds     bool      `json:"bounds"`
	Lo         []float64 `json:"lo"`
	Hi         []float64 `json:"hi"`
}

// migrateV1 replaces a version-1 spec by the version-2 spec of the config
// the checkpoint carries, after checking that the two describe the same
// network and QP.
func (ck *Checkpoint) migrateV1(payload []byte) error {
	var old struct {
		Spec specV1 `json:"spec"`
	}
	if err := json.Unmarshal(payload, &old); err != nil {
		return err
	}
	cfg, err := configs.Parse("its config", []byte(ck.Config))
	if err != nil {
		return fmt.Errorf("the config it carries: %w", err)
	}
	spec, err := SpecFor(cfg)
	if err != nil {
		return err
	}
	o := old.Spec
	now := specV1{Scenario: spec.Scenario, Head: spec.Head, ObsDim: spec.ObsDim, Trunk: spec.Trunk,
		Branch: spec.Branch, Activation: spec.Activation, NCBF: spec.NCBF(), NGains: spec.NGains(),
		PMax: spec.PMax, Weights: spec.Weights, Rho: spec.Rho, Sigma: spec.Sigma, Bounds: spec.Bounds,
		Lo: spec.Lo, Hi: spec.Hi}
	a, _ := json.Marshal(o)
	b, _ := json.Marshal(now)
	if !bytes.Equal(a, b) {
		return fmt.Errorf("its spec %s does not match its config's %s", a, b)
	}
	ck.Spec = spec
	return nil
}
