package fn

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/google/go-cmp/cmp"

	"github.com/eks-gitops/function-eks-gitops/internal/iampolicy"
)

// TestPushAccess: the team's people reach their CodeCommit repository
// through a role in the repository's account that trusts only the team's
// roles, may pull and push that repository only, and under the default
// branch's protection reach the branch Argo CD deploys only through an
// approved pull request. Each request is judged by evaluating the composed
// policies, as IAM would.
func TestPushAccess(t *testing.T) {
	t.Parallel()
	const (
		members  = "arn:aws:iam::444455556666:role/team-access/payments-members"
		admins   = "arn:aws:iam::444455556666:role/team-access/payments-admins"
		stranger = "arn:aws:iam::444455556666:role/team-access/search-members"
	)
	type ask struct {
		action string
		other  bool   // another repository
		ref    string // the branch the call names, if any
	}
	// Asked of every policy; the answers differ by protection.
	asks := []ask{
		{action: "codecommit:GitPull"},
		{action: "codecommit:GitPush", ref: "feature"},
		{action: "codecommit:GitPush", ref: "main"},
		{action: "codecommit:PutFile", ref: "main"},
		{action: "codecommit:MergeBranchesByFastForward", ref: "main"},
		{action: "codecommit:MergePullRequestBySquash", ref: "main"},
		{action: "codecommit:UpdatePullRequestApprovalState"},
		{action: "codecommit:OverridePullRequestApprovalRules"},
		{action: "codecommit:UpdatePullRequestApprovalRuleContent"},
		{action: "codecommit:DisassociateApprovalRuleTemplateFromRepository"},
		{action: "codecommit:DeleteRepository"},
		{action: "codecommit:GitPush", ref: "feature", other: true},
		{action: "codecommit:GitPull", other: true},
	}
	protected := map[string]bool{
		"codecommit:GitPull": true, "codecommit:GitPush feature": true, "codecommit:GitPush main": false,
		"codecommit:PutFile main": false, "codecommit:MergeBranchesByFastForward main": false,
		"codecommit:MergePullRequestBySquash main": true, "codecommit:UpdatePullRequestApprovalState": true,
		"codecommit:OverridePullRequestApprovalRules": false, "codecommit:UpdatePullRequestApprovalRuleContent": false,
		"codecommit:DisassociateApprovalRuleTemplateFromRepository": false, "codecommit:DeleteRepository": false,
		"other codecommit:GitPush feature": false, "other codecommit:GitPull": false,
	}
	open := map[string]bool{}
	for k, v := range protected {
		open[k] = v
	}
	open["codecommit:GitPush main"], open["codecommit:PutFile main"], open["codecommit:MergeBranchesByFastForward main"] = true, true, true

	cases := map[string]struct {
		reason     string
		edit       func(s state)
		trusted    []string // nil: no push role
		allowed    map[string]bool
		review     bool // the approval rule template and its association
		refused    string
		notTrusted []string
	}{
		"PullRequestByDefault": {
			reason:  "Both team roles may assume the role; the default branch changes only through an approved pull request.",
			trusted: []string{admins, members}, notTrusted: []string{stranger, "arn:aws:iam::111122223333:role/argocd-hub"},
			allowed: protected, review: true,
		},
		"DenyPush": {
			reason:  "The same refusals on the default branch, and no review rule.",
			edit:    func(s state) { set(s.Input, "repository.defaultBranchProtection", "DenyPush") },
			trusted: []string{admins, members}, allowed: protected,
		},
		"None": {
			reason:  "The team may push to every branch.",
			edit:    func(s state) { set(s.Input, "repository.defaultBranchProtection", "None") },
			trusted: []string{admins, members}, allowed: open,
		},
		"MembersOnly": {
			reason: "Only the roles the platform names are trusted.",
			edit: func(s state) {
				s.Input["teamAccess"] = map[string]any{"memberRoleArn": "arn:aws:iam::{accountId}:role/team-access/{team}-members"}
			},
			trusted: []string{members}, notTrusted: []string{admins},
			allowed: protected, review: true,
		},
		"NoTeamRoles": {
			reason: "Without team roles there is nobody to trust: no push role.",
			edit:   func(s state) { delete(s.Input, "teamAccess") },
		},
		"UnknownProtection": {
			reason:  "A protection the function does not know is refused, not read as None.",
			edit:    func(s state) { set(s.Input, "repository.defaultBranchProtection", "Sometimes") },
			refused: `input.repository.defaultBranchProtection: Unsupported value: "Sometimes": supported values: "PullRequest", "DenyPush", "None"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := exampleState(t)
			if tc.edit != nil {
				tc.edit(s)
			}
			if tc.refused != "" {
				refused(t, run(t, requestOf(t, s)), tc.refused)
				return
			}
			_, rsp := convergedState(t, s)
			declared := resourceNames(rsp)
			if tc.trusted == nil {
				for _, n := range []string{"codecommit-push-role", "codecommit-approval-rule-template", "codecommit-approval-rule-association"} {
					if slices.Contains(declared, n) {
						t.Errorf("%s\n%s is declared", tc.reason, n)
					}
				}
				return
			}
			role := desiredObject(t, rsp, "codecommit-push-role")
			fp := role["spec"].(map[string]any)["forProvider"].(map[string]any)
			if got := role["metadata"].(map[string]any)["annotations"].(map[string]any)["crossplane.io/external-name"]; !strings.HasSuffix(got.(string), "-git-push") {
				t.Errorf("%s\nrole name %v", tc.reason, got)
			}
			if pc := role["spec"].(map[string]any)["providerConfigRef"].(map[string]any)["name"]; pc != "aws-central" {
				t.Errorf("%s\nthe push role is made with ProviderConfig %v, not the repository account's", tc.reason, pc)
			}
			// The team reads the role to assume from its XR.
			xrStatus, _ := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
			repoStatus, _ := xrStatus["repository"].(map[string]any)
			if want := "arn:aws:iam::111122223333:role/eks-gitops/" + role["metadata"].(map[string]any)["annotations"].(map[string]any)["crossplane.io/external-name"].(string); repoStatus["pushRoleArn"] != want {
				t.Errorf("%s\nstatus.repository.pushRoleArn %v, want %s", tc.reason, repoStatus["pushRoleArn"], want)
			}
			trust := fp["assumeRolePolicy"].(string)
			for _, p := range tc.trusted {
				if d, err := iampolicy.Evaluate(trust, iampolicy.Request{Action: "sts:AssumeRole", Principal: p}); err != nil || d != iampolicy.Allow {
					t.Errorf("%s\n%s assuming the push role: %v %v", tc.reason, p, d, err)
				}
			}
			for _, p := range tc.notTrusted {
				if d, err := iampolicy.Evaluate(trust, iampolicy.Request{Action: "sts:AssumeRole", Principal: p}); err != nil || d == iampolicy.Allow {
					t.Errorf("%s\n%s assuming the push role: %v %v", tc.reason, p, d, err)
				}
			}
			inline := fp["inlinePolicy"].([]any)[0].(map[string]any)["policy"].(string)
			repoARN := repoOf(t, rsp)
			got := map[string]bool{}
			for _, a := range asks {
				r := iampolicy.Request{Action: a.action, Resource: repoARN}
				key := a.action
				if a.other {
					r.Resource, key = repoARN+"-other", "other "+key
				}
				if a.ref != "" {
					r.Context = map[string][]string{"codecommit:References": {"refs/heads/" + a.ref}}
					key += " " + a.ref
				}
				d, err := iampolicy.Evaluate(inline, r)
				if err != nil {
					t.Fatal(err)
				}
				got[key] = d == iampolicy.Allow
			}
			if diff := cmp.Diff(tc.allowed, got); diff != "" {
				t.Errorf("%s\nwhat the push role may do (-want +got):\n%s", tc.reason, diff)
			}
			hasReview := slices.Contains(declared, "codecommit-approval-rule-template")
			if hasReview != tc.review {
				t.Fatalf("%s\nreview template declared: %v, want %v", tc.reason, hasReview, tc.review)
			}
			if !tc.review {
				return
			}
			template := desiredObject(t, rsp, "codecommit-approval-rule-template")
			var content struct {
				DestinationReferences []string
				Statements            []struct {
					Type                    string
					NumberOfApprovalsNeeded int
					ApprovalPoolMembers     []string
				}
			}
			if err := json.Unmarshal([]byte(template["spec"].(map[string]any)["forProvider"].(map[string]any)["content"].(string)), &content); err != nil {
				t.Fatal(err)
			}
			roleName := role["metadata"].(map[string]any)["annotations"].(map[string]any)["crossplane.io/external-name"].(string)
			want := []string{"arn:aws:sts::111122223333:assumed-role/" + roleName + "/*"}
			if len(content.Statements) != 1 || content.Statements[0].NumberOfApprovalsNeeded != 1 || !cmp.Equal(content.Statements[0].ApprovalPoolMembers, want) ||
				!cmp.Equal(content.DestinationReferences, []string{"refs/heads/main"}) {
				t.Errorf("%s\nreview rule %+v; want one approval from %v on refs/heads/main", tc.reason, content, want)
			}
			assoc := desiredObject(t, rsp, "codecommit-approval-rule-association")
			afp := assoc["spec"].(map[string]any)["forProvider"].(map[string]any)
			tname := template["metadata"].(map[string]any)["annotations"].(map[string]any)["crossplane.io/external-name"]
			if afp["approvalRuleTemplateName"] != tname || !strings.HasSuffix(repoARN, ":"+afp["repositoryName"].(string)) {
				t.Errorf("%s\nassociation %v does not tie template %v to %s", tc.reason, afp, tname, repoARN)
			}
			if !slices.Contains(declared, "usage-approval-rule-template-of-association") {
				t.Errorf("%s\nno Usage keeps the template until its association is gone", tc.reason)
			}
		})
	}
}

// TestPushAccessOrder: CodeCommit refuses an association before its
// template and repository exist, and a template's deletion while it is
// associated; the association is declared only after both, and after the
// Usage that keeps the template.
func TestPushAccessOrder(t *testing.T) {
	for i, rsp := range converge(t, exampleState(t)) {
		declared := resourceNames(rsp)
		if !slices.Contains(declared, "codecommit-approval-rule-association") {
			continue
		}
		for _, before := range []string{"codecommit-approval-rule-template", "codecommit-repository", "usage-approval-rule-template-of-association"} {
			if !slices.Contains(declared, before) {
				t.Errorf("round %d: the association is declared before %s", i, before)
			}
		}
	}
}

// repoOf is the composed repository's ARN, as the policy must name it.
func repoOf(t *testing.T, rsp *fnv1.RunFunctionResponse) string {
	t.Helper()
	r := desiredObject(t, rsp, "codecommit-repository")
	name, _ := r["metadata"].(map[string]any)["annotations"].(map[string]any)["crossplane.io/external-name"].(string)
	return "arn:aws:codecommit:eu-west-1:111122223333:" + name
}
