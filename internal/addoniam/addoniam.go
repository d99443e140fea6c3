// Package addoniam is the AWS access of the add-ons a cluster runs: for each
// add-on, the Kubernetes service account EKS Pod Identity gives a role to,
// and the least-privilege IAM policy of that role, scoped to the cluster,
// account, region and resources the add-on may touch.
//
// The AWS Load Balancer Controller's policy is the one its project
// publishes, kept verbatim in aws-load-balancer-controller-v3.5.0.json:
// docs/install/iam_policy.json of kubernetes-sigs/aws-load-balancer-controller
// at tag v3.5.0 (Apache-2.0), the version of the Helm chart that
// example/addons pins. Every other policy is written here, from each
// project's documented permissions, narrowed to ARNs wherever the action
// supports resource-level permissions.
package addoniam

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"slices"
	"strings"
)

// LoadBalancerControllerVersion is the controller version whose published
// policy is embedded; example/addons installs the chart of this version.
const LoadBalancerControllerVersion = "v3.5.0"

//go:embed aws-load-balancer-controller-v3.5.0.json
var loadBalancerControllerPolicy []byte

// Addon is one add-on that gets AWS access through EKS Pod Identity.
type Addon struct {
	// Key is the add-on's name in the gitops-bridge metadata of the Argo CD
	// cluster Secret: label enable_<Key>, annotations <Key>_iam_role_arn,
	// <Key>_namespace and <Key>_service_account.
	Key string
	// Name is the add-on's name in composed resource names and its IAM
	// role's name suffix.
	Name string
	// Namespace and ServiceAccount are where the add-on's pods run and
	// which service account they use: the Pod Identity association's
	// subject. They are the defaults of aws-ia/terraform-aws-eks-blueprints-addons,
	// which the gitops-bridge ApplicationSets expect.
	Namespace      string
	ServiceAccount string
	// ManagedPolicy is the AWS-managed policy the role gets instead of a
	// policy of its own, by the part of its ARN after "policy/".
	ManagedPolicy string
}

// The add-ons, in the order they are composed.
var (
	EBSCSIDriver = Addon{
		Key: "aws_ebs_csi_driver", Name: "ebs-csi-driver",
		Namespace: "kube-system", ServiceAccount: "ebs-csi-controller-sa",
		ManagedPolicy: "service-role/AmazonEBSCSIDriverPolicy",
	}
	LoadBalancerController = Addon{
		Key: "aws_load_balancer_controller", Name: "lb-controller",
		Namespace: "kube-system", ServiceAccount: "aws-load-balancer-controller-sa",
	}
	ExternalDNS = Addon{
		Key: "external_dns", Name: "external-dns",
		Namespace: "external-dns", ServiceAccount: "external-dns-sa",
	}
	CertManager = Addon{
		Key: "cert_manager", Name: "cert-manager",
		Namespace: "cert-manager", ServiceAccount: "cert-manager",
	}
	ExternalSecrets = Addon{
		Key: "external_secrets", Name: "external-secrets",
		Namespace: "external-secrets", ServiceAccount: "external-secrets-sa",
	}
	ClusterAutoscaler = Addon{
		Key: "cluster_autoscaler", Name: "cluster-autoscaler",
		Namespace: "kube-system", ServiceAccount: "cluster-autoscaler-sa",
	}
	// Karpenter's chart defaults to kube-system and a service account named
	// after the release.
	Karpenter = Addon{
		Key: "karpenter", Name: "karpenter",
		Namespace: "kube-system", ServiceAccount: "karpenter",
	}
)

// All are every add-on, in the order they are composed.
func All() []Addon {
	return []Addon{EBSCSIDriver, LoadBalancerController, ExternalDNS, CertManager, ExternalSecrets, ClusterAutoscaler, Karpenter}
}

// Scope is what an add-on's policy is narrowed to.
type Scope struct {
	Partition   string
	Region      string
	AccountID   string
	ClusterName string
	// HostedZoneIDs are the Route 53 zones external-dns and cert-manager
	// may write records in.
	HostedZoneIDs []string
	// SecretPrefix is the name prefix of the Secrets Manager secrets and
	// Parameter Store parameters external-secrets may read, ending in "/".
	SecretPrefix string
	// KarpenterQueueARN is Karpenter's interruption queue, and
	// KarpenterNodeRoleARN and KarpenterInstanceProfileARN the role and
	// instance profile of the nodes it launches.
	KarpenterQueueARN           string
	KarpenterNodeRoleARN        string
	KarpenterInstanceProfileARN string
}

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy document.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// Wildcard is the resource of actions that support no resource-level
// permissions: AWS only accepts "*" for them.
const Wildcard = "*"

// Policy returns the add-on's IAM policy document as JSON, or "" for an
// add-on that uses an AWS-managed policy.
func (a Addon) Policy(s Scope) string {
	if a.Key == LoadBalancerController.Key {
		return loadBalancerController(s.Partition)
	}
	var st []Statement
	switch a.Key {
	case ExternalDNS.Key:
		st = externalDNS(s)
	case CertManager.Key:
		st = certManager(s)
	case ExternalSecrets.Key:
		st = externalSecrets(s)
	case ClusterAutoscaler.Key:
		st = clusterAutoscaler(s)
	case Karpenter.Key:
		st = karpenter(s)
	default:
		return ""
	}
	b, _ := json.Marshal(Document{Version: "2012-10-17", Statement: st}) //nolint:errchkjson // Plain strings and maps always encode.
	return string(b)
}

// loadBalancerController is the published policy with its ARNs in the
// partition: the project's _cn and _us-gov files differ from the standard
// one only in the partition and the order of statements.
func loadBalancerController(partition string) string {
	var b bytes.Buffer
	_ = json.Compact(&b, loadBalancerControllerPolicy) // Checked by a test.
	return strings.ReplaceAll(b.String(), `"arn:aws:`, `"arn:`+partition+`:`)
}

func (s Scope) hostedZones() []string {
	arns := make([]string, len(s.HostedZoneIDs))
	for i, id := range s.HostedZoneIDs {
		arns[i] = "arn:" + s.Partition + ":route53:::hostedzone/" + id
	}
	slices.Sort(arns)
	return arns
}

// externalDNS follows external-dns's AWS tutorial, with record changes
// limited to the named zones.
func externalDNS(s Scope) []Statement {
	return []Statement{
		{
			Sid:      "ManageRecordsInTheNamedZones",
			Effect:   "Allow",
			Action:   []string{"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"},
			Resource: s.hostedZones(),
		},
		{
			Sid:      "FindZones",
			Effect:   "Allow",
			Action:   []string{"route53:ListHostedZones"},
			Resource: []string{Wildcard},
		},
	}
}

// certManager follows cert-manager's Route 53 DNS01 guide, including its
// least-privilege conditions: only TXT records named _acme-challenge.*.
func certManager(s Scope) []Statement {
	return []Statement{
		{
			Sid:      "WatchChanges",
			Effect:   "Allow",
			Action:   []string{"route53:GetChange"},
			Resource: []string{"arn:" + s.Partition + ":route53:::change/*"},
		},
		{
			Sid:      "WriteChallengeRecords",
			Effect:   "Allow",
			Action:   []string{"route53:ChangeResourceRecordSets"},
			Resource: s.hostedZones(),
			Condition: map[string]map[string]any{
				"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": []string{"TXT"}},
				"ForAllValues:StringLike":   {"route53:ChangeResourceRecordSetsNormalizedRecordNames": []string{"_acme-challenge.*"}},
			},
		},
		{
			Sid:      "ReadRecords",
			Effect:   "Allow",
			Action:   []string{"route53:ListResourceRecordSets"},
			Resource: s.hostedZones(),
		},
		{
			Sid:      "FindZones",
			Effect:   "Allow",
			Action:   []string{"route53:ListHostedZonesByName"},
			Resource: []string{Wildcard},
		},
	}
}

// externalSecrets reads secrets and parameters under the cluster's prefix
// only: another team's, or another cluster's, stay out of reach.
func externalSecrets(s Scope) []Statement {
	region := s.Partition + ":secretsmanager:" + s.Region + ":" + s.AccountID
	ssm := s.Partition + ":ssm:" + s.Region + ":" + s.AccountID
	return []Statement{
		{
			Sid:      "ReadTheClustersSecrets",
			Effect:   "Allow",
			Action:   []string{"secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds"},
			Resource: []string{"arn:" + region + ":secret:" + s.SecretPrefix + "*"},
		},
		{
			Sid:      "ReadTheClustersParameters",
			Effect:   "Allow",
			Action:   []string{"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"},
			Resource: []string{"arn:" + ssm + ":parameter/" + s.SecretPrefix + "*"},
		},
	}
}

// clusterAutoscaler follows the autoscaler's AWS guide (minimal policy):
// it scales and terminates only the Auto Scaling groups EKS tagged as the
// cluster's own.
func clusterAutoscaler(s Scope) []Statement {
	return []Statement{
		{
			Sid:      "ScaleTheClustersNodeGroups",
			Effect:   "Allow",
			Action:   []string{"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"},
			Resource: []string{"arn:" + s.Partition + ":autoscaling:" + s.Region + ":" + s.AccountID + ":autoScalingGroup:*:autoScalingGroupName/*"},
			Condition: map[string]map[string]any{
				"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/" + s.ClusterName: "owned"},
			},
		},
		{
			Sid:      "DescribeTheClustersNodeGroups",
			Effect:   "Allow",
			Action:   []string{"eks:DescribeNodegroup"},
			Resource: []string{"arn:" + s.Partition + ":eks:" + s.Region + ":" + s.AccountID + ":nodegroup/" + s.ClusterName + "/*"},
		},
		{
			Sid:    "Discover",
			Effect: "Allow",
			Action: []string{
				"autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
				"autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
				"autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
				"ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
			},
			Resource: []string{Wildcard},
		},
	}
}

// karpenter follows Karpenter's v1 reference controller policy (its
// getting-started CloudFormation template): instances, fleets, launch
// templates and their volumes and interfaces only with the cluster's
// ownership tag and a NodePool's tag, deletion only of what carries both,
// reads in the cluster's region. The instance profile is the function's,
// so the statements that let Karpenter make its own are left out.
func karpenter(s Scope) []Statement {
	ec2 := func(types ...string) []string {
		out := make([]string, len(types))
		for i, t := range types {
			out[i] = "arn:" + s.Partition + ":ec2:" + s.Region + ":*:" + t + "/*"
		}
		return out
	}
	owned := "kubernetes.io/cluster/" + s.ClusterName
	launched := ec2("fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request")
	return []Statement{
		{
			Sid:      "AllowScopedEC2InstanceAccessActions",
			Effect:   "Allow",
			Action:   []string{"ec2:RunInstances", "ec2:CreateFleet"},
			Resource: append([]string{"arn:" + s.Partition + ":ec2:" + s.Region + "::image/*", "arn:" + s.Partition + ":ec2:" + s.Region + "::snapshot/*"}, ec2("security-group", "subnet", "capacity-reservation")...),
		},
		{
			Sid:      "AllowScopedEC2LaunchTemplateAccessActions",
			Effect:   "Allow",
			Action:   []string{"ec2:RunInstances", "ec2:CreateFleet"},
			Resource: ec2("launch-template"),
			Condition: map[string]map[string]any{
				"StringEquals": {"aws:ResourceTag/" + owned: "owned"},
				"StringLike":   {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
			},
		},
		{
			Sid:      "AllowScopedEC2InstanceActionsWithTags",
			Effect:   "Allow",
			Action:   []string{"ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"},
			Resource: launched,
			Condition: map[string]map[string]any{
				"StringEquals": {"aws:RequestTag/" + owned: "owned", "aws:RequestTag/eks:eks-cluster-name": s.ClusterName},
				"StringLike":   {"aws:RequestTag/karpenter.sh/nodepool": "*"},
			},
		},
		{
			Sid:      "AllowScopedResourceCreationTagging",
			Effect:   "Allow",
			Action:   []string{"ec2:CreateTags"},
			Resource: launched,
			Condition: map[string]map[string]any{
				"StringEquals": {
					"aws:RequestTag/" + owned: "owned", "aws:RequestTag/eks:eks-cluster-name": s.ClusterName,
					"ec2:CreateAction": []string{"RunInstances", "CreateFleet", "CreateLaunchTemplate"},
				},
				"StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
			},
		},
		{
			Sid:      "AllowScopedResourceTagging",
			Effect:   "Allow",
			Action:   []string{"ec2:CreateTags"},
			Resource: ec2("instance"),
			Condition: map[string]map[string]any{
				"StringEquals":              {"aws:ResourceTag/" + owned: "owned"},
				"StringLike":                {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
				"StringEqualsIfExists":      {"aws:RequestTag/eks:eks-cluster-name": s.ClusterName},
				"ForAllValues:StringEquals": {"aws:TagKeys": []string{"eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"}},
			},
		},
		{
			Sid:      "AllowScopedDeletion",
			Effect:   "Allow",
			Action:   []string{"ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"},
			Resource: ec2("instance", "launch-template"),
			Condition: map[string]map[string]any{
				"StringEquals": {"aws:ResourceTag/" + owned: "owned"},
				"StringLike":   {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
			},
		},
		{
			Sid:    "AllowRegionalReadActions",
			Effect: "Allow",
			Action: []string{
				"ec2:DescribeAvailabilityZones", "ec2:DescribeImages", "ec2:DescribeInstances",
				"ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates",
				"ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets",
			},
			Resource:  []string{Wildcard},
			Condition: map[string]map[string]any{"StringEquals": {"aws:RequestedRegion": s.Region}},
		},
		{
			Sid:      "AllowSSMReadActions",
			Effect:   "Allow",
			Action:   []string{"ssm:GetParameter"},
			Resource: []string{"arn:" + s.Partition + ":ssm:" + s.Region + "::parameter/aws/service/*"},
		},
		{
			Sid:      "AllowPricingReadActions",
			Effect:   "Allow",
			Action:   []string{"pricing:GetProducts"},
			Resource: []string{Wildcard},
		},
		{
			Sid:      "AllowInterruptionQueueActions",
			Effect:   "Allow",
			Action:   []string{"sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"},
			Resource: []string{s.KarpenterQueueARN},
		},
		{
			Sid:       "AllowPassingInstanceRole",
			Effect:    "Allow",
			Action:    []string{"iam:PassRole"},
			Resource:  []string{s.KarpenterNodeRoleARN},
			Condition: map[string]map[string]any{"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}, //nolint:gosec // A condition key, not a credential.
		},
		{
			Sid:      "AllowInstanceProfileReadActions",
			Effect:   "Allow",
			Action:   []string{"iam:GetInstanceProfile"},
			Resource: []string{s.KarpenterInstanceProfileARN},
		},
		{
			Sid:      "AllowAPIServerEndpointDiscovery",
			Effect:   "Allow",
			Action:   []string{"eks:DescribeCluster"},
			Resource: []string{"arn:" + s.Partition + ":eks:" + s.Region + ":" + s.AccountID + ":cluster/" + s.ClusterName},
		},
	}
}

// WildcardOnly are the actions of these policies that support no
// resource-level permissions (the Service Authorization Reference lists no
// resource type for them), so "*" is the narrowest resource they take.
var WildcardOnly = map[string]bool{
	"route53:ListHostedZones":                      true,
	"route53:ListHostedZonesByName":                true,
	"autoscaling:DescribeAutoScalingGroups":        true,
	"autoscaling:DescribeAutoScalingInstances":     true,
	"autoscaling:DescribeLaunchConfigurations":     true,
	"autoscaling:DescribeScalingActivities":        true,
	"autoscaling:DescribeTags":                     true,
	"ec2:DescribeImages":                           true,
	"ec2:DescribeInstanceTypes":                    true,
	"ec2:DescribeLaunchTemplateVersions":           true,
	"ec2:GetInstanceTypesFromInstanceRequirements": true,
	"ec2:DescribeAvailabilityZones":                true,
	"ec2:DescribeInstances":                        true,
	"ec2:DescribeInstanceTypeOfferings":            true,
	"ec2:DescribeLaunchTemplates":                  true,
	"ec2:DescribeSecurityGroups":                   true,
	"ec2:DescribeSpotPriceHistory":                 true,
	"ec2:DescribeSubnets":                          true,
	"pricing:GetProducts":                          true,
}
