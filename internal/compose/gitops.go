package compose

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"

	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

// Composition resource names of the GitOps onboarding.
const (
	NameClusterSecret         = resource.Name("argocd-cluster-secret")
	NameCreationEvent         = resource.Name("cluster-creation-event")
	NameCognitoGroup          = resource.Name("cognito-group")
	NameCognitoAdminGroup     = resource.Name("cognito-group-admins")
	NameAppProject            = resource.Name("argocd-project")
	NameRepository            = resource.Name("codecommit-repository")
	NameGitUser               = resource.Name("codecommit-reader-user")
	NameGitPolicy             = resource.Name("codecommit-reader-policy")
	NameGitPolicyAttachment   = resource.Name("codecommit-reader-attachment")
	NameGitCredential         = resource.Name("codecommit-credential")
	NameRepositorySecret      = resource.Name("argocd-repository-secret")
	NameBootstrapApplication  = resource.Name("argocd-bootstrap-application")
	NameUsageSecretOfCluster  = resource.Name("usage-cluster-secret-of-cluster")
	NameUsageAppOfCluster     = resource.Name("usage-application-of-cluster-secret")
	NameUsageAppOfRepo        = resource.Name("usage-application-of-repository")
	NameUsageAppOfCredential  = resource.Name("usage-application-of-credential")
	NameUsageAppOfProject     = resource.Name("usage-application-of-project")
	NameUsageRepoSecretOfRepo = resource.Name("usage-repository-secret-of-repository")
	NameUsageRepoSecretOfCred = resource.Name("usage-repository-secret-of-credential")
	NameUsageClusterOfVPC     = resource.Name("usage-cluster-of-vpc")
	// IAM refuses to delete a user that still has a service-specific
	// credential or an attached policy (DeleteConflict).
	NameUsageUserOfCredential = resource.Name("usage-git-user-of-credential")
	NameUsageUserOfAttachment = resource.Name("usage-git-user-of-policy-attachment")
	// And to delete a policy still attached to a user.
	NameUsagePolicyOfAttachment = resource.Name("usage-git-policy-of-policy-attachment")
	// Argo CD reaches the cluster through these until its finalizer has
	// removed the team's workloads.
	NameUsageSecretOfAccessEntry  = resource.Name("usage-cluster-secret-of-argocd-access-entry")
	NameUsageSecretOfAccessPolicy = resource.Name("usage-cluster-secret-of-argocd-access-policy")
	NameUsageSecretOfArgoCDRole   = resource.Name("usage-cluster-secret-of-argocd-role")
)

// Condition types of the onboarding steps.
const (
	StepClusterRegistered      = "ClusterRegistered"
	StepUserAccessConfigured   = "UserAccessConfigured"
	StepArgoCDAccessGranted    = "ArgoCDAccessGranted"
	StepRepositoryBootstrapped = "RepositoryBootstrapped"
)

// Argo CD's well-known names.
const (
	argoSecretTypeLabel = "argocd.argoproj.io/secret-type" //nolint:gosec // A label key, not a credential.
	argoFinalizer       = "resources-finalizer.argocd.argoproj.io"
	apiArgo             = "argoproj.io/v1alpha1"
	apiUsage            = "protection.crossplane.io/v1beta1"
	apiObject           = "kubernetes.m.crossplane.io/v1alpha1"
	// LabelCreationEvent marks every cluster's cluster-creation-event
	// ConfigMap, so Argo Events sensors can select all of them.
	LabelCreationEvent = "eks-gitops.dev/cluster-creation-event"
	// KeyGitPassword is where the provider publishes a service-specific
	// credential's password among its connection details.
	KeyGitPassword = "attribute.service_password"
)

const (
	componentCognitoGroup = "cognito-group"
	componentCognitoAdmin = "cognito-admin-group"
	componentRepository   = "codecommit-repository"
	componentGitUser      = "codecommit-reader-user"
	componentGitPolicy    = "codecommit-reader-policy"
)

// GitFacts are the observed credential of Argo CD's Git user.
type GitFacts struct {
	Username string
	Password string
}

// ProjectName is the Argo CD project, and the Argo CD cluster name: one per
// cluster, so a team with two clusters never shares a policy between them.
// It starts with the platform's prefix, so it is never Argo CD's own
// "default" project or its "in-cluster" cluster.
func (p Params) ProjectName() string { return p.SharedName("") }

// CognitoGroup is the team's Cognito group for this cluster.
func (p Params) CognitoGroup() string { return p.Input.Cognito.GroupPrefix + p.ClusterName() }

// CognitoAdminGroup is the group of the team's admins for this cluster.
func (p Params) CognitoAdminGroup() string { return p.CognitoGroup() + "-admins" }

// UsesArgoCDRole reports whether Argo CD reaches the cluster through a role
// of its own in the team account (ClusterRole mode).
func (p Params) UsesArgoCDRole() bool {
	_, ok := p.RoleNames()[NameArgoCDRole]
	return ok
}

// Onboarding returns the four GitOps onboarding steps.
func (p Params) Onboarding(f Facts) []Step {
	registration, project := p.registration(f), p.argoCDProject(f)
	return []Step{
		{Condition: StepClusterRegistered, Phase: "ClusterRegistration", Objects: registration},
		{Condition: StepUserAccessConfigured, Phase: "UserAccess", Objects: slices.Concat(p.userAccess(f), p.teamAccess(), p.teamViewBinding())},
		{Condition: StepArgoCDAccessGranted, Phase: "ArgoCDAccess", Objects: project},
		// The cluster Secret comes first in the registration step; the
		// Application's Usages name it and the AppProject.
		{Condition: StepRepositoryBootstrapped, Phase: "RepositoryBootstrap", Objects: p.repository(f, registration[0], project[0])},
	}
}

// kube returns a plain Kubernetes object outside the XR's namespace. A
// cluster-scoped XR composes it directly; a namespaced XR cannot reach other
// namespaces, so it wraps it in a provider-kubernetes Object in its own.
func (p Params) kube(name resource.Name, suffix string, manifest map[string]any, requires []resource.Name, refs ...any) Object {
	if !p.Namespaced() {
		return Object{Name: name, Body: manifest, Requires: requires}
	}
	return p.kubeObject(name, suffix, manifest, requires, refs...)
}

// kubeObject wraps a Kubernetes object in a provider-kubernetes Object in
// the managed resource namespace, whatever the XR's scope: for objects that
// copy a value from another Secret, so the value never passes through the
// function.
func (p Params) kubeObject(name resource.Name, suffix string, manifest map[string]any, requires []resource.Name, refs ...any) Object {
	spec := map[string]any{
		"forProvider": map[string]any{"manifest": manifest},
		"providerConfigRef": map[string]any{
			"kind": p.Input.KubernetesProviderConfigRef.Kind,
			"name": p.ProviderConfigName(p.Input.KubernetesProviderConfigRef),
		},
		"readiness": map[string]any{"policy": "SuccessfulCreate"},
	}
	if len(refs) > 0 {
		spec["references"] = refs
	}
	return Object{Name: name, Requires: requires, Body: map[string]any{
		"apiVersion": apiObject,
		"kind":       "Object",
		"metadata":   p.meta(p.ObjectName(suffix), p.Namespace(), nil),
		"spec":       spec,
	}}
}

// kubeRef is how a Usage names a composed Kubernetes object: the object
// itself, or the provider-kubernetes Object that wraps it.
func (p Params) kubeRef(o Object) map[string]any {
	md := o.Body["metadata"].(map[string]any) //nolint:forcetypeassert // Built by meta.
	ref := map[string]any{"name": md["name"]}
	if ns, ok := md["namespace"]; ok {
		ref["namespace"] = ns
	}
	return map[string]any{"apiVersion": o.Body["apiVersion"], "kind": o.Body["kind"], "resourceRef": ref}
}

// usage makes "by" block the deletion of "of" until "by" is gone. The
// Usage lives in by's namespace; of may be in another.
func (p Params) usage(name resource.Name, of, by Object) Object {
	byRef := p.kubeRef(by)
	ns, _ := byRef["resourceRef"].(map[string]any)["namespace"].(string)
	delete(byRef["resourceRef"].(map[string]any), "namespace") //nolint:forcetypeassert // Built by kubeRef.
	return Object{Name: name, Requires: []resource.Name{of.Name, by.Name}, Body: map[string]any{
		"apiVersion": apiUsage,
		"kind":       "Usage",
		"metadata":   p.meta(p.usageName(name, ns), ns, nil),
		"spec": map[string]any{
			"of":             p.kubeRef(of),
			"by":             byRef,
			"reason":         "deleting " + string(by.Name) + " first",
			"replayDeletion": true,
		},
	}}
}

// usageBefore is a Usage declared as soon as what it protects is ready,
// before what uses it exists (Crossplane protects the used object at once
// and waits for the user to appear): for a user that must wait for it.
func (p Params) usageBefore(name resource.Name, of, by Object) Object {
	u := p.usage(name, of, by)
	u.Requires = []resource.Name{of.Name}
	return u
}

// usageName names a Usage. One in a shared namespace (Argo CD's, for a
// cluster-scoped XR) carries the platform's prefix and the cluster's name
// like every other object there.
func (p Params) usageName(name resource.Name, ns string) string {
	if p.Scheme == naming.Legacy || ns == p.Namespace() {
		return p.ObjectName(string(name))
	}
	return p.SharedName(string(name))
}

// clusterLabels follow the gitops-bridge convention, so ApplicationSet
// cluster generators can select on them. Values are label-safe: the names
// and version are validated. The enable_<addon> labels of the add-ons with
// AWS access are set by addonMetadata.
func (p Params) clusterLabels() map[string]string {
	return map[string]string{
		argoSecretTypeLabel:     "cluster",
		"cluster_name":          p.ProjectName(),
		"aws_cluster_name":      p.ClusterName(),
		"environment":           p.Spec.Environment,
		"team":                  p.Spec.Team.Name,
		"kubernetes_version":    p.Spec.KubernetesVersion,
		"enable_metrics_server": boolString(p.Spec.Addons.MetricsServer),
		// The gp3 StorageClass comes with the EBS CSI driver.
		"enable_aws_ebs_csi_resources": boolString(p.ebsCSIDriver()),
		// EKS Auto Mode runs the nodes, block storage (another provisioner)
		// and load balancing: the add-ons' ApplicationSets choose by it.
		"eks_auto_mode": boolString(p.Spec.AutoMode()),
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// clusterConfig is the cluster Secret's config key. Argo CD drops a cluster
// silently on invalid JSON and ignores unknown keys, so it is built from
// typed structs.
type clusterConfig struct {
	AWSAuthConfig   awsAuthConfig   `json:"awsAuthConfig"`
	TLSClientConfig tlsClientConfig `json:"tlsClientConfig"`
}

type awsAuthConfig struct {
	ClusterName string `json:"clusterName"`
	RoleARN     string `json:"roleARN,omitempty"`
}

type tlsClientConfig struct {
	Insecure bool   `json:"insecure"`
	CAData   string `json:"caData"`
}

func secretData(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return out
}

func (p Params) argoMeta(name string, labels, annotations map[string]string) map[string]any {
	md := p.meta(name, p.Input.ArgoCD.Namespace, labels)
	if len(annotations) > 0 {
		md["annotations"] = strMap(annotations)
	}
	return md
}

// registrationRequires are what the cluster Secret waits for: the cluster
// and Argo CD's access, and the team pools' node access in Auto Mode, or
// Argo CD would install NodePools whose nodes cannot join.
func (p Params) registrationRequires() []resource.Name {
	access := hubAccessAssociation(p.Input.ArgoCD.Mode)
	if p.AutoModeTeamPools() {
		return []resource.Name{NameCluster, access, NameAutoNodeAccessPolicy}
	}
	return []resource.Name{NameCluster, access}
}

// registration is the cluster Secret and the compatibility ConfigMap. The
// Secret needs the observed endpoint and CA, and Argo CD's access policy in
// place, or Argo CD would register a cluster it cannot reach.
func (p Params) registration(f Facts) []Object {
	hub := p.RegistersFor(f)
	labels, annotations := p.clusterLabels(), map[string]string{
		"aws_cluster_name":       p.ClusterName(),
		"aws_region":             p.Spec.AWS.Region,
		"aws_account_id":         p.Spec.AWS.AccountID,
		"aws_vpc_id":             f.VPCID,
		"workload_repo_url":      p.RepositoryURL(),
		"workload_repo_basepath": "",
		"workload_repo_path":     p.Input.ArgoCD.Bootstrap.Path,
		"workload_repo_revision": p.Input.ArgoCD.Bootstrap.Revision,
	}
	p.addonMetadata(f, labels, annotations)
	data := map[string]string{
		"name":    p.ProjectName(),
		"server":  p.server(f),
		"project": p.ProjectName(),
	}
	// The EKS Capability names the cluster by ARN and reaches it with its
	// own role: no endpoint, CA or role in the Secret.
	if hub == v1beta1.ArgoCDSelfManaged {
		// The role ARN is the one the provider observed, not one rebuilt
		// from the account ID: it is what exists, path included.
		roleARN := ""
		if p.UsesArgoCDRole() || p.retiringHub(f) == v1beta1.ArgoCDSelfManaged {
			roleARN = f.ArgoCDRoleARN
		}
		cfg, _ := json.Marshal(clusterConfig{ //nolint:errchkjson // Plain strings always encode.
			AWSAuthConfig:   awsAuthConfig{ClusterName: p.ClusterName(), RoleARN: roleARN},
			TLSClientConfig: tlsClientConfig{CAData: f.Cluster.CAData},
		})
		data["config"] = string(cfg)
	}
	secret := p.kube(NameClusterSecret, string(NameClusterSecret), map[string]any{
		"apiVersion": "v1",
		"kind":       "Secret",
		"type":       "Opaque",
		"metadata":   p.argoMeta(p.SharedName(SuffixClusterSecret), labels, annotations),
		"data":       secretData(data),
	}, p.registrationRequires())
	_, selfManagedRole := p.selfManagedRole()
	switch {
	case hub == v1beta1.ArgoCDSelfManaged && (f.Cluster.Endpoint == "" || f.Cluster.CAData == ""):
		secret.Missing = "the EKS cluster's endpoint and certificate authority"
	case hub == v1beta1.ArgoCDSelfManaged && selfManagedRole && f.ArgoCDRoleARN == "":
		secret.Missing = "the ARN of Argo CD's IAM role"
	case hub == v1beta1.ArgoCDEKSCapability && f.Cluster.ARN == "":
		secret.Missing = p.serverMissing(f)
	}

	objs := []Object{secret, p.usage(NameUsageSecretOfCluster, p.cluster(f), secret)}
	objs = append(objs, p.hubAccessUsages(p.Input.ArgoCD.Mode, secret)...)
	// While the cluster moves hubs, the old hub's way in stays, with its
	// Usages, until the Secret names the cluster the new hub's way.
	if old := p.retiringHub(f); old != "" {
		if old == v1beta1.ArgoCDSelfManaged {
			if role, ok := p.selfManagedRole(); ok {
				objs = append(objs, role)
			}
		}
		objs = append(objs, p.hubAccess(old)...)
		objs = append(objs, p.hubAccessUsages(old, secret)...)
	}
	if ev := p.Input.ClusterCreationEvent; *ev.Enabled {
		objs = append(objs, p.kube(NameCreationEvent, string(NameCreationEvent), map[string]any{
			"apiVersion": "v1",
			"kind":       "ConfigMap",
			"metadata":   p.meta(ev.Name+"-"+p.ClusterName(), ev.Namespace, map[string]string{LabelCreationEvent: "true"}),
			"data": map[string]any{
				"clusterName":          p.ClusterName(),
				"productTeamAccountId": p.Spec.AWS.AccountID,
				"productTeamName":      p.Spec.Team.Name,
				"productTeamMembers":   strings.Join(p.Spec.Team.Members, ","),
			},
		}, []resource.Name{NameCluster}))
	}
	return objs
}

// cognitoAccess is the team's Cognito groups and one membership per member.
func (p Params) cognitoAccess() []Object {
	c := p.Input.Cognito
	group := func(name resource.Name, comp, groupName, description string) Object {
		return Object{Name: name, Body: p.managedWith(apiCognito, "UserGroup", string(name), component(comp), c.ProviderConfigRef, map[string]any{
			"region":      c.Region,
			"userPoolId":  c.UserPoolID,
			"name":        groupName,
			"description": description,
		})}
	}
	objs := []Object{
		group(NameCognitoGroup, componentCognitoGroup, p.CognitoGroup(), "Team "+p.Spec.Team.Name+" on cluster "+p.ClusterName()),
		group(NameCognitoAdminGroup, componentCognitoAdmin, p.CognitoAdminGroup(), "Admins of team "+p.Spec.Team.Name+" on cluster "+p.ClusterName()),
	}
	// A membership waits for its group: Cognito refuses to add a user to
	// a group it does not have yet (ResourceNotFoundException).
	member := func(prefix, comp string, group resource.Name, user string) Object {
		name := resource.Name(prefix + memberKey(user))
		return Object{Name: name, Body: p.managedWith(apiCognito, "UserInGroup", string(name), nil, c.ProviderConfigRef, map[string]any{
			"region":            c.Region,
			"userPoolId":        c.UserPoolID,
			"username":          user,
			"groupNameSelector": selector(component(comp)),
		}), Requires: []resource.Name{group}}
	}
	for _, m := range p.Spec.Team.Members {
		objs = append(objs, member(CognitoMemberPrefix, componentCognitoGroup, NameCognitoGroup, m))
	}
	for _, m := range p.Spec.Team.Admins {
		objs = append(objs, member(CognitoAdminPrefix, componentCognitoAdmin, NameCognitoAdminGroup, m))
	}
	return objs
}

// Prefixes of the composition resource names of the Cognito group
// memberships, one per member and admin.
const (
	CognitoMemberPrefix = "cognito-member-"
	CognitoAdminPrefix  = "cognito-admin-"
)

// readableName is s in lowercase with every run of anything but a-z and
// 0-9 turned into one dash, and none at either end: what a Kubernetes name
// may hold of a username. (A regular expression did the same, at most of
// a member's cost in a 500-member team.)
func readableName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// memberKey names a member's membership: readable, DNS-safe, and unique even
// for usernames that differ only in characters names cannot hold.
func memberKey(user string) string {
	readable := readableName(user)
	if len(readable) > 40 {
		readable = readable[:40]
	}
	return readable + "-" + shortHash(user, 8)
}

// Role names in the project.
const (
	roleDeveloper = "developer"
	roleAdmin     = "admin"
)

// policies returns a project role's policy lines. Every object is exactly
// "<project>/*": the project name is validated to hold only DNS label
// characters, so no comma, quote, newline or glob reaches a line, and the
// "/" after it keeps a project from matching another whose name it prefixes.
func policies(project, role string, grants [][2]string) []any {
	subject := "proj:" + project + ":" + role
	out := make([]any, len(grants))
	for i, g := range grants {
		out[i] = "p, " + subject + ", " + g[0] + ", " + g[1] + ", " + project + "/*, allow"
	}
	return out
}

// argoCDProject is the team's AppProject: its repository and its cluster,
// nothing else.
func (p Params) argoCDProject(f Facts) []Object {
	project := p.ProjectName()
	developerGroup, adminGroup, groupsRequired, groupsMissing := p.projectGroups(f)
	allow := make([]any, len(p.Input.ArgoCD.ClusterResourceAllowList))
	for i, gk := range p.Input.ArgoCD.ClusterResourceAllowList {
		allow[i] = map[string]any{"group": gk.Group, "kind": gk.Kind}
	}
	developer := [][2]string{{"applications", "get"}, {"applications", "sync"}, {"logs", "get"}}
	admin := append(append([][2]string{}, developer...),
		[2]string{"applications", "create"}, [2]string{"applications", "update"}, [2]string{"applications", "delete"},
		[2]string{"applications", "override"}, [2]string{"applications", "action/*"})
	manifest := map[string]any{
		"apiVersion": apiArgo,
		"kind":       "AppProject",
		"metadata": func() map[string]any {
			md := p.argoMeta(project, nil, nil)
			md["finalizers"] = []any{argoFinalizer}
			return md
		}(),
		"spec": map[string]any{
			"description":                     "Team " + p.Spec.Team.Name + ", cluster " + p.ClusterName() + " (" + p.Spec.Environment + ")",
			"sourceRepos":                     []any{p.RepositoryURL()},
			"destinations":                    []any{map[string]any{"server": p.server(f), "namespace": "*"}},
			"permitOnlyProjectScopedClusters": true,
			"clusterResourceWhitelist":        allow,
			"roles": []any{
				map[string]any{
					"name":        roleDeveloper,
					"description": "Team members: see, sync and read logs of the team's applications",
					"groups":      []any{developerGroup},
					"policies":    policies(project, roleDeveloper, developer),
				},
				map[string]any{
					"name":        roleAdmin,
					"description": "Team admins: also create, update and delete the team's applications",
					"groups":      []any{adminGroup},
					"policies":    policies(project, roleAdmin, admin),
				},
			},
		},
	}
	o := p.kube(NameAppProject, string(NameAppProject), manifest, append([]resource.Name{NameClusterSecret}, groupsRequired...))
	if m := p.serverMissing(f); m != "" {
		o.Missing = m
	} else if groupsMissing != "" {
		o.Missing = groupsMissing
	}
	return []Object{o}
}

// applicationRequires: the Application waits for the cluster Secret, the
// AppProject and, where Argo CD reads the repository with a credential, the
// repository Secret.
func (p Params) applicationRequires(f Facts) []resource.Name {
	if p.capabilityReadsRepository(f) {
		return []resource.Name{NameClusterSecret, NameAppProject}
	}
	return []resource.Name{NameClusterSecret, NameAppProject, NameRepositorySecret}
}

// application deploys the repository into the team's cluster under the
// team's project.
func (p Params) application(f Facts) Object {
	b := p.Input.ArgoCD.Bootstrap
	sync := map[string]any{"syncOptions": []any{"CreateNamespace=true"}}
	if *b.Automated {
		sync["automated"] = map[string]any{"prune": true, "selfHeal": true}
	}
	md := p.argoMeta(p.SharedName(SuffixBootstrap), nil, nil)
	md["finalizers"] = []any{argoFinalizer}
	o := p.kube(NameBootstrapApplication, string(NameBootstrapApplication), map[string]any{
		"apiVersion": apiArgo,
		"kind":       "Application",
		"metadata":   md,
		"spec": map[string]any{
			"project": p.ProjectName(),
			"source": map[string]any{
				"repoURL":        p.RepositoryURL(),
				"path":           b.Path,
				"targetRevision": b.Revision,
			},
			"destination": map[string]any{
				"server":    p.server(f),
				"namespace": strings.ReplaceAll(b.Namespace, "{team}", p.Spec.Team.Name),
			},
			"syncPolicy": sync,
		},
	}, p.applicationRequires(f))
	o.Missing = p.serverMissing(f)
	return o
}
