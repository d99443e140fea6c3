package compose

import (
	"slices"
	"testing"

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
