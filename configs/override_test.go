package configs

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// overridesOf parses a sweep-like YAML mapping of dotted keys into
// overrides written in file.
func overridesOf(t *testing.T, file, text string) []Override {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(text), &root); err != nil {
		t.Fatal(err)
	}
	m := root.Content[0]
	var out []Override
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, Override{Key: m.Content[i].Value, Value: m.Content[i+1], File: file})
	}
	return out
}

// TestLoadWithOverrides: overrides set nested keys (existing or not in the
// base file), and every kind of mistake names the override's file and line.
func TestLoadWithOverrides(t *testing.T) {
	c, err := LoadWith("nav-ppo", overridesOf(t, "s.yaml", "train.ppo.total_steps: 64000\nbarrier.p_max: 3.5\ntrain.seed: 7\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Train.PPO.TotalSteps != 64000 || c.Barrier.PMax != 3.5 || c.Train.Seed != 7 {
		t.Errorf("overrides not applied: %d %v %d", c.Train.PPO.TotalSteps, c.Barrier.PMax, c.Train.Seed)
	}
	for _, tc := range []struct{ text, want string }{
		{"x: 1\ntrain.ppo.totl_steps: 5\n", "s.yaml:2: train.ppo.totl_steps: unknown key"},
		{"train.ppo.total_steps: many\n", `s.yaml:1: train.ppo.total_steps: "many" is not`},
		{"\n\ntrain.ppo.total_steps: -5\n", "s.yaml:3: train.ppo.total_steps:"},
		{"train.ppo: 3\n", "s.yaml:1: train.ppo: want a mapping"},
	} {
		ov := overridesOf(t, "s.yaml", tc.text)
		if ov[0].Key == "x" {
			ov = ov[1:]
		}
		_, err := LoadWith("nav-ppo", ov)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.text, err, tc.want)
		}
	}
}
