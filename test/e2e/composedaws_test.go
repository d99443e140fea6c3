package e2e

import (
	"context"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/eks-gitops/function-eks-gitops/internal/awsrules"
	"github.com/eks-gitops/function-eks-gitops/internal/iampolicy"
)

// composedAWS is what AWS knows in the fast suite: the managed resources
// the function composed, as the simulated provider reports them (ready,
// with the ARNs and names it observed), references resolved as the
// provider resolves them, and the credential's password from the
// connection Secret the provider wrote. Only ready objects exist in AWS.
type composedAWS struct{ cp *controlPlane }

var composedAWSKinds = []schema.GroupVersionResource{
	{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Resource: "clusters"},
	{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Resource: "accessentries"},
	{Group: "eks.aws.m.upbound.io", Version: "v1beta1", Resource: "accesspolicyassociations"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "roles"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "users"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "policies"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "userpolicyattachments"},
	{Group: "iam.aws.m.upbound.io", Version: "v1beta1", Resource: "servicespecificcredentials"},
	{Group: "codecommit.aws.m.upbound.io", Version: "v1beta1", Resource: "repositories"},
	{Group: "codecommit.aws.m.upbound.io", Version: "v1beta1", Resource: "approvalruletemplates"},
	{Group: "codecommit.aws.m.upbound.io", Version: "v1beta1", Resource: "approvalruletemplateassociations"},
}

// world lists every ready managed resource of composedAWSKinds.
func (a composedAWS) world(ctx context.Context) ([]map[string]any, error) {
	var w []map[string]any
	for _, gvr := range composedAWSKinds {
		l, err := a.cp.dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, o := range l.Items {
			if conditionStatus(&o, "Ready") == "True" {
				w = append(w, o.Object)
			}
		}
	}
	return w, nil
}

func kindIs(o map[string]any, kind string) bool { return o["kind"] == kind }

func str(o map[string]any, path ...string) string {
	s, _, _ := unstructured.NestedString(o, path...)
	return s
}

func sameObject(a, b map[string]any) bool {
	return kindIs(a, str(b, "kind")) && str(a, "metadata", "namespace") == str(b, "metadata", "namespace") && str(a, "metadata", "name") == str(b, "metadata", "name")
}

// one is the single object a field resolves to, or nil.
func one(o map[string]any, field string, w []map[string]any) map[string]any {
	if r := awsrules.Resolve(o, field, w); len(r) == 1 {
		return r[0]
	}
	return nil
}

func (a composedAWS) clusterName(ctx context.Context, tc *teamCluster) (string, error) {
	o, err := a.cp.dyn.Resource(composedAWSKinds[0]).Namespace("crossplane-system").Get(ctx, tc.mr, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if conditionStatus(o, "Ready") != "True" {
		return "", nil
	}
	return o.GetAnnotations()["crossplane.io/external-name"], nil
}

// cluster is the composed EKS cluster with the external name, as the
// simulated provider reports it once ready.
func (a composedAWS) cluster(ctx context.Context, name string) (*eksCluster, error) {
	w, err := a.world(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range w {
		if !kindIs(o, "Cluster") || str(o, "metadata", "annotations", "crossplane.io/external-name") != name {
			continue
		}
		c := &eksCluster{Name: name, Arn: str(o, "status", "atProvider", "arn"), Endpoint: str(o, "status", "atProvider", "endpoint"), Status: "ACTIVE"}
		if ca, _, _ := unstructured.NestedSlice(o, "status", "atProvider", "certificateAuthority"); len(ca) == 1 {
			c.CertificateAuthority.Data, _ = ca[0].(map[string]any)["data"].(string)
		}
		return c, nil
	}
	return nil, nil
}

// entries are the access entries on the cluster named cluster, each with
// the principal the provider filled from its reference.
func (a composedAWS) entries(ctx context.Context, cluster string) ([]accessEntry, error) {
	w, err := a.world(ctx)
	if err != nil {
		return nil, err
	}
	onCluster := func(o map[string]any) bool {
		c := one(o, "clusterName", w)
		return c != nil && str(c, "metadata", "annotations", "crossplane.io/external-name") == cluster
	}
	var out []accessEntry
	for _, ae := range w {
		if !kindIs(ae, "AccessEntry") || !onCluster(ae) {
			continue
		}
		principal := str(ae, "spec", "forProvider", "principalArn")
		if principal == "" {
			if role := one(ae, "principalArnFromRole", w); role != nil {
				principal = str(role, "status", "atProvider", "arn")
			}
		}
		if principal == "" {
			continue
		}
		en := accessEntry{principal: principal, username: str(ae, "spec", "forProvider", "userName")}
		groups, _, _ := unstructured.NestedStringSlice(ae, "spec", "forProvider", "kubernetesGroups")
		en.groups = groups
		for _, as := range w {
			if !kindIs(as, "AccessPolicyAssociation") || !onCluster(as) {
				continue
			}
			// The association names its principal by ARN; the function
			// selects the access entry, whose principal the provider fills.
			target := one(as, "principalArn", w)
			if target == nil || !sameObject(target, ae) {
				if str(as, "spec", "forProvider", "principalArn") != principal {
					continue
				}
			}
			ap := accessPolicy{arn: str(as, "spec", "forProvider", "policyArn")}
			scope, _, _ := unstructured.NestedMap(as, "spec", "forProvider", "accessScope")
			if l, ok, _ := unstructured.NestedSlice(as, "spec", "forProvider", "accessScope"); ok && len(l) == 1 {
				scope, _ = l[0].(map[string]any)
			}
			if scope["type"] == "namespace" {
				ns, _, _ := unstructured.NestedStringSlice(scope, "namespaces")
				if len(ns) == 0 {
					return nil, fmt.Errorf("association %s has namespace scope and no namespaces", str(as, "metadata", "name"))
				}
				ap.namespaces = ns
			}
			en.policies = append(en.policies, ap)
		}
		out = append(out, en)
	}
	return out, nil
}

func (a composedAWS) trustPolicy(ctx context.Context, roleARN string) (string, error) {
	w, err := a.world(ctx)
	if err != nil {
		return "", err
	}
	for _, o := range w {
		if kindIs(o, "Role") && str(o, "status", "atProvider", "arn") == roleARN {
			return str(o, "spec", "forProvider", "assumeRolePolicy"), nil
		}
	}
	return "", nil
}

func (a composedAWS) exists(ctx context.Context, repo string) (bool, error) {
	w, err := a.world(ctx)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(w, func(o map[string]any) bool {
		return kindIs(o, "Repository") && str(o, "metadata", "annotations", "crossplane.io/external-name") == repo
	}), nil
}

// pullRefused finds the credential by its user name and password, its IAM
// user, the policies attached to that user, and the repository's ARN, and
// asks the policies for codecommit:GitPull on it.
func (a composedAWS) pullRefused(ctx context.Context, user, password, repo string) (string, error) {
	w, err := a.world(ctx)
	if err != nil {
		return "", err
	}
	var cred map[string]any
	for _, o := range w {
		if kindIs(o, "ServiceSpecificCredential") && str(o, "status", "atProvider", "serviceUserName") == user {
			cred = o
		}
	}
	if cred == nil {
		return "no such service-specific credential: " + user, nil
	}
	ref := str(cred, "spec", "writeConnectionSecretToRef", "name")
	s, err := a.cp.kube.CoreV1().Secrets(str(cred, "metadata", "namespace")).Get(ctx, ref, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if string(s.Data["attribute.service_password"]) != password {
		return "wrong password for " + user, nil
	}
	iamUser := one(cred, "userName", w)
	if iamUser == nil {
		return "the credential's IAM user does not exist", nil
	}
	repoARN := repositoryARN(w, repo)
	if repoARN == "" {
		return "repository " + repo + " does not exist", nil
	}
	for _, att := range w {
		if !kindIs(att, "UserPolicyAttachment") {
			continue
		}
		if u := one(att, "user", w); u == nil || !sameObject(u, iamUser) {
			continue
		}
		policy := one(att, "policyArn", w)
		if policy == nil {
			continue
		}
		d, err := iampolicy.Evaluate(str(policy, "spec", "forProvider", "policy"), iampolicy.Request{Action: "codecommit:GitPull", Resource: repoARN})
		if err != nil {
			return "", err
		}
		if d == iampolicy.Allow {
			return "", nil
		}
	}
	return fmt.Sprintf("User: %s is not authorized to perform: codecommit:GitPull on resource: %s", str(iamUser, "status", "atProvider", "arn"), repoARN), nil
}

// reviewRules are the contents of the templates a ready association ties
// to the repository.
func (a composedAWS) reviewRules(ctx context.Context, repo string) ([]string, error) {
	w, err := a.world(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, as := range w {
		if !kindIs(as, "ApprovalRuleTemplateAssociation") || str(as, "spec", "forProvider", "repositoryName") != repo {
			continue
		}
		name := str(as, "spec", "forProvider", "approvalRuleTemplateName")
		for _, t := range w {
			if kindIs(t, "ApprovalRuleTemplate") && str(t, "metadata", "annotations", "crossplane.io/external-name") == name {
				out = append(out, str(t, "spec", "forProvider", "content"))
			}
		}
	}
	return out, nil
}

// repositoryARN is the ARN of the composed repository named repo, or "".
func repositoryARN(w []map[string]any, repo string) string {
	for _, o := range w {
		if kindIs(o, "Repository") && str(o, "metadata", "annotations", "crossplane.io/external-name") == repo {
			return str(o, "status", "atProvider", "arn")
		}
	}
	return ""
}

// roleRefused judges a session of the composed role by the role's inline
// policies, as IAM judges a call: an explicit deny wins, else an allow.
func (a composedAWS) roleRefused(ctx context.Context, role, caller, action, repo string, refs []string) (string, error) {
	w, err := a.world(ctx)
	if err != nil {
		return "", err
	}
	var r map[string]any
	for _, o := range w {
		if kindIs(o, "Role") && str(o, "status", "atProvider", "arn") == role {
			r = o
		}
	}
	if r == nil {
		return "no such role: " + role, nil
	}
	repoARN := repositoryARN(w, repo)
	if repoARN == "" {
		return "repository " + repo + " does not exist", nil
	}
	req := iampolicy.Request{Action: action, Resource: repoARN}
	if refs != nil {
		req.Context = map[string][]string{"codecommit:References": refs}
	}
	decision := iampolicy.ImplicitDeny
	inline, _, _ := unstructured.NestedSlice(r, "spec", "forProvider", "inlinePolicy")
	for _, p := range inline {
		doc, _ := p.(map[string]any)["policy"].(string)
		d, err := iampolicy.Evaluate(doc, req)
		if err != nil {
			return "", err
		}
		decision = max(decision, d)
	}
	return refusal(decision, caller, action, repoARN), nil
}

// refusal is IAM's message for a decision on caller's action, "" when
// allowed.
func refusal(d iampolicy.Decision, caller, action, resource string) string {
	switch d {
	case iampolicy.Allow:
		return ""
	case iampolicy.ExplicitDeny:
		return fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s with an explicit deny in an identity-based policy", caller, action, resource)
	case iampolicy.ImplicitDeny:
	}
	return fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action", caller, action, resource, action)
}
