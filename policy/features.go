package policy

import (
	"github.com/barriergym/barriergym/barrier"
	"github.com/barriergym/barriergym/env"
)

// Features packs an environment's CBF rows into a policy's per-sample
// features (barrier.Layout.Pack: per slot G and the Lie values), keeping
// scratch memory: one per goroutine.
type Features struct {
	spec   Spec
	rows   []barrier.Row
	filled []int
}

// NewFeatures returns a packer for spec.
func NewFeatures(spec Spec) *Features { return &Features{spec: spec} }

// Read writes the features of e's current state into dst (FeatDim values).
func (f *Features) Read(e env.Env, dst []float64) {
	f.rows = e.CBFRows(f.rows)
	f.filled = f.spec.Layout.Pack(f.rows, f.spec.M(), dst, f.filled)
}

// Pack writes the features of given rows into dst.
func (f *Features) Pack(rows []barrier.Row, dst []float64) {
	f.filled = f.spec.Layout.Pack(rows, f.spec.M(), dst, f.filled)
}

// Shape returns the scene key of the row that filled slot j in the last
// Read (0: padding, or a row without a shape).
func (f *Features) Shape(j int) int {
	if i := f.filled[j]; i >= 0 {
		return f.rows[i].Shape
	}
	return 0
}

// qpRows writes the QP's rows for one sample: the CBF rows from the
// features and the full gain vector, then the bounds. G is Rows()×m, h
// Rows().
func (s Spec) qpRows(feat, gains, G, h []float64) {
	m, k := s.M(), s.NCBF()
	s.Layout.Constraints(feat, m, gains, G[:k*m], h[:k])
	if s.Bounds {
		barrier.Box(s.Lo, s.Hi, G[k*m:], h[k:])
	}
}
