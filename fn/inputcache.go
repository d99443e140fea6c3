package fn

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/lrucache"
)

// validatedXR is an Input and XR spec that passed validation.
type validatedXR struct {
	in *v1beta1.Input
	p  compose.Params
}

// Bounds of the validated-input cache: at most maxValidated entries in a
// quarter of the plan cache's bytes, so the two together stay within the
// budget the memory limit sets. An entry holds the decoded Input and spec,
// memoryPerInputByte bytes per byte of their encoding (measured by
// TestInputMemoryEstimate, which fails if it is too low).
const (
	maxValidated       = 256
	memoryPerInputByte = 2
	inputOverhead      = 8 << 10
)

// inputMemory estimates the memory a validated entry holds from the length
// of what its key hashed.
func inputMemory(keyed int) int64 { return int64(keyed)*memoryPerInputByte + inputOverhead }

// newInputCache returns the validated-input cache that goes with the plan
// cache: none when plans are not cached either.
func newInputCache(cached bool, planBytes int64) *lrucache.Cache[[sha256.Size]byte, validatedXR] {
	if !cached {
		return nil
	}
	return lrucache.New[[sha256.Size]byte, validatedXR](maxValidated, max(1, planBytes/4))
}

// validated is validate through the validated-input cache. Reading and
// validating are most of a converged call's work and depend only on the
// Input, the spec, the XR's identity, its naming scheme and the day, so a
// result is kept under a hash of exactly those and the next poll of the
// same XR reuses it. Only accepted ones are kept; a refusal is worked out
// again on every call.
func (f *Function) validated(req *fnv1.RunFunctionRequest, xr composite, ex existing, ps settings) (*v1beta1.Input, compose.Params, error) {
	if f.inputs == nil {
		return f.validate(req, xr, ex, ps)
	}
	key, n, err := validationKey(req.GetInput(), ps.data, xr, ex, f.now().UTC().Format(time.DateOnly))
	if err != nil {
		return f.validate(req, xr, ex, ps)
	}
	if vx, ok := f.inputs.Get(key); ok {
		return vx.in, vx.p, nil
	}
	in, p, err := f.validate(req, xr, ex, ps)
	if err == nil {
		f.inputs.Add(key, validatedXR{in: in, p: p}, inputMemory(n))
	}
	return in, p, err
}

// validationKey hashes what validation depends on, each part
// length-prefixed, and returns the length of what it hashed: the size of
// what a validated entry holds decoded.
func validationKey(input, settings *structpb.Struct, xr composite, ex existing, day string) ([sha256.Size]byte, int, error) {
	det := proto.MarshalOptions{Deterministic: true}
	in, err := det.Marshal(input)
	if err != nil {
		return [sha256.Size]byte{}, 0, err
	}
	set, err := det.Marshal(settings)
	if err != nil {
		return [sha256.Size]byte{}, 0, err
	}
	spec, err := det.Marshal(xr.spec)
	if err != nil {
		return [sha256.Size]byte{}, 0, err
	}
	ann, err := det.Marshal(xr.annotations)
	if err != nil {
		return [sha256.Size]byte{}, 0, err
	}
	var b []byte
	for _, part := range [][]byte{in, set, spec, ann, []byte(xr.apiVersion), []byte(xr.kind), []byte(xr.namespace), []byte(xr.name), []byte(ex.scheme.String()), []byte(ex.gitHost), []byte(day)} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(part)))
		b = append(b, part...)
	}
	return sha256.Sum256(b), len(b), nil
}
