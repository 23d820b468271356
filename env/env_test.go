package env

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/barriergym/barriergym/barrier"
)

// TestRobot2DLieDerivatives checks L_f b, L_f² b and L_gL_f b against
// finite differences of b along trajectories the simulator produces.
func TestRobot2DLieDerivatives(t *testing.T) {
	cfg := DefaultRobot2D()
	const dt = 1e-3
	cfg.Dt, cfg.Horizon = dt, 1<<30
	e, err := NewRobot2D(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for traj := 0; traj < 20; traj++ {
		e.ResetTo([4]float64{5 + 60*rng.Float64(), 5 + 20*rng.Float64(), rng.NormFloat64(), 1 + 4*rng.Float64()}, 0)
		for seg := 0; seg < 50; seg++ {
			u := []float64{0.4 * (2*rng.Float64() - 1), 1.1 * (2*rng.Float64() - 1)}
			e.Step(u)
			bPrev := e.HOCBF().B
			e.Step(u)
			c := e.HOCBF()
			e.Step(u)
			bNext := e.HOCBF().B
			db := (bNext - bPrev) / (2 * dt)
			ddb := (bNext - 2*c.B + bPrev) / (dt * dt)
			want := c.Lf2B + c.LgLfB[0]*u[0] + c.LgLfB[1]*u[1]
			if math.Abs(db-c.LfB) > 1e-4*(1+math.Abs(c.LfB)) {
				t.Fatalf("ḃ: finite difference %v, L_f b %v", db, c.LfB)
			}
			if math.Abs(ddb-want) > 1e-3*(1+math.Abs(want)) {
				t.Fatalf("b̈: finite difference %v, L_f²b + L_gL_f b·u = %v", ddb, want)
			}
			checked++
		}
	}
	t.Logf("%d points checked", checked)
}

// TestNavLieDerivatives checks ḣ = L_g h·u = −G·u of every VCP barrier.
func TestNavLieDerivatives(t *testing.T) {
	cfg := DefaultNav()
	const dt = 1e-4
	cfg.Dt, cfg.Horizon = dt, 1<<30
	e, err := NewNav(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var prev, cur, next []barrier.CBF
	for ep := 0; ep < 20; ep++ {
		e.Reset(uint64(ep))
		for seg := 0; seg < 20; seg++ {
			u := []float64{rng.Float64(), 2 * (2*rng.Float64() - 1)}
			e.Step(u)
			prev = cbfsByIndex(e, prev)
			e.Step(u)
			cur = cbfsByIndex(e, cur)
			e.Step(u)
			next = cbfsByIndex(e, next)
			for i := range cur {
				dh := (next[i].H - prev[i].H) / (2 * dt)
				want := -(cur[i].G[0]*u[0] + cur[i].G[1]*u[1])
				if math.Abs(dh-want) > 1e-5*(1+math.Abs(want)) {
					t.Fatalf("obstacle %d: ḣ finite difference %v, L_g h·u %v", i, dh, want)
				}
			}
		}
	}
}

// cbfsByIndex returns the VCP barriers in obstacle order (not nearest-first).
func cbfsByIndex(e *Nav, dst []barrier.CBF) []barrier.CBF {
	dst = dst[:0]
	s := *(*[3]float64)(e.State())
	for _, o := range e.Obstacles() {
		dst = append(dst, e.VCP().At(s, o))
	}
	return dst
}

// TestRK4AgainstExactArc: with v and ω held, the unicycle follows a circle
// arc (a line for ω = 0); RK4 over one 0.05 s step matches it to 1e-8
// (its local error is O((ω·dt)⁵)).
func TestRK4AgainstExactArc(t *testing.T) {
	for _, c := range []struct{ v, w, th float64 }{{1, 2, 0.3}, {0.5, -1.5, -2}, {1, 0, 1}} {
		const dt = 0.05
		x, y, th := unicycleRK4(1, 2, c.th, c.v, 0, c.w, dt)
		ex, ey := 1+c.v*dt*math.Cos(c.th), 2+c.v*dt*math.Sin(c.th)
		if c.w != 0 {
			r := c.v / c.w
			ex = 1 + r*(math.Sin(c.th+c.w*dt)-math.Sin(c.th))
			ey = 2 - r*(math.Cos(c.th+c.w*dt)-math.Cos(c.th))
		}
		if math.Abs(x-ex) > 1e-8 || math.Abs(y-ey) > 1e-8 || math.Abs(th-(c.th+c.w*dt)) > 1e-15 {
			t.Errorf("%+v: RK4 (%v, %v), exact (%v, %v)", c, x, y, ex, ey)
		}
	}
}

// TestNavLayouts: over many seeds, layouts keep the promised distances.
func TestNavLayouts(t *testing.T) {
	c := DefaultNav()
	for seed := uint64(0); seed < 500; seed++ {
		l, err := NewNavLayout(c, seed)
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Hypot(l.Goal[0]-l.Start[0], l.Goal[1]-l.Start[1]); d < c.MinStartGoal {
			t.Fatalf("seed %d: start–goal %v < %v", seed, d, c.MinStartGoal)
		}
		if len(l.Obstacles) != c.Obstacles {
			t.Fatalf("seed %d: %d obstacles", seed, len(l.Obstacles))
		}
		for _, o := range l.Obstacles {
			if o.R < c.RadiusMin || o.R > c.RadiusMax {
				t.Fatalf("seed %d: radius %v", seed, o.R)
			}
			if barrier.Clearance(l.Start[0], l.Start[1], o, c.RobotRadius+2*c.Lookahead) <= 0 {
				t.Fatalf("seed %d: start inside the margin of %+v", seed, o)
			}
			if barrier.Clearance(l.Goal[0], l.Goal[1], o, c.RobotRadius+c.GoalRadius) <= 0 {
				t.Fatalf("seed %d: goal inside the margin of %+v", seed, o)
			}
		}
		for _, v := range []float64{l.Start[0], l.Start[1], l.Goal[0], l.Goal[1]} {
			if v < 0 || v > c.Arena {
				t.Fatalf("seed %d: start/goal outside the arena", seed)
			}
		}
	}
	crowded := c
	crowded.Obstacles = 200
	if _, err := NewNav(crowded); err == nil {
		t.Error("200 obstacles in a 10 m arena accepted")
	}
}

// TestNavObservation: goal and obstacles in the body frame, nearest first.
func TestNavObservation(t *testing.T) {
	c := DefaultNav()
	c.Observed = 3
	e, _ := NewNav(c)
	l := NavLayout{Start: [3]float64{1, 1, math.Pi / 2}, Goal: [2]float64{1, 8},
		Obstacles: []barrier.Circle{{X: 4, Y: 1, R: 0.5}, {X: 1, Y: 3, R: 0.4}}}
	obs, info := e.ResetTo(l)
	want := []float64{7, 0, 2, 0, 0.4, 0, -3, 0.5, 2 * c.Arena, 0, 0}
	for i := range want {
		if math.Abs(obs[i]-want[i]) > 1e-12 {
			t.Fatalf("obs = %v, want %v", obs, want)
		}
	}
	if want := 4 - 0.36; math.Abs(info.MinBarrier-want) > 1e-12 {
		t.Errorf("min barrier %v, want %v", info.MinBarrier, want)
	}
	if len(info.Barriers) != 2 || math.Abs(info.Barriers[0]-(9-0.49)) > 1e-12 {
		t.Errorf("barriers %v, want [8.51 3.64]", info.Barriers)
	}
	// Drive straight into the obstacle ahead: a collision with cost 1.
	var cost float64
	for i := 0; i < 60; i++ {
		_, _, cst, _, _, _ := e.Step([]float64{1, 0})
		cost += cst
	}
	if cost == 0 {
		t.Error("driving through an obstacle cost nothing")
	}
}

// TestNavReachesGoal: terminated with the bonus at the goal.
func TestNavReachesGoal(t *testing.T) {
	e, _ := NewNav(DefaultNav())
	e.ResetTo(NavLayout{Start: [3]float64{1, 1, 0}, Goal: [2]float64{3, 1}})
	ret := 0.0
	for i := 0; i < 100; i++ {
		_, r, _, term, trunc, info := e.Step([]float64{1, 0})
		ret += r
		if term {
			if !info.Success || ret < 10+1.6 {
				t.Fatalf("terminated: success %v return %v", info.Success, ret)
			}
			return
		}
		if trunc {
			break
		}
	}
	t.Fatal("never reached the goal 2 m ahead")
}

// TestDeterministicAndVec: a seed gives the same episode; the vectorized
// run is the same with one worker or two.
func TestDeterministicAndVec(t *testing.T) {
	mk := func() (Env, error) { return NewNav(DefaultNav()) }
	run := func(workers int) [][]float64 {
		v, err := NewVec(5, 7, workers, mk)
		if err != nil {
			t.Fatal(err)
		}
		v.Reset()
		acts := make([][]float64, 5)
		for i := range acts {
			acts[i] = []float64{0.8, 0.3 * float64(i-2)}
		}
		var trace [][]float64
		ends := 0
		for k := 0; k < 900; k++ {
			for _, tr := range v.Step(acts) {
				trace = append(trace, append([]float64{tr.Reward, tr.Cost}, tr.Obs...))
				if tr.Truncated || tr.Terminated {
					ends++
				}
			}
		}
		if ends < 5 {
			t.Fatalf("only %d episodes ended in 900 steps: no auto-reset tested", ends)
		}
		return trace
	}
	a, b := run(1), run(2)
	for i := range a {
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				t.Fatalf("row %d differs between 1 and 2 workers", i)
			}
		}
	}
	e1, _ := NewRobot2D(DefaultRobot2D())
	e2, _ := NewRobot2D(DefaultRobot2D())
	o1, _ := e1.Reset(42)
	o2, _ := e2.Reset(42)
	if o1[4] != o2[4] {
		t.Fatal("robot2d: same seed, different destination")
	}
	o3, _ := e2.Reset(43)
	if o3[4] == o1[4] {
		t.Fatal("robot2d: seeds 42 and 43 give the same destination")
	}
}

func TestConfigValidation(t *testing.T) {
	r := DefaultRobot2D()
	r.Dt = -0.1
	if _, err := NewRobot2D(r); err == nil {
		t.Error("negative dt accepted")
	}
	r = DefaultRobot2D()
	r.Start = [4]float64{40, 15, 0, 2}
	if _, err := NewRobot2D(r); err == nil {
		t.Error("start inside the obstacle accepted")
	}
	n := DefaultNav()
	n.Obstacles = -1
	if _, err := NewNav(n); err == nil {
		t.Error("negative obstacle count accepted")
	}
	n = DefaultNav()
	n.RadiusMin = 0
	if _, err := NewNav(n); err == nil {
		t.Error("zero radius accepted")
	}
}
