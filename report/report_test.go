package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/barriergym/barriergym/scenarios"
	"github.com/barriergym/barriergym/sweep"
	"github.com/barriergym/barriergym/train"
)

// TestStatistics: mean, sample standard deviation and IQM against values
// worked by hand; the bootstrap interval is reproducible, holds the mean,
// collapses for constant values and matches the normal approximation
// (mean ± 1.96·σ/√n) on a large sample.
func TestStatistics(t *testing.T) {
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
	s := describe("x", []float64{1, 2, 3, 4}, rng())
	if s.Mean != 2.5 || math.Abs(s.Std-math.Sqrt(5.0/3)) > 1e-15 || s.IQM != 2.5 || s.N != 4 {
		t.Errorf("1…4: %+v", s)
	}
	if !(s.CILo < s.Mean && s.Mean < s.CIHi && s.CILo >= 1 && s.CIHi <= 4) {
		t.Errorf("1…4: CI [%v, %v]", s.CILo, s.CIHi)
	}
	if again := describe("x", []float64{1, 2, 3, 4}, rng()); again.CILo != s.CILo || again.CIHi != s.CIHi {
		t.Error("the bootstrap is not reproducible")
	}
	if got := iqm([]float64{1, 2, 3, 4, 100, 5, 6, 7}); got != 4.5 {
		t.Errorf("IQM of 1…7 and 100: %v, want 4.5 (the middle four)", got)
	}
	if c := describe("x", []float64{0.5, 0.5, 0.5}, rng()); c.CILo != 0.5 || c.CIHi != 0.5 || c.Std != 0 {
		t.Errorf("constant: %+v", c)
	}
	if one := describe("x", []float64{7}, rng()); one.Mean != 7 || !math.IsNaN(one.Std) || one.IQM != 7 {
		t.Errorf("one value: %+v", one)
	}
	big := make([]float64, 400)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range big {
		big[i] = r.NormFloat64()
	}
	b := describe("x", big, rng())
	half := 1.96 * b.Std / math.Sqrt(400)
	if math.Abs((b.CIHi-b.CILo)/2-half) > 0.1*half || math.Abs((b.CIHi+b.CILo)/2-b.Mean) > 0.1*half {
		t.Errorf("n=400: CI [%v, %v], normal approximation %v ± %v", b.CILo, b.CIHi, b.Mean, half)
	}
}

// TestReportOfASweep trains a tiny sweep (2 configs × 2 seeds) and checks
// the report: two groups of two runs, figures equal to the runs'
// eval.json, every output (Markdown, CSV, JSON, curves PNG) complete, and
// an unfinished run left out and named.
func TestReportOfASweep(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	text := "configs: [robot2d-barriernet, robot2d-mlp]\nseeds: [1, 2]\nlist:\n  - {train.epochs: 2, eval.episodes: 4}\nout: out\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := sweep.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Local(context.Background(), 2, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	runs, skipped, err := Find([]string{s.Out})
	if err != nil || len(runs) != 4 || len(skipped) != 0 {
		t.Fatalf("%d runs, skipped %v, %v", len(runs), skipped, err)
	}
	groups, err := Summarize(runs)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[0].Name != "robot2d-barriernet-epochs=2-episodes=4" || len(groups[0].Runs) != 2 || len(groups[1].Runs) != 2 {
		t.Fatalf("groups: %d, %q", len(groups), groups[0].Name)
	}
	for _, g := range groups {
		want := (g.Runs[0].Final.SuccessRate + g.Runs[1].Final.SuccessRate) / 2
		if g.Stats[0].Metric != "success_rate" || g.Stats[0].Mean != want || g.Stats[0].N != 2 {
			t.Errorf("%s: success %+v, want mean %v", g.Name, g.Stats[0], want)
		}
		for _, st := range g.Stats {
			if st.Metric == "wall_clock_s" && !(st.Mean > 0) {
				t.Errorf("%s: wall-clock %v", g.Name, st.Mean)
			}
		}
	}
	var md, cs, js bytes.Buffer
	Markdown(&md, groups)
	if strings.Count(md.String(), "### ") != len(Metrics) || !strings.Contains(md.String(), "| robot2d-mlp-epochs=2-episodes=4 | 2 |") {
		t.Errorf("markdown:\n%s", md.String())
	}
	if err := CSV(&cs, groups); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil || len(rows) != 1+2*len(Metrics) {
		t.Errorf("csv: %d rows, %v", len(rows), err)
	}
	if err := JSON(&js, groups); err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back) != 2 {
		t.Errorf("json: %v", err)
	}
	img, err := Curves(groups)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := png.Decode(bytes.NewReader(img)); err != nil || p.Bounds().Dx() < 500 {
		t.Errorf("curves: %v", err)
	}
	os.Remove(filepath.Join(s.Dir(s.Runs[3]), train.EvalFile))
	runs, skipped, err = Find([]string{s.Out})
	if err != nil || len(runs) != 3 || len(skipped) != 1 || skipped[0] != s.Dir(s.Runs[3]) {
		t.Errorf("with one unfinished: %d runs, skipped %v, %v", len(runs), skipped, err)
	}
	if _, _, err := Find([]string{t.TempDir()}); err == nil {
		t.Error("an empty directory gave a report")
	}
}
