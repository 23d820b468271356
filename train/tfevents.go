package train

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// TensorBoard scalars. Every run writes, beside metrics.csv, event files
// that `tensorboard --logdir runs` reads: TFRecord framing (a
// little-endian uint64 length, the masked CRC-32C of those 8 bytes, the
// data, the masked CRC-32C of the data) around Event protocol buffers
// {wall_time, step, summary{value{tag, simple_value}}}. The messages are
// encoded by the Go protobuf library from a descriptor of the fields used
// (numbered as TensorFlow's event.proto and summary.proto number them),
// not by hand.

// EventsPrefix starts the name of every event file.
const EventsPrefix = "events.out.tfevents."

// eventType and valueType are the Event and Summary.Value message types,
// built from a descriptor of the fields used.
var eventType, valueType = func() (protoreflect.MessageDescriptor, protoreflect.MessageDescriptor) {
	str := func(s string) *string { return &s }
	num := func(n int32) *int32 { return &n }
	field := func(name string, n int32, t descriptorpb.FieldDescriptorProto_Type, label descriptorpb.FieldDescriptorProto_Label, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: str(name), Number: num(n), Type: t.Enum(), Label: label.Enum(), JsonName: str(name)}
		if typeName != "" {
			f.TypeName = str(typeName)
		}
		return f
	}
	opt, rep := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL, descriptorpb.FieldDescriptorProto_LABEL_REPEATED
	file := &descriptorpb.FileDescriptorProto{
		Name:    str("barriergym/tensorboard_event.proto"),
		Package: str("tensorboard"),
		Syntax:  str("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: str("Summary"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("value", 1, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, rep, ".tensorboard.Summary.Value")},
			NestedType: []*descriptorpb.DescriptorProto{{
				Name: str("Value"),
				Field: []*descriptorpb.FieldDescriptorProto{
					field("tag", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, opt, ""),
					field("simple_value", 2, descriptorpb.FieldDescriptorProto_TYPE_FLOAT, opt, "")},
			}},
		}, {
			Name: str("Event"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("wall_time", 1, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, opt, ""),
				field("step", 2, descriptorpb.FieldDescriptorProto_TYPE_INT64, opt, ""),
				field("file_version", 3, descriptorpb.FieldDescriptorProto_TYPE_STRING, opt, ""),
				field("summary", 5, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, opt, ".tensorboard.Summary")},
		}},
	}
	fd, err := protodesc.NewFile(file, nil)
	if err != nil {
		panic(fmt.Sprintf("tensorboard event descriptor: %v", err)) // a programming error, caught by every test
	}
	summary := fd.Messages().ByName("Summary")
	return fd.Messages().ByName("Event"), summary.Messages().ByName("Value")
}()

// Scalar is one value of one tag at one step.
type Scalar struct {
	Step  int64
	Tag   string
	Value float32
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maskedCRC is TFRecord's masked CRC-32C.
func maskedCRC(data []byte) uint32 {
	c := crc32.Checksum(data, castagnoli)
	return ((c >> 15) | (c << 17)) + 0xa282ead8
}

// record frames one serialized event.
func record(data []byte) []byte {
	out := make([]byte, 12, 16+len(data))
	binary.LittleEndian.PutUint64(out, uint64(len(data)))
	binary.LittleEndian.PutUint32(out[8:], maskedCRC(out[:8]))
	out = append(out, data...)
	return binary.LittleEndian.AppendUint32(out, maskedCRC(data))
}

// encodeEvent serializes an Event: the file version when version is set,
// else one summary with the scalars (all at step).
func encodeEvent(wall float64, step int64, version string, scalars []Scalar) ([]byte, error) {
	ev := dynamicpb.NewMessage(eventType)
	f := eventType.Fields()
	ev.Set(f.ByName("wall_time"), protoreflect.ValueOfFloat64(wall))
	ev.Set(f.ByName("step"), protoreflect.ValueOfInt64(step))
	if version != "" {
		ev.Set(f.ByName("file_version"), protoreflect.ValueOfString(version))
	} else {
		sum := dynamicpb.NewMessage(eventType.ParentFile().Messages().ByName("Summary"))
		list := sum.Mutable(sum.Descriptor().Fields().ByName("value")).List()
		for _, s := range scalars {
			v := dynamicpb.NewMessage(valueType)
			v.Set(valueType.Fields().ByName("tag"), protoreflect.ValueOfString(s.Tag))
			v.Set(valueType.Fields().ByName("simple_value"), protoreflect.ValueOfFloat32(s.Value))
			list.Append(protoreflect.ValueOfMessage(v))
		}
		ev.Set(f.ByName("summary"), protoreflect.ValueOfMessage(sum))
	}
	return proto.Marshal(ev)
}

// eventsWriter appends scalars to this process's event file of a run.
type eventsWriter struct {
	path    string
	last    int64 // the highest step any event file of the run holds
	created bool  // the file exists, its version record written
}

// openEvents prepares a run directory's TensorBoard writer: the steps its
// event files hold already (a resumed run) are not written again. The
// file itself is created with its first scalars.
func openEvents(dir string) (*eventsWriter, error) {
	w := &eventsWriter{last: -1}
	files, _ := filepath.Glob(filepath.Join(dir, EventsPrefix+"*"))
	for _, f := range files {
		scalars, err := ReadEvents(f)
		if err != nil && !errors.Is(err, errTorn) {
			return nil, err
		}
		for _, s := range scalars {
			w.last = max(w.last, s.Step)
		}
	}
	host, _ := os.Hostname()
	now := time.Now()
	w.path = filepath.Join(dir, fmt.Sprintf("%s%d.%s.%d.%09d", EventsPrefix, now.Unix(), strings.ReplaceAll(host, "/", "_"),
		os.Getpid(), now.Nanosecond()))
	return w, nil
}

// add appends, for each row not yet written (its step above the last one
// written), one event holding every finite value of the row as a scalar
// tagged by its column. Column 0 is the step.
func (w *eventsWriter) add(header []string, rows [][]float64) error {
	var buf []byte
	now := float64(time.Now().UnixNano()) / 1e9
	if !w.created {
		data, err := encodeEvent(now, 0, "brain.Event:2", nil)
		if err != nil {
			return err
		}
		buf = append(buf, record(data)...)
	}
	for _, row := range rows {
		step := int64(row[0])
		if step <= w.last {
			continue
		}
		var scalars []Scalar
		for c := 1; c < len(row); c++ {
			if !math.IsNaN(row[c]) && !math.IsInf(row[c], 0) {
				scalars = append(scalars, Scalar{Step: step, Tag: header[c], Value: float32(row[c])})
			}
		}
		data, err := encodeEvent(now, step, "", scalars)
		if err != nil {
			return err
		}
		buf = append(buf, record(data)...)
		w.last = step
	}
	if len(buf) == 0 {
		return nil
	}
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("tensorboard events: %w", err)
	}
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return fmt.Errorf("tensorboard events %s: %w", w.path, err)
	}
	w.created = true
	return f.Close()
}

// errTorn is a last record cut short (a process killed while appending);
// what precedes it is good.
var errTorn = errors.New("torn last record")

// ReadEvents reads an event file's scalars, checking both CRCs of every
// record; a bad CRC is an error, a record cut short at the end is
// reported as one after the scalars before it.
func ReadEvents(path string) ([]Scalar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var out []Scalar
	for n := 0; ; n++ {
		var head [12]byte
		if _, err := io.ReadFull(r, head[:]); err == io.EOF {
			break
		} else if err != nil {
			return out, fmt.Errorf("%s: record %d: %w", path, n, errTorn)
		}
		if binary.LittleEndian.Uint32(head[8:]) != maskedCRC(head[:8]) {
			return out, fmt.Errorf("%s: record %d: length CRC mismatch", path, n)
		}
		size := binary.LittleEndian.Uint64(head[:8])
		if size > 1<<30 {
			return out, fmt.Errorf("%s: record %d: length %d", path, n, size)
		}
		data := make([]byte, size+4)
		if _, err := io.ReadFull(r, data); err != nil {
			return out, fmt.Errorf("%s: record %d: %w", path, n, errTorn)
		}
		if binary.LittleEndian.Uint32(data[size:]) != maskedCRC(data[:size]) {
			return out, fmt.Errorf("%s: record %d: data CRC mismatch", path, n)
		}
		ev := dynamicpb.NewMessage(eventType)
		if err := proto.Unmarshal(data[:size], ev); err != nil {
			return out, fmt.Errorf("%s: record %d: %w", path, n, err)
		}
		f := eventType.Fields()
		step := ev.Get(f.ByName("step")).Int()
		if !ev.Has(f.ByName("summary")) {
			continue
		}
		vals := ev.Get(f.ByName("summary")).Message().Get(f.ByName("summary").Message().Fields().ByName("value")).List()
		for i := 0; i < vals.Len(); i++ {
			v := vals.Get(i).Message()
			out = append(out, Scalar{Step: step, Tag: v.Get(valueType.Fields().ByName("tag")).String(),
				Value: float32(v.Get(valueType.Fields().ByName("simple_value")).Float())})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	return out, nil
}

// logScalars appends the rows of a run's metrics not yet in its
// TensorBoard event files (header names the columns of values; column 0
// is the step), opening this process's event file on first use. Rows are
// in step order, so only the tail past the last step written is
// converted.
func logScalars[T any](r *runBase, header []string, rows []T, values func(T) []float64) error {
	if r.events == nil {
		w, err := openEvents(r.dir)
		if err != nil {
			return err
		}
		r.events = w
	}
	k := len(rows)
	for k > 0 && int64(values(rows[k-1])[0]) > r.events.last {
		k--
	}
	table := make([][]float64, 0, len(rows)-k)
	for _, row := range rows[k:] {
		table = append(table, values(row))
	}
	return r.events.add(header, table)
}
