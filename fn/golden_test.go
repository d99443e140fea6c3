package fn

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

// stages are the points of convergence the golden files show.
var stages = []struct {
	name string
	// build returns the state of this stage from the first response.
	build func(t *testing.T, s state) state
}{
	{name: "1-nothing-observed", build: func(_ *testing.T, s state) state { return s }},
	{name: "2-network-ready", build: func(t *testing.T, s state) state {
		t.Helper()
		first := run(t, requestOf(t, s))
		network := map[string]bool{}
		for _, o := range paramsOf(t, s).Network() {
			network[string(o.Name)] = true
		}
		return next(t, s, first, func(n string) bool { return network[n] })
	}},
	{name: "3-cluster-active", build: func(t *testing.T, s state) state {
		t.Helper()
		// Two rounds: the roles' policy attachments, which node groups
		// wait for, are declared once the roles exist.
		st := next(t, s, run(t, requestOf(t, s)), allReady)
		return next(t, st, run(t, requestOf(t, st)), allReady)
	}},
	{name: "4-everything-ready", build: func(t *testing.T, s state) state {
		t.Helper()
		rsps := converge(t, s)
		if len(rsps) < 2 {
			t.Fatal("converged without a second round")
		}
		// The state just before the last, converged response.
		st := s
		for _, rsp := range rsps[:len(rsps)-1] {
			st = next(t, st, rsp, allReady)
		}
		return st
	}},
}

func paramsOf(t *testing.T, s state) compose.Params {
	t.Helper()
	req := requestOf(t, s)
	xr := compositeOf(req.GetObserved().GetComposite().GetResource())
	ex := existingOf(xr.name, req.GetObserved().GetResources())
	in, err := readInput(req, settings{}, stringAt(xr.spec, "team", "name"), ex.gitHost)
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(WithClock(func() time.Time { return testNow })).params(xr, in, ex.scheme, settings{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGolden renders every example at every stage and compares the whole
// response with its golden file. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	// Independent of every other test, and among the longest: with the
	// others of its kind it runs beside them, on the second core.
	t.Parallel()
	for _, ex := range examples {
		for _, st := range stages {
			t.Run(ex.name+"/"+st.name, func(t *testing.T) {
				s := st.build(t, newExampleState(t, ex))
				got := renderYAML(t, run(t, requestOf(t, s)))
				path := filepath.Join("testdata", "golden", ex.name, st.name+".yaml")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o600); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./fn -run TestGolden -update to create it)", err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("%s differs from %s (-want +got; rerun with -update if the change is intended):\n%s", ex.name, path, diff)
				}
			})
		}
	}
}

// TestGoldenStagesShowProgress checks what the stages must show, so the
// golden files cannot quietly lose it.
func TestGoldenStagesShowProgress(t *testing.T) {
	s := newState(t, "xr.yaml", "composition.yaml")
	first := run(t, requestOf(t, s))
	names := strings.Join(resourceNames(first), " ")
	for _, want := range []string{"vpc", "subnet-private-c", "nat-gateway-a", "iam-role-cluster", "iam-role-node", "iam-role-argocd"} {
		if !strings.Contains(" "+names+" ", " "+want+" ") {
			t.Errorf("first pass lacks %s; it has %s", want, names)
		}
	}
	if strings.Contains(names, "eks-cluster") || strings.Contains(names, "eks-nodegroup") || strings.Contains(names, "eks-addon") || strings.Contains(names, "eks-access") {
		t.Errorf("first pass declares what needs the cluster's key and log group, or an ACTIVE cluster: %s", names)
	}
	// The cluster comes once its key and log group are ready.
	rsp := first
	for i := 0; rsp.GetDesired().GetResources()["eks-cluster"] == nil; i++ {
		if i == maxRounds {
			t.Fatal("the cluster is never declared")
		}
		s = next(t, s, rsp, allReady)
		rsp = run(t, requestOf(t, s))
	}
	for _, want := range []string{"kms-key-cluster", "logs-group-cluster"} {
		if _, ok := s.Observed[want]; !ok {
			t.Errorf("the cluster is declared before %s exists", want)
		}
	}
	active := run(t, requestOf(t, next(t, s, rsp, allReady)))
	names = strings.Join(resourceNames(active), " ")
	for _, want := range []string{"eks-nodegroup-general", "eks-addon-vpc-cni", "eks-addon-kube-proxy", "eks-addon-eks-pod-identity-agent", "eks-access-entry-argocd"} {
		if !strings.Contains(names, want) {
			t.Errorf("with the cluster ACTIVE, %s is not declared; declared: %s", want, names)
		}
	}
	if strings.Contains(names, "eks-addon-coredns") {
		t.Error("coredns is declared before any node group is ready")
	}
	if !bytes.Contains(renderYAML(t, active), []byte("to be ready.")) {
		t.Error("the ComputeReady condition does not say what it waits for")
	}
}
