package env

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
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

// ReadDemoTable is ReadTable for demonstrations: a file without a single
// record is an error too.
func ReadDemoTable(name string, r io.Reader, columns []string, limit float64, row func([]float64)) error {
	n := 0
	err := ReadTable(name, r, columns, limit, func(v []float64) {
		row(v)
		n++
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("%s: no demonstrations", name)
	}
	return err
}

// OpenDemos opens part ("train" or "valid") of a demonstration source for
// DemoSource.ReadDemos: file in files when file is not "" (an embedded
// set, named "embedded source/<file's base>" in messages), else
// source/part.csv on disk. It returns the file and its name for messages.
func OpenDemos(files fs.FS, file, source, part string) (io.ReadCloser, string, error) {
	var f io.ReadCloser
	var name string
	var err error
	if file != "" {
		name = "embedded " + source + "/" + path.Base(file)
		f, err = files.Open(file)
	} else {
		name = filepath.Join(source, part+".csv")
		f, err = os.Open(name)
	}
	if err != nil {
		return nil, "", fmt.Errorf("demonstrations %s: %w", source, err)
	}
	return f, name, nil
}
