// Package barrier holds the control-barrier-function maths shared by every
// scenario: the generic high-order CBF row of any relative degree r on a
// control of any dimension m, the layout that says how a scenario's rows
// sit in a QP of fixed size and which class-K gains feed them, the
// right-hand side h(p) as plain numbers and as a Gorgonia operation with
// its own backward pass, and the box rows of the control bounds.
//
// For a barrier b of relative degree r on a control-affine system
// ẋ = f(x) + g(x)u, with class-K gains p₁…p_r held constant over a step
// (BarrierNet's convention), the high-order CBF condition ψ_r ≥ 0 with
// ψ_i = ψ̇_{i−1} + p_i ψ_{i−1}, ψ₀ = b, is the linear constraint
//
//	−L_g L_f^{r−1} b · u  ≤  Σ_{k=0..r} e_k(p₁…p_r) · L_f^{r−k} b
//
// where e_k is the k-th elementary symmetric polynomial (e₀ = 1,
// e₁ = Σ pᵢ, e₂ = Σ_{i<j} pᵢpⱼ, …, e_r = Π pᵢ). r = 1 gives L_f b + p·b;
// r = 2 gives L_f²b + (p₁+p₂)L_f b + p₁p₂b (BarrierNet's 2-D robot).
// A row is therefore G = −L_g L_f^{r−1} b (m numbers) plus the r+1
// state-only values L_f^r b, …, L_f b, b.
package barrier

import (
	"fmt"
	"math"
)

// MaxDegree bounds the relative degree of a row.
const MaxDegree = 8

// Row is one CBF constraint G·u ≤ h(p) of the current state (see the
// package documentation). The slices usually live in the environment's
// memory until its next step.
type Row struct {
	// Slot is the index in the scenario's Layout of the slot the row fills:
	// its relative degree, its gains and its name.
	Slot int
	// Shape is the key of the scene shape the barrier keeps the robot
	// from (scene.Shape.Key), so pictures can mark active rows; 0: none.
	Shape int
	G     []float64 // m coefficients, −L_g L_f^{r−1} b
	Lie   []float64 // r+1 values L_f^r b, …, L_f b, b (Lie[r] = b)
}

// Degree is the row's relative degree r.
func (r Row) Degree() int { return len(r.Lie) - 1 }

// Holds reports whether u satisfies the row for gains p within tol.
func (r Row) Holds(u, p []float64, tol float64) bool {
	s := 0.0
	for i, g := range r.G {
		s += g * u[i]
	}
	return s <= RHS(r.Lie, p)+tol
}

// Slot is a place for one CBF row in a policy's QP of fixed size.
type Slot struct {
	Name   string `json:"name"`   // what the row keeps the robot from, e.g. "obstacle 1 (nearest)"
	Degree int    `json:"degree"` // relative degree r ≥ 1
	Gains  []int  `json:"gains"`  // indices in Layout.Gains of its class-K gains p₁…p_r
}

// Gain is one class-K gain of a scenario's CBF rows.
type Gain struct {
	Name string `json:"name"` // e.g. "p₁" or "α₂"
	// Learned gains are outputs of a BarrierNet policy (p_max·sigmoid);
	// the others keep the configured value (barrier.gains) in the policy too.
	Learned bool `json:"learned"`
}

// Layout is how a scenario's CBF rows sit in a QP: one row per slot (a
// policy takes, for each slot, the first row the scenario gives for it; an
// expert filter takes every row), and the gains that feed them. Gains may
// be one per row, shared by several rows, learned or fixed.
type Layout struct {
	Slots []Slot `json:"slots"`
	Gains []Gain `json:"gains"`
}

// Validate checks the layout's consistency.
func (l Layout) Validate() error {
	if len(l.Slots) == 0 {
		return fmt.Errorf("barrier layout: no slots")
	}
	used := make([]bool, len(l.Gains))
	for j, s := range l.Slots {
		if s.Degree < 1 || s.Degree > MaxDegree {
			return fmt.Errorf("barrier layout: slot %d (%s) has relative degree %d, want 1…%d", j, s.Name, s.Degree, MaxDegree)
		}
		if len(s.Gains) != s.Degree {
			return fmt.Errorf("barrier layout: slot %d (%s) has %d gains for relative degree %d", j, s.Name, len(s.Gains), s.Degree)
		}
		for _, g := range s.Gains {
			if g < 0 || g >= len(l.Gains) {
				return fmt.Errorf("barrier layout: slot %d (%s) uses gain %d of %d", j, s.Name, g, len(l.Gains))
			}
			used[g] = true
		}
	}
	for i, u := range used {
		if !u {
			return fmt.Errorf("barrier layout: gain %d (%s) feeds no slot", i, l.Gains[i].Name)
		}
	}
	return nil
}

// CheckRow reports a row that does not fit the layout and m controls.
func (l Layout) CheckRow(r Row, m int) error {
	if r.Slot < 0 || r.Slot >= len(l.Slots) {
		return fmt.Errorf("row for slot %d, the layout has %d", r.Slot, len(l.Slots))
	}
	s := l.Slots[r.Slot]
	if len(r.G) != m || len(r.Lie) != s.Degree+1 {
		return fmt.Errorf("row for slot %d (%s) has %d coefficients and %d Lie values, want %d and %d",
			r.Slot, s.Name, len(r.G), len(r.Lie), m, s.Degree+1)
	}
	return nil
}

// Learned returns the indices in Gains of the learned gains, in order.
func (l Layout) Learned() []int {
	var idx []int
	for i, g := range l.Gains {
		if g.Learned {
			idx = append(idx, i)
		}
	}
	return idx
}

// LieDim is the number of Lie values of one row per slot.
func (l Layout) LieDim() int {
	n := 0
	for _, s := range l.Slots {
		n += s.Degree + 1
	}
	return n
}

// FeatDim is the length of the packed rows (Pack) for m controls.
func (l Layout) FeatDim(m int) int { return len(l.Slots)*m + l.LieDim() }

// PadValue is the value L_f^r b of a padding row (a slot without a row):
// with G = 0 and every other Lie value 0 its constraint 0 ≤ PadValue always
// holds and does not depend on the gains.
const PadValue = 1e3

// Pack writes, for every slot in order, the first of rows that fills it
// into feat (FeatDim(m) values): the slot's G (m values) then its Lie
// values; a slot without a row gets a padding row. It returns, per slot,
// the index in rows of its row or −1 (in filled, resliced).
func (l Layout) Pack(rows []Row, m int, feat []float64, filled []int) []int {
	filled = filled[:0]
	for range l.Slots {
		filled = append(filled, -1)
	}
	for i, r := range rows {
		if r.Slot >= 0 && r.Slot < len(filled) && filled[r.Slot] < 0 {
			filled[r.Slot] = i
		}
	}
	off := 0
	for j, s := range l.Slots {
		g, lie := feat[off:off+m], feat[off+m:off+m+s.Degree+1]
		off += m + s.Degree + 1
		if filled[j] < 0 {
			clear(g)
			clear(lie)
			lie[0] = PadValue
			continue
		}
		copy(g, rows[filled[j]].G)
		copy(lie, rows[filled[j]].Lie)
	}
	return filled
}

// Unpack splits packed rows into the G (slots×m) and Lie (LieDim) parts.
func (l Layout) Unpack(feat []float64, m int, G, lie []float64) {
	off, lo := 0, 0
	for j, s := range l.Slots {
		copy(G[j*m:(j+1)*m], feat[off:off+m])
		copy(lie[lo:lo+s.Degree+1], feat[off+m:off+m+s.Degree+1])
		off += m + s.Degree + 1
		lo += s.Degree + 1
	}
}

// Expand writes the full gain vector (len(Gains) values) into all: the
// learned gains in the order of Learned, every other gain from fixed (in
// the order of the gains that are not learned).
func (l Layout) Expand(all, learned, fixed []float64) {
	li, fi := 0, 0
	for i, g := range l.Gains {
		if g.Learned {
			all[i] = learned[li]
			li++
		} else {
			all[i] = fixed[fi]
			fi++
		}
	}
}

// SlotRHS returns h of a row of slot j with Lie values lie, for the full
// gain vector gains.
func (l Layout) SlotRHS(j int, lie, gains []float64) float64 {
	var p [MaxDegree]float64
	s := l.Slots[j]
	for i, g := range s.Gains {
		p[i] = gains[g]
	}
	return RHS(lie, p[:s.Degree])
}

// Constraints writes the QP rows of packed features: G (slots×m) and h
// (slots) for the full gain vector gains.
func (l Layout) Constraints(feat []float64, m int, gains, G, h []float64) {
	off := 0
	for j, s := range l.Slots {
		copy(G[j*m:(j+1)*m], feat[off:off+m])
		h[j] = l.SlotRHS(j, feat[off+m:off+m+s.Degree+1], gains)
		off += m + s.Degree + 1
	}
}

// Box writes the 2m rows lo ≤ u ≤ hi as G (2m×m) and h (2m), in the order
// u₀ ≤ hi₀, −u₀ ≤ −lo₀, u₁ ≤ hi₁, −u₁ ≤ −lo₁, ….
func Box(lo, hi, G, h []float64) {
	m := len(lo)
	clear(G[:2*m*m])
	for i := range lo {
		G[2*i*m+i], h[2*i] = 1, hi[i]
		G[(2*i+1)*m+i], h[2*i+1] = -1, -lo[i]
	}
}

// Sigmoid maps a raw network output to a gain in (0, pMax), as BarrierNet
// does: pMax·σ(x).
func Sigmoid(x, pMax float64) float64 { return pMax / (1 + math.Exp(-x)) }

// Circle is a circular obstacle: centre (X, Y) and radius R.
type Circle struct{ X, Y, R float64 }

// Clearance returns the geometric barrier ‖p − o‖² − (o.R + r)² of a disc of
// radius r centred at (x, y): negative exactly when it overlaps o.
func Clearance(x, y float64, o Circle, r float64) float64 {
	dx, dy := x-o.X, y-o.Y
	s := o.R + r
	return dx*dx + dy*dy - s*s
}

// Clearances writes into dst (resliced) the geometric barrier of a disc of
// radius r at (x, y) against each obstacle, and returns it with the
// smallest one (+Inf without obstacles).
func Clearances(x, y, r float64, obstacles []Circle, dst []float64) ([]float64, float64) {
	dst = dst[:0]
	least := math.Inf(1)
	for _, o := range obstacles {
		b := Clearance(x, y, o, r)
		dst = append(dst, b)
		least = math.Min(least, b)
	}
	return dst, least
}

// SortNearest writes into order (len(obstacles)) the obstacles' indices by
// their surface distance from (x, y), nearest first, with gap
// (len(obstacles)) as scratch: an insertion sort, quick for a handful of
// obstacles nearly sorted from the last step.
func SortNearest(x, y float64, obstacles []Circle, order []int, gap []float64) {
	for i, o := range obstacles {
		dx, dy := o.X-x, o.Y-y
		gap[i] = math.Hypot(dx, dy) - o.R
		order[i] = i
	}
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && gap[order[j]] < gap[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}
