// Package v1beta1 contains the input type for this Function: the settings a
// platform team fixes in its Composition and a product team cannot change.
// +kubebuilder:object:generate=true
// +groupName=eksgitops.fn.crossplane.io
// +versionName=v1beta1
package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NAT gateway layouts.
const (
	// NATGatewaysPerAZ gives every availability zone its own NAT gateway, so
	// losing one zone does not cut the others off the internet.
	NATGatewaysPerAZ = "PerAZ"
	// NATGatewaysSingle puts one NAT gateway in the first zone; cheaper, but
	// a single point of failure.
	NATGatewaysSingle = "Single"
)

// Ways the central Argo CD reaches a team cluster.
const (
	// ArgoCDAccessClusterRole creates a role in the team account, trusted by
	// the hub role, and gives that role the cluster's access entry.
	ArgoCDAccessClusterRole = "ClusterRole"
	// ArgoCDAccessHubRole gives the hub role itself the access entry.
	ArgoCDAccessHubRole = "HubRole"
)

// Where the central Argo CD runs.
const (
	// ArgoCDSelfManaged is an Argo CD the platform installs and runs: it
	// reaches a team cluster by its endpoint, through an IAM role.
	ArgoCDSelfManaged = "SelfManaged"
	// ArgoCDEKSCapability is AWS's managed Argo CD (the EKS Capability): it
	// names a team cluster by its ARN, reaches it with the capability's IAM
	// role and reads CodeCommit with that role too.
	ArgoCDEKSCapability = "EKSCapability"
)

// Where people sign in to Argo CD.
const (
	// IdentityCognito keeps each team's groups in the central Cognito pool.
	IdentityCognito = "Cognito"
	// IdentityCenter keeps them in IAM Identity Center's identity store,
	// which the EKS Capability for Argo CD signs people in with.
	IdentityCenter = "IdentityCenter"
)

// Input configures the function-eks-gitops pipeline step.
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=crossplane
type Input struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// PlatformSettings names the EnvironmentConfig that holds the
	// platform's own settings (the fields platformsettings.Fields lists),
	// so one published Composition serves every platform. Each of those
	// fields is set either there or in this Input, never in both.
	// +optional
	PlatformSettings *PlatformSettings `json:"platformSettings,omitempty"`

	// Tenancy is what the platform grants each team: the only AWS accounts
	// its XRs may ask for, and the namespaces its namespaced XRs may live
	// in. An XR that asks for more is refused. Required, here or in the
	// platform settings.
	// +optional
	Tenancy Tenancy `json:"tenancy"`

	// NamePrefix starts the name of every object the function writes into
	// a namespace that teams share (Argo CD's), and of every Argo CD cluster
	// and project, so no XR can name an object Argo CD or the platform
	// already uses. It must end with a dash and must not start with
	// "argocd" (Argo CD's own ConfigMaps and Secrets), "cluster-" or "repo-"
	// (the names Argo CD's CLI gives cluster and repository Secrets).
	// +optional
	// +kubebuilder:default=eks-gitops-
	// +kubebuilder:validation:MaxLength=16
	NamePrefix string `json:"namePrefix,omitempty"`

	// ProviderConfigRef is the AWS ProviderConfig that the team's managed
	// resources (network, IAM, EKS) use.
	// +optional
	ProviderConfigRef *ProviderConfigRef `json:"providerConfigRef,omitempty"`

	// ManagedResourceNamespace is where the managed resources of a
	// cluster-scoped XR go. A namespaced XR's resources always go into the
	// XR's own namespace.
	// +optional
	// +kubebuilder:default=crossplane-system
	ManagedResourceNamespace string `json:"managedResourceNamespace,omitempty"`

	// DefaultKubernetesVersion is used when the XR names none.
	// +optional
	// +kubebuilder:default="1.35"
	DefaultKubernetesVersion string `json:"defaultKubernetesVersion,omitempty"`

	// NATGateways is the NAT layout: PerAZ or Single.
	// +optional
	// +kubebuilder:validation:Enum=PerAZ;Single
	// +kubebuilder:default=PerAZ
	NATGateways string `json:"natGateways,omitempty"`

	// EndpointAccess controls how the EKS API endpoint is reachable.
	// +optional
	EndpointAccess *EndpointAccess `json:"endpointAccess,omitempty"`

	// Tags are added to every AWS resource. They win over the XR's tags.
	// +optional
	Tags map[string]string `json:"tags,omitempty"`

	// TTL is how long Crossplane may cache this step's response.
	// +optional
	// +kubebuilder:default="60s"
	TTL *metav1.Duration `json:"ttl,omitempty"`

	// StuckAfter is how long a composed resource may stay not ready, with
	// no error from its provider, before the XR's conditions call it stuck.
	// +optional
	// +kubebuilder:default="30m"
	StuckAfter *metav1.Duration `json:"stuckAfter,omitempty"`

	// ArgoCD describes the central Argo CD that manages the team clusters.
	// +optional
	ArgoCD ArgoCD `json:"argocd"`

	// ClusterCreationEvent configures the compatibility ConfigMap that
	// existing Argo Events sensors consume.
	// +optional
	ClusterCreationEvent *ClusterCreationEvent `json:"clusterCreationEvent,omitempty"`

	// Identity is where people sign in to Argo CD, and so where each
	// team's groups live: Cognito (the default) or IAM Identity Center.
	// +optional
	Identity *Identity `json:"identity,omitempty"`

	// Cognito is the central user pool that holds the teams' groups.
	// Required, here or in the platform settings, when identity.provider
	// is Cognito.
	// +optional
	Cognito *Cognito `json:"cognito"`

	// Repository configures the team's GitOps repository and the Git host
	// it lives on. Required, here or in the platform settings.
	// +optional
	Repository *Repository `json:"repository"`

	// Upgrade sets how Kubernetes upgrades roll through node groups.
	// +optional
	Upgrade *Upgrade `json:"upgrade,omitempty"`

	// Compute sets which compute modes teams may choose.
	// +optional
	Compute *Compute `json:"compute,omitempty"`

	// KubernetesProviderConfigRef is the provider-kubernetes ProviderConfig
	// used to write objects outside a namespaced XR's namespace.
	// +optional
	KubernetesProviderConfigRef *ProviderConfigRef `json:"kubernetesProviderConfigRef,omitempty"`

	// Compliance is the baseline every cluster meets: Secrets encrypted
	// with the cluster's own KMS key, control-plane logs kept and
	// encrypted, deletion protection where the platform wants it.
	// +optional
	Compliance *Compliance `json:"compliance,omitempty"`

	// Environments are the platform's defaults by an XR's
	// spec.environment: each field set for an environment replaces the one
	// above for the XRs of that environment. When any is listed, an XR's
	// spec.environment must be one of them, so no team escapes its
	// environment's defaults by naming another.
	// +optional
	Environments map[string]Environment `json:"environments,omitempty"`

	// TeamAccess names the IAM roles through which a team's people arrive
	// in the team's AWS account (for example the roles the organisation's
	// SSO gives them), so that each cluster gives them EKS access entries.
	// Without it a team's people have no access to their cluster's API.
	// +optional
	TeamAccess *TeamAccess `json:"teamAccess,omitempty"`
}

// TeamAccess is how a team's people reach their clusters. Each role ARN may
// use {team} and {accountId}, which are the XR's team and account; after
// that the role must be in the team's account.
type TeamAccess struct {
	// AdminRoleARN is the role of the team's admins: AmazonEKSClusterAdminPolicy
	// on the whole cluster.
	// +optional
	AdminRoleARN string `json:"adminRoleArn,omitempty"`

	// MemberRoleARN is the role of the team's members: AmazonEKSEditPolicy in
	// MemberNamespaces and AmazonEKSViewPolicy on the rest of the cluster.
	// +optional
	MemberRoleARN string `json:"memberRoleArn,omitempty"`

	// MemberNamespaces are where members may change things; {team} is the
	// team's name.
	// +optional
	// +kubebuilder:default={"{team}"}
	MemberNamespaces []string `json:"memberNamespaces,omitempty"`

	// ControlPlaneGroup is the group the team's people have on this
	// control plane, as its API server sees them ({team} is the team's
	// name, and must be in it). A namespaced XR binds it to Crossplane's
	// crossplane-view role in its namespace: the team reads its XRs and
	// their composed resources there, and nothing else.
	// +optional
	ControlPlaneGroup string `json:"controlPlaneGroup,omitempty"`
}

// Tenancy is what the platform grants each team.
type Tenancy struct {
	// Teams are the teams that may have clusters, each with what it may use.
	// +kubebuilder:validation:MinItems=1
	Teams []TeamGrant `json:"teams"`

	// ClusterScopedBinding ties a cluster-scoped XR to its team by what
	// only the platform writes: the annotation Argo CD sets on every object
	// it syncs, naming the Application that synced it. The platform
	// repository's ApplicationSet makes one Application per team folder, so
	// a manifest in teams/payments/ is synced by clusters-payments whatever
	// it says; a cluster-scoped XR whose Application is not its team's is
	// refused. Namespaced XRs are bound by the namespace grant instead.
	// +optional
	ClusterScopedBinding *ClusterScopedBinding `json:"clusterScopedBinding,omitempty"`
}

// ClusterScopedBinding is where a cluster-scoped XR's team is read from.
type ClusterScopedBinding struct {
	// Annotation is the annotation Argo CD writes on what it syncs,
	// "<application>:<group>/<kind>:<namespace>/<name>" (Argo CD's default
	// annotation tracking).
	// +optional
	// +kubebuilder:default="argocd.argoproj.io/tracking-id"
	Annotation string `json:"annotation,omitempty"`

	// Application is the name of the Application that syncs a team's
	// cluster manifests; {team} is replaced by the team's name.
	// +optional
	// +kubebuilder:default="clusters-{team}"
	Application string `json:"application,omitempty"`

	// Folder is the platform repository's folder that a team's Application
	// syncs, relative to the repository's root; {team} is one whole
	// segment, replaced by the team's name. The function never reads the
	// repository: validate reads this to judge a manifest as the team's
	// whose folder holds it, as Argo CD will.
	// +optional
	// +kubebuilder:default="teams/{team}"
	Folder string `json:"folder,omitempty"`
}

// TeamGrant is what one team may use.
type TeamGrant struct {
	// Name is the team's name, as its XRs write it in spec.team.name.
	Name string `json:"name"`

	// AccountIDs are the AWS accounts the team's clusters may live in.
	// +kubebuilder:validation:MinItems=1
	AccountIDs []string `json:"accountIds"`

	// Namespaces are where the team's namespaced XRs may live; a namespaced
	// XR elsewhere is refused. Each namespace belongs to one team.
	// +optional
	Namespaces []string `json:"namespaces,omitempty"`

	// GitUsers are the user names on the platform's Git host (GitHub
	// logins, GitLab usernames) of the people the team's XRs may give
	// access to their repositories: people the platform knows to be the
	// team's and members of its organisation or group. On GitHub and GitLab
	// an XR naming anyone else is refused, since a name would otherwise get
	// an organisation invitation or a project membership. Unused on
	// CodeCommit.
	// +optional
	GitUsers []string `json:"gitUsers,omitempty"`

	// RepositoryHost is the Git host of the team's new clusters'
	// repositories, when it is not repository.host: how a platform serves
	// teams on two hosts, or moves one team at a time. A cluster whose
	// repository exists keeps it on the host it is on, whatever this says.
	// +optional
	// +kubebuilder:validation:Enum=CodeCommit;GitHub;GitLab
	RepositoryHost string `json:"repositoryHost,omitempty"`

	// HostedZoneIDs are the Route 53 hosted zones the team's clusters may
	// let external-dns and cert-manager write records in; a zone belongs to
	// one team. An XR naming another zone is refused.
	// +optional
	HostedZoneIDs []string `json:"hostedZoneIds,omitempty"`
}

// ProviderConfigRef names a ProviderConfig or ClusterProviderConfig.
type ProviderConfigRef struct {
	// Kind is ProviderConfig (in the managed resource's namespace) or
	// ClusterProviderConfig.
	// +optional
	// +kubebuilder:validation:Enum=ProviderConfig;ClusterProviderConfig
	// +kubebuilder:default=ClusterProviderConfig
	Kind string `json:"kind,omitempty"`

	// Name of the ProviderConfig. The team account's may contain the
	// placeholders {team} and {accountId}, which the team's grant binds,
	// e.g. "aws-{accountId}", to pick a ProviderConfig per team or account;
	// those of the central accounts, the Git host and the hub are fixed
	// ClusterProviderConfigs.
	// +optional
	// +kubebuilder:default=default
	Name string `json:"name,omitempty"`
}

// EndpointAccess controls the EKS API endpoint.
type EndpointAccess struct {
	// Private enables the endpoint inside the VPC.
	// +optional
	// +kubebuilder:default=true
	Private *bool `json:"private,omitempty"`

	// Public enables the internet-facing endpoint.
	// +optional
	// +kubebuilder:default=false
	Public *bool `json:"public,omitempty"`

	// PublicAccessCIDRs limits the public endpoint. Required when Public is
	// true: an open endpoint must be a decision, not a default.
	// +optional
	PublicAccessCIDRs []string `json:"publicAccessCidrs,omitempty"`
}

// PlatformSettings names where the platform's settings are read from.
type PlatformSettings struct {
	// EnvironmentConfigName is the cluster-scoped EnvironmentConfig
	// (apiextensions.crossplane.io/v1beta1) whose data holds the settings.
	// +kubebuilder:validation:MinLength=1
	EnvironmentConfigName string `json:"environmentConfigName"`
}

// ArgoCD describes the central Argo CD.
type ArgoCD struct {
	// Mode is SelfManaged (an Argo CD the platform runs; the default) or
	// EKSCapability (AWS's managed Argo CD, which registers clusters by
	// ARN and reaches them and CodeCommit with its own role).
	// +optional
	// +kubebuilder:validation:Enum=SelfManaged;EKSCapability
	// +kubebuilder:default=SelfManaged
	Mode string `json:"mode,omitempty"`

	// HubRoleARN is the IAM role Argo CD's controller runs as in the hub
	// account (IRSA or EKS Pod Identity). Required, here or in the
	// platform settings, in SelfManaged mode.
	// +optional
	HubRoleARN string `json:"hubRoleArn"`

	// CapabilityRoleARN is the EKS Capability's IAM role. Required in
	// EKSCapability mode: it gets each team cluster's access entry.
	// +optional
	CapabilityRoleARN string `json:"capabilityRoleArn,omitempty"`

	// AccessMode is ClusterRole (a role per team cluster, trusted by the hub
	// role) or HubRole (the hub role gets the access entry directly).
	// SelfManaged mode only: the capability always uses its own role.
	// +optional
	// +kubebuilder:validation:Enum=ClusterRole;HubRole
	// +kubebuilder:default=ClusterRole
	AccessMode string `json:"accessMode,omitempty"`

	// Namespace is where Argo CD reads its cluster and repository Secrets
	// and AppProjects.
	// +optional
	// +kubebuilder:default=argocd
	Namespace string `json:"namespace,omitempty"`

	// ClusterResourceAllowList is the cluster-scoped kinds a team may deploy.
	// Defaults to Namespaces only.
	// +optional
	ClusterResourceAllowList []GroupKind `json:"clusterResourceAllowList,omitempty"`

	// Bootstrap configures the Application that deploys the team repository.
	// +optional
	Bootstrap *Bootstrap `json:"bootstrap,omitempty"`
}

// GroupKind is a Kubernetes API group and kind.
type GroupKind struct {
	// Group is the API group; "" is the core group.
	Group string `json:"group"`
	// Kind is the kind.
	Kind string `json:"kind"`
}

// Bootstrap configures the bootstrap Application.
type Bootstrap struct {
	// Path in the repository.
	// +optional
	// +kubebuilder:default=bootstrap
	Path string `json:"path,omitempty"`

	// Revision to deploy.
	// +optional
	// +kubebuilder:default=main
	Revision string `json:"revision,omitempty"`

	// Automated turns on automated sync (with prune and self-heal).
	// +optional
	// +kubebuilder:default=true
	Automated *bool `json:"automated,omitempty"`

	// Namespace in the team cluster the bootstrap Application deploys into;
	// "{team}" is replaced by the team's name.
	// +optional
	// +kubebuilder:default={team}
	Namespace string `json:"namespace,omitempty"`
}

// ClusterCreationEvent configures the compatibility ConfigMap.
type ClusterCreationEvent struct {
	// Enabled turns the ConfigMap on.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// Name is the ConfigMap's name prefix; each cluster gets
	// "<name>-<cluster>".
	// +optional
	// +kubebuilder:default=cluster-creation-event
	Name string `json:"name,omitempty"`

	// Namespace of the ConfigMap.
	// +optional
	// +kubebuilder:default=crossplane-system
	Namespace string `json:"namespace,omitempty"`
}

// Identity is where people sign in to Argo CD.
type Identity struct {
	// Provider is Cognito or IdentityCenter.
	// +optional
	// +kubebuilder:validation:Enum=Cognito;IdentityCenter
	// +kubebuilder:default=Cognito
	Provider string `json:"provider,omitempty"`

	// IdentityStoreID is IAM Identity Center's identity store, e.g.
	// d-1234567890. Required with IdentityCenter.
	// +optional
	IdentityStoreID string `json:"identityStoreId,omitempty"`

	// Region of the identity store (Identity Center's home region).
	// Required with IdentityCenter.
	// +optional
	Region string `json:"region,omitempty"`

	// ProviderConfigRef for the account that holds the identity store.
	// +optional
	ProviderConfigRef *ProviderConfigRef `json:"providerConfigRef,omitempty"`

	// GroupPrefix starts the display name of each cluster's Identity
	// Center groups: "<prefix><cluster>" and "<prefix><cluster>-admins".
	// +optional
	// +kubebuilder:default=eks-gitops-
	GroupPrefix string `json:"groupPrefix,omitempty"`
}

// Cognito is the central user pool.
type Cognito struct {
	// UserPoolID is the pool's ID, e.g. eu-west-1_AbCdEfGhI.
	UserPoolID string `json:"userPoolId"`

	// Region of the pool.
	Region string `json:"region"`

	// ProviderConfigRef for the central account that owns the pool.
	// +optional
	ProviderConfigRef *ProviderConfigRef `json:"providerConfigRef,omitempty"`

	// GroupPrefix starts the name of each cluster's Cognito groups:
	// "<prefix><cluster>" for the team and "<prefix><cluster>-admins" for its
	// admins.
	// +optional
	// +kubebuilder:default=eks-gitops-
	GroupPrefix string `json:"groupPrefix,omitempty"`
}

// ControlPlaneLogTypes are the control-plane logs EKS sends to CloudWatch Logs.
var ControlPlaneLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// LogTypeAudit is the log type every cluster sends: the audit trail of
// who did what through the Kubernetes API.
const LogTypeAudit = "audit"

// LogRetentionDays are the retention periods CloudWatch Logs accepts.
var LogRetentionDays = []int64{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// Compliance is the baseline every cluster meets.
type Compliance struct {
	// ControlPlaneLogTypes are the control-plane logs EKS sends to the
	// cluster's log group. audit must be among them. The default is all
	// five.
	// +optional
	// +listType=set
	// +kubebuilder:validation:items:Enum=api;audit;authenticator;controllerManager;scheduler
	ControlPlaneLogTypes []string `json:"controlPlaneLogTypes,omitempty"`

	// LogRetentionDays is how long the log group keeps the control-plane
	// logs: one of the periods CloudWatch Logs accepts (1, 3, 5, 7, 14, 30,
	// 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
	// 2922, 3288, 3653).
	// +optional
	// +kubebuilder:default=90
	LogRetentionDays *int64 `json:"logRetentionDays,omitempty"`

	// KeyDeletionWindowDays is how long the cluster's KMS key waits,
	// pending deletion, once its cluster is deleted: 7 to 30 days, during
	// which a platform engineer can cancel the deletion.
	// +optional
	// +kubebuilder:validation:Minimum=7
	// +kubebuilder:validation:Maximum=30
	// +kubebuilder:default=30
	KeyDeletionWindowDays *int64 `json:"keyDeletionWindowDays,omitempty"`

	// DeletionProtection turns on EKS's deletion protection and refuses
	// deleting the XR, until a platform engineer lists the XR in
	// DeletionProtectionLiftedFor.
	// +optional
	// +kubebuilder:default=false
	DeletionProtection *bool `json:"deletionProtection,omitempty"`

	// DeletionProtectionLiftedFor are the protected XRs a platform engineer
	// lets be deleted: "<namespace>/<name>" for a namespaced XR, "<name>"
	// for a cluster-scoped one.
	// +optional
	// +listType=set
	DeletionProtectionLiftedFor []string `json:"deletionProtectionLiftedFor,omitempty"`

	// ZonalShift lets ARC zonal shift move traffic away from an impaired
	// availability zone.
	// +optional
	// +kubebuilder:default=false
	ZonalShift *bool `json:"zonalShift,omitempty"`
}

// Environment is the platform's defaults for one spec.environment. Each
// field set replaces the Input's for the XRs of that environment.
type Environment struct {
	// NATGateways is the NAT layout: PerAZ or Single.
	// +optional
	// +kubebuilder:validation:Enum=PerAZ;Single
	NATGateways string `json:"natGateways,omitempty"`

	// EndpointAccess controls how the EKS API endpoint is reachable.
	// +optional
	EndpointAccess *EndpointAccess `json:"endpointAccess,omitempty"`

	// Compliance's fields set here replace the Input's one by one.
	// +optional
	Compliance *Compliance `json:"compliance,omitempty"`
}

// Compute is what the platform allows of a cluster's compute.
type Compute struct {
	// Modes are the values of an XR's spec.compute.mode the platform
	// allows; an XR asking for another is refused. The default allows
	// ManagedNodeGroups only.
	// +optional
	// +listType=set
	// +kubebuilder:validation:items:Enum=ManagedNodeGroups;AutoMode;Karpenter
	Modes []string `json:"modes,omitempty"`
}

// Upgrade sets how Kubernetes upgrades roll through node groups.
type Upgrade struct {
	// MaxParallelNodeGroups is how many node groups of a cluster move to a
	// new Kubernetes version at once.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	MaxParallelNodeGroups int `json:"maxParallelNodeGroups,omitempty"`

	// NodeGroupUpdate is every node group's updateConfig: how many nodes
	// are replaced at once during an upgrade.
	// +optional
	NodeGroupUpdate *NodeGroupUpdate `json:"nodeGroupUpdate,omitempty"`

	// SupportNoticeDays are the days before a cluster's Kubernetes version
	// leaves standard support, and again before it leaves extended
	// support, at which the XR gets a warning event. The XR's status and
	// its KubernetesSupported condition say where the version stands at
	// all times.
	// +optional
	// +kubebuilder:default={90,30,7}
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Minimum=1
	// +kubebuilder:validation:items:Maximum=730
	SupportNoticeDays []int `json:"supportNoticeDays,omitempty"`
}

// NodeGroupUpdate is a managed node group's updateConfig.
type NodeGroupUpdate struct {
	// MaxUnavailable is how many nodes may be unavailable at once. Set it or
	// MaxUnavailablePercentage, not both; the default is 1.
	// +optional
	MaxUnavailable *int64 `json:"maxUnavailable,omitempty"`

	// MaxUnavailablePercentage is the share of nodes that may be
	// unavailable at once.
	// +optional
	MaxUnavailablePercentage *int64 `json:"maxUnavailablePercentage,omitempty"`

	// UpdateStrategy is DEFAULT (new nodes before old ones go) or MINIMAL.
	// +optional
	// +kubebuilder:validation:Enum=DEFAULT;MINIMAL
	// +kubebuilder:default=DEFAULT
	UpdateStrategy string `json:"updateStrategy,omitempty"`
}

// Repository deletion policies.
const (
	// RepositoryOrphan leaves the repository, and the team's history in it,
	// when the XR is deleted.
	RepositoryOrphan = "Orphan"
	// RepositoryDelete deletes the repository with the XR.
	RepositoryDelete = "Delete"
)

// Git hosts a platform can keep its teams' repositories on.
const (
	// HostCodeCommit keeps each cluster's repository in AWS CodeCommit, in
	// the platform's repository account.
	HostCodeCommit = "CodeCommit"
	// HostGitHub keeps it in the platform's GitHub organisation, through
	// provider-upjet-github.
	HostGitHub = "GitHub"
	// HostGitLab keeps it in the platform's GitLab group, through
	// provider-gitlab.
	HostGitLab = "GitLab"
)

// How Argo CD authenticates to GitHub.
const (
	// GitHubCredentialsOrganization relies on one repo-creds Secret the
	// platform wrote for the organisation's URL prefix; the function writes
	// no credential.
	GitHubCredentialsOrganization = "Organization"
	// GitHubCredentialsRepository writes the platform's GitHub App into each
	// repository's Secret, copied by provider-kubernetes from the platform's
	// Secret so the private key never passes through the function.
	GitHubCredentialsRepository = "Repository"
)

// Repository configures the team's GitOps repository: one per cluster, on
// the Git host the platform chose. A team cannot choose the host.
type Repository struct {
	// Host is where new clusters' repositories live: CodeCommit, GitHub or
	// GitLab (a team's grant may name another). A cluster whose repository
	// exists keeps it where it is: the settings of every host that still
	// holds repositories stay here.
	// +optional
	// +kubebuilder:validation:Enum=CodeCommit;GitHub;GitLab
	// +kubebuilder:default=CodeCommit
	Host string `json:"host,omitempty"`

	// GitHub configures the GitHub host. Required while any cluster's
	// repository is, or is to be, on GitHub.
	// +optional
	GitHub *GitHub `json:"github,omitempty"`

	// GitLab configures the GitLab host. Required while any cluster's
	// repository is, or is to be, on GitLab.
	// +optional
	GitLab *GitLab `json:"gitlab,omitempty"`

	// DeletionPolicy is Orphan (the repository outlives the XR, the
	// default) or Delete.
	// +optional
	// +kubebuilder:validation:Enum=Orphan;Delete
	// +kubebuilder:default=Orphan
	DeletionPolicy string `json:"deletionPolicy,omitempty"`

	// Region of the CodeCommit repository. Required when Host is
	// CodeCommit.
	// +optional
	Region string `json:"region,omitempty"`

	// AccountID that owns the CodeCommit repository. Required when Host is
	// CodeCommit.
	// +optional
	AccountID string `json:"accountId,omitempty"`

	// ProviderConfigRef for that account.
	// +optional
	ProviderConfigRef *ProviderConfigRef `json:"providerConfigRef,omitempty"`

	// DefaultBranchProtection, on CodeCommit, is how the team's push role
	// may change the branch Argo CD deploys (argocd.bootstrap.revision):
	// PullRequest (the default) refuses pushes, direct merges and file
	// edits on it and requires one approval from the team on a pull request
	// into it; DenyPush refuses the same and lets the team merge its pull
	// requests without approval; None lets the team push to it.
	// +optional
	// +kubebuilder:validation:Enum=PullRequest;DenyPush;None
	// +kubebuilder:default=PullRequest
	DefaultBranchProtection string `json:"defaultBranchProtection,omitempty"`
}

// Default branch protections of a CodeCommit repository.
const (
	BranchProtectionPullRequest = "PullRequest"
	BranchProtectionDenyPush    = "DenyPush"
	BranchProtectionNone        = "None"
)

// GitHub is the platform's GitHub organisation.
type GitHub struct {
	// Owner is the organisation the repositories and teams are made in.
	Owner string `json:"owner"`

	// ProviderConfigRef is provider-upjet-github's ProviderConfig, whose
	// credentials may create repositories and teams in the organisation.
	// +optional
	ProviderConfigRef *ProviderConfigRef `json:"providerConfigRef,omitempty"`

	// ArgoCDCredentials is Organization (the platform wrote one repo-creds
	// Secret for https://github.com/<owner>/; the default) or Repository
	// (each repository's Secret carries the GitHub App).
	// +optional
	// +kubebuilder:validation:Enum=Organization;Repository
	// +kubebuilder:default=Organization
	ArgoCDCredentials string `json:"argocdCredentials,omitempty"`

	// App is the GitHub App Argo CD reads repositories as. Required when
	// ArgoCDCredentials is Repository.
	// +optional
	App *GitHubApp `json:"app,omitempty"`
}

// GitHubApp is a GitHub App installed in the organisation.
type GitHubApp struct {
	// ID is the App's ID.
	ID int64 `json:"id"`

	// InstallationID is the App's installation in the organisation.
	InstallationID int64 `json:"installationId"`

	// PrivateKeySecretRef is the platform's Secret holding the App's
	// private key (PEM).
	PrivateKeySecretRef SecretKeyRef `json:"privateKeySecretRef"`
}

// SecretKeyRef names a key of a Secret.
type SecretKeyRef struct {
	// Namespace of the Secret.
	Namespace string `json:"namespace"`
	// Name of the Secret.
	Name string `json:"name"`
	// Key in the Secret's data.
	// +optional
	// +kubebuilder:default=privateKey
	Key string `json:"key,omitempty"`
}

// GitLab is the platform's GitLab group.
type GitLab struct {
	// URL is the GitLab instance.
	// +optional
	// +kubebuilder:default="https://gitlab.com"
	URL string `json:"url,omitempty"`

	// GroupID is the numeric ID of the group the projects are made in.
	GroupID int64 `json:"groupId"`

	// GroupPath is that group's full path, e.g. "acme/platform/teams"; the
	// projects' clone URLs start with it.
	GroupPath string `json:"groupPath"`

	// ProviderConfigRef is provider-gitlab's ProviderConfig, whose token may
	// create projects, members and deploy tokens in the group.
	// +optional
	ProviderConfigRef *ProviderConfigRef `json:"providerConfigRef,omitempty"`
}
