package fn

import (
	"context"
	"encoding/binary"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/function-sdk-go/errors"

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

// wireBodies returns the encodings of the bodies as ready Resources, made
// on the first request.
func (c *compiledPlan) wireBodies() (map[resource.Name][]byte, error) {
	c.encodeOnce.Do(func() {
		det := proto.MarshalOptions{Deterministic: true}
		enc := make(map[resource.Name][]byte, len(c.bodies))
		for name, body := range c.bodies {
			b, err := readyResource(det, body, c.sizes[name])
			if err != nil {
				c.encodeErr = errors.Wrapf(err, "cannot encode %s", name)
				return
			}
			enc[name] = b
		}
		c.encoded = enc
	})
	return c.encoded, c.encodeErr
}

// readyResource encodes a Resource holding body and READY_TRUE, as
// protobuf encodes it: field 1, the body's deterministic encoding, then
// field 3. The body is encoded after room for the longest prefix and the
// prefix written just before it, so it is encoded once and never copied.
// estimate sizes the buffer.
func readyResource(det proto.MarshalOptions, body *structpb.Struct, estimate int) ([]byte, error) {
	const room = 1 + binary.MaxVarintLen32 // Tag 1 is one byte; a length under 4 GiB at most five.
	buf, err := det.MarshalAppend(make([]byte, room, room+estimate+2), body)
	if err != nil {
		return nil, err
	}
	prefix := protowire.AppendVarint(protowire.AppendTag(make([]byte, 0, room), 1, protowire.BytesType), uint64(len(buf)-room)) //nolint:gosec // A length, never negative.
	start := room - len(prefix)
	copy(buf[start:room], prefix)
	buf = protowire.AppendTag(buf, 3, protowire.VarintType)
	buf = protowire.AppendVarint(buf, uint64(fnv1.Ready_READY_TRUE))
	return buf[start:], nil
}
