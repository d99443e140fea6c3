package provisioning

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eks-gitops/function-eks-gitops/internal/golden"
	"github.com/eks-gitops/function-eks-gitops/internal/iampolicy"
)

// composed is one AWS managed resource a golden holds, and the account its
// ProviderConfig names.
type composed struct {
	golden, name, kind string
	account            Account
	accountID          string
	obj                map[string]any
}

// goldens reads every AWS managed resource of every golden: everything
// the function emits, in every mode and at every stage.
func goldens(t *testing.T) []composed {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "fn", "testdata", "golden", "*", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no goldens: %v", err)
	}
	var out []composed
	for _, f := range files {
		desired, err := golden.Desired(f)
		if err != nil {
			t.Fatal(err)
		}
		for name, o := range desired {
			av, _ := o["apiVersion"].(string)
			k, ok := KindOf(av, str(o, "kind"))
			if !ok {
				continue
			}
			pc := str(o, "spec", "providerConfigRef", "name")
			c := composed{golden: f, name: name, kind: k, account: Team, accountID: strings.TrimPrefix(pc, "aws-"), obj: o}
			if pc == "aws-central" {
				c.account, c.accountID = Central, "111122223333"
			}
			out = append(out, c)
		}
	}
	return out
}

func str(o map[string]any, path ...string) string {
	var v any = o
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

// TestEveryKindHasItsPermission: every kind the function emits, in the
// account it emits it in, has a statement of that account's policy; a new
// kind without one fails here.
func TestEveryKindHasItsPermission(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range goldens(t) {
		if seen[c.kind+string(c.account)] {
			continue
		}
		seen[c.kind+string(c.account)] = true
		if !slices.Contains(KindAccounts[c.kind], c.account) {
			t.Errorf("%s (%s in %s) is made in the %s account, which KindAccounts does not list for it", c.kind, c.name, c.golden, c.account)
		}
		if !slices.ContainsFunc(Statements, func(s Statement) bool { return slices.Contains(s.Kinds, c.kind) && s.In(c.account) }) {
			t.Errorf("%s (%s in %s): no statement of the %s account's provisioning policy is for it", c.kind, c.name, c.golden, c.account)
		}
	}
	for _, s := range Statements {
		for _, k := range s.Kinds {
			if KindAccounts[k] == nil {
				t.Errorf("statement %s names %s, which KindAccounts does not place in an account", s.Sid, k)
			}
		}
	}
}

// arnOf is the ARN AWS gives a composed resource whose name the function
// chooses, or "" for the kinds AWS names itself.
func arnOf(c composed) (action, arn string) {
	name, region := str(c.obj, "metadata", "annotations", "crossplane.io/external-name"), str(c.obj, "spec", "forProvider", "region")
	path := str(c.obj, "spec", "forProvider", "path")
	switch c.kind {
	case "iam/Role":
		return "iam:CreateRole", "arn:aws:iam::" + c.accountID + ":role" + path + name
	case "iam/User":
		return "iam:CreateUser", "arn:aws:iam::" + c.accountID + ":user" + path + name
	case "iam/Policy":
		return "iam:CreatePolicy", "arn:aws:iam::" + c.accountID + ":policy" + path + name
	case "iam/InstanceProfile":
		return "iam:CreateInstanceProfile", "arn:aws:iam::" + c.accountID + ":instance-profile" + path + name
	case "kms/Alias":
		return "kms:CreateAlias", "arn:aws:kms:" + region + ":" + c.accountID + ":alias/" + name
	case "cloudwatchlogs/Group":
		return "logs:CreateLogGroup", "arn:aws:logs:" + region + ":" + c.accountID + ":log-group:" + name
	}
	return "", ""
}

// TestScopedToTheFunctionsNames: where the policies scope by name, every
// name the function gives is inside the scope, so creating it is allowed.
func TestScopedToTheFunctionsNames(t *testing.T) {
	checked := 0
	for _, c := range goldens(t) {
		action, arn := arnOf(c)
		if arn == "" {
			continue
		}
		doc, err := PolicyJSON(c.account)
		if err != nil {
			t.Fatal(err)
		}
		d, err := iampolicy.Evaluate(doc, iampolicy.Request{Action: action, Resource: arn})
		if err != nil {
			t.Fatal(err)
		}
		if d != iampolicy.Allow {
			t.Errorf("%s %s (%s in %s): %s", action, arn, c.name, c.golden, d)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no composed resource named by the function was checked")
	}
}

// TestNoEscalation: the role cannot grant itself, or any role the function
// did not make, more; it cannot hand a role to a service other than EKS's
// and EC2's; it cannot touch aliases or log groups outside its own.
func TestNoEscalation(t *testing.T) {
	for _, tc := range []struct {
		account Account
		req     iampolicy.Request
	}{
		{Team, iampolicy.Request{Action: "iam:AttachRolePolicy", Resource: "arn:aws:iam::444455556666:role/" + RoleName}},
		{Team, iampolicy.Request{Action: "iam:PutRolePolicy", Resource: "arn:aws:iam::444455556666:role/" + RoleName}},
		{Team, iampolicy.Request{Action: "iam:UpdateAssumeRolePolicy", Resource: "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole"}},
		{Team, iampolicy.Request{Action: "iam:CreateRole", Resource: "arn:aws:iam::444455556666:role/admin"}},
		{Team, iampolicy.Request{Action: "iam:PassRole", Resource: "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole",
			Context: map[string][]string{"iam:PassedToService": {"eks.amazonaws.com"}}}},
		{Team, iampolicy.Request{Action: "iam:PassRole", Resource: "arn:aws:iam::444455556666:role/eks-gitops/x-cluster",
			Context: map[string][]string{"iam:PassedToService": {"lambda.amazonaws.com"}}}},
		{Team, iampolicy.Request{Action: "iam:CreateServiceLinkedRole", Resource: "*",
			Context: map[string][]string{"iam:AWSServiceName": {"autoscaling.amazonaws.com"}}}},
		{Team, iampolicy.Request{Action: "iam:CreateUser", Resource: "arn:aws:iam::444455556666:user/eks-gitops/x"}},
		{Team, iampolicy.Request{Action: "iam:CreateAccessKey", Resource: "arn:aws:iam::444455556666:user/eks-gitops/x"}},
		{Team, iampolicy.Request{Action: "kms:DeleteAlias", Resource: "arn:aws:kms:eu-west-1:444455556666:alias/aws/ebs"}},
		{Team, iampolicy.Request{Action: "logs:DeleteLogGroup", Resource: "arn:aws:logs:eu-west-1:444455556666:log-group:/aws/cloudtrail"}},
		{Team, iampolicy.Request{Action: "kms:Decrypt", Resource: "arn:aws:kms:eu-west-1:444455556666:key/1234"}},
		{Team, iampolicy.Request{Action: "codecommit:GitPush", Resource: "*"}},
		{Central, iampolicy.Request{Action: "iam:CreateAccessKey", Resource: "arn:aws:iam::111122223333:user/eks-gitops/x"}},
		{Central, iampolicy.Request{Action: "iam:CreateLoginProfile", Resource: "arn:aws:iam::111122223333:user/eks-gitops/x"}},
		{Central, iampolicy.Request{Action: "iam:AttachUserPolicy", Resource: "arn:aws:iam::111122223333:user/platform-admin"}},
		{Central, iampolicy.Request{Action: "codecommit:GitPush", Resource: "*"}},
		{Central, iampolicy.Request{Action: "eks:CreateCluster", Resource: "*"}},
		{Central, iampolicy.Request{Action: "cognito-idp:AdminCreateUser", Resource: "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_x"}},
		{Central, iampolicy.Request{Action: "cognito-idp:AdminSetUserPassword", Resource: "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_x"}},
	} {
		doc, err := PolicyJSON(tc.account)
		if err != nil {
			t.Fatal(err)
		}
		d, err := iampolicy.Evaluate(doc, tc.req)
		if err != nil {
			t.Fatal(err)
		}
		if d == iampolicy.Allow {
			t.Errorf("the %s account's provisioning role may %s on %s (%v)", tc.account, tc.req.Action, tc.req.Resource, tc.req.Context)
		}
	}
	// What it needs, with the context AWS sends, is allowed.
	doc, _ := PolicyJSON(Team)
	for _, svc := range []string{"eks.amazonaws.com", "pods.eks.amazonaws.com", "ec2.amazonaws.com"} {
		d, err := iampolicy.Evaluate(doc, iampolicy.Request{Action: "iam:PassRole", Resource: "arn:aws:iam::444455556666:role/eks-gitops/payments-dev-x-node",
			Context: map[string][]string{"iam:PassedToService": {svc}}})
		if err != nil || d != iampolicy.Allow {
			t.Errorf("passing the function's role to %s: %s, %v", svc, d, err)
		}
	}
}
