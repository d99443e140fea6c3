package compose

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/addoniam"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/instancetypes"
)

// Karpenter mode: Karpenter provisions the nodes of the team's pools and
// runs on the system managed node group. What it needs in AWS is composed
// here, following Karpenter's getting-started CloudFormation template: a
// node role of its own (with an EC2_LINUX access entry and an instance
// profile), the controller's role (addoniam.Karpenter, through Pod
// Identity), and an interruption queue fed by EventBridge rules. Argo CD
// installs Karpenter and the team's NodePools from the gitops-bridge
// metadata (example/addons/karpenter.yaml).

// Composition resource names of Karpenter's AWS resources.
const (
	NameKarpenterNodeRole        = resource.Name("iam-role-karpenter-node")
	NameKarpenterInstanceProfile = resource.Name("iam-instance-profile-karpenter-node")
	NameKarpenterAccessEntry     = resource.Name("eks-access-entry-karpenter-node")
	NameKarpenterQueue           = resource.Name("sqs-queue-karpenter")
	NameKarpenterQueuePolicy     = resource.Name("sqs-queue-policy-karpenter")
)

const (
	componentKarpenterNodeRole = "karpenter-node-role"
	componentKarpenterQueue    = "karpenter-queue"
)

// karpenterEvent is one kind of event Karpenter reacts to before EC2 acts:
// an EventBridge rule sends it to the interruption queue.
type karpenterEvent struct{ key, source, detailType string }

// karpenterEvents are the rules of Karpenter's reference template.
var karpenterEvents = []karpenterEvent{
	{key: "health", source: "aws.health", detailType: "AWS Health Event"},
	{key: "spot", source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning"},
	{key: "rebalance", source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation"},
	{key: "state", source: "aws.ec2", detailType: "EC2 Instance State-change Notification"},
}

// NameKarpenterRule is an event's EventBridge rule.
func NameKarpenterRule(key string) resource.Name {
	return resource.Name("events-rule-karpenter-" + key)
}

// NameKarpenterTarget is an event rule's target, the interruption queue.
func NameKarpenterTarget(key string) resource.Name {
	return resource.Name("events-target-karpenter-" + key)
}

// KarpenterNodeRoleName is the IAM name of the role, and of the instance
// profile, of the nodes Karpenter launches. Like the add-on roles, they are
// new for every XR and named from the hashed base.
func (p Params) KarpenterNodeRoleName() string { return p.hashedBase() + "-karpenter-node" }

// KarpenterQueueName is the interruption queue's name.
func (p Params) KarpenterQueueName() string { return p.hashedBase() + "-karpenter" }

// KarpenterRuleName is an event's EventBridge rule name.
func (p Params) KarpenterRuleName(key string) string {
	return p.hashedBase() + "-karpenter-" + key
}

// eventBus is the EventBridge bus the interruption rules are on: the
// account's default bus, where AWS sends EC2's and Health's events.
const eventBus = "default"

func (p Params) karpenterQueueARN() string {
	return "arn:" + p.Partition() + ":sqs:" + p.Spec.AWS.Region + ":" + p.Spec.AWS.AccountID + ":" + p.KarpenterQueueName()
}

func (p Params) karpenterNodeRoleARN() string {
	return "arn:" + p.Partition() + ":iam::" + p.Spec.AWS.AccountID + ":role" + IAMPath + p.KarpenterNodeRoleName()
}

func (p Params) karpenterInstanceProfileARN() string {
	return "arn:" + p.Partition() + ":iam::" + p.Spec.AWS.AccountID + ":instance-profile" + IAMPath + p.KarpenterNodeRoleName()
}

// ManagedPools are the pools that get managed node groups: the team's in
// ManagedNodeGroups mode, the system pool Karpenter runs on in Karpenter
// mode, none in Auto Mode.
func (p Params) ManagedPools() []clusterspec.NodePool {
	switch {
	case p.Spec.AutoMode():
		return nil
	case p.Spec.Karpenter():
		return []clusterspec.NodePool{clusterspec.SystemPool()}
	default:
		return p.Spec.NodePools
	}
}

// HandedOverPools are, in Karpenter mode, the team's pools whose managed
// node groups (from before the cluster moved to Karpenter) stay until the
// team confirms Karpenter serves them: spec.confirmRemoval.nodePools
// names the pool once its workloads run on Karpenter's nodes.
func (p Params) HandedOverPools() map[string]bool {
	if !p.Spec.Karpenter() {
		return nil
	}
	out := map[string]bool{}
	for _, np := range p.Spec.NodePools {
		if !slices.Contains(p.Spec.ConfirmRemoval.NodePools, np.Name) {
			out[np.Name] = true
		}
	}
	return out
}

// karpenter returns Karpenter's AWS resources, in Karpenter mode.
func (p Params) karpenter() []Object {
	if !p.Spec.Karpenter() {
		return nil
	}
	roleName := p.KarpenterNodeRoleName()
	role := p.role(NameKarpenterNodeRole, roleName, IAMPath, componentKarpenterNodeRole, "Nodes Karpenter launches for "+p.ClusterName(), servicePrincipal("ec2.amazonaws.com"))
	fp := role.Body["spec"].(map[string]any)["forProvider"].(map[string]any) //nolint:forcetypeassert // Built by managed.
	// New for every XR: always under the function's path, which the
	// controller's iam:PassRole names.
	fp["path"] = IAMPath
	objs := []Object{role}
	objs = append(objs, p.attachments("karpenter-node", NameKarpenterNodeRole, componentKarpenterNodeRole, nodePolicies)...)
	roleSel := selector(component(componentKarpenterNodeRole))
	objs = append(objs,
		Object{
			Name: NameKarpenterInstanceProfile,
			Body: withExternalName(p.managed(apiIAM, "InstanceProfile", string(NameKarpenterInstanceProfile), nil, map[string]any{
				"path":         IAMPath,
				"roleSelector": roleSel,
				"tags":         p.awsTags(roleName),
			}), roleName),
			Requires: []resource.Name{NameKarpenterNodeRole},
		},
		// Nodes join the cluster with the role only through an access entry
		// of type EC2_LINUX (the cluster authenticates by access entries).
		Object{
			Name: NameKarpenterAccessEntry,
			Body: p.eksAccessEntry(string(NameKarpenterAccessEntry), nil, "EC2_LINUX",
				map[string]any{"principalArnFromRoleSelector": roleSel}, p.ClusterName()+"-karpenter-node"),
			Requires: []resource.Name{NameCluster, NameKarpenterNodeRole},
		},
	)

	queue := p.KarpenterQueueName()
	objs = append(objs,
		Object{
			Name: NameKarpenterQueue,
			Body: p.managed(apiSQS, "Queue", string(NameKarpenterQueue), component(componentKarpenterQueue), map[string]any{
				"region": p.Spec.AWS.Region,
				"name":   queue,
				// Interruption notices are useless after their two minutes.
				"messageRetentionSeconds": int64(300),
				"sqsManagedSseEnabled":    true,
				"tags":                    p.awsTags(queue),
			}),
		},
		Object{
			Name: NameKarpenterQueuePolicy,
			Body: p.managed(apiSQS, "QueuePolicy", string(NameKarpenterQueuePolicy), nil, map[string]any{
				"region":           p.Spec.AWS.Region,
				"queueUrlSelector": selector(component(componentKarpenterQueue)),
				"policy":           p.karpenterQueuePolicy(),
			}),
			Requires: []resource.Name{NameKarpenterQueue},
		},
	)
	for _, ev := range karpenterEvents {
		pattern, _ := json.Marshal(map[string]any{"source": []string{ev.source}, "detail-type": []string{ev.detailType}}) //nolint:errchkjson // Plain strings always encode.
		rule := p.KarpenterRuleName(ev.key)
		comp := "karpenter-rule-" + ev.key
		objs = append(objs,
			Object{
				Name: NameKarpenterRule(ev.key),
				// The provider builds a rule's ID from its event bus and
				// cannot connect without one ("event_bus_name cannot be
				// empty"); AWS's own default bus is the one named.
				Body: withExternalName(p.managed(apiEvents, "Rule", string(NameKarpenterRule(ev.key)), component(comp), map[string]any{
					"region":       p.Spec.AWS.Region,
					"eventBusName": eventBus,
					"description":  "Karpenter's interruption events of " + p.ClusterName() + ": " + ev.detailType,
					"eventPattern": string(pattern),
					"tags":         p.awsTags(rule),
				}), rule),
			},
			Object{
				Name: NameKarpenterTarget(ev.key),
				Body: p.managed(apiEvents, "Target", string(NameKarpenterTarget(ev.key)), nil, map[string]any{
					"region":       p.Spec.AWS.Region,
					"eventBusName": eventBus,
					"ruleSelector": selector(component(comp)),
					"targetId":     "KarpenterInterruptionQueueTarget",
					"arn":          p.karpenterQueueARN(),
				}),
				Requires: []resource.Name{NameKarpenterRule(ev.key), NameKarpenterQueuePolicy},
			},
		)
	}
	return objs
}

// karpenterQueuePolicy lets EventBridge, and SQS itself, send to the queue,
// and only from rules of the team's account.
func (p Params) karpenterQueuePolicy() string {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Id":      "EC2InterruptionPolicy",
		"Statement": []any{
			map[string]any{
				"Sid":       "EventBridgeSendsInterruptions",
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": []any{"events.amazonaws.com", "sqs.amazonaws.com"}},
				"Action":    "sqs:SendMessage",
				"Resource":  p.karpenterQueueARN(),
			},
			map[string]any{
				"Sid":       "DenyHTTP",
				"Effect":    "Deny",
				"Principal": "*",
				"Action":    "sqs:*",
				"Resource":  p.karpenterQueueARN(),
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			},
		},
	}
	b, _ := json.Marshal(doc) //nolint:errchkjson // Plain maps always encode.
	return string(b)
}

// karpenterPool is one team pool as the platform's Karpenter resources
// chart reads it from the cluster Secret (karpenter_node_pools), and the
// Auto Mode pools chart (auto_mode_node_pools) without the AMI family.
type karpenterPool struct {
	Name          string            `json:"name"`
	InstanceTypes []string          `json:"instanceTypes"`
	CapacityTypes []string          `json:"capacityTypes"`
	AMIFamily     string            `json:"amiFamily,omitempty"`
	Arch          string            `json:"arch"`
	DiskSizeGiB   int32             `json:"diskSizeGiB"`
	CPULimit      int               `json:"cpuLimit"`
	Labels        map[string]string `json:"labels,omitempty"`
	// Taints have Kubernetes' effect names (NoSchedule, ...).
	Taints []clusterspec.Taint `json:"taints,omitempty"`
}

// KarpenterNodeTags is the JSON of the cost tags the EC2NodeClass puts on
// the instances, volumes and network interfaces Karpenter launches, as the
// launch templates put them on the managed node groups'.
func (p Params) KarpenterNodeTags() string {
	b, _ := json.Marshal(p.Tags()) //nolint:errchkjson // Plain strings always encode.
	return string(b)
}

// KarpenterNodePools is the JSON of the team's pools as Karpenter
// NodePools: capacity types, AMI family and taint effects in Kubernetes'
// and Karpenter's spelling, and maxSize as a CPU limit (maxSize nodes of
// the pool's largest instance type).
func (p Params) KarpenterNodePools() string { return p.nodePoolsJSON(true) }

// nodePoolsJSON is the team's pools as NodePools, for Karpenter's chart or
// (without an AMI family: Auto Mode chooses the image) Auto Mode's.
func (p Params) nodePoolsJSON(withAMIFamily bool) string {
	pools := make([]karpenterPool, 0, len(p.Spec.NodePools))
	for _, np := range p.Spec.NodePools {
		kp := karpenterPool{
			Name:          np.Name,
			InstanceTypes: slices.Clone(np.InstanceTypes),
			CapacityTypes: []string{karpenterCapacityType(np.CapacityType)},
			Arch:          karpenterArch(instancetypes.AMIArch(np.AMIType)),
			DiskSizeGiB:   *np.DiskSizeGiB,
			CPULimit:      poolCPULimit(np),
			Labels:        np.Labels,
		}
		if withAMIFamily {
			kp.AMIFamily = amiFamily(np.AMIType)
		}
		for _, t := range np.Taints {
			t.Effect = taintEffects[t.Effect]
			kp.Taints = append(kp.Taints, t)
		}
		pools = append(pools, kp)
	}
	b, _ := json.Marshal(pools) //nolint:errchkjson // Plain values always encode.
	return string(b)
}

// poolCPULimit is a pool's maxSize as a NodePool's CPU limit: maxSize
// nodes of the pool's largest instance type.
func poolCPULimit(np clusterspec.NodePool) int {
	cpus := 0
	for _, t := range np.InstanceTypes {
		if it, ok := instancetypes.Lookup(t); ok && it.VCPU > cpus {
			cpus = it.VCPU
		}
	}
	if cpus == 0 {
		cpus = 2 // A type newer than the data: the smallest general size.
	}
	return cpus * int(*np.MaxSize)
}

// taintEffects are EKS's taint effect names in Kubernetes' spelling.
var taintEffects = map[string]string{"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}

func karpenterCapacityType(eks string) string {
	switch eks {
	case "SPOT":
		return "spot"
	case "CAPACITY_BLOCK":
		return "reserved"
	default:
		return "on-demand"
	}
}

func karpenterArch(eks string) string {
	if eks == instancetypes.ArchArm {
		return "arm64"
	}
	return "amd64"
}

// amiFamily is the EC2NodeClass AMI family of an EKS AMI type.
func amiFamily(amiType string) string {
	switch {
	case strings.HasPrefix(amiType, "BOTTLEROCKET_"):
		return "Bottlerocket"
	case strings.HasPrefix(amiType, "WINDOWS_"):
		if strings.Contains(amiType, "2019") {
			return "Windows2019"
		}
		return "Windows2022"
	default:
		return "AL2023"
	}
}

// karpenterScope adds Karpenter's resources to an add-on policy scope.
func (p Params) karpenterScope(s addoniam.Scope) addoniam.Scope {
	s.KarpenterQueueARN = p.karpenterQueueARN()
	s.KarpenterNodeRoleARN = p.karpenterNodeRoleARN()
	s.KarpenterInstanceProfileARN = p.karpenterInstanceProfileARN()
	return s
}
