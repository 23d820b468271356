package merge

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/sim"
)

// headwayTol is how far below φ a time headway may dip before it counts as
// a violation (s): the "to 1e-6".
const headwayTol = 1e-6

// Env is one car-following episode. The ego integrates exactly, as
// BarrierNet's test does: x += v·dt + ½u·dt², v += u·dt (the control held
// over the step; v not below 0). The lead is the recorded vehicle (its
// state read every dt) or a seeded one: a double integrator whose
// acceleration changes in phases, its speed kept in [lead_min_speed, 40] m/s.
// Observation (x_ip, v_ip, x_i, v_i), BarrierNet's network input. Reward
// per step: v_i·dt/30 (progress at 30 m/s is 0.1) − 0.01u²; cost 1 per
// step below the headway. Truncated at the horizon (or the recording's
// end); success is never dropping below it.
type Env struct {
	cfg  Settings
	lead lead
	x, v float64 // the ego
	step int

	minHeadway, speedSum, errSum float64
	below                        int
	obs                          [4]float64
	barriers                     [1]float64
	row                          [3]float64 // G, L_f b, b
	history                      []float64  // the headway at every step, for the scene
}

// lead is the preceding vehicle: recorded (track) or seeded (phases).
type lead struct {
	recorded bool
	track    []sample // recorded: its states every dt
	x, v     float64
	accel    float64 // seeded: the current phase's acceleration
	phaseEnd float64 // seeded: when the phase ends (s)
	rng      *rand.Rand
}

// New returns an environment for valid settings.
func New(cfg Settings) *Env { return &Env{cfg: cfg} }

// Reset implements env.Env: a seeded lead and initial state.
func (e *Env) Reset(seed uint64) ([]float64, env.Info) {
	c := e.cfg
	rng := rand.New(rand.NewPCG(seed, 0x6d65726765000000))
	draw := func(r [2]float64) float64 { return r[0] + (r[1]-r[0])*rng.Float64() }
	v := draw(c.EgoSpeed)
	gap := draw(c.StartGap) * v
	e.lead = lead{v: draw(c.LeadSpeed), x: gap, rng: rng}
	e.lead.nextPhase(0, c)
	return e.start(0, v)
}

// ResetRecorded starts behind the recorded lead, from the recorded ego's
// first state (0 m, 27 m/s).
// The settings' dt must be a whole number of the recording's 0.01 s
// (RecordedStride).
func (e *Env) ResetRecorded() ([]float64, env.Info) {
	t := recordedTrack(e.cfg.Dt)
	e.lead = lead{recorded: true, track: t, x: t[0].xip, v: t[0].vip}
	return e.start(t[0].xi, t[0].vi)
}

func (e *Env) start(x, v float64) ([]float64, env.Info) {
	e.x, e.v, e.step = x, v, 0
	e.minHeadway, e.speedSum, e.errSum, e.below = math.Inf(1), 0, 0, 0
	e.history = e.history[:0]
	info := e.info()
	e.record()
	return e.Observation(), info
}

// nextPhase draws the seeded lead's next phase from time now.
func (l *lead) nextPhase(now float64, c Settings) {
	l.accel = c.LeadAccel[0] + (c.LeadAccel[1]-c.LeadAccel[0])*l.rng.Float64()
	l.phaseEnd = now + c.Phase[0] + (c.Phase[1]-c.Phase[0])*l.rng.Float64()
}

// advance moves the lead to step k+1 (time (k+1)·dt).
func (l *lead) advance(k int, c Settings) {
	if l.recorded {
		r := l.track[min(k+1, len(l.track)-1)]
		l.x, l.v = r.xip, r.vip
		return
	}
	dt := c.Dt
	a := l.accel
	if l.v+a*dt < c.LeadMinSpeed { // reaches its least speed within the step
		a = min(0, (c.LeadMinSpeed-l.v)/dt)
	} else if l.v+a*dt > maxLeadSpeed {
		a = (maxLeadSpeed - l.v) / dt
	}
	l.x += l.v*dt + 0.5*a*dt*dt
	l.v += a * dt
	if t := float64(k+1) * dt; t >= l.phaseEnd {
		l.nextPhase(t, c)
	}
}

// maxLeadSpeed bounds a seeded lead's speed (m/s).
const maxLeadSpeed = 40

// State implements env.Env: x_ip, v_ip, x_i, v_i.
func (e *Env) State() []float64 { return e.Observation() }

// SetState implements env.StateSetter: x_ip, v_ip, x_i, v_i.
func (e *Env) SetState(x []float64) error {
	if len(x) != 4 {
		return fmt.Errorf("merge: state of %d values, want 4 (x_ip, v_ip, x_i, v_i)", len(x))
	}
	e.lead.x, e.lead.v, e.x, e.v = x[0], x[1], x[2], x[3]
	return nil
}

// Observation implements env.Env.
func (e *Env) Observation() []float64 {
	e.obs = [4]float64{e.lead.x, e.lead.v, e.x, e.v}
	return e.obs[:]
}

// Headway returns the time headway (x_ip − x_i)/v_i (s); a standing ego's
// is counted at 1 cm/s so that it stays finite.
func (e *Env) Headway() float64 { return (e.lead.x - e.x) / math.Max(e.v, 0.01) }

// barrierValue is b = x_ip − x_i − φ·v_i − margin.
func (e *Env) barrierValue() float64 { return e.lead.x - e.x - e.cfg.Headway*e.v - e.cfg.Margin }

// info reports the geometric barrier x_ip − x_i − φ·v_i (the CBF's
// without its margin): negative exactly when the headway is below φ.
func (e *Env) info() env.Info {
	b := e.barrierValue() + e.cfg.Margin
	e.barriers[0] = b
	return env.Info{Step: e.step, MinBarrier: b, Barriers: e.barriers[:], Collision: e.Headway() < e.cfg.Headway-headwayTol}
}

// record adds the current state to the episode's figures.
func (e *Env) record() {
	h := e.Headway()
	e.minHeadway = math.Min(e.minHeadway, h)
	if h < e.cfg.Headway-headwayTol {
		e.below++
	}
	e.history = append(e.history, h)
}

// Step implements env.Env.
func (e *Env) Step(u []float64) ([]float64, float64, float64, bool, bool, env.Info) {
	c := e.cfg
	a := sim.Clip(u[0], -c.AccelMax, c.AccelMax)
	e.errSum += math.Abs(a - e.expert())
	dt := c.Dt
	if e.v+a*dt < 0 { // the ego stops; it does not reverse
		a = -e.v / dt
	}
	e.x += e.v*dt + 0.5*a*dt*dt
	e.v += a * dt
	e.lead.advance(e.step, c)
	e.step++
	e.speedSum += e.v
	info := e.info()
	e.record()
	cost := 0.0
	if info.Collision {
		cost = 1
	}
	reward := e.v*dt/30 - 0.01*a*a
	truncated := e.step >= c.Horizon || (e.lead.recorded && e.step >= len(e.lead.track)-1)
	info.Success = truncated && e.below == 0
	return e.Observation(), reward, cost, false, truncated, info
}

// Row returns the headway CBF at the current state as a generic row:
// ḃ = v_ip − v_i − φ·u, so G = φ (= −L_g b) and Lie = (L_f b, b) with
// L_f b = v_ip − v_i. The lead's acceleration does not enter: b is of
// relative degree 1 and ẋ_ip = v_ip.
func (e *Env) Row() barrier.Row {
	e.row = [3]float64{e.cfg.Headway, e.lead.v - e.v, e.barrierValue()}
	return barrier.Row{Slot: 0, Shape: 1, G: e.row[0:1], Lie: e.row[1:3]}
}

// CBFRows implements env.Env.
func (e *Env) CBFRows(dst []barrier.Row) []barrier.Row { return append(dst[:0], e.Row()) }

// GoalError implements env.Env: with the recorded lead, how far the ego is
// behind the recorded (expert) ego at the end; 0 for a seeded lead.
func (e *Env) GoalError() float64 {
	if !e.lead.recorded {
		return 0
	}
	t := e.lead.track
	return math.Abs(t[min(e.step, len(t)-1)].xi - e.x)
}

// The nominal controller tracks the cruise speed, blind to the lead:
// u = k(cruise − v_i), clipped.
const nominalK = 0.5

// Nominal implements env.Env.
func (e *Env) Nominal(u []float64) {
	u[0] = sim.Clip(nominalK*(e.cfg.Cruise-e.v), -e.cfg.AccelMax, e.cfg.AccelMax)
}

// expert is the scenario's expert control in closed form: the nominal
// control, lowered to meet φu ≤ L_f b + p·b with p = expertGain (the
// one-control CBF-QP's solution), within the bounds.
func (e *Env) expert() float64 {
	var u [1]float64
	e.Nominal(u[:])
	limit := (e.lead.v - e.v + expertGain*e.barrierValue()) / e.cfg.Headway
	return sim.Clip(math.Min(u[0], limit), -e.cfg.AccelMax, e.cfg.AccelMax)
}

// EpisodeMetrics implements env.MetricsReporter, in Spec.Metrics order.
func (e *Env) EpisodeMetrics(dst []float64) {
	steps := math.Max(float64(e.step), 1)
	meanSpeed := e.v
	if e.step > 0 {
		meanSpeed = e.speedSum / steps
	}
	dst[0], dst[1], dst[2], dst[3] = e.minHeadway, float64(e.below), meanSpeed, e.errSum/steps
}
