package configs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestEmbeddedConfigsLoad(t *testing.T) {
	for _, name := range []string{"robot2d", "nav"} {
		c, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := Default(name)
		d.Name = name
		// The files spell out the defaults: loading them changes nothing.
		if !reflect.DeepEqual(c, d) {
			t.Errorf("%s.yaml differs from the defaults:\n%+v\n%+v", name, c, d)
		}
	}
	if len(Names()) < 2 {
		t.Errorf("embedded names %v", Names())
	}
}

func TestLoadByPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mine.yaml")
	os.WriteFile(p, []byte("env:\n  scenario: nav\n  nav:\n    obstacles: 3\n"), 0o644)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Env.Nav.Obstacles != 3 || c.Env.Nav.Dt != 0.05 || c.Barrier.Weights[0] != 100 {
		t.Errorf("partial config not merged with the defaults: %+v", c)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load("nosuchname"); err == nil || !strings.Contains(err.Error(), "embedded: ") {
		t.Errorf("unknown name: %v", err)
	}
}

// TestBadConfigs: every error names the file, the line and the key.
func TestBadConfigs(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown key", "env:\n  scenario: nav\n  nav:\n    dtt: 0.1\n", "bad.yaml:4: env.nav.dtt: unknown key (allowed here: dt, horizon"},
		{"wrong type", "env:\n  scenario: nav\n  nav:\n    horizon: abc\n", `bad.yaml:4: env.nav.horizon: "abc" is not a whole number`},
		{"float for int", "env:\n  scenario: nav\n  nav:\n    obstacles: 2.5\n", `bad.yaml:4: env.nav.obstacles: "2.5" is not a whole number`},
		{"negative dt", "env:\n  scenario: nav\n  nav:\n    dt: -0.05\n", "bad.yaml:4: env.nav.dt: -0.05, want a finite value > 0"},
		{"negative count", "env:\n  scenario: nav\n  nav:\n    obstacles: -1\n", "bad.yaml:4: env.nav.obstacles: -1, want ≥ 0"},
		{"zero radius", "env:\n  scenario: nav\n  nav:\n    radius_min: 0\n", "bad.yaml:4: env.nav.radius_min: 0, want a finite value > 0"},
		{"crowded", "env:\n  scenario: nav\n  nav:\n    obstacles: 300\n", "bad.yaml:4: env.nav.obstacles: placed only"},
		{"short array", "env:\n  scenario: robot2d\n  robot2d:\n    start: [5, 15]\n", "bad.yaml:4: env.robot2d.start: want a list of 4 values, got 2"},
		{"start in obstacle", "env:\n  scenario: robot2d\n  robot2d:\n    start: [40, 15, 0, 2]\n", "bad.yaml:4: env.robot2d.start: [40 15 0 2] lies inside the obstacle"},
		{"scenario", "env:\n  scenario: mars\n", `bad.yaml:2: env.scenario: "mars", want one of [robot2d nav]`},
		{"no scenario", "name: x\n", "bad.yaml: env.scenario is missing"},
		{"syntax", "env:\n  scenario: nav\n   nav: [\n", "bad.yaml:"},
		{"gains", "env:\n  scenario: robot2d\nbarrier:\n  gains: [1]\n", "bad.yaml:4: barrier.gains: [1], want two gains"},
		{"negative gain", "env:\n  scenario: nav\nbarrier:\n  gains: [-1]\n", "bad.yaml:4: barrier.gains: [-1], want every gain > 0"},
		{"section type", "env: 3\n", "bad.yaml:1: env: want a mapping of keys"},
		{"twice", "env:\n  scenario: nav\n  scenario: nav\n", "bad.yaml:3: env.scenario: given twice"},
		{"head", "env:\n  scenario: nav\npolicy:\n  head: transformer\n", `bad.yaml:4: policy.head: "transformer", want barriernet or mlp`},
		{"eval", "env:\n  scenario: nav\neval:\n  episodes: 0\n", "bad.yaml:4: eval.episodes: 0, want ≥ 1"},
		{"empty", "", "bad.yaml: empty config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
