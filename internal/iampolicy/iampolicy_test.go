package iampolicy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// branchPolicy is the shape of AWS's documented CodeCommit branch policy:
// allow Git on one repository, deny pushes to main.
const branchPolicy = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["codecommit:GitPull","codecommit:GitPush"],"Resource":"arn:aws:codecommit:eu-west-1:111122223333:team-repo"},
 {"Effect":"Deny","Action":["codecommit:GitPush"],"Resource":"arn:aws:codecommit:eu-west-1:111122223333:team-repo",
  "Condition":{"StringEqualsIfExists":{"codecommit:References":["refs/heads/main"]},"Null":{"codecommit:References":"false"}}}]}`

const trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],
 "Principal":{"AWS":["arn:aws:iam::444455556666:role/payments-members","arn:aws:iam::444455556666:role/payments-admins"]}}]}`

func TestEvaluate(t *testing.T) {
	const repo = "arn:aws:codecommit:eu-west-1:111122223333:team-repo"
	refs := func(r ...string) map[string][]string { return map[string][]string{"codecommit:References": r} }
	cases := map[string]struct {
		reason string
		doc    string
		req    Request
		want   Decision
		err    string
	}{
		"PullAllowed": {
			reason: "An allowed action on the named repository.",
			doc:    branchPolicy, req: Request{Action: "codecommit:GitPull", Resource: repo}, want: Allow,
		},
		"ActionCase": {
			reason: "Actions compare case-insensitively.",
			doc:    branchPolicy, req: Request{Action: "CodeCommit:gitpull", Resource: repo}, want: Allow,
		},
		"OtherRepository": {
			reason: "Nothing allows another repository.",
			doc:    branchPolicy, req: Request{Action: "codecommit:GitPull", Resource: repo + "-other"}, want: ImplicitDeny,
		},
		"PushToFeature": {
			reason: "A push to another branch is not denied.",
			doc:    branchPolicy, req: Request{Action: "codecommit:GitPush", Resource: repo, Context: refs("refs/heads/feature")}, want: Allow,
		},
		"PushToMain": {
			reason: "A push to main is denied.",
			doc:    branchPolicy, req: Request{Action: "codecommit:GitPush", Resource: repo, Context: refs("refs/heads/main")}, want: ExplicitDeny,
		},
		"PushToBoth": {
			reason: "A push that updates main among others is denied.",
			doc:    branchPolicy, req: Request{Action: "codecommit:GitPush", Resource: repo, Context: refs("refs/heads/feature", "refs/heads/main")}, want: ExplicitDeny,
		},
		"PushWithoutReferences": {
			reason: "The Null condition keeps the deny to calls that name references.",
			doc:    branchPolicy, req: Request{Action: "codecommit:GitPush", Resource: repo}, want: Allow,
		},
		"TrustedRole": {
			reason: "A role the trust policy names may assume.",
			doc:    trustPolicy, req: Request{Action: "sts:AssumeRole", Principal: "arn:aws:iam::444455556666:role/payments-members"}, want: Allow,
		},
		"UntrustedRole": {
			reason: "Another role of the same account may not.",
			doc:    trustPolicy, req: Request{Action: "sts:AssumeRole", Principal: "arn:aws:iam::444455556666:role/search-members"}, want: ImplicitDeny,
		},
		"AccountRoot": {
			reason: "An account's root principal trusts every role of that account.",
			doc:    `{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"arn:aws:iam::444455556666:root"}}}`,
			req:    Request{Action: "sts:AssumeRole", Principal: "arn:aws:iam::444455556666:role/anything"}, want: Allow,
		},
		"UnknownOperator": {
			reason: "An operator this package cannot judge is an error, never a match.",
			doc:    `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}`,
			req:    Request{Action: "codecommit:GitPull", Resource: repo, Context: map[string][]string{"aws:CurrentTime": {"x"}}}, err: "operator DateGreaterThan",
		},
		"NotAction": {
			reason: "NotAction is refused rather than misread.",
			doc:    `{"Statement":[{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}]}`,
			req:    Request{Action: "codecommit:GitPull", Resource: repo}, err: "NotAction",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Evaluate(tc.doc, tc.req)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("%s\nEvaluate(): error %v, want one with %q", tc.reason, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nEvaluate(): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want.String(), got.String()); diff != "" {
				t.Errorf("%s\nEvaluate() (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
