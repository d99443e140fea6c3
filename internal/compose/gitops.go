package compose

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"regexp"
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
	NameUsageRepoSecretOfRepo = resource.Name("usage-repository-secret-of-repository")
	NameUsageRepoSecretOfCred = resource.Name("usage-repository-secret-of-credential")
	NameUsageClusterOfVPC     = resource.Name("usage-cluster-of-vpc")
	// IAM refuses to delete a user that still has a service-specific
	// credential or an attached policy (DeleteConflict).
	NameUsageUserOfCredential = resource.Name("usage-git-user-of-credential")
	NameUsageUserOfAttachment = resource.Name("usage-git-user-of-policy-attachment")
	// And to delete a policy still attached to a user.
	NameUsagePolicyOfAttachment = resource.Name("usage-git-policy-of-policy-attachment")
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

// RepositoryName is the CodeCommit repository's name.
func (p Params) RepositoryName() string { return p.ClusterName() + "-gitops" }

// GitUserName is the IAM user Argo CD pulls the repository as.
func (p Params) GitUserName() string { return p.ClusterName() + "-argocd-git" }

// RepositoryURL is the repository's HTTPS clone URL.
func (p Params) RepositoryURL() string {
	host := "git-codecommit." + p.Input.Repository.Region + ".amazonaws.com"
	if strings.HasPrefix(p.Input.Repository.Region, "cn-") {
		host += ".cn"
	}
	return "https://" + host + "/v1/repos/" + p.RepositoryName()
}

// RepositoryARN is the repository's ARN.
func (p Params) RepositoryARN() string {
	r := p.Input.Repository
	return "arn:" + PartitionOf(r.Region) + ":codecommit:" + r.Region + ":" + r.AccountID + ":" + p.RepositoryName()
}

// UsesArgoCDRole reports whether Argo CD reaches the cluster through a role
// of its own in the team account (ClusterRole mode).
func (p Params) UsesArgoCDRole() bool {
	_, ok := p.RoleNames()[NameArgoCDRole]
	return ok
}

// Onboarding returns the four GitOps onboarding steps.
func (p Params) Onboarding(f Facts) []Step {
	registration := p.registration(f)
	return []Step{
		{Condition: StepClusterRegistered, Phase: "ClusterRegistration", Objects: registration},
		{Condition: StepUserAccessConfigured, Phase: "UserAccess", Objects: p.userAccess()},
		{Condition: StepArgoCDAccessGranted, Phase: "ArgoCDAccess", Objects: p.argoCDProject(f)},
		// The cluster Secret comes first in the registration step; the
		// Application's Usage names it.
		{Condition: StepRepositoryBootstrapped, Phase: "RepositoryBootstrap", Objects: p.repository(f, registration[0])},
	}
}

// kube returns a plain Kubernetes object outside the XR's namespace. A
// cluster-scoped XR composes it directly; a namespaced XR cannot reach other
// namespaces, so it wraps it in a provider-kubernetes Object in its own.
func (p Params) kube(name resource.Name, suffix string, manifest map[string]any, requires []resource.Name, refs ...any) Object {
	if !p.Namespaced() {
		return Object{Name: name, Body: manifest, Requires: requires}
	}
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
		"metadata":   p.meta(p.ObjectName(suffix), p.XRNamespace, nil),
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

// registration is the cluster Secret and the compatibility ConfigMap. The
// Secret needs the observed endpoint and CA, and Argo CD's access policy in
// place, or Argo CD would register a cluster it cannot reach.
func (p Params) registration(f Facts) []Object {
	// The role ARN is the one the provider observed, not one rebuilt from
	// the account ID: it is what exists, path included.
	roleARN := ""
	if p.UsesArgoCDRole() {
		roleARN = f.ArgoCDRoleARN
	}
	cfg, _ := json.Marshal(clusterConfig{ //nolint:errchkjson // Plain strings always encode.
		AWSAuthConfig:   awsAuthConfig{ClusterName: p.ClusterName(), RoleARN: roleARN},
		TLSClientConfig: tlsClientConfig{CAData: f.Cluster.CAData},
	})
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
	secret := p.kube(NameClusterSecret, string(NameClusterSecret), map[string]any{
		"apiVersion": "v1",
		"kind":       "Secret",
		"type":       "Opaque",
		"metadata":   p.argoMeta(p.SharedName(SuffixClusterSecret), labels, annotations),
		"data": secretData(map[string]string{
			"name":    p.ProjectName(),
			"server":  f.Cluster.Endpoint,
			"project": p.ProjectName(),
			"config":  string(cfg),
		}),
	}, []resource.Name{NameCluster, NameAccessAssociation})
	switch {
	case f.Cluster.Endpoint == "" || f.Cluster.CAData == "":
		secret.Missing = "the EKS cluster's endpoint and certificate authority"
	case p.UsesArgoCDRole() && f.ArgoCDRoleARN == "":
		secret.Missing = "the ARN of Argo CD's IAM role"
	}

	objs := []Object{secret, p.usage(NameUsageSecretOfCluster, p.cluster(), secret)}
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

// userAccess is the team's Cognito groups and one membership per member.
func (p Params) userAccess() []Object {
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
		objs = append(objs, member("cognito-member-", componentCognitoGroup, NameCognitoGroup, m))
	}
	for _, m := range p.Spec.Team.Admins {
		objs = append(objs, member("cognito-admin-", componentCognitoAdmin, NameCognitoAdminGroup, m))
	}
	return objs
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// memberKey names a member's membership: readable, DNS-safe, and unique even
// for usernames that differ only in characters names cannot hold.
func memberKey(user string) string {
	readable := strings.Trim(nonName.ReplaceAllString(strings.ToLower(user), "-"), "-")
	if len(readable) > 40 {
		readable = readable[:40]
	}
	sum := sha256.Sum256([]byte(user))
	return readable + "-" + hex.EncodeToString(sum[:])[:8]
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
			"destinations":                    []any{map[string]any{"server": f.Cluster.Endpoint, "namespace": "*"}},
			"permitOnlyProjectScopedClusters": true,
			"clusterResourceWhitelist":        allow,
			"roles": []any{
				map[string]any{
					"name":        roleDeveloper,
					"description": "Team members: see, sync and read logs of the team's applications",
					"groups":      []any{p.CognitoGroup()},
					"policies":    policies(project, roleDeveloper, developer),
				},
				map[string]any{
					"name":        roleAdmin,
					"description": "Team admins: also create, update and delete the team's applications",
					"groups":      []any{p.CognitoAdminGroup()},
					"policies":    policies(project, roleAdmin, admin),
				},
			},
		},
	}
	o := p.kube(NameAppProject, string(NameAppProject), manifest, []resource.Name{NameClusterSecret, NameCognitoGroup, NameCognitoAdminGroup})
	if f.Cluster.Endpoint == "" {
		o.Missing = "the EKS cluster's endpoint"
	}
	return []Object{o}
}

// repository is the CodeCommit repository, the IAM user Argo CD pulls it
// as, that user's Git credential, the Argo CD repository Secret and the
// bootstrap Application, with the Usages that order their deletion.
func (p Params) repository(f Facts, clusterSecret Object) []Object {
	r := p.Input.Repository
	pc := r.ProviderConfigRef
	repo := Object{Name: NameRepository, Body: withExternalName(p.managedWith(apiCodeCommit, "Repository", "repository", component(componentRepository), pc, map[string]any{
		"region":        r.Region,
		"description":   "GitOps repository of team " + p.Spec.Team.Name + " for cluster " + p.ClusterName(),
		"defaultBranch": p.Input.ArgoCD.Bootstrap.Revision,
		"tags":          p.awsTags(p.RepositoryName()),
	}), p.RepositoryName())}
	if r.DeletionPolicy == v1beta1.RepositoryOrphan {
		// The repository holds the team's history: deleting the XR leaves
		// it in place. Without Delete the provider never deletes it.
		repo.Body["spec"].(map[string]any)["managementPolicies"] = []any{"Observe", "Create", "Update", "LateInitialize"} //nolint:forcetypeassert // Built by managedWith.
	}
	user := Object{Name: NameGitUser, Body: withExternalName(p.managedWith(apiIAM, "User", "git-user", component(componentGitUser), pc, map[string]any{
		"path": IAMPath,
		"tags": p.awsTags(p.GitUserName()),
	}), p.GitUserName())}
	doc, _ := json.Marshal(map[string]any{ //nolint:errchkjson // Plain maps always encode.
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"codecommit:GitPull"},
			"Resource": p.RepositoryARN(),
		}},
	})
	policy := Object{Name: NameGitPolicy, Body: withExternalName(p.managedWith(apiIAM, "Policy", "git-pull", component(componentGitPolicy), pc, map[string]any{
		"description": "Argo CD may pull " + p.RepositoryName() + " and nothing else",
		"path":        IAMPath,
		"policy":      string(doc),
		"tags":        p.awsTags(p.GitUserName() + "-pull"),
	}), p.GitUserName()+"-pull")}
	attachment := Object{Name: NameGitPolicyAttachment, Body: p.managedWith(apiIAM, "UserPolicyAttachment", "git-pull-attachment", nil, pc, map[string]any{
		"userSelector":      selector(component(componentGitUser)),
		"policyArnSelector": selector(component(componentGitPolicy)),
	})}
	credBody := p.managedWith(apiIAM, "ServiceSpecificCredential", "git-credential", nil, pc, map[string]any{
		"serviceName":      "codecommit.amazonaws.com",
		"userNameSelector": selector(component(componentGitUser)),
	})
	credBody["spec"].(map[string]any)["writeConnectionSecretToRef"] = map[string]any{"name": p.CredentialSecretName()} //nolint:forcetypeassert // Built by managedWith.
	cred := Object{Name: NameGitCredential, Body: credBody, Requires: []resource.Name{NameGitPolicyAttachment}}

	repoSecret := p.repositorySecret(f)
	app := p.application(f)
	return []Object{
		repo, user, policy, attachment, cred, repoSecret, app,
		p.usage(NameUsageRepoSecretOfRepo, repo, repoSecret),
		p.usage(NameUsageRepoSecretOfCred, cred, repoSecret),
		p.usage(NameUsageAppOfRepo, repo, app),
		p.usage(NameUsageAppOfCredential, cred, app),
		p.usage(NameUsageAppOfCluster, clusterSecret, app),
		p.usage(NameUsageUserOfCredential, user, cred),
		p.usage(NameUsageUserOfAttachment, user, attachment),
		p.usage(NameUsagePolicyOfAttachment, policy, attachment),
	}
}

// CredentialSecretName is the connection Secret of the Git credential.
func (p Params) CredentialSecretName() string { return p.ObjectName("git-credential") }

// repositorySecret is Argo CD's repository Secret, scoped to the team's
// project. In a cluster-scoped XR the function writes the observed
// credential into it; a namespaced XR's provider-kubernetes Object patches
// the password in from the credential's connection Secret, so it never
// passes through the Object's spec.
func (p Params) repositorySecret(f Facts) Object {
	data := map[string]string{
		"url":      p.RepositoryURL(),
		"type":     "git",
		"project":  p.ProjectName(),
		"username": f.Git.Username,
	}
	var refs []any
	missing := f.Git.Username == ""
	if p.Namespaced() {
		refs = append(refs, map[string]any{
			"patchesFrom": map[string]any{
				"apiVersion": "v1",
				"kind":       "Secret",
				"name":       p.CredentialSecretName(),
				"namespace":  p.XRNamespace,
				"fieldPath":  "data[" + KeyGitPassword + "]",
			},
			"toFieldPath": "data.password",
		})
	} else {
		data["password"] = f.Git.Password
		missing = missing || f.Git.Password == ""
	}
	o := p.kube(NameRepositorySecret, string(NameRepositorySecret), map[string]any{
		"apiVersion": "v1",
		"kind":       "Secret",
		"type":       "Opaque",
		"metadata":   p.argoMeta(p.SharedName(SuffixRepositorySecret), map[string]string{argoSecretTypeLabel: "repository"}, nil),
		"data":       secretData(data),
	}, []resource.Name{NameGitCredential, NameRepository}, refs...)
	if missing {
		o.Missing = "the Git credential's user name and password"
	}
	return o
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
				"server":    f.Cluster.Endpoint,
				"namespace": strings.ReplaceAll(b.Namespace, "{team}", p.Spec.Team.Name),
			},
			"syncPolicy": sync,
		},
	}, []resource.Name{NameClusterSecret, NameAppProject, NameRepositorySecret})
	if f.Cluster.Endpoint == "" {
		o.Missing = "the EKS cluster's endpoint"
	}
	return o
}
