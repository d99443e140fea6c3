package fn

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/plancache"
)

func marshal(t testing.TB, rsp *fnv1.RunFunctionResponse) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(rsp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cacheChangesNothing calls a cached and an uncached Function with req and
// reports whether their responses are the same bytes; it returns the
// uncached one.
func cacheChangesNothing(t *testing.T, cached, uncached *Function, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, bool) {
	t.Helper()
	got, err := cached.RunFunction(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want, err := uncached.RunFunction(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return want, string(marshal(t, got)) == string(marshal(t, want))
}

// TestPlanCacheChangesNothingDuringUpgrade plays an upgrade with a slow
// provider (TestUpgradeOrder's) through one cached Function and one without
// a cache, and checks every response is the same byte for byte: the plan
// key leaves out node group readiness, which must not matter beyond the
// upgrade decisions in the key.
func TestPlanCacheChangesNothingDuringUpgrade(t *testing.T) {
	clock := WithClock(func() time.Time { return testNow })
	cached, uncached := New(clock), New(clock, WithPlanCache(0, 0))
	st, _, sp := upgradeScenario(t)
	for round := range 40 {
		want, same := cacheChangesNothing(t, cached, uncached, requestOf(t, st))
		if !same {
			t.Fatalf("round %d: the cached response differs from the uncached one", round)
		}
		if condition(t, want, "KubernetesUpgraded").GetStatus() == fnv1.Status_STATUS_CONDITION_TRUE {
			return
		}
		st = sp.next(t, st, want)
		st.XR = withUpgradeStatus(st.XR, want)
	}
	t.Fatal("the upgrade did not finish")
}

// TestPlanCacheChangesNothing drives every example to convergence twice with
// one cached Function, so the second pass is served from its cache, and
// checks each response is byte for byte the one a Function without a cache
// gives.
func TestPlanCacheChangesNothing(t *testing.T) {
	// Independent of every other test, and among the longest: with the
	// others of its kind it runs beside them, on the second core.
	t.Parallel()
	clock := WithClock(func() time.Time { return testNow })
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			cached, uncached := New(clock), New(clock, WithPlanCache(0, 0))
			s := newExampleState(t, ex)
			var reqs []*fnv1.RunFunctionRequest
			for _, rsp := range converge(t, s) {
				reqs = append(reqs, requestOf(t, s))
				s = next(t, s, rsp, allReady)
			}
			for pass := range 2 {
				hits, misses := planCacheOf(t, cached).Lookups()
				for i, req := range reqs {
					if _, same := cacheChangesNothing(t, cached, uncached, req); !same {
						t.Errorf("pass %d, round %d: the cached response differs from the uncached one", pass, i)
					}
				}
				// The second pass must come from the cache, or it compares
				// two compilations and shows nothing about the cache.
				h, m := planCacheOf(t, cached).Lookups()
				if hits, misses := h-hits, m-misses; pass == 1 && (hits != int64(len(reqs)) || misses != 0) {
					t.Errorf("second pass: %d plans from the cache and %d compiled, want all %d from the cache", hits, misses, len(reqs))
				}
			}
		})
	}
}

// TestPlanCacheFollowsFacts checks a new observed fact is never answered
// from the cache: a rotated Git password must reach the repository Secret on
// the next call.
func TestPlanCacheFollowsFacts(t *testing.T) {
	f := New(WithClock(func() time.Time { return testNow }))
	s, _ := convergedState(t, exampleState(t))
	if _, err := f.RunFunction(context.Background(), requestOf(t, s)); err != nil {
		t.Fatal(err)
	}

	rotated := s
	rotated.Observed = maps.Clone(s.Observed)
	cred := rotated.Observed["codecommit-credential"]
	cred.ConnectionDetails = map[string][]byte{"attribute.service_password": []byte("rotated-password")}
	rotated.Observed["codecommit-credential"] = cred
	rsp, err := f.RunFunction(context.Background(), requestOf(t, rotated))
	if err != nil {
		t.Fatal(err)
	}
	if got := secretValue(t, desiredObject(t, rsp, "argocd-repository-secret"), "password"); got != "rotated-password" {
		t.Errorf("after rotation the repository Secret holds %q, want the rotated password", got)
	}
}

// TestPlanCacheIsBounded checks the cache never holds more plans than its
// size, however many XRs call.
func TestPlanCacheIsBounded(t *testing.T) {
	const size = 3
	f := New(WithClock(func() time.Time { return testNow }), WithPlanCache(size, DefaultPlanCacheBytes))
	for i := range 10 {
		s := exampleState(t)
		set(s.XR, "metadata.name", fmt.Sprintf("team-%d", i))
		if rsp := run(t, requestOf(t, s)); fatal(rsp) != "" {
			t.Fatal(fatal(rsp))
		}
		if _, err := f.RunFunction(context.Background(), requestOf(t, s)); err != nil {
			t.Fatal(err)
		}
		if n := planCacheOf(t, f).Len(); n > size {
			t.Fatalf("after %d XRs the cache holds %d plans, more than its size %d", i+1, n, size)
		}
	}
	if n := planCacheOf(t, f).Len(); n != size {
		t.Errorf("the cache holds %d plans, want it full at %d", n, size)
	}
}

// TestConcurrentCallsShareCachedPlans makes the same converged call from
// many goroutines and marshals every response while the others run, as the
// gRPC server does: run with -race, it shows the shared plans are only read.
func TestConcurrentCallsShareCachedPlans(t *testing.T) {
	f := New(WithClock(func() time.Time { return testNow }))
	s, _ := convergedState(t, exampleState(t))
	req := requestOf(t, s)
	want := marshal(t, run(t, req))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				rsp, err := f.RunFunction(context.Background(), req)
				if err != nil {
					t.Error(err)
					return
				}
				if string(marshal(t, rsp)) != string(want) {
					t.Error("a concurrent call's response differs")
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestPlanKeyCoversEverything changes every field the builders can read,
// one at a time, and checks the cache key changes: a field the key missed
// would let one XR be answered with another's plan.
func TestPlanKeyCoversEverything(t *testing.T) {
	s, _ := convergedState(t, exampleState(t))
	p := paramsOf(t, s)
	req := requestOf(t, s)
	facts := factsFrom(req.GetObserved().GetResources(), req.GetObserved().GetComposite().GetResource())
	base := plancache.KeyOf(p, facts, p.Upgrade(facts))
	leaves := 0
	check := func(path string) {
		leaves++
		if k := plancache.KeyOf(p, facts, p.Upgrade(facts)); k == base {
			t.Errorf("changing %s leaves the plan's cache key unchanged", path)
		}
	}
	forEachLeaf(reflect.ValueOf(&p).Elem(), "Params", check)
	forEachLeaf(reflect.ValueOf(&facts).Elem(), "Facts", func(path string) {
		// A node group's version, readiness and size reach the plan only
		// through the upgrade's decisions, which are in the key:
		// TestPlanCacheChangesNothingDuringUpgrade checks those.
		for _, f := range []string{".SpecVersion", ".Ready", ".Nodes"} {
			if strings.HasPrefix(path, "Facts.NodeGroups[") && strings.HasSuffix(path, f) {
				leaves++
				return
			}
		}
		check(path)
	})
	t.Logf("changed %d fields one at a time", leaves)
	if leaves < 50 {
		t.Errorf("changed only %d fields; the walk missed most of them", leaves)
	}
}

// forEachLeaf changes each string, number and bool reachable from v in
// turn, calls check, and changes it back.
func forEachLeaf(v reflect.Value, path string, check func(path string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			forEachLeaf(v.Elem(), path, check)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				forEachLeaf(v.Field(i), path+"."+v.Type().Field(i).Name, check)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			forEachLeaf(v.Index(i), fmt.Sprintf("%s[%d]", path, i), check)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			old := v.MapIndex(k)
			changed := reflect.New(old.Type()).Elem()
			changed.Set(old)
			forEachLeaf(changed, fmt.Sprintf("%s[%v]", path, k), func(p string) {
				v.SetMapIndex(k, changed)
				check(p)
				v.SetMapIndex(k, old)
			})
		}
	case reflect.String:
		old := v.String()
		v.SetString(old + "x")
		check(path)
		v.SetString(old)
	case reflect.Bool:
		v.SetBool(!v.Bool())
		check(path)
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
		check(path)
		v.SetInt(v.Int() - 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
		check(path)
		v.SetUint(v.Uint() - 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
		check(path)
		v.SetFloat(v.Float() - 1)
	case reflect.Invalid, reflect.Uintptr, reflect.Complex64, reflect.Complex128, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		// Not in Params or Facts: nothing a builder reads.
	}
}

// TestPlanEncodesAsProtobuf: each object a compiled plan holds is, byte
// for byte, protobuf's deterministic encoding of the Resource RunFunction
// would make of its body with structpb.NewStruct, ready and not, for every
// example on its first call and converged.
func TestPlanEncodesAsProtobuf(t *testing.T) {
	det := proto.MarshalOptions{Deterministic: true}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			first := newExampleState(t, ex)
			converged, _ := convergedState(t, first)
			for _, s := range []state{first, converged} {
				req := requestOf(t, s)
				p, err := New(WithClock(func() time.Time { return testNow })).Params(req)
				if err != nil {
					t.Fatal(err)
				}
				facts := factsFrom(req.GetObserved().GetResources(), req.GetObserved().GetComposite().GetResource())
				up := p.Upgrade(facts)
				cp, err := compile(p, facts, up)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, step := range p.PlanFor(facts, up) {
					for _, o := range step.Objects {
						body, err := structpb.NewStruct(o.Body)
						if err != nil {
							t.Fatal(err)
						}
						for _, ready := range []fnv1.Ready{fnv1.Ready_READY_TRUE, fnv1.Ready_READY_FALSE} {
							want, err := det.Marshal(&fnv1.Resource{Resource: body, Ready: ready})
							if err != nil {
								t.Fatal(err)
							}
							got, err := det.Marshal(cp.resourceOf(o.Name, ready))
							if err != nil {
								t.Fatal(err)
							}
							if !bytes.Equal(got, want) {
								t.Errorf("%s, %s: the plan's encoding (%d bytes) is not protobuf's (%d bytes)", o.Name, ready, len(got), len(want))
							}
						}
						n++
					}
				}
				if n != len(cp.bodies) {
					t.Errorf("the plan holds %d bodies, the builders made %d", len(cp.bodies), n)
				}
			}
		})
	}
}

// planCacheOf is f's plan cache, which a test of the cache needs.
func planCacheOf(t *testing.T, f *Function) *plancache.Cache[*compiledPlan] {
	t.Helper()
	c, ok := f.plans.(cachedPlans)
	if !ok {
		t.Fatal("the Function compiles every plan anew")
	}
	return c.Cache
}
