package fn

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/addoniam"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// secretMetadata is the cluster Secret's labels and annotations.
func secretMetadata(t *testing.T, rsp *fnv1.RunFunctionResponse) (labels, annotations map[string]string) {
	t.Helper()
	md := desiredObject(t, rsp, string(compose.NameClusterSecret))["metadata"].(map[string]any)
	labels, annotations = map[string]string{}, map[string]string{}
	for k, v := range md["labels"].(map[string]any) {
		labels[k] = v.(string)
	}
	for k, v := range md["annotations"].(map[string]any) {
		annotations[k] = v.(string)
	}
	return labels, annotations
}

// allAddons is the full example with every add-on on: xr-full.yaml
// switches on every add-on Argo CD installs and autoscales a pool.
func allAddons(t *testing.T) (state, *fnv1.RunFunctionResponse) {
	t.Helper()
	return convergedState(t, newState(t, "xr-full.yaml", "composition.yaml"))
}

// TestEveryAddonGetsItsAccess: with every add-on on, each gets a role that
// trusts EKS Pod Identity only, for this cluster only (the cluster ARN EKS
// reports, and its account), its policy and an association for its
// namespace and service account, and the cluster Secret carries the
// gitops-bridge metadata with the role ARNs the provider reported.
func TestEveryAddonGetsItsAccess(t *testing.T) {
	s, rsp := allAddons(t)
	// Karpenter is the one add-on xr-full.yaml cannot have: its pools are
	// managed node groups. example/xr-karpenter.yaml has it.
	var full []addoniam.Addon
	for _, a := range addoniam.All() {
		if a.Key != addoniam.Karpenter.Key {
			full = append(full, a)
		}
	}
	labels, annotations := checkAddonAccess(t, s, rsp, "123456789012", full)
	if annotations["external_dns_domain_filters"] != "checkout.example.com" {
		t.Errorf("external_dns_domain_filters = %q", annotations["external_dns_domain_filters"])
	}
	if labels["enable_aws_ebs_csi_resources"] != "true" {
		t.Error("the gp3 StorageClass is not asked for")
	}
	if v := specVersion(t, rsp, "eks-addon-aws-ebs-csi-driver"); v == "" {
		t.Error("no EBS CSI driver add-on version")
	}
	ks, krsp := convergedState(t, newState(t, "xr-karpenter.yaml", "composition.yaml"))
	if labels, _ := checkAddonAccess(t, ks, krsp, "210987654321", []addoniam.Addon{addoniam.Karpenter}); labels["enable_cluster_autoscaler"] != "false" {
		t.Error("a Karpenter cluster asks for cluster-autoscaler")
	}
}

// checkAddonAccess checks each add-on's role, policy, association and
// metadata in a converged response, and returns the cluster Secret's
// labels and annotations.
func checkAddonAccess(t *testing.T, s state, rsp *fnv1.RunFunctionResponse, account string, addons []addoniam.Addon) (labels, annotations map[string]string) {
	t.Helper()
	labels, annotations = secretMetadata(t, rsp)
	clusterARN := s.Observed[string(compose.NameCluster)].Object["status"].(map[string]any)["atProvider"].(map[string]any)["arn"].(string)
	for _, a := range addons {
		role := desiredObject(t, rsp, string(compose.NameAddonRole(a)))
		trust := role["spec"].(map[string]any)["forProvider"].(map[string]any)["assumeRolePolicy"].(string)
		wantTrust := `{"Statement":[{"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"ArnEquals":{"aws:SourceArn":"` + clusterARN +
			`"},"StringEquals":{"aws:SourceAccount":"` + account + `"}},"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"}}],"Version":"2012-10-17"}`
		if trust != wantTrust {
			t.Errorf("%s role trusts %s, want only EKS Pod Identity for cluster %s", a.Name, trust, clusterARN)
		}
		assoc := desiredObject(t, rsp, string(compose.NameAddonPodIdentity(a)))["spec"].(map[string]any)["forProvider"].(map[string]any)
		if assoc["namespace"] != a.Namespace || assoc["serviceAccount"] != a.ServiceAccount {
			t.Errorf("%s association is for %v/%v, want %s/%s", a.Name, assoc["namespace"], assoc["serviceAccount"], a.Namespace, a.ServiceAccount)
		}
		policy := desiredObject(t, rsp, string(compose.NameAddonPolicy(a)))
		if a.ManagedPolicy != "" {
			if got := policy["spec"].(map[string]any)["forProvider"].(map[string]any)["policyArn"]; got != "arn:aws:iam::aws:policy/"+a.ManagedPolicy {
				t.Errorf("%s attaches %v", a.Name, got)
			}
			continue
		}
		if policy["kind"] != "RolePolicy" {
			t.Errorf("%s policy is a %v", a.Name, policy["kind"])
		}
		observedARN := s.Observed[string(compose.NameAddonRole(a))].Object["status"].(map[string]any)["atProvider"].(map[string]any)["arn"].(string)
		want := map[string]string{
			a.Key + "_iam_role_arn":    observedARN,
			a.Key + "_namespace":       a.Namespace,
			a.Key + "_service_account": a.ServiceAccount,
		}
		for k, v := range want {
			if annotations[k] != v {
				t.Errorf("annotation %s = %q, want %q", k, annotations[k], v)
			}
		}
		if labels["enable_"+a.Key] != "true" {
			t.Errorf("label enable_%s = %q, want true", a.Key, labels["enable_"+a.Key])
		}
	}
	return labels, annotations
}

// TestSwitchingAnAddonOffRemovesOnlyItsAccess: the role, policy,
// association and annotations of the add-on go, its label turns false, and
// nothing else changes.
func TestSwitchingAnAddonOffRemovesOnlyItsAccess(t *testing.T) {
	cases := map[string]struct {
		addon addoniam.Addon
		edit  func(s *state)
	}{
		"AWSLoadBalancerController": {addoniam.LoadBalancerController, func(s *state) { set(s.XR, "spec.addons.awsLoadBalancerController", false) }},
		"ExternalSecrets":           {addoniam.ExternalSecrets, func(s *state) { set(s.XR, "spec.addons.externalSecrets", false) }},
		"ClusterAutoscaler": {addoniam.ClusterAutoscaler, func(s *state) {
			for _, p := range s.XR["spec"].(map[string]any)["nodePools"].([]any) {
				delete(p.(map[string]any), "autoscaled")
			}
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, converged := allAddons(t)
			st := next(t, s, converged, allReady)
			tc.edit(&st)
			rsp := run(t, requestOf(t, st))
			if f := fatal(rsp); f != "" {
				t.Fatalf("refused: %s", f)
			}
			gone := []string{string(compose.NameAddonPodIdentity(tc.addon)), string(compose.NameAddonPolicy(tc.addon)), string(compose.NameAddonRole(tc.addon))}
			before, after := declaredNames(converged), declaredNames(rsp)
			var removed []string
			for _, n := range before {
				if !slices.Contains(after, n) {
					removed = append(removed, n)
				}
			}
			slices.Sort(gone)
			if diff := cmp.Diff(gone, removed); diff != "" {
				t.Errorf("removed resources (-want +got):\n%s", diff)
			}
			for _, n := range after {
				if n == string(compose.NameClusterSecret) {
					continue
				}
				if tc.addon.Key == addoniam.ClusterAutoscaler.Key && strings.HasPrefix(n, compose.NodeGroupPrefix) {
					continue // The pool itself changed: its desired size moves out of initProvider.
				}
				if diff := cmp.Diff(desiredObject(t, converged, n), desiredObject(t, rsp, n)); diff != "" {
					t.Errorf("%s changed (-before +after):\n%s", n, diff)
				}
			}
			lb, ab := secretMetadata(t, converged)
			la, aa := secretMetadata(t, rsp)
			for k := range ab {
				if _, ok := aa[k]; !ok && !strings.HasPrefix(k, tc.addon.Key+"_") {
					t.Errorf("annotation %s removed", k)
				}
			}
			for k := range aa {
				if strings.HasPrefix(k, tc.addon.Key+"_") {
					t.Errorf("annotation %s kept", k)
				}
			}
			lb["enable_"+tc.addon.Key] = "false"
			if diff := cmp.Diff(lb, la); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAddonWaitsForItsAccess: the label stays false, and no annotation
// names a role, until the role's ARN is observed and its association is
// ready; the association waits for an ACTIVE cluster and a ready pod
// identity agent; the EBS CSI driver waits for its association.
func TestAddonWaitsForItsAccess(t *testing.T) {
	s := newState(t, "xr-full.yaml", "composition.yaml")
	lbc := addoniam.LoadBalancerController
	notAssociated := func(name string) bool { return name != string(compose.NameAddonPodIdentity(lbc)) }
	var rsp *fnv1.RunFunctionResponse
	for range 30 {
		rsp = run(t, requestOf(t, s))
		names := declaredNames(rsp)
		if slices.Contains(names, string(compose.NameAddonPodIdentity(addoniam.EBSCSIDriver))) {
			if !isReadyObserved(s, "eks-addon-eks-pod-identity-agent") || !isReadyObserved(s, string(compose.NameCluster)) {
				t.Fatal("an association is declared before the cluster and the pod identity agent are ready")
			}
		}
		if slices.Contains(names, "eks-addon-aws-ebs-csi-driver") && !isReadyObserved(s, string(compose.NameAddonPodIdentity(addoniam.EBSCSIDriver))) {
			t.Fatal("the EBS CSI driver is declared before its Pod Identity association is ready")
		}
		s = next(t, s, rsp, notAssociated)
	}
	labels, annotations := secretMetadata(t, rsp)
	if labels["enable_"+lbc.Key] != "false" {
		t.Errorf("enable_%s = %q while its association is not ready", lbc.Key, labels["enable_"+lbc.Key])
	}
	for k := range annotations {
		if strings.HasPrefix(k, lbc.Key+"_") {
			t.Errorf("annotation %s while the association is not ready", k)
		}
	}
	if labels["enable_"+addoniam.ExternalDNS.Key] != "true" {
		t.Error("external-dns is held back by the load balancer controller's association")
	}
}

// TestRunningAddonStaysEnabledWhileReobserved: when the provider stops
// reporting a role's ARN (re-observing, a restart), Argo CD must not be
// told to uninstall the running add-on: the label and ARN last applied
// stay, and the registration step says it kept them.
func TestRunningAddonStaysEnabledWhileReobserved(t *testing.T) {
	s, converged := allAddons(t)
	st := next(t, s, converged, allReady)
	lbc := addoniam.LoadBalancerController
	role := st.Observed[string(compose.NameAddonRole(lbc))]
	delete(role.Object["status"].(map[string]any)["atProvider"].(map[string]any), "arn")
	set(st.Observed[string(compose.NameAddonPodIdentity(lbc))].Object, "status.conditions", []any{map[string]any{"type": "Ready", "status": "False"}})
	rsp := run(t, requestOf(t, st))
	lb, ab := secretMetadata(t, converged)
	la, aa := secretMetadata(t, rsp)
	if diff := cmp.Diff(lb, la); diff != "" {
		t.Errorf("labels changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(ab, aa); diff != "" {
		t.Errorf("annotations changed (-before +after):\n%s", diff)
	}
	var msgs []string
	for _, c := range rsp.GetConditions() {
		msgs = append(msgs, c.GetMessage())
	}
	if !slices.ContainsFunc(msgs, func(m string) bool {
		return strings.Contains(m, "AWS access of lb-controller can no longer be observed")
	}) {
		t.Errorf("no condition says the access was kept: %q", msgs)
	}
}
