package qpjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/qplayer"
)

// Known optima of the public problems in ../testdata/public.jsonl (objective
// without the constant terms the sources add).
var known = map[string]struct {
	z   []float64
	obj float64
}{
	"dqp_readme":       {[]float64{0.5, 0.5}, 0.5},
	"quadprog_solveQP": {[]float64{10.0 / 21, 22.0 / 21, 44.0 / 21}, -50.0 / 21},
	"osqp_basic_qp":    {[]float64{0.3, 0.7}, 1.88},
	"hs21":             {[]float64{2, 0}, 0.04},                           // −99.96 with HS21's constant −100
	"hs35":             {[]float64{4.0 / 3, 7.0 / 9, 4.0 / 9}, 1.0/9 - 9}, // 1/9 with HS35's constant 9
	"qptest":           {[]float64{0.7625, 0.475}, 4.371875},
}

func run(t *testing.T, path string, opts qplayer.Options) ([]Answer, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return answer(t, f, opts)
}

// answer runs every line of r and decodes the answers, each of which must
// be valid JSON.
func answer(t *testing.T, r io.Reader, opts qplayer.Options) ([]Answer, int) {
	t.Helper()
	s, err := qplayer.NewSolver(opts)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	bad, err := Run(r, &out, s)
	if err != nil {
		t.Fatal(err)
	}
	var answers []Answer
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var a Answer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		answers = append(answers, a)
	}
	return answers, bad
}

func TestPublicProblems(t *testing.T) {
	for _, elastic := range []bool{false, true} {
		answers, bad := run(t, "../testdata/public.jsonl", qplayer.Options{Elastic: elastic})
		if bad != 0 || len(answers) != len(known) {
			t.Fatalf("%d answers, %d invalid; want %d, 0", len(answers), bad, len(known))
		}
		for _, a := range answers {
			k, ok := known[a.Name]
			if !ok {
				t.Fatalf("unexpected problem %q", a.Name)
			}
			if a.Status != "optimal" {
				t.Fatalf("%s: status %s", a.Name, a.Status)
			}
			for i := range k.z {
				if math.Abs(a.Z[i]-k.z[i]) > 1e-9 {
					t.Errorf("%s (elastic=%v): z = %v, want %v", a.Name, elastic, a.Z, k.z)
					break
				}
			}
			if math.Abs(*a.Objective-k.obj) > 1e-9 {
				t.Errorf("%s: objective %v, want %v", a.Name, *a.Objective, k.obj)
			}
			if elastic && len(a.Slack) != len(a.Lambda) {
				t.Errorf("%s: elastic answer without slack", a.Name)
			}
			if a.Name == "dqp_readme" {
				g := a.Grad
				if g == nil || math.Abs(g.H[0]+1) > 1e-12 || math.Abs(g.P[0]) > 1e-12 {
					t.Errorf("dqp_readme gradient for dz = Qz: %+v", g)
				}
			}
		}
	}
}

func TestBadLines(t *testing.T) {
	answers, bad := run(t, "../testdata/bad.jsonl", qplayer.Options{})
	if len(answers) != 5 || bad != 4 {
		t.Fatalf("%d answers, %d invalid; want 5 and 4", len(answers), bad)
	}
	wants := []string{"not positive semidefinite", "p has 3 entries", "line 3: malformed JSON", `unknown field "q"`}
	for i, w := range wants {
		if answers[i].Status != "invalid" || !strings.Contains(answers[i].Error, w) {
			t.Errorf("line %d: %+v, want invalid with %q", i+1, answers[i], w)
		}
	}
	if answers[4].Status != "infeasible" {
		t.Errorf("line 5: %+v, want infeasible", answers[4])
	}
}

// TestOverflowingAnswers: an answer that would hold NaN or ±Inf becomes an
// invalid line naming the value, and the lines around it are still answered
// in order, each as valid JSON.
func TestOverflowingAnswers(t *testing.T) {
	in := strings.Join([]string{
		`{"name":"fine","Q":[[2,0],[0,2]],"p":[1,1]}`,
		`{"name":"huge p","Q":[[2,0],[0,2]],"p":[1e200,1e200]}`,
		`{"name":"huge dz","Q":[[2]],"p":[1e10],"dz":[1e300]}`,
		`{"name":"tiny Q","Q":[[1e-308]],"p":[1e10]}`,
		`{"name":"after","Q":[[2]],"p":[3]}`,
	}, "\n")
	answers, bad := answer(t, strings.NewReader(in), qplayer.Options{})
	wants := []struct{ status, err string }{
		{"optimal", ""},
		{"invalid", "line 2: the objective is NaN"},
		{"invalid", "line 3: qplayer: backward: the gradient overflows float64"},
		{"invalid", "line 4: z overflows float64"},
		{"optimal", ""},
	}
	if len(answers) != len(wants) || bad != 3 {
		t.Fatalf("%d answers, %d invalid; want %d and 3: %+v", len(answers), bad, len(wants), answers)
	}
	for i, w := range wants {
		a := answers[i]
		if a.Status != w.status || !strings.Contains(a.Error, w.err) {
			t.Errorf("line %d: status %q error %q, want %q and %q", i+1, a.Status, a.Error, w.status, w.err)
		}
	}
}

// TestCertificateLine: an infeasible line carries its Farkas certificate.
func TestCertificateLine(t *testing.T) {
	answers, _ := answer(t, strings.NewReader(`{"Q":[[1]],"p":[0],"A":[[1],[2]],"b":[1,3],"G":[[1]],"h":[5]}`), qplayer.Options{})
	a := answers[0]
	if a.Status != "infeasible" || a.Certificate == nil || len(a.Certificate.Y) != 1 || len(a.Certificate.W) != 2 {
		t.Fatalf("%+v", a)
	}
	y, w := a.Certificate.Y, a.Certificate.W
	if y[0] < 0 || math.Abs(y[0]+w[0]+2*w[1]) > 1e-12 || 5*y[0]+w[0]+3*w[1] >= 0 {
		t.Errorf("certificate y %v w %v does not prove x = 1, 2x = 3, x ≤ 5 infeasible", y, w)
	}
}

// TestUnboundedLine: an unbounded line carries its direction of recession.
func TestUnboundedLine(t *testing.T) {
	answers, _ := answer(t, strings.NewReader(`{"Q":[[0,0],[0,1]],"p":[1,1],"G":[[1,1]],"h":[0]}`), qplayer.Options{})
	if a := answers[0]; a.Status != "unbounded" || len(a.Direction) != 2 || a.Direction[0] != -1 || a.Direction[1] != 0 {
		t.Errorf("%+v", a)
	}
}
