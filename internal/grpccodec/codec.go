// Package grpccodec replaces gRPC's protobuf codec with one that marshals
// deterministically, so the same RunFunctionResponse always has the same
// bytes on the wire (protobuf map fields are otherwise written in Go's random
// map order).
package grpccodec

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	"google.golang.org/protobuf/proto"
)

// Name is the name gRPC looks its protobuf codec up by.
const Name = "proto"

// Codec marshals protobuf messages deterministically.
type Codec struct{}

// Marshal encodes v with sorted map keys.
func (Codec) Marshal(v any) ([]byte, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("cannot marshal %T: not a protobuf message", v)
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}

// Unmarshal decodes data into v.
func (Codec) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("cannot unmarshal into %T: not a protobuf message", v)
	}
	return proto.Unmarshal(data, m)
}

// Name returns the codec's name.
func (Codec) Name() string { return Name }

// Register installs the codec for every gRPC server and client of the
// process.
func Register() { encoding.RegisterCodec(Codec{}) }
