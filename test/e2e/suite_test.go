package e2e

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The suite's tests share one control plane, set up by the first test that
// needs it and stopped when the package's tests end, as Crossplane's own
// e2e suite shares its environment. Each test is one feature (setup,
// assess, teardown), runs alone with -run, and asks for what it builds on
// (suiteWithRBAC, needPaymentsDev) instead of relying on the tests before
// it; run together, they run in the order of this file and share that
// setup.
var shared struct {
	once     sync.Once
	ctx      context.Context
	e        *env
	cleanups []func()

	rbac     sync.Once
	rbacErr  error
	payments sync.Mutex
}

// suiteTB is the first test's testing.TB with its cleanups moved to the end
// of the package's tests: the control plane outlives the test that set it
// up.
type suiteTB struct{ testing.TB }

func (suiteTB) Cleanup(f func()) { shared.cleanups = append(shared.cleanups, f) }

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(shared.cleanups) - 1; i >= 0; i-- {
		shared.cleanups[i]()
	}
	os.Exit(code)
}

// suite is the shared control plane, without example/rbac.yaml (TestRBAC
// applies it).
func suite(t *testing.T) (context.Context, *env) {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
		shared.cleanups = append(shared.cleanups, cancel)
		shared.ctx = ctx
		shared.e = setup(ctx, suiteTB{t})
	})
	if shared.e == nil {
		t.Fatal("the control plane did not start; the first test's log says why")
	}
	return shared.ctx, shared.e
}

// suiteWithRBAC is the shared control plane with example/rbac.yaml
// applied, as every feature but TestRBAC needs.
func suiteWithRBAC(t *testing.T) (context.Context, *env) {
	t.Helper()
	ctx, e := suite(t)
	shared.rbac.Do(func() {
		shared.rbacErr = e.cp.applyFile(ctx, filepath.Join(root, "example", "rbac.yaml"))
	})
	if shared.rbacErr != nil {
		t.Fatalf("applying example/rbac.yaml: %v", shared.rbacErr)
	}
	return ctx, e
}

// needPaymentsDev makes payments-dev (example/xr.yaml), as TestCreate
// does, when no earlier test left it running.
func (e *env) needPaymentsDev(ctx context.Context, t *testing.T) {
	t.Helper()
	shared.payments.Lock()
	defer shared.payments.Unlock()
	if _, err := e.xr(ctx, teamClusterGVK, "", "payments-dev"); err == nil {
		return
	}
	if err := e.cp.apply(ctx, exampleXR(t, "xr.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.waitReady(ctx, teamClusterGVK, "", "payments-dev"); err != nil {
		t.Fatal(err)
	}
}
