package addoniam

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var scope = Scope{
	Partition: "aws", Region: "eu-west-1", AccountID: "111122223333",
	ClusterName:   "payments-prod-0123456789abcdef",
	HostedZoneIDs: []string{"Z2ZONEB", "Z1ZONEA"},
	SecretPrefix:  "payments/payments-prod-0123456789abcdef/",

	KarpenterQueueARN:           "arn:aws:sqs:eu-west-1:111122223333:payments-prod-0123456789abcdef-karpenter",
	KarpenterNodeRoleARN:        "arn:aws:iam::111122223333:role/eks-gitops/payments-prod-0123456789abcdef-karpenter-node",
	KarpenterInstanceProfileARN: "arn:aws:iam::111122223333:instance-profile/eks-gitops/payments-prod-0123456789abcdef-karpenter-node",
}

// grants are every action a policy allows, with the resources it allows it on.
func grants(t *testing.T, doc string) map[string][]string {
	t.Helper()
	var d struct {
		Version   string
		Statement []struct {
			Effect    string
			Action    stringOrList
			Resource  stringOrList
			NotAction any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, doc)
	}
	if d.Version != "2012-10-17" {
		t.Errorf("Version = %q, want 2012-10-17", d.Version)
	}
	out := map[string][]string{}
	for _, s := range d.Statement {
		if s.Effect != "Allow" {
			t.Errorf("statement with Effect %q: only Allow statements are expected", s.Effect)
		}
		if s.NotAction != nil {
			t.Errorf("statement with NotAction: grants everything else")
		}
		for _, a := range s.Action {
			out[a] = append(out[a], s.Resource...)
		}
	}
	for a := range out {
		slices.Sort(out[a])
		out[a] = slices.Compact(out[a])
	}
	return out
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(s))
}

// TestPoliciesGrantOnlyWhatIsListed pins every action and resource of the
// policies written here: a new action, or a resource widened to "*", fails.
func TestPoliciesGrantOnlyWhatIsListed(t *testing.T) {
	zones := []string{"arn:aws:route53:::hostedzone/Z1ZONEA", "arn:aws:route53:::hostedzone/Z2ZONEB"}
	asg := []string{"arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:*:autoScalingGroupName/*"}
	secrets := []string{"arn:aws:secretsmanager:eu-west-1:111122223333:secret:payments/payments-prod-0123456789abcdef/*"}
	params := []string{"arn:aws:ssm:eu-west-1:111122223333:parameter/payments/payments-prod-0123456789abcdef/*"}
	star := []string{"*"}
	cases := map[string]struct {
		addon Addon
		want  map[string][]string
	}{
		"external-dns writes records only in the named zones": {ExternalDNS, map[string][]string{
			"route53:ChangeResourceRecordSets": zones,
			"route53:ListResourceRecordSets":   zones,
			"route53:ListTagsForResources":     zones,
			"route53:ListHostedZones":          star,
		}},
		"cert-manager writes challenge records only in the named zones": {CertManager, map[string][]string{
			"route53:GetChange":                {"arn:aws:route53:::change/*"},
			"route53:ChangeResourceRecordSets": zones,
			"route53:ListResourceRecordSets":   zones,
			"route53:ListHostedZonesByName":    star,
		}},
		"external-secrets reads only the cluster's prefix": {ExternalSecrets, map[string][]string{
			"secretsmanager:DescribeSecret":       secrets,
			"secretsmanager:GetResourcePolicy":    secrets,
			"secretsmanager:GetSecretValue":       secrets,
			"secretsmanager:ListSecretVersionIds": secrets,
			"ssm:GetParameter":                    params,
			"ssm:GetParameters":                   params,
			"ssm:GetParametersByPath":             params,
		}},
		"cluster-autoscaler scales only Auto Scaling groups": {ClusterAutoscaler, map[string][]string{
			"autoscaling:SetDesiredCapacity":                  asg,
			"autoscaling:TerminateInstanceInAutoScalingGroup": asg,
			"eks:DescribeNodegroup":                           {"arn:aws:eks:eu-west-1:111122223333:nodegroup/payments-prod-0123456789abcdef/*"},
			"autoscaling:DescribeAutoScalingGroups":           star,
			"autoscaling:DescribeAutoScalingInstances":        star,
			"autoscaling:DescribeLaunchConfigurations":        star,
			"autoscaling:DescribeScalingActivities":           star,
			"autoscaling:DescribeTags":                        star,
			"ec2:DescribeImages":                              star,
			"ec2:DescribeInstanceTypes":                       star,
			"ec2:DescribeLaunchTemplateVersions":              star,
			"ec2:GetInstanceTypesFromInstanceRequirements":    star,
		}},
		"karpenter launches, tags and terminates in the cluster's region, reads its queue, passes its node role": {Karpenter, map[string][]string{
			"ec2:RunInstances":                  append(append([]string{}, karpenterLaunched...), karpenterSources...),
			"ec2:CreateFleet":                   append(append([]string{}, karpenterLaunched...), karpenterSources...),
			"ec2:CreateLaunchTemplate":          karpenterLaunched,
			"ec2:CreateTags":                    karpenterLaunched,
			"ec2:TerminateInstances":            {"arn:aws:ec2:eu-west-1:*:instance/*", "arn:aws:ec2:eu-west-1:*:launch-template/*"},
			"ec2:DeleteLaunchTemplate":          {"arn:aws:ec2:eu-west-1:*:instance/*", "arn:aws:ec2:eu-west-1:*:launch-template/*"},
			"ec2:DescribeAvailabilityZones":     star,
			"ec2:DescribeImages":                star,
			"ec2:DescribeInstances":             star,
			"ec2:DescribeInstanceTypeOfferings": star,
			"ec2:DescribeInstanceTypes":         star,
			"ec2:DescribeLaunchTemplates":       star,
			"ec2:DescribeSecurityGroups":        star,
			"ec2:DescribeSpotPriceHistory":      star,
			"ec2:DescribeSubnets":               star,
			"ssm:GetParameter":                  {"arn:aws:ssm:eu-west-1::parameter/aws/service/*"},
			"pricing:GetProducts":               star,
			"sqs:DeleteMessage":                 {scope.KarpenterQueueARN},
			"sqs:GetQueueUrl":                   {scope.KarpenterQueueARN},
			"sqs:ReceiveMessage":                {scope.KarpenterQueueARN},
			"iam:PassRole":                      {scope.KarpenterNodeRoleARN},
			"iam:GetInstanceProfile":            {scope.KarpenterInstanceProfileARN},
			"eks:DescribeCluster":               {"arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod-0123456789abcdef"},
		}},
	}
	for _, want := range cases {
		for a := range want.want {
			slices.Sort(want.want[a])
			want.want[a] = slices.Compact(want.want[a])
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := grants(t, tc.addon.Policy(scope))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s policy grants (-want +got):\n%s", tc.addon.Name, diff)
			}
			for a, res := range got {
				if slices.Contains(res, Wildcard) && !WildcardOnly[a] {
					t.Errorf("%s: %q on \"*\" although the action takes a narrower ARN", tc.addon.Name, a)
				}
			}
		})
	}
}

var (
	karpenterLaunched = []string{
		"arn:aws:ec2:eu-west-1:*:fleet/*", "arn:aws:ec2:eu-west-1:*:instance/*", "arn:aws:ec2:eu-west-1:*:volume/*",
		"arn:aws:ec2:eu-west-1:*:network-interface/*", "arn:aws:ec2:eu-west-1:*:launch-template/*", "arn:aws:ec2:eu-west-1:*:spot-instances-request/*",
	}
	karpenterSources = []string{
		"arn:aws:ec2:eu-west-1::image/*", "arn:aws:ec2:eu-west-1::snapshot/*", "arn:aws:ec2:eu-west-1:*:security-group/*",
		"arn:aws:ec2:eu-west-1:*:subnet/*", "arn:aws:ec2:eu-west-1:*:capacity-reservation/*",
	}
)

// TestPoliciesKeepTheirConditions: conditions that narrow a grant to the
// cluster's own resources are part of the contract.
func TestPoliciesKeepTheirConditions(t *testing.T) {
	k := Karpenter.Policy(scope)
	for _, want := range []string{
		// Launches and deletions only of what carries the cluster's
		// ownership tag and a NodePool's: never another cluster's nodes.
		`"aws:RequestTag/kubernetes.io/cluster/payments-prod-0123456789abcdef":"owned"`,
		`"aws:ResourceTag/kubernetes.io/cluster/payments-prod-0123456789abcdef":"owned"`,
		`"aws:RequestTag/karpenter.sh/nodepool":"*"`,
		`"aws:ResourceTag/karpenter.sh/nodepool":"*"`,
		`"aws:RequestedRegion":"eu-west-1"`,
		`"iam:PassedToService":"ec2.amazonaws.com"`,
	} {
		if !strings.Contains(k, want) {
			t.Errorf("karpenter policy lacks the condition %s:\n%s", want, k)
		}
	}
	var doc Document
	if err := json.Unmarshal([]byte(k), &doc); err != nil {
		t.Fatal(err)
	}
	for _, st := range doc.Statement {
		for _, a := range st.Action {
			if (a == "ec2:TerminateInstances" || a == "ec2:DeleteLaunchTemplate") && st.Condition["StringEquals"] == nil {
				t.Errorf("%s: %s without the cluster's ownership condition", st.Sid, a)
			}
		}
	}
	ca := ClusterAutoscaler.Policy(scope)
	if !strings.Contains(ca, `"aws:ResourceTag/k8s.io/cluster-autoscaler/payments-prod-0123456789abcdef":"owned"`) {
		t.Errorf("cluster-autoscaler may scale Auto Scaling groups that are not the cluster's:\n%s", ca)
	}
	cm := CertManager.Policy(scope)
	for _, want := range []string{`"route53:ChangeResourceRecordSetsRecordTypes":["TXT"]`, `"route53:ChangeResourceRecordSetsNormalizedRecordNames":["_acme-challenge.*"]`} {
		if !strings.Contains(cm, want) {
			t.Errorf("cert-manager policy lacks the condition %s:\n%s", want, cm)
		}
	}
}

// TestTwoClustersShareNoGrant: the resources one cluster's policies name
// are never another cluster's.
func TestTwoClustersShareNoGrant(t *testing.T) {
	other := scope
	other.ClusterName = "payments-prod-fedcba9876543210"
	other.SecretPrefix = "payments/payments-prod-fedcba9876543210/"
	other.KarpenterQueueARN = "arn:aws:sqs:eu-west-1:111122223333:payments-prod-fedcba9876543210-karpenter"
	other.KarpenterNodeRoleARN = "arn:aws:iam::111122223333:role/eks-gitops/payments-prod-fedcba9876543210-karpenter-node"
	other.KarpenterInstanceProfileARN = "arn:aws:iam::111122223333:instance-profile/eks-gitops/payments-prod-fedcba9876543210-karpenter-node"
	for _, a := range []Addon{ExternalSecrets, ClusterAutoscaler, Karpenter} {
		mine, theirs := grants(t, a.Policy(scope)), grants(t, a.Policy(other))
		for action, res := range mine {
			for _, r := range res {
				if r != Wildcard && !strings.Contains(r, "/*") && slices.Contains(theirs[action], r) {
					t.Errorf("%s: both clusters get %s on %s", a.Name, action, r)
				}
			}
		}
		if a.Policy(scope) == a.Policy(other) {
			t.Errorf("%s: two clusters get the same policy", a.Name)
		}
	}
}

// TestLoadBalancerControllerPolicyIsThePublishedOne pins the embedded file
// to the published v3.5.0 document, so an edit is noticed.
func TestLoadBalancerControllerPolicyIsThePublishedOne(t *testing.T) {
	sum := sha256.Sum256(loadBalancerControllerPolicy)
	const published = "16f232c9d9f79366fe949c4550ad517a202380058a9e48d45a4e215044a20a6a"
	if got := hex.EncodeToString(sum[:]); got != published {
		t.Errorf("embedded policy's SHA-256 = %s, want %s (docs/install/iam_policy.json at %s)", got, published, LoadBalancerControllerVersion)
	}
	std := grants(t, LoadBalancerController.Policy(scope))
	if len(std) < 40 {
		t.Errorf("the published policy has %d actions, want the full document", len(std))
	}
	cn := grants(t, LoadBalancerController.Policy(Scope{Partition: "aws-cn"}))
	if !slices.Equal(slices.Sorted(maps.Keys(std)), slices.Sorted(maps.Keys(cn))) {
		t.Error("the aws-cn policy grants other actions than the aws one")
	}
	for a, res := range cn {
		for _, r := range res {
			if strings.HasPrefix(r, "arn:aws:") {
				t.Errorf("aws-cn policy: %s on %s is an ARN of the aws partition", a, r)
			}
		}
	}
}

func TestEBSCSIDriverUsesTheManagedPolicy(t *testing.T) {
	if p := EBSCSIDriver.Policy(scope); p != "" {
		t.Errorf("EBS CSI driver has a policy of its own: %s", p)
	}
	if EBSCSIDriver.ManagedPolicy != "service-role/AmazonEBSCSIDriverPolicy" {
		t.Errorf("ManagedPolicy = %q", EBSCSIDriver.ManagedPolicy)
	}
}

func TestAddonsAreDistinct(t *testing.T) {
	keys, names, subjects := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, a := range All() {
		subject := a.Namespace + "/" + a.ServiceAccount
		if keys[a.Key] || names[a.Name] || subjects[subject] {
			t.Errorf("%+v shares a key, name or service account with another add-on", a)
		}
		keys[a.Key], names[a.Name], subjects[subject] = true, true, true
	}
}
