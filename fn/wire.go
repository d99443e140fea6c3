package fn

import (
	"context"

	"google.golang.org/protobuf/encoding/protowire"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
)

// Wire serves a Function over gRPC. It answers exactly as RunFunction does,
// but hands gRPC every object it declares from the plan already encoded:
// the compiled plan keeps each body's deterministic encoding, so a call
// whose plan is cached encodes no Struct at all. The bytes on the wire are
// the ones encoding the response would give (TestWireBytesUnchanged).
type Wire struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	f *Function
}

// NewWire returns the gRPC server of f.
func NewWire(f *Function) *Wire { return &Wire{f: f} }

// RunFunction runs the function for gRPC.
func (w *Wire) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp, plan, err := w.f.answer(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if plan == nil {
		return rsp, nil
	}
	for name, r := range rsp.GetDesired().GetResources() {
		body, ok := plan.encoded[resource.Name(name)]
		// Only the plan's own bodies: objects an earlier step declared
		// are passed on as they came.
		if !ok || r.GetResource() != plan.bodies[resource.Name(name)] || len(r.GetConnectionDetails()) > 0 {
			continue
		}
		rsp.Desired.Resources[name] = encodedResource(body, r.GetReady())
	}
	return rsp, nil
}

// encodedResource is a Resource whose fields are given as their encoding:
// the body (field 1) and its readiness (field 3), in field order, which is
// how protobuf encodes the Resource itself. Protobuf writes a message's
// unknown fields after its known ones, and this Resource has no others.
func encodedResource(body []byte, ready fnv1.Ready) *fnv1.Resource {
	raw := make([]byte, 0, len(body)+protowire.SizeBytes(len(body))+4)
	raw = protowire.AppendTag(raw, 1, protowire.BytesType)
	raw = protowire.AppendBytes(raw, body)
	if ready != fnv1.Ready_READY_UNSPECIFIED {
		raw = protowire.AppendTag(raw, 3, protowire.VarintType)
		raw = protowire.AppendVarint(raw, uint64(int64(ready))) //nolint:gosec // How protobuf encodes an enum: its int64 value, two's complement.
	}
	r := &fnv1.Resource{}
	r.ProtoReflect().SetUnknown(raw)
	return r
}
