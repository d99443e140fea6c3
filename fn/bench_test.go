package fn

import (
	"context"
	"testing"
	"time"

	"github.com/eks-gitops/function-eks-gitops/internal/providersim"
)

// BenchmarkRunFunctionConverged measures one call for the default example at
// full convergence: everything observed and ready.
func BenchmarkRunFunctionConverged(b *testing.B) {
	s := state{xr: readYAML(b, "xr.yaml"), input: exampleInput(b, "composition.yaml"), observed: map[string]providersim.Observed{}}
	rsps := converge(b, s)
	for _, rsp := range rsps[:len(rsps)-1] {
		s = next(b, s, rsp, allReady)
	}
	req := s.request(b)
	f := New(WithClock(func() time.Time { return testNow }))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.RunFunction(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunFunctionFirstRender measures the first call, nothing observed.
func BenchmarkRunFunctionFirstRender(b *testing.B) {
	s := state{xr: readYAML(b, "xr.yaml"), input: exampleInput(b, "composition.yaml"), observed: map[string]providersim.Observed{}}
	req := s.request(b)
	f := New(WithClock(func() time.Time { return testNow }))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.RunFunction(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
