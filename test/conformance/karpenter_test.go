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

// TestKarpenterResourcesChart renders example/addons/charts/karpenter-resources
// with Helm's own engine and the values example/addons/karpenter.yaml passes
// from the Karpenter example's converged cluster Secret, and validates every
// EC2NodeClass and NodePool against Karpenter's CRDs (schema and CEL rules):
// what Argo CD would apply to the team's cluster.
func TestKarpenterResourcesChart(t *testing.T) {
	var annotations map[string]any
	for _, r := range renderAll(t) {
		md, _ := r.object["metadata"].(map[string]any)
		l, _ := md["labels"].(map[string]any)
		if r.object["kind"] == "Secret" && strings.Contains(r.where, "karpenter") && l["enable_karpenter"] == "true" {
			annotations, _ = md["annotations"].(map[string]any)
		}
	}
	if annotations == nil {
		t.Fatal("no cluster Secret with Karpenter enabled in the Karpenter example's rendering")
	}
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

	chart, err := loader.Load(filepath.Join(root, "example", "addons", "charts", "karpenter-resources"))
	if err != nil {
		t.Fatal(err)
	}
	rv, err := chartutil.ToRenderValues(chart, values, chartutil.ReleaseOptions{Name: "karpenter-resources", Namespace: "kube-system", IsInstall: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := engine.Render(chart, rv)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	var objs []map[string]any
	kinds := map[string][]string{}
	for _, name := range []string{"ec2nodeclass.yaml", "nodepools.yaml"} {
		out, ok := rendered["karpenter-resources/templates/"+name]
		if !ok {
			t.Fatalf("the chart rendered no %s: %v", name, rendered)
		}
		for _, doc := range strings.Split(out, "\n---") {
			o := map[string]any{}
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Fatalf("%s: %v\n%s", name, err, doc)
			}
			if len(o) == 0 {
				continue
			}
			objs = append(objs, o)
			kind, _ := o["kind"].(string)
			kinds[kind] = append(kinds[kind], o["metadata"].(map[string]any)["name"].(string))
		}
	}
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
