package scenariotest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing/fstest"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
)

// Chain is a synthetic scenario for tests of the code above the scenarios:
// Axes independent chains of Degree integrators, x_i⁽ʳ⁾ = u_i, each kept
// above a floor by a barrier b_i = x_i − floor of relative degree Degree
// (L_f^k b_i = x_i⁽ᵏ⁾ for k < r, L_f^r b_i = 0, G = −e_i). Its r gains
// p₁…p_r are learned and shared by every axis. The nominal controller
// pushes every axis down at −1, into the floor. Register it under a name
// of the test's choosing:
//
//	env.Register(scenariotest.Chain("chain"))
//
// and select it with env: {scenario: chain, chain: {axes: 3, degree: 2}}.
func Chain(name string) env.Scenario {
	return env.Define(name, "synthetic chains of integrators above a floor (tests)",
		func() ChainSettings { return ChainSettings{Axes: 2, Degree: 2, Dt: 0.05, Horizon: 100, UMax: 2} },
		env.Defaults{Gains: []float64{1}},
		fstest.MapFS{name + ".yaml": {Data: []byte("env:\n  scenario: " + name + "\n")}},
		func(s ChainSettings) env.Task { return &chainTask{name: name, cfg: s} })
}

// ChainSettings is the config section of a Chain scenario.
type ChainSettings struct {
	Axes    int     `yaml:"axes" doc:"number of controls m"`
	Degree  int     `yaml:"degree" doc:"relative degree r of every barrier"`
	Dt      float64 `yaml:"dt" doc:"time step (s)"`
	Horizon int     `yaml:"horizon" doc:"steps per episode"`
	UMax    float64 `yaml:"u_max" doc:"control bound |u_i| (units/sⁿ)"`
}

// Validate implements env.Settings.
func (s *ChainSettings) Validate() error {
	switch {
	case s.Axes < 1:
		return env.Errorf("axes", "%d, want ≥ 1", s.Axes)
	case s.Degree < 1 || s.Degree > barrier.MaxDegree:
		return env.Errorf("degree", "%d, want 1…%d", s.Degree, barrier.MaxDegree)
	case !(s.Dt > 0):
		return env.Errorf("dt", "%v, want > 0", s.Dt)
	case s.Horizon < 1:
		return env.Errorf("horizon", "%d, want ≥ 1", s.Horizon)
	case !(s.UMax > 0):
		return env.Errorf("u_max", "%v, want > 0", s.UMax)
	}
	return nil
}

type chainTask struct {
	name string
	cfg  ChainSettings
}

func (t *chainTask) Spec() env.Spec {
	c := t.cfg
	s := env.Spec{Scenario: t.name, Dt: c.Dt, GoalError: "height of axis 0 above the floor at the end",
		StartFormat: `{"x":[…]} (axes·degree values)`}
	for i := 0; i < c.Axes; i++ {
		for k := 0; k < c.Degree; k++ {
			s.Observation = append(s.Observation, fmt.Sprintf("x%d^(%d)", i, k))
		}
		s.Controls = append(s.Controls, env.Control{Name: fmt.Sprintf("u%d", i), Unit: "1", Lo: -c.UMax, Hi: c.UMax})
		gains := make([]int, c.Degree)
		for k := range gains {
			gains[k] = k
		}
		s.Layout.Slots = append(s.Layout.Slots, barrier.Slot{Name: fmt.Sprintf("floor of axis %d", i), Degree: c.Degree, Gains: gains})
	}
	for k := 0; k < c.Degree; k++ {
		s.Layout.Gains = append(s.Layout.Gains, barrier.Gain{Name: fmt.Sprintf("p%d", k+1), Learned: true})
	}
	return s
}

func (t *chainTask) NewEnv() env.Env {
	c := t.cfg
	return &chainEnv{cfg: c, x: make([]float64, c.Axes*c.Degree), rowBuf: make([]float64, c.Axes*(2*c.Degree+1+c.Axes)),
		barriers: make([]float64, c.Axes)}
}

func (t *chainTask) ParseStart(line []byte) (env.Start, error) {
	var l struct {
		X []float64 `json:"x"`
	}
	if err := env.DecodeLine(line, &l); err != nil {
		return nil, err
	}
	if len(l.X) != t.cfg.Axes*t.cfg.Degree || !env.Finite(l.X...) {
		return nil, fmt.Errorf("want %d finite values", t.cfg.Axes*t.cfg.Degree)
	}
	return chainStart(l.X), nil
}

type chainStart []float64

func (s chainStart) Reset(e env.Env) ([]float64, error) {
	c, ok := e.(*chainEnv)
	if !ok {
		return nil, fmt.Errorf("a chain start given to %T", e)
	}
	copy(c.x, s)
	c.step = 0
	return c.Observation(), nil
}

// floor is where every axis must stay above.
const floor = -1

type chainEnv struct {
	cfg      ChainSettings
	x        []float64 // axis-major: x_i, x_i', …
	step     int
	rowBuf   []float64
	barriers []float64
}

func (e *chainEnv) Reset(seed uint64) ([]float64, env.Info) {
	rng := rand.New(rand.NewPCG(seed, 0xc4a1))
	for i := range e.x {
		e.x[i] = 0
		if i%e.cfg.Degree == 0 {
			e.x[i] = rng.Float64() // height above 0, the floor is at −1
		}
	}
	e.step = 0
	return e.Observation(), e.info()
}

func (e *chainEnv) Observation() []float64 { return e.x }
func (e *chainEnv) State() []float64       { return e.x }

// SetState implements env.StateSetter.
func (e *chainEnv) SetState(x []float64) error {
	if len(x) != len(e.x) {
		return fmt.Errorf("chain: state of %d values, want %d", len(x), len(e.x))
	}
	copy(e.x, x)
	return nil
}

func (e *chainEnv) info() env.Info {
	minB := math.Inf(1)
	for i := range e.barriers {
		e.barriers[i] = e.x[i*e.cfg.Degree] - floor
		minB = math.Min(minB, e.barriers[i])
	}
	return env.Info{Step: e.step, MinBarrier: minB, Barriers: e.barriers, Collision: minB < 0}
}

// Step integrates each chain exactly over dt with u held (a polynomial).
func (e *chainEnv) Step(u []float64) ([]float64, float64, float64, bool, bool, env.Info) {
	r, dt := e.cfg.Degree, e.cfg.Dt
	for i := 0; i < e.cfg.Axes; i++ {
		ui := math.Max(-e.cfg.UMax, math.Min(e.cfg.UMax, u[i]))
		x := e.x[i*r : (i+1)*r]
		for k := range x { // x⁽ᵏ⁾(t+dt) = Σ_j x⁽ᵏ⁺ʲ⁾ dtʲ/j! with x⁽ʳ⁾ = u
			v, f := 0.0, 1.0
			for j := 0; k+j <= r; j++ {
				if j > 0 {
					f *= dt / float64(j)
				}
				d := ui
				if k+j < r {
					d = x[k+j]
				}
				v += d * f
			}
			x[k] = v
		}
	}
	e.step++
	info := e.info()
	cost := 0.0
	if info.Collision {
		cost = 1
	}
	return e.x, -e.barriers[0] * e.cfg.Dt, cost, false, e.step >= e.cfg.Horizon, info
}

func (e *chainEnv) CBFRows(dst []barrier.Row) []barrier.Row {
	dst = dst[:0]
	r, m := e.cfg.Degree, e.cfg.Axes
	for i := 0; i < m; i++ {
		buf := e.rowBuf[i*(m+r+1) : (i+1)*(m+r+1)]
		G, lie := buf[:m], buf[m:]
		clear(G)
		G[i] = -1
		x := e.x[i*r : (i+1)*r]
		lie[0] = 0 // L_f^r b: no drift at the top of the chain
		for k := 1; k <= r; k++ {
			lie[k] = x[r-k] // L_f^{r−k} b = x⁽ʳ⁻ᵏ⁾
		}
		lie[r] -= floor
		dst = append(dst, barrier.Row{Slot: i, Shape: i + 1, G: G, Lie: lie})
	}
	return dst
}

func (e *chainEnv) Nominal(u []float64) {
	for i := range u {
		u[i] = -1
	}
}

func (e *chainEnv) GoalError() float64 { return e.x[0] - floor }

func (e *chainEnv) Draw(sc *scene.Scene, ref, u []float64) {
	m := float64(e.cfg.Axes)
	sc.World = scene.Rect{X0: 0, Y0: floor - 1, X1: m + 1, Y1: 3}
	for i := 0; i < e.cfg.Axes; i++ {
		x := float64(i + 1)
		sc.Add(scene.Line(scene.Obstacle, false, scene.Point{X: x - 0.3, Y: floor}, scene.Point{X: x + 0.3, Y: floor}))
		sc.Shapes[len(sc.Shapes)-1].Key = i + 1
		sc.Add(scene.Disc(scene.Robot, scene.Point{X: x, Y: e.x[i*e.cfg.Degree]}, 0.1, 0))
	}
	sc.Focus = scene.Point{X: 1, Y: e.x[0]}
}
