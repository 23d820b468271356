package configs

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"github.com/barriergym/barriergym/env"
	"go.yaml.in/yaml/v3"
)

// Render returns the config as YAML: every key with its value and, as a
// comment, one line saying what it is (the fields' doc tags). Parse reads
// it back to the same config, so a user can start a config from it.
func Render(c *Config) ([]byte, error) {
	n, err := valueNode(reflect.ValueOf(*c))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("render config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render config: %w", err)
	}
	return buf.Bytes(), nil
}

// valueNode builds the YAML node of v: structs as mappings with their
// fields' doc tags as comments, lists of plain values in flow style.
func valueNode(v reflect.Value) (*yaml.Node, error) {
	if v.Type() == envConfigType {
		return envNode(v.Interface().(EnvConfig))
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return valueNode(v.Elem())
	case reflect.Struct:
		m := &yaml.Node{Kind: yaml.MappingNode}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			key := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if key == "" || key == "-" {
				continue
			}
			val, err := valueNode(v.Field(i))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
			m.Content = append(m.Content, keyNode(key, f.Tag.Get("doc"), val), val)
		}
		return m, nil
	}
	var n yaml.Node
	if err := n.Encode(v.Interface()); err != nil {
		return nil, err
	}
	if n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	return &n, nil
}

// keyNode returns a mapping key with its comment: on the value's line for
// a plain value, on the key's line for a section.
func keyNode(key, doc string, val *yaml.Node) *yaml.Node {
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	if val.Kind == yaml.MappingNode {
		k.LineComment = doc
	} else {
		val.LineComment = doc
	}
	return k
}

// envNode renders the env section: scenario, then the scenario's settings.
func envNode(e EnvConfig) (*yaml.Node, error) {
	sec, err := valueNode(reflect.ValueOf(e.Settings))
	if err != nil {
		return nil, fmt.Errorf("env.%s: %w", e.Scenario, err)
	}
	summary := ""
	if sc, err := env.Lookup(e.Scenario); err == nil {
		summary = sc.Summary()
	}
	name := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e.Scenario}
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		keyNode("scenario", "which scenario: "+strings.Join(env.Names(), ", "), name), name,
		keyNode(e.Scenario, "settings of "+e.Scenario+": "+summary, sec), sec,
	}}, nil
}
