// Package structwire encodes JSON-like Go values (what the builders make:
// map[string]any, []any, strings, numbers, booleans) straight to the bytes
// protobuf's deterministic encoding gives the google.protobuf.Struct that
// structpb.NewStruct would make of them, without making that Struct: a call
// that composes a plan once sends it without building and then walking a
// second tree of the same values.
package structwire

import (
	"math"
	"slices"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/function-sdk-go/errors"
)

// Field numbers of google/protobuf/struct.proto, with their wire types.
var (
	tagFields  = protowire.AppendTag(nil, 1, protowire.BytesType)   // Struct.fields, ListValue.values
	tagKey     = protowire.AppendTag(nil, 1, protowire.BytesType)   // a map entry's key
	tagValue   = protowire.AppendTag(nil, 2, protowire.BytesType)   // a map entry's value
	tagNull    = protowire.AppendTag(nil, 1, protowire.VarintType)  // Value.null_value
	tagNumber  = protowire.AppendTag(nil, 2, protowire.Fixed64Type) // Value.number_value
	tagString  = protowire.AppendTag(nil, 3, protowire.BytesType)   // Value.string_value
	tagBool    = protowire.AppendTag(nil, 4, protowire.VarintType)  // Value.bool_value
	tagStruct  = protowire.AppendTag(nil, 5, protowire.BytesType)   // Value.struct_value
	tagList    = protowire.AppendTag(nil, 6, protowire.BytesType)   // Value.list_value
	marshalDet = proto.MarshalOptions{Deterministic: true}
)

// An Encoder encodes Structs. Its zero value is ready; it keeps the scratch
// space of the map keys it sorts for the next Struct, so one Encoder per
// goroutine encodes a whole plan with few allocations.
type Encoder struct {
	// keys are the sorted keys of the map being encoded at each depth.
	keys [][]string
}

// AppendStruct appends to b the deterministic encoding of the Struct
// structpb.NewStruct(m) makes, and fails where it would: on a key or string
// that is not valid UTF-8, or a value it cannot hold.
func (e *Encoder) AppendStruct(b []byte, m map[string]any) ([]byte, error) {
	return e.appendFields(b, m, 0)
}

// appendFields appends a Struct's fields in key order, as protobuf's
// deterministic encoding orders a map with string keys.
func (e *Encoder) appendFields(b []byte, m map[string]any, depth int) ([]byte, error) {
	for len(e.keys) <= depth {
		e.keys = append(e.keys, nil)
	}
	keys := e.keys[depth][:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.keys[depth] = keys
	var err error
	for _, k := range keys {
		if !utf8.ValidString(k) {
			return nil, errors.Errorf("invalid UTF-8 in key %q", k)
		}
		b = append(b, tagFields...)
		entry := len(b)
		b = append(b, 0)
		b = append(b, tagKey...)
		b = protowire.AppendString(b, k)
		b = append(b, tagValue...)
		value := len(b)
		b = append(b, 0)
		if b, err = e.appendValue(b, m[k], depth); err != nil {
			return nil, err
		}
		b = prefixLength(b, value)
		b = prefixLength(b, entry)
	}
	return b, nil
}

// appendValue appends a Value's fields.
func (e *Encoder) appendValue(b []byte, v any, depth int) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) {
			return nil, errors.Errorf("invalid UTF-8 in string %q", v)
		}
		b = append(b, tagString...)
		return protowire.AppendString(b, v), nil
	case bool:
		b = append(b, tagBool...)
		return protowire.AppendVarint(b, protowire.EncodeBool(v)), nil
	case int64:
		return appendNumber(b, float64(v)), nil
	case float64:
		return appendNumber(b, v), nil
	case map[string]any:
		b = append(b, tagStruct...)
		start := len(b)
		b = append(b, 0)
		if b, err = e.appendFields(b, v, depth+1); err != nil {
			return nil, err
		}
		return prefixLength(b, start), nil
	case []any:
		b = append(b, tagList...)
		list := len(b)
		b = append(b, 0)
		for _, el := range v {
			b = append(b, tagFields...)
			start := len(b)
			b = append(b, 0)
			if b, err = e.appendValue(b, el, depth+1); err != nil {
				return nil, err
			}
			b = prefixLength(b, start)
		}
		return prefixLength(b, list), nil
	case nil:
		b = append(b, tagNull...)
		return protowire.AppendVarint(b, uint64(structpb.NullValue_NULL_VALUE)), nil
	default:
		// Whatever else structpb.NewValue takes (other integer kinds,
		// []byte, a Struct), encoded by protobuf itself.
		val, err := structpb.NewValue(v)
		if err != nil {
			return nil, err
		}
		return marshalDet.MarshalAppend(b, val)
	}
}

func appendNumber(b []byte, f float64) []byte {
	b = append(b, tagNumber...)
	return protowire.AppendFixed64(b, math.Float64bits(f))
}

// prefixLength turns the byte reserved at b[at] into the length of what
// follows it, as a varint. Most encodings are shorter than 128 bytes and
// fit the byte; a longer one is moved up to make room, which costs less
// than measuring every nested message before writing it.
func prefixLength(b []byte, at int) []byte {
	n := len(b) - at - 1
	if n < 0x80 {
		b[at] = byte(n) //nolint:gosec // Under 0x80.
		return b
	}
	l := protowire.SizeVarint(uint64(n))
	b = append(b, make([]byte, l-1)...)
	copy(b[at+l:], b[at+1:at+1+n])
	protowire.AppendVarint(b[:at], uint64(n))
	return b
}
