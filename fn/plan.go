package fn

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/plancache"
	"github.com/eks-gitops/function-eks-gitops/internal/structwire"
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

// memoryPerWireByte is how many bytes of memory a compiled plan takes per
// byte of its objects' encodings: the encodings themselves and the steps
// and indexes beside them (measured by TestPlanMemoryEstimate, which fails
// if it is too low).
const memoryPerWireByte = 2

// compiledPlan is a plan with every object's body already encoded as the
// Resource a response carries. Compiling is most of a call's work, and it
// depends only on the Params and the Facts: an XR that is called again with
// the same spec and the same observed facts, as a converged XR is on every
// poll, reuses it and only has its readiness computed.
//
// A compiledPlan is shared by concurrent calls and by the responses built
// from it, which gRPC encodes after RunFunction returns: nothing may modify
// it once compiled.
type compiledPlan struct {
	// steps are the plan's steps. Their objects' bodies are dropped: bodies
	// holds them encoded.
	steps []compose.Step
	// bodies are each object's Resource as protobuf encodes it when ready
	// (readyResource): the response hands gRPC these bytes, so no call
	// builds or encodes the objects' Structs.
	bodies map[resource.Name][]byte
	// wireBytes is the encoded size of every body together.
	wireBytes int64
	// invalid are the object names the XR's name would make invalid.
	invalid field.ErrorList
	// ids are what each composed object is: the observed object of its
	// name must be the same (strays).
	ids map[resource.Name]objectID
	// nodeGroupID is what a node group of any generation is.
	nodeGroupID objectID
	// pools are the node pool each planned node group serves.
	pools map[resource.Name]string
	// handedOver are the pools whose managed node groups stay while
	// Karpenter takes them over (compose.Params.HandedOverPools).
	handedOver map[string]bool
}

// MemoryBytes estimates the memory the plan holds, which the plan cache
// bounds.
func (c *compiledPlan) MemoryBytes() int64 { return c.wireBytes * memoryPerWireByte }

// compile builds the plan for p, f and up (p.Upgrade(f)) and encodes every
// body.
func compile(p compose.Params, f compose.Facts, up compose.Upgrade) (*compiledPlan, error) {
	plan := p.PlanFor(f, up)
	n := 0
	for _, s := range plan {
		n += len(s.Objects)
	}
	c := &compiledPlan{
		steps:       make([]compose.Step, len(plan)),
		bodies:      make(map[resource.Name][]byte, n),
		ids:         make(map[resource.Name]objectID, n),
		pools:       map[resource.Name]string{},
		nodeGroupID: objectID{gk: schema.FromAPIVersionAndKind(compose.NodeGroupAPIVersion, compose.NodeGroupKind).GroupKind(), namespace: p.Namespace()},
		handedOver:  p.HandedOverPools(),
	}
	names := make([]string, 0, n)
	var e structwire.Encoder
	var enc, scratch []byte
	for i, s := range plan {
		objs := make([]compose.Object, len(s.Objects))
		for j, o := range s.Objects {
			var err error
			if enc, scratch, err = readyResource(&e, scratch, o.Body); err != nil {
				return nil, errors.Wrapf(err, "cannot encode %s", o.Name)
			}
			c.bodies[o.Name] = enc
			c.wireBytes += int64(len(enc))
			md, _ := o.Body["metadata"].(map[string]any)
			c.ids[o.Name] = idOf(o.Body)
			if strings.HasPrefix(string(o.Name), compose.NodeGroupPrefix) {
				labels, _ := md["labels"].(map[string]any)
				c.pools[o.Name], _ = labels[compose.LabelNodePool].(string)
			}
			name, _ := md["name"].(string)
			names = append(names, name)
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
	cp, _, err := c.Get(p, f, up)
	return cp, err
}
