package configs

import (
	"strings"
	"testing"
)

// FuzzParse: any bytes given as a config either load, validate and survive
// a render-and-parse round trip, or are refused with an error naming the
// file — never a panic.
func FuzzParse(f *testing.F) {
	for _, name := range Names() {
		data, _, err := Embedded(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"env:\n  scenario: nav\n   nav: [\n", "env: 3\n", "name: x\n",
		"env:\n  scenario: nav\n  nav:\n    dt: 1e308\n", "env:\n  scenario: robot2d\nbarrier:\n  gains: [1, 2, 3]\n",
		"env:\n  scenario: drive\nbarrier:\n  p_max: 4\n  p_min: 4\n", "\t\x00\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file's name: %v", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("loaded but does not validate: %v", err)
		}
		if _, err := cfg.Task(); err != nil {
			t.Fatalf("loaded but its scenario refuses it: %v", err)
		}
		text, err := Render(cfg)
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		if _, err := Parse("rendered.yaml", text); err != nil {
			t.Fatalf("the rendered config does not load: %v\n%s", err, text)
		}
	})
}
