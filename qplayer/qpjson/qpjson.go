// Package qpjson reads quadratic programs as JSON Lines and writes their
// solutions (and, on request, gradients) the same way. It is the format of
// the `barriergym qp` command, meant for inspecting single problems.
package qpjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/barriergym/barriergym/qplayer"
)

// Problem is one input line: minimize ½zᵀQz + pᵀz s.t. Gz ≤ h, Az = b.
// Dz, when given, is the upstream gradient ∂ℓ/∂z to differentiate.
type Problem struct {
	Name string      `json:"name,omitempty"`
	Q    [][]float64 `json:"Q"`
	P    []float64   `json:"p"`
	G    [][]float64 `json:"G,omitempty"`
	H    []float64   `json:"h,omitempty"`
	A    [][]float64 `json:"A,omitempty"`
	B    []float64   `json:"b,omitempty"`
	Dz   []float64   `json:"dz,omitempty"`
}

// Gradient holds ∂ℓ/∂ of each input for the problem's dz.
type Gradient struct {
	Q [][]float64 `json:"Q"`
	P []float64   `json:"p"`
	G [][]float64 `json:"G"`
	H []float64   `json:"h"`
	A [][]float64 `json:"A"`
	B []float64   `json:"b"`
}

// Answer is one output line. An invalid line carries only name, status and
// error; objective is given for optimal answers only.
type Answer struct {
	Name       string    `json:"name,omitempty"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	Z          []float64 `json:"z"`
	Lambda     []float64 `json:"lambda"`
	Nu         []float64 `json:"nu"`
	Active     []int     `json:"active"`
	Objective  *float64  `json:"objective,omitempty"`
	Iterations int       `json:"iterations"`
	Slack      []float64 `json:"slack,omitempty"`
	Grad       *Gradient `json:"grad,omitempty"`
	// Certificate proves an infeasible answer: y ≥ 0 (one per row of G)
	// and w (one per row of A) with Gᵀy + Aᵀw = 0 and hᵀy + bᵀw < 0.
	Certificate *Certificate `json:"certificate,omitempty"`
	// Direction proves an unbounded answer: d with Qd = 0, pᵀd < 0,
	// Gd ≤ 0, Ad = 0 (max |dᵢ| = 1); z is then that direction too.
	Direction []float64 `json:"direction,omitempty"`
	// Residuals says what an inaccurate answer misses by (relative KKT
	// residuals: stationarity, primal, dual, complementarity).
	Residuals *qplayer.Residuals `json:"residuals,omitempty"`
}

// Certificate is a Farkas certificate of infeasibility.
type Certificate struct {
	Y []float64 `json:"y"`
	W []float64 `json:"w"`
}

// invalidAnswer is the shape of an invalid line's answer.
type invalidAnswer struct {
	Name   string `json:"name,omitempty"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

// line returns what to encode for a.
func (a *Answer) line() any {
	if a.Status == qplayer.Invalid.String() {
		return invalidAnswer{a.Name, a.Status, a.Error}
	}
	return a
}

// orEmpty returns s, or an empty slice for nil so JSON shows [] not null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// fields are the input keys, matched exactly (encoding/json alone would
// also take "q" for "Q").
var fields = map[string]bool{"name": true, "Q": true, "p": true, "G": true, "h": true,
	"A": true, "b": true, "dz": true}

// Decode parses one line strictly: unknown fields, and known ones in the
// wrong case, are errors.
func Decode(line []byte) (*Problem, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(line, &keys); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	for k := range keys {
		if !fields[k] {
			return nil, fmt.Errorf("unknown field %q (the fields are name, Q, p, G, h, A, b, dz)", k)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var p Problem
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("malformed JSON: more than one value on the line")
	}
	return &p, nil
}

// flatten checks that rows is r×cols and returns it row-major.
func flatten(name string, rows [][]float64, cols int) ([]float64, error) {
	out := make([]float64, 0, len(rows)*cols)
	for i, row := range rows {
		if len(row) != cols {
			return nil, fmt.Errorf("%s row %d has %d entries, want %d", name, i, len(row), cols)
		}
		out = append(out, row...)
	}
	return out, nil
}

// Batch checks the problem's shapes and values and returns it as a batch of one.
func (p *Problem) Batch() (*qplayer.Batch, error) {
	n := len(p.Q)
	if n == 0 {
		return nil, errors.New("Q is missing or empty")
	}
	b := &qplayer.Batch{Size: 1, N: n, M: len(p.G), K: len(p.A), P: p.P, H: p.H, B: p.B}
	var err error
	if b.Q, err = flatten("Q", p.Q, n); err != nil {
		return nil, err
	}
	if b.G, err = flatten("G", p.G, n); err != nil {
		return nil, err
	}
	if b.A, err = flatten("A", p.A, n); err != nil {
		return nil, err
	}
	checks := []struct {
		name string
		v    []float64
		want int
	}{{"p", p.P, n}, {"h", p.H, b.M}, {"b", p.B, b.K}}
	if p.Dz != nil {
		checks = append(checks, struct {
			name string
			v    []float64
			want int
		}{"dz", p.Dz, n})
	}
	for _, c := range checks {
		if len(c.v) != c.want {
			return nil, fmt.Errorf("%s has %d entries, want %d", c.name, len(c.v), c.want)
		}
	}
	for _, f := range [][]float64{b.Q, b.P, b.G, b.H, b.A, b.B, p.Dz} {
		for _, v := range f {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.New("the problem holds NaN or Inf")
			}
		}
	}
	return b, nil
}

func invalid(name string, err error) Answer {
	return Answer{Name: name, Status: qplayer.Invalid.String(), Error: err.Error()}
}

// Solve answers one problem with s.
func Solve(s *qplayer.Solver, p *Problem) Answer {
	b, err := p.Batch()
	if err != nil {
		return invalid(p.Name, err)
	}
	var r qplayer.Result
	if err := s.Solve(b, &r); err != nil {
		return invalid(p.Name, err)
	}
	st := r.Status[0]
	if st == qplayer.Invalid {
		why := r.Why(0)
		if why == "the data hold NaN or Inf, or Q is not positive semidefinite" {
			why = "Q is not positive semidefinite" // Batch refused NaN and Inf already
		}
		return invalid(p.Name, errors.New(why))
	}
	a := Answer{Name: p.Name, Status: st.String(), Z: r.Z, Lambda: orEmpty(r.Lambda), Nu: orEmpty(r.Nu),
		Active: orEmpty(r.ActiveSet(0)), Iterations: r.Iter[0]}
	if st == qplayer.Optimal {
		obj := r.Objective(b, 0)
		a.Objective = &obj
	}
	if st == qplayer.Unbounded {
		a.Direction = append([]float64(nil), r.Z...)
	}
	if st == qplayer.Inaccurate {
		res := r.Residuals(b, 0)
		a.Residuals = &res
	}
	if y, w := r.Certificate(0); y != nil {
		a.Certificate = &Certificate{Y: orEmpty(y), W: orEmpty(w)}
	}
	if s.Options().Elastic {
		a.Slack = r.Slack
	}
	if p.Dz != nil {
		var g qplayer.Grad
		if err := s.Backward(b, &r, p.Dz, &g); err != nil {
			return invalid(p.Name, err)
		}
		n := b.N
		a.Grad = &Gradient{Q: rows(g.Q, n), P: g.P, G: rows(g.G, n), H: orEmpty(g.H), A: rows(g.A, n), B: orEmpty(g.B)}
	}
	if err := a.checkFinite(); err != nil {
		return invalid(p.Name, err)
	}
	return a
}

// checkFinite returns an error naming the first value of the answer that
// is NaN or ±Inf: the problem's magnitudes overflowed float64 somewhere,
// and such an answer is not one (JSON cannot even hold it).
func (a *Answer) checkFinite() error {
	type vector struct {
		name string
		v    []float64
	}
	vs := []vector{{"z", a.Z}, {"lambda", a.Lambda}, {"nu", a.Nu}, {"slack", a.Slack}}
	if c := a.Certificate; c != nil {
		vs = append(vs, vector{"certificate.y", c.Y}, vector{"certificate.w", c.W})
	}
	if g := a.Grad; g != nil {
		vs = append(vs, vector{"grad.p", g.P}, vector{"grad.h", g.H}, vector{"grad.b", g.B})
		for _, m := range []struct {
			name string
			rows [][]float64
		}{{"grad.Q", g.Q}, {"grad.G", g.G}, {"grad.A", g.A}} {
			for i, r := range m.rows {
				vs = append(vs, vector{fmt.Sprintf("%s[%d]", m.name, i), r})
			}
		}
	}
	for _, vec := range vs {
		for i, x := range vec.v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%s[%d] is %v: the problem's magnitudes overflow float64 (scale it)", vec.name, i, x)
			}
		}
	}
	if a.Objective != nil && (math.IsNaN(*a.Objective) || math.IsInf(*a.Objective, 0)) {
		return fmt.Errorf("the objective is %v: the problem's magnitudes overflow float64 (scale it)", *a.Objective)
	}
	return nil
}

func rows(flat []float64, n int) [][]float64 {
	out := make([][]float64, 0, len(flat)/n)
	for i := 0; i+n <= len(flat); i += n {
		out = append(out, flat[i:i+n])
	}
	return out
}

// Run answers every line of r on w, in order, one JSON line each written
// as soon as it is solved, and returns how many lines were invalid. Blank
// lines are skipped. Only a read or write failure is returned as an error;
// the answers before it have been written.
func Run(r io.Reader, w io.Writer, s *qplayer.Solver) (invalidLines int, err error) {
	br := bufio.NewReader(r)
	for lineNo := 1; ; lineNo++ {
		line, rerr := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var a Answer
			p, derr := Decode(line)
			if derr != nil {
				a = invalid("", fmt.Errorf("line %d: %w", lineNo, derr))
			} else {
				a = Solve(s, p)
				if a.Error != "" {
					a.Error = fmt.Sprintf("line %d: %s", lineNo, a.Error)
				}
			}
			data, merr := json.Marshal(a.line())
			if merr != nil { // checkFinite keeps this from happening; never drop the line
				a = invalid(a.Name, fmt.Errorf("line %d: %w", lineNo, merr))
				data, _ = json.Marshal(a.line())
			}
			if a.Status == qplayer.Invalid.String() {
				invalidLines++
			}
			// Each answer goes out whole as soon as it is known.
			if _, err := w.Write(append(data, '\n')); err != nil {
				return invalidLines, fmt.Errorf("write answer %d: %w", lineNo, err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return invalidLines, fmt.Errorf("read line %d: %w", lineNo, rerr)
		}
	}
	return invalidLines, nil
}
