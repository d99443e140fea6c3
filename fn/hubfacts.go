package fn

import (
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// hubFacts reads how the observed cluster Secret registers the cluster,
// and which hub's access is ready: what moving hubs is staged on.
func hubFacts(observed map[string]*fnv1.Resource) compose.HubFacts {
	var h compose.HubFacts
	if s := manifest(observed[string(compose.NameClusterSecret)].GetResource()); s != nil {
		switch server := appliedSecretValue(s, "server"); {
		case validARN(server, "eks", "cluster/") != "":
			h.RegisteredBy = v1beta1.ArgoCDEKSCapability
		case validEndpoint(server) != "":
			h.RegisteredBy = v1beta1.ArgoCDSelfManaged
		}
	}
	ready := func(name string) bool {
		r := observed[name].GetResource()
		return r != nil && hasReadyCondition(r)
	}
	h.SelfManagedReady = ready(string(compose.NameAccessAssociation))
	h.CapabilityReady = ready(string(compose.NameCapabilityAccessAssociation))
	return h
}

// factCenterGroups is the kept fact of the Identity Center groups' IDs.
const factCenterGroups = "the IDs of the team's Identity Center groups"

// identityFacts reads which provider's groups the observed AppProject
// names, whether each provider's groups are there, and the Identity Center
// groups' IDs, each checked before it can reach the AppProject. An ID that
// is not observed now, or not valid now, is the one the AppProject last
// named (kept reports it), never empty: a poll must not take the team's
// access to its applications away.
func identityFacts(observed map[string]*fnv1.Resource) (id compose.IdentityFacts, kept bool) {
	groupID := func(name resource.Name) string {
		v := stringAt(observed[string(name)].GetResource(), "status", "atProvider", "groupId")
		if !compose.IdentityStoreIDRe.MatchString(v) {
			return ""
		}
		return v
	}
	id.CenterGroupID, id.CenterAdminGroupID = groupID(compose.NameCenterGroup), groupID(compose.NameCenterAdminGroup)
	ready := func(name resource.Name) bool {
		r := observed[string(name)].GetResource()
		return r != nil && hasReadyCondition(r)
	}
	id.CognitoReady = ready(compose.NameCognitoGroup) && ready(compose.NameCognitoAdminGroup)
	if p := manifest(observed[string(compose.NameAppProject)].GetResource()); p != nil {
		switch g := stringAt(p, "spec", "roles", 0, "groups", 0); {
		case compose.IdentityStoreIDRe.MatchString(g):
			id.AppliedBy = v1beta1.IdentityCenter
			admins := stringAt(p, "spec", "roles", 1, "groups", 0)
			if (id.CenterGroupID == "" || id.CenterAdminGroupID == "") && compose.IdentityStoreIDRe.MatchString(admins) {
				id.CenterGroupID, id.CenterAdminGroupID, kept = g, admins, true
			}
		case strings.TrimSpace(g) != "":
			id.AppliedBy = v1beta1.IdentityCognito
		}
	}
	return id, kept
}
