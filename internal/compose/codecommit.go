package compose

import (
	"encoding/json"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
)

// RepositoryARN is the CodeCommit repository's ARN.
func (p Params) RepositoryARN() string {
	r := p.Input.Repository
	return "arn:" + PartitionOf(r.Region) + ":codecommit:" + r.Region + ":" + r.AccountID + ":" + p.RepositoryName()
}

// capabilityReadsRepository: the EKS Capability reads a CodeCommit
// repository with its own role, so no Git user, credential or repository
// Secret is made for it; while the cluster is still registered with a
// self-managed Argo CD, that Argo CD's credential stays.
func (p Params) capabilityReadsRepository(f Facts) bool {
	return p.Input.Repository.Host == v1beta1.HostCodeCommit && p.RegistersFor(f) == v1beta1.ArgoCDEKSCapability
}

// codeCommit is the CodeCommit repository, the IAM user Argo CD pulls it
// as, the pull policy, that user's Git credential and the team's push
// access.
func (p Params) codeCommit(f Facts) gitRepository {
	r := p.Input.Repository
	pc := r.ProviderConfigRef
	repo := p.withDeletionPolicy(Object{Name: NameRepository, Body: withExternalName(p.managedWith(apiCodeCommit, kindCodeCommitRepository, "repository", component(componentRepository), pc, map[string]any{
		"region":        r.Region,
		"description":   "GitOps repository of team " + p.Spec.Team.Name + " for cluster " + p.ClusterName(),
		"defaultBranch": p.Input.ArgoCD.Bootstrap.Revision,
		"tags":          p.awsTags(p.RepositoryName()),
	}), p.RepositoryName())})
	push, pushUsages := p.pushAccess()
	if p.capabilityReadsRepository(f) {
		return gitRepository{objects: append([]Object{repo}, push...), usages: pushUsages, noSecret: true}
	}
	user := Object{Name: NameGitUser, Body: withExternalName(p.managedWith(apiIAM, "User", "git-user", component(componentGitUser), pc, map[string]any{
		"path": IAMPath,
		"tags": p.awsTags(p.GitUserName()),
	}), p.GitUserName())}
	doc, _ := json.Marshal(map[string]any{ //nolint:errchkjson // Plain maps always encode.
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":   "Allow",
			"Action":   []any{"codecommit:GitPull"},
			"Resource": p.RepositoryARN(),
		}},
	})
	policy := Object{Name: NameGitPolicy, Body: withExternalName(p.managedWith(apiIAM, "Policy", "git-pull", component(componentGitPolicy), pc, map[string]any{
		"description": "Argo CD may pull " + p.RepositoryName() + " and nothing else",
		"path":        IAMPath,
		"policy":      string(doc),
		"tags":        p.awsTags(p.GitUserName() + "-pull"),
	}), p.GitUserName()+"-pull")}
	// The Usages that keep the user and the policy until what uses them is
	// gone come first, and what uses them waits for them: an XR deleted
	// mid-way must never find an attachment or credential unprotected (IAM
	// refuses to delete a policy still attached or a user with
	// credentials).
	attachment := Object{Name: NameGitPolicyAttachment, Body: p.managedWith(apiIAM, "UserPolicyAttachment", "git-pull-attachment", nil, pc, map[string]any{
		"userSelector":      selector(component(componentGitUser)),
		"policyArnSelector": selector(component(componentGitPolicy)),
	}), Requires: []resource.Name{NameUsageUserOfAttachment, NameUsagePolicyOfAttachment}}
	credBody := p.managedWith(apiIAM, "ServiceSpecificCredential", "git-credential", nil, pc, map[string]any{
		"serviceName":      "codecommit.amazonaws.com",
		"userNameSelector": selector(component(componentGitUser)),
	})
	credBody["spec"].(map[string]any)["writeConnectionSecretToRef"] = map[string]any{"name": p.CredentialSecretName()} //nolint:forcetypeassert // Built by managedWith.
	cred := Object{Name: NameGitCredential, Body: credBody, Requires: []resource.Name{NameGitPolicyAttachment, NameUsageUserOfCredential}}
	return gitRepository{
		objects:    append([]Object{repo, user, policy, attachment, cred}, push...),
		credential: &cred,
		secret:     p.passwordFrom(f, KeyGitPassword, NameGitCredential),
		usages: append([]Object{
			p.usageBefore(NameUsageUserOfCredential, user, cred),
			p.usageBefore(NameUsageUserOfAttachment, user, attachment),
			p.usageBefore(NameUsagePolicyOfAttachment, policy, attachment),
		}, pushUsages...),
	}
}
