package awsrules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/eks-gitops/function-eks-gitops/internal/golden"
)

const xr = "uid-of-payments-dev"

// mr is a managed resource in crossplane-system, controlled by owner, ready
// or not, with the given labels and spec.forProvider.
func mr(apiVersion, kind, name, owner string, ready bool, labels map[string]any, fp map[string]any) map[string]any {
	status := "False"
	if ready {
		status = "True"
	}
	md := map[string]any{
		"name": name, "namespace": "crossplane-system", "labels": labels,
		"annotations": map[string]any{"crossplane.io/external-name": strings.ReplaceAll(name, ".", "-")},
	}
	if owner != "" {
		md["ownerReferences"] = []any{map[string]any{"controller": true, "uid": owner}}
	}
	return map[string]any{
		"apiVersion": apiVersion, "kind": kind, "metadata": md,
		"spec":   map[string]any{"forProvider": fp, "providerConfigRef": map[string]any{"name": "aws-central"}},
		"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": status}}},
	}
}

func component(c string) map[string]any { return map[string]any{"eks-gitops.dev/component": c} }

func selector(c string) map[string]any {
	return map[string]any{"matchControllerRef": true, "matchLabels": component(c)}
}

const iam = "iam.aws.m.upbound.io/v1beta1"

var (
	role       = mr(iam, "Role", "payments-dev.cluster-role", xr, true, component("cluster-role"), nil)
	otherRole  = mr(iam, "Role", "search-dev.cluster-role", "uid-of-search-dev", true, component("cluster-role"), nil)
	notReady   = mr(iam, "Role", "payments-dev.cluster-role", xr, false, component("cluster-role"), nil)
	attachment = mr(iam, "RolePolicyAttachment", "payments-dev.attachment", xr, false, nil, map[string]any{
		"policyArn": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", "roleSelector": selector("cluster-role"),
	})
	user       = mr(iam, "User", "payments-dev.git-user", xr, true, component("codecommit-reader-user"), nil)
	policy     = mr(iam, "Policy", "payments-dev.git-pull", xr, true, component("codecommit-reader-policy"), nil)
	credential = mr(iam, "ServiceSpecificCredential", "payments-dev.git-credential", xr, true, nil, map[string]any{
		"serviceName": "codecommit.amazonaws.com", "userNameSelector": selector("codecommit-reader-user"),
	})
	userAttachment = mr(iam, "UserPolicyAttachment", "payments-dev.git-attachment", xr, true, nil, map[string]any{
		"policyArnSelector": selector("codecommit-reader-policy"), "userSelector": selector("codecommit-reader-user"),
	})
)

func TestUnresolved(t *testing.T) {
	cases := map[string]struct {
		o     map[string]any
		world []map[string]any
		want  string // part of the answer; empty means it resolves
	}{
		"RoleReady":            {attachment, []map[string]any{role, otherRole}, ""},
		"NoRole":               {attachment, nil, "0 ready Role match"},
		"RoleNotReady":         {attachment, []map[string]any{notReady}, "0 ready Role match"},
		"OnlyAnotherXRsRole":   {attachment, []map[string]any{otherRole}, "0 ready Role match"},
		"TwoRolesOfThisXR":     {attachment, []map[string]any{role, mr(iam, "Role", "payments-dev.other", xr, true, component("cluster-role"), nil)}, "2 ready Role match"},
		"RefsAllReady":         {mr("eks.aws.m.upbound.io/v1beta1", "NodeGroup", "ng", xr, false, nil, map[string]any{"subnetIdRefs": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}), []map[string]any{mr("ec2.aws.m.upbound.io/v1beta1", "Subnet", "a", xr, true, nil, nil), mr("ec2.aws.m.upbound.io/v1beta1", "Subnet", "b", xr, true, nil, nil)}, ""},
		"RefsOneMissing":       {mr("eks.aws.m.upbound.io/v1beta1", "NodeGroup", "ng", xr, false, nil, map[string]any{"subnetIdRefs": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}), []map[string]any{mr("ec2.aws.m.upbound.io/v1beta1", "Subnet", "a", xr, true, nil, nil)}, "1 of Subnet [a b] are ready"},
		"NestedSelector":       {mr("eks.aws.m.upbound.io/v1beta1", "Cluster", "c", xr, false, nil, map[string]any{"vpcConfig": []any{map[string]any{"subnetIdRefs": []any{map[string]any{"name": "a"}}}}}), nil, "spec.forProvider.vpcConfig[0].subnetIdRefs"},
		"UnknownSelectorField": {mr(iam, "Thing", "t", xr, false, nil, map[string]any{"widgetSelector": selector("x")}), nil, "does not know what widgetSelector refers to"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Unresolved(tc.o, tc.world)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("Unresolved: %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRefusals: each rule refuses what the real-provider suite saw AWS
// refuse when an ordering was missing, and accepts the ordered case.
func TestRefusals(t *testing.T) {
	literalAttachment := mr(iam, "RolePolicyAttachment", "payments-dev.attachment", xr, false, nil, map[string]any{
		"policyArn": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", "role": "payments-dev-cluster-role",
	})
	cognito := "cognitoidp.aws.m.upbound.io/v1beta1"
	membership := mr(cognito, "UserInGroup", "payments-dev.member-alice", xr, false, nil, map[string]any{"groupName": "payments-dev-group", "username": "alice", "userPoolId": "eu-west-1_AbC"})
	group := mr(cognito, "UserGroup", "payments-dev.group", xr, true, nil, map[string]any{"name": "payments-dev-group"})
	cases := map[string]struct {
		finding string
		refused func() string
		want    string // part of AWS's answer; empty means accepted
	}{
		"AttachmentBeforeItsRole":  {"an attachment declared before its role", func() string { return CreateRefused(literalAttachment, nil) }, "NoSuchEntity: The role with name payments-dev-cluster-role"},
		"AttachmentAfterItsRole":   {"", func() string { return CreateRefused(literalAttachment, []map[string]any{role}) }, ""},
		"MembershipBeforeItsGroup": {"a membership before its group", func() string { return CreateRefused(membership, nil) }, "ResourceNotFoundException: Group payments-dev-group not found"},
		"MembershipAfterItsGroup":  {"", func() string { return CreateRefused(membership, []map[string]any{group}) }, ""},
		"UserWithCredential":       {"a user deleted before its credential", func() string { return DeleteRefused(user, []map[string]any{credential, policy}) }, "must remove credentials and detach policies first (still there: ServiceSpecificCredential payments-dev.git-credential)"},
		"UserWithPolicy":           {"a user deleted with its policy attached", func() string { return DeleteRefused(user, []map[string]any{userAttachment, policy}) }, "UserPolicyAttachment payments-dev.git-attachment"},
		"UserAlone":                {"", func() string { return DeleteRefused(user, []map[string]any{policy, role}) }, ""},
		"PolicyWhileAttached":      {"a policy deleted while attached", func() string { return DeleteRefused(policy, []map[string]any{userAttachment, user}) }, "Cannot delete a policy attached to entities"},
		"PolicyDetached":           {"", func() string { return DeleteRefused(policy, []map[string]any{user, credential}) }, ""},
		"AnotherXRsPolicy": {"", func() string {
			return DeleteRefused(mr(iam, "Policy", "search-dev.git-pull", "uid-of-search-dev", true, component("codecommit-reader-policy"), nil), []map[string]any{userAttachment, policy})
		}, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := tc.refused()
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("%s: AWS answers %q, want %q", tc.finding, got, tc.want)
			}
		})
	}
}

// TestEveryGoldenResolves: every reference and selector the function writes
// in each golden's converged output is known here and resolves to exactly
// what it should once everything is ready, so the simulated providers can
// play it, and nothing the function composes is refused by AWS's rules.
func TestEveryGoldenResolves(t *testing.T) {
	files, err := filepath.Glob("../../fn/testdata/golden/*/4-everything-ready.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no goldens: %v", err)
	}
	for _, f := range files {
		desired, err := golden.Desired(f)
		if err != nil {
			t.Fatal(err)
		}
		var world []map[string]any
		for _, o := range desired {
			md := o["metadata"].(map[string]any)
			md["ownerReferences"] = []any{map[string]any{"controller": true, "uid": xr}}
			o["status"] = map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}
			world = append(world, o)
		}
		for _, o := range world {
			if why := Unresolved(o, world); why != "" {
				t.Errorf("%s: %s %s: %s", f, kindOf(o), nameOf(o), why)
			}
			if why := CreateRefused(o, world); why != "" {
				t.Errorf("%s: %s %s: %s", f, kindOf(o), nameOf(o), why)
			}
		}
	}
}

func TestResolve(t *testing.T) {
	literalUser := mr(iam, "UserPolicyAttachment", "payments-dev.literal", xr, true, nil, map[string]any{"user": "payments-dev-git-user"})
	cases := map[string]struct {
		o     map[string]any
		field string
		w     []map[string]any
		want  []string
	}{
		"SelectorOfTheSameController": {attachment, "role", []map[string]any{role, otherRole}, []string{"payments-dev.cluster-role"}},
		"SelectorNotReady":            {attachment, "role", []map[string]any{notReady}, nil},
		"LiteralName":                 {literalUser, "user", []map[string]any{user, policy}, []string{"payments-dev.git-user"}},
		"LiteralNameMissing":          {literalUser, "user", []map[string]any{policy}, nil},
		"FieldNotSet":                 {attachment, "user", []map[string]any{user}, nil},
		"UnknownField":                {attachment, "nonsense", []map[string]any{role}, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, o := range Resolve(tc.o, tc.field, tc.w) {
				got = append(got, nameOf(o))
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Resolve(%s) = %v, want %v", tc.field, got, tc.want)
			}
		})
	}
}
