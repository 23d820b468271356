package drive

import (
	"math"
	"math/rand/v2"

	"github.com/barriergym/barriergym/scene"
)

// Wave is one term of a road's curvature, κ(s) = Σ Amp·cos(Freq·s + Phase)
// (1/m, rad/m, rad): smooth, with κ' and the heading in closed form.
type Wave struct{ Amp, Freq, Phase float64 }

// Road is a centre line of curvature κ(s) starting at the origin heading
// along +x; the lane divider of two lanes, d > 0 to its left. It is not
// safe for concurrent use: its table grows as the car drives.
type Road struct {
	Waves []Wave
	// Centre-line positions every cell metres from s = from, for drawing
	// and world poses between them; extended ahead on demand.
	from, cell float64
	x, y       []float64
}

// The centre-line table: how far behind the start it reaches, its cell,
// and how far ahead it is made at first (m).
const (
	roadBehind = 60
	cellLength = 0.5
	roadAhead  = 250
)

// newRoad tabulates the centre line of waves for s ∈ [−roadBehind, ahead].
func newRoad(waves []Wave, ahead float64) *Road {
	r := &Road{Waves: waves, from: -roadBehind, cell: cellLength}
	i0 := int(roadBehind / cellLength)
	r.x, r.y = make([]float64, i0+1), make([]float64, i0+1)
	// Start at s = 0 = the origin and integrate both ways.
	for i := i0 - 1; i >= 0; i-- {
		dx, dy := r.segment(r.sAt(i+1), r.sAt(i))
		r.x[i], r.y[i] = r.x[i+1]+dx, r.y[i+1]+dy
	}
	r.extend(ahead)
	return r
}

// extend grows the table to reach s.
func (r *Road) extend(s float64) {
	for n := len(r.x); r.sAt(n-1) < s; n++ {
		dx, dy := r.segment(r.sAt(n-1), r.sAt(n))
		r.x, r.y = append(r.x, r.x[n-1]+dx), append(r.y, r.y[n-1]+dy)
	}
}

func (r *Road) sAt(i int) float64 { return r.from + float64(i)*r.cell }

// randomRoad draws a road whose curvature is bounded by kappaMax: three
// waves of wavelength 80–300 m, their amplitudes summing to at most
// kappaMax.
func randomRoad(rng *rand.Rand, kappaMax, ahead float64) *Road {
	waves := make([]Wave, 3)
	total := 0.0
	for i := range waves {
		waves[i] = Wave{Amp: rng.Float64(), Freq: 2 * math.Pi / (80 + 220*rng.Float64()), Phase: 2 * math.Pi * rng.Float64()}
		total += waves[i].Amp
	}
	scale := kappaMax * rng.Float64() / total
	for i := range waves {
		waves[i].Amp *= scale
	}
	return newRoad(waves, ahead)
}

// Kappa returns κ(s) and κ'(s).
func (r *Road) Kappa(s float64) (k, dk float64) {
	for _, w := range r.Waves {
		sin, cos := math.Sincos(w.Freq*s + w.Phase)
		k += w.Amp * cos
		dk -= w.Amp * w.Freq * sin
	}
	return k, dk
}

// Heading returns the centre line's heading ψ(s) = ∫₀ˢ κ.
func (r *Road) Heading(s float64) float64 {
	h := 0.0
	for _, w := range r.Waves {
		if w.Freq == 0 {
			h += w.Amp * math.Cos(w.Phase) * s
			continue
		}
		h += w.Amp / w.Freq * (math.Sin(w.Freq*s+w.Phase) - math.Sin(w.Phase))
	}
	return h
}

// segment integrates the centre line's tangent from s0 to s1 with
// five-point Gauss–Legendre: exact to ~1e-13 m over half a metre.
func (r *Road) segment(s0, s1 float64) (dx, dy float64) {
	nodes := [5]float64{0, -0.5384693101056831, 0.5384693101056831, -0.9061798459386640, 0.9061798459386640}
	weights := [5]float64{0.5688888888888889, 0.4786286704993665, 0.4786286704993665, 0.2369268850561891, 0.2369268850561891}
	mid, half := (s0+s1)/2, (s1-s0)/2
	for i, t := range nodes {
		sin, cos := math.Sincos(r.Heading(mid + half*t))
		dx += weights[i] * half * cos
		dy += weights[i] * half * sin
	}
	return dx, dy
}

// Centre returns the centre line's point at s (behind the table it
// integrates back from its first cell).
func (r *Road) Centre(s float64) scene.Point {
	r.extend(s)
	i := max(0, int(math.Floor((s-r.from)/r.cell)))
	dx, dy := r.segment(r.sAt(i), s)
	return scene.Point{X: r.x[i] + dx, Y: r.y[i] + dy}
}

// World returns the world position of Frenet point (s, d) and the road's
// heading there.
func (r *Road) World(s, d float64) (scene.Point, float64) {
	c, psi := r.Centre(s), r.Heading(s)
	sin, cos := math.Sincos(psi)
	return scene.Point{X: c.X - d*sin, Y: c.Y + d*cos}, psi
}

// Project returns the Frenet coordinates of world point p: the nearest
// tabulated centre-line point, refined by a few Newton steps along the
// road.
func (r *Road) Project(p scene.Point) (s, d float64) {
	best := math.Inf(1)
	for i := range r.x {
		if dd := math.Hypot(p.X-r.x[i], p.Y-r.y[i]); dd < best {
			best, s = dd, r.sAt(i)
		}
	}
	for k := 0; k < 3; k++ { // the foot of the perpendicular: (p − c(s))·t(s) = 0
		c := r.Centre(s)
		sin, cos := math.Sincos(r.Heading(s))
		s += (p.X-c.X)*cos + (p.Y-c.Y)*sin
	}
	c := r.Centre(s)
	sin, cos := math.Sincos(r.Heading(s))
	return s, -(p.X-c.X)*sin + (p.Y-c.Y)*cos
}

// projectFrom returns the Frenet coordinates of world point p near the
// road's arc length guess, by Newton steps along the road.
func (r *Road) projectFrom(p scene.Point, guess float64) (s, d float64) {
	s = guess
	for k := 0; k < 4; k++ {
		c := r.Centre(s)
		sin, cos := math.Sincos(r.Heading(s))
		step := (p.X-c.X)*cos + (p.Y-c.Y)*sin
		s += step
		if math.Abs(step) < 1e-9 {
			break
		}
	}
	c := r.Centre(s)
	sin, cos := math.Sincos(r.Heading(s))
	return s, -(p.X-c.X)*sin + (p.Y-c.Y)*cos
}

// separation returns the separating-axis gap of two convex polygons: the
// largest distance between their projections on an edge normal of either;
// negative (minus the smallest penetration) exactly when they overlap.
func separation(a, b []scene.Point) float64 {
	best := math.Inf(-1)
	for _, poly := range [2][]scene.Point{a, b} {
		for i := range poly {
			p, q := poly[i], poly[(i+1)%len(poly)]
			nx, ny := q.Y-p.Y, p.X-q.X
			l := math.Hypot(nx, ny)
			nx, ny = nx/l, ny/l
			amin, amax := interval(a, nx, ny)
			bmin, bmax := interval(b, nx, ny)
			best = math.Max(best, math.Max(bmin-amax, amin-bmax))
		}
	}
	return best
}

func interval(poly []scene.Point, nx, ny float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range poly {
		v := p.X*nx + p.Y*ny
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}
