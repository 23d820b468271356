package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// num formats a figure for the Markdown table; "—" for none.
func num(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	if math.IsInf(v, 0) {
		return "∞"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Markdown writes one table per metric, a row per group: runs, mean,
// standard deviation, 95 % bootstrap CI of the mean, IQM and the values.
func Markdown(w io.Writer, groups []*Group) {
	fmt.Fprintf(w, "%d groups, %d runs. Per metric: mean, sample standard deviation, 95 %% percentile-bootstrap CI of the mean (%d resamples) and interquartile mean over the runs (seeds) of each group.\n",
		len(groups), countRuns(groups), Resamples)
	for mi, m := range Metrics {
		fmt.Fprintf(w, "\n### %s\n\n| group | n | mean | std | 95 %% CI | IQM | values |\n|---|---|---|---|---|---|---|\n", m.Name)
		for _, g := range groups {
			s := g.Stats[mi]
			vals := make([]string, len(s.Values))
			for i, v := range s.Values {
				vals[i] = num(v)
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s | [%s, %s] | %s | %s |\n", g.Name, s.N, num(s.Mean), num(s.Std),
				num(s.CILo), num(s.CIHi), num(s.IQM), strings.Join(vals, ", "))
		}
	}
}

func countRuns(groups []*Group) int {
	n := 0
	for _, g := range groups {
		n += len(g.Runs)
	}
	return n
}

// CSV writes one row per group and metric.
func CSV(w io.Writer, groups []*Group) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"group", "metric", "n", "mean", "std", "ci95_lo", "ci95_hi", "iqm", "values"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, g := range groups {
		for _, s := range g.Stats {
			vals := make([]string, len(s.Values))
			for i, v := range s.Values {
				vals[i] = f(v)
			}
			cw.Write([]string{g.Name, s.Metric, strconv.Itoa(s.N), f(s.Mean), f(s.Std), f(s.CILo), f(s.CIHi), f(s.IQM),
				strings.Join(vals, " ")})
		}
	}
	cw.Flush()
	return cw.Error()
}

// jsonNum is a figure in JSON: null for none (NaN) or ±Inf.
func jsonNum(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// JSON writes the groups, their runs' directories and every statistic.
func JSON(w io.Writer, groups []*Group) error {
	type stat struct {
		Metric string     `json:"metric"`
		N      int        `json:"n"`
		Mean   *float64   `json:"mean"`
		Std    *float64   `json:"std"`
		CILo   *float64   `json:"ci95_lo"`
		CIHi   *float64   `json:"ci95_hi"`
		IQM    *float64   `json:"iqm"`
		Values []*float64 `json:"values"`
	}
	type group struct {
		Name  string   `json:"group"`
		Runs  []string `json:"runs"`
		Stats []stat   `json:"metrics"`
	}
	var out []group
	for _, g := range groups {
		og := group{Name: g.Name}
		for _, r := range g.Runs {
			og.Runs = append(og.Runs, r.Dir)
		}
		for _, s := range g.Stats {
			st := stat{Metric: s.Metric, N: s.N, Mean: jsonNum(s.Mean), Std: jsonNum(s.Std), CILo: jsonNum(s.CILo),
				CIHi: jsonNum(s.CIHi), IQM: jsonNum(s.IQM)}
			for _, v := range s.Values {
				st.Values = append(st.Values, jsonNum(v))
			}
			og.Stats = append(og.Stats, st)
		}
		out = append(out, og)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// curveResamples is the number of bootstrap resamples behind each point of
// a curve's band.
const curveResamples = 1000

// Curves draws each group's learning curve as the mean over its runs with
// a 95 % bootstrap band: the episode return against environment steps for
// PPO groups, the validation loss against epochs for imitation groups, one
// panel for each kind present. It returns the PNG.
func Curves(groups []*Group) ([]byte, error) {
	ppo, imit := plot.New(), plot.New()
	ppo.Title.Text, ppo.X.Label.Text, ppo.Y.Label.Text = "PPO: mean episode return (95 % CI over seeds)", "environment steps", "return"
	imit.Title.Text, imit.X.Label.Text, imit.Y.Label.Text = "Imitation: validation loss (95 % CI over seeds)", "epoch", "MSE"
	ppo.Legend.Top, imit.Legend.Top = true, true
	palette := []color.RGBA{{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
		{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}}
	used := map[*plot.Plot]bool{}
	for gi, g := range groups {
		p := imit
		if g.Runs[0].Config.Train.Algorithm == "ppo" {
			p = ppo
		}
		mean, lo, hi := band(g, rand.New(rand.NewPCG(7, uint64(gi))))
		if len(mean) == 0 {
			continue
		}
		c := palette[gi%len(palette)]
		poly := append(append(plotter.XYs{}, lo...), reversed(hi)...)
		shade, err := plotter.NewPolygon(poly)
		if err != nil {
			return nil, err
		}
		shade.Color = color.NRGBA{c.R, c.G, c.B, 60}
		shade.LineStyle.Color, shade.LineStyle.Width = color.Transparent, 0
		line, err := plotter.NewLine(mean)
		if err != nil {
			return nil, err
		}
		line.Color, line.Width = c, vg.Points(1.5)
		p.Add(shade, line)
		p.Legend.Add(fmt.Sprintf("%s (n=%d)", g.Name, len(g.Runs)), line)
		used[p] = true
	}
	var panels []*plot.Plot
	for _, p := range []*plot.Plot{ppo, imit} {
		if used[p] {
			panels = append(panels, p)
		}
	}
	if len(panels) == 0 {
		return nil, fmt.Errorf("report: no learning curve to draw")
	}
	img := vgimg.New(9*vg.Inch, vg.Length(len(panels))*5*vg.Inch)
	dc := draw.New(img)
	rows := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		rows[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadY: 4 * vg.Millimeter, PadTop: 2 * vg.Millimeter,
		PadBottom: 2 * vg.Millimeter, PadLeft: 2 * vg.Millimeter, PadRight: 2 * vg.Millimeter}
	canvases := plot.Align(rows, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[i][0])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// band returns a group's mean curve and its 95 % bootstrap band over the
// points all its runs have (index by index; a group's runs share a
// config, so their points line up); points some run lacks (NaN, ±Inf) are
// left out.
func band(g *Group, rng *rand.Rand) (avg, lo, hi plotter.XYs) {
	n := math.MaxInt
	for _, r := range g.Runs {
		n = min(n, len(r.curve))
	}
	vals := make([]float64, len(g.Runs))
	means := make([]float64, curveResamples)
	for k := 0; k < n; k++ {
		ok := true
		for i, r := range g.Runs {
			vals[i] = r.curve[k].Y
			ok = ok && !math.IsNaN(vals[i]) && !math.IsInf(vals[i], 0)
		}
		if !ok {
			continue
		}
		for b := range means {
			s := 0.0
			for range vals {
				s += vals[rng.IntN(len(vals))]
			}
			means[b] = s / float64(len(vals))
		}
		sort.Float64s(means)
		x := g.Runs[0].curve[k].X
		avg = append(avg, plotter.XY{X: x, Y: mean(vals)})
		lo = append(lo, plotter.XY{X: x, Y: quantile(means, 0.025)})
		hi = append(hi, plotter.XY{X: x, Y: quantile(means, 0.975)})
	}
	return avg, lo, hi
}

func reversed(p plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(p))
	for i := range p {
		out[i] = p[len(p)-1-i]
	}
	return out
}
