package train

import (
	"context"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// eventScalars reads every event file of a run.
func eventScalars(t *testing.T, dir string) (map[int64]map[string]float32, []string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, EventsPrefix+"*"))
	got := map[int64]map[string]float32{}
	for _, f := range files {
		scalars, err := ReadEvents(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range scalars {
			if got[s.Step] == nil {
				got[s.Step] = map[string]float32{}
			}
			if _, dup := got[s.Step][s.Tag]; dup {
				t.Errorf("step %d, %s written twice", s.Step, s.Tag)
			}
			got[s.Step][s.Tag] = s.Value
		}
	}
	return got, files
}

// TestEventsMatchMetrics trains two epochs, extends the run to four, and
// reads every TensorBoard event file back (both CRCs of every record
// checked): each finite value of metrics.csv is there once, at its epoch,
// under its column's name, as float32 (to 1e-6); the resumed process wrote
// its own file with only the new epochs.
func TestEventsMatchMetrics(t *testing.T) {
	cfg := shortConfig(t, "robot2d-barriernet", 2)
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := Imitation(context.Background(), cfg, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := Imitation(context.Background(), nil, Options{Resume: dir, Epochs: 4}); err != nil {
		t.Fatal(err)
	}
	got, files := eventScalars(t, dir)
	if len(files) != 2 {
		t.Errorf("%d event files, want one per process", len(files))
	}
	rows, err := ReadMetrics(dir)
	if err != nil || len(rows) != 4 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	checked := 0
	for _, m := range rows {
		v := m.values()
		for c := 1; c < len(v); c++ {
			want, ok := got[int64(m.Epoch)][metricsHeader[c]]
			switch {
			case math.IsNaN(v[c]) || math.IsInf(v[c], 0):
				if ok {
					t.Errorf("epoch %d %s: %v written for %v", m.Epoch, metricsHeader[c], want, v[c])
				}
			case !ok || math.Abs(float64(want)-v[c]) > 1e-6*math.Abs(v[c]): // float32 of the CSV's digits
				t.Errorf("epoch %d %s: events %v (%v), metrics.csv %v", m.Epoch, metricsHeader[c], want, ok, v[c])
			default:
				checked++
			}
		}
	}
	if checked < 4*8 || len(got) != 4 {
		t.Errorf("%d values checked over %d steps", checked, len(got))
	}
}

// TestEventsFraming: CRC-32C is Castagnoli's (its check value), and a
// flipped byte or a record cut short are reported, not read as data.
func TestEventsFraming(t *testing.T) {
	if c := crc32.Checksum([]byte("123456789"), castagnoli); c != 0xE3069283 {
		t.Fatalf("CRC-32C check value %#x", c)
	}
	dir := t.TempDir()
	w := &eventsWriter{path: filepath.Join(dir, EventsPrefix+"1.test"), last: -1}
	if err := w.add([]string{"Step", "a", "b"}, [][]float64{{1, 0.5, math.NaN()}, {2, 1.5, -3}}); err != nil {
		t.Fatal(err)
	}
	scalars, err := ReadEvents(w.path)
	if err != nil || len(scalars) != 3 || scalars[2] != (Scalar{Step: 2, Tag: "b", Value: -3}) {
		t.Fatalf("%+v, %v", scalars, err)
	}
	data, _ := os.ReadFile(w.path)
	bad := append([]byte(nil), data...)
	bad[len(bad)-7] ^= 1
	os.WriteFile(w.path, bad, 0o644)
	if _, err := ReadEvents(w.path); err == nil || !strings.Contains(err.Error(), "CRC mismatch") {
		t.Errorf("flipped byte: %v", err)
	}
	os.WriteFile(w.path, data[:len(data)-3], 0o644)
	if s, err := ReadEvents(w.path); !errors.Is(err, errTorn) || len(s) != 1 {
		t.Errorf("cut short: %d scalars, %v", len(s), err)
	}
}
