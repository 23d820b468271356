package drive

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scene"
	"github.com/barriergym/barriergym/sim"
)

// Env simulates one episode: the ego car on its road behind the parked
// car. State (s, d, μ, v, δ); the reference point is the car's centre.
// Reward per step: progress along the road (0.1 at the cruise speed),
// minus 0.05 per metre off the right lane's centre, minus 0.5μ² (heading
// error, rad), minus a little effort; 2 more at the end when the ego
// passed. Cost 1 per step in which the
// footprints overlap or the footprint is off the road. Truncated at the
// horizon; success is a pass.
type Env struct {
	t        *Task
	bike     bicycle
	road     *Road
	car      [2]float64 // the parked car's centre (s, d)
	x        [5]float64
	s0       float64 // where the episode started (s), for pictures of it all
	step     int
	obs      [10]float64
	barriers [3]float64 // clearance to the parked car, the right and the left edge (m)
	rows     [9][5]float64
	scratch  [25]float64
	// episode so far
	crash, offRoad, rotation bool
	sumA, sumW               float64
	lastU                    [2]float64
}

func newEnv(t *Task) *Env {
	return &Env{t: t, bike: bicycle{l: t.cfg.Wheelbase, lr: t.cfg.RearToCentre}}
}

// rightLane is the right lane centre's d.
func (e *Env) rightLane() float64 { return -e.t.cfg.LaneWidth / 2 }

// Reset implements env.Env: the road, the parked car's distance and
// offset are drawn from seed; the ego starts at rest heading along its
// lane's centre at v0.
func (e *Env) Reset(seed uint64) ([]float64, env.Info) {
	c := &e.t.cfg
	rng := rand.New(rand.NewPCG(seed, 0x6472697665))
	road := randomRoad(rng, c.KappaMax, roadAhead)
	ahead := c.ObstacleAhead[0] + (c.ObstacleAhead[1]-c.ObstacleAhead[0])*rng.Float64()
	offset := c.ObstacleOffset * (2*rng.Float64() - 1)
	return e.reset(road, [2]float64{ahead, e.rightLane() + offset}, [5]float64{0, e.rightLane(), 0, c.V0, 0})
}

// ResetTo starts the episode a Start describes.
func (e *Env) ResetTo(s Start) ([]float64, env.Info) {
	return e.reset(newRoad(s.Waves, s.State[iS]+roadAhead), s.Obstacle, s.State)
}

func (e *Env) reset(road *Road, car [2]float64, x [5]float64) ([]float64, env.Info) {
	e.road, e.bike.road, e.car, e.x, e.s0, e.step = road, road, car, x, x[iS], 0
	e.crash, e.offRoad, e.rotation, e.sumA, e.sumW, e.lastU = false, false, false, 0, 0, [2]float64{}
	info := e.info()
	return e.Observation(), info
}

// State implements env.Env: s, d, μ, v, δ.
func (e *Env) State() []float64 { return e.x[:] }

// SetState implements env.StateSetter.
func (e *Env) SetState(x []float64) error {
	if len(x) != len(e.x) {
		return fmt.Errorf("drive: state of %d values, want %d", len(x), len(e.x))
	}
	copy(e.x[:], x)
	return nil
}

// Observation implements env.Env.
func (e *Env) Observation() []float64 {
	s := e.x[iS]
	k0, _ := e.road.Kappa(s)
	k1, _ := e.road.Kappa(s + 10)
	k2, _ := e.road.Kappa(s + 20)
	k3, _ := e.road.Kappa(s + 30)
	e.obs = [10]float64{e.x[iD], e.x[iMu], e.x[iV], e.x[iDelta], k0, k1, k2, k3, e.car[0] - s, e.car[1] - e.x[iD]}
	return e.obs[:]
}

// footprint returns the corners of a car centred at Frenet (s, d) with
// heading error mu, in world coordinates.
func (e *Env) footprint(s, d, mu float64) scene.Shape {
	p, psi := e.road.World(s, d)
	return scene.Box(scene.Robot, p, e.t.cfg.CarLength, e.t.cfg.CarWidth, psi+mu, 0)
}

// info measures the geometric clearances: between the footprints (the
// separating-axis gap, negative by the penetration depth) and from the
// footprint to either road edge.
func (e *Env) info() env.Info {
	c := &e.t.cfg
	ego := e.footprint(e.x[iS], e.x[iD], e.x[iMu])
	e.barriers[0] = separation(ego.Points, e.footprint(e.car[0], e.car[1], 0).Points)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range ego.Points {
		_, d := e.road.projectFrom(p, e.x[iS])
		lo, hi = math.Min(lo, d), math.Max(hi, d)
	}
	e.barriers[1], e.barriers[2] = lo+c.LaneWidth, c.LaneWidth-hi
	minB := math.Min(e.barriers[0], math.Min(e.barriers[1], e.barriers[2]))
	return env.Info{Step: e.step, MinBarrier: minB, Barriers: e.barriers[:], Collision: minB < 0}
}

// Step implements env.Env: RK4 of the bicycle with the clipped control held
// over dt; speed and steering angle kept in their bounds.
func (e *Env) Step(u []float64) ([]float64, float64, float64, bool, bool, env.Info) {
	c := &e.t.cfg
	a, w := sim.Clip(u[0], -c.AccelMax, c.AccelMax), sim.Clip(u[1], -c.OmegaMax, c.OmegaMax)
	s0 := e.x[iS]
	sim.RK4(e.bike.deriv, e.x[:], []float64{a, w}, c.Dt, e.scratch[:])
	e.x[iV] = sim.Clip(e.x[iV], 0, c.VMax)
	e.x[iDelta] = sim.Clip(e.x[iDelta], -c.DeltaMax, c.DeltaMax)
	e.step++
	e.sumA, e.sumW, e.lastU = e.sumA+math.Abs(a), e.sumW+math.Abs(w), [2]float64{a, w}
	info := e.info()
	e.crash = e.crash || e.barriers[0] < 0
	e.offRoad = e.offRoad || e.barriers[1] < 0 || e.barriers[2] < 0
	e.rotation = e.rotation || math.Abs(e.x[iMu]) > math.Pi/10
	cost := 0.0
	if info.Collision {
		cost = 1
	}
	reward := 0.1*(e.x[iS]-s0)/(c.Cruise*c.Dt) - 0.05*math.Abs(e.x[iD]-e.rightLane()) - 0.5*e.x[iMu]*e.x[iMu] -
		0.01*(a*a/(c.AccelMax*c.AccelMax)+w*w/(c.OmegaMax*c.OmegaMax))
	truncated := e.step >= c.Horizon
	if truncated && e.passed() {
		reward += 2
		info.Success = true
	}
	return e.Observation(), reward, cost, false, truncated, info
}

// passed reports a pass: the ego's rear ahead of the parked car's front,
// back in the right lane (within 0.5 m of its centre, |μ| ≤ 0.1 rad), with
// no crash and never off the road.
func (e *Env) passed() bool {
	l := e.t.cfg.CarLength
	return e.x[iS]-l/2 > e.car[0]+l/2 && math.Abs(e.x[iD]-e.rightLane()) <= 0.5 && math.Abs(e.x[iMu]) <= 0.1 &&
		!e.crash && !e.offRoad
}

// GoalError implements env.Env: the distance from the right lane's centre.
func (e *Env) GoalError() float64 { return math.Abs(e.x[iD] - e.rightLane()) }

// EpisodeMetrics implements env.MetricsReporter.
func (e *Env) EpisodeMetrics(dst []float64) {
	flag := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	n := float64(max(e.step, 1))
	dst[0], dst[1], dst[2], dst[3] = flag(e.crash), flag(e.offRoad), flag(e.rotation), flag(e.passed())
	dst[4], dst[5] = e.sumA/n, e.sumW/n
}

// CBFRows implements env.Env: the parked car and the four outer corners
// against the road edges (relative degree 2 in (a, ω)), then the bounds of
// δ and v (relative degree 1). The parked car's row carries scene key 1.
func (e *Env) CBFRows(dst []barrier.Row) []barrier.Row {
	c, g := &e.t.cfg, e.t.geom
	x := e.x[:]
	car := g.obstacle
	car.s0, car.d0 = e.car[0], e.car[1]
	hl, hw := c.CarLength/2, c.CarWidth/2
	shapes := [5]shape{car.at(x),
		corner{1, hl, -hw, g.edge}.at(x), corner{1, -hl, -hw, g.edge}.at(x),
		corner{-1, hl, hw, g.edge}.at(x), corner{-1, -hl, hw, g.edge}.at(x)}
	dst = dst[:0]
	for j, p := range shapes {
		lf, lf2, lglf := e.bike.lie(x, p)
		r := e.rows[j][:]
		r[0], r[1], r[2], r[3], r[4] = -lglf[0], -lglf[1], lf2, lf, p.b
		dst = append(dst, barrier.Row{Slot: slotCar + j, Shape: key(j == 0), G: r[0:2], Lie: r[2:5]})
	}
	// b = δ_max − δ, δ + δ_max, v_max − v, v: G = −L_g b, Lie = (L_f b = 0, b).
	for j, b := range [4]struct{ ga, gw, b float64 }{
		{0, 1, c.DeltaMax - x[iDelta]}, {0, -1, x[iDelta] + c.DeltaMax}, {1, 0, c.VMax - x[iV]}, {-1, 0, x[iV]},
	} {
		r := e.rows[5+j][:4]
		r[0], r[1], r[2], r[3] = b.ga, b.gw, 0, b.b
		dst = append(dst, barrier.Row{Slot: slotDeltaMax + j, G: r[0:2], Lie: r[2:4]})
	}
	return dst
}

func key(car bool) int {
	if car {
		return 1
	}
	return 0
}
