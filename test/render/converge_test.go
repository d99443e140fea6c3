package render

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
)

// TestConvergeWithCLI plays the provider around `crossplane render -o
// observed.yaml`: each round marks everything declared as created and ready
// with realistic status, feeds it back, and renders again until nothing
// changes. `crossplane render` passes no connection details, so a
// cluster-scoped XR must stop exactly short of the repository Secret (and
// what waits for it); a namespaced XR patches the password in through
// provider-kubernetes and reaches Ready. TestConvergeOverGRPC covers the rest.
func TestConvergeWithCLI(t *testing.T) {
	c := setup(t)
	cases := map[string]struct {
		xr, composition, xrd string
		wantPhase            string
		wantHeld             []string
	}{
		"cluster-scoped": {
			xr: "xr.yaml", composition: "composition.yaml", xrd: "xrd.yaml",
			wantPhase: "RepositoryBootstrap",
			wantHeld:  []string{"argocd-bootstrap-application", "argocd-repository-secret"},
		},
		"namespaced": {
			xr: "xr-namespaced.yaml", composition: "composition-namespaced.yaml", xrd: "xrd-namespaced.yaml",
			wantPhase: "Ready",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			// Crossplane's API server gives the XR a UID; render copies it into
			// every composed resource's controller reference, which the
			// function checks on what it observes.
			xr := simulate.WithUID(exampleYAML(t, tc.xr))
			sim := simulate.New(xr, nil).Provider()
			xrPath := filepath.Join(dir, "xr.yaml")
			observedPath := filepath.Join(dir, "observed.yaml")
			var declared []string
			var phase string
			for round := range 12 {
				writeDocs(t, xrPath, xr)
				var extra []string
				if round > 0 {
					extra = []string{"-o", observedPath}
				}
				out, err := c.render(t, xrPath, example(tc.composition), example(tc.xrd), extra...)
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				objs := docs(t, out)
				status, _ := objs[0]["status"].(map[string]any)
				phase, _ = status["phase"].(string)
				now := map[string]map[string]any{}
				for _, o := range objs[1:] {
					if o["kind"] == "Result" {
						continue
					}
					ann, _ := o["metadata"].(map[string]any)["annotations"].(map[string]any)
					now[ann["crossplane.io/composition-resource-name"].(string)] = o
				}
				for _, n := range declared {
					if _, ok := now[n]; !ok {
						t.Fatalf("round %d: %s was declared before and is gone", round, n)
					}
				}
				names := slices.Sorted(maps.Keys(now))
				if round > 0 && len(names) == len(declared) && phase != "" {
					t.Logf("stable after %d rounds with %d resources, phase %s", round+1, len(names), phase)
					break
				}
				declared = names
				var observed []map[string]any
				for _, n := range names {
					observed = append(observed, sim.Observe(now[n], true).Object)
				}
				writeDocs(t, observedPath, observed...)
				xr["status"] = status
			}
			if phase != tc.wantPhase {
				t.Errorf("converged to phase %q, want %q", phase, tc.wantPhase)
			}
			for _, h := range tc.wantHeld {
				if slices.Contains(declared, h) {
					t.Errorf("%s is declared without the credential's connection details", h)
				}
			}
			for _, want := range []string{"eks-cluster", "eks-nodegroup-general", "argocd-cluster-secret", "argocd-project", "cognito-group", "codecommit-credential"} {
				if tc.xr == "xr-namespaced.yaml" && want == "eks-nodegroup-general" {
					want = "eks-nodegroup-default"
				}
				if !slices.ContainsFunc(declared, func(d string) bool { return d == want || strings.HasPrefix(d, want+"-") }) {
					t.Errorf("%s was never declared; declared: %s", want, strings.Join(declared, " "))
				}
			}
		})
	}
}

func writeDocs(t *testing.T, path string, objs ...map[string]any) {
	t.Helper()
	var b strings.Builder
	for _, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}
