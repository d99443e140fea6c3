package fn

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
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
	key, err := inputKeyOf(req.GetInput(), ps)
	if err != nil {
		// Unencodable: nothing is kept, everything is read again.
		return f.validate(req, inputKey{}, xr, ex, ps)
	}
	if f.inputs == nil {
		return f.validate(req, key, xr, ex, ps)
	}
	vkey, n, err := validationKey(key, xr, ex, f.now().UTC().Format(time.DateOnly))
	if err != nil {
		return f.validate(req, key, xr, ex, ps)
	}
	if vx, ok := f.inputs.Get(vkey); ok {
		return vx.in, vx.p, nil
	}
	in, p, err := f.validate(req, key, xr, ex, ps)
	if err == nil {
		f.inputs.Add(vkey, validatedXR{in: in, p: p}, inputMemory(n))
	}
	return in, p, err
}

// inputKey identifies what reading the Input depends on besides the XR:
// the Composition's Input and the platform settings, by a hash of their
// deterministic encodings, and how long those are. The zero key is none.
type inputKey struct {
	sum [sha256.Size]byte
	n   int
}

func inputKeyOf(input *structpb.Struct, ps settings) (inputKey, error) {
	det := proto.MarshalOptions{Deterministic: true}
	in, err := det.Marshal(input)
	if err != nil {
		return inputKey{}, err
	}
	set, err := det.Marshal(ps.data)
	if err != nil {
		return inputKey{}, err
	}
	var b []byte
	for _, part := range [][]byte{in, []byte(ps.name), set} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(part)))
		b = append(b, part...)
	}
	return inputKey{sum: sha256.Sum256(b), n: len(b)}, nil
}

// validationKey hashes what validation depends on, each part
// length-prefixed, and returns the length of what it stands for: the size
// of what a validated entry holds decoded.
func validationKey(key inputKey, xr composite, ex existing, day string) ([sha256.Size]byte, int, error) {
	det := proto.MarshalOptions{Deterministic: true}
	spec, err := det.Marshal(xr.spec)
	if err != nil {
		return [sha256.Size]byte{}, 0, err
	}
	ann, err := det.Marshal(xr.annotations)
	if err != nil {
		return [sha256.Size]byte{}, 0, err
	}
	var b []byte
	for _, part := range [][]byte{key.sum[:], spec, ann, []byte(xr.apiVersion), []byte(xr.kind), []byte(xr.namespace), []byte(xr.name), []byte(ex.scheme.String()), []byte(ex.gitHost), []byte(day)} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(part)))
		b = append(b, part...)
	}
	return sha256.Sum256(b), key.n + len(b), nil
}

// readsKept bounds the decoded-Input cache: an entry per Composition
// revision and platform settings version in use, a handful on any
// platform, each holding at most an Input per Git host.
const readsKept = 8

// inputRead is a decoded Input and, by Git host, the Input defaulted and
// validated for a repository there. Neither is modified once kept.
type inputRead struct {
	d      decodedInput
	mu     sync.Mutex
	byHost map[string]*v1beta1.Input
}

// newReadCache is the decoded-Input cache. Unlike the plan and
// validated-input caches it is kept whatever their sizes: it holds what
// the Composition and the platform settings say, the same for every XR, so
// a platform of thousands of XRs reads its Input once rather than on every
// call.
func newReadCache() *lrucache.Cache[[sha256.Size]byte, *inputRead] {
	return lrucache.New[[sha256.Size]byte, *inputRead](readsKept, maxReadBytes)
}

// maxReadBytes bounds the decoded-Input cache's memory: an Input larger
// than that (beyond anything a platform writes) is read on every call.
const maxReadBytes = 8 << 20

// readInput is readInput through the decoded-Input cache.
func (f *Function) readInput(req *fnv1.RunFunctionRequest, key inputKey, ps settings, team, gitHost string) (*v1beta1.Input, error) {
	if key == (inputKey{}) {
		return readInput(req, ps, team, gitHost)
	}
	r, ok := f.reads.Get(key.sum)
	if !ok {
		d, err := decodeInput(req, ps)
		if err != nil {
			return nil, err
		}
		r = &inputRead{d: d, byHost: map[string]*v1beta1.Input{}}
		// The decoded Input and an Input for each of the few Git hosts.
		f.reads.Add(key.sum, r, inputMemory(key.n)*(1+int64(len(compose.GitRepositories))))
	}
	host := r.d.hostFor(team, gitHost)
	r.mu.Lock()
	in, ok := r.byHost[host]
	r.mu.Unlock()
	if ok {
		return in, nil
	}
	in, err := r.d.forHost(host)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.byHost[host] = in
	r.mu.Unlock()
	return in, nil
}
