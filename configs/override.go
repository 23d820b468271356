package configs

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Override sets one key of a config, named by its dotted path, to a YAML
// value: what a sweep varies between runs. Errors in an override — an
// unknown key, a value of the wrong type, an impossible value — name the
// file and line where it was written.
type Override struct {
	Key   string     // dotted path, e.g. "train.ppo.total_steps"
	Value *yaml.Node // the value as written (its Line is reported)
	File  string     // the file it was written in
}

// String renders the override as key=value.
func (o Override) String() string {
	if o.Value.Kind == yaml.ScalarNode {
		return o.Key + "=" + o.Value.Value
	}
	out, _ := yaml.Marshal(o.Value)
	return o.Key + "=" + strings.Join(strings.Fields(string(out)), " ")
}

// Check reports whether the key exists in a config and the value has its
// type, with the override's file and line.
func (o Override) Check() error {
	mini := o.nest()
	if err := check(mini, reflect.TypeOf(Config{}), "", map[string]int{}); err != nil {
		return fmt.Errorf("%s:%w", o.File, err)
	}
	return nil
}

// nest returns {k1: {k2: … value}} for the dotted key, its key nodes on
// the value's line.
func (o Override) nest() *yaml.Node {
	keys := strings.Split(o.Key, ".")
	n := o.Value
	for i := len(keys) - 1; i >= 0; i-- {
		k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: keys[i], Line: o.Value.Line}
		n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: o.Value.Line, Content: []*yaml.Node{k, n}}
	}
	return n
}

// apply checks the override and sets it in doc, a config's mapping,
// adding the sections its path needs.
func (o Override) apply(doc *yaml.Node) error {
	if err := o.Check(); err != nil {
		return err
	}
	keys := strings.Split(o.Key, ".")
	n := doc
	for i, key := range keys {
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == key {
				next = n.Content[j+1]
			}
		}
		if i == len(keys)-1 {
			if next != nil {
				*next = *o.Value
			} else {
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, o.Value)
			}
			return nil
		}
		if next == nil || next.Kind != yaml.MappingNode {
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, next)
		}
		n = next
	}
	return nil
}

// overriding returns the override that set key, or one of its parents or
// children, or nil.
func overriding(overrides []Override, key string) *Override {
	for i, o := range overrides {
		if o.Key == key || strings.HasPrefix(key, o.Key+".") || strings.HasPrefix(key, o.Key+"[") ||
			strings.HasPrefix(o.Key, key+".") {
			return &overrides[i]
		}
	}
	return nil
}
