package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestOneVersion: the VERSION file is the release's version, and every
// place that names the release carries it: the packages' build (the
// binary's --version), the Configuration's dependency on the function,
// the release workflow, the platform repository's CI and the CHANGELOG.
func TestOneVersion(t *testing.T) {
	b, err := os.ReadFile("VERSION")
	if err != nil {
		t.Fatal(err)
	}
	v := strings.TrimSpace(string(b))
	m := regexp.MustCompile(`^v(\d+)\.\d+\.\d+$`).FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("VERSION %q is not vMAJOR.MINOR.PATCH", v)
	}
	major, _ := strconv.Atoi(m[1])

	var cfg struct {
		Spec struct {
			DependsOn []struct {
				Kind, Package, Version string
			} `json:"dependsOn"`
		} `json:"spec"`
	}
	c, err := os.ReadFile("package/configuration/crossplane.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(c, &cfg); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(">=%s, <v%d.0.0", v, major+1)
	found := false
	for _, d := range cfg.Spec.DependsOn {
		if d.Kind == "Function" && strings.HasSuffix(d.Package, "/function-eks-gitops") {
			found = true
			if d.Version != want {
				t.Errorf("the Configuration depends on function-eks-gitops %q, want %q: a Configuration of %s needs its own function or a later one of the same major version", d.Version, want, v)
			}
		}
	}
	if !found {
		t.Error("the Configuration does not depend on function-eks-gitops")
	}
	for file, needle := range map[string]string{
		"hack/package.sh": "$(cat VERSION)",
		"example/platform-repo/.github/workflows/validate.yaml":      "go install github.com/eks-gitops/function-eks-gitops@" + v,
		"example/platform-repo/.github/workflows/fleet-upgrade.yaml": "go install github.com/eks-gitops/function-eks-gitops@" + v,
		".github/workflows/release.yaml":                             `test "$GITHUB_REF_NAME" = "$(cat VERSION)"`,
		"CHANGELOG.md":                                               "\n## " + v + "\n",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), needle) {
			t.Errorf("%s does not carry the version: want %q in it", file, needle)
		}
	}
	rel, err := os.ReadFile(".github/workflows/release.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"function-eks-gitops", "configuration-eks-gitops"} {
		if !strings.Contains(string(rel), "xpkg push -f _output/"+pkg+".xpkg \"xpkg.crossplane.io/eks-gitops/"+pkg+":$GITHUB_REF_NAME\"") {
			t.Errorf("the release workflow does not push %s as the tag", pkg)
		}
	}
}
