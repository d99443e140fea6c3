package clusterspec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestDescriptionsStateTheDefaults: the XRD's descriptions, generated from
// this package's comments, name the defaults WithDefaults fills in, so what
// kubectl explain and the manual say cannot drift from what the function
// does.
func TestDescriptionsStateTheDefaults(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "example", "xrd.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var x map[string]any
	if err := yaml.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	spec := dig(t, x, "spec", "versions", 0, "schema", "openAPIV3Schema", "properties", "spec", "properties")
	pool := dig(t, spec, "nodePools", "items", "properties")
	for _, c := range []struct {
		field       string
		description any
		want        string
	}{
		{"network.availabilityZones", dig(t, spec, "network", "properties", "availabilityZones", "description"), fmt.Sprintf("default %d", DefaultAvailabilityZones)},
		{"supportType", dig(t, spec, "supportType", "description"), DefaultSupportType + " (default)"},
		{"nodePools", dig(t, spec, "nodePools", "description"), fmt.Sprintf("%q", DefaultNodePoolName)},
		{"instanceTypes", dig(t, pool, "instanceTypes", "description"), "default [" + DefaultInstanceType + "]"},
		{"capacityType", dig(t, pool, "capacityType", "description"), DefaultCapacityType + " (default)"},
		{"amiType", dig(t, pool, "amiType", "description"), "default " + DefaultAMIType},
		{"diskSize", dig(t, pool, "diskSize", "description"), fmt.Sprintf("default %d", DefaultDiskSizeGiB)},
		{"minSize", dig(t, pool, "minSize", "description"), fmt.Sprintf("default %d", DefaultMinSize)},
		{"maxSize", dig(t, pool, "maxSize", "description"), fmt.Sprintf("default %d", DefaultMaxSize)},
	} {
		if d, _ := c.description.(string); !strings.Contains(d, c.want) {
			t.Errorf("the description of %s does not say %q: %q", c.field, c.want, d)
		}
	}
}

func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("no %s in %v", k, path)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || len(l) <= k {
				t.Fatalf("no [%d] in %v", k, path)
			}
			v = l[k]
		}
	}
	return v
}

// TestComputeModesAreTheSchemas: the modes the function knows are the enum
// of spec.compute.mode in the XRD and of compute.modes in the Input's CRD,
// whose markers repeat them.
func TestComputeModesAreTheSchemas(t *testing.T) {
	read := func(path ...string) map[string]any {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(append([]string{"..", ".."}, path...)...))
		if err != nil {
			t.Fatal(err)
		}
		var x map[string]any
		if err := yaml.Unmarshal(b, &x); err != nil {
			t.Fatal(err)
		}
		return x
	}
	schema := func(x map[string]any) map[string]any {
		return dig(t, x, "spec", "versions", 0, "schema", "openAPIV3Schema", "properties").(map[string]any)
	}
	enums := map[string]any{
		"XRD spec.compute.mode": dig(t, schema(read("example", "xrd.yaml")), "spec", "properties", "compute", "properties", "mode", "enum"),
		"Input compute.modes[]": dig(t, schema(read("package", "input", "eksgitops.fn.crossplane.io_inputs.yaml")), "compute", "properties", "modes", "items", "enum"),
		"XRD default":           []any{dig(t, schema(read("example", "xrd.yaml")), "spec", "properties", "compute", "properties", "mode", "default")},
	}
	want := make([]any, len(ComputeModes))
	for i, m := range ComputeModes {
		want[i] = m
	}
	for where, got := range enums {
		if where == "XRD default" {
			if fmt.Sprint(got) != fmt.Sprint([]any{ModeManagedNodeGroups}) {
				t.Errorf("%s is %v, want %s", where, got, ModeManagedNodeGroups)
			}
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s enum is %v, want %v (ComputeModes)", where, got, want)
		}
	}
}
