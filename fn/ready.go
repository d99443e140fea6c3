package fn

import (
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// readyCheck reports whether an observed composed resource is ready.
type readyCheck func(*composed.Unstructured) bool

// readyChecks are the kinds whose readiness is not just their Ready
// condition. Everything else is ready when Crossplane or its provider says so.
var readyChecks = map[schema.GroupKind]readyCheck{
	// EKS reports Ready while the cluster is still UPDATING; only ACTIVE
	// clusters accept node groups and add-ons.
	{Group: "eks.aws.m.upbound.io", Kind: "Cluster"}: func(u *composed.Unstructured) bool {
		s, _, _ := unstructured.NestedString(u.Object, "status", "atProvider", "status")
		return hasReadyCondition(u) && s == "ACTIVE"
	},
	// Plain Kubernetes and Argo CD objects have no Ready condition: they are
	// ready once they exist as declared.
	{Group: "", Kind: "ConfigMap"}:                            exists,
	{Group: "", Kind: "Secret"}:                               exists,
	{Group: "argoproj.io", Kind: "AppProject"}:                exists,
	{Group: "argoproj.io", Kind: "Application"}:               exists,
	{Group: "protection.crossplane.io", Kind: "Usage"}:        exists,
	{Group: "protection.crossplane.io", Kind: "ClusterUsage"}: exists,
}

func exists(u *composed.Unstructured) bool { return u.GetName() != "" }

// hasReadyCondition reads the Ready condition straight from the object:
// GetCondition round-trips every condition through JSON, which made it the
// function's most expensive call.
func hasReadyCondition(u *composed.Unstructured) bool {
	conds, _, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "conditions")
	list, _ := conds.([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		if m["type"] == string(xpv2.TypeReady) {
			return m["status"] == string(corev1.ConditionTrue)
		}
	}
	return false
}

// readiness is each observed composed resource's readiness, computed once
// per call.
type readiness map[resource.Name]bool

func readinessOf(observed map[resource.Name]resource.ObservedComposed) readiness {
	r := make(readiness, len(observed))
	for name, oc := range observed {
		r[name] = isReady(oc.Resource)
	}
	return r
}

// isReady reports whether an observed composed resource is ready.
func isReady(u *composed.Unstructured) bool {
	if u == nil {
		return false
	}
	if check, ok := readyChecks[u.GroupVersionKind().GroupKind()]; ok {
		return check(u)
	}
	return hasReadyCondition(u)
}

func unstructuredOf(body map[string]any) unstructured.Unstructured {
	return unstructured.Unstructured{Object: body}
}
