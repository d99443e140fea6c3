// Command renderall converges every example XR (and Input variants) with the
// provider simulator and writes every object the function declares in every
// round to a directory, one YAML file per scenario and round. The
// conformance module validates those files against the providers' schemas;
// it cannot import the function because the providers' API modules pin an
// older crossplane-runtime than function-sdk-go needs.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/eks-gitops/function-eks-gitops/fn"
	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
)

// scenario is an example XR with an Input variant.
type scenario struct {
	name        string
	xr          string
	composition string
	edit        func(in map[string]any)
}

var scenarios = []scenario{
	{name: "default", xr: "xr.yaml", composition: "composition.yaml"},
	{name: "minimal", xr: "xr-minimal.yaml", composition: "composition.yaml"},
	{name: "full", xr: "xr-full.yaml", composition: "composition.yaml"},
	{name: "pools", xr: "xr-pools.yaml", composition: "composition.yaml"},
	{name: "namespaced", xr: "xr-namespaced.yaml", composition: "composition-namespaced.yaml"},
	{name: "hub-role-single-nat", xr: "xr.yaml", composition: "composition.yaml", edit: func(in map[string]any) {
		in["natGateways"] = "Single"
		in["argocd"].(map[string]any)["accessMode"] = "HubRole" //nolint:forcetypeassert // Shipped example.
		in["endpointAccess"] = map[string]any{"private": true, "public": false}
	}},
}

func readYAML(dir, name string) (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(dir, name)) //nolint:gosec // Example files.
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	return out, yaml.Unmarshal(b, &out)
}

func main() {
	examples := flag.String("examples", "example", "the example directory")
	out := flag.String("out", "", "the directory to write to")
	flag.Parse()
	if err := run(*examples, *out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(examples, out string) error {
	if err := os.MkdirAll(out, 0o750); err != nil {
		return err
	}
	// The day the examples' Kubernetes versions are judged on, fixed so the
	// check does not depend on when it runs.
	f := fn.New(fn.WithClock(func() time.Time { return time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC) }))
	total := 0
	for _, sc := range scenarios {
		xr, err := readYAML(examples, sc.xr)
		if err != nil {
			return err
		}
		c, err := readYAML(examples, sc.composition)
		if err != nil {
			return err
		}
		in := c["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)["input"].(map[string]any) //nolint:forcetypeassert // Shipped example.
		if sc.edit != nil {
			sc.edit(in)
		}
		rounds, err := simulate.Converge(context.Background(), f, simulate.New(xr, in), 12)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		for i, r := range rounds {
			res := r.Response.GetDesired().GetResources()
			var b bytes.Buffer
			for _, name := range slices.Sorted(maps.Keys(res)) {
				y, err := yaml.Marshal(res[name].GetResource().AsMap())
				if err != nil {
					return err
				}
				fmt.Fprintf(&b, "---\n# %s\n", name)
				b.Write(y)
				total++
			}
			if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("%s-round-%d.yaml", sc.name, i)), b.Bytes(), 0o600); err != nil {
				return err
			}
		}
	}
	fmt.Printf("renderall: wrote %d objects of %d scenarios to %s\n", total, len(scenarios), out)
	return nil
}
