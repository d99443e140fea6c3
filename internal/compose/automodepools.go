package compose

import "github.com/crossplane/function-sdk-go/resource"

// Team pools in Auto Mode: beside Auto Mode's built-in general-purpose and
// system pools, each spec.nodePools entry becomes an Auto Mode NodePool
// with a NodeClass of its own (eks.amazonaws.com/v1), which Argo CD
// installs from the cluster Secret's metadata
// (example/addons/auto-mode-node-pools.yaml). Their nodes run with a role
// of their own, not the built-in pools' node role: EKS gives an access
// entry to the role of the cluster's computeConfig only, so this role gets
// one of type EC2 with the AmazonEKSAutoNodePolicy access policy, without
// which its nodes never join.

// Composition resource names of the team pools' node role and its access.
const (
	NameAutoNodeRole         = resource.Name("iam-role-auto-node")
	NameAutoNodeAccessEntry  = resource.Name("eks-access-entry-auto-node")
	NameAutoNodeAccessPolicy = resource.Name("eks-access-policy-auto-node")
)

const (
	componentAutoNodeRole    = "auto-node-role"
	componentAutoNodeEntry   = "auto-node-access-entry"
	autoNodeAccessPolicyName = "AmazonEKSAutoNodePolicy"
)

// AutoModeTeamPools reports whether the cluster runs team pools on Auto
// Mode's nodes.
func (p Params) AutoModeTeamPools() bool { return p.Spec.AutoMode() && len(p.Spec.NodePools) > 0 }

// AutoNodeRoleName is the IAM name of the team pools' node role, which
// their NodeClasses name (spec.role). New for every XR, from the hashed
// base.
func (p Params) AutoNodeRoleName() string { return p.hashedBase() + "-auto-node" }

// autoModeTeamPools returns the team pools' node role, its policies, and
// its EC2 access entry with the Auto Mode node access policy.
func (p Params) autoModeTeamPools() []Object {
	if !p.AutoModeTeamPools() {
		return nil
	}
	roleName := p.AutoNodeRoleName()
	role := p.role(NameAutoNodeRole, roleName, IAMPath, componentAutoNodeRole, "Nodes of the team's Auto Mode pools of "+p.ClusterName(), servicePrincipal("ec2.amazonaws.com"))
	fp := role.Body["spec"].(map[string]any)["forProvider"].(map[string]any) //nolint:forcetypeassert // Built by managed.
	// Always under the function's path: Auto Mode's compute policy passes
	// roles to EC2, and nothing else in the account is the function's.
	fp["path"] = IAMPath
	objs := []Object{role}
	objs = append(objs, p.attachments("auto-node", NameAutoNodeRole, componentAutoNodeRole, autoModeNodePolicies)...)
	objs = append(objs,
		Object{
			Name: NameAutoNodeAccessEntry,
			Body: p.eksAccessEntry(string(NameAutoNodeAccessEntry), component(componentAutoNodeEntry), "EC2",
				map[string]any{"principalArnFromRoleSelector": selector(component(componentAutoNodeRole))}, p.ClusterName()+"-auto-node"),
			Requires: []resource.Name{NameCluster, NameAutoNodeRole},
		},
		Object{
			Name: NameAutoNodeAccessPolicy,
			Body: p.managed(apiEKS, "AccessPolicyAssociation", string(NameAutoNodeAccessPolicy), nil, map[string]any{
				"region":               p.Spec.AWS.Region,
				"clusterNameSelector":  selector(component(componentCluster)),
				"principalArnSelector": selector(component(componentAutoNodeEntry)),
				"policyArn":            p.accessPolicyARN(autoNodeAccessPolicyName),
				"accessScope":          map[string]any{"type": "cluster"},
			}),
			Requires: []resource.Name{NameAutoNodeAccessEntry},
		},
	)
	return objs
}

// AutoModeNodePools is the JSON of the team's pools as Auto Mode
// NodePools: as Karpenter's, without the AMI family (Auto Mode chooses the
// image; the AMI type gives only the architecture).
func (p Params) AutoModeNodePools() string { return p.nodePoolsJSON(false) }

// autoModeMetadata adds what the Auto Mode pools chart reads to the
// cluster Secret: the pools, their role and the cost tags the NodeClasses
// put on instances, volumes and network interfaces.
func (p Params) autoModeMetadata(labels, annotations map[string]string) {
	labels["enable_auto_mode_node_pools"] = boolString(p.AutoModeTeamPools())
	if !p.AutoModeTeamPools() {
		return
	}
	annotations["auto_mode_node_iam_role_name"] = p.AutoNodeRoleName()
	annotations["auto_mode_node_pools"] = p.AutoModeNodePools()
	annotations["auto_mode_node_tags"] = p.KarpenterNodeTags()
}
