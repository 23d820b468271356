package drive

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/eval"
	"github.com/barriergym/barriergym/scenariotest"
	"github.com/barriergym/barriergym/scene"
	"github.com/barriergym/barriergym/sim"
)

func task(t *testing.T, s Settings) *Task { return scenariotest.Task(t, Scenario, &s).(*Task) }

func TestConformance(t *testing.T) { scenariotest.Conformance(t, task(t, Defaults()), 8) }

// TestLieDerivatives checks every row — the parked car's superellipse, the
// four corners against the road edges, the bounds of δ and v — against
// finite differences along trajectories, from random poses, speeds and
// steering angles on random curved roads.
func TestLieDerivatives(t *testing.T) {
	s := Defaults()
	s.Dt, s.Horizon = 1e-4, env.MaxHorizon
	scenariotest.LieDerivatives(t, task(t, s), func(e env.Env, rng *rand.Rand) {
		d := e.(*Env)
		d.Reset(rng.Uint64())
		d.x = [5]float64{rng.Float64() * 20, 3 * (2*rng.Float64() - 1), 0.4 * (2*rng.Float64() - 1),
			1 + 12*rng.Float64(), 0.6 * (2*rng.Float64() - 1)}
		d.car[0] = d.x[iS] + 4 + 10*rng.Float64()
	}, 20000, 1e-4)
}

// TestWorldTrajectory: the Frenet simulation mapped to the world follows
// an independent Cartesian kinematic bicycle driven by the same controls
// (ẋ = v cos(ψ+β), ẏ = v sin(ψ+β), ψ̇ = v sin β / l_r, integrated with
// 100 RK4 sub-steps per step), to a centimetre over 100 steps on curved
// roads.
func TestWorldTrajectory(t *testing.T) {
	tk := task(t, Defaults())
	c := tk.cfg
	bike := bicycle{l: c.Wheelbase, lr: c.RearToCentre}
	cartesian := func(x, u, dx []float64) { // x, y, ψ, v, δ
		beta, _ := bike.beta(x[4])
		dx[0], dx[1] = x[3]*math.Cos(x[2]+beta), x[3]*math.Sin(x[2]+beta)
		dx[2], dx[3], dx[4] = x[3]/c.RearToCentre*math.Sin(beta), u[0], u[1]
	}
	rng := rand.New(rand.NewPCG(5, 6))
	worst := 0.0
	for seed := uint64(0); seed < 10; seed++ {
		e := tk.NewEnv().(*Env)
		e.Reset(seed)
		if k, _ := e.road.Kappa(10); k == 0 {
			t.Fatal("a straight road does not test the frame")
		}
		p, psi := e.road.World(e.x[iS], e.x[iD])
		w := []float64{p.X, p.Y, psi + e.x[iMu], e.x[iV], e.x[iDelta]}
		var scratch [25]float64
		for k := 0; k < 100; k++ {
			u := []float64{2 * (2*rng.Float64() - 1), 0.3 * (2*rng.Float64() - 1)}
			if e.x[iDelta]+u[1]*c.Dt > c.DeltaMax || e.x[iDelta]+u[1]*c.Dt < -c.DeltaMax || e.x[iV]+u[0]*c.Dt < 0 {
				u = []float64{1, 0} // keep clear of the clipped bounds, where the two would differ by design
			}
			e.Step(u)
			for j := 0; j < 100; j++ {
				sim.RK4(cartesian, w, u, c.Dt/100, scratch[:])
			}
			p, psi := e.road.World(e.x[iS], e.x[iD])
			worst = math.Max(worst, math.Hypot(p.X-w[0], p.Y-w[1]))
			if dh := math.Remainder(psi+e.x[iMu]-w[2], 2*math.Pi); math.Abs(dh) > 1e-4 {
				t.Fatalf("seed %d step %d: heading %v, Cartesian %v", seed, k, psi+e.x[iMu], w[2])
			}
		}
	}
	t.Logf("largest distance between the two over 10 episodes of 100 steps: %.2g m", worst)
	if worst > 0.01 {
		t.Errorf("the Frenet simulation drifts %.3g m from the Cartesian one", worst)
	}
}

// TestCurvatureBound: random roads keep |κ| ≤ kappa_max; Project inverts World.
func TestCurvatureBound(t *testing.T) {
	c := Defaults()
	for seed := uint64(0); seed < 200; seed++ {
		r := randomRoad(rand.New(rand.NewPCG(seed, 1)), c.KappaMax, 300)
		for s := -50.0; s < 300; s += 3.7 {
			if k, _ := r.Kappa(s); math.Abs(k) > c.KappaMax+1e-15 {
				t.Fatalf("seed %d: κ(%v) = %v", seed, s, k)
			}
		}
		for _, sd := range [][2]float64{{12, 1.3}, {150, -2.9}, {-20, 0.5}} {
			p, _ := r.World(sd[0], sd[1])
			s, d := r.Project(p)
			if math.Abs(s-sd[0]) > 1e-6 || math.Abs(d-sd[1]) > 1e-6 {
				t.Fatalf("seed %d: World(%v) projects back to (%v, %v)", seed, sd, s, d)
			}
		}
	}
}

// TestExpert: over 200 seeded episodes the expert never crashes nor
// leaves the road and passes in ≥ 98 %; the nominal controller alone keeps
// its figures (reported).
func TestExpert(t *testing.T) {
	cfg, err := configs.Load(Name)
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := cfg.Task()
	for _, policy := range []string{"expert", "nominal"} {
		eps, err := eval.Run(cfg, func() (control.Controller, error) { return eval.NewController(cfg, policy) }, eval.Seeds(0, 200), eval.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := eval.Summarize(policy, tk.Spec(), 0, eps)
		m := map[string]float64{}
		for _, x := range s.Extra {
			m[x.Name] = x.Value
		}
		t.Logf("%s: pass %.3f crash %.3f out of road %.3f max rotation %.3f min clearance %.3f m", policy,
			m["pass_rate"], m["crash_rate"], m["out_of_road_rate"], m["max_rotation_rate"], s.MinBarrier)
		if policy == "expert" && (m["crash_rate"] != 0 || m["out_of_road_rate"] != 0 || m["pass_rate"] < 0.98 || s.MinBarrier <= 0) {
			t.Errorf("expert: %+v", m)
		}
	}
}

// TestCrashAndOffRoadAreSeen: driving straight on at speed hits the parked
// car; steering hard left leaves the road — the metrics see both.
func TestCrashAndOffRoadAreSeen(t *testing.T) {
	tk := task(t, Defaults())
	for _, c := range []struct {
		u     []float64
		index int
	}{{[]float64{3, 0}, 0}, {[]float64{0, 1}, 1}} {
		e := tk.NewEnv().(*Env)
		e.Reset(1)
		for k := 0; k < 100; k++ {
			e.Step(c.u)
		}
		m := make([]float64, 6)
		e.EpisodeMetrics(m)
		if m[c.index] != 1 || m[3] != 0 {
			t.Errorf("controls %v: metrics %v, want %d set and no pass", c.u, m, c.index)
		}
	}
}

func TestParseStart(t *testing.T) {
	tk := task(t, Defaults())
	s, err := tk.ParseStart([]byte(`{"curvature":[[0.01,0.02,0]],"obstacle":[20,-1.6],"state":[0,-1.75,0,6,0]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := tk.NewEnv().(*Env)
	s.Reset(e)
	if k, _ := e.road.Kappa(0); k != 0.01 || e.car != [2]float64{20, -1.6} || e.x[iV] != 6 {
		t.Errorf("reset to κ %v, car %v, state %v", k, e.car, e.x)
	}
	for _, bad := range []string{`{"obstacle":[20],"state":[0,-1.75,0,6,0]}`, `{"curvature":[[0.1,0,0]],"obstacle":[20,-1.6],"state":[0,-1.75,0,6,0]}`,
		`{"obstacle":[20,-1.6],"state":[0,-1.75,0,60,0]}`, `{"obstacle":[20,-1.6],"state":[0,-1.75,0,6,0],"x":1}`} {
		if _, err := tk.ParseStart([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	} // Lines that parse but make no physical sense, refused saying why.
	for _, c := range []struct{ line, want string }{
		{`{"obstacle":[2,-1.75],"state":[0,-1.75,0,6,0]}`, "overlaps the parked car"},
		{`{"obstacle":[20,-1.6],"state":[0,-3.4,0,6,0]}`, "leaves the road"},
		{`{"obstacle":[20,-1.6],"state":[0,-1.75,2,6,0]}`, "heading error 2"},
	} {
		if _, err := tk.ParseStart([]byte(c.line)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.line, err, c.want)
		}
	}
}

// TestDraw: the window follows the ego; the ego's box, wheels, the parked
// car with key 1 (its row's), the road's edges and dashed lane line.
func TestDraw(t *testing.T) {
	e := task(t, Defaults()).NewEnv().(*Env)
	e.Reset(3)
	var sc scene.Scene
	e.Draw(&sc, []float64{1, 0}, []float64{0, 0.5})
	p, _ := e.road.World(e.x[iS], e.x[iD])
	if !(sc.World.X0 < p.X && p.X < sc.World.X1 && sc.World.Y0 < p.Y && p.Y < sc.World.Y1) || sc.Focus != p {
		t.Errorf("the window %v does not hold the ego at %v", sc.World, p)
	}
	count := map[scene.Role]int{}
	for _, s := range sc.Shapes {
		count[s.Role]++
		if s.Role == scene.Obstacle && s.Key != e.CBFRows(nil)[0].Shape {
			t.Errorf("the parked car's key %d is not its row's", s.Key)
		}
	}
	if count[scene.Robot] != 1 || count[scene.Heading] != 2 || count[scene.Obstacle] != 1 || count[scene.LaneLine] != 3 ||
		count[scene.Road] != 1 || count[scene.Reference] != 1 || count[scene.Safe] != 1 || len(sc.Notes) != 3 {
		t.Errorf("shapes by role %v, notes %v", count, sc.Notes)
	}
	e.AddObstacle(p.X+30, p.Y)
	if e.car[0] < e.x[iS]+20 {
		t.Errorf("the parked car at s = %v after moving it 30 m ahead of the ego at %v", e.car[0], e.x[iS])
	}
}
