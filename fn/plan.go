package fn

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/lrucache"
	"github.com/eks-gitops/function-eks-gitops/internal/validation"
)

// Bounds of the plan cache. A converged plan of the default example takes
// about 0.3 MiB in memory and one of a 1,000-member team about 4 MiB, so the
// default holds a few dozen typical XRs in a quarter of the 256 MiB that
// example/runtimeconfig.yaml allows, whatever their size.
const (
	DefaultPlanCacheSize  = 32
	DefaultPlanCacheBytes = 64 << 20
)

// memoryPerWireByte is how many bytes of memory a compiled plan's Structs
// and their encodings take per byte of the encoding (measured by
// TestPlanMemoryEstimate, which fails if it is too low).
const memoryPerWireByte = 9

// compiledPlan is a plan with every object's body already converted to the
// protobuf Struct a response carries. Compiling is most of a call's work, and
// it depends only on the Params and the Facts: an XR that is called again
// with the same spec and the same observed facts, as a converged XR is on
// every poll, reuses it and only has its readiness computed.
//
// A compiledPlan is shared by concurrent calls and by the responses built
// from it, which marshal its Structs after RunFunction returns: nothing may
// modify it once compiled.
type compiledPlan struct {
	// steps are the plan's steps. Their objects' bodies are dropped: bodies
	// holds them as Structs.
	steps  []compose.Step
	bodies map[resource.Name]*structpb.Struct
	// encoded are the encodings of a ready Resource of each body, which
	// the gRPC server (Wire) sends instead of encoding the Structs again on
	// every call of a converged XR. They are made the
	// first time the plan is served from the cache (encodeOnce), so a plan
	// used once (every call of a platform with more XRs than the cache
	// holds) costs nothing more.
	encoded    map[resource.Name][]byte
	encodeOnce sync.Once
	encodeErr  error
	// reused counts the calls the cache served the plan to.
	reused atomic.Int64
	// sizes are each body's encoded size, estimated while converting it,
	// for the response size check.
	sizes map[resource.Name]int
	// wireBytes is the estimated encoded size of every body together.
	wireBytes int64
	// invalid are the object names the XR's name would make invalid.
	invalid field.ErrorList
	// ids are what each composed object is: the observed object of its
	// name must be the same (strays).
	ids map[resource.Name]objectID
	// nodeGroupID is what a node group of any generation is.
	nodeGroupID objectID
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

// memoryBytes estimates the memory the plan holds.
func (c *compiledPlan) memoryBytes() int64 { return c.wireBytes * memoryPerWireByte }

// compile builds the plan for p, f and up (p.Upgrade(f)) and converts every
// body to a Struct.
func compile(p compose.Params, f compose.Facts, up compose.Upgrade) (*compiledPlan, error) {
	plan := p.PlanFor(f, up)
	c := &compiledPlan{
		steps:       make([]compose.Step, len(plan)),
		bodies:      map[resource.Name]*structpb.Struct{},
		sizes:       map[resource.Name]int{},
		ids:         map[resource.Name]objectID{},
		nodeGroupID: objectID{gk: schema.FromAPIVersionAndKind(compose.NodeGroupAPIVersion, compose.NodeGroupKind).GroupKind(), namespace: p.Namespace()},
	}
	var names []string
	for i, s := range plan {
		objs := make([]compose.Object, len(s.Objects))
		for j, o := range s.Objects {
			body, size, err := toStruct(o.Body)
			if err != nil {
				return nil, errors.Wrapf(err, "cannot convert %s to a protobuf Struct", o.Name)
			}
			c.bodies[o.Name] = body
			c.ids[o.Name] = idOf(body)
			c.sizes[o.Name] = size
			c.wireBytes += int64(size)
			names = append(names, body.GetFields()["metadata"].GetStructValue().GetFields()["name"].GetStringValue())
			o.Body = nil
			objs[j] = o
		}
		s.Objects = objs
		c.steps[i] = s
	}
	c.invalid = validation.ObjectNames(p.XRName, names)
	return c, nil
}

// planCache keeps the most recently used compiled plans, bounded both in
// number and in the memory they hold, so a few very large XRs cannot take
// more than the budget.
type planCache struct {
	lru *lrucache.Cache[planKey, *compiledPlan]
	// hits and misses count lookups, so tests can show where a plan came
	// from.
	hits, misses atomic.Int64
}

func newPlanCache(entries int, bytes int64) *planCache {
	lru := lrucache.New[planKey, *compiledPlan](entries, bytes)
	if lru == nil {
		return nil
	}
	return &planCache{lru: lru}
}

// planKey identifies a plan by a hash of everything it is built from. The
// hash is SHA-256 so that no two XRs can ever share a plan.
type planKey [sha256.Size]byte

// plan returns the compiled plan for p, f and up (p.Upgrade(f)), from the
// cache when it has it. A nil cache compiles every time.
func (c *planCache) plan(p compose.Params, f compose.Facts, up compose.Upgrade) (*compiledPlan, error) {
	if c == nil {
		return compile(p, f, up)
	}
	k := keyOf(p, f, up)
	if cp, ok := c.lru.Get(k); ok {
		cp.reused.Add(1)
		c.hits.Add(1)
		return cp, nil
	}
	c.misses.Add(1)
	cp, err := compile(p, f, up)
	if err != nil {
		return nil, err
	}
	c.lru.Add(k, cp, cp.memoryBytes())
	return cp, nil
}

// len and heldBytes report the cache's use, for tests.
func (c *planCache) len() int { return c.lru.Len() }

func (c *planCache) heldBytes() int64 { return c.lru.Bytes() }

// toStruct converts a body to a protobuf Struct, as structpb.NewStruct does,
// and estimates its encoded size on the way: measuring it afterwards would
// walk the whole plan a second time. The estimate counts every string's and
// key's bytes and a few bytes of framing per value, and is never far below
// the encoding's size (TestStructSizeEstimate).
func toStruct(m map[string]any) (*structpb.Struct, int, error) {
	fields := make(map[string]*structpb.Value, len(m))
	size := 0
	for k, v := range m {
		if !utf8.ValidString(k) {
			return nil, 0, errors.Errorf("invalid UTF-8 in key %q", k)
		}
		val, n, err := toValue(v)
		if err != nil {
			return nil, 0, err
		}
		fields[k] = val
		size += len(k) + n + 8
	}
	return &structpb.Struct{Fields: fields}, size + 4, nil
}

func toValue(v any) (*structpb.Value, int, error) {
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) {
			return nil, 0, errors.Errorf("invalid UTF-8 in string %q", v)
		}
		return structpb.NewStringValue(v), len(v) + 4, nil
	case bool:
		return structpb.NewBoolValue(v), 4, nil
	case int64:
		return structpb.NewNumberValue(float64(v)), 11, nil
	case float64:
		return structpb.NewNumberValue(v), 11, nil
	case map[string]any:
		s, n, err := toStruct(v)
		if err != nil {
			return nil, 0, err
		}
		return structpb.NewStructValue(s), n + 4, nil
	case []any:
		vals := make([]*structpb.Value, len(v))
		size := 4
		for i, e := range v {
			val, n, err := toValue(e)
			if err != nil {
				return nil, 0, err
			}
			vals[i] = val
			size += n + 4
		}
		return structpb.NewListValue(&structpb.ListValue{Values: vals}), size, nil
	default:
		val, err := structpb.NewValue(v)
		if err != nil {
			return nil, 0, err
		}
		return val, proto.Size(val), nil
	}
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
