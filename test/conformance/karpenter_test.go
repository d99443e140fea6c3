package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/yaml"
)

// renderChart renders one of example/addons/charts with Helm's own engine
// and returns the objects of the named templates, and their names by kind.
func renderChart(t *testing.T, name string, values map[string]any, templates ...string) ([]map[string]any, map[string][]string) {
	t.Helper()
	chart, err := loader.Load(filepath.Join(root, "example", "addons", "charts", name))
	if err != nil {
		t.Fatal(err)
	}
	rv, err := chartutil.ToRenderValues(chart, values, chartutil.ReleaseOptions{Name: name, Namespace: "kube-system", IsInstall: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := engine.Render(chart, rv)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	var objs []map[string]any
	kinds := map[string][]string{}
	for _, tmpl := range templates {
		out, ok := rendered[name+"/templates/"+tmpl]
		if !ok {
			t.Fatalf("the chart rendered no %s: %v", tmpl, rendered)
		}
		for _, doc := range strings.Split(out, "\n---") {
			o := map[string]any{}
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Fatalf("%s: %v\n%s", tmpl, err, doc)
			}
			if len(o) == 0 {
				continue
			}
			objs = append(objs, o)
			kind, _ := o["kind"].(string)
			kinds[kind] = append(kinds[kind], o["metadata"].(map[string]any)["name"].(string))
		}
	}
	return objs, kinds
}

// clusterSecretAnnotations are the annotations of the cluster Secret of
// the example whose rendering's name contains example, with label set to
// "true".
func clusterSecretAnnotations(t *testing.T, example, label string) map[string]any {
	t.Helper()
	for _, r := range renderAll(t) {
		md, _ := r.object["metadata"].(map[string]any)
		l, _ := md["labels"].(map[string]any)
		if r.object["kind"] == "Secret" && strings.Contains(r.where, example) && l[label] == "true" {
			annotations, _ := md["annotations"].(map[string]any)
			return annotations
		}
	}
	t.Fatalf("no cluster Secret with %s in the %s example's rendering", label, example)
	return nil
}

// TestKarpenterResourcesChart renders example/addons/charts/karpenter-resources
// with Helm's own engine and the values example/addons/karpenter.yaml passes
// from the Karpenter example's converged cluster Secret, and validates every
// EC2NodeClass and NodePool against Karpenter's CRDs (schema and CEL rules):
// what Argo CD would apply to the team's cluster.
func TestKarpenterResourcesChart(t *testing.T) {
	annotations := clusterSecretAnnotations(t, "karpenter", "enable_karpenter")
	values := map[string]any{
		"clusterName":     annotations["aws_cluster_name"],
		"instanceProfile": annotations["karpenter_node_instance_profile_name"],
	}
	// As the ApplicationSet does: the pools' JSON as the nodePools value.
	var pools map[string]any
	if err := yaml.Unmarshal([]byte("nodePools: "+annotations["karpenter_node_pools"].(string)+"\ntags: "+annotations["karpenter_node_tags"].(string)), &pools); err != nil {
		t.Fatalf("karpenter_node_pools or karpenter_node_tags is not YAML: %v", err)
	}
	values["nodePools"], values["tags"] = pools["nodePools"], pools["tags"]

	objs, kinds := renderChart(t, "karpenter-resources", values, "ec2nodeclass.yaml", "nodepools.yaml")
	// Karpenter's instances carry the cost tags, as the launch templates'.
	for _, o := range objs {
		if o["kind"] != "EC2NodeClass" {
			continue
		}
		tags, _ := o["spec"].(map[string]any)["tags"].(map[string]any)
		if tags["cost-center"] != "platform" || tags["eks-gitops.dev/team"] != "ml" {
			t.Errorf("EC2NodeClass %v has tags %v, want the cost tags", o["metadata"].(map[string]any)["name"], tags)
		}
	}
	// A NodePool and an EC2NodeClass per pool of the example.
	for _, kind := range []string{"NodePool", "EC2NodeClass"} {
		if got := strings.Join(kinds[kind], ","); got != "general,arm" {
			t.Errorf("%ss %s, want general,arm", kind, got)
		}
	}

	// The CRDs of the Karpenter release example/addons/karpenter.yaml
	// installs (its chart's version is the release's).
	appset := readYAML(t, filepath.Join("addons", "karpenter.yaml"))
	version := appset["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["sources"].([]any)[0].(map[string]any)["targetRevision"].(string)
	here, _ := os.Getwd()
	crdDir := filepath.Join(moduleDir(t, here, "github.com/aws/karpenter-provider-aws@v"+version), "pkg", "apis", "crds")
	crds := t.TempDir()
	for _, c := range []string{"karpenter.sh_nodepools.yaml", "karpenter.k8s.aws_ec2nodeclasses.yaml"} {
		copyFile(t, filepath.Join(crdDir, c), filepath.Join(crds, c))
	}
	res := t.TempDir()
	writeYAML(t, filepath.Join(res, "karpenter.yaml"), objs...)
	if out, err := newValidator(t).validate(t, crds, res); err != nil {
		t.Fatalf("crossplane beta validate: %v\n%s", err, out)
	}
}

// TestAutoModeNodePoolsChart renders example/addons/charts/auto-mode-node-pools
// with the values example/addons/auto-mode-node-pools.yaml passes from the
// Auto Mode example's converged cluster Secret, validates every NodePool
// against Karpenter's NodePool CRD (Auto Mode's NodePools are Karpenter's
// kind), and holds each NodeClass to the fields of eks.amazonaws.com/v1
// NodeClass that AWS documents (docs.aws.amazon.com/eks/latest/userguide/
// create-node-class.html): AWS publishes no CRD file for it to validate
// against.
func TestAutoModeNodePoolsChart(t *testing.T) {
	annotations := clusterSecretAnnotations(t, "automode", "enable_auto_mode_node_pools")
	values := map[string]any{
		"clusterName": annotations["aws_cluster_name"],
		"role":        annotations["auto_mode_node_iam_role_name"],
	}
	var pools map[string]any
	if err := yaml.Unmarshal([]byte("nodePools: "+annotations["auto_mode_node_pools"].(string)+"\ntags: "+annotations["auto_mode_node_tags"].(string)), &pools); err != nil {
		t.Fatalf("auto_mode_node_pools or auto_mode_node_tags is not YAML: %v", err)
	}
	values["nodePools"], values["tags"] = pools["nodePools"], pools["tags"]
	objs, kinds := renderChart(t, "auto-mode-node-pools", values, "nodeclasses.yaml", "nodepools.yaml")
	for _, kind := range []string{"NodePool", "NodeClass"} {
		if got := strings.Join(kinds[kind], ","); got != "batch" {
			t.Errorf("%ss %s, want batch", kind, got)
		}
	}
	documented := map[string]bool{
		"role": true, "instanceProfile": true, "subnetSelectorTerms": true, "securityGroupSelectorTerms": true,
		"podSubnetSelectorTerms": true, "podSecurityGroupSelectorTerms": true, "ephemeralStorage": true,
		"tags": true, "networkPolicy": true, "networkPolicyEventLogs": true, "snatPolicy": true,
		"advancedNetworking": true, "advancedSecurity": true, "certificateBundles": true,
	}
	var nodePools []map[string]any
	for _, o := range objs {
		spec, _ := o["spec"].(map[string]any)
		switch o["kind"] {
		case "NodePool":
			ref := spec["template"].(map[string]any)["spec"].(map[string]any)["nodeClassRef"].(map[string]any)
			if ref["group"] != "eks.amazonaws.com" || ref["kind"] != "NodeClass" {
				t.Errorf("NodePool names node class %v, want an Auto Mode NodeClass", ref)
			}
			nodePools = append(nodePools, o)
		case "NodeClass":
			if o["apiVersion"] != "eks.amazonaws.com/v1" {
				t.Errorf("NodeClass apiVersion %v", o["apiVersion"])
			}
			for k := range spec {
				if !documented[k] {
					t.Errorf("NodeClass field spec.%s is not one AWS documents", k)
				}
			}
			if spec["role"] != annotations["auto_mode_node_iam_role_name"] || spec["role"] == "" {
				t.Errorf("NodeClass role %v, want the team pools' node role", spec["role"])
			}
			if size := spec["ephemeralStorage"].(map[string]any)["size"]; size != "50Gi" {
				t.Errorf("NodeClass ephemeral storage %v, want the pool's 50Gi", size)
			}
			tags, _ := spec["tags"].(map[string]any)
			if tags["cost-center"] != "platform" || tags["eks-gitops.dev/team"] != "search" {
				t.Errorf("NodeClass has tags %v, want the cost tags", tags)
			}
		}
	}
	appset := readYAML(t, filepath.Join("addons", "karpenter.yaml"))
	version := appset["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["sources"].([]any)[0].(map[string]any)["targetRevision"].(string)
	here, _ := os.Getwd()
	crds := t.TempDir()
	copyFile(t, filepath.Join(moduleDir(t, here, "github.com/aws/karpenter-provider-aws@v"+version), "pkg", "apis", "crds", "karpenter.sh_nodepools.yaml"), filepath.Join(crds, "karpenter.sh_nodepools.yaml"))
	res := t.TempDir()
	writeYAML(t, filepath.Join(res, "nodepools.yaml"), nodePools...)
	if out, err := newValidator(t).validate(t, crds, res); err != nil {
		t.Fatalf("crossplane beta validate: %v\n%s", err, out)
	}
}
