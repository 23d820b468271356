package scenarios

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
	"github.com/barriergym/barriergym/scenariotest"
)

// TestRegistered: every built-in scenario conforms to the contract with
// its default settings, embeds a config named after itself, and no two
// embed a config of the same name.
func TestRegistered(t *testing.T) {
	if len(env.Names()) < 3 {
		t.Fatalf("registered: %v", env.Names())
	}
	owner := map[string]string{}
	for _, name := range env.Names() {
		t.Run(name, func(t *testing.T) {
			sc, _ := env.Lookup(name)
			cfg, err := configs.Default(name)
			if err != nil {
				t.Fatal(err)
			}
			task, err := cfg.Task()
			if err != nil {
				t.Fatal(err)
			}
			scenariotest.Conformance(t, task, 3)
			entries, _ := fs.ReadDir(sc.Configs(), ".")
			self := false
			for _, e := range entries {
				n := strings.TrimSuffix(e.Name(), ".yaml")
				if o, dup := owner[n]; dup {
					t.Errorf("config %s embedded by %s and %s", n, o, name)
				}
				owner[n] = name
				self = self || n == name
			}
			if !self {
				t.Errorf("%s embeds no config named %s.yaml", name, name)
			}
		})
	}
}
