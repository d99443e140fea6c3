package compose

import (
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
)

// RepositoryName is the repository's name on the Git host (the CodeCommit
// repository, the GitHub repository, the GitLab project's path).
func (p Params) RepositoryName() string { return p.ClusterName() + RepositorySuffix }

// RepositorySuffix ends every repository's name: what a role that reads
// every team's repository (the EKS Capability's) is scoped by.
const RepositorySuffix = "-gitops"

// GitUserName is the user Argo CD pulls the repository as: the IAM user on
// CodeCommit, the deploy token's user name on GitLab.
func (p Params) GitUserName() string { return p.ClusterName() + "-argocd-git" }

// RepositoryURL is the repository's HTTPS URL, as Argo CD's repository
// Secret, the AppProject and the Application name it.
func (p Params) RepositoryURL() string {
	switch r := p.Input.Repository; r.Host {
	case v1beta1.HostGitHub:
		return GitHubURL + "/" + r.GitHub.Owner + "/" + p.RepositoryName()
	case v1beta1.HostGitLab:
		// Argo CD needs the .git suffix for GitLab: without it GitLab
		// answers with a redirect Argo CD does not follow.
		return r.GitLab.URL + "/" + r.GitLab.GroupPath + "/" + p.RepositoryName() + ".git"
	default:
		host := "git-codecommit." + r.Region + ".amazonaws.com"
		if strings.HasPrefix(r.Region, "cn-") {
			host += ".cn"
		}
		return "https://" + host + "/v1/repos/" + p.RepositoryName()
	}
}

// GitRepository is the composed resource that is a cluster's repository on
// one Git host.
type GitRepository struct {
	Host       string
	Name       resource.Name
	APIVersion string
	Kind       string
}

// GitRepositories are the three hosts' repositories, in a fixed order.
var GitRepositories = []GitRepository{
	{v1beta1.HostCodeCommit, NameRepository, apiCodeCommit, kindCodeCommitRepository},
	{v1beta1.HostGitHub, NameGitHubRepository, apiGitHubRepo, kindGitHubRepository},
	{v1beta1.HostGitLab, NameGitLabProject, apiGitLabProjects, kindGitLabProject},
}

// Kinds of the repositories on each host.
const (
	kindCodeCommitRepository = "Repository"
	kindGitHubRepository     = "Repository"
	kindGitLabProject        = "Project"
)

// NameGitRepository is the composition resource name of the repository on
// the platform's Git host.
func (p Params) NameGitRepository() resource.Name {
	for _, r := range GitRepositories {
		if r.Host == p.Input.Repository.Host {
			return r.Name
		}
	}
	return NameRepository
}

// gitRepository is what a Git host composes for one cluster's repository.
type gitRepository struct {
	// objects are the host's objects; the first is the repository.
	objects []Object
	// credential is what Argo CD pulls with, when the function composes
	// one; deleting it waits for the repository Secret and the Application.
	credential *Object
	// secret is the repository Secret's credential.
	secret repoSecretSpec
	// usages order the deletion of the host's own objects.
	usages []Object
	// noSecret: Argo CD reads the repository without a repository Secret
	// (the EKS Capability reads CodeCommit with its own role).
	noSecret bool
}

// repoSecretSpec is what a host puts into Argo CD's repository Secret
// besides its URL, type and project.
type repoSecretSpec struct {
	data     map[string]string
	requires []resource.Name
	// copied is a key the provider-kubernetes Object copies into the
	// Secret from another Secret's data.
	copied *copiedKey
	// wrapped makes the Secret a provider-kubernetes Object whatever the
	// XR's scope, because a key is copied in.
	wrapped bool
	missing string
}

// copiedKey is a key of a Secret's data that provider-kubernetes copies
// into the repository Secret.
type copiedKey struct {
	namespace, name, key string
	// to is the repository Secret's key.
	to string
}

// repository is the repository on the platform's Git host, what Argo CD
// reads it with, Argo CD's repository Secret and the bootstrap
// Application, with the Usages that order their deletion: the same steps,
// conditions and deletion order on every host. The Application goes before
// its AppProject too: Argo CD cannot finalize an Application whose project
// is gone ("error getting app project"), and its deletion would hang.
func (p Params) repository(f Facts, clusterSecret, project Object) []Object {
	var g gitRepository
	switch p.Input.Repository.Host {
	case v1beta1.HostGitHub:
		g = p.gitHub()
	case v1beta1.HostGitLab:
		g = p.gitLab(f)
	default:
		g = p.codeCommit(f)
	}
	repo := g.objects[0]
	app := p.application(f)
	if g.noSecret {
		objs := append(slices.Clip(g.objects), app, p.usage(NameUsageAppOfRepo, repo, app), p.usage(NameUsageAppOfCluster, clusterSecret, app), p.usage(NameUsageAppOfProject, project, app))
		return append(objs, g.usages...)
	}
	repoSecret := p.repositorySecret(g.secret)
	objs := append(slices.Clip(g.objects), repoSecret, app, p.usage(NameUsageRepoSecretOfRepo, repo, repoSecret))
	if g.credential != nil {
		objs = append(objs, p.usage(NameUsageRepoSecretOfCred, *g.credential, repoSecret))
	}
	objs = append(objs, p.usage(NameUsageAppOfRepo, repo, app))
	if g.credential != nil {
		objs = append(objs, p.usage(NameUsageAppOfCredential, *g.credential, app))
	}
	objs = append(objs, p.usage(NameUsageAppOfCluster, clusterSecret, app), p.usage(NameUsageAppOfProject, project, app))
	return append(objs, g.usages...)
}

// withManagementPolicies keeps the repository when the XR is deleted under
// the Orphan policy: without Delete the provider never deletes it. The
// repository holds the team's history.
func (p Params) withDeletionPolicy(o Object) Object {
	if p.Input.Repository.DeletionPolicy == v1beta1.RepositoryOrphan {
		o.Body["spec"].(map[string]any)["managementPolicies"] = []any{"Observe", "Create", "Update", "LateInitialize"} //nolint:forcetypeassert // Built by managedWith.
	}
	return o
}

// CredentialSecretName is the connection Secret of Argo CD's Git
// credential (CodeCommit's service-specific credential, GitLab's deploy
// token).
func (p Params) CredentialSecretName() string { return p.ObjectName("git-credential") }

// passwordFrom is the repository Secret's password: written by the function
// from the observed connection details for a cluster-scoped XR, copied by
// the provider-kubernetes Object from the credential's connection Secret
// for a namespaced XR, so it never passes through the Object's spec.
func (p Params) passwordFrom(f Facts, key string, credential resource.Name) repoSecretSpec {
	s := repoSecretSpec{
		data:     map[string]string{"username": f.Git.Username},
		requires: []resource.Name{credential, p.NameGitRepository()},
	}
	missing := f.Git.Username == ""
	if p.Namespaced() {
		s.copied = &copiedKey{namespace: p.XRNamespace, name: p.CredentialSecretName(), key: key, to: "password"}
	} else {
		s.data["password"] = f.Git.Password
		missing = missing || f.Git.Password == ""
	}
	if missing {
		s.missing = "the Git credential's user name and password"
	}
	return s
}

// repositorySecret is Argo CD's repository Secret, scoped to the team's
// project.
func (p Params) repositorySecret(s repoSecretSpec) Object {
	data := map[string]string{
		"url":     p.RepositoryURL(),
		"type":    "git",
		"project": p.ProjectName(),
	}
	for k, v := range s.data {
		data[k] = v
	}
	var refs []any
	if c := s.copied; c != nil {
		refs = append(refs, map[string]any{
			"patchesFrom": map[string]any{
				"apiVersion": "v1",
				"kind":       "Secret",
				"name":       c.name,
				"namespace":  c.namespace,
				"fieldPath":  "data[" + c.key + "]",
			},
			"toFieldPath": "data." + c.to,
		})
	}
	manifest := map[string]any{
		"apiVersion": "v1",
		"kind":       "Secret",
		"type":       "Opaque",
		"metadata":   p.argoMeta(p.SharedName(SuffixRepositorySecret), map[string]string{argoSecretTypeLabel: "repository"}, nil),
		"data":       secretData(data),
	}
	build := p.kube
	if s.wrapped {
		build = p.kubeObject
	}
	o := build(NameRepositorySecret, string(NameRepositorySecret), manifest, s.requires, refs...)
	o.Missing = s.missing
	return o
}
