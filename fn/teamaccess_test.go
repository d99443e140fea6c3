package fn

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTeamAccess: with the platform's team roles set, each cluster gives the
// team's admins cluster-admin and its members edit in the team's namespaces
// and view elsewhere, each association after its access entry; without
// them, no entry at all; a role outside the team's account is refused.
func TestTeamAccess(t *testing.T) {
	t.Parallel()
	const (
		admins  = "arn:aws:iam::{accountId}:role/team-access/{team}-admins"
		members = "arn:aws:iam::{accountId}:role/team-access/{team}-members"
	)
	type association struct {
		Principal, Policy, Scope string
		Namespaces               []any
	}
	cases := map[string]struct {
		reason  string
		access  map[string]any
		refused string
		entries map[string]string // resource -> principal ARN
		want    map[string]association
	}{
		"None": {
			reason: "A platform that names no team roles gives the team no access entries.",
		},
		"AdminsAndMembers": {
			reason: "Admins get cluster-admin; members edit in their namespaces and view elsewhere.",
			access: map[string]any{"adminRoleArn": admins, "memberRoleArn": members, "memberNamespaces": []any{"{team}", "{team}-jobs"}},
			entries: map[string]string{
				"eks-access-entry-team-admins":  "arn:aws:iam::444455556666:role/team-access/payments-admins",
				"eks-access-entry-team-members": "arn:aws:iam::444455556666:role/team-access/payments-members",
			},
			want: map[string]association{
				"eks-access-policy-team-admins-clusteradmin": {"access-entry-team-admins", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", "cluster", nil},
				"eks-access-policy-team-members-edit":        {"access-entry-team-members", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", "namespace", []any{"payments", "payments-jobs"}},
				"eks-access-policy-team-members-view":        {"access-entry-team-members", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", "cluster", nil},
			},
		},
		"MembersOnlyDefaultNamespace": {
			reason:  "Members alone, in the team's own namespace by default.",
			access:  map[string]any{"memberRoleArn": members},
			entries: map[string]string{"eks-access-entry-team-members": "arn:aws:iam::444455556666:role/team-access/payments-members"},
			want: map[string]association{
				"eks-access-policy-team-members-edit": {"access-entry-team-members", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", "namespace", []any{"payments"}},
				"eks-access-policy-team-members-view": {"access-entry-team-members", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", "cluster", nil},
			},
		},
		"AnotherAccountsRole": {
			reason:  "A role of another account would let someone else's people into the team's cluster.",
			access:  map[string]any{"adminRoleArn": "arn:aws:iam::999988887777:role/{team}-admins"},
			refused: "input.teamAccess.adminRoleArn: Forbidden: arn:aws:iam::999988887777:role/payments-admins is not a role of team payments's account 444455556666",
		},
		"UnknownPlaceholder": {
			reason:  "Only {team} and {accountId} are filled in; a team-written field never is.",
			access:  map[string]any{"memberRoleArn": "arn:aws:iam::{accountId}:role/{environment}-members"},
			refused: "input.teamAccess.memberRoleArn: Invalid value: \"arn:aws:iam::{accountId}:role/{environment}-members\": the only placeholders are {team} and {accountId}",
		},
		"NotARole": {
			reason:  "The principal is an IAM role.",
			access:  map[string]any{"adminRoleArn": "arn:aws:iam::{accountId}:user/{team}"},
			refused: "input.teamAccess.adminRoleArn: Invalid value",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := exampleState(t)
			delete(s.Input, "teamAccess") // The example's settings name roles.
			if tc.access != nil {
				s.Input["teamAccess"] = tc.access
			}
			if tc.refused != "" {
				refused(t, run(t, requestOf(t, s)), tc.refused)
				return
			}
			_, last := convergedState(t, s)
			got := map[string]string{}
			gotAssoc := map[string]association{}
			for n, r := range last.GetDesired().GetResources() {
				o := r.GetResource().AsMap()
				spec, _ := o["spec"].(map[string]any)
				fp, _ := spec["forProvider"].(map[string]any)
				switch {
				case o["kind"] == "AccessEntry" && n != "eks-access-entry-argocd":
					// The name carries a hash of the role; compare without it.
					got[hashless(n)], _ = fp["principalArn"].(string)
				case o["kind"] == "AccessPolicyAssociation" && n != "eks-access-policy-argocd":
					sel := fp["principalArnSelector"].(map[string]any)["matchLabels"].(map[string]any)["eks-gitops.dev/component"].(string)
					scope := fp["accessScope"].(map[string]any)
					ns, _ := scope["namespaces"].([]any)
					gotAssoc[hashless(n)] = association{hashless(sel), fp["policyArn"].(string), scope["type"].(string), ns}
				}
			}
			if diff := cmp.Diff(tc.entries, got, cmp.Comparer(func(a, b map[string]string) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })); diff != "" && (len(tc.entries) > 0 || len(got) > 0) {
				t.Errorf("%s\naccess entries (-want +got):\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, gotAssoc); diff != "" && (len(tc.want) > 0 || len(gotAssoc) > 0) {
				t.Errorf("%s\nassociations (-want +got):\n%s", tc.reason, diff)
			}
			// Each association is declared only after its entry.
			for _, rsp := range converge(t, s) {
				var declared []string
				for _, n := range resourceNames(rsp) {
					declared = append(declared, hashless(n))
				}
				for n, a := range tc.want {
					if entry := "eks-" + a.Principal; slices.Contains(declared, n) && !slices.Contains(declared, entry) {
						t.Errorf("%s is declared before %s", n, entry)
					}
				}
			}
		})
	}
}

// hashless drops the hashes of the role (8 characters) and of the scope (6)
// from a team access name: eks-access-policy-team-members-1a2b3c4d-edit-0f1e2d
// is eks-access-policy-team-members-edit.
func hashless(n string) string {
	var kept []string
	for _, p := range strings.Split(n, "-") {
		if (len(p) == 8 || len(p) == 6) && strings.Trim(p, "0123456789abcdef") == "" {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "-")
}

// TestTeamRoleChangeReplacesTheEntry: EKS cannot change an access entry's
// principal, so a new role for the team is a new entry beside nothing
// else, and the old entry and its associations are no longer declared.
func TestTeamRoleChangeReplacesTheEntry(t *testing.T) {
	s := exampleState(t)
	s.Input["teamAccess"] = map[string]any{"adminRoleArn": "arn:aws:iam::{accountId}:role/{team}-admins"}
	before, base := convergedState(t, s)
	after := next(t, before, base, allReady)
	after.Input = maps.Clone(after.Input)
	after.Input["teamAccess"] = map[string]any{"adminRoleArn": "arn:aws:iam::{accountId}:role/{team}-platform-admins"}
	rsp := run(t, requestOf(t, after))
	var old, now []string
	for _, n := range resourceNames(base) {
		if strings.Contains(n, "team-admins") {
			old = append(old, n)
		}
	}
	for _, n := range resourceNames(rsp) {
		if strings.Contains(n, "team-admins") {
			now = append(now, n)
		}
	}
	if len(old) != 2 || len(now) != 1 || slices.Contains(old, now[0]) || !strings.HasPrefix(now[0], "eks-access-entry-team-admins-") {
		t.Errorf("team admin objects before %v, after %v; want the new role's entry alone, its association after it", old, now)
	}
}

// TestMemberNamespacesReplaceTheAssociation: an access scope cannot change
// in place, so other member namespaces are a new association.
func TestMemberNamespacesReplaceTheAssociation(t *testing.T) {
	edit := func(namespaces ...any) string {
		t.Helper()
		s := exampleState(t)
		s.Input["teamAccess"] = map[string]any{"memberRoleArn": "arn:aws:iam::{accountId}:role/{team}-members", "memberNamespaces": namespaces}
		_, last := convergedState(t, s)
		for _, n := range resourceNames(last) {
			if strings.HasPrefix(n, "eks-access-policy-team-members-") && strings.Contains(n, "-edit-") {
				return n
			}
		}
		t.Fatal("no edit association")
		return ""
	}
	a, b := edit("{team}"), edit("{team}", "{team}-jobs")
	if a == b {
		t.Errorf("the edit association keeps its name %s when its namespaces change", a)
	}
	if c := edit("{team}-jobs", "{team}"); c != b {
		t.Errorf("the same namespaces in another order give another association (%s, %s); to EKS they are a set", b, c)
	}
}

// TestTeamViewBinding: a namespaced XR binds its team's control plane group
// to Crossplane's view role in its own namespace; a cluster-scoped XR has no
// namespace of its team's and binds nothing; a group that would reach other
// teams or everyone is refused.
func TestTeamViewBinding(t *testing.T) {
	cases := map[string]struct {
		reason     string
		namespaced bool
		group      any // nil: the example's
		want       map[string]any
		refused    string
	}{
		"Namespaced": {
			reason:     "The team's group reads its XR and composed resources in its namespace.",
			namespaced: true,
			want: map[string]any{
				"namespace": "team-analytics",
				"roleRef":   map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "crossplane-view"},
				"subjects":  []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "eks-gitops:analytics"}},
			},
		},
		"ClusterScoped": {
			reason: "A cluster-scoped XR's resources are in the platform's namespace: no binding.",
		},
		"NoGroup": {
			reason:     "Without the setting, no binding.",
			namespaced: true, group: "",
		},
		"WithoutTeam": {
			reason:     "One group bound in every team's namespace would let each team read the others'.",
			namespaced: true, group: "engineers",
			refused: `input.teamAccess.controlPlaneGroup: Invalid value: "engineers": must contain {team}`,
		},
		"SystemGroup": {
			reason:     "system:authenticated is everyone.",
			namespaced: true, group: "system:{team}",
			refused: "must not be a system: group",
		},
		"OtherPlaceholder": {
			reason:     "Only {team} is filled in.",
			namespaced: true, group: "{team}-{environment}",
			refused: "the only placeholder is {team}",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := exampleState(t)
			if tc.namespaced {
				s = newState(t, "xr-namespaced.yaml", "composition-namespaced.yaml")
			}
			if tc.group != nil {
				a, _ := s.Input["teamAccess"].(map[string]any)
				if tc.group == "" {
					delete(a, "controlPlaneGroup")
				} else {
					a["controlPlaneGroup"] = tc.group
				}
			}
			if tc.refused != "" {
				refused(t, run(t, requestOf(t, s)), tc.refused)
				return
			}
			_, rsp := convergedState(t, s)
			r, ok := rsp.GetDesired().GetResources()["team-view-binding"]
			if tc.want == nil {
				if ok {
					t.Errorf("%s\nteam-view-binding is declared", tc.reason)
				}
				return
			}
			if !ok {
				t.Fatalf("%s\nno team-view-binding; declared: %v", tc.reason, resourceNames(rsp))
			}
			o := r.GetResource().AsMap()
			got := map[string]any{"namespace": o["metadata"].(map[string]any)["namespace"], "roleRef": o["roleRef"], "subjects": o["subjects"]}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n(-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
