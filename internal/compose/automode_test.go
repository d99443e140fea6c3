package compose

import (
	"slices"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"

	"github.com/eks-gitops/function-eks-gitops/internal/addoniam"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
)

func autoModeParams() Params {
	return params(func(p *Params) {
		p.Spec.Compute.Mode = clusterspec.ModeAutoMode
		p.Spec.NodePools = nil
		p.Spec.Addons.ExternalSecrets = true
	})
}

// TestAutoModeCluster checks the cluster turns on compute, block storage
// and load balancing together (EKS refuses them apart), names the node
// role's observed ARN and waits for it, and leaves EKS's self-managed
// add-ons out.
func TestAutoModeCluster(t *testing.T) {
	p := autoModeParams()
	const arn = "arn:aws:iam::444455556666:role/eks-gitops/payments-dev-node"
	held := p.cluster(Facts{})
	if held.Missing == "" {
		t.Error("the cluster does not wait for the node role's ARN")
	}
	if !slices.Contains(held.Requires, NameNodeRole) {
		t.Error("the cluster does not wait for the node role")
	}
	fp := p.cluster(Facts{NodeRoleARN: arn}).Body["spec"].(map[string]any)["forProvider"].(map[string]any)
	want := map[string]any{
		"computeConfig":              map[string]any{"enabled": true, "nodePools": []any{"general-purpose", "system"}, "nodeRoleArn": arn},
		"storageConfig":              map[string]any{"blockStorage": map[string]any{"enabled": true}},
		"kubernetesNetworkConfig":    map[string]any{"elasticLoadBalancing": map[string]any{"enabled": true}},
		"bootstrapSelfManagedAddons": false,
	}
	for k, v := range want {
		if diff := cmp.Diff(v, fp[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	if mp := params(func(*Params) {}).cluster(Facts{}).Body["spec"].(map[string]any)["forProvider"].(map[string]any); mp["computeConfig"] != nil || mp["bootstrapSelfManagedAddons"] != nil {
		t.Error("a cluster of managed node groups sets Auto Mode's fields")
	}
}

// TestAutoModeCompute checks an Auto Mode cluster gets no node groups,
// launch templates or add-ons EKS runs itself, no EBS CSI role, and Pod
// Identity associations that do not wait for an agent add-on it lacks.
func TestAutoModeCompute(t *testing.T) {
	p := autoModeParams()
	p.Spec.Addons.MetricsServer = true
	for _, o := range p.compute(Facts{}, p.Upgrade(Facts{})) {
		switch kind := o.Body["kind"]; {
		case kind == NodeGroupKind, kind == "LaunchTemplate":
			t.Errorf("%s %s", kind, o.Name)
		case kind == "Addon" && o.Name != NameAddon("metrics-server"):
			t.Errorf("add-on %s", o.Name)
		case kind == "PodIdentityAssociation" && slices.Contains(o.Requires, NameAddon("eks-pod-identity-agent")):
			t.Errorf("%s waits for the pod identity agent add-on", o.Name)
		}
	}
	for _, a := range p.AddonsWithAccess() {
		if a.Key == addoniam.EBSCSIDriver.Key {
			t.Error("an Auto Mode cluster gets the EBS CSI add-on's role")
		}
	}
	var policies []string
	for _, o := range p.IAM() {
		if o.Body["kind"] == "RolePolicyAttachment" {
			policies = append(policies, o.Body["spec"].(map[string]any)["forProvider"].(map[string]any)["policyArn"].(string))
		}
	}
	wantPolicies := []string{
		"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", "arn:aws:iam::aws:policy/AmazonEKSComputePolicy",
		"arn:aws:iam::aws:policy/AmazonEKSBlockStoragePolicy", "arn:aws:iam::aws:policy/AmazonEKSLoadBalancingPolicy",
		"arn:aws:iam::aws:policy/AmazonEKSNetworkingPolicy",
		"arn:aws:iam::aws:policy/AmazonEKSWorkerNodeMinimalPolicy", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
	}
	if diff := cmp.Diff(wantPolicies, policies); diff != "" {
		t.Errorf("managed policies (-want +got):\n%s", diff)
	}
}

// TestAutoModeTeamPools checks a team pool in Auto Mode gets a node role of
// its own with an EC2 access entry and the Auto Mode node access policy
// (EKS makes an entry for the computeConfig's role only), the cluster
// Secret waits for that access and carries the pools, and a cluster
// without team pools gets none of it.
func TestAutoModeTeamPools(t *testing.T) {
	none := autoModeParams()
	if objs := none.autoModeTeamPools(); objs != nil {
		t.Errorf("an Auto Mode cluster without team pools gets %d objects for them", len(objs))
	}
	labels, annotations := map[string]string{}, map[string]string{}
	none.autoModeMetadata(labels, annotations)
	if labels["enable_auto_mode_node_pools"] != "false" || len(annotations) != 0 {
		t.Errorf("metadata without team pools: %v %v", labels, annotations)
	}

	p := autoModeParams()
	size, maxSize := int32(50), int32(10)
	p.Spec.NodePools = []clusterspec.NodePool{{
		Name: "batch", InstanceTypes: []string{"c7g.xlarge", "c7g.2xlarge"}, AMIType: "AL2023_ARM_64_STANDARD",
		CapacityType: "SPOT", DiskSizeGiB: &size, MaxSize: &maxSize,
		Labels: map[string]string{"workload": "batch"},
		Taints: []clusterspec.Taint{{Key: "workload", Value: "batch", Effect: "NO_SCHEDULE"}},
	}}
	byName := map[string]Object{}
	for _, o := range p.compute(Facts{}, p.Upgrade(Facts{})) {
		byName[string(o.Name)] = o
	}
	fp := func(n resource.Name) map[string]any {
		o, ok := byName[string(n)]
		if !ok {
			t.Fatalf("no %s", n)
		}
		return o.Body["spec"].(map[string]any)["forProvider"].(map[string]any)
	}
	if got := fp(NameAutoNodeRole)["path"]; got != IAMPath {
		t.Errorf("role path %v, want %s", got, IAMPath)
	}
	if got := byName[string(NameAutoNodeRole)].Body["metadata"].(map[string]any)["annotations"].(map[string]any)["crossplane.io/external-name"]; got != p.AutoNodeRoleName() {
		t.Errorf("role name %v, want %s", got, p.AutoNodeRoleName())
	}
	for _, pol := range autoModeNodePolicies {
		if _, ok := byName[string(attachmentName("auto-node", pol))]; !ok {
			t.Errorf("no attachment of %s", pol.name)
		}
	}
	if got := fp(NameAutoNodeAccessEntry)["type"]; got != "EC2" {
		t.Errorf("access entry type %v, want EC2", got)
	}
	assoc := fp(NameAutoNodeAccessPolicy)
	if got, want := assoc["policyArn"], "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy"; got != want {
		t.Errorf("access policy %v, want %s", got, want)
	}
	if diff := cmp.Diff([]resource.Name{NameAutoNodeAccessEntry}, byName[string(NameAutoNodeAccessPolicy)].Requires); diff != "" {
		t.Errorf("the association's requirements (-want +got):\n%s", diff)
	}
	if !slices.Contains(p.registrationRequires(), NameAutoNodeAccessPolicy) || slices.Contains(none.registrationRequires(), NameAutoNodeAccessPolicy) {
		t.Error("the cluster Secret does not wait for the team pools' node access, or waits for it without team pools")
	}

	labels, annotations = map[string]string{}, map[string]string{}
	p.autoModeMetadata(labels, annotations)
	want := map[string]string{
		"auto_mode_node_iam_role_name": p.AutoNodeRoleName(),
		"auto_mode_node_pools":         `[{"name":"batch","instanceTypes":["c7g.xlarge","c7g.2xlarge"],"capacityTypes":["spot"],"arch":"arm64","diskSizeGiB":50,"cpuLimit":80,"labels":{"workload":"batch"},"taints":[{"key":"workload","value":"batch","effect":"NoSchedule"}]}]`,
		"auto_mode_node_tags":          p.KarpenterNodeTags(),
	}
	if diff := cmp.Diff(want, annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	if labels["enable_auto_mode_node_pools"] != "true" {
		t.Errorf("label %v", labels)
	}
}
