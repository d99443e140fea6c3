package fn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// releasesDir holds, per release, each example's converged output as that
// release rendered it (its 4-everything-ready golden).
const releasesDir = "testdata/releases"

// TestUpgradeFromRelease: a running cluster of every release, observed as
// its provider made it, renders with this function into the same objects:
// none dropped or renamed, none of another kind, object name, external name
// or region, so an upgrade of the Configuration replaces nothing
// (docs/upgrading.md). -update writes the current VERSION's directory; do
// it when the release is tagged, never for an earlier one.
func TestUpgradeFromRelease(t *testing.T) {
	t.Parallel()
	if *update {
		v, err := os.ReadFile(filepath.Join("..", "VERSION"))
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(releasesDir, strings.TrimSpace(string(v)))
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		for _, ex := range examples {
			b, err := os.ReadFile(filepath.Join("testdata", "golden", ex.name, "4-everything-ready.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, ex.name+".yaml"), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	dirs, err := filepath.Glob(filepath.Join(releasesDir, "v*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no release under %s: %v", releasesDir, err)
	}
	for _, dir := range dirs {
		for _, ex := range examples {
			t.Run(filepath.Base(dir)+"/"+ex.name, func(t *testing.T) {
				b, err := os.ReadFile(filepath.Join(dir, ex.name+".yaml"))
				if os.IsNotExist(err) {
					return // An example newer than the release.
				}
				if err != nil {
					t.Fatal(err)
				}
				j, err := yaml.YAMLToJSON(b)
				if err != nil {
					t.Fatal(err)
				}
				released := &fnv1.RunFunctionResponse{}
				if err := protojson.Unmarshal(j, released); err != nil {
					t.Fatal(err)
				}
				// The release's objects, made and ready; then this
				// function's calls until nothing changes.
				s := next(t, newExampleState(t, ex), released, allReady)
				var now *fnv1.RunFunctionResponse
				for range 3 {
					now = run(t, requestOf(t, s))
					if f := fatal(now); f != "" {
						t.Fatalf("the release's running cluster is refused: %s", f)
					}
					s = next(t, s, now, allReady)
				}
				for name, r := range released.GetDesired().GetResources() {
					got, ok := now.GetDesired().GetResources()[name]
					if !ok {
						t.Errorf("%s is no longer composed: the upgrade would delete it", name)
						continue
					}
					was, is := r.GetResource().AsMap(), got.GetResource().AsMap()
					for _, path := range [][]string{
						{"apiVersion"}, {"kind"}, {"metadata", "name"}, {"metadata", "namespace"},
						{"metadata", "annotations", "crossplane.io/external-name"},
						{"spec", "forProvider", "region"}, {"spec", "forProvider", "cidrBlock"},
						{"spec", "forProvider", "availabilityZone"}, {"spec", "forProvider", "name"},
					} {
						if a, b := lookup(was, path...), lookup(is, path...); a != b {
							t.Errorf("%s: %s was %v, is %v: the upgrade would replace it", name, strings.Join(path, "."), a, b)
						}
					}
				}
			})
		}
	}
}
