package fn

import (
	"context"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/eks-gitops/function-eks-gitops/internal/structwire"
)

// Wire serves a Function over gRPC. It answers what RunFunction answers,
// but hands gRPC every object the plan declares as the bytes the plan
// encoded them to (compiledPlan.bodies), where RunFunction gives them as
// Structs: no call builds or encodes an object's Struct. The response
// decodes to exactly what RunFunction returns, and its bytes are
// protobuf's deterministic encoding of that (TestWireBytesUnchanged).
type Wire struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	f *Function
}

// NewWire returns the gRPC server of f.
func NewWire(f *Function) *Wire { return &Wire{f: f} }

// RunFunction runs the function for gRPC.
func (w *Wire) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp, err := w.f.answer(req)
	if err != nil {
		response.Fatal(rsp, err)
	}
	return rsp, nil
}

// Field numbers of fnv1.Resource the encodings hold.
const (
	resourceField = 1 // resource, the body's Struct
	readyField    = 3 // ready
)

// readyResource encodes a Resource holding body and READY_TRUE, as
// protobuf encodes it: field 1, the body's Struct, then field 3; its last
// byte is the readiness (resourceOf). The Struct is encoded into scratch,
// returned for the next body, and copied once into an encoding of its
// exact size.
func readyResource(e *structwire.Encoder, scratch []byte, body map[string]any) (enc, _ []byte, err error) {
	if scratch, err = e.AppendStruct(scratch[:0], body); err != nil {
		return nil, scratch, err
	}
	n := uint64(len(scratch))
	enc = make([]byte, 0, 1+protowire.SizeVarint(n)+len(scratch)+2)
	enc = protowire.AppendTag(enc, resourceField, protowire.BytesType)
	enc = protowire.AppendVarint(enc, n)
	enc = append(enc, scratch...)
	enc = protowire.AppendTag(enc, readyField, protowire.VarintType)
	enc = protowire.AppendVarint(enc, uint64(fnv1.Ready_READY_TRUE))
	return enc, scratch, nil
}

// resourceOf is the planned object's Resource with its readiness, given as
// its encoding. Protobuf writes a message's unknown fields as they are, and
// this one has no known fields, so the bytes on the wire are the encoding
// itself; a ready one is the plan's, shared and never copied.
func (c *compiledPlan) resourceOf(name resource.Name, ready fnv1.Ready) *fnv1.Resource {
	enc := c.bodies[name]
	if ready != fnv1.Ready_READY_TRUE {
		// Both readiness values are one byte: only the last byte differs.
		enc = append(enc[:len(enc)-1:len(enc)-1], byte(ready)) //nolint:gosec // READY_FALSE, 2.
	}
	r := &fnv1.Resource{}
	r.ProtoReflect().SetUnknown(enc)
	return r
}

// decoded replaces every encoded Resource (resourceOf) among the
// response's desired resources with the message its bytes hold, so
// RunFunction answers in Structs as any function does.
func decoded(rsp *fnv1.RunFunctionResponse) error {
	for name, r := range rsp.GetDesired().GetResources() {
		enc := r.ProtoReflect().GetUnknown()
		if r.GetResource() != nil || len(enc) == 0 {
			continue
		}
		d := &fnv1.Resource{}
		if err := proto.Unmarshal(enc, d); err != nil {
			return err
		}
		rsp.Desired.Resources[name] = d
	}
	return nil
}
