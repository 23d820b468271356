package scenarios

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/barriergym/barriergym/configs"
	"github.com/barriergym/barriergym/env"
)

// FuzzParseStart: an `eval -scenarios` line for any built-in scenario is
// either refused with an error or starts an episode whose observation is
// finite and which steps without a panic.
func FuzzParseStart(f *testing.F) {
	names := env.Names()
	for i := range names {
		f.Add(uint8(i), []byte(`{"seed":4}`))
	}
	files, _ := filepath.Glob("*.jsonl") // held-out lines, named <scenario>-….jsonl
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			for i, n := range names {
				if strings.HasPrefix(file, n) {
					f.Add(uint8(i), []byte(sc.Text()))
				}
			}
		}
	}
	for i, line := range []string{`{"start":[1,1,0],"goal":[8,8],"obstacles":[[4,4,0.5]]}`,
		`{"start":[1,1],"goal":[9,9],"obstacles":[[5,5]]}`, `{"state":[5,15,0,2],"dst_y":1}`, `{"x":[1e308]}`} {
		f.Add(uint8(i), []byte(line))
	}
	tasks := make([]env.Task, len(names))
	for i, n := range names {
		cfg, err := configs.Default(n)
		if err != nil {
			f.Fatal(err)
		}
		if tasks[i], err = cfg.Task(); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, line []byte) {
		task := tasks[int(which)%len(tasks)]
		start, err := task.ParseStart(line)
		if err != nil {
			return
		}
		e := task.NewEnv()
		obs, err := start.Reset(e)
		if err != nil {
			return
		}
		if !env.Finite(obs...) {
			t.Fatalf("%s: observation %v at the start of %s", task.Spec().Scenario, obs, line)
		}
		u := make([]float64, len(task.Spec().Controls))
		for k := 0; k < 3; k++ {
			if _, _, _, term, trunc, _ := e.Step(u); term || trunc {
				break
			}
		}
	})
}
