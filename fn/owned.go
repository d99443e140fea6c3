package fn

import (
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime/schema"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// Crossplane passes the function every object the XR's
// spec.crossplane.resourceRefs name that carries a composition-resource-name
// annotation, whether the XR controls it or not, and a team writes both the
// references and, in its own namespace, the objects. So an observed object
// counts as the XR's own only when Crossplane made it for this XR: its
// controller reference is the XR, by UID (ownedBy), and it is of the group,
// kind and namespace the function composes under that name (strays). Every
// fact, the naming scheme, readiness and what is re-declared are read from
// what passes both.

// ownedBy returns the observed composed resources whose controller reference
// is the XR: same UID, group and kind. An XR without a UID (one never
// stored by the API server) owns nothing. The request's map is returned as
// is when every resource passes, as it does on every call Crossplane makes.
func ownedBy(xr *structpb.Struct, observed map[string]*fnv1.Resource) map[string]*fnv1.Resource {
	uid := stringAt(xr, "metadata", "uid")
	gk := groupKind(xr)
	owns := func(r *fnv1.Resource) bool { return uid != "" && controlledBy(r.GetResource(), uid, gk) }
	all := true
	for _, r := range observed {
		if !owns(r) {
			all = false
			break
		}
	}
	if all {
		return observed
	}
	out := make(map[string]*fnv1.Resource, len(observed))
	for name, r := range observed {
		if owns(r) {
			out[name] = r
		}
	}
	return out
}

// controlledBy reports whether the object's controller reference is the
// object of that UID, group and kind. The version is not compared: an XR
// read at another version of its XRD is the same XR. It runs for every
// observed resource on every call, so it reads the Structs directly.
func controlledBy(o *structpb.Struct, uid string, gk schema.GroupKind) bool {
	md := o.GetFields()["metadata"].GetStructValue().GetFields()
	for _, v := range md["ownerReferences"].GetListValue().GetValues() {
		ref := v.GetStructValue().GetFields()
		if !ref["controller"].GetBoolValue() {
			continue
		}
		// An object has at most one controller reference.
		return ref["uid"].GetStringValue() == uid && ref["kind"].GetStringValue() == gk.Kind && inGroup(ref["apiVersion"].GetStringValue(), gk.Group)
	}
	return false
}

// inGroup reports whether apiVersion ("group/version", or "version" for
// the core group) is of group.
func inGroup(apiVersion, group string) bool {
	if group == "" {
		return !strings.Contains(apiVersion, "/")
	}
	return len(apiVersion) > len(group) && apiVersion[len(group)] == '/' && apiVersion[:len(group)] == group
}

// objectID is what an object of a composition resource name must be: its
// group, kind and namespace.
type objectID struct {
	gk        schema.GroupKind
	namespace string
}

// idOf is what a composed object's body makes it.
func idOf(body map[string]any) objectID {
	apiVersion, _ := body["apiVersion"].(string)
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		group = "" // The core group: apiVersion is just "v1".
	}
	kind, _ := body["kind"].(string)
	md, _ := body["metadata"].(map[string]any)
	namespace, _ := md["namespace"].(string)
	return objectID{gk: schema.GroupKind{Group: group, Kind: kind}, namespace: namespace}
}

// is reports whether the object is of the id, reading the Struct directly.
func (id objectID) is(s *structpb.Struct) bool {
	f := s.GetFields()
	return f["kind"].GetStringValue() == id.gk.Kind &&
		f["metadata"].GetStructValue().GetFields()["namespace"].GetStringValue() == id.namespace &&
		inGroup(f["apiVersion"].GetStringValue(), id.gk.Group)
}

// strays are the observed resources the XR controls that are not what the
// plan composes under their name: another group, kind or namespace.
// Crossplane never makes such objects; they are made by hand to look like
// the XR's own. A node group under a name the plan does not hold must be a
// node group in the XR's managed resource namespace, because
// retiredNodeGroups declares it again. Other names the plan does not hold
// are read only by the guard, which can refuse an edit but never changes
// what is composed.
func strays(plan *compiledPlan, observed map[string]*fnv1.Resource) []string {
	var out []string
	for name, r := range observed {
		want, ok := plan.ids[resource.Name(name)]
		if !ok {
			if !strings.HasPrefix(name, compose.NodeGroupPrefix) {
				continue
			}
			want = plan.nodeGroupID
		}
		if !want.is(r.GetResource()) {
			out = append(out, name)
		}
	}
	return out
}

// without returns observed without the named resources.
func without(observed map[string]*fnv1.Resource, names []string) map[string]*fnv1.Resource {
	out := make(map[string]*fnv1.Resource, len(observed))
	for n, r := range observed {
		out[n] = r
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}
