// Package golden reads the function's golden files (fn/testdata/golden):
// what it composed for an example at a stage, for the tests outside fn
// that hold that output to other rules.
package golden

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// Desired returns the desired composed resources of a golden file, by
// composition resource name.
func Desired(path string) (map[string]map[string]any, error) {
	b, err := os.ReadFile(path) //nolint:gosec // Tests name the golden files they read.
	if err != nil {
		return nil, err
	}
	var g struct {
		Desired struct {
			Resources map[string]struct {
				Resource map[string]any `json:"resource"`
			} `json:"resources"`
		} `json:"desired"`
	}
	if err := yaml.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make(map[string]map[string]any, len(g.Desired.Resources))
	for name, r := range g.Desired.Resources {
		out[name] = r.Resource
	}
	return out, nil
}
