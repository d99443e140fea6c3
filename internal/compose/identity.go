package compose

import (
	"regexp"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
)

// The team's IAM Identity Center groups and their memberships.
const (
	NameCenterGroup      = resource.Name("identitycenter-group")
	NameCenterAdminGroup = resource.Name("identitycenter-group-admins")

	// Prefixes of the composition resource names of the memberships, one
	// per member and admin.
	CenterMemberPrefix = "identitycenter-member-"
	CenterAdminPrefix  = "identitycenter-admin-"

	componentCenterGroup = "identitycenter-group"
	componentCenterAdmin = "identitycenter-admin-group"

	apiIdentityStore = "identitystore.aws.m.upbound.io/v1beta1"
)

// IdentityStoreIDRe is an identity store group's or user's ID. A group ID is
// written into the AppProject's roles, so one read from observed state is
// used only when it has this shape.
var IdentityStoreIDRe = regexp.MustCompile(`^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$`)

// IdentityFacts are where the team's groups are now, as Argo CD's
// AppProject names them, and whether each provider's groups exist.
type IdentityFacts struct {
	// AppliedBy is the provider whose groups the observed AppProject's
	// roles name: IdentityCenter when they are identity store group IDs,
	// Cognito when they are names; empty before it exists.
	AppliedBy string
	// CognitoReady is whether both Cognito groups are ready.
	CognitoReady bool
	// CenterGroupID and CenterAdminGroupID are the observed IDs of the
	// Identity Center groups.
	CenterGroupID, CenterAdminGroupID string
}

// ready reports whether both of the team's groups are there with the
// provider named: the Cognito groups ready, the Identity Center groups'
// IDs observed.
func (id IdentityFacts) ready(provider string) bool {
	if provider == v1beta1.IdentityCenter {
		return id.CenterGroupID != "" && id.CenterAdminGroupID != ""
	}
	return id.CognitoReady
}

// IdentityCenter reports whether people sign in through IAM Identity Center.
func (p Params) IdentityCenter() bool { return p.Input.Identity.Provider == v1beta1.IdentityCenter }

// CenterGroup is the display name of the team's Identity Center group for
// this cluster.
func (p Params) CenterGroup() string { return p.Input.Identity.GroupPrefix + p.ClusterName() }

// CenterAdminGroup is the display name of the team's admins' group.
func (p Params) CenterAdminGroup() string { return p.CenterGroup() + "-admins" }

// identityMove is the team's move from the provider whose groups the
// AppProject last named to the settings' provider. The old groups stay
// while the settings still name the old provider.
func (p Params) identityMove(f Facts) move {
	by := f.Identity.AppliedBy
	kept := by == v1beta1.IdentityCognito && p.Input.Cognito != nil && p.Input.Cognito.UserPoolID != "" ||
		by == v1beta1.IdentityCenter && p.Input.Identity.IdentityStoreID != ""
	return move{from: by, to: p.Input.Identity.Provider, fromKept: kept, toReady: f.Identity.ready(p.Input.Identity.Provider)}
}

// SignsInWith is the provider whose groups the AppProject's roles name:
// the old provider's until both new groups exist, so the team never loses
// access to its applications in between.
func (p Params) SignsInWith(f Facts) string { return p.identityMove(f).current() }

// retiringIdentity is the provider the AppProject still names while the
// team moves to another; its groups stay until the AppProject has moved.
func (p Params) retiringIdentity(f Facts) string { return p.identityMove(f).retiring() }

// userAccess is the team's groups where people sign in, one membership per
// member and admin, and the old provider's while the team moves.
func (p Params) userAccess(f Facts) []Object {
	objs := p.groupsIn(p.Input.Identity.Provider)
	if old := p.retiringIdentity(f); old != "" {
		objs = append(objs, p.groupsIn(old)...)
	}
	return objs
}

func (p Params) groupsIn(provider string) []Object {
	if provider == v1beta1.IdentityCenter {
		return p.centerAccess()
	}
	return p.cognitoAccess()
}

// centerAccess is the team's two Identity Center groups and a membership
// per member and admin, naming the user by the ID the XR gives.
func (p Params) centerAccess() []Object {
	id := p.Input.Identity
	group := func(name resource.Name, comp, display, description string) Object {
		return Object{Name: name, Body: p.managedWith(apiIdentityStore, "Group", string(name), component(comp), id.ProviderConfigRef, map[string]any{
			"region":          id.Region,
			"identityStoreId": id.IdentityStoreID,
			"displayName":     display,
			"description":     description,
		})}
	}
	objs := []Object{
		group(NameCenterGroup, componentCenterGroup, p.CenterGroup(), "Team "+p.Spec.Team.Name+" on cluster "+p.ClusterName()),
		group(NameCenterAdminGroup, componentCenterAdmin, p.CenterAdminGroup(), "Admins of team "+p.Spec.Team.Name+" on cluster "+p.ClusterName()),
	}
	// A membership names its group by the group's ID, which the provider
	// observes once the group exists.
	member := func(prefix, comp string, group resource.Name, user string) Object {
		name := resource.Name(prefix + memberKey(user))
		return Object{Name: name, Body: p.managedWith(apiIdentityStore, "GroupMembership", string(name), nil, id.ProviderConfigRef, map[string]any{
			"region":          id.Region,
			"identityStoreId": id.IdentityStoreID,
			"groupIdSelector": selector(component(comp)),
			"memberId":        p.Spec.Team.IdentityCenterUserIDs[user],
		}), Requires: []resource.Name{group}}
	}
	for _, m := range p.Spec.Team.Members {
		if _, ok := p.Spec.Team.IdentityCenterUserIDs[m]; ok {
			objs = append(objs, member(CenterMemberPrefix, componentCenterGroup, NameCenterGroup, m))
		}
	}
	for _, m := range p.Spec.Team.Admins {
		if _, ok := p.Spec.Team.IdentityCenterUserIDs[m]; ok {
			objs = append(objs, member(CenterAdminPrefix, componentCenterAdmin, NameCenterAdminGroup, m))
		}
	}
	return objs
}

// projectGroups are the groups the AppProject's developer and admin roles
// name, what a new AppProject waits for, and the fact it still lacks.
func (p Params) projectGroups(f Facts) (developer, admin string, requires []resource.Name, missing string) {
	if p.SignsInWith(f) == v1beta1.IdentityCenter {
		if f.Identity.CenterGroupID == "" || f.Identity.CenterAdminGroupID == "" {
			missing = "the IDs of the team's Identity Center groups"
		}
		return f.Identity.CenterGroupID, f.Identity.CenterAdminGroupID, []resource.Name{NameCenterGroup, NameCenterAdminGroup}, missing
	}
	return p.CognitoGroup(), p.CognitoAdminGroup(), []resource.Name{NameCognitoGroup, NameCognitoAdminGroup}, ""
}
