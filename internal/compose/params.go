// Package compose holds the pure builders that turn a validated XR spec and
// the platform's Input into the desired composed resources. Builders read no
// observed state except the facts handed to them, and return the same objects
// for the same arguments.
package compose

import (
	"maps"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

// Labels the function puts on what it composes. Selectors match on them
// together with matchControllerRef, so they never cross XRs.
const (
	LabelComponent   = "eks-gitops.dev/component"
	LabelTier        = "eks-gitops.dev/tier"
	LabelZone        = "eks-gitops.dev/zone"
	LabelNodePool    = "eks-gitops.dev/node-pool"
	LabelTeam        = "eks-gitops.dev/team"
	LabelEnvironment = "eks-gitops.dev/environment"
	LabelCluster     = "eks-gitops.dev/cluster"
)

// AnnotationExternalName is Crossplane's external-name annotation.
const AnnotationExternalName = "crossplane.io/external-name"

// Params are everything the builders need, resolved and validated.
type Params struct {
	// XRName and XRNamespace identify the XR; XRNamespace is empty for a
	// cluster-scoped XR.
	XRName      string
	XRNamespace string
	// XRAPIVersion and XRKind are the XR's, for what refers to the XR
	// itself (the Usage that protects it from deletion).
	XRAPIVersion string
	XRKind       string
	// Scheme is how names are derived: Hashed for every new XR, Legacy for
	// XRs whose resources already exist under the names of earlier versions.
	Scheme naming.Scheme
	Spec   clusterspec.Spec
	Input  v1beta1.Input

	// clusterName is ClusterName, worked out once by WithDerivedNames: the
	// builders ask for it hundreds of times per plan.
	clusterName string
}

// WithDerivedNames returns p with its derived names worked out once.
func (p Params) WithDerivedNames() Params {
	p.clusterName = ""
	p.clusterName = p.ClusterName()
	return p
}

// Identity is the XR's identity, which every derived name comes from.
func (p Params) Identity() naming.Identity {
	return naming.Identity{Namespace: p.XRNamespace, Name: p.XRName}
}

// Namespace is where the XR's managed resources go.
func (p Params) Namespace() string {
	if p.XRNamespace != "" {
		return p.XRNamespace
	}
	return p.Input.ManagedResourceNamespace
}

// Namespaced reports whether the XR is namespaced.
func (p Params) Namespaced() bool { return p.XRNamespace != "" }

// ClusterName is the EKS cluster's name, which the names of the cluster's
// IAM roles, Git user, repository and Cognito groups start with. It carries
// a hash of the XR's identity, so no two XRs share it.
func (p Params) ClusterName() string {
	if p.clusterName != "" {
		return p.clusterName
	}
	if p.Scheme == naming.Legacy {
		return p.Identity().LegacyBase()
	}
	return p.Identity().Base()
}

// hashedBase is the hashed base of the XR's names, Legacy or not: what
// objects new to every XR (add-on roles, launch templates, Karpenter's
// resources) are named from. It is ClusterName outside the Legacy scheme,
// worked out once.
func (p Params) hashedBase() string {
	if p.Scheme == naming.Legacy {
		return p.Identity().Base()
	}
	return p.ClusterName()
}

// ObjectName is the Kubernetes name of a composed resource in the managed
// resource namespace. XR names hold no dot, so "<xr>.<suffix>" never equals
// another XR's name for any suffix (a pool named "eks" in XR "a" and the
// cluster of XR "a-ng" would both be "a-ng-eks" with a dash).
func (p Params) ObjectName(suffix string) string {
	if p.Scheme == naming.Legacy {
		return p.XRName + "-" + suffix
	}
	return p.XRName + "." + suffix
}

// SharedName is the name of an object in a namespace other teams' objects
// share (Argo CD's): the platform's prefix, the cluster's name and a suffix
// for the kind of object, so it can be neither Argo CD's own object nor
// another team's.
func (p Params) SharedName(suffix string) string {
	if p.Scheme == naming.Legacy {
		switch suffix {
		case "":
			return p.ClusterName()
		case SuffixClusterSecret, SuffixRepositorySecret:
			return suffix + "-" + p.ClusterName()
		default:
			return p.ClusterName() + "-" + suffix
		}
	}
	if suffix == "" {
		return p.Input.NamePrefix + p.ClusterName()
	}
	return p.Input.NamePrefix + p.ClusterName() + "-" + suffix
}

// Suffixes of the objects in Argo CD's namespace.
const (
	SuffixClusterSecret    = "cluster"
	SuffixRepositorySecret = "repo"
	SuffixBootstrap        = "bootstrap"
)

// Partition is the AWS partition of the team's region.
func (p Params) Partition() string { return PartitionOf(p.Spec.AWS.Region) }

// ClusterARN is the EKS cluster's ARN, as EKS builds it from the partition,
// region, account and name.
func (p Params) ClusterARN() string {
	return "arn:" + p.Partition() + ":eks:" + p.Spec.AWS.Region + ":" + p.Spec.AWS.AccountID + ":cluster/" + p.ClusterName()
}

// PartitionOf returns the AWS partition a region belongs to.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// ProviderConfigName resolves the placeholders of a ProviderConfig name.
func (p Params) ProviderConfigName(ref *v1beta1.ProviderConfigRef) string {
	n := ref.Name
	if !strings.Contains(n, "{") {
		return n
	}
	n = strings.ReplaceAll(n, "{team}", p.Spec.Team.Name)
	return strings.ReplaceAll(n, "{accountId}", p.Spec.AWS.AccountID)
}

// Tags returns the tags for every AWS resource: the XR's, then the
// platform's (which win), then the function's own.
func (p Params) Tags() map[string]string {
	t := make(map[string]string, len(p.Spec.Tags)+len(p.Input.Tags)+4)
	maps.Copy(t, p.Spec.Tags)
	maps.Copy(t, p.Input.Tags)
	t["eks-gitops.dev/team"] = p.Spec.Team.Name
	t["eks-gitops.dev/environment"] = p.Spec.Environment
	t["eks-gitops.dev/cluster"] = p.ClusterName()
	t["managed-by"] = "crossplane"
	return t
}

// Zone is one availability zone the network spans.
type Zone struct {
	// Name is the AWS zone name, e.g. eu-west-1a.
	Name string
	// Key is the zone's short, stable key in names and labels, e.g. "a".
	Key string
	// Index is the zone's position, which fixes its subnets' CIDRs.
	Index int
}

// Zones returns the zones of the network in order.
func (p Params) Zones() []Zone {
	names := p.Spec.ZoneNames()
	zones := make([]Zone, len(names))
	for i, n := range names {
		zones[i] = Zone{Name: n, Key: n[len(n)-1:], Index: i}
	}
	return zones
}

// SharedObjects are the objects whose names other XRs and the platform
// could also hold: in Argo CD's namespace, the creation-event namespace,
// the central accounts and the Git host's organisation. Hashed names keep
// them apart; Legacy names do not, so a Legacy XR may keep the ones it has
// but never create one (fn's legacyGuard).
var SharedObjects = []resource.Name{
	NameClusterSecret, NameCreationEvent, NameAppProject, NameRepositorySecret, NameBootstrapApplication,
	NameCognitoGroup, NameCognitoAdminGroup, NameCenterGroup, NameCenterAdminGroup,
	NameRepository, NameGitUser, NameGitPolicy, NameGitPushRole, NameApprovalRuleTemplate,
	NameGitHubRepository, NameGitHubTeam,
	NameGitLabProject, NameGitLabDeployToken,
}
