package v1beta1

import (
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Defaults of the Input. They match the +kubebuilder:default markers, which
// document them in the CRD; Crossplane does not apply a function input's CRD,
// so the function applies them itself.
const (
	DefaultProviderConfigKind       = "ClusterProviderConfig"
	DefaultProviderConfigName       = "default"
	DefaultManagedResourceNamespace = "crossplane-system"
	DefaultKubernetesVersion        = "1.35"
	DefaultTTL                      = 60 * time.Second
	DefaultStuckAfter               = 30 * time.Minute
	DefaultMemberNamespace          = "{team}"
	DefaultArgoCDNamespace          = "argocd"
	DefaultEventName                = "cluster-creation-event"
	DefaultEventNamespace           = "crossplane-system"
	DefaultBootstrapPath            = "bootstrap"
	DefaultBootstrapRevision        = "main"
	DefaultBootstrapNamespace       = "{team}"
	DefaultGroupPrefix              = "eks-gitops-"
	DefaultNamePrefix               = "eks-gitops-"
	DefaultGitHubAppKey             = "privateKey"
	DefaultGitLabURL                = "https://gitlab.com"
	DefaultBindingAnnotation        = "argocd.argoproj.io/tracking-id"
	DefaultBindingApplication       = "clusters-{team}"
	DefaultBindingFolder            = "teams/{team}"
	DefaultComputeMode              = "ManagedNodeGroups"
	DefaultLogRetentionDays         = 90
	DefaultKeyDeletionWindowDays    = 30
)

// DefaultSupportNoticeDays are the days before a support phase ends at
// which an XR gets a warning event.
var DefaultSupportNoticeDays = []int{90, 30, 7}

// WithDefaults returns a copy of the Input with every default applied.
func (in *Input) WithDefaults() *Input {
	out := in.DeepCopy()
	out.ProviderConfigRef = defaultProviderConfigRef(out.ProviderConfigRef)
	if out.NamePrefix == "" {
		out.NamePrefix = DefaultNamePrefix
	}
	if out.ManagedResourceNamespace == "" {
		out.ManagedResourceNamespace = DefaultManagedResourceNamespace
	}
	if out.DefaultKubernetesVersion == "" {
		out.DefaultKubernetesVersion = DefaultKubernetesVersion
	}
	if out.NATGateways == "" {
		out.NATGateways = NATGatewaysPerAZ
	}
	if out.EndpointAccess == nil {
		out.EndpointAccess = &EndpointAccess{}
	}
	if out.EndpointAccess.Private == nil {
		out.EndpointAccess.Private = ptr(true)
	}
	if out.EndpointAccess.Public == nil {
		out.EndpointAccess.Public = ptr(false)
	}
	if out.TTL == nil {
		out.TTL = &metav1.Duration{Duration: DefaultTTL}
	}
	if out.TeamAccess != nil && len(out.TeamAccess.MemberNamespaces) == 0 {
		out.TeamAccess.MemberNamespaces = []string{DefaultMemberNamespace}
	}
	if out.StuckAfter == nil {
		out.StuckAfter = &metav1.Duration{Duration: DefaultStuckAfter}
	}
	if out.ArgoCD.Mode == "" {
		out.ArgoCD.Mode = ArgoCDSelfManaged
	}
	if out.Identity == nil {
		out.Identity = &Identity{}
	}
	if out.Identity.Provider == "" {
		out.Identity.Provider = IdentityCognito
	}
	out.Identity.ProviderConfigRef = defaultProviderConfigRef(out.Identity.ProviderConfigRef)
	if out.Identity.GroupPrefix == "" {
		out.Identity.GroupPrefix = DefaultGroupPrefix
	}
	if out.ArgoCD.AccessMode == "" {
		out.ArgoCD.AccessMode = ArgoCDAccessClusterRole
	}
	if out.ArgoCD.Namespace == "" {
		out.ArgoCD.Namespace = DefaultArgoCDNamespace
	}
	if len(out.ArgoCD.ClusterResourceAllowList) == 0 {
		out.ArgoCD.ClusterResourceAllowList = []GroupKind{{Group: "", Kind: "Namespace"}}
	}
	if out.ArgoCD.Bootstrap == nil {
		out.ArgoCD.Bootstrap = &Bootstrap{}
	}
	if out.ArgoCD.Bootstrap.Path == "" {
		out.ArgoCD.Bootstrap.Path = DefaultBootstrapPath
	}
	if out.ArgoCD.Bootstrap.Revision == "" {
		out.ArgoCD.Bootstrap.Revision = DefaultBootstrapRevision
	}
	if out.ArgoCD.Bootstrap.Namespace == "" {
		out.ArgoCD.Bootstrap.Namespace = DefaultBootstrapNamespace
	}
	if out.ArgoCD.Bootstrap.Automated == nil {
		out.ArgoCD.Bootstrap.Automated = ptr(true)
	}
	if out.ClusterCreationEvent == nil {
		out.ClusterCreationEvent = &ClusterCreationEvent{}
	}
	if out.ClusterCreationEvent.Enabled == nil {
		out.ClusterCreationEvent.Enabled = ptr(true)
	}
	if out.ClusterCreationEvent.Name == "" {
		out.ClusterCreationEvent.Name = DefaultEventName
	}
	if out.ClusterCreationEvent.Namespace == "" {
		out.ClusterCreationEvent.Namespace = DefaultEventNamespace
	}
	if out.Cognito == nil {
		out.Cognito = &Cognito{}
	}
	out.Cognito.ProviderConfigRef = defaultProviderConfigRef(out.Cognito.ProviderConfigRef)
	if out.Cognito.GroupPrefix == "" {
		out.Cognito.GroupPrefix = DefaultGroupPrefix
	}
	if out.Tenancy.ClusterScopedBinding == nil {
		out.Tenancy.ClusterScopedBinding = &ClusterScopedBinding{}
	}
	if out.Tenancy.ClusterScopedBinding.Annotation == "" {
		out.Tenancy.ClusterScopedBinding.Annotation = DefaultBindingAnnotation
	}
	if out.Tenancy.ClusterScopedBinding.Application == "" {
		out.Tenancy.ClusterScopedBinding.Application = DefaultBindingApplication
	}
	if out.Tenancy.ClusterScopedBinding.Folder == "" {
		out.Tenancy.ClusterScopedBinding.Folder = DefaultBindingFolder
	}
	if out.Repository == nil {
		out.Repository = &Repository{}
	}
	out.Repository.ProviderConfigRef = defaultProviderConfigRef(out.Repository.ProviderConfigRef)
	if out.Repository.DeletionPolicy == "" {
		out.Repository.DeletionPolicy = RepositoryOrphan
	}
	if out.Repository.Host == "" {
		out.Repository.Host = HostCodeCommit
	}
	// CodeCommit's settings can be there for repositories that stay on
	// CodeCommit while new ones go to another host.
	if r := out.Repository; r.DefaultBranchProtection == "" && (r.Host == HostCodeCommit || r.AccountID != "" || r.Region != "") {
		out.Repository.DefaultBranchProtection = BranchProtectionPullRequest
	}
	if gh := out.Repository.GitHub; gh != nil {
		gh.ProviderConfigRef = defaultProviderConfigRef(gh.ProviderConfigRef)
		if gh.ArgoCDCredentials == "" {
			gh.ArgoCDCredentials = GitHubCredentialsOrganization
		}
		if gh.App != nil && gh.App.PrivateKeySecretRef.Key == "" {
			gh.App.PrivateKeySecretRef.Key = DefaultGitHubAppKey
		}
	}
	if gl := out.Repository.GitLab; gl != nil {
		gl.ProviderConfigRef = defaultProviderConfigRef(gl.ProviderConfigRef)
		if gl.URL == "" {
			gl.URL = DefaultGitLabURL
		}
	}
	if out.Compute == nil {
		out.Compute = &Compute{}
	}
	if len(out.Compute.Modes) == 0 {
		out.Compute.Modes = []string{DefaultComputeMode}
	}
	if out.Upgrade == nil {
		out.Upgrade = &Upgrade{}
	}
	if out.Upgrade.MaxParallelNodeGroups == 0 {
		out.Upgrade.MaxParallelNodeGroups = 1
	}
	if out.Upgrade.SupportNoticeDays == nil {
		out.Upgrade.SupportNoticeDays = append([]int(nil), DefaultSupportNoticeDays...)
	}
	if out.Upgrade.NodeGroupUpdate == nil {
		out.Upgrade.NodeGroupUpdate = &NodeGroupUpdate{}
	}
	if u := out.Upgrade.NodeGroupUpdate; u.MaxUnavailable == nil && u.MaxUnavailablePercentage == nil {
		u.MaxUnavailable = ptr(int64(1))
	}
	if out.Upgrade.NodeGroupUpdate.UpdateStrategy == "" {
		out.Upgrade.NodeGroupUpdate.UpdateStrategy = "DEFAULT"
	}
	out.KubernetesProviderConfigRef = defaultProviderConfigRef(out.KubernetesProviderConfigRef)
	out.Compliance = defaultCompliance(out.Compliance)
	return out
}

func defaultCompliance(c *Compliance) *Compliance {
	if c == nil {
		c = &Compliance{}
	}
	if len(c.ControlPlaneLogTypes) == 0 {
		c.ControlPlaneLogTypes = append([]string{}, ControlPlaneLogTypes...)
	}
	if c.LogRetentionDays == nil {
		c.LogRetentionDays = ptr(int64(DefaultLogRetentionDays))
	}
	if c.KeyDeletionWindowDays == nil {
		c.KeyDeletionWindowDays = ptr(int64(DefaultKeyDeletionWindowDays))
	}
	if c.DeletionProtection == nil {
		c.DeletionProtection = ptr(false)
	}
	if c.ZonalShift == nil {
		c.ZonalShift = ptr(false)
	}
	return c
}

// ForEnvironment returns the defaulted Input with the defaults of the
// environment env in place of its own. The Input is not copied when env
// has none.
func (in *Input) ForEnvironment(env string) *Input {
	e, ok := in.Environments[env]
	if !ok {
		return in
	}
	out := in.DeepCopy()
	if e.NATGateways != "" {
		out.NATGateways = e.NATGateways
	}
	if e.EndpointAccess != nil {
		out.EndpointAccess = e.EndpointAccess.DeepCopy()
		if out.EndpointAccess.Private == nil {
			out.EndpointAccess.Private = ptr(true)
		}
		if out.EndpointAccess.Public == nil {
			out.EndpointAccess.Public = ptr(false)
		}
	}
	if c := e.Compliance; c != nil {
		oc := out.Compliance
		if len(c.ControlPlaneLogTypes) > 0 {
			oc.ControlPlaneLogTypes = append([]string{}, c.ControlPlaneLogTypes...)
		}
		if c.LogRetentionDays != nil {
			oc.LogRetentionDays = ptr(*c.LogRetentionDays)
		}
		if c.KeyDeletionWindowDays != nil {
			oc.KeyDeletionWindowDays = ptr(*c.KeyDeletionWindowDays)
		}
		if c.DeletionProtection != nil {
			oc.DeletionProtection = ptr(*c.DeletionProtection)
		}
		if c.DeletionProtectionLiftedFor != nil {
			oc.DeletionProtectionLiftedFor = append([]string{}, c.DeletionProtectionLiftedFor...)
		}
		if c.ZonalShift != nil {
			oc.ZonalShift = ptr(*c.ZonalShift)
		}
	}
	return out
}

func defaultProviderConfigRef(ref *ProviderConfigRef) *ProviderConfigRef {
	if ref == nil {
		ref = &ProviderConfigRef{}
	}
	if ref.Kind == "" {
		ref.Kind = DefaultProviderConfigKind
	}
	if ref.Name == "" {
		ref.Name = DefaultProviderConfigName
	}
	return ref
}

func ptr[T any](v T) *T { return &v }

// ApplicationOf is the name of the Application that syncs team's folder.
func (b ClusterScopedBinding) ApplicationOf(team string) string {
	return strings.ReplaceAll(b.Application, "{team}", team)
}

// TeamOfFolder is the team whose folder (Folder) is dir, an absolute or
// relative path: its last segments must be Folder's, {team} matching any
// one segment. A repository checked out anywhere matches by its end.
func (b ClusterScopedBinding) TeamOfFolder(dir string) (string, bool) {
	want := strings.Split(strings.Trim(b.Folder, "/"), "/")
	got := strings.Split(strings.Trim(filepath.ToSlash(filepath.Clean(dir)), "/"), "/")
	if len(got) < len(want) {
		return "", false
	}
	got = got[len(got)-len(want):]
	team := ""
	for i, w := range want {
		switch {
		case w == "{team}":
			team = got[i]
		case w != got[i]:
			return "", false
		}
	}
	return team, team != ""
}

// FolderOf is team's folder, relative to the repository's root.
func (b ClusterScopedBinding) FolderOf(team string) string {
	return strings.ReplaceAll(strings.Trim(b.Folder, "/"), "{team}", team)
}

// TrackingID is the value Argo CD's annotation tracking writes on an object
// it applied from application: "<application>:<group>/<kind>:<namespace>/<name>".
func TrackingID(application, group, kind, namespace, name string) string {
	return application + ":" + group + "/" + kind + ":" + namespace + "/" + name
}
