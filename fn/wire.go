package fn

import (
	"context"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
)

// Wire serves a Function over gRPC. It answers exactly as RunFunction does,
// but when the plan came from the cache it hands gRPC every object it
// declares already encoded: the plan keeps each body's deterministic
// encoding from its first reuse on, so a converged XR's calls encode no
// Struct at all. The response decodes to
// exactly what RunFunction returns, and the same request always gives the
// same bytes (TestWireBytesUnchanged).
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
	if plan == nil || plan.reused.Load() == 0 {
		// A plan compiled for this call alone: gRPC encodes its Structs
		// once, as encoding them here would.
		return rsp, nil
	}
	encoded, err := plan.wireBodies()
	if err != nil {
		return rsp, nil //nolint:nilerr // gRPC encodes the Structs instead, and reports what fails.
	}
	for name, r := range rsp.GetDesired().GetResources() {
		body, ok := encoded[resource.Name(name)]
		// Only the plan's own bodies, and only ready ones (every one of a
		// converged XR): objects an earlier step declared are passed on as
		// they came, and gRPC encodes the rest.
		if !ok || r.GetResource() != plan.bodies[resource.Name(name)] || r.GetReady() != fnv1.Ready_READY_TRUE || len(r.GetConnectionDetails()) > 0 {
			continue
		}
		rsp.Desired.Resources[name] = encodedResource(body)
	}
	return rsp, nil
}

// encodedResource is a Resource given as its encoding. Protobuf writes a
// message's unknown fields as they are, and this one has no known fields,
// so the bytes on the wire are the encoding itself, shared with the plan
// and never copied.
func encodedResource(encoding []byte) *fnv1.Resource {
	r := &fnv1.Resource{}
	r.ProtoReflect().SetUnknown(encoding)
	return r
}
