package plancache

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"sync"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// keyBuffers are reused encoding buffers: a converged call computes its key
// on every poll, so the key must not cost more than the plan it saves.
var keyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// Key identifies a plan by a hash of everything it is built from. The hash
// is SHA-256 so that no two XRs can ever share a plan.
type Key [sha256.Size]byte

// KeyOf hashes a length-prefixed binary encoding of p and f, with f's node
// group details replaced by up, the upgrade's decisions (see planFacts). Every value is
// written with its kind and every string and list with its length, so two
// different Params or Facts never encode alike: unlike JSON, which replaces
// invalid UTF-8 with U+FFFD and so maps distinct strings to one encoding.
func KeyOf(p compose.Params, f compose.Facts, up compose.Upgrade) Key {
	bp := keyBuffers.Get().(*[]byte) //nolint:forcetypeassert // Only byte slices are pooled.
	b := appendValue((*bp)[:0], reflect.ValueOf(p))
	b = appendValue(b, reflect.ValueOf(planFacts(f, up)))
	k := Key(sha256.Sum256(b))
	*bp = b
	keyBuffers.Put(bp)
	return k
}

// planFacts are the facts a plan depends on. A node group's version,
// readiness and size reach the plan only through the upgrade's decisions
// (which version each node group and add-on gets), so those decisions take
// their place: a node group turning ready while nothing is upgrading does
// not make a new plan.
func planFacts(f compose.Facts, up compose.Upgrade) any {
	ngs := make(map[string]compose.NodeGroupFacts, len(f.NodeGroups))
	for n, ng := range f.NodeGroups {
		ngs[string(n)] = compose.NodeGroupFacts{Pool: ng.Pool, ExternalName: ng.ExternalName, ObjectName: ng.ObjectName, Shape: ng.Shape}
	}
	g := f
	g.NodeGroups = nil
	return struct {
		Facts             compose.Facts
		NodeGroups        map[string]compose.NodeGroupFacts
		NodeGroupVersions map[string]string
		AddonMinor        string
	}{g, ngs, stringKeys(up.NodeGroupVersions), up.AddonMinor}
}

func stringKeys[K ~string, V any](m map[K]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
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

func appendUint(b []byte, tag byte, n uint64) []byte {
	return binary.BigEndian.AppendUint64(append(b, tag), n)
}

func appendString(b []byte, s string) []byte {
	return append(appendUint(b, tagString, uint64(len(s))), s...)
}

// appendValue appends v's encoding. Only exported struct fields are written:
// unexported ones (inside time.Time, say) are nothing a builder reads.
func appendValue(b []byte, v reflect.Value) []byte {
	switch v.Kind() {
	case reflect.String:
		return appendString(b, v.String())
	case reflect.Bool:
		n := uint64(0)
		if v.Bool() {
			n = 1
		}
		return appendUint(b, tagBool, n)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return appendUint(b, tagInt, uint64(v.Int())) //nolint:gosec // A bit pattern, not a quantity.
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return appendUint(b, tagUint, v.Uint())
	case reflect.Float32, reflect.Float64:
		return appendUint(b, tagFloat, math.Float64bits(v.Float()))
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return appendUint(b, tagNil, 0)
		}
		return appendValue(appendUint(b, tagPointer, 0), v.Elem())
	case reflect.Struct:
		t := v.Type()
		b = appendUint(b, tagStruct, uint64(v.NumField())) //nolint:gosec // A field count is never negative.
		for i := range v.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			b = appendValue(appendString(b, f.Name), v.Field(i))
		}
		return b
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return appendUint(b, tagNil, 0)
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			// Raw bytes, e.g. json.RawMessage.
			return append(appendUint(b, tagList, uint64(v.Len())), v.Bytes()...) //nolint:gosec // A length is never negative.
		}
		b = appendUint(b, tagList, uint64(v.Len())) //nolint:gosec // A length is never negative.
		for i := range v.Len() {
			b = appendValue(b, v.Index(i))
		}
		return b
	case reflect.Map:
		return appendMap(b, v)
	case reflect.Invalid, reflect.Uintptr, reflect.Complex64, reflect.Complex128, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		// In neither Params nor Facts: TestPlanKeyCoversEverything walks
		// every field, so adding one of these kinds fails there first.
		panic("plan key: cannot encode a " + v.Kind().String())
	}
	return b
}

// appendMap writes a map's entries in the order of their keys, so the key
// does not depend on Go's map order. Params and Facts only have maps with
// string keys.
func appendMap(b []byte, v reflect.Value) []byte {
	if v.IsNil() {
		return appendUint(b, tagNil, 0)
	}
	if v.Type().Key().Kind() != reflect.String {
		panic("plan key: cannot encode a map whose keys are not strings")
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(x, y reflect.Value) int { return cmp.Compare(x.String(), y.String()) })
	b = appendUint(b, tagMap, uint64(len(keys)))
	for _, k := range keys {
		b = appendValue(appendString(b, k.String()), v.MapIndex(k))
	}
	return b
}
