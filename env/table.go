package env

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ReadTable reads a CSV file of numbers whose header is columns, as
// published demonstrations come, calling row with each record's values
// (the slice is reused). Every value must be finite and within ±limit.
// Errors name the file (name), the line and the column.
func ReadTable(name string, r io.Reader, columns []string, limit float64, row func([]float64)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(columns)
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s:1: %w", name, err)
	}
	for i, c := range columns {
		if header[i] != c {
			return fmt.Errorf("%s:1: column %d is %q, want %q (columns %v)", name, i+1, header[i], c, columns)
		}
	}
	v := make([]float64, len(columns))
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		for i, s := range rec {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil || math.IsNaN(v[i]) || math.IsInf(v[i], 0) || math.Abs(v[i]) > limit {
				return fmt.Errorf("%s:%d: %s = %q is not a finite number within ±%g", name, line, columns[i], s, limit)
			}
		}
		row(v)
	}
}
