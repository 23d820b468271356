package env_test

import (
	"strings"
	"testing"

	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scenariotest"
)

func init() { env.Register(scenariotest.Chain("envtest-chain")) }

func TestRegistry(t *testing.T) {
	if _, err := env.Lookup("envtest-chain"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Lookup("mars"); err == nil || !strings.Contains(err.Error(), "envtest-chain") {
		t.Errorf("unknown scenario: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice did not panic")
		}
	}()
	env.Register(scenariotest.Chain("envtest-chain"))
}

func chainTask(t *testing.T) env.Task {
	sc, _ := env.Lookup("envtest-chain")
	task, err := sc.Task(sc.Settings())
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// TestVecDeterministic: a vectorized run is the same with one worker or
// two, and auto-resets.
func TestVecDeterministic(t *testing.T) {
	task := chainTask(t)
	run := func(workers int) [][]float64 {
		v, err := env.NewVec(5, 7, workers, task)
		if err != nil {
			t.Fatal(err)
		}
		v.Reset()
		acts := make([][]float64, 5)
		for i := range acts {
			acts[i] = []float64{0.3 * float64(i-2), -0.5}
		}
		var trace [][]float64
		ends := 0
		for k := 0; k < 250; k++ {
			for _, tr := range v.Step(acts) {
				trace = append(trace, append([]float64{tr.Reward, tr.Cost}, tr.Obs...))
				if tr.Truncated || tr.Terminated {
					ends++
				}
			}
		}
		if ends < 5 {
			t.Fatalf("only %d episodes ended: no auto-reset tested", ends)
		}
		return trace
	}
	a, b := run(1), run(2)
	for i := range a {
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				t.Fatalf("row %d differs between 1 and 2 workers", i)
			}
		}
	}
	if _, err := env.NewVec(0, 1, 1, task); err == nil {
		t.Error("zero copies accepted")
	}
}

func TestDecodeLine(t *testing.T) {
	var v struct{ A int }
	for _, c := range []struct {
		line string
		ok   bool
	}{{`{"A":1}`, true}, {`{"A":1,"B":2}`, false}, {`{"A":1} {"A":2}`, false}, {`{"A":"x"}`, false}, {`[`, false}} {
		if err := env.DecodeLine([]byte(c.line), &v); (err == nil) != c.ok {
			t.Errorf("%s: error %v", c.line, err)
		}
	}
}

func TestChainConforms(t *testing.T) {
	scenariotest.Conformance(t, chainTask(t), 3)
}
