package fn

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// teamUserIDs are the Identity Center user IDs of example/xr.yaml's people.
var teamUserIDs = map[string]any{
	"alice":             "9067a1b2c3-0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
	"bob.smith":         "9067a1b2c3-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901",
	"carol@example.com": "9067a1b2c3-2c3d4e5f-6071-8293-a4b5-c6d7e8f90112",
}

// withTeamUserIDs is the state with the XR's people's Identity Center IDs.
func withTeamUserIDs(s state) state {
	s.XR = clone(s.XR)
	s.XR["spec"].(map[string]any)["team"].(map[string]any)["identityCenterUserIds"] = clone(teamUserIDs)
	return s
}

// onManagedHub is the state with the platform moved to the managed hub's
// settings (example/platform-settings-managed-hub.yaml). keepHubRole keeps
// the self-managed Argo CD's role and the Cognito pool in the settings, as
// docs/gitops.md says to while clusters move.
func onManagedHub(t *testing.T, s state, keepOld bool) state {
	t.Helper()
	in := clone(s.Input)
	hubRole := in["argocd"].(map[string]any)["hubRoleArn"]
	accessMode := in["argocd"].(map[string]any)["accessMode"]
	cognito := in["cognito"]
	onHub(t, in, managedHub)
	onIdentity(t, in, managedHub)
	if keepOld {
		in["argocd"].(map[string]any)["hubRoleArn"] = hubRole
		in["argocd"].(map[string]any)["accessMode"] = accessMode
		in["cognito"] = cognito
	}
	s.Input = in
	return s
}

func secretServer(t *testing.T, rsp *fnv1.RunFunctionResponse) string {
	t.Helper()
	return secretValue(t, desiredObject(t, rsp, string(compose.NameClusterSecret)), "server")
}

func projectGroups(t *testing.T, rsp *fnv1.RunFunctionResponse) []string {
	t.Helper()
	var out []string
	for _, r := range lookup(desiredObject(t, rsp, string(compose.NameAppProject)), "spec", "roles").([]any) {
		for _, g := range r.(map[string]any)["groups"].([]any) {
			out = append(out, g.(string))
		}
	}
	return out
}

func declares(rsp *fnv1.RunFunctionResponse, names ...string) []string {
	var missing []string
	for _, n := range names {
		if _, ok := rsp.GetDesired().GetResources()[n]; !ok {
			missing = append(missing, n)
		}
	}
	return missing
}

// sameCluster fails when the cluster's object differs from the converged
// one's: moving hubs or identity providers never touches the cluster.
func sameCluster(t *testing.T, was, rsp *fnv1.RunFunctionResponse) {
	t.Helper()
	if diff := cmp.Diff(desiredObject(t, was, string(compose.NameCluster)), desiredObject(t, rsp, string(compose.NameCluster))); diff != "" {
		t.Errorf("the cluster changed: -was, +now:\n%s", diff)
	}
}

var (
	selfManagedAccess = []string{string(compose.NameArgoCDRole), string(compose.NameAccessEntry), string(compose.NameAccessAssociation)}
	capabilityAccess  = []string{string(compose.NameCapabilityAccessEntry), string(compose.NameCapabilityAccessAssociation)}
	cognitoGroups     = []string{string(compose.NameCognitoGroup), string(compose.NameCognitoAdminGroup)}
	centerGroups      = []string{string(compose.NameCenterGroup), string(compose.NameCenterAdminGroup)}
	gitCredential     = []string{string(compose.NameGitUser), string(compose.NameGitCredential), string(compose.NameRepositorySecret)}
)

// move runs the function on s until the XR converges, checking every
// response on the way: the cluster is never touched; while the cluster
// Secret still names the cluster the old hub's way, the old hub's access
// (and what it reads the repository with) stays; the Secret moves only once
// the new hub's access is observed ready; the AppProject names the new
// groups only once they exist and keeps the old ones until then. It returns
// the last response.
func move(t *testing.T, s state, was *fnv1.RunFunctionResponse, oldServer string, oldAccess, newAssociation, oldGroups []string, newGroupsExist func(state) bool) *fnv1.RunFunctionResponse {
	t.Helper()
	oldProjectGroups := projectGroups(t, was)
	moved := false
	var rsp *fnv1.RunFunctionResponse
	for round := 1; round <= maxRounds; round++ {
		rsp = run(t, requestOf(t, s))
		if msg := fatal(rsp); msg != "" {
			t.Fatalf("round %d: %s", round, msg)
		}
		sameCluster(t, was, rsp)
		server := secretServer(t, rsp)
		switch {
		case server == oldServer:
			if moved {
				t.Errorf("round %d: the cluster Secret moved back to %q", round, server)
			}
			if m := declares(rsp, oldAccess...); len(m) > 0 {
				t.Errorf("round %d: the old hub's way in went while the Secret still names the cluster its way: %v", round, m)
			}
		case !moved:
			moved = true
			for _, n := range newAssociation {
				if !isReadyObserved(s, n) {
					t.Errorf("round %d: the cluster Secret names %q before the new hub's access (%s) is ready", round, server, n)
				}
			}
		}
		if got := lookup(desiredObject(t, rsp, string(compose.NameBootstrapApplication)), "spec", "destination", "server"); got != server {
			t.Errorf("round %d: the Application's destination is %v, the Secret's server %q", round, got, server)
		}
		if groups := projectGroups(t, rsp); !newGroupsExist(s) {
			if !slices.Equal(groups, oldProjectGroups) {
				t.Errorf("round %d: the AppProject names %v before the new groups exist; want the old %v", round, groups, oldProjectGroups)
			}
			if m := declares(rsp, oldGroups...); len(m) > 0 {
				t.Errorf("round %d: the old groups went while the AppProject names them: %v", round, m)
			}
		}
		if isConverged(rsp) {
			break
		}
		s = next(t, s, rsp, allReady)
	}
	if !moved {
		t.Fatalf("the cluster Secret still names %q after %d rounds", oldServer, maxRounds)
	}
	if !isConverged(rsp) {
		t.Fatalf("not converged after %d rounds", maxRounds)
	}
	return rsp
}

// isConverged: every declared resource is ready; the old hub's and
// provider's objects leave only once the new ones are.
func isConverged(rsp *fnv1.RunFunctionResponse) bool { return converged(rsp) }

// TestMovingToTheManagedHub: a running cluster moves from the self-managed
// Argo CD and Cognito to the EKS Capability and Identity Center in stages
// (move checks each): the new hub's access and groups first, with the
// cluster still registered the old way; then the cluster Secret, the
// AppProject and the Application name the cluster and groups the new way;
// then the old access, credential and groups go. The cluster and the
// Application are never replaced, and the result is what a new cluster on
// the managed hub gets.
func TestMovingToTheManagedHub(t *testing.T) {
	before, was := convergedState(t, withTeamUserIDs(exampleState(t)))
	s := onManagedHub(t, next(t, before, was, allReady), true)
	centerGroupsExist := func(s state) bool {
		_, a := s.Observed[string(compose.NameCenterGroup)]
		_, b := s.Observed[string(compose.NameCenterAdminGroup)]
		return a && b
	}
	rsp := move(t, s, was, secretServer(t, was), slices.Concat(selfManagedAccess, gitCredential), []string{string(compose.NameCapabilityAccessAssociation)}, cognitoGroups, centerGroupsExist)
	if got := secretServer(t, rsp); !strings.HasPrefix(got, "arn:aws:eks:eu-west-1:444455556666:cluster/") {
		t.Errorf("the cluster Secret names %q; want the cluster's ARN", got)
	}
	for _, g := range projectGroups(t, rsp) {
		if !compose.IdentityStoreIDRe.MatchString(g) {
			t.Errorf("the AppProject names group %q; want Identity Center group IDs", g)
		}
	}
	fresh := converge(t, onManagedHub(t, withTeamUserIDs(exampleState(t)), false))
	if diff := cmp.Diff(resourceNames(fresh[len(fresh)-1]), resourceNames(rsp)); diff != "" {
		t.Errorf("the moved cluster's objects differ from a new cluster's on the managed hub: -new, +moved:\n%s", diff)
	}
}

// TestMovingBackToTheSelfManagedHub: the reverse move is staged the same
// way: the cluster Secret keeps the ARN until the self-managed Argo CD's
// role and access entry are in place, the AppProject the Identity Center
// groups until the Cognito groups are ready.
func TestMovingBackToTheSelfManagedHub(t *testing.T) {
	before, was := convergedState(t, onManagedHub(t, withTeamUserIDs(exampleState(t)), false))
	s := next(t, before, was, allReady)
	// Back to exampleState's settings, keeping the capability's role and
	// the identity store while clusters move.
	in := clone(exampleState(t).Input)
	in["argocd"].(map[string]any)["capabilityRoleArn"] = s.Input["argocd"].(map[string]any)["capabilityRoleArn"]
	id := clone(s.Input["identity"].(map[string]any))
	id["provider"] = "Cognito"
	in["identity"] = id
	s.Input = in
	cognitoReady := func(s state) bool {
		return isReadyObserved(s, string(compose.NameCognitoGroup)) && isReadyObserved(s, string(compose.NameCognitoAdminGroup))
	}
	rsp := move(t, s, was, secretServer(t, was), capabilityAccess, []string{string(compose.NameAccessAssociation)}, centerGroups, cognitoReady)
	if got := secretServer(t, rsp); !strings.HasPrefix(got, "https://") {
		t.Errorf("the cluster Secret names %q; want the endpoint", got)
	}
	fresh := converge(t, withTeamUserIDs(exampleState(t)))
	if diff := cmp.Diff(resourceNames(fresh[len(fresh)-1]), resourceNames(rsp)); diff != "" {
		t.Errorf("the cluster moved back has other objects than a new one: -new, +moved:\n%s", diff)
	}
}

// TestMovingWithoutUserIDsIsRefused: moving to Identity Center while the XR
// lacks its people's user IDs would leave the team without access to its
// applications: the XR is refused with the field and what to do, and
// nothing is declared, so nothing is taken away.
func TestMovingWithoutUserIDsIsRefused(t *testing.T) {
	before, was := convergedState(t, exampleState(t))
	s := onManagedHub(t, next(t, before, was, allReady), true)
	rsp := run(t, requestOf(t, s))
	msg := fatal(rsp)
	for _, want := range []string{"spec.team.identityCenterUserIds", `keyed by "alice"`, "aws identitystore get-user-id"} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q does not say %q", msg, want)
		}
	}
	if n := len(rsp.GetDesired().GetResources()); n > 0 {
		t.Errorf("a refused XR declares %d resources", n)
	}
}

// TestObservedGroupIDsAreChecked: the Identity Center groups' IDs reach the
// AppProject's roles from observed state, which a team's namespaced XR can
// write to. A value that is not an identity store ID (a glob, another
// project's role, an empty one) never reaches the AppProject: the IDs it
// last named stay, and the step says the fact is kept.
func TestObservedGroupIDsAreChecked(t *testing.T) {
	before, was := convergedState(t, onManagedHub(t, withTeamUserIDs(exampleState(t)), false))
	want := projectGroups(t, was)
	for name, forged := range map[string]any{
		"Glob":         "*",
		"OtherProject": "proj:eks-gitops-search-prod-8950b7cdd7a4304d:admin",
		"Empty":        "",
		"NotAString":   float64(1),
	} {
		t.Run(name, func(t *testing.T) {
			s := withObserved(t, next(t, before, was, allReady), string(compose.NameCenterGroup), func(o map[string]any) {
				lookup(o, "status", "atProvider").(map[string]any)["groupId"] = forged
			})
			rsp := run(t, requestOf(t, s))
			if msg := fatal(rsp); msg != "" {
				t.Fatal(msg)
			}
			if got := projectGroups(t, rsp); !slices.Equal(got, want) {
				t.Errorf("the AppProject names %v after the observed group ID became %v; want the last applied %v", got, forged, want)
			}
			var msg string
			for _, c := range rsp.GetConditions() {
				if c.GetType() == compose.StepArgoCDAccessGranted {
					msg = c.GetMessage()
				}
			}
			if !strings.Contains(msg, "IDs of the team's Identity Center groups can no longer be observed; the value last applied is kept") {
				t.Errorf("condition %s says %q; want it to name the kept fact", compose.StepArgoCDAccessGranted, msg)
			}
		})
	}
}
