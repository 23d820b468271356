package configs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/env"
	_ "github.com/barriergym/barriergym/scenarios"
	"go.yaml.in/yaml/v3"
)

// TestEmbeddedConfigsLoad: every embedded config of every registered
// scenario loads and belongs to that scenario; a config named after its
// scenario spells out the defaults.
func TestEmbeddedConfigsLoad(t *testing.T) {
	for _, scenario := range env.Names() {
		names := NamesOf(scenario)
		if len(names) == 0 {
			t.Errorf("scenario %s embeds no config", scenario)
		}
		for _, name := range names {
			c, err := Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if c.Env.Scenario != scenario {
				t.Errorf("%s, embedded by %s, is a %s config", name, scenario, c.Env.Scenario)
			}
			if name != scenario {
				continue
			}
			d, _ := Default(scenario)
			if !reflect.DeepEqual(c, d) {
				t.Errorf("%s.yaml differs from the defaults:\n%+v\n%+v", name, c, d)
			}
		}
	}
}

// TestRenderRoundTrip: `config show` output has a comment on every key
// and parses back to the same config.
func TestRenderRoundTrip(t *testing.T) {
	for _, name := range Names() {
		c, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		text, err := Render(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(name+".yaml", text)
		if err != nil {
			t.Fatalf("%s: rendered config does not parse: %v\n%s", name, err, text)
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("%s: rendered config parses to\n%+v\nwant\n%+v", name, back, c)
		}
		var root yaml.Node
		if err := yaml.Unmarshal(text, &root); err != nil {
			t.Fatal(err)
		}
		var walk func(n *yaml.Node, path string)
		walk = func(n *yaml.Node, path string) {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.LineComment == "" && v.LineComment == "" {
					t.Errorf("%s: key %s%s has no comment", name, path, k.Value)
				}
				if v.Kind == yaml.MappingNode {
					walk(v, path+k.Value+".")
				}
			}
		}
		walk(root.Content[0], "")
	}
}

// TestOldRunConfigs: a run's config.yaml from before scenarios were
// plug-ins holds every scenario's section; it still loads, with the
// selected one's values.
func TestOldRunConfigs(t *testing.T) {
	old := "name: x\nenv:\n  scenario: nav\n  robot2d:\n    dt: 0.1\n    horizon: 137\n  nav:\n    dt: 0.05\n    obstacles: 3\n"
	c, err := Parse("old.yaml", []byte(old))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := yaml.Marshal(c)
	if !strings.Contains(string(out), "obstacles: 3") || strings.Contains(string(out), "horizon: 137") {
		t.Errorf("resolved config:\n%s", out)
	}
}

func TestLoadByPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mine.yaml")
	os.WriteFile(p, []byte("env:\n  scenario: nav\n  nav:\n    obstacles: 3\nbarrier:\n  weights: [5, 6]\n"), 0o644)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := Default(c.Env.Scenario)
	text, _ := yaml.Marshal(c.Env)
	if !strings.Contains(string(text), "obstacles: 3") || c.Barrier.Weights[1] != 6 || !reflect.DeepEqual(c.Barrier.Gains, full.Barrier.Gains) {
		t.Errorf("partial config not merged with the defaults:\n%s%+v", text, c.Barrier)
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
		{"unknown section", "env:\n  scenario: nav\n  mars:\n    dt: 0.1\n", "bad.yaml:3: env.mars: unknown key (allowed here: scenario, "},
		{"wrong type", "env:\n  scenario: nav\n  nav:\n    horizon: abc\n", `bad.yaml:4: env.nav.horizon: "abc" is not a whole number`},
		{"float for int", "env:\n  scenario: nav\n  nav:\n    obstacles: 2.5\n", `bad.yaml:4: env.nav.obstacles: "2.5" is not a whole number`},
		{"negative dt", "env:\n  scenario: nav\n  nav:\n    dt: -0.05\n", "bad.yaml:4: env.nav.dt: -0.05, want 0 < dt ≤ 1 s"},
		{"huge dt", "env:\n  scenario: nav\n  nav:\n    dt: 1e308\n", "bad.yaml:4: env.nav.dt: 1e+308, want 0 < dt ≤ 1 s"},
		{"dt 1e5", "env:\n  scenario: nav\n  nav:\n    dt: 1e5\n", "bad.yaml:4: env.nav.dt: 100000, want 0 < dt ≤ 1 s"},
		{"huge arena", "env:\n  scenario: nav\n  nav:\n    arena: 1e300\n", "bad.yaml:4: env.nav.arena: 1e+300, want 0 < arena ≤ 1000 m"},
		{"huge horizon", "env:\n  scenario: nav\n  nav:\n    horizon: 100000000\n", "bad.yaml:4: env.nav.horizon: 100000000, want 1 ≤ horizon ≤ 1000000 steps"},
		{"negative count", "env:\n  scenario: nav\n  nav:\n    obstacles: -1\n", "bad.yaml:4: env.nav.obstacles: -1, want ≥ 0"},
		{"zero radius", "env:\n  scenario: nav\n  nav:\n    radius_min: 0\n", "bad.yaml:4: env.nav.radius_min: 0, want 0 < radius_min ≤ 5 m (half the arena)"},
		{"crowded", "env:\n  scenario: nav\n  nav:\n    obstacles: 300\n", "bad.yaml:4: env.nav.obstacles: placed only"},
		{"short array", "env:\n  scenario: robot2d\n  robot2d:\n    start: [5, 15]\n", "bad.yaml:4: env.robot2d.start: want a list of 4 values, got 2"},
		{"start in obstacle", "env:\n  scenario: robot2d\n  robot2d:\n    start: [40, 15, 0, 2]\n", "bad.yaml:4: env.robot2d.start: [40 15 0 2] lies inside the obstacle"},
		{"scenario", "env:\n  scenario: mars\n", `bad.yaml:2: env.scenario: no scenario "mars" (registered: `},
		{"no scenario", "name: x\n", "bad.yaml: env.scenario is missing"},
		{"syntax", "env:\n  scenario: nav\n   nav: [\n", "bad.yaml:"},
		// The line of the mistake, not of the block it is in.
		{"indentation", "name: x\nenv:\n  scenario: nav\n  nav:\n    dt: 0.1\n   horizon: 100\n", `bad.yaml:6: did not find expected key (at "horizon: 100")`},
		{"unclosed list", "name: x\nenv:\n  scenario: nav\n\ntrain:\n  epochs: 3\n  seed: [1\n  episodes: 4\n", `bad.yaml:7: did not find expected ',' or ']' (at "seed: [1")`},
		{"tab", "name: x\nenv:\n  scenario: nav\ntrain:\n\tepochs: 3\n", "bad.yaml:5: found character that cannot start any token"},
		{"gains", "env:\n  scenario: robot2d\nbarrier:\n  gains: [1, 2, 3]\n", "bad.yaml:4: barrier.gains: [1 2 3], want 1 value (for every gain) or 2 (p₁, p₂)"},
		{"negative gain", "env:\n  scenario: nav\nbarrier:\n  gains: [-1]\n", "bad.yaml:4: barrier.gains: [-1], want every gain > 0"},
		{"gain floor", "env:\n  scenario: nav\nbarrier:\n  p_max: 4\n  p_min: 4\n", "bad.yaml:5: barrier.p_min: 4, want ≥ 0 and below p_max = 4"},
		{"weights", "env:\n  scenario: robot2d\nbarrier:\n  weights: [1]\n", "bad.yaml:4: barrier.weights: [1], want 2 values > 0 (one per control: θ̇, a)"},
		{"log std", "env:\n  scenario: nav\ntrain:\n  ppo:\n    log_std_init: [1, 2, 3]\n", "bad.yaml:5: train.ppo.log_std_init: [1 2 3], want 2 values (one per control: v, ω)"},
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
