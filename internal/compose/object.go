package compose

import (
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
)

// Object is one desired composed resource.
type Object struct {
	// Name is the stable composition resource name.
	Name resource.Name
	// Body is the object. It holds only JSON values (string, bool, int64,
	// float64, []any, map[string]any) so it can be deep-copied and sent as is.
	Body map[string]any
	// Requires are the composed resources that must be observed ready before
	// this one is declared for the first time.
	Requires []resource.Name
	// Missing names an observed fact the builder lacked (e.g. the cluster's
	// endpoint). An object with a missing fact is held like one whose
	// prerequisites are not ready.
	Missing string
}

// Group versions of the kinds the function composes.
const (
	apiEC2        = "ec2.aws.m.upbound.io/v1beta1"
	apiIAM        = "iam.aws.m.upbound.io/v1beta1"
	apiEKS        = "eks.aws.m.upbound.io/v1beta1"
	apiSQS        = "sqs.aws.m.upbound.io/v1beta1"
	apiEvents     = "cloudwatchevents.aws.m.upbound.io/v1beta1"
	apiCognito    = "cognitoidp.aws.m.upbound.io/v1beta1"
	apiCodeCommit = "codecommit.aws.m.upbound.io/v1beta1"
)

// managed returns a managed resource of the AWS provider in the team
// account, in the XR's namespace, with the given labels and forProvider.
func (p Params) managed(apiVersion, kind, suffix string, labels map[string]string, forProvider map[string]any) map[string]any {
	return p.managedWith(apiVersion, kind, suffix, labels, p.Input.ProviderConfigRef, forProvider)
}

// managedWith is managed with an explicit ProviderConfig, for resources in
// another account (the central Cognito pool, the repository account).
func (p Params) managedWith(apiVersion, kind, suffix string, labels map[string]string, pc *v1beta1.ProviderConfigRef, forProvider map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": apiVersion,
		"kind":       kind,
		"metadata":   p.meta(p.ObjectName(suffix), p.Namespace(), labels),
		"spec": map[string]any{
			"forProvider": forProvider,
			"providerConfigRef": map[string]any{
				"kind": pc.Kind,
				"name": p.ProviderConfigName(pc),
			},
		},
	}
}

// withExternalName sets the external-name annotation, for kinds whose AWS
// name comes from it.
func withExternalName(o map[string]any, name string) map[string]any {
	m := o["metadata"].(map[string]any) //nolint:forcetypeassert // Built by meta.
	m["annotations"] = map[string]any{AnnotationExternalName: name}
	return o
}

// meta returns metadata with the function's common labels plus extra.
func (p Params) meta(name, namespace string, extra map[string]string) map[string]any {
	// Built as the body holds them, not as a map[string]string converted.
	l := make(map[string]any, 2+len(extra))
	l[LabelTeam] = p.Spec.Team.Name
	l[LabelEnvironment] = p.Spec.Environment
	for k, v := range extra {
		l[k] = v
	}
	m := map[string]any{"name": name, "labels": l}
	if namespace != "" {
		m["namespace"] = namespace
	}
	return m
}

// selector matches the one resource of this XR with the given labels.
func selector(labels map[string]string) map[string]any {
	return map[string]any{"matchControllerRef": true, "matchLabels": strMap(labels)}
}

// component is the label set that identifies a single-instance component.
func component(c string) map[string]string { return map[string]string{LabelComponent: c} }

// refs returns a list of references by name.
func refs(names ...string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = map[string]any{"name": n}
	}
	return out
}

func strMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func strList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
