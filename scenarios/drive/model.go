package drive

import "math"

// State indices of the kinematic bicycle in the road's Frenet frame:
// arc length s, lateral offset d (left positive), heading error μ, speed
// v, steering angle δ. Controls: acceleration a, steering rate ω = δ̇.
const (
	iS = iota
	iD
	iMu
	iV
	iDelta
)

// bicycle is the kinematic bicycle (DESIGN §5). With β = atan(l_r/L·tanδ):
//
//	ṡ = v cos(μ+β)/(1 − dκ)   ḋ = v sin(μ+β)
//	μ̇ = (v/l_r) sin β − κ v cos(μ+β)/(1 − dκ)   v̇ = a   δ̇ = ω
type bicycle struct {
	road  *Road
	l, lr float64 // wheelbase, rear axle to the reference point (m)
}

// beta returns the slip angle β(δ) and dβ/dδ.
func (b bicycle) beta(delta float64) (beta, dbeta float64) {
	k := b.lr / b.l
	t := math.Tan(delta)
	sec2 := 1 + t*t
	return math.Atan(k * t), k * sec2 / (1 + k*k*t*t)
}

// deriv writes ẋ for state x and control u = (a, ω) into dx.
func (b bicycle) deriv(x, u, dx []float64) {
	kappa, _ := b.road.Kappa(x[iS])
	beta, _ := b.beta(x[iDelta])
	sin, cos := math.Sincos(x[iMu] + beta)
	den := 1 - x[iD]*kappa
	v := x[iV]
	dx[iS] = v * cos / den
	dx[iD] = v * sin
	dx[iMu] = v/b.lr*math.Sin(beta) - kappa*v*cos/den
	dx[iV] = u[0]
	dx[iDelta] = u[1]
}

// shape is a barrier b(s, d, μ) of the pose with its first and second
// partial derivatives.
type shape struct {
	b, bs, bd, bm float64
	bss, bsd, bsm float64
	bdd, bdm, bmm float64
}

// lie returns L_f b, L_f²b and L_gL_f b = (∂L_f b/∂v, ∂L_f b/∂δ) of a
// barrier b(s, d, μ) at state x: μ̇ depends on v and δ but not on the
// controls, so such a barrier has relative degree 2 in (a, ω). With
// c = cos(μ+β), n = sin(μ+β), D = 1 − dκ,
//
//	L_f b  = b_s ṡ + b_d ḋ + b_μ μ̇
//	L_f²b  = ∂_s(L_f b) ṡ + ∂_d(L_f b) ḋ + ∂_μ(L_f b) μ̇   (v, δ have no drift)
//
// from the partial derivatives of the bicycle's ṡ, ḋ, μ̇ (see vel).
func (b bicycle) lie(x []float64, p shape) (lf, lf2 float64, lglf [2]float64) {
	k := b.vel(x)
	lf = p.bs*k.sdot + p.bd*k.ddot + p.bm*k.mdot
	dS := p.bss*k.sdot + p.bsd*k.ddot + p.bsm*k.mdot + p.bs*k.sdotS + p.bm*k.mdotS
	dD := p.bsd*k.sdot + p.bdd*k.ddot + p.bdm*k.mdot + p.bs*k.sdotD + p.bm*k.mdotD
	dM := p.bsm*k.sdot + p.bdm*k.ddot + p.bmm*k.mdot + p.bs*k.sdotM + p.bd*k.ddotM + p.bm*k.mdotM
	lf2 = dS*k.sdot + dD*k.ddot + dM*k.mdot
	lglf = [2]float64{
		p.bs*k.sdotV + p.bd*k.ddotV + p.bm*k.mdotV,
		p.bs*k.sdotDelta + p.bd*k.ddotDelta + p.bm*k.mdotDelta,
	}
	return lf, lf2, lglf
}

// kinematics holds ṡ, ḋ, μ̇ and their partial derivatives with respect to
// the state (suffixes S, D, M, V, Delta; ḋ depends on μ, v, δ only).
type kinematics struct {
	sdot, ddot, mdot                      float64
	sdotS, sdotD, sdotM, sdotV, sdotDelta float64
	ddotM, ddotV, ddotDelta               float64
	mdotS, mdotD, mdotM, mdotV, mdotDelta float64
}

// vel returns the kinematics at state x: with c = cos(μ+β), n = sin(μ+β),
// D = 1 − dκ, β' = dβ/dδ,
//
//	∂_s ṡ = v c d κ'/D²   ∂_d ṡ = v c κ/D²   ∂_μ ṡ = −v n/D   ∂_v ṡ = c/D   ∂_δ ṡ = −v n β'/D
//	∂_μ ḋ = v c   ∂_v ḋ = n   ∂_δ ḋ = v c β'
//	∂_s μ̇ = −v c κ'/D²   ∂_d μ̇ = −v c κ²/D²   ∂_μ μ̇ = κ v n/D
//	∂_v μ̇ = sin β/l_r − κ c/D   ∂_δ μ̇ = β'(v cos β/l_r + κ v n/D)
func (b bicycle) vel(x []float64) kinematics {
	kappa, dkappa := b.road.Kappa(x[iS])
	beta, dbeta := b.beta(x[iDelta])
	n, c := math.Sincos(x[iMu] + beta)
	d, v := x[iD], x[iV]
	den := 1 - d*kappa
	sinB, cosB := math.Sincos(beta)
	return kinematics{
		sdot: v * c / den, ddot: v * n, mdot: v/b.lr*sinB - kappa*v*c/den,
		sdotS: v * c * d * dkappa / (den * den), sdotD: v * c * kappa / (den * den), sdotM: -v * n / den,
		sdotV: c / den, sdotDelta: -v * n * dbeta / den,
		ddotM: v * c, ddotV: n, ddotDelta: v * c * dbeta,
		mdotS: -v * c * dkappa / (den * den), mdotD: -v * c * kappa * kappa / (den * den), mdotM: kappa * v * n / den,
		mdotV: sinB/b.lr - kappa*c/den, mdotDelta: dbeta * (v*cosB/b.lr + kappa*v*n/den),
	}
}

// superellipse is the parked car's barrier: b = (Δs/A)⁴ + (Δd/B)⁴ − 1
// around its centre (s₀, d₀), semi-axes A along the road and B across.
// Of exponent 4 it covers a rectangle with semi-axes 2^¼ ≈ 1.19 times the
// rectangle's half-sides, where an ellipse would need √2 ≈ 1.41: tight
// enough to pass in the next lane.
type superellipse struct{ s0, d0, a, b float64 }

func (e superellipse) at(x []float64) shape {
	u, w := (x[iS]-e.s0)/e.a, (x[iD]-e.d0)/e.b
	u2, w2 := u*u, w*w
	return shape{
		b:   u2*u2 + w2*w2 - 1,
		bs:  4 * u2 * u / e.a,
		bd:  4 * w2 * w / e.b,
		bss: 12 * u2 / (e.a * e.a),
		bdd: 12 * w2 / (e.b * e.b),
	}
}

// corner is a road edge's barrier for one corner of the footprint: the
// corner a metres ahead of the centre and b metres to its left sits at
// lateral offset d + a sin μ + b cos μ (the road's curvature over half a
// car's length is within the clearance), which must stay below limit
// (left edge, sign −1: b = limit − d_c) or above −limit (right edge, sign
// +1: b = d_c + limit). Exact for the footprint at any heading.
type corner struct{ sign, a, b, limit float64 }

func (c corner) at(x []float64) shape {
	sin, cos := math.Sincos(x[iMu])
	lat := c.a*sin + c.b*cos // the corner's offset from the centre, across the road
	dlat := c.a*cos - c.b*sin
	return shape{
		b:   c.limit + c.sign*(x[iD]+lat),
		bd:  c.sign,
		bm:  c.sign * dlat,
		bmm: -c.sign * lat,
	}
}
