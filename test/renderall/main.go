// Command renderall converges every example XR (and Input variants) with the
// provider simulator and writes every object the function declares in every
// round to a directory, one YAML file per scenario and round. It does the
// same for every case of the fuzz targets' seeds and committed corpora that
// the function accepts, writing the final round, so what the fuzzer found is
// held to the same schemas. The
// conformance module validates those files against the providers' schemas;
// it cannot import the function because the providers' API modules pin an
// older crossplane-runtime than function-sdk-go needs.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/fn"
	"github.com/eks-gitops/function-eks-gitops/internal/fuzzcase"
	"github.com/eks-gitops/function-eks-gitops/internal/providersim"
	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
)

// scenario is an example XR with an Input variant.
type scenario struct {
	name        string
	xr          string
	composition string
	// gitHost is a platform settings file whose repository settings
	// replace the Composition's.
	gitHost string
	// hub is a platform settings file whose Argo CD and identity settings
	// replace the Composition's (and its Cognito pool, when it has an
	// identity provider).
	hub  string
	edit func(in map[string]any)
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
	{name: "github", xr: "xr.yaml", composition: "composition.yaml", gitHost: "platform-settings-github.yaml"},
	{name: "github-app-per-repository", xr: "xr-full.yaml", composition: "composition.yaml", gitHost: "platform-settings-github.yaml", edit: func(in map[string]any) {
		gh := in["repository"].(map[string]any)["github"].(map[string]any) //nolint:forcetypeassert // Shipped example.
		gh["argocdCredentials"] = "Repository"
		gh["app"] = map[string]any{"id": 123456, "installationId": 7890123, "privateKeySecretRef": map[string]any{"namespace": "argocd", "name": "github-app-acme-platform"}}
		in["repository"].(map[string]any)["deletionPolicy"] = "Delete" //nolint:forcetypeassert // Shipped example.
	}},
	{name: "github-namespaced", xr: "xr-namespaced.yaml", composition: "composition-namespaced.yaml", gitHost: "platform-settings-github.yaml"},
	{name: "gitlab", xr: "xr.yaml", composition: "composition.yaml", gitHost: "platform-settings-gitlab.yaml"},
	{name: "gitlab-namespaced", xr: "xr-namespaced.yaml", composition: "composition-namespaced.yaml", gitHost: "platform-settings-gitlab.yaml", edit: func(in map[string]any) {
		in["repository"].(map[string]any)["deletionPolicy"] = "Delete" //nolint:forcetypeassert // Shipped example.
	}},
	{name: "automode", xr: "xr-automode.yaml", composition: "composition.yaml"},
	{name: "karpenter", xr: "xr-karpenter.yaml", composition: "composition.yaml"},
	{name: "managed-hub", xr: "xr-managed-hub.yaml", composition: "composition.yaml", hub: "platform-settings-managed-hub.yaml"},
	{name: "managed-hub-namespaced", xr: "xr-managed-hub-namespaced.yaml", composition: "composition-namespaced.yaml", hub: "platform-settings-managed-hub.yaml"},
	{name: "managed-hub-github", xr: "xr-managed-hub.yaml", composition: "composition.yaml", gitHost: "platform-settings-github.yaml", hub: "platform-settings-managed-hub.yaml"},
}

// onHub puts the hub's Argo CD and identity settings into the Input.
func onHub(in, data map[string]any) {
	argocd := in["argocd"].(map[string]any) //nolint:forcetypeassert // Shipped example.
	delete(argocd, "hubRoleArn")
	delete(argocd, "accessMode")
	for k, v := range data["argocd"].(map[string]any) { //nolint:forcetypeassert // Shipped example.
		argocd[k] = v
	}
	if id, ok := data["identity"]; ok {
		in["identity"] = id
		delete(in, "cognito")
	}
}

func readYAML(dir, name string) (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(dir, name)) //nolint:gosec // Example files.
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	return out, yaml.Unmarshal(b, &out)
}

// compositionInput is the Input of a Composition's first pipeline step.
func compositionInput(examples, composition string) (map[string]any, error) {
	c, err := readYAML(examples, composition)
	if err != nil {
		return nil, err
	}
	return c["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)["input"].(map[string]any), nil //nolint:forcetypeassert // Shipped example.
}

func main() {
	examples := flag.String("examples", "example", "the example directory")
	out := flag.String("out", "", "the directory to write to")
	corpus := flag.String("corpus", "fn/testdata/fuzz", "the fuzz targets' corpus directory")
	flag.Parse()
	if err := run(*examples, *corpus, *out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// minAcceptedFuzzCases is the fewest fuzz cases the function must accept
// for the rendered corpus to mean something.
const minAcceptedFuzzCases = 4

func run(examples, corpus, out string) error {
	if err := os.MkdirAll(out, 0o750); err != nil {
		return err
	}
	// The day the examples' Kubernetes versions are judged on, fixed so the
	// check does not depend on when it runs.
	f := fn.New(fn.WithClock(func() time.Time { return providersim.Now }))
	total := 0
	for _, sc := range scenarios {
		xr, err := readYAML(examples, sc.xr)
		if err != nil {
			return err
		}
		in, err := compositionInput(examples, sc.composition)
		if err != nil {
			return err
		}
		if sc.gitHost != "" {
			settings, err := readYAML(examples, sc.gitHost)
			if err != nil {
				return err
			}
			in["repository"] = settings["data"].(map[string]any)["repository"] //nolint:forcetypeassert // Shipped example.
			in["tenancy"] = settings["data"].(map[string]any)["tenancy"]       //nolint:forcetypeassert // Shipped example.
		}
		if sc.hub != "" {
			settings, err := readYAML(examples, sc.hub)
			if err != nil {
				return err
			}
			onHub(in, settings["data"].(map[string]any)) //nolint:forcetypeassert // Shipped example.
		}
		if sc.edit != nil {
			sc.edit(in)
		}
		rounds, err := simulate.Converge(context.Background(), f, simulate.New(xr, in), 12)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		for i, r := range rounds {
			n, err := write(filepath.Join(out, fmt.Sprintf("%s-round-%d.yaml", sc.name, i)), r.Response)
			if err != nil {
				return err
			}
			total += n
		}
	}
	fmt.Printf("renderall: wrote %d objects of %d scenarios to %s\n", total, len(scenarios), out)

	exampleXR, err := readYAML(examples, "xr.yaml")
	if err != nil {
		return err
	}
	exampleInput, err := compositionInput(examples, "composition.yaml")
	if err != nil {
		return err
	}
	cases, err := fuzzcase.Cases(corpus, exampleXR, exampleInput)
	if err != nil {
		return err
	}
	total, accepted := 0, 0
	for _, c := range cases {
		rounds, err := simulate.Converge(context.Background(), f, simulate.New(c.XR, c.Input), 12)
		if refused := (simulate.Refused{}); len(rounds) == 0 && errors.As(err, &refused) {
			continue // Refused with a Fatal result, as the fuzz target allows.
		}
		if err != nil {
			return fmt.Errorf("fuzz case %s was accepted but did not converge: %w", c.Name, err)
		}
		n, err := write(filepath.Join(out, fmt.Sprintf("fuzz-%s-final.yaml", c.Name)), rounds[len(rounds)-1].Response)
		if err != nil {
			return err
		}
		total += n
		accepted++
	}
	// A corpus that stopped reaching the builders would make the
	// conformance suite's fuzz half vacuous.
	if accepted < minAcceptedFuzzCases {
		return fmt.Errorf("only %d of %d fuzz cases were accepted, fewer than %d: the conformance check of fuzzed output would check too little", accepted, len(cases), minAcceptedFuzzCases)
	}
	fmt.Printf("renderall: wrote %d objects of the %d fuzz cases the function accepts (of %d) to %s\n", total, accepted, len(cases), out)
	return nil
}

// write writes every desired composed resource of rsp to path, in name
// order, and returns how many.
func write(path string, rsp *fnv1.RunFunctionResponse) (int, error) {
	res := rsp.GetDesired().GetResources()
	var b bytes.Buffer
	for _, name := range slices.Sorted(maps.Keys(res)) {
		y, err := yaml.Marshal(res[name].GetResource().AsMap())
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(&b, "---\n# %s\n", name)
		b.Write(y)
	}
	return len(res), os.WriteFile(path, b.Bytes(), 0o600)
}
