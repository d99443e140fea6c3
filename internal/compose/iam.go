package compose

import (
	"encoding/json"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

// Composition resource names of the IAM roles.
const (
	NameClusterRole = resource.Name("iam-role-cluster")
	NameNodeRole    = resource.Name("iam-role-node")
	NameArgoCDRole  = resource.Name("iam-role-argocd")
)

// Component labels of the roles.
const (
	componentClusterRole = "cluster-role"
	componentNodeRole    = "node-role"
	componentArgoCDRole  = "argocd-role"
)

// AWS-managed policies the roles need, by the suffix of their ARN. In Auto
// Mode EKS runs the nodes' compute, storage, load balancing and networking
// with the cluster role, and the nodes themselves need less: no VPC CNI
// runs on them, and they only pull images.
var (
	clusterPolicies         = []policy{{key: "eks-cluster", name: "AmazonEKSClusterPolicy"}}
	autoModeClusterPolicies = []policy{
		{key: "eks-cluster", name: "AmazonEKSClusterPolicy"},
		{key: "eks-compute", name: "AmazonEKSComputePolicy"},
		{key: "eks-block-storage", name: "AmazonEKSBlockStoragePolicy"},
		{key: "eks-load-balancing", name: "AmazonEKSLoadBalancingPolicy"},
		{key: "eks-networking", name: "AmazonEKSNetworkingPolicy"},
	}
	nodePolicies = []policy{
		{key: "eks-worker-node", name: "AmazonEKSWorkerNodePolicy"},
		{key: "eks-cni", name: "AmazonEKS_CNI_Policy"},
		{key: "ecr-read-only", name: "AmazonEC2ContainerRegistryReadOnly"},
	}
	autoModeNodePolicies = []policy{
		{key: "eks-worker-node-minimal", name: "AmazonEKSWorkerNodeMinimalPolicy"},
		{key: "ecr-pull-only", name: "AmazonEC2ContainerRegistryPullOnly"},
	}
)

// rolePolicies are the AWS-managed policies of the cluster role and the
// node role in the XR's compute mode.
func (p Params) rolePolicies() (cluster, node []policy) {
	if p.Spec.AutoMode() {
		return autoModeClusterPolicies, autoModeNodePolicies
	}
	return clusterPolicies, nodePolicies
}

type policy struct{ key, name string }

// IAM paths of what the function creates in the Hashed naming scheme. The
// hub role's permission to assume roles can name ArgoCDRolePath instead of a
// name pattern, and nothing outside these paths is ever the function's.
const (
	IAMPath        = "/eks-gitops/"
	ArgoCDRolePath = "/eks-gitops/argocd/"
)

// RoleNames are the IAM role names of a cluster, by composition resource.
func (p Params) RoleNames() map[resource.Name]string {
	n := map[resource.Name]string{
		NameClusterRole: p.ClusterName() + "-cluster",
		NameNodeRole:    p.ClusterName() + "-node",
	}
	if p.Input.ArgoCD.Mode == v1beta1.ArgoCDSelfManaged && p.Input.ArgoCD.AccessMode == v1beta1.ArgoCDAccessClusterRole {
		n[NameArgoCDRole] = p.ClusterName() + "-argocd"
	}
	return n
}

// NodeRoleNames are the node role and its attachments, which node groups
// wait for: a node group whose role lacks the policies never gets Ready nodes.
func (p Params) NodeRoleNames() []resource.Name {
	names := []resource.Name{NameNodeRole}
	_, node := p.rolePolicies()
	for _, pol := range node {
		names = append(names, attachmentName("node", pol))
	}
	return names
}

func attachmentName(role string, pol policy) resource.Name {
	return resource.Name("iam-attachment-" + role + "-" + pol.key)
}

// IAM returns the cluster role, the node role, their policy attachments and,
// in ClusterRole mode, the role Argo CD assumes from the hub account.
func (p Params) IAM() []Object {
	names := p.RoleNames()
	objs := []Object{p.role(NameClusterRole, names[NameClusterRole], IAMPath, componentClusterRole, "EKS control plane of "+p.ClusterName(), servicePrincipal("eks.amazonaws.com"))}
	clusterPols, nodePols := p.rolePolicies()
	objs = append(objs, p.attachments("cluster", NameClusterRole, componentClusterRole, clusterPols)...)
	objs = append(objs, p.role(NameNodeRole, names[NameNodeRole], IAMPath, componentNodeRole, "EKS nodes of "+p.ClusterName(), servicePrincipal("ec2.amazonaws.com")))
	objs = append(objs, p.attachments("node", NameNodeRole, componentNodeRole, nodePols)...)
	if role, ok := p.argoCDRole(); ok {
		objs = append(objs, role)
	}
	return objs
}

// argoCDRole is the role Argo CD assumes from the hub account, in
// ClusterRole mode.
func (p Params) argoCDRole() (Object, bool) {
	if _, ok := p.RoleNames()[NameArgoCDRole]; !ok {
		return Object{}, false
	}
	return p.selfManagedRole()
}

// selfManagedRole is the role a self-managed Argo CD assumes in ClusterRole
// mode, also while the cluster moves from it to the EKS Capability.
func (p Params) selfManagedRole() (Object, bool) {
	if p.Input.ArgoCD.AccessMode != v1beta1.ArgoCDAccessClusterRole || p.Input.ArgoCD.HubRoleARN == "" {
		return Object{}, false
	}
	return p.role(NameArgoCDRole, p.ClusterName()+"-argocd", ArgoCDRolePath, componentArgoCDRole, "Central Argo CD's access to "+p.ClusterName(),
		map[string]any{"AWS": p.Input.ArgoCD.HubRoleARN}), true
}

// role is an IAM role. Its path is part of its identity in AWS and cannot
// change, so roles of Legacy XRs keep the root path they were created with.
func (p Params) role(name resource.Name, awsName, path, comp, description string, principal map[string]any) Object {
	fp := map[string]any{
		"assumeRolePolicy": trustPolicy(principal),
		"description":      description,
		"tags":             p.awsTags(awsName),
	}
	if p.Scheme != naming.Legacy {
		fp["path"] = path
	}
	body := p.managed(apiIAM, "Role", string(name), component(comp), fp)
	return Object{Name: name, Body: withExternalName(body, awsName)}
}

// attachments attach AWS-managed policies to a role once it exists: IAM
// refuses to attach to a role it does not know yet (NoSuchEntity), which
// the provider would otherwise retry with back-off.
func (p Params) attachments(role string, roleName resource.Name, comp string, pols []policy) []Object {
	objs := make([]Object, len(pols))
	for i, pol := range pols {
		name := attachmentName(role, pol)
		objs[i] = Object{Name: name, Body: p.managed(apiIAM, "RolePolicyAttachment", string(name), nil, map[string]any{
			"policyArn":    "arn:" + p.Partition() + ":iam::aws:policy/" + pol.name,
			"roleSelector": selector(component(comp)),
		}), Requires: []resource.Name{roleName}}
	}
	return objs
}

func servicePrincipal(svc string) map[string]any { return map[string]any{"Service": svc} }

// trustPolicy allows the principal to assume the role. sts:TagSession lets
// EKS Pod Identity pass session tags.
func trustPolicy(principal map[string]any) string { return trustPolicyWhen(principal, nil) }

// trustPolicyWhen is trustPolicy under conditions.
func trustPolicyWhen(principal, condition map[string]any) string {
	statement := map[string]any{
		"Effect":    "Allow",
		"Principal": principal,
		"Action":    []any{"sts:AssumeRole", "sts:TagSession"},
	}
	if condition != nil {
		statement["Condition"] = condition
	}
	doc := map[string]any{
		"Version":   "2012-10-17",
		"Statement": []any{statement},
	}
	b, _ := json.Marshal(doc) //nolint:errchkjson // Plain maps always encode.
	return string(b)
}
