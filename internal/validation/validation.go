// Package validation checks the platform's Input and a product team's XR
// against every rule that AWS, EKS, Kubernetes or Argo CD would otherwise
// enforce later, so that a bad manifest gets one clear error and nothing is
// half-built. Each error names the field, the value and the rule.
package validation

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/addonversion"
	"github.com/eks-gitops/function-eks-gitops/internal/awszones"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
	"github.com/eks-gitops/function-eks-gitops/internal/instancetypes"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
	"github.com/eks-gitops/function-eks-gitops/internal/netplan"
	"github.com/eks-gitops/function-eks-gitops/internal/spelling"
)

// Limits from the AWS and Kubernetes APIs; those of the names derived from
// an XR are compose.DerivedNames'.
const (
	maxObjectName    = validation.DNS1123SubdomainMaxLength
	maxTagKey        = 128
	maxTagValue      = 256
	maxTags          = 50
	maxMemberName    = 128
	maxTeamName      = 32
	maxEnvironment   = 32
	maxPoolName      = 32
	maxNodeGroupSize = 1000
	minZones         = 2
)

var (
	accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)
	// Regions by partition; the function supports these three partitions.
	regionRe = regexp.MustCompile(`^(?:(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]|cn-[a-z]+-[0-9]|us-gov-[a-z]+-[0-9])$`)
	// Team and environment names reach Argo CD RBAC, Cognito group names,
	// label values and AWS names: lowercase letters, digits and inner dashes
	// only, so no comma, quote, whitespace or glob character can get through.
	safeName = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	// Members are Cognito usernames; emails are common. Nothing that breaks a
	// CSV line or forms a glob.
	memberRe       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]*$`)
	k8sMinorRe     = regexp.MustCompile(`^1\.[0-9]{1,2}$`)
	instanceTypeRe = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	tagRe          = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	addonVersionRe = regexp.MustCompile(`^v[0-9][0-9A-Za-z.+-]*$`)
	// Route 53 hosted zone IDs: Z and uppercase letters and digits. The ID
	// lands in an IAM policy ARN, so nothing else may get through.
	hostedZoneIDRe = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	// A lowercase DNS name without the trailing dot; it becomes an
	// external-dns domain filter, joined with commas.
	domainRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// maxHostedZones bounds the zones one cluster's DNS add-ons may write in.
const maxHostedZones = 20

// Input checks the platform's Input, after defaults.
func Input(in *v1beta1.Input) field.ErrorList {
	var errs field.ErrorList
	root := field.NewPath("input")
	errs = append(errs, tenancy(root.Child("tenancy"), in)...)
	errs = append(errs, namePrefix(root.Child("namePrefix"), in.NamePrefix)...)
	errs = append(errs, providerConfigRef(root.Child("providerConfigRef"), in.ProviderConfigRef)...)
	if ns := in.ManagedResourceNamespace; len(validation.IsDNS1123Label(ns)) > 0 {
		errs = append(errs, field.Invalid(root.Child("managedResourceNamespace"), ns, "must be a Kubernetes namespace name (DNS-1123 label)"))
	}
	if !k8sMinorRe.MatchString(in.DefaultKubernetesVersion) {
		errs = append(errs, field.Invalid(root.Child("defaultKubernetesVersion"), in.DefaultKubernetesVersion, `must be a Kubernetes minor version such as "1.35"`))
	}
	if in.NATGateways != v1beta1.NATGatewaysPerAZ && in.NATGateways != v1beta1.NATGatewaysSingle {
		errs = append(errs, field.NotSupported(root.Child("natGateways"), in.NATGateways, []string{v1beta1.NATGatewaysPerAZ, v1beta1.NATGatewaysSingle}))
	}
	errs = append(errs, endpointAccess(root.Child("endpointAccess"), *in.EndpointAccess)...)
	errs = append(errs, compliance(root.Child("compliance"), in.Compliance)...)
	errs = append(errs, environments(root.Child("environments"), in.Environments)...)
	errs = append(errs, tags(root.Child("tags"), in.Tags)...)
	if in.TTL.Duration < time.Second || in.TTL.Duration > time.Hour {
		errs = append(errs, field.Invalid(root.Child("ttl"), in.TTL.Duration.String(), "must be between 1s and 1h"))
	}
	if in.StuckAfter.Duration < time.Minute || in.StuckAfter.Duration > 24*time.Hour {
		errs = append(errs, field.Invalid(root.Child("stuckAfter"), in.StuckAfter.Duration.String(), "must be between 1m and 24h: EKS takes minutes to create a cluster, and a day is too long to be told"))
	}
	errs = append(errs, argoCD(root.Child("argocd"), in.ArgoCD)...)
	errs = append(errs, identity(root.Child("identity"), in.Identity)...)
	if in.ArgoCD.Mode == v1beta1.ArgoCDEKSCapability && in.Identity.Provider != v1beta1.IdentityCenter {
		// AWS's Argo CD has no other sign-in: AppProject roles naming
		// Cognito groups would let nobody in.
		errs = append(errs, field.Invalid(root.Child("argocd", "mode"), in.ArgoCD.Mode,
			"the EKS Capability for Argo CD signs people in through IAM Identity Center only, and identity.provider is "+in.Identity.Provider+
				": set identity.provider IdentityCenter with identity.identityStoreId and identity.region, or keep argocd.mode SelfManaged"))
	}
	if in.Identity.Provider == v1beta1.IdentityCognito {
		errs = append(errs, cognito(root.Child("cognito"), in.Cognito)...)
	}
	errs = append(errs, capabilityRepository(root, in)...)
	errs = append(errs, repository(root.Child("repository"), in.Repository)...)
	errs = append(errs, centralProviderConfigRef(root.Child("kubernetesProviderConfigRef"), in.KubernetesProviderConfigRef)...)
	errs = append(errs, upgrade(root.Child("upgrade"), in.Upgrade)...)
	for i, m := range in.Compute.Modes {
		if !slices.Contains(clusterspec.ComputeModes, m) {
			errs = append(errs, field.NotSupported(root.Child("compute", "modes").Index(i), m, clusterspec.ComputeModes))
		}
	}
	errs = append(errs, teamAccess(root.Child("teamAccess"), in.TeamAccess)...)
	ev := root.Child("clusterCreationEvent")
	if len(validation.IsDNS1123Subdomain(in.ClusterCreationEvent.Name)) > 0 {
		errs = append(errs, field.Invalid(ev.Child("name"), in.ClusterCreationEvent.Name, "must be a Kubernetes object name"))
	}
	if len(validation.IsDNS1123Label(in.ClusterCreationEvent.Namespace)) > 0 {
		errs = append(errs, field.Invalid(ev.Child("namespace"), in.ClusterCreationEvent.Namespace, "must be a Kubernetes namespace name (DNS-1123 label)"))
	}
	return errs
}

var (
	userPoolIDRe  = regexp.MustCompile(`^([a-z]+-(?:gov-)?[a-z]+-[0-9])_[0-9A-Za-z]+$`)
	groupPrefixRe = regexp.MustCompile(`^[a-z0-9-]*$`)
	kindRe        = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	gitPathRe     = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$`)
	revisionRe    = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)
)

var identityStoreIDRe = regexp.MustCompile(`^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)

func identity(p *field.Path, id *v1beta1.Identity) field.ErrorList {
	var errs field.ErrorList
	switch id.Provider {
	case v1beta1.IdentityCognito:
		// The identity store, when set, is kept while clusters move back
		// from Identity Center (docs/gitops.md): its groups stay until each
		// AppProject names the Cognito groups.
		if id.IdentityStoreID == "" {
			return errs
		}
	case v1beta1.IdentityCenter:
	default:
		return append(errs, field.NotSupported(p.Child("provider"), id.Provider, []string{v1beta1.IdentityCognito, v1beta1.IdentityCenter}))
	}
	switch {
	case id.IdentityStoreID == "":
		errs = append(errs, field.Required(p.Child("identityStoreId"), "IAM Identity Center's identity store ID (aws sso-admin list-instances) is required with provider IdentityCenter"))
	case !identityStoreIDRe.MatchString(id.IdentityStoreID):
		errs = append(errs, field.Invalid(p.Child("identityStoreId"), id.IdentityStoreID, "must be an identity store ID such as d-1234567890"))
	}
	if !regionRe.MatchString(id.Region) {
		errs = append(errs, field.Invalid(p.Child("region"), id.Region, "must be the AWS region of the identity store (Identity Center's home region), e.g. eu-west-1"))
	}
	if !groupPrefixRe.MatchString(id.GroupPrefix) {
		errs = append(errs, field.Invalid(p.Child("groupPrefix"), id.GroupPrefix, "must hold only lowercase letters, digits and dashes"))
	}
	return append(errs, centralProviderConfigRef(p.Child("providerConfigRef"), id.ProviderConfigRef)...)
}

// capabilityRepository: the EKS Capability reads CodeCommit with its own
// role, without a Git credential, so it reads only its own account's
// repositories (CodeCommit has no resource policies to share one).
func capabilityRepository(root *field.Path, in *v1beta1.Input) field.ErrorList {
	if in.ArgoCD.Mode != v1beta1.ArgoCDEKSCapability || in.Repository == nil || in.Repository.AccountID == "" {
		return nil
	}
	role, err := arn.Parse(in.ArgoCD.CapabilityRoleARN)
	if err != nil || role.AccountID == in.Repository.AccountID {
		return nil
	}
	return field.ErrorList{field.Invalid(root.Child("repository", "accountId"), in.Repository.AccountID, fmt.Sprintf(
		"must be the account of the EKS Capability's role (%s): the capability reads CodeCommit with that role and no Git credential, and CodeCommit cannot share a repository with another account", role.AccountID))}
}

func cognito(p *field.Path, c *v1beta1.Cognito) field.ErrorList {
	var errs field.ErrorList
	m := userPoolIDRe.FindStringSubmatch(c.UserPoolID)
	switch {
	case c.UserPoolID == "":
		errs = append(errs, field.Required(p.Child("userPoolId"), "the central Cognito user pool's ID is required"))
	case m == nil:
		errs = append(errs, field.Invalid(p.Child("userPoolId"), c.UserPoolID, "must be a Cognito user pool ID such as eu-west-1_AbCdEfGhI"))
	case m[1] != c.Region:
		errs = append(errs, field.Invalid(p.Child("region"), c.Region, fmt.Sprintf("must be the region of user pool %s (%s)", c.UserPoolID, m[1])))
	}
	if !regionRe.MatchString(c.Region) {
		errs = append(errs, field.Invalid(p.Child("region"), c.Region, "must be an AWS region, e.g. eu-west-1"))
	}
	if !groupPrefixRe.MatchString(c.GroupPrefix) {
		errs = append(errs, field.Invalid(p.Child("groupPrefix"), c.GroupPrefix, "must hold only lowercase letters, digits and dashes: group names are written into Argo CD RBAC"))
	}
	return append(errs, centralProviderConfigRef(p.Child("providerConfigRef"), c.ProviderConfigRef)...)
}

func upgrade(p *field.Path, u *v1beta1.Upgrade) field.ErrorList {
	var errs field.ErrorList
	if u.MaxParallelNodeGroups < 1 || u.MaxParallelNodeGroups > 100 {
		errs = append(errs, field.Invalid(p.Child("maxParallelNodeGroups"), u.MaxParallelNodeGroups, "must be between 1 and 100"))
	}
	n := u.NodeGroupUpdate
	np := p.Child("nodeGroupUpdate")
	switch {
	case n.MaxUnavailable != nil && n.MaxUnavailablePercentage != nil:
		errs = append(errs, field.Invalid(np, "maxUnavailable and maxUnavailablePercentage", "set one of them, not both (EKS takes one)"))
	case n.MaxUnavailable != nil && (*n.MaxUnavailable < 1 || *n.MaxUnavailable > 100):
		errs = append(errs, field.Invalid(np.Child("maxUnavailable"), *n.MaxUnavailable, "must be between 1 and 100 (EKS)"))
	case n.MaxUnavailablePercentage != nil && (*n.MaxUnavailablePercentage < 1 || *n.MaxUnavailablePercentage > 100):
		errs = append(errs, field.Invalid(np.Child("maxUnavailablePercentage"), *n.MaxUnavailablePercentage, "must be between 1 and 100"))
	}
	if n.UpdateStrategy != "DEFAULT" && n.UpdateStrategy != "MINIMAL" {
		errs = append(errs, field.NotSupported(np.Child("updateStrategy"), n.UpdateStrategy, []string{"DEFAULT", "MINIMAL"}))
	}
	if len(u.SupportNoticeDays) > maxSupportNotices {
		errs = append(errs, field.TooMany(p.Child("supportNoticeDays"), len(u.SupportNoticeDays), maxSupportNotices))
	}
	seen := map[int]bool{}
	for i, d := range u.SupportNoticeDays {
		switch {
		case d < 1 || d > maxSupportNoticeDays:
			errs = append(errs, field.Invalid(p.Child("supportNoticeDays").Index(i), d, fmt.Sprintf("must be between 1 and %d days (extended support lasts a year)", maxSupportNoticeDays)))
		case seen[d]:
			errs = append(errs, field.Duplicate(p.Child("supportNoticeDays").Index(i), d))
		}
		seen[d] = true
	}
	return errs
}

// Limits of the support notices, as the Input's CRD states them.
const (
	maxSupportNotices    = 10
	maxSupportNoticeDays = 730
)

func repository(p *field.Path, r *v1beta1.Repository) field.ErrorList {
	var errs field.ErrorList
	if r.DeletionPolicy != v1beta1.RepositoryOrphan && r.DeletionPolicy != v1beta1.RepositoryDelete {
		errs = append(errs, field.NotSupported(p.Child("deletionPolicy"), r.DeletionPolicy, []string{v1beta1.RepositoryOrphan, v1beta1.RepositoryDelete}))
	}
	return append(errs, gitHost(p, r)...)
}

// codeCommit checks the CodeCommit host's settings.
func codeCommit(p *field.Path, r *v1beta1.Repository) field.ErrorList {
	var errs field.ErrorList
	if !accountIDRe.MatchString(r.AccountID) {
		errs = append(errs, field.Invalid(p.Child("accountId"), r.AccountID, "must be exactly 12 digits"))
	}
	if !regionRe.MatchString(r.Region) {
		errs = append(errs, field.Invalid(p.Child("region"), r.Region, "must be an AWS region, e.g. eu-west-1"))
	}
	if protections := []string{v1beta1.BranchProtectionPullRequest, v1beta1.BranchProtectionDenyPush, v1beta1.BranchProtectionNone}; !slices.Contains(protections, r.DefaultBranchProtection) {
		errs = append(errs, field.NotSupported(p.Child("defaultBranchProtection"), r.DefaultBranchProtection, protections))
	}
	return append(errs, centralProviderConfigRef(p.Child("providerConfigRef"), r.ProviderConfigRef)...)
}

func providerConfigRef(p *field.Path, ref *v1beta1.ProviderConfigRef) field.ErrorList {
	var errs field.ErrorList
	if ref.Kind != "ProviderConfig" && ref.Kind != "ClusterProviderConfig" {
		errs = append(errs, field.NotSupported(p.Child("kind"), ref.Kind, []string{"ProviderConfig", "ClusterProviderConfig"}))
	}
	// Placeholders are replaced by values bound by the team's grant
	// ({team}, {accountId}): a field the team writes freely (its
	// environment) could pick another team's ProviderConfig. Checking the
	// name with them replaced by a letter is enough.
	probe := strings.NewReplacer("{team}", "a", "{accountId}", "1").Replace(ref.Name)
	if len(validation.IsDNS1123Subdomain(probe)) > 0 {
		errs = append(errs, field.Invalid(p.Child("name"), ref.Name, "must be a Kubernetes object name; the only placeholders are {team} and {accountId}, which the team's grant binds"))
	}
	return errs
}

// centralProviderConfigRef checks the ProviderConfig of resources outside
// the team's account (the central Cognito pool and repositories, the Git
// host, the hub cluster): a ClusterProviderConfig of a fixed name. A
// namespaced ProviderConfig resolves in the managed resource's namespace,
// which for a namespaced XR is the team's, where the team could make its
// own of that name; a placeholder would pick one per team.
func centralProviderConfigRef(p *field.Path, ref *v1beta1.ProviderConfigRef) field.ErrorList {
	errs := providerConfigRef(p, ref)
	if ref.Kind == "ProviderConfig" {
		errs = append(errs, field.Invalid(p.Child("kind"), ref.Kind, "must be ClusterProviderConfig: these resources are the platform's, and a namespaced ProviderConfig resolves in a namespaced XR's own namespace, where the team could make one"))
	}
	if strings.Contains(ref.Name, "{") {
		errs = append(errs, field.Invalid(p.Child("name"), ref.Name, "must be a fixed name: these resources are the platform's, the same for every team"))
	}
	return errs
}

func argoCD(p *field.Path, a v1beta1.ArgoCD) field.ErrorList {
	var errs field.ErrorList
	hubRole := func(name, value, what string) {
		switch {
		case value == "":
			errs = append(errs, field.Required(p.Child(name), what+" is required in "+a.Mode+" mode"))
		case roleARN(value) != nil:
			errs = append(errs, field.Invalid(p.Child(name), value, roleARN(value).Error()))
		case outsideOwnPath(value) != nil:
			errs = append(errs, field.Invalid(p.Child(name), value, outsideOwnPath(value).Error()))
		}
	}
	switch a.Mode {
	case v1beta1.ArgoCDSelfManaged:
		hubRole("hubRoleArn", a.HubRoleARN, "the IAM role ARN of the central Argo CD")
		// The other hub's role, when set, is kept while clusters move
		// back from it (docs/gitops.md, moving hubs).
		if a.CapabilityRoleARN != "" {
			hubRole("capabilityRoleArn", a.CapabilityRoleARN, "")
		}
	case v1beta1.ArgoCDEKSCapability:
		hubRole("capabilityRoleArn", a.CapabilityRoleARN, "the IAM role ARN of the EKS Capability for Argo CD")
		if a.HubRoleARN != "" {
			hubRole("hubRoleArn", a.HubRoleARN, "")
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("mode"), a.Mode, []string{v1beta1.ArgoCDSelfManaged, v1beta1.ArgoCDEKSCapability}))
	}
	if a.AccessMode != v1beta1.ArgoCDAccessClusterRole && a.AccessMode != v1beta1.ArgoCDAccessHubRole {
		errs = append(errs, field.NotSupported(p.Child("accessMode"), a.AccessMode, []string{v1beta1.ArgoCDAccessClusterRole, v1beta1.ArgoCDAccessHubRole}))
	}
	if len(validation.IsDNS1123Label(a.Namespace)) > 0 {
		errs = append(errs, field.Invalid(p.Child("namespace"), a.Namespace, "must be a Kubernetes namespace name (DNS-1123 label)"))
	}
	for i, gk := range a.ClusterResourceAllowList {
		gp := p.Child("clusterResourceAllowList").Index(i)
		if gk.Group != "" && len(validation.IsDNS1123Subdomain(gk.Group)) > 0 {
			errs = append(errs, field.Invalid(gp.Child("group"), gk.Group, "must be an API group name, or empty for the core group; wildcards would let a team create any cluster-scoped resource, ClusterRoleBindings included"))
		}
		if !kindRe.MatchString(gk.Kind) {
			errs = append(errs, field.Invalid(gp.Child("kind"), gk.Kind, "must be a kind name; wildcards would let a team create any cluster-scoped resource, ClusterRoleBindings included"))
		}
	}
	b := a.Bootstrap
	bp := p.Child("bootstrap")
	if !gitPathRe.MatchString(b.Path) || strings.Contains(b.Path, "..") {
		errs = append(errs, field.Invalid(bp.Child("path"), b.Path, "must be a relative path in the repository, without .."))
	}
	if !revisionRe.MatchString(b.Revision) {
		errs = append(errs, field.Invalid(bp.Child("revision"), b.Revision, "must be a branch, tag or commit"))
	}
	if ns := strings.ReplaceAll(b.Namespace, "{team}", "a"); len(validation.IsDNS1123Label(ns)) > 0 {
		errs = append(errs, field.Invalid(bp.Child("namespace"), b.Namespace, "must be a namespace name; the only placeholder is {team}"))
	}
	return errs
}

// outsideOwnPath refuses a people's or Argo CD's role under the IAM path of
// the roles the function makes: the provisioning role in each account may
// change every role there (its trust, its policies), so such a role could
// be taken over through it.
func outsideOwnPath(roleARN string) error {
	if strings.Contains(roleARN, ":role"+compose.IAMPath) {
		return fmt.Errorf("must not be under the IAM path %s, which belongs to the roles the function makes: the provider's provisioning role may change any role there; give it another path (for example /team-access/)", compose.IAMPath)
	}
	return nil
}

// teamAccess checks the shape of the team roles: IAM role ARNs once the
// placeholders are filled, the only placeholders {team} and {accountId};
// member namespaces namespace names with {team}.
func teamAccess(p *field.Path, a *v1beta1.TeamAccess) field.ErrorList {
	if a == nil {
		return nil
	}
	var errs field.ErrorList
	probe := strings.NewReplacer("{team}", "a", "{accountId}", "111122223333")
	for _, r := range []struct {
		field, arn string
	}{{"adminRoleArn", a.AdminRoleARN}, {"memberRoleArn", a.MemberRoleARN}} {
		if r.arn == "" {
			continue
		}
		filled := probe.Replace(r.arn)
		if strings.ContainsAny(filled, "{}") {
			errs = append(errs, field.Invalid(p.Child(r.field), r.arn, "the only placeholders are {team} and {accountId}"))
		} else if err := roleARN(filled); err != nil {
			errs = append(errs, field.Invalid(p.Child(r.field), r.arn, err.Error()))
		} else if err := outsideOwnPath(filled); err != nil {
			errs = append(errs, field.Invalid(p.Child(r.field), r.arn, err.Error()))
		}
	}
	if a.AdminRoleARN == "" && a.MemberRoleARN == "" && a.ControlPlaneGroup == "" {
		errs = append(errs, field.Required(p, "name adminRoleArn, memberRoleArn, controlPlaneGroup or several, or remove teamAccess"))
	}
	if g := a.ControlPlaneGroup; g != "" {
		// A group without {team} would be bound in every team's namespace,
		// and a system: group is everyone's (system:authenticated) or the
		// cluster's administrators'.
		filled := strings.ReplaceAll(g, "{team}", "a")
		switch {
		case !strings.Contains(g, "{team}"):
			errs = append(errs, field.Invalid(p.Child("controlPlaneGroup"), g, "must contain {team}: the same group in every team's namespace would let each team read the others' clusters"))
		case strings.ContainsAny(filled, "{}"):
			errs = append(errs, field.Invalid(p.Child("controlPlaneGroup"), g, "the only placeholder is {team}"))
		case strings.HasPrefix(filled, "system:"):
			errs = append(errs, field.Invalid(p.Child("controlPlaneGroup"), g, "must not be a system: group, which Kubernetes gives to everyone or to its administrators"))
		}
	}
	for i, ns := range a.MemberNamespaces {
		if len(validation.IsDNS1123Label(strings.ReplaceAll(ns, "{team}", "a"))) > 0 {
			errs = append(errs, field.Invalid(p.Child("memberNamespaces").Index(i), ns, "must be a namespace name; the only placeholder is {team}"))
		}
	}
	return errs
}

// teamRoles checks that the team roles, filled in for this XR, are in the
// team's own account: an access entry for another account's role would let
// someone else's people into the team's cluster.
func teamRoles(s clusterspec.Spec, in *v1beta1.Input) field.ErrorList {
	a := in.TeamAccess
	if a == nil {
		return nil
	}
	var errs field.ErrorList
	p := field.NewPath("input", "teamAccess")
	for _, r := range []struct {
		field, arn string
	}{{"adminRoleArn", a.AdminRoleARN}, {"memberRoleArn", a.MemberRoleARN}} {
		if r.arn == "" {
			continue
		}
		filled := compose.TeamRoleARN(r.arn, s.Team.Name, s.AWS.AccountID)
		if parsed, err := arn.Parse(filled); err != nil || parsed.AccountID != s.AWS.AccountID {
			errs = append(errs, field.Forbidden(p.Child(r.field), fmt.Sprintf("%s is not a role of team %s's account %s: a cluster's access entries name only roles of its own account; use {accountId} in the platform settings", filled, s.Team.Name, s.AWS.AccountID)))
		}
	}
	for i, ns := range a.MemberNamespaces {
		if filled := strings.ReplaceAll(ns, "{team}", s.Team.Name); len(validation.IsDNS1123Label(filled)) > 0 {
			errs = append(errs, field.Invalid(p.Child("memberNamespaces").Index(i), filled, "must be a namespace name once {team} is filled in"))
		}
	}
	return errs
}

func roleARN(s string) error {
	a, err := arn.Parse(s)
	if err != nil {
		return fmt.Errorf("must be an IAM role ARN: %w", err)
	}
	if a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") || !accountIDRe.MatchString(a.AccountID) {
		return fmt.Errorf("must be an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>)")
	}
	if a.Partition != "aws" && a.Partition != "aws-cn" && a.Partition != "aws-us-gov" {
		return fmt.Errorf("partition %q is not one of aws, aws-cn, aws-us-gov", a.Partition)
	}
	return nil
}

// Composite identifies the XR being validated.
type Composite struct {
	Name      string
	Namespace string
	// Scheme is how the XR's names are derived.
	Scheme naming.Scheme
	// GrantsAt is where the team grants are declared, as refusals name it:
	// the Input's tenancy.teams unless set (e.g. to the platform settings).
	GrantsAt string
	// Annotations are the XR's annotations: a cluster-scoped XR's team is
	// bound by the one tenancy.clusterScopedBinding names.
	Annotations map[string]string
}

func (xr Composite) grants() string {
	if xr.GrantsAt != "" {
		return xr.GrantsAt
	}
	return "input.tenancy.teams"
}

// Spec checks a defaulted XR spec for the given XR and Input on day now.
func Spec(xr Composite, s clusterspec.Spec, in *v1beta1.Input, now time.Time) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	errs = append(errs, names(xr)...)
	errs = append(errs, team(spec.Child("team"), s.Team)...)
	errs = append(errs, gitUsernames(xr, spec.Child("team"), s.Team, in)...)
	errs = append(errs, identityCenterUserIDs(spec.Child("team"), s.Team, in)...)
	errs = append(errs, platformSecretsOutOfReach(xr, in)...)
	if !safeName.MatchString(s.Environment) || len(s.Environment) > maxEnvironment {
		errs = append(errs, field.Invalid(spec.Child("environment"), s.Environment, fmt.Sprintf("must be 1-%d lowercase letters, digits and inner dashes, starting with a letter", maxEnvironment)))
	} else if _, ok := in.Environments[s.Environment]; len(in.Environments) > 0 && !ok {
		envs := slices.Sorted(maps.Keys(in.Environments))
		errs = append(errs, field.Invalid(spec.Child("environment"), s.Environment,
			"not one of the platform's environments ("+strings.Join(envs, ", ")+"), whose defaults and protections every cluster of it gets; use one of them, or ask the platform team to add yours"+spelling.Hint(s.Environment, envs)))
	}
	errs = append(errs, aws(spec.Child("aws"), s.AWS, in)...)
	errs = append(errs, version(spec, s, now)...)
	errs = append(errs, network(spec.Child("network"), s)...)
	errs = append(errs, compute(spec, s, in)...)
	errs = append(errs, nodePools(spec.Child("nodePools"), s.NodePools, s.KubernetesVersion)...)
	errs = append(errs, addons(spec.Child("addons"), s.Addons, s.KubernetesVersion)...)
	errs = append(errs, confirmRemoval(spec.Child("confirmRemoval"), s)...)
	errs = append(errs, tags(spec.Child("tags"), s.Tags)...)
	errs = append(errs, revisionPin(spec.Child("crossplane"), s.Crossplane)...)
	if len(errs) > 0 {
		// Grants, composed names and tag counts are only meaningful once
		// their parts are valid.
		return errs
	}
	if errs := grant(xr, s, in); len(errs) > 0 {
		// Nothing else matters about an XR that asks for what is not its own.
		return errs
	}
	errs = append(errs, teamRoles(s, in)...)
	p := compose.Params{XRName: xr.Name, XRNamespace: xr.Namespace, Scheme: xr.Scheme, Spec: s, Input: *in}
	errs = append(errs, composedNames(xr, p)...)
	errs = append(errs, sharedNames(xr, p)...)
	errs = append(errs, tagCount(spec.Child("tags"), p)...)
	return append(errs, subnetSize(spec, p)...)
}

func names(xr Composite) field.ErrorList {
	var errs field.ErrorList
	// Crossplane labels every composed resource with the XR's name.
	if msgs := validation.IsDNS1123Label(xr.Name); len(msgs) > 0 {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), xr.Name, "must be a DNS-1123 label of at most 63 characters, because it becomes a label value on every composed resource: "+strings.Join(msgs, "; ")))
	}
	return errs
}

func team(p *field.Path, t clusterspec.Team) field.ErrorList {
	var errs field.ErrorList
	if !safeName.MatchString(t.Name) || len(t.Name) > maxTeamName {
		errs = append(errs, field.Invalid(p.Child("name"), t.Name, fmt.Sprintf("must be 1-%d lowercase letters, digits and inner dashes, starting with a letter; it is written into Argo CD RBAC and Cognito group names, where other characters are unsafe", maxTeamName)))
	}
	if len(t.Members) > MaxMembers {
		errs = append(errs, field.TooMany(p.Child("members"), len(t.Members), MaxMembers))
	}
	if len(t.Admins) > MaxAdmins {
		errs = append(errs, field.TooMany(p.Child("admins"), len(t.Admins), MaxAdmins))
	}
	if len(errs) > 0 {
		// Checking every name of an oversized list would only repeat this.
		return errs
	}
	errs = append(errs, usernames(p.Child("members"), t.Members)...)
	return append(errs, usernames(p.Child("admins"), t.Admins)...)
}

// usernames checks Cognito usernames. Cognito matches them without regard
// to case, so "Bob" and "bob" are the same member.
func usernames(p *field.Path, names []string) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, m := range names {
		mp := p.Index(i)
		switch {
		case len(m) > maxMemberName || !memberRe.MatchString(m):
			errs = append(errs, field.Invalid(mp, m, fmt.Sprintf("must be a Cognito username of 1-%d letters, digits and . _ @ + -, starting with a letter or digit", maxMemberName)))
		case seen[strings.ToLower(m)]:
			errs = append(errs, field.Duplicate(mp, m))
		}
		seen[strings.ToLower(m)] = true
	}
	return errs
}

func aws(p *field.Path, a clusterspec.AWS, in *v1beta1.Input) field.ErrorList {
	var errs field.ErrorList
	if !accountIDRe.MatchString(a.AccountID) {
		errs = append(errs, field.Invalid(p.Child("accountId"), a.AccountID, "must be exactly 12 digits (quote it in YAML so it stays a string)"))
	}
	if !regionRe.MatchString(a.Region) {
		errs = append(errs, field.Invalid(p.Child("region"), a.Region, "must be an AWS region of the aws, aws-cn or aws-us-gov partition, e.g. eu-west-1"))
		return errs
	}
	if !awszones.Known(a.Region) {
		errs = append(errs, field.Invalid(p.Child("region"), a.Region, fmt.Sprintf("is not a region of the zone table of %s (internal/awszones); if AWS opened it since, the table needs updating", awszones.TableDate)))
		return errs
	}
	hubRole := in.ArgoCD.HubRoleARN
	if in.ArgoCD.Mode == v1beta1.ArgoCDEKSCapability {
		hubRole = in.ArgoCD.CapabilityRoleARN
	}
	if hub, err := arn.Parse(hubRole); err == nil && hub.Partition != compose.PartitionOf(a.Region) {
		errs = append(errs, field.Invalid(p.Child("region"), a.Region, fmt.Sprintf("is in partition %s, but the central Argo CD's hub role is in %s; roles cannot be assumed across partitions", compose.PartitionOf(a.Region), hub.Partition)))
	}
	return errs
}

func version(p *field.Path, s clusterspec.Spec, now time.Time) field.ErrorList {
	var errs field.ErrorList
	vp := p.Child("kubernetesVersion")
	support := eksversion.SupportOn(s.KubernetesVersion, now)
	switch {
	case !k8sMinorRe.MatchString(s.KubernetesVersion):
		errs = append(errs, field.Invalid(vp, s.KubernetesVersion, `must be a Kubernetes minor version such as "1.35"`))
	case support == eksversion.Unsupported:
		errs = append(errs, field.Invalid(vp, s.KubernetesVersion, fmt.Sprintf("is not supported by EKS on %s; %s (table of %s)", now.Format(time.DateOnly), eksversion.SupportedOn(now), eksversion.TableDate)))
	case support == eksversion.Extended && s.SupportType == string(ekstypes.SupportTypeStandard):
		errs = append(errs, field.Invalid(vp, s.KubernetesVersion, "is in extended support only; EKS would upgrade a STANDARD cluster at once: set spec.supportType to EXTENDED or pick a newer version"))
	}
	if !enumHas(ekstypes.SupportType("").Values(), s.SupportType) {
		errs = append(errs, field.NotSupported(p.Child("supportType"), s.SupportType, enumStrings(ekstypes.SupportType("").Values())))
	}
	return errs
}

func network(p *field.Path, s clusterspec.Spec) field.ErrorList {
	var errs field.ErrorList
	n := s.Network
	vpc, err := netplan.ParseCanonical(n.VPCCIDR)
	switch {
	case err != nil:
		errs = append(errs, field.Invalid(p.Child("vpcCidr"), n.VPCCIDR, err.Error()))
	case vpc.Bits() < netplan.MinVPCPrefix || vpc.Bits() > netplan.MaxVPCPrefix:
		errs = append(errs, field.Invalid(p.Child("vpcCidr"), n.VPCCIDR, fmt.Sprintf("prefix must be between /%d and /%d: AWS allows /16 to /28 per VPC and subnet, and the VPC is split into eight subnets", netplan.MinVPCPrefix, netplan.MaxVPCPrefix)))
	case !netplan.IsPrivate(vpc):
		errs = append(errs, field.Invalid(p.Child("vpcCidr"), n.VPCCIDR, "must lie inside an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)"))
	}
	if n.AvailabilityZones < minZones || n.AvailabilityZones > netplan.MaxZones {
		errs = append(errs, field.Invalid(p.Child("availabilityZones"), n.AvailabilityZones, fmt.Sprintf("must be between %d (EKS needs subnets in two zones) and %d", minZones, netplan.MaxZones)))
	} else if have := awszones.Usable(s.AWS.Region); have > 0 && n.AvailabilityZones > have {
		errs = append(errs, field.Invalid(p.Child("availabilityZones"), n.AvailabilityZones, fmt.Sprintf("an account can use only %d zones of region %s (%s; zone table of %s)", have, s.AWS.Region, strings.Join(awszones.Zones(s.AWS.Region), ", "), awszones.TableDate)))
	}
	if len(n.Zones) > 0 && len(n.Zones) != n.AvailabilityZones {
		errs = append(errs, field.Invalid(p.Child("zones"), strings.Join(n.Zones, ","), fmt.Sprintf("lists %d zones but availabilityZones is %d", len(n.Zones), n.AvailabilityZones)))
	}
	seen := map[string]bool{}
	for i, z := range n.Zones {
		suffix, ok := strings.CutPrefix(z, s.AWS.Region)
		switch {
		case !ok || len(suffix) != 1 || suffix[0] < 'a' || suffix[0] > 'z':
			errs = append(errs, field.Invalid(p.Child("zones").Index(i), z, fmt.Sprintf("must be a zone of region %s: the region followed by one letter", s.AWS.Region)))
		case awszones.Known(s.AWS.Region) && !awszones.Has(s.AWS.Region, z):
			errs = append(errs, field.Invalid(p.Child("zones").Index(i), z, fmt.Sprintf("is not a zone of %s; its zones are %s (zone table of %s)", s.AWS.Region, strings.Join(awszones.Zones(s.AWS.Region), ", "), awszones.TableDate)))
		case seen[z]:
			errs = append(errs, field.Duplicate(p.Child("zones").Index(i), z))
		}
		seen[z] = true
	}
	if n.ServiceCIDR != "" {
		svc, err := netplan.ParseCanonical(n.ServiceCIDR)
		sp := p.Child("serviceCidr")
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(sp, n.ServiceCIDR, err.Error()))
		case svc.Bits() < 12 || svc.Bits() > 24:
			errs = append(errs, field.Invalid(sp, n.ServiceCIDR, "prefix must be between /12 and /24 (EKS)"))
		case !netplan.IsPrivate(svc):
			errs = append(errs, field.Invalid(sp, n.ServiceCIDR, "must lie inside an RFC 1918 private range (EKS)"))
		case vpc.IsValid() && svc.Overlaps(vpc):
			errs = append(errs, field.Invalid(sp, n.ServiceCIDR, fmt.Sprintf("overlaps the VPC CIDR %s; EKS requires them to be disjoint", vpc)))
		}
	}
	return errs
}

func nodePools(p *field.Path, pools []clusterspec.NodePool, kubernetesVersion string) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, np := range pools {
		pp := p.Index(i)
		if !safeName.MatchString(np.Name) || len(np.Name) > maxPoolName {
			errs = append(errs, field.Invalid(pp.Child("name"), np.Name, fmt.Sprintf("must be 1-%d lowercase letters, digits and inner dashes, starting with a letter", maxPoolName)))
		} else if seen[np.Name] {
			errs = append(errs, field.Duplicate(pp.Child("name"), np.Name))
		}
		seen[np.Name] = true
		for j, t := range np.InstanceTypes {
			errs = append(errs, instanceType(pp.Child("instanceTypes").Index(j), t, np.AMIType)...)
		}
		if len(np.InstanceTypes) > 20 {
			errs = append(errs, field.TooMany(pp.Child("instanceTypes"), len(np.InstanceTypes), 20))
		}
		errs = append(errs, sizes(pp, np)...)
		if !enumHas(ekstypes.CapacityTypes("").Values(), np.CapacityType) {
			errs = append(errs, field.NotSupported(pp.Child("capacityType"), np.CapacityType, enumStrings(ekstypes.CapacityTypes("").Values())))
		}
		if !enumHas(ekstypes.AMITypes("").Values(), np.AMIType) || np.AMIType == string(ekstypes.AMITypesCustom) {
			errs = append(errs, field.NotSupported(pp.Child("amiType"), np.AMIType, amiTypes()))
		}
		if d := *np.DiskSizeGiB; d < 20 || d > 16384 {
			errs = append(errs, field.Invalid(pp.Child("diskSize"), d, "must be between 20 and 16384 GiB"))
		}
		errs = append(errs, releaseVersion(pp.Child("releaseVersion"), np, kubernetesVersion)...)
		errs = append(errs, labels(pp.Child("labels"), np.Labels)...)
		for j, t := range np.Taints {
			errs = append(errs, taint(pp.Child("taints").Index(j), t)...)
		}
	}
	return errs
}

// compute checks the compute mode: one the platform allows, and in
// AutoMode nothing that Auto Mode runs itself.
func compute(spec *field.Path, s clusterspec.Spec, in *v1beta1.Input) field.ErrorList {
	mp := spec.Child("compute", "mode")
	mode := s.Compute.Mode
	if !slices.Contains(clusterspec.ComputeModes, mode) {
		return field.ErrorList{field.NotSupported(mp, mode, clusterspec.ComputeModes)}
	}
	if !slices.Contains(in.Compute.Modes, mode) {
		return field.ErrorList{field.Forbidden(mp, fmt.Sprintf("the platform allows %s (compute.modes in its settings), not %s: pick one of those, or ask the platform team to allow %s", strings.Join(in.Compute.Modes, ", "), mode, mode))}
	}
	if s.Karpenter() {
		return karpenterPools(spec.Child("nodePools"), s)
	}
	if !s.AutoMode() {
		return nil
	}
	errs := autoModePools(spec.Child("nodePools"), s)
	if s.Addons.AWSLoadBalancerController {
		errs = append(errs, field.Forbidden(spec.Child("addons", "awsLoadBalancerController"), "EKS Auto Mode runs load balancing itself (IngressClass controller eks.amazonaws.com/alb, Service loadBalancerClass eks.amazonaws.com/nlb), and a second controller would fight it over the same load balancers: remove the switch"))
	}
	for _, a := range slices.Sorted(maps.Keys(s.Addons.Versions)) {
		if a != addonversion.MetricsServer {
			errs = append(errs, field.Forbidden(spec.Child("addons", "versions").Key(a), "EKS Auto Mode runs "+a+" itself (or has no need of it), at the version EKS keeps current: remove the pin"))
		}
	}
	return errs
}

// karpenterPools refuses what a Karpenter NodePool cannot be: the name of
// the system node group Karpenter runs on, a pool a cluster autoscaler
// would scale beside Karpenter, or a pin of an AMI release (Karpenter
// follows the EC2NodeClass's AMI alias).
func karpenterPools(p *field.Path, s clusterspec.Spec) field.ErrorList {
	var errs field.ErrorList
	for i, np := range s.NodePools {
		pp := p.Index(i)
		if np.Name == clusterspec.SystemPoolName {
			errs = append(errs, field.Forbidden(pp.Child("name"), "in Karpenter mode the managed node group Karpenter runs on is named "+clusterspec.SystemPoolName+": name the pool otherwise"))
		}
		if np.Autoscaled {
			errs = append(errs, field.Forbidden(pp.Child("autoscaled"), "Karpenter scales the pool; a cluster autoscaler beside it would fight it: remove autoscaled"))
		}
		if np.ReleaseVersion != "" {
			errs = append(errs, field.Forbidden(pp.Child("releaseVersion"), "Karpenter nodes follow the AMI of the platform's EC2NodeClass, not a managed node group's release: remove the pin"))
		}
	}
	return errs
}

// autoModePools refuses what an Auto Mode NodePool cannot be: the name of
// one of Auto Mode's built-in pools, a pool a cluster autoscaler would
// scale, a pin of an AMI release or node repair of a managed node group
// (Auto Mode chooses the image and repairs its nodes itself), or an image
// Auto Mode does not run (its nodes are Linux).
func autoModePools(p *field.Path, s clusterspec.Spec) field.ErrorList {
	var errs field.ErrorList
	for i, np := range s.NodePools {
		pp := p.Index(i)
		if slices.Contains(clusterspec.AutoModeBuiltInPools, np.Name) {
			errs = append(errs, field.Forbidden(pp.Child("name"), "EKS Auto Mode has a built-in node pool named "+np.Name+": name the pool otherwise"))
		}
		if np.Autoscaled {
			errs = append(errs, field.Forbidden(pp.Child("autoscaled"), "EKS Auto Mode scales the pool; a cluster autoscaler beside it would fight it: remove autoscaled"))
		}
		if np.ReleaseVersion != "" {
			errs = append(errs, field.Forbidden(pp.Child("releaseVersion"), "EKS Auto Mode chooses and updates the nodes' image itself: remove the pin"))
		}
		if np.NodeRepair {
			errs = append(errs, field.Forbidden(pp.Child("nodeRepair"), "EKS Auto Mode repairs its nodes itself: remove nodeRepair"))
		}
		if strings.HasPrefix(np.AMIType, "WINDOWS_") {
			errs = append(errs, field.Forbidden(pp.Child("amiType"), "EKS Auto Mode runs Linux nodes only; amiType gives a pool's architecture there: use AL2023_x86_64_STANDARD or AL2023_ARM_64_STANDARD, or compute.mode ManagedNodeGroups for Windows nodes"))
		}
	}
	return errs
}

// releaseVersion checks a pinned AMI release. Amazon Linux releases start
// with the Kubernetes version they are built for (1.35.0-20261120): one of
// another minor would fail the node group's update at EKS. Bottlerocket's and
// Windows' releases are numbered otherwise; EKS checks those.
func releaseVersion(p *field.Path, np clusterspec.NodePool, kubernetesVersion string) field.ErrorList {
	v := np.ReleaseVersion
	if v == "" {
		return nil
	}
	if !releaseVersionPattern.MatchString(v) || len(v) > 64 {
		return field.ErrorList{field.Invalid(p, v, "must be an EKS AMI release version such as "+kubernetesVersion+".0-20261120 (at most 64 letters, digits, dots and dashes)")}
	}
	if strings.HasPrefix(np.AMIType, "AL2") && !strings.HasPrefix(v, kubernetesVersion+".") {
		return field.ErrorList{field.Invalid(p, v, "is not a release for Kubernetes "+kubernetesVersion+" (spec.kubernetesVersion): pin a release that starts with "+kubernetesVersion+". or remove the pin; change both together when upgrading")}
	}
	return nil
}

var releaseVersionPattern = regexp.MustCompile(`^[0-9][0-9a-z.-]*$`)

func sizes(pp *field.Path, np clusterspec.NodePool) field.ErrorList {
	var errs field.ErrorList
	minS, maxS, desired := *np.MinSize, *np.MaxSize, *np.DesiredSize
	switch {
	case minS < 0:
		errs = append(errs, field.Invalid(pp.Child("minSize"), minS, "must not be negative"))
	case maxS < 1 || maxS > maxNodeGroupSize:
		errs = append(errs, field.Invalid(pp.Child("maxSize"), maxS, fmt.Sprintf("must be between 1 and %d", maxNodeGroupSize)))
	case minS > maxS:
		errs = append(errs, field.Invalid(pp.Child("minSize"), minS, fmt.Sprintf("must not exceed maxSize (%d)", maxS)))
	case desired < minS || desired > maxS:
		errs = append(errs, field.Invalid(pp.Child("desiredSize"), desired, fmt.Sprintf("must be between minSize (%d) and maxSize (%d)", minS, maxS)))
	}
	return errs
}

func taint(p *field.Path, t clusterspec.Taint) field.ErrorList {
	var errs field.ErrorList
	for _, m := range validation.IsQualifiedName(t.Key) {
		errs = append(errs, field.Invalid(p.Child("key"), t.Key, m))
	}
	if t.Value != "" {
		for _, m := range validation.IsValidLabelValue(t.Value) {
			errs = append(errs, field.Invalid(p.Child("value"), t.Value, m))
		}
	}
	if !enumHas(ekstypes.TaintEffect("").Values(), t.Effect) {
		errs = append(errs, field.NotSupported(p.Child("effect"), t.Effect, enumStrings(ekstypes.TaintEffect("").Values())))
	}
	return errs
}

func labels(p *field.Path, l map[string]string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(l) {
		for _, m := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(p.Key(k), k, "label key "+m))
		}
		for _, m := range validation.IsValidLabelValue(l[k]) {
			errs = append(errs, field.Invalid(p.Key(k), l[k], "label value "+m))
		}
	}
	return errs
}

func addons(p *field.Path, a clusterspec.Addons, k8s string) field.ErrorList {
	errs := hostedZones(p, a)
	known := addonversion.Addons()
	for _, k := range sortedKeys(a.Versions) {
		vp := p.Child("versions").Key(k)
		v := a.Versions[k]
		switch {
		case !enumHas(known, k):
			errs = append(errs, field.NotSupported(vp, k, known))
		case !addonVersionRe.MatchString(v):
			errs = append(errs, field.Invalid(vp, v, "must be an EKS add-on version such as v1.19.2-eksbuild.1"))
		case !addonversion.Supports(k, v, k8s):
			def, _ := addonversion.Default(k, k8s)
			errs = append(errs, field.Invalid(vp, v, fmt.Sprintf("does not support Kubernetes %s (add-on table of %s, whose version for %s is %s); pin a version that does, or remove the pin", k8s, addonversion.TableDate, k8s, def)))
		}
	}
	return errs
}

// hostedZones checks the zones external-dns and cert-manager may write in:
// either add-on needs at least one, and without either the zones grant
// nothing and are refused rather than silently ignored.
func hostedZones(p *field.Path, a clusterspec.Addons) field.ErrorList {
	var errs field.ErrorList
	zp := p.Child("hostedZones")
	dns := a.ExternalDNS || a.CertManager
	switch {
	case dns && len(a.HostedZones) == 0:
		errs = append(errs, field.Required(zp, "externalDns and certManager need at least one Route 53 hosted zone they may write records in"))
	case !dns && len(a.HostedZones) > 0:
		errs = append(errs, field.Invalid(zp, len(a.HostedZones), "only externalDns and certManager use hosted zones: switch one of them on, or remove the zones"))
	case len(a.HostedZones) > maxHostedZones:
		errs = append(errs, field.TooMany(zp, len(a.HostedZones), maxHostedZones))
	}
	ids, domains := map[string]bool{}, map[string]bool{}
	for i, z := range a.HostedZones {
		ip := zp.Index(i)
		switch {
		case !hostedZoneIDRe.MatchString(z.ID):
			errs = append(errs, field.Invalid(ip.Child("id"), z.ID, "must be a Route 53 hosted zone ID: Z followed by up to 31 uppercase letters and digits"))
		case ids[z.ID]:
			errs = append(errs, field.Duplicate(ip.Child("id"), z.ID))
		}
		switch {
		case len(z.Domain) > 253 || !domainRe.MatchString(z.Domain):
			errs = append(errs, field.Invalid(ip.Child("domain"), z.Domain, "must be a lowercase DNS name without the trailing dot, e.g. payments.example.com"))
		case domains[z.Domain]:
			errs = append(errs, field.Duplicate(ip.Child("domain"), z.Domain))
		}
		ids[z.ID], domains[z.Domain] = true, true
	}
	return errs
}

func tags(p *field.Path, t map[string]string) field.ErrorList {
	var errs field.ErrorList
	if len(t) > maxTags {
		errs = append(errs, field.TooMany(p, len(t), maxTags))
	}
	for _, k := range sortedKeys(t) {
		v := t[k]
		switch {
		case k == "" || utf8.RuneCountInString(k) > maxTagKey || !tagRe.MatchString(k):
			errs = append(errs, field.Invalid(p.Key(k), k, fmt.Sprintf("tag key must be 1-%d letters, digits, spaces and _ . : / = + - @", maxTagKey)))
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			errs = append(errs, field.Invalid(p.Key(k), k, "tag keys starting with aws: are reserved by AWS"))
		case strings.HasPrefix(k, "kubernetes.io/") || strings.HasPrefix(k, "eks-gitops.dev/"):
			errs = append(errs, field.Invalid(p.Key(k), k, "tag keys starting with kubernetes.io/ or eks-gitops.dev/ are set by the function"))
		case utf8.RuneCountInString(v) > maxTagValue || !tagRe.MatchString(v):
			errs = append(errs, field.Invalid(p.Key(k), v, fmt.Sprintf("tag value must be at most %d letters, digits, spaces and _ . : / = + - @", maxTagValue)))
		}
	}
	return errs
}

// composedNames checks the names the function derives from the XR's name and
// the spec, against the limits of where they end up. Hashed names always fit;
// Legacy names carry the whole XR name and may not.
func composedNames(xr Composite, p compose.Params) field.ErrorList {
	var errs field.ErrorList
	for _, n := range p.DerivedNames() {
		why := n.Limit.Check(n.Name)
		if why == "" {
			continue
		}
		path, value := field.NewPath("metadata", "name"), xr.Name
		if n.Pool >= 0 {
			path, value = field.NewPath("spec", "nodePools").Index(n.Pool).Child("name"), p.Spec.NodePools[n.Pool].Name
		}
		errs = append(errs, field.Invalid(path, value, fmt.Sprintf("gives the %s name %q (%s)", n.What, n.Name, why)))
	}
	return errs
}

// ObjectNames checks the Kubernetes names of the composed resources, which
// the function derives from the XR's name. It takes the objects the
// function is about to declare, so the plan is built once.
func ObjectNames(xrName string, names []string) field.ErrorList {
	var errs field.ErrorList
	for _, n := range names {
		if len(validation.IsDNS1123Subdomain(n)) > 0 {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), xrName, fmt.Sprintf("gives the object name %q, which is not a valid Kubernetes name (at most %d characters)", n, maxObjectName)))
		}
	}
	return errs
}

func enumHas[T ~string](values []T, v string) bool {
	for _, e := range values {
		if string(e) == v {
			return true
		}
	}
	return false
}

func enumStrings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// instanceType checks a node pool's instance type: one EC2 has, of the
// architecture the pool's AMI boots.
func instanceType(p *field.Path, t, amiType string) field.ErrorList {
	switch {
	case !instanceTypeRe.MatchString(t):
		return field.ErrorList{field.Invalid(p, t, "must be an EC2 instance type such as m6i.large")}
	case !instancetypes.Known(t):
		msg := fmt.Sprintf("is not an EC2 instance type (instance type table of %s, %s)", instancetypes.TableDate, instancetypes.SDK)
		if near := instancetypes.Closest(t); near != "" {
			msg += "; did you mean " + near + "?"
		}
		return field.ErrorList{field.Invalid(p, t, msg)}
	}
	arch, boots := instancetypes.Arch(t), instancetypes.AMIArch(amiType)
	if arch == boots {
		return nil
	}
	msg := fmt.Sprintf("runs %s, and amiType %s boots %s: pick an instance type that runs %s", arch, amiType, boots, boots)
	if same := instancetypes.SameSize(t, boots); same != "" {
		msg += ", such as " + instancetypes.Describe(same)
	}
	// The same AMI family built for the instance's architecture.
	other := strings.NewReplacer("x86_64", "ARM_64", "ARM_64", "x86_64").Replace(amiType)
	if enumHas(ekstypes.AMITypes("").Values(), other) && instancetypes.AMIArch(other) == arch {
		msg += ", or set amiType " + other + " for every instance type of the pool"
	}
	return field.ErrorList{field.Invalid(p, t, msg)}
}

func amiTypes() []string {
	var out []string
	for _, v := range ekstypes.AMITypes("").Values() {
		if v != ekstypes.AMITypesCustom {
			out = append(out, string(v))
		}
	}
	return out
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

// tagCount checks that no AWS resource gets more than the 50 tags AWS
// allows: the XR's, the platform's and the function's own together.
func tagCount(p *field.Path, params compose.Params) field.ErrorList {
	if n := params.MaxTagCount(); n > maxTags {
		own := n - len(params.Spec.Tags)
		return field.ErrorList{field.TooMany(p, len(params.Spec.Tags), max(0, maxTags-own))}
	}
	return nil
}

// Subnet sizing for the VPC CNI. EKS needs at least 6 free addresses in each
// subnet it places control plane network interfaces in, and recommends 16;
// the VPC CNI gives every pod an address of the node's subnet and, by
// default (WARM_ENI_TARGET=1), keeps a whole spare network interface of
// addresses per node: at least 12 on the smallest instance types EKS node
// groups run well on (t3.medium: 6 addresses per interface). AWS reserves 5
// addresses per subnet.
const (
	eksReservedAddresses = 16
	addressesPerNode     = 12
	awsReservedAddresses = 5
)

// subnetSize checks that each private subnet, which holds the control
// plane's interfaces, the nodes and their pods, has room for its share of
// every pool at its maximum size.
func subnetSize(p *field.Path, params compose.Params) field.ErrorList {
	vpc, err := netplan.ParseCanonical(params.Spec.Network.VPCCIDR)
	if err != nil {
		return nil // Reported by network.
	}
	sn, err := netplan.Carve(vpc, 0)
	if err != nil {
		return nil
	}
	var nodes int
	for _, pool := range params.Spec.NodePools {
		nodes += int(*pool.MaxSize)
	}
	zones := len(params.Zones())
	perZone := (nodes + zones - 1) / zones
	usable := 1<<(32-sn.Private.Bits()) - awsReservedAddresses
	need := eksReservedAddresses + addressesPerNode*perZone
	if usable >= need {
		return nil
	}
	return field.ErrorList{field.Invalid(p.Child("network", "vpcCidr"), params.Spec.Network.VPCCIDR, fmt.Sprintf(
		"gives private subnets of %s (%d usable addresses), too small for %d nodes per zone at the pools' maxSize: the VPC CNI needs about %d addresses per node and EKS %d per subnet, %d in all; use a larger VPC or smaller pools",
		sn.Private, usable, perZone, addressesPerNode, eksReservedAddresses, need))}
}

// confirmRemoval checks the names the XR confirms removing are zones of its
// region and pool names; whether anything is removed is the guards' to say.
func confirmRemoval(p *field.Path, s clusterspec.Spec) field.ErrorList {
	var errs field.ErrorList
	for i, z := range s.ConfirmRemoval.Zones {
		if !strings.HasPrefix(z, s.AWS.Region) || len(z) != len(s.AWS.Region)+1 {
			errs = append(errs, field.Invalid(p.Child("zones").Index(i), z, fmt.Sprintf("must be a zone of region %s", s.AWS.Region)))
		}
	}
	for i, n := range s.ConfirmRemoval.NodePools {
		if !safeName.MatchString(n) || len(n) > maxPoolName {
			errs = append(errs, field.Invalid(p.Child("nodePools").Index(i), n, "must be a node pool name"))
		}
	}
	return errs
}
