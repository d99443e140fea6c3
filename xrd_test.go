package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestNamespacedXRD: the namespaced XRD is the cluster-scoped one with its
// names and scope changed, nothing else. Both are generated from
// internal/clusterspec's Go types; hack/test.sh fails when they are stale.
func TestNamespacedXRD(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("example", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cluster, namespaced := read("xrd.yaml"), read("xrd-namespaced.yaml")
	want := strings.NewReplacer(
		"teamclusters.platform.eks-gitops.dev", "namespacedteamclusters.platform.eks-gitops.dev",
		"kind: TeamCluster\n", "kind: NamespacedTeamCluster\n",
		"plural: teamclusters\n", "plural: namespacedteamclusters\n",
		"scope: Cluster\n", "scope: Namespaced\n",
		"A TeamCluster is", "A NamespacedTeamCluster is",
	).Replace(cluster)
	if diff := cmp.Diff(want, namespaced); diff != "" {
		t.Errorf("example/xrd-namespaced.yaml differs from example/xrd.yaml beyond its names and scope (-want +got):\n%s", diff)
	}
	var x struct {
		Spec struct {
			Scope string `json:"scope"`
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
			Enforced struct {
				Name string `json:"name"`
			} `json:"enforcedCompositionRef"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(namespaced), &x); err != nil {
		t.Fatal(err)
	}
	if x.Spec.Scope != "Namespaced" || x.Spec.Names.Kind != "NamespacedTeamCluster" || x.Spec.Enforced.Name != "namespacedteamclusters.platform.eks-gitops.dev" {
		t.Errorf("the namespaced XRD is %+v", x.Spec)
	}
}
