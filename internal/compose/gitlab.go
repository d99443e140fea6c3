package compose

import (
	"github.com/crossplane/function-sdk-go/resource"
)

// Group version of provider-gitlab's namespaced project kinds.
const apiGitLabProjects = "projects.gitlab.m.crossplane.io/v1alpha1"

// Composition resource names on GitLab.
const (
	NameGitLabProject         = resource.Name("gitlab-project")
	NameGitLabProtectedBranch = resource.Name("gitlab-protected-branch")
	NameGitLabDeployToken     = resource.Name("gitlab-deploy-token")
	// Each member's project membership is "gitlab-member-<key>".
	prefixGitLabMember = "gitlab-member-"
)

const componentGitLabProject = "gitlab-project"

// KeyGitLabToken is where provider-gitlab publishes a deploy token among
// its connection details.
const KeyGitLabToken = "token"

// GitLab access levels.
const (
	gitLabDeveloper  = int64(30)
	gitLabMaintainer = int64(40)
)

// gitLab is a private project in the platform's group with its default
// branch protected, the members (developers; admins as maintainers), and a
// read-only deploy token Argo CD pulls with.
func (p Params) gitLab(f Facts) gitRepository {
	gl := p.Input.Repository.GitLab
	pc := gl.ProviderConfigRef
	revision := p.Input.ArgoCD.Bootstrap.Revision
	// provider-gitlab names a project by its numeric ID, which it records
	// as the external name once it created the project.
	project := p.withDeletionPolicy(Object{Name: NameGitLabProject, Body: p.managedWith(apiGitLabProjects, kindGitLabProject, "gitlab-project", component(componentGitLabProject), pc, map[string]any{
		"name":        p.RepositoryName(),
		"path":        p.RepositoryName(),
		"namespaceId": gl.GroupID,
		"description": "GitOps repository of team " + p.Spec.Team.Name + " for cluster " + p.ClusterName(),
		"visibility":  "private",
		// A first commit, so the default branch exists to be protected.
		"initializeWithReadme": true,
		"defaultBranch":        revision,
	})})
	protection := Object{Name: NameGitLabProtectedBranch, Body: p.managedWith(apiGitLabProjects, "ProtectedBranch", "gitlab-protected-branch", nil, pc, map[string]any{
		"branchName":        revision,
		"projectIdSelector": selector(component(componentGitLabProject)),
		"pushAccessLevels":  []any{map[string]any{"accessLevel": gitLabMaintainer}},
		"mergeAccessLevels": []any{map[string]any{"accessLevel": gitLabDeveloper}},
		"allowForcePush":    false,
	}), Requires: []resource.Name{NameGitLabProject}}
	objs := append([]Object{project, protection},
		p.memberships(prefixGitLabMember, apiGitLabProjects, "Member", pc, NameGitLabProject, func(m gitMember) map[string]any {
			level := gitLabDeveloper
			if m.admin {
				level = gitLabMaintainer
			}
			return map[string]any{"projectIdSelector": selector(component(componentGitLabProject)), "userName": m.login, "accessLevel": level}
		})...)
	// The token's user name is set here: the provider publishes only the
	// token, and Argo CD needs both.
	tokenBody := p.managedWith(apiGitLabProjects, "DeployToken", "gitlab-deploy-token", nil, pc, map[string]any{
		"projectIdSelector": selector(component(componentGitLabProject)),
		"username":          p.GitUserName(),
		"scopes":            []any{"read_repository"},
	})
	tokenBody["spec"].(map[string]any)["writeConnectionSecretToRef"] = map[string]any{"name": p.CredentialSecretName()} //nolint:forcetypeassert // Built by managedWith.
	token := Object{Name: NameGitLabDeployToken, Body: tokenBody, Requires: []resource.Name{NameGitLabProject}}
	objs = append(objs, token)
	return gitRepository{
		objects:    objs,
		credential: &token,
		secret:     p.passwordFrom(f, KeyGitLabToken, NameGitLabDeployToken),
	}
}
