package merge

import (
	"embed"
	"io"
	"math"
	"sync"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// BarrierNet's merging data (Xiao et al., MIT licence), as published,
// converted to CSV: see data/barriernet-merging/README.md.
//
//go:embed data/barriernet-merging/*.csv
var dataFiles embed.FS

// The embedded demonstration sets (train.data): the OCBF controller's
// (BarrierNet's labels) and the unconstrained optimal control's.
const (
	OCBFData = "barriernet-merging-ocbf"
	OCData   = "barriernet-merging-oc"
)

// dataLimit bounds every value read (positions, speeds, controls).
const dataLimit = 1e6

// demoColumns is the header of the demonstration files.
var demoColumns = []string{"x_ip", "v_ip", "x_i", "v_i", "u"}

// DemoSets implements env.DemoSource.
func (t *Task) DemoSets() []string { return []string{OCBFData, OCData} }

// ReadDemos implements env.DemoSource: BarrierNet's columns
// (x_ip,v_ip,x_i,v_i,u), from an embedded set — part "train" is its
// train_*.csv, "valid" its held-out test_*.csv — or from source/part.csv.
func (t *Task) ReadDemos(source, part string, add func(obs []float64, rows []barrier.Row, u []float64)) error {
	file := ""
	if kind, ok := map[string]string{OCBFData: "ocbf", OCData: "oc"}[source]; ok {
		file = "data/barriernet-merging/" + map[string]string{"train": "train", "valid": "test"}[part] + "_" + kind + ".csv"
	}
	f, name, err := env.OpenDemos(dataFiles, file, source, part)
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadCSV(name, f, t.cfg, add)
}

// ReadCSV reads demonstrations in BarrierNet's merging format, computing
// each state's headway CBF row with the settings' φ and margin. Errors name
// the file and line.
func ReadCSV(name string, r io.Reader, cfg Settings, add func(obs []float64, rows []barrier.Row, u []float64)) error {
	rows := make([]barrier.Row, 1)
	return env.ReadDemoTable(name, r, demoColumns, dataLimit, func(v []float64) {
		e := Env{cfg: cfg, lead: lead{x: v[0], v: v[1]}, x: v[2], v: v[3]}
		rows[0] = e.Row()
		add(v[:4], rows, v[4:5])
	})
}

// sample is one row of the recorded closed-loop test: the preceding
// vehicle and the recorded ego.
type sample struct{ xip, vip, xi, vi float64 }

// recordingDt is the recording's sampling interval (s).
const recordingDt = 0.01

var recording = sync.OnceValue(func() []sample {
	f, err := dataFiles.Open("data/barriernet-merging/implementation.csv")
	if err != nil {
		panic(err) // embedded: present by construction
	}
	defer f.Close()
	var out []sample
	if err := env.ReadTable("implementation.csv", f, []string{"x_ip", "v_ip", "x_i", "v_i"}, dataLimit, func(v []float64) {
		out = append(out, sample{v[0], v[1], v[2], v[3]})
	}); err != nil {
		panic(err) // embedded and tested
	}
	return out
})

// RecordedStride returns how many recorded rows one step of dt spans, and
// whether dt is a whole number of them.
func RecordedStride(dt float64) (int, bool) {
	k := math.Round(dt / recordingDt)
	return int(k), k >= 1 && math.Abs(k*recordingDt-dt) < 1e-9
}

// recordedTrack returns the recording sampled every dt (which must be a
// whole number of recordingDt).
func recordedTrack(dt float64) []sample {
	stride, _ := RecordedStride(dt)
	all := recording()
	out := make([]sample, 0, len(all)/stride+1)
	for i := 0; i < len(all); i += stride {
		out = append(out, all[i])
	}
	return out
}
