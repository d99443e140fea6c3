// Package providersim plays the providers for tests: it turns desired
// composed resources into the observed resources the AWS provider,
// provider-kubernetes and the API server would report once they exist, with
// realistic status.atProvider fields, external names, conditions and
// connection details. Everything it makes up is derived from the object's
// name, so the same input always gives the same output.
package providersim

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
)

// Now is when the simulated providers say every condition last changed.
// Tests run the function's clock at this instant, so nothing they simulate
// has been waiting long enough to be called stuck.
var Now = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

var nowText = Now.Format(time.RFC3339)

// Provider holds what the simulated AWS provider knows about the account.
type Provider struct {
	AccountID string
	Region    string
	Partition string
}

// Observed is one simulated observed composed resource.
type Observed struct {
	Object            map[string]any
	ConnectionDetails map[string][]byte
}

// Observe returns the observed form of a desired object. ready says whether
// the external resource is done creating.
func (p Provider) Observe(desired map[string]any, ready bool) Observed {
	obj := runtime.DeepCopyJSON(desired)
	md, _ := obj["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	md["uid"] = uid(name)
	md["generation"] = int64(1)
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	group := strings.Split(apiVersion, "/")[0]

	if !strings.HasSuffix(group, ".upbound.io") && group != "kubernetes.m.crossplane.io" && !strings.HasSuffix(group, ".gitlab.m.crossplane.io") {
		// Plain Kubernetes objects: they simply exist.
		return Observed{Object: obj}
	}

	ann, _ := md["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		md["annotations"] = ann
	}
	extName, _ := ann["crossplane.io/external-name"].(string)
	spec, _ := obj["spec"].(map[string]any)
	fp, _ := spec["forProvider"].(map[string]any)
	region, _ := fp["region"].(string)
	if region == "" {
		region = p.Region
	}

	var (
		at   map[string]any
		conn map[string][]byte
	)
	if ready {
		switch {
		case strings.HasSuffix(group, ".github.m.upbound.io"):
			at, extName = gitHub(kind, name, extName, fp)
		case strings.HasSuffix(group, ".gitlab.m.crossplane.io"):
			at, extName, conn = gitLab(kind, name, fp)
		default:
			at, extName, conn = p.atProvider(kind, name, extName, region, fp)
		}
		ann["crossplane.io/external-name"] = extName
	}
	if at == nil {
		at = map[string]any{}
	}
	if kind == "Cluster" && !ready {
		at["status"] = "CREATING"
	}
	status := map[string]any{"atProvider": at, "conditions": conditions(ready)}
	obj["status"] = status
	return Observed{Object: obj, ConnectionDetails: conn}
}

func conditions(ready bool) []any {
	r := map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": nowText}
	if !ready {
		r = map[string]any{"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": nowText}
	}
	return []any{
		r,
		map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": nowText},
	}
}

// atProvider returns the fields AWS would report, the external name and any
// connection details.
func (p Provider) atProvider(kind, name, extName, region string, fp map[string]any) (map[string]any, string, map[string][]byte) {
	h := hash(name)
	arn := func(svc, res string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", p.Partition, svc, region, p.AccountID, res)
	}
	at := map[string]any{}
	maps.Copy(at, withoutRefs(fp))
	switch kind {
	case "VPC":
		extName = "vpc-" + h[:17]
		at["arn"] = arn("ec2", "vpc/"+extName)
	case "Subnet":
		extName = "subnet-" + h[:17]
		at["vpcId"] = "vpc-" + h[17:34]
	case "InternetGateway":
		extName = "igw-" + h[:17]
	case "EIP":
		extName = "eipalloc-" + h[:17]
		at["allocationId"] = extName
		at["publicIp"] = fmt.Sprintf("198.51.100.%d", int(h[0])%250+1)
	case "NATGateway":
		extName = "nat-" + h[:17]
	case "RouteTable":
		extName = "rtb-" + h[:17]
	case "Route":
		extName = "r-rtb-" + h[:17] + "1080289494"
	case "RouteTableAssociation":
		extName = "rtbassoc-" + h[:17]
	case "Role":
		path, _ := fp["path"].(string)
		if path == "" {
			path = "/"
		}
		at["arn"] = fmt.Sprintf("arn:%s:iam::%s:role%s%s", p.Partition, p.AccountID, path, extName)
		at["uniqueId"] = "AROA" + strings.ToUpper(h[:17])
	case "RolePolicyAttachment", "UserPolicyAttachment":
		extName = name + "-" + h[:8]
	case "Policy":
		at["arn"] = fmt.Sprintf("arn:%s:iam::%s:policy/%s", p.Partition, p.AccountID, extName)
	case "User":
		at["arn"] = fmt.Sprintf("arn:%s:iam::%s:user/%s", p.Partition, p.AccountID, extName)
	case "ServiceSpecificCredential":
		user := strings.TrimSuffix(strings.TrimSuffix(name, "-git-credential"), ".git-credential") + "-argocd-git"
		extName = "codecommit.amazonaws.com:" + user + ":ACCA" + strings.ToUpper(h[:17])
		at["serviceUserName"] = user + "-at-" + p.AccountID
		at["status"] = "Active"
		at["id"] = extName
		// The provider publishes only the sensitive password as a
		// connection detail; the user name is in atProvider.
		return at, extName, map[string][]byte{"attribute.service_password": []byte("sim-" + h[:40])}
	case "Cluster":
		at["arn"] = arn("eks", "cluster/"+extName)
		at["endpoint"] = fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", strings.ToUpper(h[:32]), region)
		at["certificateAuthority"] = []any{map[string]any{"data": caData(name)}}
		at["identity"] = []any{map[string]any{"oidc": []any{map[string]any{"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", region, strings.ToUpper(h[:32]))}}}}
		at["status"] = "ACTIVE"
		at["platformVersion"] = "eks.1"
		at["id"] = extName
	case "Queue":
		n, _ := fp["name"].(string)
		extName = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, p.AccountID, n)
		at["url"] = extName
		at["arn"] = arn("sqs", n)
	case "QueuePolicy":
		extName = "https://sqs." + region + ".amazonaws.com/" + p.AccountID + "/" + h[:12]
	case "InstanceProfile":
		path, _ := fp["path"].(string)
		at["arn"] = fmt.Sprintf("arn:%s:iam::%s:instance-profile%s%s", p.Partition, p.AccountID, path, extName)
		at["uniqueId"] = "AIPA" + strings.ToUpper(h[:17])
	case "Rule":
		at["arn"] = arn("events", "rule/"+extName)
	case "Target":
		extName = "default/" + h[:12] + "/KarpenterInterruptionQueueTarget"
	case "Key":
		extName = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
		at["keyId"] = extName
		at["id"] = extName
		at["arn"] = arn("kms", "key/"+extName)
	case "Alias":
		at["arn"] = arn("kms", "alias/"+extName)
	case "Group":
		if store, ok := fp["identityStoreId"].(string); ok {
			// An identity store group: its ID is the store's prefix and a UUID.
			id := strings.TrimPrefix(store, "d-") + "-" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
			extName = store + "/" + id
			at["groupId"] = id
			at["id"] = extName
			break
		}
		at["arn"] = arn("logs", "log-group:"+extName)
	case "GroupMembership":
		id := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
		at["membershipId"] = id
		extName = fmt.Sprint(fp["identityStoreId"]) + "/" + id
	case "LaunchTemplate":
		extName = "lt-" + h[:17]
		at["arn"] = arn("ec2", "launch-template/"+extName)
		// Stateless: every observation is the template's first version.
		at["latestVersion"] = float64(1)
		at["defaultVersion"] = float64(1)
	case "NodeGroup":
		at["arn"] = arn("eks", "nodegroup/"+extName)
		at["status"] = "ACTIVE"
	case "Addon":
		at["arn"] = arn("eks", "addon/"+extName)
		if _, ok := at["addonVersion"]; !ok {
			at["addonVersion"] = "v1.0.0-eksbuild.1"
		}
	case "AccessEntry":
		at["accessEntryArn"] = arn("eks", "access-entry/"+h[:12])
		if _, ok := at["principalArn"]; !ok {
			at["principalArn"] = fmt.Sprintf("arn:%s:iam::%s:role/%s", p.Partition, p.AccountID, strings.TrimSuffix(name, "-access-entry-argocd")+"-argocd")
		}
	case "AccessPolicyAssociation":
		extName = "cluster#principal#policy-" + h[:8]
	case "RolePolicy":
		// The provider's ID is <role>:<policy name>; the role is resolved
		// from a selector this simulation does not follow.
		at["policy"] = fp["policy"]
	case "PodIdentityAssociation":
		extName = "a-" + h[:17]
		at["associationId"] = extName
		at["associationArn"] = arn("eks", "podidentityassociation/"+extName)
	case "UserGroup":
		n, _ := fp["name"].(string)
		pool, _ := fp["userPoolId"].(string)
		extName = pool + "/" + n
	case "UserInGroup":
		extName = h[:20]
	case "Repository":
		at["arn"] = arn("codecommit", extName)
		at["cloneUrlHttp"] = fmt.Sprintf("https://git-codecommit.%s.amazonaws.com/v1/repos/%s", region, extName)
		at["cloneUrlSsh"] = fmt.Sprintf("ssh://git-codecommit.%s.amazonaws.com/v1/repos/%s", region, extName)
		at["repositoryId"] = uid(extName)
	case "ApprovalRuleTemplate":
		at["approvalRuleTemplateId"] = uid(extName)
		at["ruleContentSha256"] = hash(fmt.Sprint(fp["content"]))
	case "ApprovalRuleTemplateAssociation":
		extName = fmt.Sprint(fp["approvalRuleTemplateName"]) + "," + fmt.Sprint(fp["repositoryName"])
	case "Object":
		extName = name
	}
	if extName == "" {
		extName = name
	}
	at["id"] = extName
	return at, extName, nil
}

// withoutRefs drops reference and selector fields, at any depth, which the
// provider resolves and does not report back.
func withoutRefs(fp map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(fp)) {
		if strings.HasSuffix(k, "Ref") || strings.HasSuffix(k, "Refs") || strings.HasSuffix(k, "Selector") {
			continue
		}
		if m, ok := fp[k].(map[string]any); ok {
			out[k] = withoutRefs(m)
			continue
		}
		out[k] = runtime.DeepCopyJSONValue(fp[k])
	}
	return out
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// UID is a UID made up from s, the same for the same s.
func UID(s string) string { return uid(s) }

func uid(s string) string {
	h := hash("uid/" + s)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// caData is base64 of a PEM certificate, the form EKS reports the cluster
// CA in: a real self-signed certificate, the same for the same name, so the
// function's check that the CA parses sees what it would see in AWS.
func caData(name string) string {
	seed := sha256.Sum256([]byte("ca/" + name))
	key := ed25519.NewKeyFromSeed(seed[:])
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(seed[:8]),
		Subject:               pkix.Name{CommonName: "kubernetes"},
		NotBefore:             time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	// Ed25519 signatures are deterministic; the reader is never used.
	der, err := x509.CreateCertificate(zeroReader{}, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}
