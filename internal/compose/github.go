package compose

import (
	"slices"
	"strconv"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
)

// GitHubURL is where GitHub's repositories are cloned from.
const GitHubURL = "https://github.com"

// Group versions of provider-upjet-github's namespaced kinds.
const (
	apiGitHubRepo = "repo.github.m.upbound.io/v1alpha1"
	apiGitHubTeam = "team.github.m.upbound.io/v1alpha1"
)

// Composition resource names on GitHub.
const (
	NameGitHubRepository       = resource.Name("github-repository")
	NameGitHubDefaultBranch    = resource.Name("github-default-branch")
	NameGitHubBranchProtection = resource.Name("github-branch-protection")
	NameGitHubTeam             = resource.Name("github-team")
	NameGitHubTeamRepository   = resource.Name("github-team-repository")
	// Each member's TeamMembership is "github-member-<key>".
	prefixGitHubMember = "github-member-"
)

const (
	componentGitHubRepository = "github-repository"
	componentGitHubTeam       = "github-team"
)

// GitHub team roles and repository permissions.
const (
	gitHubRoleMember     = "member"
	gitHubRoleMaintainer = "maintainer"
	// The team pushes to its repository; the protected branch still needs
	// a reviewed pull request.
	gitHubPermissionPush = "push"
)

// gitHub is a private repository in the platform's organisation with its
// default branch and that branch protected, a team holding the members
// with push access to it, and, when the platform asks for it, the GitHub
// App in the repository's own Argo CD Secret.
func (p Params) gitHub() gitRepository {
	gh := p.Input.Repository.GitHub
	pc := gh.ProviderConfigRef
	revision := p.Input.ArgoCD.Bootstrap.Revision
	// The repository's external name is its name: an existing repository
	// of that name would be adopted, which the cluster name's hash of the
	// XR's identity rules out.
	repo := p.withDeletionPolicy(Object{Name: NameGitHubRepository, Body: p.managedWith(apiGitHubRepo, kindGitHubRepository, "github-repository", component(componentGitHubRepository), pc, map[string]any{
		"name":        p.RepositoryName(),
		"description": "GitOps repository of team " + p.Spec.Team.Name + " for cluster " + p.ClusterName(),
		"visibility":  "private",
		// A first commit, so the default branch exists to be protected.
		"autoInit":            true,
		"hasWiki":             false,
		"deleteBranchOnMerge": true,
		"vulnerabilityAlerts": true,
	})})
	// DefaultBranch names its repository by its external name.
	defaultBranch := Object{Name: NameGitHubDefaultBranch, Body: withExternalName(p.managedWith(apiGitHubRepo, "DefaultBranch", "github-default-branch", nil, pc, map[string]any{
		"branch": revision,
		// Renaming would move a live branch under Argo CD's feet when the
		// Composition's revision changes; a missing branch is reported.
		"rename": false,
	}), p.RepositoryName()), Requires: []resource.Name{NameGitHubRepository}}
	protection := Object{Name: NameGitHubBranchProtection, Body: p.managedWith(apiGitHubRepo, "BranchProtection", "github-branch-protection", nil, pc, map[string]any{
		"pattern":              revision,
		"repositoryIdSelector": selector(component(componentGitHubRepository)),
		"enforceAdmins":        true,
		"allowsDeletions":      false,
		"allowsForcePushes":    false,
		"requiredPullRequestReviews": []any{map[string]any{
			"requiredApprovingReviewCount": int64(1),
			"dismissStaleReviews":          true,
		}},
	}), Requires: []resource.Name{NameGitHubRepository}}
	team := Object{Name: NameGitHubTeam, Body: p.managedWith(apiGitHubTeam, "Team", "github-team", component(componentGitHubTeam), pc, map[string]any{
		"name":        p.ProjectName(),
		"description": "Team " + p.Spec.Team.Name + " on cluster " + p.ClusterName(),
		"privacy":     "closed",
		// The provider's own user would otherwise become a maintainer.
		"createDefaultMaintainer": false,
	})}
	// TeamRepository names the repository by name: the provider has no
	// reference from it to a Repository.
	access := Object{Name: NameGitHubTeamRepository, Body: p.managedWith(apiGitHubTeam, "TeamRepository", "github-team-repository", nil, pc, map[string]any{
		"teamIdSelector": selector(component(componentGitHubTeam)),
		"repository":     p.RepositoryName(),
		"permission":     gitHubPermissionPush,
	}), Requires: []resource.Name{NameGitHubTeam, NameGitHubRepository}}

	objs := append([]Object{repo, defaultBranch, protection, team, access},
		p.memberships(prefixGitHubMember, apiGitHubTeam, "TeamMembership", pc, NameGitHubTeam, func(m gitMember) map[string]any {
			role := gitHubRoleMember
			if m.admin {
				role = gitHubRoleMaintainer
			}
			return map[string]any{"teamIdSelector": selector(component(componentGitHubTeam)), "username": m.login, "role": role}
		})...)

	secret := repoSecretSpec{requires: []resource.Name{NameGitHubRepository}}
	if gh.ArgoCDCredentials == v1beta1.GitHubCredentialsRepository {
		app := gh.App
		secret.data = map[string]string{
			"githubAppID":             strconv.FormatInt(app.ID, 10),
			"githubAppInstallationID": strconv.FormatInt(app.InstallationID, 10),
		}
		ref := app.PrivateKeySecretRef
		secret.copied = &copiedKey{namespace: ref.Namespace, name: ref.Name, key: ref.Key, to: "githubAppPrivateKey"}
		secret.wrapped = true
	}
	return gitRepository{objects: objs, secret: secret}
}

// memberships declares one object per person on the Git host, named
// <prefix><key of their user name>, with the forProvider fields gives,
// each waiting for the group it joins.
func (p Params) memberships(prefix, apiVersion, kind string, pc *v1beta1.ProviderConfigRef, group resource.Name, fields func(gitMember) map[string]any) []Object {
	members := p.gitMembers()
	objs := make([]Object, len(members))
	for i, m := range members {
		name := resource.Name(prefix + memberKey(m.login))
		objs[i] = Object{Name: name, Body: p.managedWith(apiVersion, kind, string(name), nil, pc, fields(m)), Requires: []resource.Name{group}}
	}
	return objs
}

// gitMember is a member's user name on the Git host.
type gitMember struct {
	login string
	admin bool
}

// gitMembers are the team's members and admins by their Git host user
// names, each once, sorted; someone in both lists is an admin.
func (p Params) gitMembers() []gitMember {
	t := p.Spec.Team
	admin := map[string]bool{}
	for _, m := range t.Members {
		if l, ok := t.GitUsernames[m]; ok && !admin[l] {
			admin[l] = false
		}
	}
	for _, m := range t.Admins {
		if l, ok := t.GitUsernames[m]; ok {
			admin[l] = true
		}
	}
	out := make([]gitMember, 0, len(admin))
	for l, a := range admin {
		out = append(out, gitMember{login: l, admin: a})
	}
	slices.SortFunc(out, func(a, b gitMember) int { return strings.Compare(a.login, b.login) })
	return out
}
