// Package provisioning says what the AWS provider must be allowed to do in
// each account to make what the function composes: the IAM policy of the
// role its ClusterProviderConfigs assume there. It is one table of
// statements, each naming the managed kinds that need it; the policies and
// CloudFormation templates under example/accounts are generated from it,
// and its tests hold it against every kind the function emits (goldens).
package provisioning

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Account is which kind of account a provisioning role lives in.
type Account string

// The two kinds of account: a team's, holding its network and cluster,
// and the central one, holding the Git repositories and the sign-in
// groups.
const (
	Team    Account = "team"
	Central Account = "central"
)

// Accounts are every kind of account, in the order documents list them.
var Accounts = []Account{Team, Central}

// RoleName is the role the ClusterProviderConfigs assume in each account.
const RoleName = "eks-gitops-provisioning"

// PolicyVersion is IAM's policy language version.
const PolicyVersion = "2012-10-17"

// The resource patterns the function's names allow: every IAM role, user,
// policy and instance profile it makes lives under the path /eks-gitops/
// (compose.IAMPath), every KMS alias under alias/eks-gitops/, and every
// log group is EKS's own /aws/eks/<cluster>/cluster. The rest have no
// common prefix to scope by.
const (
	iamRoles            = "arn:*:iam::*:role/eks-gitops/*"
	iamUsers            = "arn:*:iam::*:user/eks-gitops/*"
	iamPolicies         = "arn:*:iam::*:policy/eks-gitops/*"
	iamInstanceProfiles = "arn:*:iam::*:instance-profile/eks-gitops/*"
	kmsAliases          = "arn:*:kms:*:*:alias/eks-gitops/*"
	kmsKeys             = "arn:*:kms:*:*:key/*"
	eksLogGroups        = "arn:*:logs:*:*:log-group:/aws/eks/*"
)

// Statement is one statement of a provisioning policy, and the managed
// kinds ("<group>/<Kind>", the group without .aws.m.upbound.io) whose
// creation, observation, update or deletion call its actions.
type Statement struct {
	Sid       string
	Kinds     []string
	Actions   []string
	Resources []string
	Condition map[string]map[string][]string
}

// Statements is the table. The actions are those the provider's Terraform
// resources (provider-aws v2.5.0) call for each kind: create, read, update,
// tag and delete, with the finders each uses.
var Statements = []Statement{
	{
		Sid:   "Network",
		Kinds: []string{"ec2/VPC", "ec2/Subnet", "ec2/InternetGateway", "ec2/EIP", "ec2/NATGateway", "ec2/RouteTable", "ec2/Route", "ec2/RouteTableAssociation"},
		Actions: []string{
			"ec2:AllocateAddress", "ec2:AssociateRouteTable", "ec2:AttachInternetGateway",
			"ec2:CreateInternetGateway", "ec2:CreateNatGateway", "ec2:CreateRoute", "ec2:CreateRouteTable",
			"ec2:CreateSubnet", "ec2:CreateTags", "ec2:CreateVpc",
			"ec2:DeleteInternetGateway", "ec2:DeleteNatGateway", "ec2:DeleteRoute", "ec2:DeleteRouteTable",
			"ec2:DeleteSubnet", "ec2:DeleteTags", "ec2:DeleteVpc",
			"ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute", "ec2:DescribeAvailabilityZones",
			"ec2:DescribeInternetGateways", "ec2:DescribeNatGateways", "ec2:DescribeNetworkAcls",
			"ec2:DescribeNetworkInterfaces", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroupRules",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeTags", "ec2:DescribeVpcAttribute",
			"ec2:DescribeVpcs",
			"ec2:DetachInternetGateway", "ec2:DisassociateAddress", "ec2:DisassociateRouteTable",
			"ec2:ModifySubnetAttribute", "ec2:ModifyVpcAttribute", "ec2:ReleaseAddress", "ec2:ReplaceRoute",
			"ec2:ReplaceRouteTableAssociation",
		},
		Resources: []string{"*"},
	},
	{
		Sid:   "LaunchTemplates",
		Kinds: []string{"ec2/LaunchTemplate"},
		Actions: []string{
			"ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion", "ec2:CreateTags", "ec2:DeleteLaunchTemplate",
			"ec2:DeleteTags", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeLaunchTemplates", "ec2:ModifyLaunchTemplate",
		},
		Resources: []string{"*"},
	},
	{
		Sid:   "Clusters",
		Kinds: []string{"eks/Cluster", "eks/NodeGroup", "eks/Addon", "eks/AccessEntry", "eks/AccessPolicyAssociation", "eks/PodIdentityAssociation"},
		Actions: []string{
			"eks:AssociateAccessPolicy", "eks:AssociateEncryptionConfig", "eks:CreateAccessEntry", "eks:CreateAddon",
			"eks:CreateCluster", "eks:CreateNodegroup", "eks:CreatePodIdentityAssociation",
			"eks:DeleteAccessEntry", "eks:DeleteAddon", "eks:DeleteCluster", "eks:DeleteNodegroup",
			"eks:DeletePodIdentityAssociation", "eks:DescribeAccessEntry", "eks:DescribeAddon",
			"eks:DescribeAddonVersions", "eks:DescribeCluster", "eks:DescribeNodegroup",
			"eks:DescribePodIdentityAssociation", "eks:DescribeUpdate", "eks:DisassociateAccessPolicy",
			"eks:ListAccessEntries", "eks:ListAddons", "eks:ListAssociatedAccessPolicies", "eks:ListNodegroups",
			"eks:ListPodIdentityAssociations", "eks:ListTagsForResource", "eks:TagResource", "eks:UntagResource",
			"eks:UpdateAccessEntry", "eks:UpdateAddon", "eks:UpdateClusterConfig", "eks:UpdateClusterVersion",
			"eks:UpdateNodegroupConfig", "eks:UpdateNodegroupVersion", "eks:UpdatePodIdentityAssociation",
		},
		Resources: []string{"*"},
	},
	{
		// EKS makes its service-linked roles on an account's first
		// cluster and node group.
		Sid:       "ServiceLinkedRoles",
		Kinds:     []string{"eks/Cluster", "eks/NodeGroup"},
		Actions:   []string{"iam:CreateServiceLinkedRole"},
		Resources: []string{"*"},
		Condition: map[string]map[string][]string{"StringEquals": {"iam:AWSServiceName": {"eks.amazonaws.com", "eks-nodegroup.amazonaws.com"}}},
	},
	{
		// Handing a role to EKS (cluster, nodes, Auto Mode, Pod Identity)
		// or to EC2 (Karpenter's instance profile): only the function's
		// own roles, and only to those services.
		Sid:       "PassOwnRoles",
		Kinds:     []string{"eks/Cluster", "eks/NodeGroup", "eks/PodIdentityAssociation", "iam/InstanceProfile"},
		Actions:   []string{"iam:PassRole"},
		Resources: []string{iamRoles},
		Condition: map[string]map[string][]string{"StringEquals": {"iam:PassedToService": {"ec2.amazonaws.com", "eks.amazonaws.com", "pods.eks.amazonaws.com"}}},
	},
	{
		Sid:   "Roles",
		Kinds: []string{"iam/Role", "iam/RolePolicy", "iam/RolePolicyAttachment"},
		Actions: []string{
			"iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
			"iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
			"iam:ListRolePolicies", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy",
			"iam:UpdateRole", "iam:UpdateRoleDescription",
		},
		Resources: []string{iamRoles},
	},
	{
		Sid:   "InstanceProfiles",
		Kinds: []string{"iam/InstanceProfile"},
		Actions: []string{
			"iam:AddRoleToInstanceProfile", "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile",
			"iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile",
		},
		Resources: []string{iamInstanceProfiles},
	},
	{
		Sid:   "GitUsers",
		Kinds: []string{"iam/User", "iam/UserPolicyAttachment", "iam/ServiceSpecificCredential"},
		Actions: []string{
			"iam:AttachUserPolicy", "iam:CreateServiceSpecificCredential", "iam:CreateUser",
			"iam:DeleteServiceSpecificCredential", "iam:DeleteUser", "iam:DetachUserPolicy", "iam:GetUser",
			"iam:ListAttachedUserPolicies", "iam:ListGroupsForUser", "iam:ListServiceSpecificCredentials", "iam:ResetServiceSpecificCredential",
			"iam:TagUser", "iam:UntagUser", "iam:UpdateServiceSpecificCredential",
		},
		Resources: []string{iamUsers},
	},
	{
		Sid:   "GitPolicies",
		Kinds: []string{"iam/Policy", "iam/UserPolicyAttachment"},
		Actions: []string{
			"iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:GetPolicy",
			"iam:GetPolicyVersion", "iam:ListEntitiesForPolicy", "iam:ListPolicyVersions", "iam:TagPolicy", "iam:UntagPolicy",
		},
		Resources: []string{iamPolicies},
	},
	{
		// CreateKey names no key yet; the key's own policy then
		// decides what this role may do with it.
		Sid:   "ClusterKeys",
		Kinds: []string{"kms/Key"},
		Actions: []string{
			"kms:CreateKey", "kms:DescribeKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
			"kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
			"kms:UpdateKeyDescription",
			// EKS encrypts with a grant the cluster's creator makes.
			"kms:CreateGrant",
		},
		Resources: []string{"*"},
	},
	{
		Sid:       "ClusterKeyAliases",
		Kinds:     []string{"kms/Alias"},
		Actions:   []string{"kms:CreateAlias", "kms:DeleteAlias", "kms:ListAliases", "kms:UpdateAlias"},
		Resources: []string{kmsAliases, kmsKeys},
	},
	{
		Sid:   "ControlPlaneLogs",
		Kinds: []string{"cloudwatchlogs/Group"},
		Actions: []string{
			"logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DeleteRetentionPolicy",
			"logs:DisassociateKmsKey", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
			"logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource",
		},
		Resources: []string{eksLogGroups},
	},
	{
		// DescribeLogGroups lists, and is allowed on every group or
		// none.
		Sid:       "ListLogGroups",
		Kinds:     []string{"cloudwatchlogs/Group"},
		Actions:   []string{"logs:DescribeLogGroups"},
		Resources: []string{"*"},
	},
	{
		Sid:   "InterruptionQueues",
		Kinds: []string{"sqs/Queue", "sqs/QueuePolicy"},
		Actions: []string{
			"sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags",
			"sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue",
		},
		Resources: []string{"*"},
	},
	{
		Sid:   "InterruptionRules",
		Kinds: []string{"cloudwatchevents/Rule", "cloudwatchevents/Target"},
		Actions: []string{
			"events:DeleteRule", "events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule",
			"events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource", "events:UntagResource",
		},
		Resources: []string{"*"},
	},
	{
		Sid:   "Repositories",
		Kinds: []string{"codecommit/Repository", "codecommit/ApprovalRuleTemplate", "codecommit/ApprovalRuleTemplateAssociation"},
		Actions: []string{
			"codecommit:AssociateApprovalRuleTemplateWithRepository", "codecommit:CreateApprovalRuleTemplate",
			"codecommit:CreateRepository", "codecommit:DeleteApprovalRuleTemplate", "codecommit:DeleteRepository",
			"codecommit:DisassociateApprovalRuleTemplateFromRepository", "codecommit:GetApprovalRuleTemplate",
			"codecommit:GetRepository", "codecommit:ListAssociatedApprovalRuleTemplatesForRepository",
			"codecommit:ListBranches", "codecommit:ListRepositoriesForApprovalRuleTemplate",
			"codecommit:ListTagsForResource", "codecommit:TagResource", "codecommit:UntagResource",
			"codecommit:UpdateApprovalRuleTemplateContent", "codecommit:UpdateApprovalRuleTemplateDescription",
			"codecommit:UpdateApprovalRuleTemplateName", "codecommit:UpdateDefaultBranch",
			"codecommit:UpdateRepositoryDescription",
		},
		Resources: []string{"*"},
	},
	{
		// The platform's user pool is named in its settings; groups
		// have no ARN of their own.
		Sid:   "SignInGroups",
		Kinds: []string{"cognitoidp/UserGroup", "cognitoidp/UserInGroup"},
		Actions: []string{
			"cognito-idp:AdminAddUserToGroup", "cognito-idp:AdminListGroupsForUser", "cognito-idp:AdminRemoveUserFromGroup",
			"cognito-idp:CreateGroup", "cognito-idp:DeleteGroup", "cognito-idp:GetGroup", "cognito-idp:UpdateGroup",
		},
		Resources: []string{"arn:*:cognito-idp:*:*:userpool/*"},
	},
	{
		// IAM Identity Center's groups, when people sign in there: the
		// store is named in the settings; groups, memberships and users
		// have ARNs of their own, outside any account.
		Sid:   "IdentityCenterGroups",
		Kinds: []string{"identitystore/Group", "identitystore/GroupMembership"},
		Actions: []string{
			"identitystore:CreateGroup", "identitystore:DeleteGroup", "identitystore:DescribeGroup", "identitystore:UpdateGroup",
			"identitystore:CreateGroupMembership", "identitystore:DeleteGroupMembership", "identitystore:DescribeGroupMembership",
		},
		Resources: []string{
			"arn:*:identitystore::*:identitystore/*", "arn:*:identitystore:::group/*",
			"arn:*:identitystore:::membership/*", "arn:*:identitystore:::user/*",
		},
	},
}

// KindAccounts are the accounts each kind is made in: the team's for its
// network, cluster and what runs on it; the central one for its Git
// repository, the Git identities and the sign-in groups. A Role is made
// in both: the cluster's in the team account, the Git push role beside the
// repository.
var KindAccounts = map[string][]Account{
	"ec2/VPC": {Team}, "ec2/Subnet": {Team}, "ec2/InternetGateway": {Team}, "ec2/EIP": {Team},
	"ec2/NATGateway": {Team}, "ec2/RouteTable": {Team}, "ec2/Route": {Team}, "ec2/RouteTableAssociation": {Team},
	"ec2/LaunchTemplate": {Team},
	"eks/Cluster":        {Team}, "eks/NodeGroup": {Team}, "eks/Addon": {Team}, "eks/AccessEntry": {Team},
	"eks/AccessPolicyAssociation": {Team}, "eks/PodIdentityAssociation": {Team},
	"iam/Role": {Team, Central}, "iam/RolePolicy": {Team}, "iam/RolePolicyAttachment": {Team},
	"iam/InstanceProfile": {Team},
	"iam/User":            {Central}, "iam/UserPolicyAttachment": {Central}, "iam/ServiceSpecificCredential": {Central},
	"iam/Policy": {Central},
	"kms/Key":    {Team}, "kms/Alias": {Team},
	"cloudwatchlogs/Group": {Team},
	"sqs/Queue":            {Team}, "sqs/QueuePolicy": {Team},
	"cloudwatchevents/Rule": {Team}, "cloudwatchevents/Target": {Team},
	"codecommit/Repository": {Central}, "codecommit/ApprovalRuleTemplate": {Central},
	"codecommit/ApprovalRuleTemplateAssociation": {Central},
	"cognitoidp/UserGroup":                       {Central}, "cognitoidp/UserInGroup": {Central},
	"identitystore/Group": {Central}, "identitystore/GroupMembership": {Central},
}

// KindOf names a managed resource's kind as the table does, from its
// apiVersion and kind; ok is false for what is not the AWS provider's.
func KindOf(apiVersion, kind string) (string, bool) {
	group, _, _ := strings.Cut(apiVersion, "/")
	svc, ok := strings.CutSuffix(group, ".aws.m.upbound.io")
	if !ok {
		return "", false
	}
	return svc + "/" + kind, true
}

// In reports whether kinds made in a are among the statement's.
func (s Statement) In(a Account) bool {
	return slices.ContainsFunc(s.Kinds, func(k string) bool { return slices.Contains(KindAccounts[k], a) })
}

// Policy is the provisioning role's policy in an account of kind a, as
// IAM takes it.
func Policy(a Account) map[string]any {
	var stmts []any
	for _, s := range Statements {
		if !s.In(a) {
			continue
		}
		st := map[string]any{"Sid": s.Sid, "Effect": "Allow", "Action": sorted(s.Actions), "Resource": sorted(s.Resources)}
		if s.Condition != nil {
			st["Condition"] = s.Condition
		}
		stmts = append(stmts, st)
	}
	return map[string]any{"Version": PolicyVersion, "Statement": stmts}
}

// PolicyJSON is Policy as the compact JSON document IAM stores.
func PolicyJSON(a Account) (string, error) {
	b, err := json.Marshal(Policy(a))
	if err != nil {
		return "", fmt.Errorf("cannot encode the %s account's provisioning policy: %w", a, err)
	}
	return string(b), nil
}

// Grants reports whether the policy of account a allows the action on
// some resource: what a record of calls, which names no resources, can be
// held against.
func Grants(a Account, action string) bool {
	return slices.ContainsFunc(Statements, func(s Statement) bool {
		return s.In(a) && slices.ContainsFunc(s.Actions, func(x string) bool { return strings.EqualFold(x, action) })
	})
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
