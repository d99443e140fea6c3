package fn

import (
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/plancache"
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
	// handedOver are the pools whose managed node groups stay while
	// Karpenter takes them over (compose.Params.HandedOverPools).
	handedOver map[string]bool
}

// MemoryBytes estimates the memory the plan holds, which the plan cache
// bounds.
func (c *compiledPlan) MemoryBytes() int64 { return c.wireBytes * memoryPerWireByte }

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
		handedOver:  p.HandedOverPools(),
	}
	var names []string
	var a values
	for i, s := range plan {
		objs := make([]compose.Object, len(s.Objects))
		for j, o := range s.Objects {
			body, size, err := a.toStruct(o.Body)
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

// planner gives the compiled plan for p, f and up (p.Upgrade(f)).
type planner interface {
	plan(p compose.Params, f compose.Facts, up compose.Upgrade) (*compiledPlan, error)
}

// compileEach compiles every call's plan anew.
type compileEach struct{}

func (compileEach) plan(p compose.Params, f compose.Facts, up compose.Upgrade) (*compiledPlan, error) {
	return compile(p, f, up)
}

// cachedPlans keeps compiled plans for the calls that follow
// (internal/plancache).
type cachedPlans struct {
	*plancache.Cache[*compiledPlan]
}

func newPlanner(entries int, bytes int64) planner {
	c := plancache.New(entries, bytes, compile)
	if c == nil {
		return compileEach{}
	}
	return cachedPlans{c}
}

func (c cachedPlans) plan(p compose.Params, f compose.Facts, up compose.Upgrade) (*compiledPlan, error) {
	cp, hit, err := c.Get(p, f, up)
	if hit {
		cp.reused.Add(1)
	}
	return cp, err
}

// toStruct converts a body to a protobuf Struct, as structpb.NewStruct does,
// and estimates its encoded size on the way: measuring it afterwards would
// walk the whole plan a second time. The estimate counts every string's and
// key's bytes and a few bytes of framing per value, and is never far below
// the encoding's size (TestStructSizeEstimate).
func toStruct(m map[string]any) (*structpb.Struct, int, error) {
	var a values
	return a.toStruct(m)
}

// values hands out the Values of a plan's Structs from blocks, a few
// allocations where one per Value and one per kind would be thousands:
// a plan's Structs are made together and live exactly as long as the plan,
// so nothing is kept alive longer.
type values struct {
	vals    []structpb.Value
	strs    []structpb.Value_StringValue
	structs []structpb.Value_StructValue
}

const valueBlock = 256

// nextOf hands out the next element of a block, making a new block when it
// is used up.
func nextOf[T any](block *[]T) *T {
	if len(*block) == 0 {
		*block = make([]T, valueBlock)
	}
	e := &(*block)[0]
	*block = (*block)[1:]
	return e
}

func (a *values) str(s string) *structpb.Value {
	k := nextOf(&a.strs)
	k.StringValue = s
	v := nextOf(&a.vals)
	v.Kind = k
	return v
}

func (a *values) structValue(st *structpb.Struct) *structpb.Value {
	k := nextOf(&a.structs)
	k.StructValue = st
	v := nextOf(&a.vals)
	v.Kind = k
	return v
}

func (a *values) toStruct(m map[string]any) (*structpb.Struct, int, error) {
	fields := make(map[string]*structpb.Value, len(m))
	size := 0
	for k, v := range m {
		if !utf8.ValidString(k) {
			return nil, 0, errors.Errorf("invalid UTF-8 in key %q", k)
		}
		val, n, err := a.toValue(v)
		if err != nil {
			return nil, 0, err
		}
		fields[k] = val
		size += len(k) + n + 8
	}
	return &structpb.Struct{Fields: fields}, size + 4, nil
}

func (a *values) toValue(v any) (*structpb.Value, int, error) {
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) {
			return nil, 0, errors.Errorf("invalid UTF-8 in string %q", v)
		}
		return a.str(v), len(v) + 4, nil
	case bool:
		return structpb.NewBoolValue(v), 4, nil
	case int64:
		return structpb.NewNumberValue(float64(v)), 11, nil
	case float64:
		return structpb.NewNumberValue(v), 11, nil
	case map[string]any:
		s, n, err := a.toStruct(v)
		if err != nil {
			return nil, 0, err
		}
		return a.structValue(s), n + 4, nil
	case []any:
		vals := make([]*structpb.Value, len(v))
		size := 4
		for i, e := range v {
			val, n, err := a.toValue(e)
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
