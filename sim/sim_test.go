package sim

import (
	"math"
	"testing"
)

// TestUnicycleRK4AgainstExactArc: with v and ω held, the unicycle follows a
// circle arc (a line for ω = 0); RK4 over one 0.05 s step matches it to
// 1e-8 (its local error is O((ω·dt)⁵)).
func TestUnicycleRK4AgainstExactArc(t *testing.T) {
	for _, c := range []struct{ v, w, th float64 }{{1, 2, 0.3}, {0.5, -1.5, -2}, {1, 0, 1}} {
		const dt = 0.05
		x, y, th := UnicycleRK4(1, 2, c.th, c.v, 0, c.w, dt)
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

// TestRK4: the generic step agrees with the unicycle's closed-form stages,
// and integrates a double integrator exactly (its solution is a
// polynomial of degree 2).
func TestRK4(t *testing.T) {
	unicycle := func(x, u, dx []float64) {
		dx[0], dx[1], dx[2], dx[3] = x[3]*math.Cos(x[2]), x[3]*math.Sin(x[2]), u[0], u[1]
	}
	x := []float64{1, 2, 0.3, 0.8}
	u := []float64{0.7, -0.4}
	RK4(unicycle, x, u, 0.1, make([]float64, 20))
	ex, ey, eth := UnicycleRK4(1, 2, 0.3, 0.8, -0.4, 0.7, 0.1)
	if math.Abs(x[0]-ex) > 1e-14 || math.Abs(x[1]-ey) > 1e-14 || math.Abs(x[2]-eth) > 1e-15 {
		t.Errorf("generic RK4 %v, unicycle RK4 (%v, %v, %v)", x, ex, ey, eth)
	}
	double := func(x, u, dx []float64) { dx[0], dx[1] = x[1], u[0] }
	p := []float64{1, 2}
	RK4(double, p, []float64{3}, 0.5, make([]float64, 10))
	if want := []float64{1 + 2*0.5 + 1.5*0.25, 2 + 1.5}; math.Abs(p[0]-want[0]) > 1e-15 || math.Abs(p[1]-want[1]) > 1e-15 {
		t.Errorf("double integrator %v, want %v", p, want)
	}
}

func TestWrapAndClip(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0, 0}, {math.Pi, math.Pi}, {-math.Pi, math.Pi}, {3 * math.Pi / 2, -math.Pi / 2}, {7, 7 - 2*math.Pi}} {
		if got := WrapAngle(c.in); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("WrapAngle(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if Clip(5, 0, 1) != 1 || Clip(-5, 0, 1) != 0 || Clip(0.5, 0, 1) != 0.5 {
		t.Error("Clip")
	}
}
