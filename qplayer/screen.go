package qplayer

// The elastic screen. In elastic mode an element whose hard problem is
// feasible needs no slack when every multiplier is below the linear
// penalty: the elastic problem
//
//	minimize ½zᵀQz + pᵀz + ρ·1ᵀt + (σ/2)‖t‖²  s.t.  Gz − t ≤ h, t ≥ 0
//
// is strictly convex, and (z*, t = 0) with multipliers λ* on Gz − t ≤ h
// and μ = ρ − λ* on t ≥ 0 meets its KKT conditions whenever λ* < ρ, so
// it is the elastic answer. Near it every t ≥ 0 row stays active with
// μ > 0, which pins t at 0: the answer's derivatives are the hard
// problem's. For the safety layer (n = 2, no equalities) the hard problem
// is the plane path's (plane.go), an order of magnitude cheaper than the
// extended problem with its n + m variables; elements that fail the screen
// (infeasible, a multiplier at ρ, anything the plane path hands on) take
// the extended problem as before.

// screenMargin keeps the screen away from λ = ρ, where t = 0 is optimal
// but degenerate (μ = 0) and the hard derivatives may not be the elastic
// ones.
const screenMargin = 1 - 1e-9

// elasticScreen reports whether b's elements are screened (elastic mode,
// n = 2, no equalities) and factors a shared Q for them.
func (s *Solver) elasticScreen(b *Batch) bool {
	if !s.opts.Elastic || b.N != 2 || b.K != 0 || s.noScreen {
		return false
	}
	s.screenQ = false
	if len(b.Q) == 4 {
		s.screenQ = planeFactor(b.Q, s.opts.Regularize, &s.screenJ, &s.screenL)
	}
	return true
}

// solveScreened solves element i of a screened batch as its hard problem
// and keeps the answer when no slack is needed, filling the extended
// problem's views as the extended solve would. It reports whether it kept
// it; otherwise element i is left to the general path.
func (s *Solver) solveScreened(b *Batch, i int, res *Result) bool {
	var J [4]float64
	L := (*[4]float64)(res.planeL[4*i : 4*i+4])
	switch {
	case len(b.Q) != 4:
		if !planeFactor(b.Q[4*i:4*i+4], s.opts.Regularize, &J, L) {
			L[0] = 0
			return false
		}
	case !s.screenQ:
		return false
	default:
		J, L[0] = s.screenJ, 0 // Backward uses the shared factor
	}
	if !s.hardAnswerHolds(b, i, &J, res) {
		L[0] = 0
		return false
	}
	m, rho := b.M, s.opts.Rho
	_, lam, _, act := res.elemViews(i)
	n := 2
	ne := n + m
	y := res.ext[i*ne : (i+1)*ne]
	copy(y, res.Z[i*n:(i+1)*n])
	clear(y[n:])
	lamE, actE := res.extLam[i*2*m:(i+1)*2*m], res.extAct[i*2*m:(i+1)*2*m]
	copy(lamE, lam)
	copy(actE, act)
	for j := 0; j < m; j++ {
		lamE[m+j], actE[m+j] = rho-lam[j], true
	}
	clear(res.Slack[i*m : (i+1)*m])
	res.hard[i] = true
	return true
}

// hardAnswerHolds solves element i's hard problem on the plane path (J:
// L⁻ᵀ of its Q) into res and reports whether it is the elastic answer:
// solved, and every multiplier below ρ.
func (s *Solver) hardAnswerHolds(b *Batch, i int, J *[4]float64, res *Result) bool {
	_, lam, _, act := res.elemViews(i)
	clear(lam) // the plane path writes only its working rows
	clear(act)
	if !s.solvePlane(b, i, J, res) {
		return false
	}
	for _, l := range lam {
		if !(l < screenMargin*s.opts.Rho) {
			return false
		}
	}
	return true
}
