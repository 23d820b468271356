package eval

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/control"
	"github.com/barriergym/barriergym/env"
)

// obsSteer is a controller that reads its observation: it drives at a
// speed set by the first observation entry, so that noise on what it sees
// changes where it goes.
type obsSteer struct{ u []float64 }

func (c *obsSteer) Act(_ env.Env, obs []float64) control.Decision {
	c.u[0], c.u[1] = 0.5+0.1*math.Tanh(obs[0]), 0.3*math.Tanh(obs[1])
	return control.Decision{Ref: c.u, U: c.u}
}

// TestPerturbations on nav: no perturbation (gain 1, no delay, no noise)
// gives the episodes of a plain run bit for bit; observation noise changes
// them, reproducibly from its seed whatever the number of workers; a
// slower actuator, a delay, state measurement noise and process noise
// change the expert's episodes, the same for 1 and 2 workers; impossible
// values are refused.
func TestPerturbations(t *testing.T) {
	cfg, err := configs.Default("nav")
	if err != nil {
		t.Fatal(err)
	}
	run := func(policy string, p Perturbation, workers int) []Episode {
		t.Helper()
		newC := func() (control.Controller, error) { return NewController(cfg, policy) }
		if policy == "obs" {
			newC = func() (control.Controller, error) { return &obsSteer{u: make([]float64, 2)}, nil }
		}
		eps, err := Run(cfg, newC, Seeds(7, 8), Options{Workers: workers, Perturb: p})
		if err != nil {
			t.Fatal(err)
		}
		return eps
	}
	plain := run("expert", Perturbation{}, 2)
	if !reflect.DeepEqual(run("expert", Perturbation{ActGain: 1}, 2), plain) {
		t.Error("gain 1 changed the episodes")
	}
	clean := run("obs", Perturbation{}, 2)
	noisy := run("obs", Perturbation{ObsNoise: 0.5, Seed: 3}, 2)
	if reflect.DeepEqual(noisy, clean) {
		t.Error("observation noise changed nothing")
	}
	if !reflect.DeepEqual(run("obs", Perturbation{ObsNoise: 0.5, Seed: 3}, 1), noisy) {
		t.Error("noisy episodes differ between 1 and 2 workers")
	}
	if reflect.DeepEqual(run("obs", Perturbation{ObsNoise: 0.5, Seed: 4}, 2), noisy) {
		t.Error("another noise seed gave the same episodes")
	}
	for _, p := range []Perturbation{{ActGain: 0.5}, {ActDelay: true}, {StateNoise: 0.2, Seed: 1}, {ProcessNoise: 1, Seed: 1}} {
		got := run("expert", p, 2)
		if reflect.DeepEqual(got, plain) {
			t.Errorf("%+v changed nothing", p)
		}
		if !reflect.DeepEqual(run("expert", p, 1), got) {
			t.Errorf("%+v: episodes differ between 1 and 2 workers", p)
		}
	}
	for _, p := range []Perturbation{{ObsNoise: -1}, {ObsNoise: math.NaN()}, {ActGain: math.Inf(1)}, {ActGain: -2},
		{StateNoise: -0.1}, {ProcessNoise: math.Inf(1)}} {
		if _, err := Run(cfg, func() (control.Controller, error) { return NewController(cfg, "expert") },
			Seeds(1, 1), Options{Perturb: p}); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

// TestActuate: with gain 2 and a delay the executed controls are 0, then
// twice each decided control one step late; observation noise has mean 0
// and standard deviation σ.
func TestActuate(t *testing.T) {
	p := &player{pert: Perturbation{ActGain: 2, ActDelay: true}}
	var got [][]float64
	for _, u := range [][]float64{{1, -1}, {2, 3}, {5, 0}} {
		got = append(got, append([]float64(nil), p.actuate(u)...))
	}
	if want := [][]float64{{0, 0}, {2, -2}, {4, 6}}; !reflect.DeepEqual(got, want) {
		t.Errorf("executed %v, want %v", got, want)
	}
	q := &player{pert: Perturbation{ObsNoise: 0.3}}
	rng := rand.New(rand.NewPCG(1, 1))
	obs := make([]float64, 20000)
	seen := q.observe(obs, rng)
	mean, sq := 0.0, 0.0
	for _, v := range seen {
		mean += v / float64(len(seen))
		sq += v * v / float64(len(seen))
	}
	if math.Abs(mean) > 0.01 || math.Abs(math.Sqrt(sq)-0.3) > 0.01 || obs[0] != 0 {
		t.Errorf("noise mean %v, std %v (the observation itself changed: %v)", mean, math.Sqrt(sq), obs[0] != 0)
	}
}
