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

// applyHostPlatform applies a platform settings file for another Git host
// under its own name, with the suite's teams granted, and a copy of the
// Configuration's Composition that reads it: how a platform serves XRs on
// two hosts (existing clusters keep theirs).
func (cp *controlPlane) applyHostPlatform(ctx context.Context, host, settingsFile string) error {
	settings := "eks-gitops-platform-" + host
	if err := cp.applySettingsFrom(ctx, settingsFile, settings, nil); err != nil {
		return err
	}
	for _, file := range []string{"composition.yaml", "composition-namespaced.yaml"} {
		b, err := os.ReadFile(filepath.Join(root, "package", "configuration", file))
		if err != nil {
			return err
		}
		c := map[string]any{}
		if err := yaml.Unmarshal(b, &c); err != nil {
			return err
		}
		o := &unstructured.Unstructured{Object: c}
		o.SetName(hostComposition(o.GetName(), host))
		step := c["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)
		step["input"].(map[string]any)["platformSettings"] = map[string]any{"environmentConfigName": settings}
		// The step fetches the settings up front: name them there too.
		for _, r := range step["requirements"].(map[string]any)["requiredResources"].([]any) {
			r.(map[string]any)["name"] = settings
		}
		if err := cp.apply(ctx, o); err != nil {
			return fmt.Errorf("%s for %s: %w", file, host, err)
		}
	}
	return nil
}

func hostComposition(name, host string) string { return host + "." + name }

// gitHosts converges one XR per Git host, each served by a Composition that
// reads that host's platform settings: payments-gh (cluster-scoped) on
// GitHub with the organisation's repo-creds, analytics-gl (namespaced) on
// GitLab with a deploy token that provider-kubernetes copies into Argo CD's
// repository Secret. Then it moves payments-gh to the CodeCommit
// Composition and checks the function refuses to move a live repository.
func (e *env) gitHosts(ctx context.Context, t *testing.T) {
	t.Helper()
	for host, file := range map[string]string{"github": "platform-settings-github.yaml", "gitlab": "platform-settings-gitlab.yaml"} {
		if err := e.cp.applyHostPlatform(ctx, host, file); err != nil {
			t.Fatal(err)
		}
	}
	gh := exampleXR(t, "xr.yaml")
	gh.SetName("payments-gh")
	gl := exampleXR(t, "xr-namespaced.yaml")
	gl.SetName("analytics-gl")
	for _, c := range []struct {
		xr          *unstructured.Unstructured
		composition string
	}{{gh, hostComposition("teamclusters.platform.eks-gitops.dev", "github")}, {gl, hostComposition("namespacedteamclusters.platform.eks-gitops.dev", "gitlab")}} {
		if err := unstructured.SetNestedField(c.xr.Object, c.composition, "spec", "crossplane", "compositionRef", "name"); err != nil {
			t.Fatal(err)
		}
		if err := e.cp.apply(ctx, c.xr); err != nil {
			t.Fatal(err)
		}
	}
	defer e.report(ctx, t, teamClusterGVK, "", "payments-gh")
	defer e.report(ctx, t, nsTeamClusterGVK, "team-analytics", "analytics-gl")

	for _, c := range []struct {
		gvk       schema.GroupVersionKind
		ns, name  string
		repo, url string
		members   map[string]string
	}{
		{teamClusterGVK, "", "payments-gh", "github-repository",
			"https://github.com/acme-platform/" + namesOf("", "payments-gh").cluster + "-gitops",
			map[string]string{"github-member-": "username"}},
		{nsTeamClusterGVK, "team-analytics", "analytics-gl", "gitlab-project",
			"https://gitlab.com/acme/platform-teams/" + namesOf("team-analytics", "analytics-gl").cluster + "-gitops.git",
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

	// Moving payments-gh to the CodeCommit Composition would take its
	// repository away from the team: refused, nothing changes.
	before := e.snapshot(ctx, t, teamClusterGVK, "payments-gh")
	r, _ := e.cp.resource(teamClusterGVK, "")
	move := func(composition string) {
		t.Helper()
		if err := mergePatch(ctx, r, "payments-gh", map[string]any{"spec": map[string]any{"crossplane": map[string]any{"compositionRef": map[string]any{"name": composition}}}}); err != nil {
			t.Fatal(err)
		}
	}
	move("teamclusters.platform.eks-gitops.dev")
	var msg string
	if err := poll(ctx, time.Minute, 300*time.Millisecond, "payments-gh to refuse the move to CodeCommit", func() (bool, error) {
		xr, err := e.xr(ctx, teamClusterGVK, "", "payments-gh")
		if err != nil {
			return false, err
		}
		msg = conditionMessage(xr, "Synced")
		return conditionStatus(xr, "Synced") == "False" && strings.Contains(msg, "input.repository.host"), nil
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("payments-gh says: %s", msg)
	time.Sleep(3 * time.Second)
	after := e.snapshot(ctx, t, teamClusterGVK, "payments-gh")
	for n, b := range before {
		if a, ok := after[n]; !ok || a.uid != b.uid {
			t.Errorf("%s was replaced or removed after the refused move", n)
		}
	}
	move(hostComposition("teamclusters.platform.eks-gitops.dev", "github"))
	if err := e.cp.waitCondition(ctx, teamClusterGVK, "payments-gh", "Synced", "True", time.Minute); err != nil {
		t.Fatal(err)
	}
}
