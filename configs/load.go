package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/barriergym/barriergym/env"
	"go.yaml.in/yaml/v3"
)

// embeddedConfig is one config a registered scenario embeds.
type embeddedConfig struct {
	scenario string
	files    fs.FS
}

// embedded indexes the registered scenarios' configs by name. When two
// scenarios embed the same name, the first in name order wins (a test of
// package scenarios keeps the built-in names unique).
func embedded() map[string]embeddedConfig {
	idx := map[string]embeddedConfig{}
	for _, name := range env.Names() {
		sc, _ := env.Lookup(name)
		files := sc.Configs()
		if files == nil {
			continue
		}
		entries, _ := fs.ReadDir(files, ".")
		for _, e := range entries {
			n, ok := strings.CutSuffix(e.Name(), ".yaml")
			if _, dup := idx[n]; ok && !e.IsDir() && !dup {
				idx[n] = embeddedConfig{scenario: name, files: files}
			}
		}
	}
	return idx
}

// Names lists the embedded configs of every registered scenario, usable
// by name.
func Names() []string {
	var names []string
	for n := range embedded() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NamesOf lists the embedded configs of one scenario.
func NamesOf(scenario string) []string {
	var names []string
	for n, e := range embedded() {
		if e.scenario == scenario {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Embedded returns the text of an embedded config and the name its errors
// use for the file (embedded:<scenario>/<name>.yaml).
func Embedded(name string) (data []byte, file string, err error) {
	e, ok := embedded()[name]
	if !ok {
		return nil, "", fmt.Errorf("no embedded config %q (embedded: %s)", name, strings.Join(Names(), ", "))
	}
	data, err = fs.ReadFile(e.files, name+".yaml")
	return data, "embedded:" + e.scenario + "/" + name + ".yaml", err
}

// Load reads a config by embedded name ("nav-ppo") or by file path. A name
// that is both wins as the path when the file exists.
func Load(nameOrPath string) (*Config, error) {
	return LoadWith(nameOrPath, nil)
}

// Source returns the text of a config given by embedded name or file path
// (as Load finds it) and the name its errors use for the file.
func Source(nameOrPath string) (data []byte, file string, err error) {
	if data, err := os.ReadFile(nameOrPath); err == nil {
		return data, nameOrPath, nil
	} else if strings.ContainsAny(nameOrPath, `/\`) || filepath.Ext(nameOrPath) != "" {
		return nil, "", fmt.Errorf("config %s: %w", nameOrPath, err)
	}
	data, file, err = Embedded(nameOrPath)
	if err != nil {
		return nil, "", fmt.Errorf("config %q: no such file and %w", nameOrPath, err)
	}
	return data, file, nil
}

// LoadWith loads a config as Load does, with overrides applied on top of
// the file (see Override).
func LoadWith(nameOrPath string, overrides []Override) (*Config, error) {
	data, file, err := Source(nameOrPath)
	if err != nil {
		return nil, err
	}
	return parse(file, data, overrides)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxErrorLine returns the first line at which data stops being YAML:
// the shortest run of whole lines from the start that does not parse. The
// YAML library reports the line where the enclosing block began (from), which
// can be several lines before the mistake.
func syntaxErrorLine(data []byte, from int) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	for k := max(from, 1); k <= len(lines); k++ {
		var n yaml.Node
		if yaml.Unmarshal(bytes.Join(lines[:k], nil), &n) != nil {
			return k
		}
	}
	return from
}

// lineText returns line n (from 1) of data.
func lineText(data []byte, n int) string {
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return lines[n-1]
}

// Parse decodes a config strictly: unknown keys, values of the wrong type
// or shape and impossible values are errors of the form
// "file:line: key: what is wrong". Keys not given take the scenario's
// defaults.
func Parse(file string, data []byte) (*Config, error) {
	return parse(file, data, nil)
}

// parse is Parse with overrides applied to the document first.
func parse(file string, data []byte, overrides []Override) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			from, _ := strconv.Atoi(m[1])
			line := syntaxErrorLine(data, from)
			return nil, fmt.Errorf("%s:%d: %s (at %q)", file, line, strings.TrimPrefix(err.Error(), m[0]),
				strings.TrimSpace(lineText(data, line)))
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	scenarios := strings.Join(env.Names(), " or ")
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty config: it needs at least env.scenario (%s)", file, scenarios)
	}
	doc := root.Content[0]
	lines := map[string]int{}
	if err := check(doc, reflect.TypeOf(Config{}), "", lines); err != nil {
		return nil, fmt.Errorf("%s:%w", file, err)
	}
	for _, o := range overrides {
		if err := o.apply(doc); err != nil {
			return nil, err
		}
	}
	scen := find(doc, "env", "scenario")
	if scen == nil {
		return nil, fmt.Errorf("%s: env.scenario is missing: say which scenario (%s)", file, scenarios)
	}
	cfg, err := base(scen.Value)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %w", file, scen.Line, err)
	}
	if err := doc.Decode(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	err = cfg.fillPerControl()
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		var fe *env.FieldError
		if errors.As(err, &fe) {
			if o := overriding(overrides, fe.Key); o != nil {
				return nil, fmt.Errorf("%s:%d: %s: %s (set here over %s)", o.File, o.Value.Line, fe.Key, fe.Msg, file)
			}
			return nil, fmt.Errorf("%s:%d: %s: %s", file, lineOf(lines, fe.Key), fe.Key, fe.Msg)
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return cfg, nil
}

// lineOf returns the line of key, or of its nearest parent given in the
// file, or 0 when the value is a default.
func lineOf(lines map[string]int, key string) int {
	for k := key; k != ""; {
		if l, ok := lines[k]; ok {
			return l
		}
		i := strings.LastIndex(k, ".")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// find returns the value node at path in a mapping, or nil.
func find(n *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// yamlKeys returns the YAML keys of a struct type and their fields.
func yamlKeys(t reflect.Type) ([]string, map[string]reflect.StructField) {
	fields := map[string]reflect.StructField{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "-" || tag == "" {
			continue
		}
		fields[tag] = f
		names = append(names, tag)
	}
	return names, fields
}

var envConfigType = reflect.TypeOf(EnvConfig{})

// envSections returns the keys the env section allows and, for each
// registered scenario, its settings type.
func envSections() ([]string, map[string]reflect.Type) {
	types := map[string]reflect.Type{}
	keys := []string{"scenario"}
	for _, name := range env.Names() {
		sc, _ := env.Lookup(name)
		types[name] = reflect.TypeOf(sc.Settings()).Elem()
		keys = append(keys, name)
	}
	return keys, types
}

// check walks node against type t, recording each key's line, and returns
// "line: key: problem" for the first unknown key or mistyped value. The
// env section takes scenario and the section of any registered scenario
// (a run's config.yaml from an older version holds every scenario's).
func check(n *yaml.Node, t reflect.Type, path string, lines map[string]int) error {
	where := func(format string, args ...any) error {
		key := path
		if key == "" {
			key = "(top level)"
		}
		return fmt.Errorf("%d: %s: %s", n.Line, key, fmt.Sprintf(format, args...))
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return where("want a mapping of keys, got %s", describe(n))
		}
		names, fields := yamlKeys(t)
		var sections map[string]reflect.Type
		if t == envConfigType {
			names, sections = envSections()
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := k.Value
			if path != "" {
				sub = path + "." + k.Value
			}
			var ft reflect.Type
			if f, ok := fields[k.Value]; ok {
				ft = f.Type
			} else if st, ok := sections[k.Value]; ok {
				ft = st
			} else if t == envConfigType && k.Value == "scenario" {
				ft = reflect.TypeOf("")
			} else {
				return fmt.Errorf("%d: %s: unknown key (allowed here: %s)", k.Line, sub, strings.Join(names, ", "))
			}
			if _, dup := lines[sub]; dup {
				return fmt.Errorf("%d: %s: given twice", k.Line, sub)
			}
			lines[sub] = k.Line
			if err := check(v, ft, sub, lines); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return where("want a list, got %s", describe(n))
		}
		if t.Kind() == reflect.Array && len(n.Content) != t.Len() {
			return where("want a list of %d values, got %d", t.Len(), len(n.Content))
		}
		for i, c := range n.Content {
			if err := check(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), lines); err != nil {
				return err
			}
		}
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return where("want a single value, got %s", describe(n))
	}
	ok := true
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Uint:
		ok = n.Tag == "!!int"
	case reflect.Float64:
		ok = n.Tag == "!!int" || n.Tag == "!!float"
	case reflect.Bool:
		ok = n.Tag == "!!bool"
	case reflect.String:
		ok = n.Tag == "!!str"
	}
	if ok {
		v := reflect.New(t)
		if err := n.Decode(v.Interface()); err != nil {
			ok = false
		}
	}
	if !ok {
		return where("%q is not %s", n.Value, kindName(t))
	}
	return nil
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint64:
		return "a whole number ≥ 0"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "text"
	}
	return t.String()
}

// UnmarshalYAML decodes the env section: scenario, then the selected
// scenario's section into its settings (the defaults Default made).
// Sections of other registered scenarios (in configs written by older
// versions) are skipped; check has verified their keys and types.
func (e *EnvConfig) UnmarshalYAML(n *yaml.Node) error {
	if s := find(n, "scenario"); s != nil && (s.Value != e.Scenario || e.Settings == nil) {
		sc, err := env.Lookup(s.Value)
		if err != nil {
			return err
		}
		e.Scenario, e.Settings = s.Value, sc.Settings()
	}
	if sec := find(n, e.Scenario); sec != nil && e.Settings != nil {
		return sec.Decode(e.Settings)
	}
	return nil
}

// MarshalYAML encodes the env section: scenario, then its section.
func (e EnvConfig) MarshalYAML() (any, error) {
	var sec yaml.Node
	if err := sec.Encode(e.Settings); err != nil {
		return nil, fmt.Errorf("encode env.%s: %w", e.Scenario, err)
	}
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		scalar("scenario"), scalar(e.Scenario), scalar(e.Scenario), &sec}}, nil
}
