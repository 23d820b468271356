package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// MarshalJSON writes the episode's fields, then its scenario metrics as
// keys of their own.
func (e Episode) MarshalJSON() ([]byte, error) {
	type plain Episode
	return withExtra(plain(e), e.Extra)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *Episode) UnmarshalJSON(data []byte) error {
	type plain Episode
	return readExtra(data, (*plain)(e), &e.Extra)
}

// MarshalJSON writes the summary's fields, then the scenario's own metrics
// as keys of their own.
func (s Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	return withExtra(plain(s), s.Extra)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *Summary) UnmarshalJSON(data []byte) error {
	type plain Summary
	return readExtra(data, (*plain)(s), &s.Extra)
}

// withExtra encodes v (a struct) and adds extra's values as further keys.
func withExtra(v any, extra []Value) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return data, err
	}
	var buf bytes.Buffer
	buf.Write(data[:len(data)-1]) // without the closing brace
	for _, x := range extra {
		k, _ := json.Marshal(x.Name)
		val, err := json.Marshal(x.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", x.Name, err)
		}
		buf.WriteByte(',')
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(val)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// readExtra decodes data into v (a pointer to a struct) and collects the
// numeric keys v has no field for into extra, sorted by name.
func readExtra(data []byte, v any, extra *[]Value) error {
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	known, _ := json.Marshal(v)
	var fields map[string]json.RawMessage
	json.Unmarshal(known, &fields)
	*extra = nil
	for k, raw := range all {
		if _, ok := fields[k]; ok {
			continue
		}
		var x float64
		if json.Unmarshal(raw, &x) == nil {
			*extra = append(*extra, Value{Name: k, Value: x})
		}
	}
	sort.Slice(*extra, func(i, j int) bool { return (*extra)[i].Name < (*extra)[j].Name })
	return nil
}
