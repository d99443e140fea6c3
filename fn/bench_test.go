package fn

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRunFunctionConverged measures one call for the default example at
// full convergence: everything observed and ready.
func BenchmarkRunFunctionConverged(b *testing.B) {
	s := newState(b, "xr.yaml", "composition.yaml")
	rsps := converge(b, s)
	for _, rsp := range rsps[:len(rsps)-1] {
		s = next(b, s, rsp, allReady)
	}
	req := requestOf(b, s)
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
	s := newState(b, "xr.yaml", "composition.yaml")
	req := requestOf(b, s)
	f := New(WithClock(func() time.Time { return testNow }))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.RunFunction(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
