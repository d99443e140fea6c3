package fn

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/providersim"
)

// testNow is the day the tests judge Kubernetes version support on.
var testNow = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// example is a shipped example XR with the Composition that serves it.
type example struct {
	name        string
	xr          string
	composition string
}

var examples = []example{
	{name: "default", xr: "xr.yaml", composition: "composition.yaml"},
	{name: "minimal", xr: "xr-minimal.yaml", composition: "composition.yaml"},
	{name: "full", xr: "xr-full.yaml", composition: "composition.yaml"},
	{name: "pools", xr: "xr-pools.yaml", composition: "composition.yaml"},
	{name: "namespaced", xr: "xr-namespaced.yaml", composition: "composition-namespaced.yaml"},
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
	pipeline := c["spec"].(map[string]any)["pipeline"].([]any)    //nolint:forcetypeassert // Shipped example.
	return pipeline[0].(map[string]any)["input"].(map[string]any) //nolint:forcetypeassert // Shipped example.
}

func mustStruct(t testing.TB, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// state is what Crossplane would send: the XR, its observed resources and
// the conditions the previous call set on it.
type state struct {
	xr       map[string]any
	input    map[string]any
	observed map[string]providersim.Observed
}

func (s state) request(t testing.TB) *fnv1.RunFunctionRequest {
	t.Helper()
	req := &fnv1.RunFunctionRequest{
		Meta:  &fnv1.RequestMeta{Tag: "test"},
		Input: mustStruct(t, s.input),
		Observed: &fnv1.State{
			Composite: &fnv1.Resource{Resource: mustStruct(t, s.xr)},
			Resources: map[string]*fnv1.Resource{},
		},
		Desired: &fnv1.State{},
	}
	for name, o := range s.observed {
		req.Observed.Resources[name] = &fnv1.Resource{Resource: mustStruct(t, o.Object), ConnectionDetails: o.ConnectionDetails}
	}
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

// simulator plays the AWS provider for an example.
func simulator(t testing.TB, xr map[string]any) providersim.Provider {
	t.Helper()
	aws := xr["spec"].(map[string]any)["aws"].(map[string]any)                                                                //nolint:forcetypeassert // Shipped example.
	region := aws["region"].(string)                                                                                          //nolint:forcetypeassert // Shipped example.
	return providersim.Provider{AccountID: aws["accountId"].(string), Region: region, Partition: compose.PartitionOf(region)} //nolint:forcetypeassert // Shipped example.
}

// next plays Crossplane and the provider between two calls: every desired
// resource now exists, ready when ready says so, and the XR carries the
// conditions of the response.
func next(t testing.TB, s state, rsp *fnv1.RunFunctionResponse, ready func(name string) bool) state {
	t.Helper()
	sim := simulator(t, s.xr)
	out := state{xr: withConditions(s.xr, rsp), input: s.input, observed: map[string]providersim.Observed{}}
	for name, r := range rsp.GetDesired().GetResources() {
		out.observed[name] = sim.Observe(r.GetResource().AsMap(), ready(name))
	}
	return out
}

func withConditions(xr map[string]any, rsp *fnv1.RunFunctionResponse) map[string]any {
	out := runtime.DeepCopyJSON(xr)
	conds := make([]any, 0, len(rsp.GetConditions()))
	for _, c := range rsp.GetConditions() {
		status := strings.TrimPrefix(c.GetStatus().String(), "STATUS_CONDITION_")
		conds = append(conds, map[string]any{"type": c.GetType(), "status": strings.ToUpper(status[:1]) + strings.ToLower(status[1:]), "reason": c.GetReason()})
	}
	out["status"] = map[string]any{"conditions": conds}
	return out
}

func allReady(string) bool { return true }

// converge renders from nothing observed until the XR's steps are all done,
// returning every response.
// maxRounds bounds convergence; the plan has three stages, so it needs four
// rounds at most.
const maxRounds = 10

func converge(t testing.TB, s state) []*fnv1.RunFunctionResponse {
	t.Helper()
	var rsps []*fnv1.RunFunctionResponse
	for range maxRounds {
		rsp := run(t, s.request(t))
		if msg := fatal(rsp); msg != "" {
			t.Fatalf("fatal result while converging: %s", msg)
		}
		rsps = append(rsps, rsp)
		if converged(rsp) {
			return rsps
		}
		s = next(t, s, rsp, allReady)
	}
	t.Fatalf("did not converge in %d rounds", maxRounds)
	return nil
}

func converged(rsp *fnv1.RunFunctionResponse) bool {
	if rsp.GetDesired().GetComposite().GetReady() == fnv1.Ready_READY_FALSE {
		return false
	}
	for _, r := range rsp.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_TRUE {
			return false
		}
	}
	return true
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
