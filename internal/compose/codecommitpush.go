package compose

import (
	"encoding/json"
	"slices"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

// Composition resource names of the team's push access on CodeCommit.
const (
	NameGitPushRole                = resource.Name("codecommit-push-role")
	NameApprovalRuleTemplate       = resource.Name("codecommit-approval-rule-template")
	NameApprovalRuleAssociation    = resource.Name("codecommit-approval-rule-association")
	NameUsageTemplateOfAssociation = resource.Name("usage-approval-rule-template-of-association")
)

const componentApprovalRuleTemplate = "codecommit-approval-rule-template"

// GitPushRoleName is the role in the repository's account the team's
// people assume to pull and push the repository.
func (p Params) GitPushRoleName() string { return p.ClusterName() + "-git-push" }

// GitPushRoleARN is that role's ARN.
func (p Params) GitPushRoleARN() string {
	r := p.Input.Repository
	return "arn:" + PartitionOf(r.Region) + ":iam::" + r.AccountID + ":role" + IAMPath + p.GitPushRoleName()
}

// ApprovalRuleTemplateName is the repository's review rule. Templates are
// unique per account and region, as repositories are.
func (p Params) ApprovalRuleTemplateName() string { return p.RepositoryName() + "-review" }

// TeamPrincipals are the team's roles the platform names in teamAccess,
// resolved for this team, sorted and without repeats.
func (p Params) TeamPrincipals() []string {
	a := p.Input.TeamAccess
	if a == nil {
		return nil
	}
	var out []string
	for _, r := range []string{a.AdminRoleARN, a.MemberRoleARN} {
		if r != "" {
			out = append(out, TeamRoleARN(r, p.Spec.Team.Name, p.Spec.AWS.AccountID))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// pushActions are what a team member does with the repository: Git over
// HTTPS, branches and their merges, and pull requests up to approving and
// merging one. Never
// what changes or overrides a pull request's approval rules, nor what
// removes the repository's review template.
var pushActions = []string{
	"codecommit:GitPull", "codecommit:GitPush",
	"codecommit:GetRepository", "codecommit:GetBranch", "codecommit:ListBranches", "codecommit:CreateBranch", "codecommit:DeleteBranch",
	"codecommit:GetCommit", "codecommit:GetDifferences", "codecommit:GetFile", "codecommit:GetFolder", "codecommit:GetBlob",
	"codecommit:CreateCommit", "codecommit:PutFile", "codecommit:DeleteFile",
	"codecommit:MergeBranchesByFastForward", "codecommit:MergeBranchesBySquash", "codecommit:MergeBranchesByThreeWay",
	"codecommit:CreatePullRequest", "codecommit:GetPullRequest", "codecommit:ListPullRequests", "codecommit:DescribePullRequestEvents",
	"codecommit:UpdatePullRequestTitle", "codecommit:UpdatePullRequestDescription", "codecommit:UpdatePullRequestStatus",
	"codecommit:GetPullRequestApprovalStates", "codecommit:UpdatePullRequestApprovalState", "codecommit:EvaluatePullRequestApprovalRules",
	"codecommit:GetMergeConflicts", "codecommit:GetMergeOptions",
	"codecommit:MergePullRequestByFastForward", "codecommit:MergePullRequestBySquash", "codecommit:MergePullRequestByThreeWay",
	"codecommit:PostCommentForPullRequest", "codecommit:GetCommentsForPullRequest",
}

// protectedActions change a branch without a pull request: refused on the
// default branch when it is protected.
var protectedActions = []string{
	"codecommit:GitPush", "codecommit:DeleteBranch", "codecommit:CreateCommit", "codecommit:PutFile", "codecommit:DeleteFile",
	"codecommit:MergeBranchesByFastForward", "codecommit:MergeBranchesBySquash", "codecommit:MergeBranchesByThreeWay",
}

// GitPushPolicy is the push role's policy: the actions on this repository
// only, and, when the default branch is protected, a deny of every change
// to it but a pull request's merge. The Null condition makes the deny apply
// only to calls that name references; the others have no branch to guard.
func (p Params) GitPushPolicy() string {
	arn := p.RepositoryARN()
	statements := []any{map[string]any{
		"Sid": "PullPushReview", "Effect": "Allow", "Action": pushActions, "Resource": arn,
	}}
	if p.Input.Repository.DefaultBranchProtection != v1beta1.BranchProtectionNone {
		statements = append(statements, map[string]any{
			"Sid": "ProtectDefaultBranch", "Effect": "Deny", "Action": protectedActions, "Resource": arn,
			"Condition": map[string]any{
				"StringEqualsIfExists": map[string]any{"codecommit:References": []any{"refs/heads/" + p.Input.ArgoCD.Bootstrap.Revision}},
				"Null":                 map[string]any{"codecommit:References": "false"},
			},
		})
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements}) //nolint:errchkjson // Plain maps always encode.
	return string(b)
}

// hasPushAccess is whether the XR's team gets a push role (pushAccess).
func (p Params) hasPushAccess() bool {
	return len(p.TeamPrincipals()) > 0 && p.Scheme != naming.Legacy
}

// pushAccess is the team's way to push to its CodeCommit repository: a role
// in the repository's account that the team's roles (teamAccess) may
// assume, and, under PullRequest protection, the review rule of the default
// branch. Without team roles there is nobody to trust, and Legacy XRs never
// get it: its name in the shared account would not be unique.
func (p Params) pushAccess() (objs, usages []Object) {
	if !p.hasPushAccess() {
		return nil, nil
	}
	principals := p.TeamPrincipals()
	r := p.Input.Repository
	pc := r.ProviderConfigRef
	trusted := make([]any, len(principals))
	for i, a := range principals {
		trusted[i] = a
	}
	role := Object{Name: NameGitPushRole, Body: withExternalName(p.managedWith(apiIAM, "Role", "git-push", nil, pc, map[string]any{
		"path":             IAMPath,
		"description":      "Team " + p.Spec.Team.Name + " pulls and pushes " + p.RepositoryName(),
		"assumeRolePolicy": trustPolicy(map[string]any{"AWS": trusted}),
		// Inline: it lives and goes with the role, so nothing has to be
		// detached before IAM deletes the role.
		"inlinePolicy": []any{map[string]any{"name": "git-push", "policy": p.GitPushPolicy()}},
		"tags":         p.awsTags(p.GitPushRoleName()),
	}), p.GitPushRoleName())}
	objs = []Object{role}
	if r.DefaultBranchProtection != v1beta1.BranchProtectionPullRequest {
		return objs, nil
	}
	content, _ := json.Marshal(map[string]any{ //nolint:errchkjson // Plain maps always encode.
		"Version":               "2018-11-08",
		"DestinationReferences": []any{"refs/heads/" + p.Input.ArgoCD.Bootstrap.Revision},
		"Statements": []any{map[string]any{
			"Type":                    "Approvers",
			"NumberOfApprovalsNeeded": 1,
			"ApprovalPoolMembers":     []any{"arn:" + PartitionOf(r.Region) + ":sts::" + r.AccountID + ":assumed-role/" + p.GitPushRoleName() + "/*"},
		}},
	})
	template := Object{Name: NameApprovalRuleTemplate, Body: withExternalName(p.managedWith(apiCodeCommit, "ApprovalRuleTemplate", "review", component(componentApprovalRuleTemplate), pc, map[string]any{
		"region":      r.Region,
		"description": "One approval from team " + p.Spec.Team.Name + " before a change reaches " + p.Input.ArgoCD.Bootstrap.Revision + " of " + p.RepositoryName(),
		"content":     string(content),
	}), p.ApprovalRuleTemplateName())}
	// CodeCommit refuses to delete a template still associated with a
	// repository (ApprovalRuleTemplateInUseException), and to associate
	// one that, or a repository that, does not exist yet.
	association := Object{Name: NameApprovalRuleAssociation, Body: p.managedWith(apiCodeCommit, "ApprovalRuleTemplateAssociation", "review-association", nil, pc, map[string]any{
		"region":                   r.Region,
		"approvalRuleTemplateName": p.ApprovalRuleTemplateName(),
		"repositoryName":           p.RepositoryName(),
	}), Requires: []resource.Name{NameApprovalRuleTemplate, NameRepository, NameUsageTemplateOfAssociation}}
	return append(objs, template, association), []Object{p.usageBefore(NameUsageTemplateOfAssociation, template, association)}
}
