// Package sweep expands a sweep file — base configs × override sets ×
// seeds — deterministically into numbered runs, and trains them: one by
// index, as an array-job engine (Slurm, Kubernetes Indexed Jobs) calls it,
// or all of them on this machine. barriergym schedules nothing itself: it
// makes each run addressable by an index and leaves the fan-out to the
// engine.
//
// A sweep file:
//
//	name: nav-ppo-seeds            # optional; the file's base name otherwise
//	configs: [nav-ppo, nav-ppo-filter]   # embedded names or paths (relative to this file)
//	seeds: [1, 2, 3]               # train.seed of each run (default [1])
//	grid:                          # every combination of these values…
//	  train.ppo.total_steps: [1000000, 3000000]
//	  barrier.p_max: [2, 4]
//	list:                          # …or these override sets, in order
//	  - {barrier.p_max: 2}
//	out: results                   # where the run directories go (relative to this file;
//	                               # default runs/sweeps/<name> in the working directory)
//
// Runs are numbered config by config, then override set by override set
// (the grid's keys vary last-fastest in the order written), then seed by
// seed. Run i trains into out/<run name>.
package sweep

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/barriergym/barriergym/configs"
	"go.yaml.in/yaml/v3"
)

// Sweep is a sweep file expanded into its runs.
type Sweep struct {
	Name string // the sweep's name
	File string // the sweep file
	Out  string // the directory holding the runs' directories
	Runs []Run

	beat time.Duration // how often Local reports the runs under way (0: beatEvery)
}

// Run is one run of a sweep.
type Run struct {
	Index     int
	Config    string             // the base config, as the sweep file names it
	Overrides []configs.Override // set over the base config
	Seed      uint64             // train.seed
	Name      string             // the run directory's name, unique in the sweep

	source string // the base config as configs.Load takes it (a path resolved against the sweep file)
}

// Dir returns run r's directory.
func (s *Sweep) Dir(r Run) string { return filepath.Join(s.Out, r.Name) }

// LogFile returns where run r's training log goes when the sweep runs
// them locally.
func (s *Sweep) LogFile(r Run) string { return filepath.Join(s.Out, "logs", r.Name+".log") }

// Config returns run r's config: the base config with the overrides and
// the seed applied, validated.
func (s *Sweep) Config(r Run) (*configs.Config, error) {
	cfg, err := configs.LoadWith(r.source, r.Overrides)
	if err != nil {
		return nil, err
	}
	cfg.Train.Seed = r.Seed
	return cfg, cfg.Validate()
}

// Load reads a sweep file, expands it and resolves every run's config, so
// that a mistake anywhere — a key, a value, a config name — is reported
// before anything trains, with the file and line.
func Load(path string) (*Sweep, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep %s: %w", path, err)
	}
	s, err := parse(path, data)
	if err != nil {
		return nil, err
	}
	for _, r := range s.Runs {
		if _, err := s.Config(r); err != nil {
			return nil, fmt.Errorf("run %d (%s): %w", r.Index, r.Name, err)
		}
	}
	return s, nil
}

// fileKeys are the keys a sweep file may hold.
var fileKeys = []string{"name", "configs", "seeds", "grid", "list", "out"}

// parse reads the sweep file's text; errors name file and line.
func parse(path string, data []byte) (*Sweep, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: want a mapping with %s", path, strings.Join(fileKeys, ", "))
	}
	where := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", path, n.Line, fmt.Sprintf(format, args...))
	}
	s := &Sweep{File: path, Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))}
	var names []string
	var sources []string
	seeds := []uint64{1}
	var sets [][]configs.Override
	doc := root.Content[0]
	seen := map[string]bool{}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if seen[k.Value] {
			return nil, where(k, "%s: given twice", k.Value)
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "name":
			err = v.Decode(&s.Name)
			if err == nil && !validName.MatchString(s.Name) {
				err = fmt.Errorf("%q: use letters, digits, '.', '_' and '-'", s.Name)
			}
		case "out":
			err = v.Decode(&s.Out)
		case "configs":
			names, sources, err = configList(path, v)
		case "seeds":
			seeds = nil
			err = v.Decode(&seeds)
			if err == nil && len(seeds) == 0 {
				err = fmt.Errorf("want at least one seed")
			}
		case "grid", "list":
			read := grid
			if k.Value == "list" {
				read = list
			}
			if sets, err = read(path, v); err != nil {
				return nil, err // located already
			}
		default:
			return nil, where(k, "%s: unknown key (allowed: %s)", k.Value, strings.Join(fileKeys, ", "))
		}
		if err != nil {
			return nil, where(v, "%s: %v", k.Value, err)
		}
	}
	switch {
	case len(names) == 0:
		return nil, fmt.Errorf("%s: configs: say which configs the sweep trains (embedded names or paths)", path)
	case seen["grid"] && seen["list"]:
		return nil, fmt.Errorf("%s: give grid or list, not both", path)
	}
	if sets == nil {
		sets = [][]configs.Override{nil}
	}
	switch {
	case s.Out == "":
		s.Out = filepath.Join("runs", "sweeps", s.Name)
	case !filepath.IsAbs(s.Out):
		s.Out = filepath.Join(filepath.Dir(path), s.Out)
	}
	for c, name := range names {
		for _, set := range sets {
			for _, seed := range seeds {
				r := Run{Index: len(s.Runs), Config: name, Overrides: set, Seed: seed, source: sources[c]}
				r.Name = runName(r)
				s.Runs = append(s.Runs, r)
			}
		}
	}
	return s, nil
}

var validName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// configList reads the configs: names stay, paths resolve against the
// sweep file's directory.
func configList(path string, v *yaml.Node) (names, sources []string, err error) {
	if err := v.Decode(&names); err != nil {
		return nil, nil, fmt.Errorf("want a list of config names or paths")
	}
	for _, n := range names {
		src := n
		if strings.ContainsAny(n, `/\`) || filepath.Ext(n) != "" {
			if !filepath.IsAbs(n) {
				src = filepath.Join(filepath.Dir(path), n)
			}
		}
		if _, _, err := configs.Source(src); err != nil {
			return nil, nil, err
		}
		sources = append(sources, src)
	}
	return names, sources, nil
}

// grid reads a mapping of dotted keys to lists of values and returns
// every combination, the last key varying fastest. Errors name file and
// line.
func grid(path string, v *yaml.Node) ([][]configs.Override, error) {
	if v.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: grid: want a mapping of dotted keys to lists of values", path, v.Line)
	}
	sets := [][]configs.Override{nil}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, vals := v.Content[i], v.Content[i+1]
		if vals.Kind != yaml.SequenceNode || len(vals.Content) == 0 {
			return nil, fmt.Errorf("%s:%d: grid: %s: want a list of values, e.g. [1, 2]", path, vals.Line, k.Value)
		}
		var next [][]configs.Override
		for _, set := range sets {
			for _, val := range vals.Content {
				o := configs.Override{Key: k.Value, Value: val, File: path}
				if err := o.Check(); err != nil {
					return nil, err
				}
				next = append(next, append(append([]configs.Override(nil), set...), o))
			}
		}
		sets = next
	}
	return sets, nil
}

// list reads a list of mappings of dotted keys to values. Errors name
// file and line.
func list(path string, v *yaml.Node) ([][]configs.Override, error) {
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return nil, fmt.Errorf("%s:%d: list: want a list of override sets, e.g. - {barrier.p_max: 2}", path, v.Line)
	}
	var sets [][]configs.Override
	for _, m := range v.Content {
		if m.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: list: want a mapping of dotted keys to values", path, m.Line)
		}
		var set []configs.Override
		for i := 0; i+1 < len(m.Content); i += 2 {
			o := configs.Override{Key: m.Content[i].Value, Value: m.Content[i+1], File: path}
			if err := o.Check(); err != nil {
				return nil, err
			}
			set = append(set, o)
		}
		sets = append(sets, set)
	}
	return sets, nil
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9._=-]+`)

// runName is "<index>-<config>[-<key>=<value>…]-seed<seed>", the key being
// the last part of the dotted path; characters unsafe in a file name
// become '_'.
func runName(r Run) string {
	base := strings.TrimSuffix(filepath.Base(r.Config), filepath.Ext(r.Config))
	parts := []string{fmt.Sprintf("%03d", r.Index), base}
	for _, o := range r.Overrides {
		k := o.Key[strings.LastIndex(o.Key, ".")+1:]
		parts = append(parts, k+"="+strings.TrimPrefix(o.String(), o.Key+"="))
	}
	parts = append(parts, fmt.Sprintf("seed%d", r.Seed))
	return unsafe.ReplaceAllString(strings.Join(parts, "-"), "_")
}
