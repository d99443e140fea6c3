package validation

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
)

// identityStoreUserIDRe is IAM Identity Center's user ID (the identity
// store API's UserId).
var identityStoreUserIDRe = regexp.MustCompile(`^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$`)

// identityCenterUserIDs checks the team's Identity Center user IDs: one per
// member and admin when the platform signs people in with Identity Center
// (a group membership names the user by ID), each an identity store user
// ID, each person their own, and no ID for someone not in the team. They
// are checked with Cognito too, so a team can add them before the platform
// moves and learn of a mistake then.
func identityCenterUserIDs(p *field.Path, t clusterspec.Team, in *v1beta1.Input) field.ErrorList {
	var errs field.ErrorList
	ip := p.Child("identityCenterUserIds")
	center := in.Identity.Provider == v1beta1.IdentityCenter
	owner := map[string]string{}
	check := func(list string, names []string) {
		for i, m := range names {
			lp := p.Child(list).Index(i)
			id, ok := t.IdentityCenterUserIDs[m]
			switch {
			case !ok && center:
				errs = append(errs, field.Required(ip, fmt.Sprintf("%s needs an IAM Identity Center user ID, keyed by %q: the platform signs people in with Identity Center, whose groups name members by ID (aws identitystore get-user-id)", lp, m)))
			case !ok:
			case !identityStoreUserIDRe.MatchString(id):
				errs = append(errs, field.Invalid(ip.Key(m), id, "must be an IAM Identity Center user ID such as 906712345a-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901 or a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809"))
			default:
				// The identity store compares IDs without regard to case.
				if other, taken := owner[strings.ToLower(id)]; taken && other != m {
					errs = append(errs, field.Invalid(ip.Key(m), id, fmt.Sprintf("is also the user ID of %q; each person has their own", other)))
					continue
				}
				owner[strings.ToLower(id)] = m
			}
		}
	}
	check("members", t.Members)
	check("admins", t.Admins)
	people := map[string]bool{}
	for _, m := range slices.Concat(t.Members, t.Admins) {
		people[m] = true
	}
	for _, k := range slices.Sorted(maps.Keys(t.IdentityCenterUserIDs)) {
		if !people[k] {
			errs = append(errs, field.Invalid(ip.Key(k), t.IdentityCenterUserIDs[k], "is keyed by someone who is neither a member nor an admin of the team; add them to members or admins, or remove the entry"))
		}
	}
	return errs
}
