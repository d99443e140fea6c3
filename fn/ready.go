package fn

import (
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

// readyCheck reports whether an observed composed resource is ready.
type readyCheck func(*structpb.Struct) bool

// readyChecks are the kinds whose readiness is not just their Ready
// condition. Everything else is ready when Crossplane or its provider says so.
var readyChecks = map[schema.GroupKind]readyCheck{
	// EKS reports Ready while the cluster is still UPDATING; only ACTIVE
	// clusters accept node groups and add-ons.
	{Group: "eks.aws.m.upbound.io", Kind: "Cluster"}: func(s *structpb.Struct) bool {
		return hasReadyCondition(s) && stringAt(s, "status", "atProvider", "status") == "ACTIVE"
	},
	// Plain Kubernetes and Argo CD objects have no Ready condition: they are
	// ready once they exist as declared.
	{Group: "", Kind: "ConfigMap"}:                            exists,
	{Group: "", Kind: "Secret"}:                               exists,
	{Group: "argoproj.io", Kind: "AppProject"}:                exists,
	{Group: "argoproj.io", Kind: "Application"}:               exists,
	{Group: "protection.crossplane.io", Kind: "Usage"}:        exists,
	{Group: "protection.crossplane.io", Kind: "ClusterUsage"}: exists,
	{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}: exists,
}

func exists(s *structpb.Struct) bool { return stringAt(s, "metadata", "name") != "" }

// conditionStatus is the status of the condition of type t, or "" when the
// object has none.
func conditionStatus(s *structpb.Struct, t xpv2.ConditionType) corev1.ConditionStatus {
	for _, c := range valueAt(s, "status", "conditions").GetListValue().GetValues() {
		f := c.GetStructValue().GetFields()
		if f["type"].GetStringValue() == string(t) {
			return corev1.ConditionStatus(f["status"].GetStringValue())
		}
	}
	return ""
}

func hasReadyCondition(s *structpb.Struct) bool {
	return conditionStatus(s, xpv2.TypeReady) == corev1.ConditionTrue
}

// groupKind is the object's group and kind.
func groupKind(s *structpb.Struct) schema.GroupKind {
	group, _, found := strings.Cut(stringAt(s, "apiVersion"), "/")
	if !found {
		group = "" // The core group: apiVersion is just "v1".
	}
	return schema.GroupKind{Group: group, Kind: stringAt(s, "kind")}
}

// readiness is each observed composed resource's readiness, computed once
// per call.
type readiness map[resource.Name]bool

func readinessOf(observed map[string]*fnv1.Resource) readiness {
	r := make(readiness, len(observed))
	for name, oc := range observed {
		r[resource.Name(name)] = isReady(oc.GetResource())
	}
	return r
}

// isReady reports whether an observed composed resource is ready.
func isReady(s *structpb.Struct) bool {
	if s == nil {
		return false
	}
	if check, ok := readyChecks[groupKind(s)]; ok {
		return check(s)
	}
	return hasReadyCondition(s)
}

// conditionMessageOf is the message of the condition of type t, or "".
func conditionMessageOf(s *structpb.Struct, t string) string {
	for _, c := range valueAt(s, "status", "conditions").GetListValue().GetValues() {
		f := c.GetStructValue().GetFields()
		if f["type"].GetStringValue() == t {
			return f["message"].GetStringValue()
		}
	}
	return ""
}
