package scenariotest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// rowKey identifies a row across steps: its slot and its shape.
type rowKey struct{ slot, shape int }

// LieDerivatives checks every CBF row's Lie values against central
// differences along trajectories the simulator produces, for a task whose
// time step dt is small (1e-4 s, say): along a trajectory with u held,
//
//	d/dt L_f^k b = L_f^{k+1} b          for k < r−1
//	d/dt L_f^{r−1} b = L_f^r b − G·u    (G = −L_g L_f^{r−1} b)
//
// It starts from reset (nil: Reset with seeds 0, 1, …) and starts again
// every 20 comparisons of controls, random within the bounds and held
// three steps at a time, until it has made `checks` comparisons; it fails
// on a relative error above tol. Rows are matched across steps by slot and
// shape.
func LieDerivatives(t *testing.T, task env.Task, reset func(e env.Env, rng *rand.Rand), checks int, tol float64) {
	t.Helper()
	spec := task.Spec()
	e := task.NewEnv()
	rng := rand.New(rand.NewPCG(11, 13))
	m := len(spec.Controls)
	u := make([]float64, m)
	var bufs [3][]barrier.Row
	var snap [3]map[rowKey][]float64
	done, seed := 0, uint64(0)
	restart := func() {
		if reset != nil {
			reset(e, rng)
		} else {
			e.Reset(seed)
		}
		seed++
	}
	restart()
	for tries := 0; done < checks; tries++ {
		if tries > 100*checks+1000 {
			t.Fatalf("only %d of %d comparisons in %d tries: rows vanish or episodes end too soon", done, checks, tries)
		}
		if tries%20 == 19 {
			restart()
		}
		for i, c := range spec.Controls {
			u[i] = c.Lo + (c.Hi-c.Lo)*rng.Float64()
		}
		ended := false
		for k := 0; k < 3; k++ {
			_, _, _, term, trunc, _ := e.Step(u)
			bufs[k] = e.CBFRows(bufs[k])
			snap[k] = snapshot(bufs[k])
			ended = ended || term || trunc
		}
		if ended {
			restart()
			continue
		}
		for key, mid := range snap[1] {
			prev, next := snap[0][key], snap[2][key]
			if prev == nil || next == nil {
				continue
			}
			r := len(mid) - m - 1 // mid holds G (m) then Lie (r+1)
			G, lie := mid[:m], mid[m:]
			for k := 1; k <= r; k++ {
				got := (next[m+k] - prev[m+k]) / (2 * spec.Dt)
				want := lie[k-1]
				if k == 1 {
					for i := range G {
						want -= G[i] * u[i]
					}
				}
				if math.Abs(got-want) > tol*(1+math.Abs(want)) {
					t.Fatalf("slot %d (%s), shape %d: d/dt L_f^%d b = %v by finite differences, the row says %v",
						key.slot, spec.Layout.Slots[key.slot].Name, key.shape, r-k, got, want)
				}
				done++
			}
		}
	}
}

// snapshot copies rows' G and Lie values by key.
func snapshot(rows []barrier.Row) map[rowKey][]float64 {
	out := make(map[rowKey][]float64, len(rows))
	for _, r := range rows {
		out[rowKey{r.Slot, r.Shape}] = append(append([]float64(nil), r.G...), r.Lie...)
	}
	return out
}
