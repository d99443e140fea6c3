package fn

import (
	"crypto/sha256"
	"encoding/json"

	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/lru"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/validation"
)

// DefaultPlanCacheSize is how many compiled plans a Function keeps. A
// converged plan of the default example takes about 0.3 MiB, so a full cache
// about 10 MiB; a team of hundreds of members makes its plan larger.
const DefaultPlanCacheSize = 32

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
	// invalid are the object names the XR's name would make invalid.
	invalid field.ErrorList
}

// compile builds the plan for p and f and converts every body to a Struct.
func compile(p compose.Params, f compose.Facts) (*compiledPlan, error) {
	plan := p.Plan(f)
	c := &compiledPlan{steps: make([]compose.Step, len(plan)), bodies: map[resource.Name]*structpb.Struct{}}
	var names []string
	for i, s := range plan {
		objs := make([]compose.Object, len(s.Objects))
		for j, o := range s.Objects {
			body, err := structpb.NewStruct(o.Body)
			if err != nil {
				return nil, errors.Wrapf(err, "cannot convert %s to a protobuf Struct", o.Name)
			}
			c.bodies[o.Name] = body
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

// planCache keeps the most recently used compiled plans.
type planCache struct{ lru *lru.Cache }

func newPlanCache(size int) *planCache {
	if size <= 0 {
		return nil
	}
	return &planCache{lru: lru.New(size)}
}

// planKey identifies a plan by a hash of everything it is built from. The
// hash is SHA-256 so that no two XRs can ever share a plan.
type planKey [sha256.Size]byte

func keyOf(p compose.Params, f compose.Facts) (planKey, error) {
	b, err := json.Marshal(struct {
		P compose.Params
		F compose.Facts
	}{p, f})
	if err != nil {
		return planKey{}, errors.Wrap(err, "cannot hash the plan's parameters")
	}
	return sha256.Sum256(b), nil
}

// plan returns the compiled plan for p and f, from the cache when it has it.
// A nil cache compiles every time.
func (c *planCache) plan(p compose.Params, f compose.Facts) (*compiledPlan, error) {
	if c == nil {
		return compile(p, f)
	}
	k, err := keyOf(p, f)
	if err != nil {
		return nil, err
	}
	if v, ok := c.lru.Get(k); ok {
		return v.(*compiledPlan), nil //nolint:forcetypeassert // Only compiled plans are added.
	}
	cp, err := compile(p, f)
	if err != nil {
		return nil, err
	}
	c.lru.Add(k, cp)
	return cp, nil
}
