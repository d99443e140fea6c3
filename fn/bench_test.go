package fn

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/floor"
	"github.com/eks-gitops/function-eks-gitops/internal/grpccodec"
	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
)

// benchCase is a request to measure.
type benchCase struct {
	name string
	req  func(b *testing.B) *fnv1.RunFunctionRequest
}

// members returns n Cognito usernames.
func members(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprintf("member-%04d@example.com", i)
	}
	return out
}

// pools returns n node pools.
func pools(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"name": fmt.Sprintf("pool-%d", i), "instanceTypes": []any{"m6i.large"}, "minSize": int64(1), "maxSize": int64(3)}
	}
	return out
}

// converged returns the request of a fully converged XR edited by edit.
func convergedRequest(b *testing.B, edit func(xr map[string]any)) *fnv1.RunFunctionRequest {
	b.Helper()
	s := newState(b, "xr.yaml", "composition.yaml")
	edit(s.XR)
	return requestOf(b, stateBefore(b, s, converge(b, s)))
}

var benchCases = []benchCase{
	{name: "FirstRender", req: func(b *testing.B) *fnv1.RunFunctionRequest {
		return requestOf(b, newState(b, "xr.yaml", "composition.yaml"))
	}},
	{name: "Converged", req: func(b *testing.B) *fnv1.RunFunctionRequest { return convergedRequest(b, func(map[string]any) {}) }},
	{name: "Converged/Members=3", req: func(b *testing.B) *fnv1.RunFunctionRequest {
		return convergedRequest(b, func(xr map[string]any) { set(xr, "spec.team.members", members(3)) })
	}},
	{name: "Converged/Members=500", req: func(b *testing.B) *fnv1.RunFunctionRequest {
		return convergedRequest(b, func(xr map[string]any) { set(xr, "spec.team.members", members(500)) })
	}},
	{name: "Converged/Pools=1", req: func(b *testing.B) *fnv1.RunFunctionRequest {
		return convergedRequest(b, func(xr map[string]any) { set(xr, "spec.nodePools", pools(1)) })
	}},
	{name: "Converged/Pools=5", req: func(b *testing.B) *fnv1.RunFunctionRequest {
		return convergedRequest(b, func(xr map[string]any) { set(xr, "spec.nodePools", pools(5)) })
	}},
	{name: "Recorded", req: recordedRequest},
}

// recordedRequest is payments-dev as the AWS provider's own controllers
// converged it in the real-provider suite, which records it on a pass: its
// observed resources carry every status field the real provider fills. The
// package Composition's Input and example/platform-settings.yaml composed it.
func recordedRequest(b *testing.B) *fnv1.RunFunctionRequest {
	b.Helper()
	rec := map[string]any{}
	raw, err := os.ReadFile(filepath.Join("..", "test", "e2e", "testdata", "observed-payments-dev.yaml"))
	if err != nil {
		b.Fatalf("%v: run hack/e2e-aws.sh, which records it on a pass", err)
	}
	if err := yaml.Unmarshal(raw, &rec); err != nil {
		b.Fatal(err)
	}
	raw, err = os.ReadFile(filepath.Join("..", "package", "configuration", "composition.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	c := map[string]any{}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		b.Fatal(err)
	}
	in := c["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)["input"].(map[string]any)
	s, err := simulate.Recorded(rec, in, map[string][]map[string]any{SettingsRequirement: {readYAML(b, "platform-settings.yaml")}})
	if err != nil {
		b.Fatal(err)
	}
	return requestOf(b, s)
}

func benchmark(b *testing.B, f fnv1.FunctionRunnerServiceServer) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			req := bc.req(b)
			b.SetBytes(int64(proto.Size(req)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.RunFunction(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRunFunction measures the function as the binary serves it
// (Wire), on each request, called again and again as Crossplane calls an XR
// on every poll: after the first call the plan comes from the function's
// cache.
func BenchmarkRunFunction(b *testing.B) {
	benchmark(b, NewWire(New(WithClock(func() time.Time { return testNow }))))
}

// BenchmarkRunFunctionUncached measures the function with its plan cache
// off: every call builds and converts its whole plan, as the first call for
// a new spec or newly observed facts does.
func BenchmarkRunFunctionUncached(b *testing.B) {
	benchmark(b, NewWire(New(WithClock(func() time.Time { return testNow }), WithPlanCache(0, 0))))
}

// BenchmarkFloor measures the floor function on the same requests.
func BenchmarkFloor(b *testing.B) { benchmark(b, floor.Function{}) }

// BenchmarkFullConvergence measures a whole convergence: every call from
// nothing observed to a Ready XR, with the provider simulation between calls
// excluded from the timing. Each convergence gets a new Function, so its plan
// cache starts empty as it does for a new XR.
func BenchmarkFullConvergence(b *testing.B) {
	clock := WithClock(func() time.Time { return testNow })
	for _, tc := range []struct {
		name string
		f    func() fnv1.FunctionRunnerServiceServer
	}{
		{"Function", func() fnv1.FunctionRunnerServiceServer { return NewWire(New(clock)) }},
		{"Function/Uncached", func() fnv1.FunctionRunnerServiceServer { return NewWire(New(clock, WithPlanCache(0, 0))) }},
		{"Floor", func() fnv1.FunctionRunnerServiceServer { return floor.Function{} }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := newState(b, "xr.yaml", "composition.yaml")
			var reqs []*fnv1.RunFunctionRequest
			for _, rsp := range converge(b, s) {
				reqs = append(reqs, requestOf(b, s))
				s = next(b, s, rsp, allReady)
			}
			b.ReportAllocs()
			for b.Loop() {
				f := tc.f()
				for _, req := range reqs {
					if _, err := f.RunFunction(context.Background(), req); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// benchmarkWire measures a call as gRPC makes it: decode the request's
// bytes, run, encode the response deterministically (the codec the binary
// registers), so the protobuf work on both sides counts.
func benchmarkWire(b *testing.B, f fnv1.FunctionRunnerServiceServer) {
	for _, bc := range []benchCase{benchCases[1], benchCases[len(benchCases)-1]} {
		b.Run(bc.name, func(b *testing.B) {
			wire, err := proto.Marshal(bc.req(b))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(wire)))
			b.ReportAllocs()
			for b.Loop() {
				req := &fnv1.RunFunctionRequest{}
				if err := proto.Unmarshal(wire, req); err != nil {
					b.Fatal(err)
				}
				rsp, err := f.RunFunction(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := (grpccodec.Codec{}).Marshal(rsp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWire is BenchmarkRunFunction with the request decoded from and
// the response encoded to bytes, as over gRPC.
func BenchmarkWire(b *testing.B) {
	benchmarkWire(b, NewWire(New(WithClock(func() time.Time { return testNow }))))
}

// BenchmarkWireUncached is BenchmarkWire with the plan cache off: the
// uncached call as gRPC makes it.
func BenchmarkWireUncached(b *testing.B) {
	benchmarkWire(b, NewWire(New(WithClock(func() time.Time { return testNow }), WithPlanCache(0, 0))))
}

// BenchmarkWireFloor is the floor over the same bytes.
func BenchmarkWireFloor(b *testing.B) { benchmarkWire(b, floor.Function{}) }
