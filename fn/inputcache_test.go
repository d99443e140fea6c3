package fn

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// hostileXR is a team's XR within its XRD's limits that makes the largest
// validated entry it can: 400 Git user names keyed by long names that are
// no members (entries for former members are ignored, not refused).
func hostileXR(t *testing.T, edit int) state {
	t.Helper()
	s := exampleState(t)
	names := map[string]any{}
	for i := range 400 {
		names[fmt.Sprintf("%04d-%s", i, strings.Repeat("x", 3500))] = "someone"
	}
	set(s.XR, "spec.team.gitUsernames", names)
	set(s.XR, "spec.tags.edit", fmt.Sprint(edit))
	return s
}

// TestInputMemoryEstimate holds validated entries of an ordinary and of
// the hostile XR and checks that the estimate the cache counts is not below
// what each holds.
func TestInputMemoryEstimate(t *testing.T) {
	cases := map[string]func(t *testing.T, i int) state{
		"Ordinary": func(t *testing.T, i int) state {
			s := exampleState(t)
			set(s.XR, "spec.tags.edit", fmt.Sprint(i))
			return s
		},
		"Hostile": hostileXR,
	}
	for name, xrOf := range cases {
		t.Run(name, func(t *testing.T) {
			f := New(WithClock(func() time.Time { return testNow }))
			const n = 20
			reqs := make([]*fnv1.RunFunctionRequest, n)
			for i := range reqs {
				reqs[i] = requestOf(t, xrOf(t, i))
			}
			held := make([]validatedXR, n)
			var est int64
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			for i, req := range reqs {
				xr := compositeOf(req.GetObserved().GetComposite().GetResource())
				in, p, err := f.validated(req, xr, existing{}, settings{})
				if err != nil {
					t.Fatal(err)
				}
				held[i] = validatedXR{in: in, p: p}
				key, err := inputKeyOf(req.GetInput(), settings{})
				if err != nil {
					t.Fatal(err)
				}
				_, size, err := validationKey(key, xr, existing{}, "2026-11-28")
				if err != nil {
					t.Fatal(err)
				}
				est = inputMemory(size)
			}
			f = nil
			runtime.GC()
			runtime.ReadMemStats(&ms1)
			per := (int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc)) / n
			t.Logf("a validated entry: %d bytes held, estimated %d", per, est)
			if est < per {
				t.Errorf("the estimate %d is below the %d bytes an entry holds; raise memoryPerInputByte or inputOverhead", est, per)
			}
			runtime.KeepAlive(held)
			runtime.KeepAlive(reqs)
		})
	}
}

// TestInputCacheBoundedUnderHostileEdits edits the hostile XR 40 times
// through RunFunction, as a team pushing commits would: the validated-input
// cache stays within its bytes, and the heap within the caches' budget.
func TestInputCacheBoundedUnderHostileEdits(t *testing.T) {
	const budget = 16 << 20
	f := New(WithClock(func() time.Time { return testNow }), WithPlanCache(DefaultPlanCacheSize, budget))
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	var largest int64
	// Each entry holds about 2.8 MB against the input cache's quarter of
	// the budget (4 MiB), so forty edits fill and evict it many times over.
	for i := range 40 {
		rsp, err := f.RunFunction(context.Background(), requestOf(t, hostileXR(t, i)))
		if err != nil {
			t.Fatal(err)
		}
		if msg := fatal(rsp); msg != "" {
			t.Fatal(msg)
		}
		largest = max(largest, f.inputs.Bytes())
		if b := f.inputs.Bytes(); b > budget/4 {
			t.Fatalf("edit %d: the input cache holds %d bytes, more than its %d", i, b, budget/4)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	grown := int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc)
	t.Logf("input cache: largest %d bytes in %d entries; heap grew %d bytes", largest, f.inputs.Len(), grown)
	if f.inputs.Len() >= 40 {
		t.Fatalf("the input cache kept all %d entries: nothing was evicted, so nothing was tried", f.inputs.Len())
	}
	// Both caches' budgets plus room for the function's own state.
	if limit := int64(budget + budget/4 + 16<<20); grown > limit {
		t.Errorf("the heap grew %d bytes over 40 hostile edits, more than the caches' budget and slack (%d)", grown, limit)
	}
	runtime.KeepAlive(f)
}
