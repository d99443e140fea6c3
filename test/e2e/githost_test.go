package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// gitHostKinds are the kinds the function composes on GitHub and GitLab,
// played by the simulated providers like the AWS kinds.
var gitHostKinds = []schema.GroupVersionResource{
	{Group: "repo.github.m.upbound.io", Version: "v1alpha1", Resource: "repositories"},
	{Group: "repo.github.m.upbound.io", Version: "v1alpha1", Resource: "defaultbranches"},
	{Group: "repo.github.m.upbound.io", Version: "v1alpha1", Resource: "branchprotections"},
	{Group: "team.github.m.upbound.io", Version: "v1alpha1", Resource: "teams"},
	{Group: "team.github.m.upbound.io", Version: "v1alpha1", Resource: "teammemberships"},
	{Group: "team.github.m.upbound.io", Version: "v1alpha1", Resource: "teamrepositories"},
	{Group: "projects.gitlab.m.crossplane.io", Version: "v1alpha1", Resource: "projects"},
	{Group: "projects.gitlab.m.crossplane.io", Version: "v1alpha1", Resource: "protectedbranches"},
	{Group: "projects.gitlab.m.crossplane.io", Version: "v1alpha1", Resource: "members"},
	{Group: "projects.gitlab.m.crossplane.io", Version: "v1alpha1", Resource: "deploytokens"},
}

// gitHubKinds are the kinds of gitHostKinds on GitHub.
var gitHubKinds = map[string]string{
	"repositories": "Repository", "defaultbranches": "DefaultBranch", "branchprotections": "BranchProtection",
	"teams": "Team", "teammemberships": "TeamMembership", "teamrepositories": "TeamRepository",
}

const (
	gitLabModulePath = "github.com/crossplane-contrib/provider-gitlab"
	gitLabModule     = gitLabModulePath + "@v0.21.0"
)

// installGitHostCRDs installs the Git hosts' kinds: provider-gitlab's own
// CRD files from its module, and provider-upjet-github's from
// PROVIDER_UPJET_GITHUB_CRDS when set. The Go module proxy does not serve
// provider-upjet-github, so without it the GitHub kinds get CRDs of the
// right group, version, kind and scope whose spec and status take any
// field; the conformance suite holds the objects to the GitHub schemas.
func (cp *controlPlane) installGitHostCRDs(ctx context.Context) error {
	gitlab, err := moduleDir(filepath.Join(root, "test", "conformance", "gitlab"), gitLabModule, "GONOSUMDB="+gitLabModulePath)
	if err != nil {
		return err
	}
	crdGVK := schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}
	github := os.Getenv("PROVIDER_UPJET_GITHUB_CRDS")
	for _, gvr := range gitHostKinds {
		name := gvr.Resource + "." + gvr.Group
		switch kind, onGitHub := gitHubKinds[gvr.Resource]; {
		case !onGitHub:
			err = cp.applyFile(ctx, filepath.Join(gitlab, "package", "crds", gvr.Group+"_"+gvr.Resource+".yaml"))
		case github != "":
			err = cp.applyFile(ctx, filepath.Join(github, gvr.Group+"_"+gvr.Resource+".yaml"))
		default:
			err = cp.apply(ctx, openCRD(gvr, kind))
		}
		if err != nil {
			return err
		}
		if err := cp.waitCondition(ctx, crdGVK, name, "Established", "True", time.Minute); err != nil {
			return err
		}
	}
	// No provider package installs these kinds, so no RBAC manager role
	// covers them: grant them as it would.
	byGroup := map[string][]string{}
	for _, gvr := range gitHostKinds {
		byGroup[gvr.Group] = append(byGroup[gvr.Group], gvr.Resource)
	}
	return cp.grantRawProviderKinds(ctx, "e2e-git-hosts", byGroup)
}

// openCRD is a namespaced CRD of the kind whose spec and status take any
// field.
func openCRD(gvr schema.GroupVersionResource, kind string) *unstructured.Unstructured {
	open := map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": gvr.Resource + "." + gvr.Group},
		"spec": map[string]any{
			"group": gvr.Group,
			"scope": "Namespaced",
			"names": map[string]any{"kind": kind, "listKind": kind + "List", "plural": gvr.Resource, "singular": strings.ToLower(kind)},
			"versions": []any{map[string]any{
				"name": gvr.Version, "served": true, "storage": true,
				"subresources": map[string]any{"status": map[string]any{}},
				"schema": map[string]any{"openAPIV3Schema": map[string]any{
					"type":       "object",
					"properties": map[string]any{"spec": open, "status": open},
				}},
			}},
		},
	}}
}

// The Git host teams: one Composition and one settings object serve every
// host, and a team's grant (repositoryHost) puts its new clusters'
// repositories on GitHub or GitLab next to the others' on CodeCommit.
const (
	gitHubTeam, gitHubAccount = "ledger", "600000000002"
	gitLabTeam, gitLabAccount = "insights", "600000000003"
	gitLabTeamNamespace       = "team-insights"
)

// grantGitHostTeams adds to the settings' data the GitHub and GitLab
// settings of the example files and grants the two Git host teams, with
// their people on the host (the example XRs' user names).
func grantGitHostTeams(data map[string]any) error {
	repo := data["repository"].(map[string]any)
	for file, host := range map[string]string{"platform-settings-github.yaml": "github", "platform-settings-gitlab.yaml": "gitlab"} {
		b, err := os.ReadFile(filepath.Join(root, "example", file))
		if err != nil {
			return err
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		repo[host] = m["data"].(map[string]any)["repository"].(map[string]any)[host]
	}
	tenancy := data["tenancy"].(map[string]any)
	tenancy["teams"] = append(tenancy["teams"].([]any),
		map[string]any{"name": gitHubTeam, "accountIds": []any{gitHubAccount}, "repositoryHost": "GitHub", "gitUsers": []any{"alice-dev", "bsmith", "carol-example"}},
		map[string]any{"name": gitLabTeam, "accountIds": []any{gitLabAccount}, "namespaces": []any{gitLabTeamNamespace}, "repositoryHost": "GitLab", "gitUsers": []any{"ivan-k", "julia-m"}},
	)
	return nil
}

// gitHosts converges one XR per Git host, on the one Composition the XRDs
// enforce, each team's host chosen by its grant: ledger-gh (cluster-scoped)
// on GitHub with the organisation's repo-creds, insights-gl (namespaced)
// on GitLab with a deploy token that provider-kubernetes copies into Argo
// CD's repository Secret. Then the platform moves team ledger to
// CodeCommit: its new cluster's repository is made there, and ledger-gh's
// stays on GitHub, no object replaced.
func (e *env) gitHosts(ctx context.Context, t *testing.T) {
	t.Helper()
	gh := exampleXR(t, "xr.yaml")
	gh.SetName("ledger-gh")
	gl := exampleXR(t, "xr-namespaced.yaml")
	gl.SetName("insights-gl")
	gl.SetNamespace(gitLabTeamNamespace)
	for _, c := range []struct {
		xr            *unstructured.Unstructured
		team, account string
	}{{gh, gitHubTeam, gitHubAccount}, {gl, gitLabTeam, gitLabAccount}} {
		if err := unstructured.SetNestedField(c.xr.Object, c.team, "spec", "team", "name"); err != nil {
			t.Fatal(err)
		}
		if err := unstructured.SetNestedField(c.xr.Object, c.account, "spec", "aws", "accountId"); err != nil {
			t.Fatal(err)
		}
		// A team's manifest naming another Composition changes nothing:
		// the XRD enforces the package's.
		if err := unstructured.SetNestedField(c.xr.Object, "not-the-platforms", "spec", "crossplane", "compositionRef", "name"); err != nil {
			t.Fatal(err)
		}
		if err := e.cp.apply(ctx, syncedFromTeamFolder(c.xr)); err != nil {
			t.Fatal(err)
		}
	}
	defer e.report(ctx, t, teamClusterGVK, "", "ledger-gh")
	defer e.report(ctx, t, nsTeamClusterGVK, gitLabTeamNamespace, "insights-gl")

	for _, c := range []struct {
		gvk       schema.GroupVersionKind
		ns, name  string
		repo, url string
		members   map[string]string
	}{
		{teamClusterGVK, "", "ledger-gh", "github-repository",
			"https://github.com/acme-platform/" + namesOf("", "ledger-gh").cluster + "-gitops",
			map[string]string{"github-member-": "username"}},
		{nsTeamClusterGVK, gitLabTeamNamespace, "insights-gl", "gitlab-project",
			"https://gitlab.com/acme/platform-teams/" + namesOf(gitLabTeamNamespace, "insights-gl").cluster + "-gitops.git",
			map[string]string{"gitlab-member-": "userName"}},
	} {
		if _, err := e.waitReady(ctx, c.gvk, c.ns, c.name); err != nil {
			t.Fatal(err)
		}
		xr, err := e.xr(ctx, c.gvk, c.ns, c.name)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := e.composed(ctx, xr)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := objs[c.repo]; !ok {
			t.Errorf("%s composed no %s", c.name, c.repo)
		}
		var logins []string
		for n, o := range objs {
			if strings.HasPrefix(n, "codecommit-") {
				t.Errorf("%s composed %s next to its %s", c.name, n, c.repo)
			}
			for prefix, field := range c.members {
				if strings.HasPrefix(n, prefix) {
					l, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", field)
					logins = append(logins, l)
				}
			}
			group := o.GroupVersionKind().Group
			onHost := strings.HasSuffix(group, ".github.m.upbound.io") || strings.HasSuffix(group, ".gitlab.m.crossplane.io")
			if onHost && conditionStatus(o, "Ready") != "True" {
				t.Errorf("%s's %s is not Ready", c.name, n)
			}
		}
		// Exactly the members' user names on the host, login for login.
		names, _, _ := unstructured.NestedStringMap(xr.Object, "spec", "team", "gitUsernames")
		want := slices.Sorted(maps.Values(names))
		slices.Sort(logins)
		if len(want) == 0 || !slices.Equal(logins, want) {
			t.Errorf("%s has members %v on its host, want %v (the user names of %v)", c.name, logins, want, names)
		}
		n := namesOf(c.ns, c.name)
		secret, err := e.get(ctx, secretGVK, "argocd", n.project+"-repo")
		if err != nil {
			t.Fatalf("no repository Secret for %s: %v", c.name, err)
		}
		if got := secretString(secret, "url"); got != c.url {
			t.Errorf("%s's repository Secret url %q, want %q", c.name, got, c.url)
		}
		project, err := e.get(ctx, appProjectGVK, "argocd", n.project)
		if err != nil {
			t.Fatal(err)
		}
		if repos, _, _ := unstructured.NestedStringSlice(project.Object, "spec", "sourceRepos"); len(repos) != 1 || repos[0] != c.url {
			t.Errorf("%s's AppProject allows %v, want only %s", c.name, repos, c.url)
		}
		app, err := e.get(ctx, applicationGVK, "argocd", n.project+"-bootstrap")
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := unstructured.NestedString(app.Object, "spec", "source", "repoURL"); got != c.url {
			t.Errorf("%s's Application reads %q, want %s", c.name, got, c.url)
		}
		if c.repo == "github-repository" {
			// Argo CD takes the platform's GitHub App from its repo-creds
			// Secret; this one only scopes the repository to the project.
			if secretString(secret, "password") != "" || secretString(secret, "githubAppPrivateKey") != "" {
				t.Errorf("the GitHub repository Secret carries a credential")
			}
			continue
		}
		token, err := e.cp.kube.CoreV1().Secrets(c.ns).Get(ctx, c.name+".git-credential", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("no deploy token connection Secret: %v", err)
		}
		if got := secretString(secret, "password"); got == "" || got != string(token.Data["token"]) {
			t.Error("the repository Secret does not hold the deploy token")
		}
		if got := secretString(secret, "username"); got != n.cluster+"-argocd-git" {
			t.Errorf("the repository Secret's username is %q, want the deploy token's %q", got, n.cluster+"-argocd-git")
		}
	}

	for _, x := range []struct {
		ref         xrRef
		composition string
	}{
		{xrRef{teamClusterGVK, "", "ledger-gh"}, "teamclusters.platform.eks-gitops.dev"},
		{xrRef{nsTeamClusterGVK, gitLabTeamNamespace, "insights-gl"}, "namespacedteamclusters.platform.eks-gitops.dev"},
	} {
		xr, err := e.xr(ctx, x.ref.gvk, x.ref.ns, x.ref.name)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := unstructured.NestedString(xr.Object, "spec", "crossplane", "compositionRef", "name"); got != x.composition {
			t.Errorf("%s runs Composition %q, want the package's %q, which its XRD enforces", x.ref.name, got, x.composition)
		}
	}

	// The platform moves team ledger to CodeCommit. Its new cluster's
	// repository is made there; ledger-gh's stays on GitHub, untouched.
	before := e.snapshot(ctx, t, teamClusterGVK, "ledger-gh")
	if err := e.cp.editSettings(ctx, func(data map[string]any) {
		for _, g := range data["tenancy"].(map[string]any)["teams"].([]any) {
			if g := g.(map[string]any); g["name"] == gitHubTeam {
				delete(g, "repositoryHost")
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	cc := exampleXR(t, "xr.yaml")
	cc.SetName("ledger-cc")
	_ = unstructured.SetNestedField(cc.Object, gitHubTeam, "spec", "team", "name")
	_ = unstructured.SetNestedField(cc.Object, gitHubAccount, "spec", "aws", "accountId")
	if err := e.cp.apply(ctx, syncedFromTeamFolder(cc)); err != nil {
		t.Fatal(err)
	}
	defer e.report(ctx, t, teamClusterGVK, "", "ledger-cc")
	if _, err := e.waitReady(ctx, teamClusterGVK, "", "ledger-cc"); err != nil {
		t.Fatal(err)
	}
	xr, err := e.xr(ctx, teamClusterGVK, "", "ledger-cc")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := e.composed(ctx, xr)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := objs["codecommit-repository"]; !ok {
		t.Errorf("ledger-cc, made after the move, has no CodeCommit repository (composed: %v)", slices.Sorted(maps.Keys(objs)))
	}
	if _, ok := objs["github-repository"]; ok {
		t.Error("ledger-cc, made after the move, has a GitHub repository")
	}
	// What is compared must be composed with the moved settings: a tag
	// edit makes Crossplane compose ledger-gh at once, and its Synced
	// condition names the generation it composed.
	r, err := e.cp.resource(teamClusterGVK, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := mergePatch(ctx, r, "ledger-gh", map[string]any{"spec": map[string]any{"tags": map[string]any{"moved": "codecommit"}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.cp.waitComposed(ctx, teamClusterGVK, "ledger-gh", time.Minute); err != nil {
		t.Fatal(err)
	}
	after := e.snapshot(ctx, t, teamClusterGVK, "ledger-gh")
	if _, ok := after["github-repository"]; !ok {
		t.Error("ledger-gh lost its GitHub repository when its team moved to CodeCommit")
	}
	for n, b := range before {
		if a, ok := after[n]; !ok || a.uid != b.uid {
			t.Errorf("%s was replaced or removed when team ledger moved to CodeCommit", n)
		}
	}
	for n := range after {
		if _, ok := before[n]; !ok {
			t.Errorf("ledger-gh composed %s after its team moved to CodeCommit", n)
		}
	}
}

// waitComposed waits until a cluster-scoped XR is Synced for its current
// generation: Crossplane composed its latest spec.
func (cp *controlPlane) waitComposed(ctx context.Context, gvk schema.GroupVersionKind, name string, timeout time.Duration) error {
	r, err := cp.resource(gvk, "")
	if err != nil {
		return err
	}
	return poll(ctx, timeout, 300*time.Millisecond, gvk.Kind+" "+name+" Synced for its generation", func() (bool, error) {
		o, err := r.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]any)
			if m["type"] == "Synced" {
				g, _ := m["observedGeneration"].(int64)
				return m["status"] == "True" && g == o.GetGeneration(), nil
			}
		}
		return false, nil
	})
}

// editSettings edits the platform settings the Compositions read, as the
// platform team would.
func (cp *controlPlane) editSettings(ctx context.Context, edit func(data map[string]any)) error {
	r, err := cp.resource(environmentConfigGVK, "")
	if err != nil {
		return err
	}
	o, err := r.Get(ctx, "eks-gitops-platform", metav1.GetOptions{})
	if err != nil {
		return err
	}
	edit(o.Object["data"].(map[string]any))
	_, err = r.Update(ctx, o, metav1.UpdateOptions{})
	return err
}
