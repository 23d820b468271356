// Package scenarios registers barriergym's built-in scenarios: importing it
// for its side effect makes each of them available by name to configs,
// commands and tests. Adding a scenario is one package under this
// directory plus one line here (see docs/scenarios.md).
//
// The directory also holds held-out initial conditions for
// `barriergym eval -scenarios` (*.jsonl, see README.md).
package scenarios

import (
	_ "github.com/barriergym/barriergym/scenarios/acc"       // adaptive cruise control (Ames et al. 2014)
	_ "github.com/barriergym/barriergym/scenarios/drive"     // the vehicle: a kinematic bicycle passing a parked car
	_ "github.com/barriergym/barriergym/scenarios/merge"     // BarrierNet's traffic merging: car following with a time headway
	_ "github.com/barriergym/barriergym/scenarios/nav"       // kinematic unicycle among obstacles
	_ "github.com/barriergym/barriergym/scenarios/pointmass" // the example: a planar double integrator
	_ "github.com/barriergym/barriergym/scenarios/robot2d"   // BarrierNet's 2-D robot
	_ "github.com/barriergym/barriergym/scenarios/robot3d"   // BarrierNet's 3-D robot: three controls
)
