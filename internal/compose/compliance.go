package compose

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

// Composition resource names of the compliance baseline.
const (
	NameClusterKey        = resource.Name("kms-key-cluster")
	NameClusterKeyAlias   = resource.Name("kms-alias-cluster")
	NameLogGroup          = resource.Name("logs-group-cluster")
	NameUsageKeyOfCluster = resource.Name("usage-key-of-cluster")
	NameUsageProtection   = resource.Name("usage-deletion-protection")
)

const (
	apiKMS  = "kms.aws.m.upbound.io/v1beta1"
	apiLogs = "cloudwatchlogs.aws.m.upbound.io/v1beta1"

	componentClusterKey = "cluster-key"
	componentLogGroup   = "cluster-log-group"
)

// The key's uses: what EKS needs of it for Secrets (the cluster role's
// grants on the key; EKS's own docs list these), and what CloudWatch Logs
// needs to encrypt the control-plane logs.
var (
	clusterKeyUse = []string{"kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"}
	logsKeyUse    = []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"}
	// keyAdministration is what the account's IAM policies may grant on
	// the key: managing it, never using it, so no one but the cluster and
	// CloudWatch Logs decrypts with it. CreateGrant is for AWS services
	// only: EKS takes a grant when the provider sets the cluster's
	// encryption.
	keyAdministration = []string{
		"kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
		"kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
		"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
	}
)

// EncryptedResources are what EKS encrypts with the cluster's key.
var EncryptedResources = []string{"secrets"}

// LogGroupName is the log group EKS writes the control-plane logs to; it
// must exist, with its retention and key, before EKS writes to it, or EKS
// creates it with neither.
func (p Params) LogGroupName() string { return "/aws/eks/" + p.ClusterName() + "/cluster" }

// ClusterKeyAliasName is the key's alias, under the function's IAM path.
func (p Params) ClusterKeyAliasName() string {
	return "alias" + IAMPath + p.hashedBase()
}

func (p Params) logGroupARN() string {
	return "arn:" + p.Partition() + ":logs:" + p.Spec.AWS.Region + ":" + p.Spec.AWS.AccountID + ":log-group:" + p.LogGroupName()
}

// dnsSuffix is the domain of the partition's service endpoints and
// principals.
func dnsSuffix(partition string) string {
	if partition == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// roleARN is the ARN of one of the cluster's roles, as IAM builds it.
func (p Params) roleARN(name resource.Name) string {
	path := IAMPath
	if p.Scheme == naming.Legacy {
		path = "/"
	}
	return "arn:" + p.Partition() + ":iam::" + p.Spec.AWS.AccountID + ":role" + path + p.RoleNames()[name]
}

// ClusterKeyARN is the ARN of the key with the observed ID, as KMS builds
// it. The ID comes from the observed key; the rest from the XR, so an
// observed value can never point the cluster at another account's key.
func (p Params) ClusterKeyARN(keyID string) string {
	if keyID == "" {
		return ""
	}
	return "arn:" + p.Partition() + ":kms:" + p.Spec.AWS.Region + ":" + p.Spec.AWS.AccountID + ":key/" + keyID
}

// DeletionProtection reports whether the cluster is protected from
// deletion: its environment's setting, unless a platform engineer lifted
// it for this XR.
func (p Params) DeletionProtection() bool {
	c := p.Input.Compliance
	return *c.DeletionProtection && !p.ProtectionLifted()
}

// ProtectionLifted reports whether a platform engineer lifted this XR's
// deletion protection.
func (p Params) ProtectionLifted() bool {
	id := p.XRName
	if p.XRNamespace != "" {
		id = p.XRNamespace + "/" + p.XRName
	}
	return slices.Contains(p.Input.Compliance.DeletionProtectionLiftedFor, id)
}

// Compliance returns the cluster's KMS key and its alias, the control-plane
// log group, and the Usages that keep the key until the cluster is gone
// and, for a protected cluster, refuse deleting the XR.
func (p Params) Compliance(cluster Object) []Object {
	c := p.Input.Compliance
	region := p.Spec.AWS.Region
	key := Object{
		Name: NameClusterKey,
		Body: p.managed(apiKMS, "Key", string(NameClusterKey), component(componentClusterKey), map[string]any{
			"region":               region,
			"description":          "Envelope encryption of the Kubernetes Secrets and the control-plane logs of EKS cluster " + p.ClusterName(),
			"enableKeyRotation":    true,
			"deletionWindowInDays": float64(*c.KeyDeletionWindowDays),
			"policy":               p.clusterKeyPolicy(),
			"tags":                 p.awsTags(p.ClusterName()),
		}),
		// KMS refuses a key policy that names a role that does not exist.
		Requires: []resource.Name{NameClusterRole},
	}
	alias := strings.TrimPrefix(p.ClusterKeyAliasName(), "alias/")
	objs := []Object{
		key,
		{
			Name: NameClusterKeyAlias,
			Body: withExternalName(p.managed(apiKMS, "Alias", string(NameClusterKeyAlias), nil, map[string]any{
				"region":              region,
				"targetKeyIdSelector": selector(component(componentClusterKey)),
			}), alias),
			Requires: []resource.Name{NameClusterKey},
		},
		{
			Name: NameLogGroup,
			// Named as EKS names it, so the log group EKS made for a
			// cluster that logged before is taken over, not made twice.
			Body: withExternalName(p.managed(apiLogs, "Group", string(NameLogGroup), component(componentLogGroup), map[string]any{
				"region":           region,
				"retentionInDays":  float64(*c.LogRetentionDays),
				"kmsKeyIdSelector": selector(component(componentClusterKey)),
				"tags":             p.awsTags(p.LogGroupName()),
			}), p.LogGroupName()),
			Requires: []resource.Name{NameClusterKey},
		},
		p.usage(NameUsageKeyOfCluster, key, cluster),
	}
	if p.DeletionProtection() {
		objs = append(objs, p.protection())
	}
	return objs
}

// protection is a Usage of the XR itself with a reason: Crossplane refuses
// deleting the XR, with the reason, until the Usage goes, which it does
// once a platform engineer lifts the protection.
func (p Params) protection() Object {
	ref := map[string]any{"name": p.XRName}
	kind := "ClusterUsage"
	meta := p.meta(p.usageName(NameUsageProtection, ""), "", nil)
	if p.Namespaced() {
		kind = "Usage"
		meta = p.meta(p.ObjectName(string(NameUsageProtection)), p.XRNamespace, nil)
	}
	return Object{Name: NameUsageProtection, Requires: []resource.Name{NameCluster}, Body: map[string]any{
		"apiVersion": apiUsage,
		"kind":       kind,
		"metadata":   meta,
		"spec": map[string]any{
			"of": map[string]any{"apiVersion": p.XRAPIVersion, "kind": p.XRKind, "resourceRef": ref},
			"reason": "the " + p.Spec.Environment + " environment protects its clusters from deletion; a platform engineer lifts it by listing " +
				p.protectionID() + " in the platform settings' compliance.deletionProtectionLiftedFor",
		},
	}}
}

func (p Params) protectionID() string {
	if p.XRNamespace != "" {
		return p.XRNamespace + "/" + p.XRName
	}
	return p.XRName
}

// clusterKeyPolicy lets the account administer the key, the cluster role
// use it for Secrets, and CloudWatch Logs use it for this cluster's log
// group only.
func (p Params) clusterKeyPolicy() string {
	account := "arn:" + p.Partition() + ":iam::" + p.Spec.AWS.AccountID + ":root"
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{
				"Sid": "AccountAdministersTheKey", "Effect": "Allow",
				"Principal": map[string]any{"AWS": account},
				"Action":    keyAdministration, "Resource": "*",
			},
			map[string]any{
				"Sid": "AWSServicesTakeGrants", "Effect": "Allow",
				"Principal": map[string]any{"AWS": account},
				"Action":    []string{"kms:CreateGrant"}, "Resource": "*",
				"Condition": map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}},
			},
			map[string]any{
				"Sid": "ClusterEncryptsSecrets", "Effect": "Allow",
				"Principal": map[string]any{"AWS": p.roleARN(NameClusterRole)},
				"Action":    clusterKeyUse, "Resource": "*",
			},
			map[string]any{
				"Sid": "CloudWatchLogsEncryptsTheControlPlaneLogs", "Effect": "Allow",
				"Principal": map[string]any{"Service": "logs." + p.Spec.AWS.Region + "." + dnsSuffix(p.Partition())},
				"Action":    logsKeyUse, "Resource": "*",
				"Condition": map[string]any{"ArnEquals": map[string]any{"kms:EncryptionContext:aws:logs:arn": p.logGroupARN()}},
			},
		},
	}
	b, _ := json.Marshal(doc) //nolint:errchkjson // Plain maps always encode.
	return string(b)
}
