package fn

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/providersim"
	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
)

// testNow is the day the tests judge Kubernetes version support on.
var testNow = providersim.Now

// example is a shipped example XR with the Composition that serves it.
type example struct {
	name        string
	xr          string
	composition string
	// gitHost is a platform settings file whose repository settings
	// replace the Composition's: the same XR on another Git host.
	gitHost string
	// hub is a platform settings file whose Argo CD settings replace the
	// Composition's: the same platform on another hub.
	hub string
	// identity is a platform settings file whose identity settings
	// replace the Composition's Cognito: people signing in elsewhere.
	identity string
}

var examples = []example{
	{name: "default", xr: "xr.yaml", composition: "composition.yaml"},
	{name: "minimal", xr: "xr-minimal.yaml", composition: "composition.yaml"},
	{name: "full", xr: "xr-full.yaml", composition: "composition.yaml"},
	{name: "pools", xr: "xr-pools.yaml", composition: "composition.yaml"},
	{name: "namespaced", xr: "xr-namespaced.yaml", composition: "composition-namespaced.yaml"},
	{name: "github", xr: "xr.yaml", composition: "composition.yaml", gitHost: "platform-settings-github.yaml"},
	{name: "gitlab", xr: "xr.yaml", composition: "composition.yaml", gitHost: "platform-settings-gitlab.yaml"},
	{name: "gitlab-namespaced", xr: "xr-namespaced.yaml", composition: "composition-namespaced.yaml", gitHost: "platform-settings-gitlab.yaml"},
	{name: "automode", xr: "xr-automode.yaml", composition: "composition.yaml"},
	{name: "karpenter", xr: "xr-karpenter.yaml", composition: "composition.yaml"},
	{name: "managed-hub", xr: "xr-managed-hub.yaml", composition: "composition.yaml", hub: managedHub, identity: managedHub},
	{name: "managed-hub-namespaced", xr: "xr-managed-hub-namespaced.yaml", composition: "composition-namespaced.yaml", hub: managedHub, identity: managedHub},
	// A self-managed Argo CD with people signing in through Identity
	// Center. (The capability with Cognito is refused: AWS's Argo CD signs
	// people in through Identity Center only.)
	{name: "identitycenter", xr: "xr-managed-hub.yaml", composition: "composition.yaml", identity: managedHub},
}

// managedHub is the platform settings file of the managed hub: AWS's Argo
// CD and IAM Identity Center.
const managedHub = "platform-settings-managed-hub.yaml"

// newExampleState is an example's first state.
func newExampleState(t testing.TB, ex example) state {
	t.Helper()
	in := exampleInput(t, ex.composition)
	if ex.gitHost != "" {
		onGitHost(t, in, ex.gitHost)
	}
	if ex.hub != "" {
		onHub(t, in, ex.hub)
	}
	if ex.identity != "" {
		onIdentity(t, in, ex.identity)
	}
	return simulate.New(readYAML(t, ex.xr), in)
}

// onHub gives the Input the Argo CD settings of a platform settings file,
// in place of the Composition's.
func onHub(t testing.TB, in map[string]any, settingsFile string) {
	t.Helper()
	data := readYAML(t, settingsFile)["data"].(map[string]any)
	argocd := in["argocd"].(map[string]any)
	delete(argocd, "hubRoleArn")
	delete(argocd, "accessMode")
	for k, v := range data["argocd"].(map[string]any) {
		argocd[k] = v
	}
}

// onIdentity gives the Input the identity settings of a platform settings
// file in place of the Composition's Cognito pool.
func onIdentity(t testing.TB, in map[string]any, settingsFile string) {
	t.Helper()
	in["identity"] = readYAML(t, settingsFile)["data"].(map[string]any)["identity"]
	delete(in, "cognito")
}

// exampleSettings is the platform settings object an example's Input stands
// for: example/platform-settings.yaml, or its Git host's file, with the
// Argo CD and identity settings of its hub's and identity's files.
func exampleSettings(t testing.TB, ex example) map[string]any {
	t.Helper()
	settings := readYAML(t, "platform-settings.yaml")
	if ex.gitHost != "" {
		settings = readYAML(t, ex.gitHost)
	}
	data := settings["data"].(map[string]any)
	if ex.hub != "" {
		data["argocd"] = readYAML(t, ex.hub)["data"].(map[string]any)["argocd"]
	}
	if ex.identity != "" {
		data["identity"] = readYAML(t, ex.identity)["data"].(map[string]any)["identity"]
		delete(data, "cognito")
	}
	return settings
}

// onGitHost gives the Input the repository settings of a platform settings
// file and its tenancy, which lists each team's people on the Git host.
func onGitHost(t testing.TB, in map[string]any, settingsFile string) {
	t.Helper()
	data := readYAML(t, settingsFile)["data"].(map[string]any)
	in["repository"] = data["repository"]
	in["tenancy"] = data["tenancy"]
}

func readYAML(t testing.TB, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "example", path))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := yaml.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// exampleInput returns the Input of the Composition's first pipeline step.
func exampleInput(t testing.TB, composition string) map[string]any {
	t.Helper()
	c := readYAML(t, composition)
	pipeline := c["spec"].(map[string]any)["pipeline"].([]any)
	return pipeline[0].(map[string]any)["input"].(map[string]any)
}

// state is the simulated Crossplane state between calls.
type state = simulate.State

func newState(t testing.TB, xr, composition string) state {
	t.Helper()
	return simulate.New(readYAML(t, xr), exampleInput(t, composition))
}

func requestOf(t testing.TB, s state) *fnv1.RunFunctionRequest {
	t.Helper()
	req, err := s.Request()
	if err != nil {
		t.Fatal(err)
	}
	req.Meta.Tag = "test"
	return req
}

func run(t testing.TB, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	t.Helper()
	rsp, err := New(WithClock(func() time.Time { return testNow })).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("RunFunction returned an error: %v", err)
	}
	return rsp
}

func fatal(rsp *fnv1.RunFunctionResponse) string {
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return r.GetMessage()
		}
	}
	return ""
}

func next(t testing.TB, s state, rsp *fnv1.RunFunctionResponse, ready func(name string) bool) state {
	t.Helper()
	return s.Next(rsp, ready)
}

var (
	allReady       = simulate.AllReady
	converged      = simulate.Converged
	withConditions = simulate.WithConditions
)

// maxRounds bounds convergence; the plan needs about six rounds.
const maxRounds = 12

// converge renders from nothing observed until the XR is Ready, returning
// every response.
func converge(t testing.TB, s state) []*fnv1.RunFunctionResponse {
	t.Helper()
	rounds, err := simulate.Converge(context.Background(), New(WithClock(func() time.Time { return testNow })), s, maxRounds)
	if err != nil {
		t.Fatal(err)
	}
	rsps := make([]*fnv1.RunFunctionResponse, len(rounds))
	for i, r := range rounds {
		rsps[i] = r.Response
	}
	return rsps
}

// renderYAML is the response as stable YAML, for golden files.
func renderYAML(t testing.TB, rsp *fnv1.RunFunctionResponse) []byte {
	t.Helper()
	j, err := protojson.Marshal(rsp)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(j, &v); err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

func resourceNames(rsp *fnv1.RunFunctionResponse) []string {
	var n []string
	for k := range rsp.GetDesired().GetResources() {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}
