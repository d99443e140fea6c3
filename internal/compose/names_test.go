package compose

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/addoniam"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

// identities are pairs and groups of XRs whose names a careless scheme would
// derive alike: namespace/name splits, names that differ only after the
// readable prefix is cut, a pool name that completes another XR's name, and
// Argo CD's own names.
var identities = []naming.Identity{
	{Name: "team-a-prod-eu"},
	{Namespace: "team-a", Name: "prod-eu"},
	{Namespace: "team-a-prod", Name: "eu"},
	{Namespace: "team-a-prod-eu", Name: "x"},
	{Namespace: "team", Name: "a-prod-eu"},
	{Name: "a"},
	{Name: "a-ng"},
	{Namespace: "a", Name: "ng"},
	{Namespace: "a-ng", Name: "a"},
	{Name: "payments-production-eu-west-1-blue"},
	{Name: "payments-production-eu-west-1-green"},
	{Namespace: "payments-production-eu-west-1", Name: "blue"},
	{Namespace: "payments-production-eu-west-1", Name: "green"},
	{Name: strings.Repeat("a", 63)},
	{Name: strings.Repeat("a", 62) + "b"},
	{Namespace: strings.Repeat("a", 63), Name: strings.Repeat("a", 63)},
	{Namespace: strings.Repeat("a", 63), Name: strings.Repeat("a", 62) + "b"},
	{Name: "default"},
	{Name: "in-cluster"},
	{Namespace: "argocd", Name: "default"},
	{Name: "crossplane-system"},
	{Name: "payments-dev"},
	// A namespaced XR in the managed resource namespace of cluster-scoped
	// XRs would share its object names with the cluster-scoped XR of the
	// same name: no team can be granted that namespace (see
	// validation.TestInput/ManagedResourceNamespaceGranted).
}

// derivedNames returns every name an XR's objects take in a space other
// XRs' objects share, keyed by that space: AWS names by service and kind,
// Kubernetes names by namespace and kind.
func derivedNames(p Params) map[string]string {
	out := map[string]string{}
	add := func(space, name string) { out[space+"\x00"+name] = space + " " + name }
	for _, o := range p.All() {
		kind, _ := o.Body["kind"].(string)
		md, _ := o.Body["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		add("k8s/"+ns+"/"+kind, md["name"].(string))
		if a, ok := md["annotations"].(map[string]any); ok {
			if ext, ok := a[AnnotationExternalName].(string); ok {
				space := "aws/" + kind
				if kind == "NodeGroup" {
					// Node group names are unique within their cluster.
					space += "/" + p.ClusterName()
				}
				add(space, ext)
			}
		}
		spec, _ := o.Body["spec"].(map[string]any)
		fp, _ := spec["forProvider"].(map[string]any)
		if m, ok := fp["manifest"].(map[string]any); ok {
			mmd, _ := m["metadata"].(map[string]any)
			add("k8s/"+mmd["namespace"].(string)+"/"+m["kind"].(string), mmd["name"].(string))
		}
		switch kind {
		case "UserGroup":
			add("aws/cognito-group", fp["name"].(string))
		case "LaunchTemplate", "Queue":
			// Named in forProvider; the external name is the ID AWS gives.
			add("aws/"+kind+"-name", fp["name"].(string))
		}
	}
	add("argocd/cluster-name", p.ProjectName())
	add("argocd/project", p.ProjectName())
	return out
}

func paramsOf(id naming.Identity) Params {
	return params(func(p *Params) {
		p.XRName, p.XRNamespace = id.Name, id.Namespace
		// Team roles, so the push role and review template are derived too.
		p.Input.TeamAccess = &v1beta1.TeamAccess{MemberRoleARN: "arn:aws:iam::{accountId}:role/{team}-members", MemberNamespaces: []string{"{team}"}}
	})
}

// TestNamesNeverCollide derives every shared name of every identity above and
// shows no two XRs share one: no XR can adopt or overwrite another's cluster,
// role, user, repository, group or Argo CD object.
func TestNamesNeverCollide(t *testing.T) {
	owner := map[string]naming.Identity{}
	for _, id := range identities {
		for key, shown := range derivedNames(paramsOf(id)) {
			if other, ok := owner[key]; ok && other != id {
				t.Errorf("%+v and %+v both derive %s", other, id, shown)
			}
			owner[key] = id
		}
	}
}

// TestLegacyNamesCollide shows why the Legacy scheme is kept only for XRs
// that already exist: under it, the XRs of the issue derive the same names.
func TestLegacyNamesCollide(t *testing.T) {
	legacy := func(id naming.Identity) Params {
		p := paramsOf(id)
		p.Scheme = naming.Legacy
		return p
	}
	a := legacy(naming.Identity{Namespace: "team-a", Name: "prod-eu"})
	b := legacy(naming.Identity{Namespace: "team-a-prod", Name: "eu"})
	if a.ClusterName() != b.ClusterName() || a.RepositoryName() != b.RepositoryName() {
		t.Fatal("the Legacy scheme no longer collides; this test documents why it is not used for new XRs")
	}
}

// TestHashedNamesFitEveryLimit checks the longest identities against each
// service's limits and character sets.
// The name patterns of the APIs the names go to: EKS CreateCluster and
// CreateNodegroup, IAM's user, role and policy names, CodeCommit's
// repository name, Cognito's group name, and a Kubernetes DNS label.
var (
	eksName          = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]*$`)
	iamName          = regexp.MustCompile(`^[\w+=,.@-]+$`)
	codeCommitName   = regexp.MustCompile(`^[\w.-]+$`)
	cognitoGroupName = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)
	dnsLabel         = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// SQS CreateQueue and EventBridge PutRule.
	sqsName        = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	eventsRuleName = regexp.MustCompile(`^[.\-_A-Za-z0-9]+$`)
	// EC2 CreateLaunchTemplate: 3-128 of these.
	launchTemplateName = regexp.MustCompile(`^[a-zA-Z0-9().\/_-]{3,}$`)
)

func TestHashedNamesFitEveryLimit(t *testing.T) {
	for _, id := range identities {
		p := paramsOf(id)
		p.Spec.NodePools[0].Name = strings.Repeat("p", 32)
		// Each name against the pattern and length its API documents.
		limits := map[string]struct {
			name string
			max  int
			re   *regexp.Regexp
		}{
			"EKS cluster":          {p.ClusterName(), 100, eksName},
			"node group":           {p.NodeGroupName(p.Spec.NodePools[0]), 63, eksName},
			"IAM role":             {p.RoleNames()[NameArgoCDRole], 64, iamName},
			"IAM user":             {p.GitUserName(), 64, iamName},
			"IAM policy":           {p.GitUserName() + "-pull", 128, iamName},
			"IAM push role":        {p.GitPushRoleName(), 64, iamName},
			"review template":      {p.ApprovalRuleTemplateName(), 100, codeCommitName},
			"CodeCommit":           {p.RepositoryName(), 100, codeCommitName},
			"Cognito group":        {p.CognitoAdminGroup(), 128, cognitoGroupName},
			"Argo CD cluster name": {p.ProjectName(), 63, dnsLabel},
			"add-on IAM role":      {p.AddonRoleName(addoniam.ClusterAutoscaler), 64, iamName},
			"launch template":      {p.LaunchTemplateName(p.Spec.NodePools[0].Name), 128, launchTemplateName},
			"Karpenter node role":  {p.KarpenterNodeRoleName(), 64, iamName},
			"Karpenter queue":      {p.KarpenterQueueName(), 80, sqsName},
			"EventBridge rule":     {p.KarpenterRuleName("rebalance"), 64, eventsRuleName},
		}
		legacy := p
		legacy.Scheme = naming.Legacy
		for _, a := range addoniam.All() {
			if n := legacy.AddonRoleName(a); len(n) > 64 {
				t.Errorf("%+v: a Legacy XR's %s role %q (%d characters) breaks IAM's limit of 64", id, a.Name, n, len(n))
			}
		}
		for what, l := range limits {
			if len(l.name) > l.max || !l.re.MatchString(l.name) {
				t.Errorf("%+v: %s %q (%d characters) breaks the limit of %d or the pattern %s", id, what, l.name, len(l.name), l.max, l.re)
			}
		}
		if !strings.HasPrefix(p.ProjectName(), p.Input.NamePrefix) {
			t.Errorf("%+v: project %q lacks the platform prefix", id, p.ProjectName())
		}
	}
}

func ExampleParams_ClusterName() {
	for _, id := range []naming.Identity{{Namespace: "team-a", Name: "prod-eu"}, {Namespace: "team-a-prod", Name: "eu"}, {Name: "team-a-prod-eu"}} {
		fmt.Println(paramsOf(id).ClusterName())
	}
	// Output:
	// team-a-prod-eu-83a25ef50e308f4b
	// team-a-prod-eu-66089ef902883f6a
	// team-a-prod-eu-f153888473abfd15
}
