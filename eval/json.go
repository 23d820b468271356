package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// JSON form of episodes and summaries.
//
// Every figure is a finite JSON number with one exception: a minimum over
// nothing. min_barrier and mean_min_barrier are +Inf when no barrier was
// evaluated (a scenario without obstacles, e.g. nav with obstacles: 0), and
// are written as null then; reading null gives +Inf back. Any other value
// that is NaN or ±Inf is an error naming the field, never a file holding
// something that is not JSON.

// episodeJSON is an Episode as written: the embedded fields, with the
// barrier minimum replaced by one that may be null.
type episodeJSON struct {
	plainEpisode
	MinBarrier *float64 `json:"min_barrier"`
}

type plainEpisode Episode

// summaryJSON is a Summary as written (see episodeJSON).
type summaryJSON struct {
	plainSummary
	MinBarrier     *float64 `json:"min_barrier"`
	MeanMinBarrier *float64 `json:"mean_min_barrier"`
}

type plainSummary Summary

// MarshalJSON writes the episode's fields, then its scenario metrics as
// keys of their own.
func (e Episode) MarshalJSON() ([]byte, error) {
	return withExtra(episodeJSON{plainEpisode(e), minimum(e.MinBarrier)}, e.Extra)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (e *Episode) UnmarshalJSON(data []byte) error {
	var v episodeJSON
	if err := readExtra(data, &v, &v.Extra); err != nil {
		return err
	}
	*e = Episode(v.plainEpisode)
	e.MinBarrier = fromMinimum(v.MinBarrier)
	return nil
}

// MarshalJSON writes the summary's fields, then the scenario's own metrics
// as keys of their own.
func (s Summary) MarshalJSON() ([]byte, error) {
	return withExtra(summaryJSON{plainSummary(s), minimum(s.MinBarrier), minimum(s.MeanMinBarrier)}, s.Extra)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *Summary) UnmarshalJSON(data []byte) error {
	var v summaryJSON
	if err := readExtra(data, &v, &v.Extra); err != nil {
		return err
	}
	*s = Summary(v.plainSummary)
	s.MinBarrier, s.MeanMinBarrier = fromMinimum(v.MinBarrier), fromMinimum(v.MeanMinBarrier)
	return nil
}

// minimum returns a minimum as written: nil (null) for +Inf, the minimum
// over nothing. NaN and −Inf are left to fail in encoding with their name.
func minimum(v float64) *float64 {
	if math.IsInf(v, 1) {
		return nil
	}
	return &v
}

// fromMinimum reads what minimum wrote.
func fromMinimum(v *float64) float64 {
	if v == nil {
		return math.Inf(1)
	}
	return *v
}

// withExtra encodes v (a struct) and adds extra's values as further keys.
// A value JSON cannot hold is an error naming it.
func withExtra(v any, extra []Value) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		if name := nonFinite(reflect.ValueOf(v), ""); name != "" {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, err
	}
	if len(extra) == 0 {
		return data, nil
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

// nonFinite returns the JSON name of the first float in v (a struct, a
// slice or a pointer to one) that is NaN or ±Inf, "" if there is none.
// Fields that a shallower field of the same name hides are skipped, as
// encoding/json skips them.
func nonFinite(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Float64, reflect.Float32:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return path
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nonFinite(v.Elem(), path)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if n := nonFinite(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); n != "" {
				return n
			}
		}
	case reflect.Struct:
		return nonFiniteField(v, path)
	}
	return ""
}

// nonFiniteField is nonFinite for a struct: own fields first, then those of
// embedded structs that the own ones do not hide.
func nonFiniteField(v reflect.Value, path string) string {
	t := v.Type()
	own := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		if name := jsonName(t.Field(i)); name != "" && !t.Field(i).Anonymous {
			own[name] = true
		}
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		switch {
		case name == "":
		case f.Anonymous:
			inner := v.Field(i)
			for j := 0; j < inner.NumField(); j++ {
				if n := jsonName(inner.Type().Field(j)); n != "" && !own[n] {
					if bad := nonFinite(inner.Field(j), join(path, n)); bad != "" {
						return bad
					}
				}
			}
		default:
			if bad := nonFinite(v.Field(i), join(path, name)); bad != "" {
				return bad
			}
		}
	}
	return ""
}

// jsonName is the key encoding/json writes for f, "" when it writes none.
func jsonName(f reflect.StructField) string {
	if !f.IsExported() && !f.Anonymous {
		return ""
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return f.Name
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
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
	fields := map[string]bool{}
	collectNames(reflect.TypeOf(v).Elem(), fields)
	*extra = nil
	for k, raw := range all {
		if fields[k] {
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

// collectNames adds the JSON keys of struct type t, embedded ones included.
func collectNames(t reflect.Type, names map[string]bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			collectNames(f.Type, names)
			continue
		}
		if n := jsonName(f); n != "" {
			names[n] = true
		}
	}
}
