package fn

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

func exampleNamed(t *testing.T, name string) example {
	t.Helper()
	for _, ex := range examples {
		if ex.name == name {
			return ex
		}
	}
	t.Fatalf("no example %q", name)
	return example{}
}

// TestGitHostsPointArgoCDAtOneRepository: on every host the repository
// Secret, the AppProject's only source and the Application name the same
// URL, the host's own form of it, and the host's repository is the one the
// URL names.
func TestGitHostsPointArgoCDAtOneRepository(t *testing.T) {
	cases := map[string]struct {
		repo    string
		url     string
		nameKey string
	}{
		"default": {repo: "codecommit-repository", url: "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/payments-dev-eea1b71018cbc6e3-gitops"},
		"github":  {repo: "github-repository", url: "https://github.com/acme-platform/payments-dev-eea1b71018cbc6e3-gitops", nameKey: "name"},
		// GitLab needs the .git suffix.
		"gitlab": {repo: "gitlab-project", url: "https://gitlab.com/acme/platform-teams/payments-dev-eea1b71018cbc6e3-gitops.git", nameKey: "path"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, rsp := convergedState(t, newExampleState(t, exampleNamed(t, name)))
			secret := desiredObject(t, rsp, "argocd-repository-secret")
			project := desiredObject(t, rsp, "argocd-project")["spec"].(map[string]any)
			app := desiredObject(t, rsp, "argocd-bootstrap-application")["spec"].(map[string]any)["source"].(map[string]any)
			got := []string{secretValue(t, secret, "url"), project["sourceRepos"].([]any)[0].(string), app["repoURL"].(string)}
			if diff := cmp.Diff([]string{tc.url, tc.url, tc.url}, got); diff != "" {
				t.Errorf("repository URLs (-want +got):\n%s", diff)
			}
			if len(project["sourceRepos"].([]any)) != 1 {
				t.Errorf("the AppProject allows %v, want only the team's repository", project["sourceRepos"])
			}
			if tc.nameKey != "" {
				fp := desiredObject(t, rsp, tc.repo)["spec"].(map[string]any)["forProvider"].(map[string]any)
				if !strings.Contains(tc.url, "/"+fp[tc.nameKey].(string)) {
					t.Errorf("the repository is %v, the URL %s", fp[tc.nameKey], tc.url)
				}
				if fp["visibility"] != "private" {
					t.Errorf("the repository's visibility is %v, want private", fp["visibility"])
				}
			}
			for n := range rsp.GetDesired().GetResources() {
				for _, other := range []string{"codecommit-", "github-", "gitlab-"} {
					if strings.HasPrefix(n, other) && !strings.HasPrefix(tc.repo, other) {
						t.Errorf("%s is declared on the %s host", n, name)
					}
				}
			}
		})
	}
}

// TestGitHostMembers: each member and admin is on the host under their Git
// user name, admins with the higher role; someone in both lists once.
func TestGitHostMembers(t *testing.T) {
	type member struct{ User, Role string }
	cases := map[string]struct {
		prefix, userField, roleField string
		want                         []member
	}{
		"github": {prefix: "github-member-", userField: "username", roleField: "role", want: []member{
			{"alice-dev", "maintainer"}, {"bsmith", "member"}, {"carol-example", "member"}, {"dave-ops", "maintainer"},
		}},
		"gitlab": {prefix: "gitlab-member-", userField: "userName", roleField: "accessLevel", want: []member{
			{"alice-dev", "40"}, {"bsmith", "30"}, {"carol-example", "30"}, {"dave-ops", "40"},
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newExampleState(t, exampleNamed(t, name))
			set(s.XR, "spec.team.admins", []any{"alice", "dave"})
			set(s.XR, "spec.team.gitUsernames.dave", "dave-ops")
			_, rsp := convergedState(t, s)
			var got []member
			for n, r := range rsp.GetDesired().GetResources() {
				if !strings.HasPrefix(n, tc.prefix) {
					continue
				}
				fp := r.GetResource().AsMap()["spec"].(map[string]any)["forProvider"].(map[string]any)
				role, _ := json.Marshal(fp[tc.roleField])
				got = append(got, member{fp[tc.userField].(string), strings.Trim(string(role), `"`)})
			}
			slices.SortFunc(got, func(a, b member) int { return strings.Compare(a.User, b.User) })
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGitLabDeployToken: Argo CD reads the project with a read-only deploy
// token whose user name the function sets and whose token comes from the
// observed connection details into the repository Secret only.
func TestGitLabDeployToken(t *testing.T) {
	before, rsp := convergedState(t, newExampleState(t, exampleNamed(t, "gitlab")))
	token := desiredObject(t, rsp, "gitlab-deploy-token")
	fp := token["spec"].(map[string]any)["forProvider"].(map[string]any)
	if diff := cmp.Diff([]any{"read_repository"}, fp["scopes"]); diff != "" {
		t.Errorf("deploy token scopes (-want +got):\n%s", diff)
	}
	secret := desiredObject(t, rsp, "argocd-repository-secret")
	if got := secretValue(t, secret, "username"); got != fp["username"] {
		t.Errorf("the repository Secret's username is %q, the deploy token's %q", got, fp["username"])
	}
	observed := string(before.Observed["gitlab-deploy-token"].ConnectionDetails["token"])
	if observed == "" || secretValue(t, secret, "password") != observed {
		t.Error("the repository Secret does not hold the observed deploy token")
	}
}

// TestGitLabNamespacedTokenCopiedByProvider: for a namespaced XR the token
// is copied by provider-kubernetes from the token's connection Secret and
// never passes through the function's response.
func TestGitLabNamespacedTokenCopiedByProvider(t *testing.T) {
	before, rsp := convergedState(t, newExampleState(t, exampleNamed(t, "gitlab-namespaced")))
	token := string(before.Observed["gitlab-deploy-token"].ConnectionDetails["token"])
	if token == "" {
		t.Fatal("the simulated deploy token has no token")
	}
	b, _ := protojson.Marshal(rsp)
	if strings.Contains(string(b), token) || strings.Contains(string(b), base64.StdEncoding.EncodeToString([]byte(token))) {
		t.Error("the deploy token reaches the response of a namespaced XR")
	}
	refs := protojsonString(t, desiredObject(t, rsp, "argocd-repository-secret")["spec"].(map[string]any)["references"])
	for _, want := range []string{`"fieldPath":"data[token]"`, `"toFieldPath":"data.password"`, `"name":"analytics-dev.git-credential"`} {
		if !strings.Contains(refs, want) {
			t.Errorf("the repository Secret's references lack %s: %s", want, refs)
		}
	}
}

// TestGitHubAppPerRepository: with argocdCredentials Repository the
// repository Secret carries the App's IDs, and its private key is copied by
// provider-kubernetes from the platform's Secret, also for a cluster-scoped
// XR: the key never passes through the function.
func TestGitHubAppPerRepository(t *testing.T) {
	s := newExampleState(t, exampleNamed(t, "github"))
	set(s.Input, "repository.github.argocdCredentials", "Repository")
	set(s.Input, "repository.github.app", map[string]any{
		"id": int64(123456), "installationId": int64(7890123),
		"privateKeySecretRef": map[string]any{"namespace": "argocd", "name": "github-app-acme"},
	})
	_, rsp := convergedState(t, s)
	o := desiredObject(t, rsp, "argocd-repository-secret")
	if o["kind"] != "Object" {
		t.Fatalf("the repository Secret is a %v, want a provider-kubernetes Object that copies the key", o["kind"])
	}
	manifest := o["spec"].(map[string]any)["forProvider"].(map[string]any)["manifest"].(map[string]any)
	for k, want := range map[string]string{"githubAppID": "123456", "githubAppInstallationID": "7890123", "type": "git"} {
		if got := secretValue(t, manifest, k); got != want {
			t.Errorf("data.%s = %q, want %q", k, got, want)
		}
	}
	if _, ok := manifest["data"].(map[string]any)["githubAppPrivateKey"]; ok {
		t.Error("the function wrote a private key into the Secret")
	}
	refs := protojsonString(t, o["spec"].(map[string]any)["references"])
	for _, want := range []string{`"namespace":"argocd"`, `"name":"github-app-acme"`, `"fieldPath":"data[privateKey]"`, `"toFieldPath":"data.githubAppPrivateKey"`} {
		if !strings.Contains(refs, want) {
			t.Errorf("the references lack %s: %s", want, refs)
		}
	}
}

// TestGitHubAppKeyNeverInATeamNamespace: with argocdCredentials Repository
// the Object that copies the organisation's GitHub App key would live in a
// namespaced XR's own namespace, where the team reads it (and its status,
// which holds the copied Secret unless provider-kubernetes sanitizes it):
// refused. A cluster-scoped XR's Object lives in the managed resource
// namespace, which no team may be granted.
func TestGitHubAppKeyNeverInATeamNamespace(t *testing.T) {
	app := map[string]any{
		"id": int64(123456), "installationId": int64(7890123),
		"privateKeySecretRef": map[string]any{"namespace": "argocd", "name": "github-app-acme"},
	}
	ns := newState(t, "xr-namespaced.yaml", "composition-namespaced.yaml")
	onGitHost(t, ns.Input, "platform-settings-github.yaml")
	set(ns.Input, "repository.github.argocdCredentials", "Repository")
	set(ns.Input, "repository.github.app", app)
	refused(t, run(t, requestOf(t, ns)), "input.repository.github.argocdCredentials: Forbidden: Repository copies the organisation's GitHub App private key through an object in the XR's namespace")

	cs := newExampleState(t, exampleNamed(t, "github"))
	set(cs.Input, "repository.github.argocdCredentials", "Repository")
	set(cs.Input, "repository.github.app", app)
	_, rsp := convergedState(t, cs)
	o := desiredObject(t, rsp, "argocd-repository-secret")
	if got, want := o["metadata"].(map[string]any)["namespace"], cs.Input["managedResourceNamespace"]; got != want {
		t.Errorf("the Object that copies the key is in namespace %v, want the managed resource namespace %v", got, want)
	}
}

// TestGitHubOrganizationCredentials: by default the function writes no
// credential for GitHub; the Secret only scopes the repository to the
// team's project, and Argo CD takes the App from the platform's repo-creds
// Secret by URL prefix.
func TestGitHubOrganizationCredentials(t *testing.T) {
	_, rsp := convergedState(t, newExampleState(t, exampleNamed(t, "github")))
	secret := desiredObject(t, rsp, "argocd-repository-secret")
	var keys []string
	for k := range secret["data"].(map[string]any) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if diff := cmp.Diff([]string{"project", "type", "url"}, keys); diff != "" {
		t.Errorf("repository Secret keys (-want +got):\n%s", diff)
	}
}

// TestGitCredentialNeverLeaks runs each host's convergence with debug
// logging and checks its Git credential appears only in the repository
// Secret: never in logs, results, conditions or the XR's status.
func TestGitCredentialNeverLeaks(t *testing.T) {
	for name, cred := range map[string][2]string{
		"default": {"codecommit-credential", "attribute.service_password"},
		"gitlab":  {"gitlab-deploy-token", "token"},
	} {
		t.Run(name, func(t *testing.T) {
			var logs strings.Builder
			log := logging.NewLogrLogger(funcr.New(func(prefix, args string) { logs.WriteString(prefix + args + "\n") }, funcr.Options{Verbosity: 1}))
			f := New(WithLogger(log), WithClock(func() time.Time { return testNow }))
			s := newExampleState(t, exampleNamed(t, name))
			var rsps []*fnv1.RunFunctionResponse
			var secret string
			for range maxRounds {
				rsp, err := f.RunFunction(context.Background(), requestOf(t, s))
				if err != nil {
					t.Fatal(err)
				}
				rsps = append(rsps, rsp)
				if c, ok := s.Observed[cred[0]]; ok {
					secret = string(c.ConnectionDetails[cred[1]])
				}
				if converged(rsp) {
					break
				}
				s = next(t, s, rsp, allReady)
			}
			if secret == "" {
				t.Fatal("the credential was never observed")
			}
			encoded := base64.StdEncoding.EncodeToString([]byte(secret))
			if logs.Len() == 0 {
				t.Fatal("debug logging wrote nothing; the check would prove nothing")
			}
			if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), encoded) {
				t.Error("the credential appears in the logs")
			}
			// Every response, not only the last: the credential must not pass
			// through results, conditions, the XR, the context or any object
			// but the repository Secret in any round.
			for i, rsp := range rsps {
				parts := map[string]any{"results": rsp.GetResults(), "conditions": rsp.GetConditions(), "the XR": rsp.GetDesired().GetComposite(), "the context": rsp.GetContext()}
				for n, r := range rsp.GetDesired().GetResources() {
					if n != "argocd-repository-secret" {
						parts[n] = r
					}
				}
				for what, part := range parts {
					b, _ := json.Marshal(part)
					if strings.Contains(string(b), secret) || strings.Contains(string(b), encoded) {
						t.Errorf("round %d: the credential appears in %s", i, what)
					}
				}
			}
			last := rsps[len(rsps)-1]
			if !converged(last) {
				t.Fatalf("not converged in %d rounds", maxRounds)
			}
			if got := secretValue(t, desiredObject(t, last, "argocd-repository-secret"), "password"); got != secret {
				t.Error("the repository Secret does not hold the observed credential")
			}
		})
	}
}

// TestGitHostStaysWhereTheRepositoryIs: a platform that moves to another
// Git host keeps each running cluster's repository where it is: the
// response is the one before the move, object for object. New clusters go
// to the new host, and a cluster whose host's settings were removed is
// refused, with nothing declared.
func TestGitHostStaysWhereTheRepositoryIs(t *testing.T) {
	t.Parallel()
	for _, to := range []string{"github", "gitlab"} {
		t.Run("default-to-"+to, func(t *testing.T) {
			before, base := convergedState(t, exampleState(t))
			s := next(t, before, base, allReady)
			want := run(t, requestOf(t, s))

			moved := newExampleState(t, exampleNamed(t, to)).Input
			// The platform keeps CodeCommit's settings next to the new host's.
			repo := moved["repository"].(map[string]any)
			for k, v := range s.Input["repository"].(map[string]any) {
				if _, ok := repo[k]; !ok {
					repo[k] = v
				}
			}
			s.Input["repository"], s.Input["tenancy"] = repo, moved["tenancy"]
			got := run(t, requestOf(t, s))
			if diff := cmp.Diff(want.GetDesired(), got.GetDesired(), protocmp.Transform()); diff != "" {
				t.Errorf("moving the platform to %s changed the running cluster's objects (-before +after):\n%s", to, diff)
			}

			fresh := exampleState(t)
			fresh.Input = s.Input
			if _, ok := lastDesired(t, fresh)[string(compose.NameRepository)]; ok {
				t.Errorf("a new XR got a CodeCommit repository after the platform moved to %s", to)
			}

			delete(repo, "accountId")
			delete(repo, "region")
			msg := fatal(run(t, requestOf(t, s)))
			if !strings.Contains(msg, "input.repository.accountId") {
				t.Errorf("with CodeCommit's settings removed: fatal result %q, want input.repository.accountId named", msg)
			}
		})
	}
}

// TestTeamGrantPicksGitHost: a team's grant puts its new clusters'
// repositories on another host than repository.host; other teams' stay.
func TestTeamGrantPicksGitHost(t *testing.T) {
	gh := newExampleState(t, exampleNamed(t, "github")).Input
	s := exampleState(t)
	repo := s.Input["repository"].(map[string]any)
	repo["github"] = gh["repository"].(map[string]any)["github"]
	s.Input["tenancy"] = gh["tenancy"]
	for _, g := range s.Input["tenancy"].(map[string]any)["teams"].([]any) {
		if g.(map[string]any)["name"] == "payments" {
			g.(map[string]any)["repositoryHost"] = "GitHub"
		}
	}
	desired := lastDesired(t, s)
	if _, ok := desired[string(compose.NameGitHubRepository)]; !ok {
		t.Error("team payments's grant names GitHub, and its new cluster got no GitHub repository")
	}
	if _, ok := desired[string(compose.NameRepository)]; ok {
		t.Error("team payments's new cluster got a CodeCommit repository next to its GitHub one")
	}
	set(s.XR, "spec.team.name", "search")
	set(s.XR, "spec.aws.accountId", "777788889999")
	// As Argo CD writes it when it syncs teams/search/.
	ann := s.XR["metadata"].(map[string]any)["annotations"].(map[string]any)
	ann[v1beta1.DefaultBindingAnnotation] = strings.Replace(ann[v1beta1.DefaultBindingAnnotation].(string), "clusters-payments:", "clusters-search:", 1)
	if _, ok := lastDesired(t, s)[string(compose.NameRepository)]; !ok {
		t.Error("team search's grant names no host, and its new cluster is not on repository.host (CodeCommit)")
	}
}

// TestTeamCannotPickGitHost: the host is the platform's choice; an XR that
// tries to name one is refused, not obeyed.
func TestTeamCannotPickGitHost(t *testing.T) {
	s := exampleState(t)
	set(s.XR, "spec.repository.host", "GitHub")
	if msg := fatal(run(t, requestOf(t, s))); !strings.Contains(msg, "repository") {
		t.Fatalf("fatal result %q, want the unknown field spec.repository refused", msg)
	}
}

// lastDesired is what a new XR declares once converged.
func lastDesired(t *testing.T, s state) map[string]*fnv1.Resource {
	t.Helper()
	_, rsp := convergedState(t, s)
	return rsp.GetDesired().GetResources()
}
