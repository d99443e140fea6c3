package fn

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"
	"reflect"
	"slices"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// keyOf hashes a length-prefixed binary encoding of p and f. Every value is
// written with its kind and every string and list with its length, so two
// different Params or Facts never encode alike: unlike JSON, which replaces
// invalid UTF-8 with U+FFFD and so maps distinct strings to one encoding.
func keyOf(p compose.Params, f compose.Facts) planKey {
	h := sha256.New()
	e := keyEncoder{h: h}
	e.value(reflect.ValueOf(p))
	e.value(reflect.ValueOf(f))
	var k planKey
	h.Sum(k[:0])
	return k
}

// Kind tags of the encoding.
const (
	tagNil byte = iota
	tagString
	tagBool
	tagInt
	tagUint
	tagFloat
	tagPointer
	tagStruct
	tagList
	tagMap
)

type keyEncoder struct{ h hash.Hash }

func (e keyEncoder) uint(tag byte, n uint64) {
	var b [9]byte
	b[0] = tag
	binary.BigEndian.PutUint64(b[1:], n)
	e.h.Write(b[:])
}

func (e keyEncoder) bytes(tag byte, b []byte) {
	e.uint(tag, uint64(len(b)))
	e.h.Write(b)
}

// value writes v. Only exported struct fields are written: unexported ones
// (inside time.Time, say) are nothing a builder reads.
func (e keyEncoder) value(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		e.bytes(tagString, []byte(v.String()))
	case reflect.Bool:
		n := uint64(0)
		if v.Bool() {
			n = 1
		}
		e.uint(tagBool, n)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.uint(tagInt, uint64(v.Int())) //nolint:gosec // A bit pattern, not a quantity.
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.uint(tagUint, v.Uint())
	case reflect.Float32, reflect.Float64:
		e.uint(tagFloat, math.Float64bits(v.Float()))
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			e.uint(tagNil, 0)
			return
		}
		e.uint(tagPointer, 0)
		e.value(v.Elem())
	case reflect.Struct:
		e.uint(tagStruct, uint64(v.NumField())) //nolint:gosec // A field count is never negative.
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			e.bytes(tagString, []byte(f.Name))
			e.value(v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			e.uint(tagNil, 0)
			return
		}
		e.uint(tagList, uint64(v.Len())) //nolint:gosec // A length is never negative.
		for i := range v.Len() {
			e.value(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			e.uint(tagNil, 0)
			return
		}
		// Entries in the order of their keys' encodings, so the key does
		// not depend on Go's map order.
		type entry struct{ k, v []byte }
		entries := make([]entry, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			kb, vb := &bytesHash{}, &bytesHash{}
			keyEncoder{h: kb}.value(it.Key())
			keyEncoder{h: vb}.value(it.Value())
			entries = append(entries, entry{kb.Bytes(), vb.Bytes()})
		}
		slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.k, b.k) })
		e.uint(tagMap, uint64(len(entries)))
		for _, en := range entries {
			e.h.Write(en.k)
			e.h.Write(en.v)
		}
	case reflect.Invalid, reflect.Uintptr, reflect.Complex64, reflect.Complex128, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		// In neither Params nor Facts: TestPlanKeyCoversEverything walks
		// every field, so adding one of these kinds fails there first.
		panic("plan key: cannot encode a " + v.Kind().String())
	}
}

// bytesHash collects an encoding instead of hashing it.
type bytesHash struct{ bytes.Buffer }

func (b *bytesHash) Sum(in []byte) []byte { return append(in, b.Bytes()...) }
func (b *bytesHash) Size() int            { return b.Len() }
func (b *bytesHash) BlockSize() int       { return 1 }
