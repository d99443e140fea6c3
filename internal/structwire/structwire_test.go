package structwire

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// reference is what protobuf itself makes of m: the Struct
// structpb.NewStruct builds, encoded deterministically.
func reference(m map[string]any) ([]byte, error) {
	s, err := structpb.NewStruct(m)
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(s)
}

func TestAppendStruct(t *testing.T) {
	long := strings.Repeat("x", 200)
	longer := strings.Repeat("y", 20000)
	cases := map[string]struct {
		m       map[string]any
		wantErr bool
	}{
		"Empty":    {m: map[string]any{}},
		"Nil":      {m: nil},
		"Scalars":  {m: map[string]any{"s": "v", "empty": "", "t": true, "f": false, "i": int64(-3), "zero": float64(0), "pi": 3.14, "null": nil}},
		"KeyOrder": {m: map[string]any{"b": "1", "a": "2", "B": "3", "aa": "4", "": "5", "ä": "6"}},
		"Nested":   {m: map[string]any{"metadata": map[string]any{"name": "x", "labels": map[string]any{"k": "v"}, "empty": map[string]any{}}, "spec": map[string]any{"forProvider": map[string]any{"tags": []any{"a", int64(1), map[string]any{"x": []any{}}, []any{true}}}}}},
		// Lengths past one and two varint bytes at every level.
		"LongValues": {m: map[string]any{"a": long, long: map[string]any{"b": longer, "c": []any{long, longer, map[string]any{long: long}}}}},
		// Kinds the builders do not make, encoded as protobuf does.
		"OtherKinds":    {m: map[string]any{"int": 7, "uint": uint32(8), "float32": float32(1.5), "bytes": []byte("hi")}},
		"InvalidKey":    {m: map[string]any{"\xff": "v"}, wantErr: true},
		"InvalidString": {m: map[string]any{"k": map[string]any{"x": []any{"\xfe"}}}, wantErr: true},
		"Unsupported":   {m: map[string]any{"k": []string{"no"}}, wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var e Encoder
			got, err := e.AppendStruct([]byte("prefix"), tc.m)
			want, refErr := reference(tc.m)
			if (err != nil) != tc.wantErr || (refErr != nil) != tc.wantErr {
				t.Fatalf("AppendStruct error %v, structpb error %v, want an error: %t", err, refErr, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if diff := cmp.Diff(append([]byte("prefix"), want...), got); diff != "" {
				t.Errorf("(-protobuf +AppendStruct):\n%s", diff)
			}
		})
	}
}

// TestEncoderReuse: an Encoder's scratch keys from one Struct never leak
// into the next.
func TestEncoderReuse(t *testing.T) {
	var e Encoder
	for _, m := range []map[string]any{
		{"z": map[string]any{"y": map[string]any{"x": "1", "w": "2"}}, "a": "b"},
		{"q": map[string]any{"p": "3"}},
		{"z": map[string]any{"y": map[string]any{"x": "1", "w": "2"}}, "a": "b"},
	} {
		got, err := e.AppendStruct(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		want, err := reference(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%v: encoded differently from protobuf", m)
		}
	}
}

// FuzzAppendStruct: any JSON object encodes exactly as protobuf encodes
// its Struct, and what protobuf refuses is refused.
func FuzzAppendStruct(f *testing.F) {
	for _, seed := range []string{`{}`, `{"a":1,"b":[true,null,"x",{"c":[]}]}`, `{"k":"` + strings.Repeat("v", 300) + `"}`, `{"\u00e4":{"":-0.5e10}}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		m := map[string]any{}
		if json.Unmarshal([]byte(doc), &m) != nil {
			return
		}
		var e Encoder
		got, err := e.AppendStruct(nil, m)
		want, refErr := reference(m)
		if (err != nil) != (refErr != nil) {
			t.Fatalf("AppendStruct error %v, protobuf error %v", err, refErr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: encoded differently from protobuf", doc)
		}
	})
}
