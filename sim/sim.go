// Package sim holds numerical helpers for scenario authors: classical RK4
// with the control held over a step, the unicycle's RK4 step in closed form,
// clipping and angle wrapping. It depends on nothing but the standard
// library.
package sim

import "math"

// Clip returns v limited to [lo, hi].
func Clip(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// WrapAngle maps an angle to (−π, π].
func WrapAngle(a float64) float64 {
	a = math.Mod(a+math.Pi, 2*math.Pi)
	if a <= 0 {
		a += 2 * math.Pi
	}
	return a - math.Pi
}

// RK4 advances x (in place) by one classical Runge–Kutta step of length dt
// of ẋ = f(x, u) with u held over the step. f writes ẋ into dx; scratch
// must hold 5·len(x) values and is overwritten.
func RK4(f func(x, u, dx []float64), x, u []float64, dt float64, scratch []float64) {
	n := len(x)
	k1, k2, k3, k4, y := scratch[:n], scratch[n:2*n], scratch[2*n:3*n], scratch[3*n:4*n], scratch[4*n:5*n]
	f(x, u, k1)
	for i := range y {
		y[i] = x[i] + dt/2*k1[i]
	}
	f(y, u, k2)
	for i := range y {
		y[i] = x[i] + dt/2*k2[i]
	}
	f(y, u, k3)
	for i := range y {
		y[i] = x[i] + dt*k3[i]
	}
	f(y, u, k4)
	for i := range x {
		x[i] += dt / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
	}
}

// UnicycleRK4 advances a unicycle's pose (x, y, θ) under speed
// v(t) = v0 + acc·t and turn rate ω held over dt with classical RK4. θ and v
// are linear in time, so the stages need only three heading evaluations.
func UnicycleRK4(x, y, th, v0, acc, omega, dt float64) (float64, float64, float64) {
	h := dt / 2
	s0, c0 := math.Sincos(th)
	s1, c1 := math.Sincos(th + omega*h)
	s2, c2 := math.Sincos(th + omega*dt)
	v1, v2 := v0+acc*h, v0+acc*dt
	// k1 = f(t0), k2 = k3 = f(t0 + h) (θ, v depend on time only), k4 = f(t0 + dt).
	x += dt / 6 * (v0*c0 + 4*v1*c1 + v2*c2)
	y += dt / 6 * (v0*s0 + 4*v1*s1 + v2*s2)
	return x, y, th + omega*dt
}
