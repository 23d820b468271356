package merge

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/barriergym/barriergym/barrier"
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

// demoColumns is the header of the demonstration files.
var demoColumns = []string{"x_ip", "v_ip", "x_i", "v_i", "u"}

// DemoSets implements env.DemoSource.
func (t *Task) DemoSets() []string { return []string{OCBFData, OCData} }

// ReadDemos implements env.DemoSource: BarrierNet's columns
// (x_ip,v_ip,x_i,v_i,u), from an embedded set — part "train" is its
// train_*.csv, "valid" its held-out test_*.csv — or from source/part.csv.
func (t *Task) ReadDemos(source, part string, add func(obs []float64, rows []barrier.Row, u []float64)) error {
	var f io.ReadCloser
	var name string
	var err error
	switch source {
	case OCBFData, OCData:
		kind := map[string]string{OCBFData: "ocbf", OCData: "oc"}[source]
		file := map[string]string{"train": "train", "valid": "test"}[part] + "_" + kind + ".csv"
		name = "embedded " + source + "/" + file
		f, err = dataFiles.Open("data/barriernet-merging/" + file)
	default:
		name = filepath.Join(source, part+".csv")
		f, err = os.Open(name)
	}
	if err != nil {
		return fmt.Errorf("demonstrations %s: %w", source, err)
	}
	defer f.Close()
	return ReadCSV(name, f, t.cfg, add)
}

// ReadCSV reads demonstrations in BarrierNet's merging format, computing
// each state's headway CBF row with the settings' φ and margin. Errors name
// the file and line.
func ReadCSV(name string, r io.Reader, cfg Settings, add func(obs []float64, rows []barrier.Row, u []float64)) error {
	n := 0
	rows := make([]barrier.Row, 1)
	err := readTable(name, r, demoColumns, func(v []float64) {
		e := Env{cfg: cfg, lead: lead{x: v[0], v: v[1]}, x: v[2], v: v[3]}
		rows[0] = e.Row()
		add(v[:4], rows, v[4:5])
		n++
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("%s: no demonstrations", name)
	}
	return err
}

// readTable reads a CSV file with the given header, every field a finite
// number, and calls row for each record.
func readTable(name string, r io.Reader, columns []string, row func([]float64)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(columns)
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s:1: %w", name, err)
	}
	for i, c := range columns {
		if header[i] != c {
			return fmt.Errorf("%s:1: column %d is %q, want %q (columns %v)", name, i+1, header[i], c, columns)
		}
	}
	v := make([]float64, len(columns))
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		for i, s := range rec {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil || math.IsNaN(v[i]) || math.IsInf(v[i], 0) ||
				math.Abs(v[i]) > 1e6 {
				return fmt.Errorf("%s:%d: %s = %q is not a finite number within ±1e6", name, line, columns[i], s)
			}
		}
		row(v)
	}
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
	if err := readTable("implementation.csv", f, []string{"x_ip", "v_ip", "x_i", "v_i"}, func(v []float64) {
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
