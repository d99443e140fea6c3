package fn

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

// legacyGuard refuses a Legacy XR that would create an object under a
// Legacy name where other XRs or the platform keep theirs
// (compose.SharedObjects): Legacy names are not unique, and Crossplane
// would adopt whatever object holds the name. What the XR already has is
// its own (ownedBy) and is kept.
func legacyGuard(p compose.Params, plan *compiledPlan, observed map[string]*fnv1.Resource) field.ErrorList {
	if p.Scheme != naming.Legacy {
		return nil
	}
	var errs field.ErrorList
	for _, name := range compose.SharedObjects {
		if _, planned := plan.ids[name]; !planned {
			continue
		}
		if _, has := observed[string(name)]; has {
			continue
		}
		errs = append(errs, field.Forbidden(field.NewPath("metadata", "name"),
			"this XR keeps the names of its resources from before hashed names (the Legacy scheme), and would now create "+string(name)+
				" under a name that another XR or the platform may hold; create a new XR for this cluster, which gets hashed names, and move the workloads to it"))
	}
	return errs
}
