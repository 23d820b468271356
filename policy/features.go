package policy

import (
	"fmt"

	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// padH is the barrier value of a padding row (fewer obstacles than rows):
// with G = 0 the row 0·u ≤ α·padH always holds.
const padH = 1e3

// Robot2DFeatures writes the HOCBF coefficients of state s for obstacle o:
// −L_gL_f b (2), L_f²b, L_f b, b.
func Robot2DFeatures(s [4]float64, o barrier.Circle, dst []float64) {
	c := barrier.Robot2DHOCBF(s, o)
	dst[0], dst[1], dst[2], dst[3], dst[4] = -c.LgLfB[0], -c.LgLfB[1], c.Lf2B, c.LfB, c.B
}

// Features writes the state-only barrier coefficients of e's current state
// into dst (length spec.FeatDim()).
func Features(spec Spec, e env.Env, dst []float64) error {
	switch x := e.(type) {
	case *env.Robot2D:
		Robot2DFeatures([4]float64(x.State()), x.Obstacles()[0], dst)
		return nil
	case *env.Nav:
		var buf [16]barrier.CBF
		cbfs := x.CBFs(buf[:0])
		for j := 0; j < spec.NCBF; j++ {
			f := dst[3*j : 3*j+3]
			if j >= len(cbfs) {
				f[0], f[1], f[2] = 0, 0, padH
				continue
			}
			f[0], f[1], f[2] = cbfs[j].G[0], cbfs[j].G[1], cbfs[j].H
		}
		return nil
	}
	return fmt.Errorf("policy: no features for scenario %s", e.Name())
}

// qpRows writes the QP's rows for one sample: the CBF rows from the
// features and gains, then the four bounds. G is Rows()×2, h Rows().
func (s Spec) qpRows(feat, gains, G, h []float64) {
	if s.Scenario == "robot2d" {
		G[0], G[1] = feat[0], feat[1]
		p1, p2 := gains[0], gains[1]
		h[0] = feat[2] + (p1+p2)*feat[3] + p1*p2*feat[4]
	} else {
		for j := 0; j < s.NCBF; j++ {
			G[2*j], G[2*j+1] = feat[3*j], feat[3*j+1]
			h[j] = gains[j] * feat[3*j+2]
		}
	}
	if s.Bounds {
		s.boxRows(G[2*s.NCBF:], h[s.NCBF:])
	}
}

// boxRows writes the four bound rows.
func (s Spec) boxRows(G, h []float64) {
	for i, r := range barrier.BoxRows(s.Lo, s.Hi) {
		G[2*i], G[2*i+1], h[i] = r.G[0], r.G[1], r.H
	}
}
