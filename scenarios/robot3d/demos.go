package robot3d

import (
	"embed"
	"sync"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// BarrierNet's 3-D robot data (Xiao et al., MIT licence), as published,
// converted to CSV: see data/barriernet-3d-robot/README.md.
//
//go:embed data/barriernet-3d-robot/*.csv
var dataFiles embed.FS

// BarrierNetData is the embedded demonstration set (train.data).
const BarrierNetData = "barriernet-3d-robot"

var columns = []string{"x", "vx", "y", "vy", "z", "vz", "ux", "uy", "uz"}

// dataLimit bounds every value read: b's fourth powers stay finite.
const dataLimit = 1e6

// DemoSets implements env.DemoSource.
func (t *Task) DemoSets() []string { return []string{BarrierNetData} }

// ReadDemos implements env.DemoSource: the published rows (part "train"
// is train.csv, "valid" test.csv), with the published goal appended to each
// state; or source/part.csv in the same columns.
func (t *Task) ReadDemos(source, part string, add func(obs []float64, rows []barrier.Row, u []float64)) error {
	file := ""
	if source == BarrierNetData {
		file = "data/barriernet-3d-robot/" + map[string]string{"train": "train.csv", "valid": "test.csv"}[part]
	}
	f, name, err := env.OpenDemos(dataFiles, file, source, part)
	if err != nil {
		return err
	}
	defer f.Close()
	goal := PublishedStart().Goal
	rows := make([]barrier.Row, 1)
	e := New(t.cfg)
	return env.ReadDemoTable(name, f, columns, dataLimit, func(v []float64) {
		copy(e.s[:], v[:6])
		e.goal = goal
		rows[0] = e.Row()
		add(e.Observation(), rows, v[6:9])
	})
}

// published is the trajectory of BarrierNet's closed-loop check.
var published = sync.OnceValue(func() [][9]float64 {
	f, err := dataFiles.Open("data/barriernet-3d-robot/implementation.csv")
	if err != nil {
		panic(err) // embedded: present by construction
	}
	defer f.Close()
	var out [][9]float64
	if err := env.ReadTable("implementation.csv", f, columns, dataLimit, func(v []float64) { out = append(out, [9]float64(v)) }); err != nil {
		panic(err) // embedded and tested
	}
	return out
})

// PublishedStart is BarrierNet's: at rest at the published trajectory's
// first position, the goal its last.
func PublishedStart() Start {
	t := published()
	first, last := t[0], t[len(t)-1]
	return Start{From: [3]float64{first[0], first[2], first[4]}, Goal: [3]float64{last[0], last[2], last[4]}, Published: true}
}

// publishedPath returns the published trajectory's positions.
func publishedPath() [][3]float64 {
	t := published()
	out := make([][3]float64, len(t))
	for i, r := range t {
		out[i] = [3]float64{r[0], r[2], r[4]}
	}
	return out
}
