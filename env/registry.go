package env

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// The registry maps names to scenarios, like database/sql's drivers: a
// scenario's package registers it once, in an init function.
var (
	mu       sync.RWMutex
	registry = map[string]Scenario{}
)

// Register makes a scenario available by its name. It panics when the
// name is empty or taken: both are programming errors of the registering
// package, found the moment the binary starts.
func Register(s Scenario) {
	mu.Lock()
	defer mu.Unlock()
	if s == nil || s.Name() == "" {
		panic("env: Register of a nil or unnamed scenario")
	}
	if _, dup := registry[s.Name()]; dup {
		panic("env: scenario " + s.Name() + " registered twice")
	}
	registry[s.Name()] = s
}

// Lookup returns the scenario registered under name, or an error listing
// the registered ones.
func Lookup(name string) (Scenario, error) {
	mu.RLock()
	s, ok := registry[name]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("no scenario %q (registered: %s)", name, strings.Join(Names(), ", "))
	}
	return s, nil
}

// Names returns the registered scenarios' names, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
