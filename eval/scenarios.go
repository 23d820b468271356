package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/barriergym/barriergym/env"
)

// maxReported bounds how many bad lines one error lists.
const maxReported = 20

// ParseScenarios reads initial conditions, one JSON object a line:
// {"seed":s} for any scenario, or the task's own format
// (env.Spec.StartFormat). Blank lines are skipped. Every bad line is
// reported with its number.
func ParseScenarios(r io.Reader, task env.Task) ([]env.Start, error) {
	var starts []env.Start
	var bad []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		s, err := parseLine(line, task)
		if err != nil {
			if len(bad) < maxReported {
				bad = append(bad, fmt.Errorf("line %d: %w", n, err))
			}
			continue
		}
		starts = append(starts, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read scenarios: %w", err)
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	if len(starts) == 0 {
		return nil, errors.New("no scenarios in the file")
	}
	return starts, nil
}

// parseLine reads {"seed":s} itself and hands every other line to the task.
func parseLine(line []byte, task env.Task) (env.Start, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(line, &keys); err != nil {
		return nil, fmt.Errorf("malformed: %w", err)
	}
	if _, ok := keys["seed"]; ok {
		var s struct {
			Seed *uint64 `json:"seed"`
		}
		if err := env.DecodeLine(line, &s); err != nil || s.Seed == nil {
			return nil, fmt.Errorf(`a seed line is {"seed":s} with a whole number s ≥ 0, and nothing else`)
		}
		return env.SeedStart(*s.Seed), nil
	}
	s, err := task.ParseStart(line)
	if err != nil {
		return nil, fmt.Errorf(`%w (want {"seed":s} or %s)`, err, task.Spec().StartFormat)
	}
	return s, nil
}
