package provisioning

import (
	"fmt"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// InlinePolicyLimit is IAM's limit on the inline policies of one role, in
// characters of their JSON without whitespace.
const InlinePolicyLimit = 10240

// RoleARN is the provisioning role's ARN in an account.
func RoleARN(partition, accountID string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, accountID, RoleName)
}

// CloudFormation is the template that makes the provisioning role in an
// account of kind a: trusted by the AWS provider's own role in the
// management account, with the account's provisioning policy inline.
func CloudFormation(a Account) map[string]any {
	return map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              fmt.Sprintf("The role Crossplane's AWS provider assumes in a %s account to make what function-eks-gitops composes. Generated from internal/provisioning; do not edit.", a),
		"Parameters": map[string]any{
			"ProviderRoleArn": map[string]any{
				"Type":           "String",
				"Description":    "The IAM role the AWS provider runs as in the management cluster (its Pod Identity or IRSA role).",
				"AllowedPattern": `^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`,
			},
		},
		"Resources": map[string]any{
			"ProvisioningRole": map[string]any{
				"Type": "AWS::IAM::Role",
				"Properties": map[string]any{
					"RoleName":           RoleName,
					"Description":        "Assumed by Crossplane's AWS provider for function-eks-gitops",
					"MaxSessionDuration": 3600,
					"AssumeRolePolicyDocument": map[string]any{
						"Version": PolicyVersion,
						"Statement": []any{map[string]any{
							"Effect":    "Allow",
							"Principal": map[string]any{"AWS": map[string]any{"Ref": "ProviderRoleArn"}},
							"Action":    []any{"sts:AssumeRole", "sts:TagSession"},
						}},
					},
					"Policies": []any{map[string]any{"PolicyName": RoleName, "PolicyDocument": Policy(a)}},
					"Tags":     managedByTags,
				},
			},
		},
		"Outputs": map[string]any{
			"RoleArn": map[string]any{
				"Description": "Name it in the account's ClusterProviderConfig (spec.assumeRoleChain[0].roleARN).",
				"Value":       map[string]any{"Fn::GetAtt": []any{"ProvisioningRole", "Arn"}},
			},
		},
	}
}

// ProviderConfig is the AWS provider's ClusterProviderConfig for one
// account: the provider's own identity (EKS Pod Identity in the management
// cluster), then the account's provisioning role.
func ProviderConfig(name, roleARN string) map[string]any {
	return map[string]any{
		"apiVersion": "aws.m.upbound.io/v1beta1",
		"kind":       "ClusterProviderConfig",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"credentials":     map[string]any{"source": "PodIdentity"},
			"assumeRoleChain": []any{map[string]any{"roleARN": roleARN}},
		},
	}
}

// CapabilityRoleName is the EKS Capability for Argo CD's role in the
// example template; the platform settings name its ARN
// (argocd.capabilityRoleArn).
const CapabilityRoleName = "argocd-capability"

// CapabilityCloudFormation is the template that makes the role of the EKS
// Capability for Argo CD in the hub's account, which must also hold the
// teams' CodeCommit repositories: trusted by the EKS capabilities service
// only, and allowed to pull (never push) the repositories the function
// names <cluster>-gitops. The function gives it access to each team
// cluster (an access entry); nothing else is needed for Argo CD.
func CapabilityCloudFormation() map[string]any {
	return map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "The role of the EKS Capability for Argo CD that function-eks-gitops registers team clusters with (argocd.mode: EKSCapability). Generated from internal/provisioning; do not edit.",
		"Resources": map[string]any{
			"CapabilityRole": map[string]any{
				"Type": "AWS::IAM::Role",
				"Properties": map[string]any{
					"RoleName":                 CapabilityRoleName,
					"Description":              "Assumed by the EKS Capability for Argo CD; reads the teams' CodeCommit repositories",
					"AssumeRolePolicyDocument": capabilityTrust(),
					"Policies": []any{map[string]any{"PolicyName": "read-team-repositories", "PolicyDocument": capabilityAccess(
						map[string]any{"Fn::Sub": CapabilityRepositories("${AWS::Partition}", "${AWS::AccountId}")})}},
					"Tags": managedByTags,
				},
			},
		},
		"Outputs": map[string]any{
			"RoleArn": map[string]any{
				"Description": "Create the capability with it, and name it in the platform settings (argocd.capabilityRoleArn).",
				"Value":       map[string]any{"Fn::GetAtt": []any{"CapabilityRole", "Arn"}},
			},
		},
	}
}

// CapabilityPrincipal is the service that assumes an EKS capability's role.
const CapabilityPrincipal = "capabilities.eks.amazonaws.com"

// CapabilityRepositories are the repositories the capability's role may
// pull in an account: every team's.
func CapabilityRepositories(partition, accountID string) string {
	return "arn:" + partition + ":codecommit:*:" + accountID + ":*" + compose.RepositorySuffix
}

// capabilityTrust lets the EKS capabilities service alone assume the role.
func capabilityTrust() map[string]any {
	return map[string]any{
		"Version": PolicyVersion,
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": CapabilityPrincipal},
			"Action":    []any{"sts:AssumeRole", "sts:TagSession"},
		}},
	}
}

// capabilityAccess lets the role pull repositories, and nothing else.
func capabilityAccess(repositories any) map[string]any {
	return map[string]any{
		"Version": PolicyVersion,
		"Statement": []any{map[string]any{
			"Sid":      "PullTeamRepositories",
			"Effect":   "Allow",
			"Action":   []any{"codecommit:GitPull"},
			"Resource": repositories,
		}},
	}
}

// managedByTags mark the roles the templates make as the project's.
var managedByTags = []any{map[string]any{"Key": "managed-by", "Value": "function-eks-gitops"}}
