package compose

import (
	"testing"

	"github.com/eks-gitops/function-eks-gitops/internal/iampolicy"
)

// TestClusterKeyPolicy evaluates the key policy as KMS does: only the
// cluster's role and CloudWatch Logs, for this cluster's log group, use
// the key; the account administers it and cannot decrypt with it; AWS
// services take grants, nothing else does.
func TestClusterKeyPolicy(t *testing.T) {
	p := params(func(*Params) {})
	doc := str(t, find(t, p.Compliance(p.cluster(Facts{})), string(NameClusterKey)), "spec", "forProvider", "policy")
	other := params(func(p *Params) { p.XRName = "search-dev" })
	const admin = "arn:aws:iam::444455556666:role/platform-admin"
	logs := "logs.eu-west-1.amazonaws.com"
	grantForAWS := map[string][]string{"kms:GrantIsForAWSResource": {"true"}}
	logContext := func(q Params) map[string][]string {
		return map[string][]string{"kms:EncryptionContext:aws:logs:arn": {q.logGroupARN()}}
	}
	cases := map[string]struct {
		r    iampolicy.Request
		want iampolicy.Decision
	}{
		"ClusterRoleDecrypts":            {iampolicy.Request{Principal: p.roleARN(NameClusterRole), Action: "kms:Decrypt", Resource: "*"}, iampolicy.Allow},
		"NodeRoleCannotDecrypt":          {iampolicy.Request{Principal: p.roleARN(NameNodeRole), Action: "kms:Decrypt", Resource: "*"}, iampolicy.ImplicitDeny},
		"AnotherClustersRole":            {iampolicy.Request{Principal: other.roleARN(NameClusterRole), Action: "kms:Decrypt", Resource: "*"}, iampolicy.ImplicitDeny},
		"AdminSchedulesDeletion":         {iampolicy.Request{Principal: admin, Action: "kms:ScheduleKeyDeletion", Resource: "*"}, iampolicy.Allow},
		"AdminCannotDecrypt":             {iampolicy.Request{Principal: admin, Action: "kms:Decrypt", Resource: "*"}, iampolicy.ImplicitDeny},
		"AdminGrantsOnlyForAWS":          {iampolicy.Request{Principal: admin, Action: "kms:CreateGrant", Resource: "*"}, iampolicy.ImplicitDeny},
		"ProviderGrantsForEKS":           {iampolicy.Request{Principal: admin, Action: "kms:CreateGrant", Resource: "*", Context: grantForAWS}, iampolicy.Allow},
		"AnotherAccountCannotAdminister": {iampolicy.Request{Principal: "arn:aws:iam::999999999999:role/x", Action: "kms:PutKeyPolicy", Resource: "*"}, iampolicy.ImplicitDeny},
		"LogsEncryptsThisClustersLogs":   {iampolicy.Request{Service: logs, Action: "kms:GenerateDataKey", Resource: "*", Context: logContext(p)}, iampolicy.Allow},
		"LogsNotForAnotherLogGroup":      {iampolicy.Request{Service: logs, Action: "kms:GenerateDataKey", Resource: "*", Context: logContext(other)}, iampolicy.ImplicitDeny},
		"LogsNotWithoutContext":          {iampolicy.Request{Service: logs, Action: "kms:Decrypt", Resource: "*"}, iampolicy.ImplicitDeny},
		"AnotherServiceCannotUseIt":      {iampolicy.Request{Service: "s3.amazonaws.com", Action: "kms:Decrypt", Resource: "*", Context: logContext(p)}, iampolicy.ImplicitDeny},
	}
	// The cluster role is in the account, so the account's administration
	// statement covers it like any role there: what it cannot do is decided
	// by its IAM policies, which grant no KMS administration.
	for name, tc := range cases {
		got, err := iampolicy.Evaluate(doc, tc.r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != tc.want {
			t.Errorf("%s: %s %s is %v, want %v", name, tc.r.Principal+tc.r.Service, tc.r.Action, got, tc.want)
		}
	}
}
