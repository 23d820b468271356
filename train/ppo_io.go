package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"path/filepath"

	"github.com/barriergym/barriergym/atomicfile"
	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/policy"
	"github.com/barriergym/barriergym/progress"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Controller returns the controller that evaluates a trained policy as it
// acts in training without exploration noise: the network's control, and
// for a PPO run with the fixed shield, that control through the expert's
// CBF-QP filter.
func Controller(cfg *configs.Config, net *policy.Net) (control.Controller, error) {
	pc := policy.Controller{Actor: policy.NewActor(net)}
	if cfg.Train.Algorithm != "ppo" || cfg.Train.PPO.Shield != "fixed" {
		return pc, nil
	}
	task, err := cfg.Task()
	if err != nil {
		return nil, err
	}
	return control.NewFilter(pc, eval.FilterConfig(cfg, task.Spec()))
}

// record keeps the iteration's metrics and writes the run directory when
// a save is due (saveEvery) or the run is at its last iteration.
func (r *ppoRun) record(m PPOMetrics) error {
	r.rows = append(r.rows, m)
	if r.cvalue != nil && r.st.Iteration%10 == 0 {
		r.logf("iteration %d: λ %.4g, mean episode cost %.4g (limit %g)\n", r.st.Iteration, r.st.Lambda, m.EpCost, r.p.CostLimit)
	}
	if r.st.Iteration < r.p.Iterations() && !r.saveDue() {
		return nil
	}
	return r.flush()
}

// flush writes the checkpoint of the iteration completed last, then the
// metrics and event files up to it, and the curves when due: metrics
// never run ahead of the checkpoint a resume starts from.
func (r *ppoRun) flush() error {
	if err := r.save(CheckpointFile); err != nil {
		return err
	}
	r.flushed = r.st.Iteration
	if err := WritePPOMetrics(r.dir, r.rows); err != nil {
		return err
	}
	if err := logScalars(&r.runBase, ppoHeader, r.rows, PPOMetrics.values); err != nil {
		return err
	}
	if r.plotDue() {
		return WritePPOCurves(r.dir, r.rows)
	}
	return nil
}

func (r *ppoRun) save(name string) error {
	text, err := configs.Render(r.cfg)
	if err != nil {
		return err
	}
	ck := policy.NewCheckpoint(r.net, string(text))
	ck.Epoch = r.st.Iteration
	st := r.adamPi.State
	ck.Optimizer = &st
	r.st.Value = r.value.Layers
	r.st.ValueAdam = r.adamV.State
	if r.cvalue != nil {
		st, sl := r.adamC.State, r.adamL.State
		r.st.CostValue, r.st.CostValueAdam, r.st.LambdaAdam = r.cvalue.Layers, &st, &sl
	}
	r.st.Seconds = r.elapsed()
	if r.st.Envs, err = r.snapshotEnvs(); err != nil {
		return err
	}
	defer func() { r.st.Envs = nil }()
	if ck.Extra, err = json.Marshal(r.st); err != nil {
		return err
	}
	return ck.Save(filepath.Join(r.dir, name))
}

// finalEval evaluates the trained policy without noise and writes eval.json.
func (r *ppoRun) finalEval() (*eval.Summary, error) {
	r.net.SetNormalization(r.st.Obs.Mean, r.st.Obs.Std())
	if err := r.save(CheckpointFile); err != nil {
		return nil, err
	}
	bar := progress.New(r.log, "final evaluation", r.cfg.Eval.Episodes)
	eps, err := eval.Run(r.cfg, func() (control.Controller, error) { return Controller(r.cfg, r.net) },
		eval.Seeds(r.cfg.Eval.Seed, r.cfg.Eval.Episodes), eval.Options{Workers: r.cfg.Eval.Workers, Progress: bar})
	bar.Finish()
	if err != nil {
		return nil, err
	}
	s := eval.Summarize(r.dir, r.task.Spec(), r.cfg.Eval.Seed, eps)
	if err := WriteJSON(filepath.Join(r.dir, EvalFile), s); err != nil {
		return nil, err
	}
	return &s, WritePPOCurves(r.dir, r.rows)
}

// WritePPOMetrics writes a PPO run's metrics.csv atomically.
func WritePPOMetrics(dir string, rows []PPOMetrics) error {
	return writeTable(filepath.Join(dir, MetricsFile), ppoHeader, rows, PPOMetrics.values)
}

// ReadPPOMetrics reads a PPO run's metrics.csv (missing: no rows).
func ReadPPOMetrics(dir string) ([]PPOMetrics, error) {
	return readTable(filepath.Join(dir, MetricsFile), ppoHeader, ppoMetricsOf)
}

// WritePPOCurves draws return, cost, success and cumulative collisions
// against environment steps.
func WritePPOCurves(dir string, rows []PPOMetrics) error {
	panel := func(title string, get func(PPOMetrics) float64, c color.Color) (*plot.Plot, error) {
		p := plot.New()
		p.Title.Text = title
		p.X.Label.Text = "environment steps"
		var pts plotter.XYs
		for _, m := range rows {
			if v := get(m); plottable(v) {
				pts = append(pts, plotter.XY{X: float64(m.TotalEnvSteps), Y: v})
			}
		}
		if len(pts) > 0 {
			l, err := plotter.NewLine(pts)
			if err != nil {
				return nil, err
			}
			l.Color = c
			p.Add(l)
		}
		return p, nil
	}
	specs := []struct {
		title string
		get   func(PPOMetrics) float64
		c     color.Color
	}{
		{"episode return", func(m PPOMetrics) float64 { return m.EpRet }, color.RGBA{31, 119, 180, 255}},
		{"episode cost (steps in collision)", func(m PPOMetrics) float64 { return m.EpCost }, color.RGBA{214, 39, 40, 255}},
		{"success rate", func(m PPOMetrics) float64 { return m.SuccessRate }, color.RGBA{44, 160, 44, 255}},
		{"training collisions (cumulative steps)", func(m PPOMetrics) float64 { return m.TrainCollisionSteps }, color.RGBA{148, 103, 189, 255}},
	}
	grid := [][]*plot.Plot{make([]*plot.Plot, 2), make([]*plot.Plot, 2)}
	for i, s := range specs {
		p, err := panel(s.title, s.get, s.c)
		if err != nil {
			return fmt.Errorf("curves: %w", err)
		}
		grid[i/2][i%2] = p
	}
	img := vgimg.New(10*vg.Inch, 7*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 2, PadX: 4 * vg.Millimeter, PadY: 4 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := plot.Align(grid, tiles, dc)
	for i := range grid {
		for j := range grid[i] {
			grid[i][j].Draw(canvases[i][j])
		}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("curves: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, CurvesFile), buf.Bytes(), 0o644)
}
