package train

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/barriergym/barriergym/atomicfile"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/policy"
)

// Files of a run directory.
const (
	ConfigFile     = "config.yaml"
	CheckpointFile = "checkpoint.ckpt" // the latest
	BestFile       = "best.ckpt"       // the lowest validation loss
	MetricsFile    = "metrics.csv"
	CurvesFile     = "curves.png"
	EvalFile       = "eval.json"
)

// NewRunDir creates runs/<name>-<timestamp> under root (a suffix keeps it
// new) and writes the resolved config into it.
func NewRunDir(root string, cfg *configs.Config, now time.Time) (string, error) {
	base := filepath.Join(root, fmt.Sprintf("%s-%s", cfg.Name, now.Format("20060102-150405")))
	dir := base
	for i := 2; ; i++ {
		err := os.MkdirAll(filepath.Dir(dir), 0o755)
		if err == nil {
			err = os.Mkdir(dir, 0o755)
		}
		if err == nil {
			break
		}
		if !os.IsExist(err) {
			return "", fmt.Errorf("create run directory: %w", err)
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
	return dir, WriteConfig(dir, cfg)
}

// WriteConfig writes the resolved config of a run, every key commented.
func WriteConfig(dir string, cfg *configs.Config) error {
	data, err := configs.Render(cfg)
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, ConfigFile), data, 0o644)
}

// ReadConfig loads a run's resolved config.
func ReadConfig(dir string) (*configs.Config, error) {
	p := filepath.Join(dir, ConfigFile)
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("%s is not a run directory: %w", dir, err)
	}
	return configs.Load(p)
}

// Metrics is one row of metrics.csv. Closed-loop columns are NaN (empty in
// the file) in epochs without an evaluation.
type Metrics struct {
	Epoch         int
	Loss          float64 // mean training loss over the epoch
	ValLoss       float64
	EpRet         float64 // closed-loop evaluation, where evaluated
	SuccessRate   float64
	Collisions    float64 // episodes with a collision
	MinBarrier    float64
	Intervention  float64 // fraction of steps the safety layer changed u_ref
	QPSlackActive float64 // fraction of training samples whose QP used slack
	Seconds       float64 // wall-clock since the run started
	FPS           float64 // training samples per second this epoch
}

var metricsHeader = []string{"Epoch", "Loss", "ValLoss", "EpRet", "SuccessRate", "Collisions", "MinBarrier",
	"Intervention", "QPSlackActive", "Seconds", "FPS"}

func (m Metrics) values() []float64 {
	return []float64{float64(m.Epoch), m.Loss, m.ValLoss, m.EpRet, m.SuccessRate, m.Collisions,
		m.MinBarrier, m.Intervention, m.QPSlackActive, m.Seconds, m.FPS}
}

func metricsOf(v []float64) Metrics {
	return Metrics{Epoch: int(v[0]), Loss: v[1], ValLoss: v[2], EpRet: v[3], SuccessRate: v[4],
		Collisions: v[5], MinBarrier: v[6], Intervention: v[7], QPSlackActive: v[8], Seconds: v[9], FPS: v[10]}
}

// WriteMetrics writes all rows atomically.
func WriteMetrics(dir string, rows []Metrics) error {
	return writeTable(filepath.Join(dir, MetricsFile), metricsHeader, rows, Metrics.values)
}

// ReadMetrics reads metrics.csv (for resuming); a missing file is no rows.
func ReadMetrics(dir string) ([]Metrics, error) {
	return readTable(filepath.Join(dir, MetricsFile), metricsHeader, metricsOf)
}

// writeTable writes a header and one CSV record of numbers per row,
// atomically; NaN (not measured that row) is an empty cell.
func writeTable[T any](path string, header []string, rows []T, values func(T) []float64) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(header)
	rec := make([]string, len(header))
	for _, r := range rows {
		for j, v := range values(r) {
			rec[j] = ""
			if !math.IsNaN(v) {
				rec[j] = strconv.FormatFloat(v, 'g', 8, 64)
			}
		}
		w.Write(rec)
	}
	w.Flush()
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}

// readTable reads a file writeTable wrote, checking every record against
// header; a missing file is no rows.
func readTable[T any](path string, header []string, row func([]float64) T) ([]T, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rows []T
	for i, rec := range recs[min(1, len(recs)):] {
		if len(rec) != len(header) {
			return nil, fmt.Errorf("%s:%d: %d columns, want %d", path, i+2, len(rec), len(header))
		}
		v := make([]float64, len(rec))
		for j, s := range rec {
			v[j] = math.NaN()
			if s != "" {
				if v[j], err = strconv.ParseFloat(s, 64); err != nil {
					return nil, fmt.Errorf("%s:%d: %s = %q", path, i+2, header[j], s)
				}
			}
		}
		rows = append(rows, row(v))
	}
	return rows, nil
}

// WriteJSON writes v as indented JSON atomically.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o644)
}

// MkdirNew creates dir for a new run; it must not exist yet (or be empty).
// train -out calls it before any work, and a run calls it again on start.
func MkdirNew(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("run directory %s exists and is not empty (use -resume to continue it)", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create run directory: %w", err)
	}
	return nil
}

// LoadPolicy loads a run's config and the network of one of its
// checkpoints (CheckpointFile or BestFile).
func LoadPolicy(dir, file string) (*configs.Config, *policy.Net, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, nil, err
	}
	ck, err := policy.LoadCheckpoint(filepath.Join(dir, file))
	if err != nil {
		return nil, nil, err
	}
	spec, err := policy.SpecFor(cfg)
	if err != nil {
		return nil, nil, err
	}
	net, err := ck.Net(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", dir, err)
	}
	return cfg, net, nil
}

// runBase is what every training run keeps beside its learning state: its
// directory, where progress goes, and its wall-clock.
type runBase struct {
	dir     string
	log     io.Writer // nil for silence
	started time.Time
	offset  float64 // seconds spent before a resume
	// lockFile holds the run directory's lock while the run trains.
	lockFile  *os.File
	events    *eventsWriter // TensorBoard scalars, opened on first use
	plotted   time.Time     // when curves.png was last drawn during training
	saved     time.Time     // when the checkpoint was last written
	saveEvery time.Duration // Options.SaveEvery
}

// DefaultSaveEvery is how often a run writes its checkpoints, metrics and
// event files unless told otherwise (Options.SaveEvery). Writing them
// every time took a fifth of a nav-ppo iteration (its checkpoint is 1.1 MB
// of JSON, synced to disk) and a quarter of robot2d-barriernet's training;
// a run killed outright loses at most this much work.
const DefaultSaveEvery = 10 * time.Second

// saveDue reports whether the save interval has passed since the last
// save (or since the run started).
func (r *runBase) saveDue() bool {
	every := r.saveEvery
	if every == 0 {
		every = DefaultSaveEvery
	}
	return r.due(&r.saved, every)
}

// plotEvery is how often curves.png is redrawn while a run trains: a plot
// costs tens of milliseconds, as much as a short epoch.
const plotEvery = 15 * time.Second

// plotDue reports whether curves.png is due: plotEvery after the run
// started, then every plotEvery; the final evaluation draws it regardless
// (a run shorter than plotEvery draws it once).
func (r *runBase) plotDue() bool { return r.due(&r.plotted, plotEvery) }

// due reports whether every has passed since *last (zero: since the run
// started; every ≤ 0: always), and if so sets *last to now.
func (r *runBase) due(last *time.Time, every time.Duration) bool {
	since := *last
	if since.IsZero() {
		since = r.started
	}
	if every > 0 && time.Since(since) < every {
		return false
	}
	*last = time.Now()
	return true
}

func (r *runBase) logf(format string, args ...any) {
	if r.log != nil {
		fmt.Fprintf(r.log, format, args...)
	}
}

// elapsed is the run's wall-clock in seconds, resumed parts included.
func (r *runBase) elapsed() float64 { return r.offset + time.Since(r.started).Seconds() }

// open returns cfg and no checkpoint for a new run; with opts.Resume it
// points the run at that directory and returns the config and latest
// checkpoint stored there.
func (r *runBase) open(cfg *configs.Config, opts Options) (*configs.Config, *policy.Checkpoint, error) {
	if opts.Resume == "" {
		return cfg, nil, nil
	}
	r.dir = opts.Resume
	if _, err := os.Stat(filepath.Join(r.dir, ConfigFile)); err != nil {
		return nil, nil, fmt.Errorf("%s is not a run directory: %w", r.dir, err)
	}
	if err := r.lock(); err != nil {
		return nil, nil, err
	}
	cfg, err := ReadConfig(r.dir)
	if err != nil {
		return nil, nil, err
	}
	ck, err := policy.LoadCheckpoint(filepath.Join(r.dir, CheckpointFile))
	if err != nil {
		return nil, nil, err
	}
	if err := extend(r.dir, cfg, ck.Epoch, opts); err != nil {
		return nil, nil, err
	}
	total, unit := cfg.Train.Epochs, "epoch"
	if cfg.Train.Algorithm == "ppo" {
		total, unit = cfg.Train.PPO.Iterations(), "iteration"
	}
	r.logf("resuming %s from %s %d of %d\n", r.dir, unit, ck.Epoch, total)
	return cfg, ck, nil
}

// extend applies a resumed run's new total (opts.Epochs or opts.Steps) to
// cfg, which has done units (epochs or iterations), and rewrites the run's
// config.yaml with it.
func extend(dir string, cfg *configs.Config, done int, opts Options) error {
	ppo := cfg.Train.Algorithm == "ppo"
	switch {
	case opts.Epochs == 0 && opts.Steps == 0:
		return nil
	case ppo && opts.Epochs != 0:
		return errors.New("-epochs applies to imitation; this is a PPO run: use -steps")
	case !ppo && opts.Steps != 0:
		return errors.New("-steps applies to PPO; this is an imitation run: use -epochs")
	case !ppo && opts.Epochs < done:
		return fmt.Errorf("-epochs %d: the run has done %d epochs already", opts.Epochs, done)
	case ppo && opts.Steps < done*cfg.Train.PPO.Rollout():
		return fmt.Errorf("-steps %d: the run has taken %d steps already", opts.Steps, done*cfg.Train.PPO.Rollout())
	}
	if ppo {
		cfg.Train.PPO.TotalSteps = opts.Steps
	} else {
		cfg.Train.Epochs = opts.Epochs
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return WriteConfig(dir, cfg)
}

// Run trains cfg with the algorithm its train.algorithm names (imitation
// or PPO); with opts.Resume and a nil cfg, the run's own config decides.
func Run(ctx context.Context, cfg *configs.Config, opts Options) (*Result, error) {
	if cfg == nil {
		c, err := ReadConfig(opts.Resume)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	if cfg.Train.Algorithm == "ppo" {
		return PPO(ctx, cfg, opts)
	}
	return Imitation(ctx, cfg, opts)
}
