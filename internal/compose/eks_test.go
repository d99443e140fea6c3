package compose

import (
	"fmt"
	"slices"
	"testing"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
)

// TestDeletedInOrder: what AWS refuses to delete while something uses it,
// or deletes along with what it belongs to, is kept by a Usage until its
// user is gone, declared once both exist. The
// real-provider suite found each: an access entry, a cluster or a role
// deleted before what belongs to it (the provider then creates that again
// against a parent that is gone) and an EventBridge rule deleted before its
// target (EventBridge refuses while a target remains).
func TestDeletedInOrder(t *testing.T) {
	withAccess := func(p *Params) {
		p.Input.TeamAccess = &v1beta1.TeamAccess{
			AdminRoleARN:     "arn:aws:iam::{accountId}:role/{team}-admins",
			MemberRoleARN:    "arn:aws:iam::{accountId}:role/{team}-members",
			MemberNamespaces: []string{"{team}"},
		}
	}
	for name, p := range map[string]Params{
		"NodeGroups": params(withAccess),
		"AutoModeTeamPools": params(func(p *Params) {
			withAccess(p)
			p.Spec.Compute.Mode = clusterspec.ModeAutoMode
		}),
		"Karpenter": params(func(p *Params) {
			withAccess(p)
			p.Spec.Compute.Mode = clusterspec.ModeKarpenter
		}),
	} {
		t.Run(name, func(t *testing.T) {
			objs := p.All()
			byName := map[string]Object{}
			for _, o := range objs {
				byName[string(o.Name)] = o
			}
			pairs := 0
			for _, o := range objs {
				var of string
				switch o.Body["kind"] {
				case "AccessPolicyAssociation":
					of = "AccessEntry"
				case "AccessEntry":
					of = "Cluster"
				case "RolePolicyAttachment", "RolePolicy":
					of = "Role"
				case "Addon", "PodIdentityAssociation":
					of = "Cluster"
				case "Target":
					of = "Rule"
				default:
					continue
				}
				pairs++
				i := slices.IndexFunc(objs, func(u Object) bool {
					spec, _ := u.Body["spec"].(map[string]any)
					if u.Body["kind"] != "Usage" || spec == nil {
						return false
					}
					by, _ := spec["by"].(map[string]any)
					ofRef, _ := spec["of"].(map[string]any)
					return fmt.Sprint(by["kind"]) == o.Body["kind"] && ofRef["kind"] == of &&
						by["resourceRef"].(map[string]any)["name"] == o.Body["metadata"].(map[string]any)["name"]
				})
				if i < 0 {
					t.Errorf("%s (%s) has no Usage keeping its %s until it is gone", o.Name, o.Body["kind"], of)
					continue
				}
				if !slices.Contains(objs[i].Requires, o.Name) {
					t.Errorf("%s is declared before %s, which it names, exists", objs[i].Name, o.Name)
				}
			}
			if pairs == 0 {
				t.Fatal("no association or target composed")
			}
		})
	}
}
