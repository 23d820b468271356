package drive

import (
	"math"

	"github.com/barriergym/barriergym/sim"
)

// The nominal controller: a lane-change reference, path tracking and speed
// tracking. It keeps the right lane, moves to the left one when the parked
// car's centre is within changeAhead metres ahead, and moves back once its
// rear is returnBehind metres past the car's front. Path tracking commands
// a heading error toward the target lane, μ_d = clip(atan(k_d Δd), ±μ_max),
// turns it into the slip angle that makes μ̇ = k_μ(μ_d − μ) on the curved
// road, and that into a steering angle tracked by ω = k_δ(δ_d − δ). Speed:
// a = k_v(v_d − v) within ±accelNominal, v_d the cruise speed but while
// moving over to pass, when it holds v0.
const (
	changeAhead  = 30   // m
	returnBehind = 3.0  // m
	kD           = 0.5  // rad/m
	muMax        = 0.25 // rad
	kMu          = 2.0  // 1/s
	kDelta       = 5.0  // 1/s
	kV           = 1.0  // 1/s
	accelNominal = 2.0  // m/s²
)

// Nominal implements env.Env.
func (e *Env) Nominal(u []float64) {
	c := &e.t.cfg
	x := e.x
	target := e.rightLane()
	ahead := e.car[0] - x[iS]
	if ahead < changeAhead && x[iS]-c.CarLength/2 < e.car[0]+c.CarLength/2+returnBehind {
		target = -target
	}
	cruise := c.Cruise
	if target > 0 && x[iD] < target-1 {
		cruise = math.Min(cruise, c.V0) // no speeding up until in the passing lane
	}
	muD := sim.Clip(math.Atan(kD*(target-x[iD])), -muMax, muMax)
	kappa, _ := e.road.Kappa(x[iS])
	v := math.Max(x[iV], 1)
	sinBeta := c.RearToCentre * (kMu*(muD-x[iMu]) + kappa*v*math.Cos(x[iMu])/(1-x[iD]*kappa)) / v
	beta := math.Asin(sim.Clip(sinBeta, -0.5, 0.5))
	deltaD := sim.Clip(math.Atan(math.Tan(beta)*c.Wheelbase/c.RearToCentre), -c.DeltaMax, c.DeltaMax)
	u[0] = sim.Clip(kV*(cruise-x[iV]), -accelNominal, accelNominal)
	u[1] = sim.Clip(kDelta*(deltaD-x[iDelta]), -c.OmegaMax, c.OmegaMax)
}
