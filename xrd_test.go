package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateXRD = flag.Bool("update-xrd", false, "write example/xrd-namespaced.yaml from example/xrd.yaml")

// namespacedXRD derives the namespaced XRD from the cluster-scoped one:
// one schema, written once, for both kinds.
func namespacedXRD(cluster string) string {
	return "# Generated from example/xrd.yaml by xrd_test.go (go test -run TestNamespacedXRD -update-xrd). DO NOT EDIT.\n" +
		strings.NewReplacer(
			"teamclusters.platform.eks-gitops.dev", "namespacedteamclusters.platform.eks-gitops.dev",
			"kind: TeamCluster\n", "kind: NamespacedTeamCluster\n",
			"plural: teamclusters\n", "plural: namespacedteamclusters\n",
			"scope: Cluster\n", "scope: Namespaced\n",
			"A TeamCluster is", "A NamespacedTeamCluster is",
		).Replace(cluster)
}

// TestNamespacedXRD: the namespaced XRD is the cluster-scoped one with its
// names and scope changed, nothing else; CI fails when it is stale.
func TestNamespacedXRD(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("example", "xrd.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := namespacedXRD(string(b))
	path := filepath.Join("example", "xrd-namespaced.yaml")
	if *updateXRD {
		if err := os.WriteFile(path, []byte(want), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is stale: edit example/xrd.yaml, then go test -run TestNamespacedXRD -update-xrd", path)
	}
	for _, must := range []string{"scope: Namespaced\n", "kind: NamespacedTeamCluster\n", "name: namespacedteamclusters.platform.eks-gitops.dev\n"} {
		if !strings.Contains(want, must) {
			t.Errorf("the derived XRD lacks %q", strings.TrimSpace(must))
		}
	}
}
