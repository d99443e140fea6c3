package fn

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
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
	// encoded are the bodies' deterministic protobuf encodings, which the
	// gRPC server (Wire) sends instead of encoding the Structs on every
	// call: encoding 66 Structs, their maps sorted, was most of a converged
	// call's cost over gRPC.
	encoded map[resource.Name][]byte
	// sizes are each body's encoded size, estimated while converting it,
	// for the response size check.
	sizes map[resource.Name]int
	// wireBytes is the estimated encoded size of every body together.
	wireBytes int64
	// invalid are the object names the XR's name would make invalid.
	invalid field.ErrorList
}

// memoryBytes estimates the memory the plan holds.
func (c *compiledPlan) memoryBytes() int64 { return c.wireBytes * memoryPerWireByte }

// compile builds the plan for p, f and up (p.Upgrade(f)) and converts every
// body to a Struct.
func compile(p compose.Params, f compose.Facts, up compose.Upgrade) (*compiledPlan, error) {
	plan := p.PlanFor(f, up)
	c := &compiledPlan{
		steps: make([]compose.Step, len(plan)), bodies: map[resource.Name]*structpb.Struct{},
		encoded: map[resource.Name][]byte{}, sizes: map[resource.Name]int{},
	}
	var names []string
	det := proto.MarshalOptions{Deterministic: true}
	for i, s := range plan {
		objs := make([]compose.Object, len(s.Objects))
		for j, o := range s.Objects {
			body, size, err := toStruct(o.Body)
			if err != nil {
				return nil, errors.Wrapf(err, "cannot convert %s to a protobuf Struct", o.Name)
			}
			if c.encoded[o.Name], err = det.Marshal(body); err != nil {
				return nil, errors.Wrapf(err, "cannot encode %s", o.Name)
			}
			c.bodies[o.Name] = body
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
	mu         sync.Mutex
	order      *list.List // Front is the most recently used.
	items      map[planKey]*list.Element
	maxEntries int
	maxBytes   int64
	bytes      int64
}

type cacheEntry struct {
	key  planKey
	plan *compiledPlan
}

func newPlanCache(entries int, bytes int64) *planCache {
	if entries <= 0 || bytes <= 0 {
		return nil
	}
	return &planCache{order: list.New(), items: map[planKey]*list.Element{}, maxEntries: entries, maxBytes: bytes}
}

// planKey identifies a plan by a hash of everything it is built from. The
// hash is SHA-256 so that no two XRs can ever share a plan.
type planKey [sha256.Size]byte

// plan returns the compiled plan for p, f and up, from the cache when it has it.
// A nil cache compiles every time.
func (c *planCache) plan(p compose.Params, f compose.Facts, up compose.Upgrade) (*compiledPlan, error) {
	if c == nil {
		return compile(p, f, up)
	}
	k := keyOf(p, f, up)
	if cp, ok := c.get(k); ok {
		return cp, nil
	}
	cp, err := compile(p, f, up)
	if err != nil {
		return nil, err
	}
	c.add(k, cp)
	return cp, nil
}

func (c *planCache) get(k planKey) (*compiledPlan, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(cacheEntry).plan, true //nolint:forcetypeassert // Only cache entries are added.
}

// add keeps the plan unless it alone exceeds the budget, and evicts the
// least recently used plans until both bounds hold.
func (c *planCache) add(k planKey, cp *compiledPlan) {
	size := cp.memoryBytes()
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; ok {
		return // A concurrent call compiled the same plan.
	}
	c.items[k] = c.order.PushFront(cacheEntry{key: k, plan: cp})
	c.bytes += size
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		e := c.order.Back()
		old := e.Value.(cacheEntry) //nolint:forcetypeassert // Only cache entries are added.
		c.order.Remove(e)
		delete(c.items, old.key)
		c.bytes -= old.plan.memoryBytes()
	}
}

// len and heldBytes report the cache's use, for tests.
func (c *planCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *planCache) heldBytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

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
