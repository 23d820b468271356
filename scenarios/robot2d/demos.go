package robot2d

import (
	"embed"
	"io"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// BarrierNet's 2-D robot demonstrations (Xiao et al., MIT licence), as
// published, converted to CSV: see data/barriernet-robot2d/README.md.
//
//go:embed data/barriernet-robot2d/*.csv
var demoFiles embed.FS

// BarrierNetData is the name under which configs refer to the embedded
// demonstrations (train.data).
const BarrierNetData = "barriernet-robot2d"

// demoColumns is the header of BarrierNet's CSV format.
var demoColumns = []string{"x", "y", "theta", "v", "dst_y", "u_theta_dot", "u_accel"}

// DemoSets implements env.DemoSource.
func (t *Task) DemoSets() []string { return []string{BarrierNetData} }

// ReadDemos implements env.DemoSource: BarrierNet's CSV format
// (x,y,theta,v,dst_y,u_theta_dot,u_accel), from the embedded copy or from
// source/part.csv.
func (t *Task) ReadDemos(source, part string, add func(obs []float64, rows []barrier.Row, u []float64)) error {
	file := ""
	if source == BarrierNetData {
		file = "data/barriernet-robot2d/" + part + ".csv"
	}
	f, name, err := env.OpenDemos(demoFiles, file, source, part)
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadCSV(name, f, t.cfg.circle(), add)
}

// ReadCSV reads demonstrations in BarrierNet's CSV format, computing each
// state's HOCBF row for obstacle o. Errors name the file and line.
func ReadCSV(name string, r io.Reader, o barrier.Circle, add func(obs []float64, rows []barrier.Row, u []float64)) error {
	var buf [5]float64
	rows := make([]barrier.Row, 1)
	return env.ReadDemoTable(name, r, demoColumns, 1e6, func(v []float64) {
		rows[0] = At([4]float64{v[0], v[1], v[2], v[3]}, o).row(buf[:])
		add(v[:5], rows, v[5:7])
	})
}
