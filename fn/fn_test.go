package fn

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

func exampleState(t testing.TB) state {
	t.Helper()
	return newState(t, "xr.yaml", "composition.yaml")
}

// set sets a value at a dotted path of a JSON object, creating maps on the way.
func set(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		child, ok := m[p].(map[string]any)
		if !ok {
			child = map[string]any{}
			m[p] = child
		}
		m = child
	}
	m[parts[len(parts)-1]] = v
}

// TestRunFunctionFatal checks that bad input gets one Fatal result naming the
// field and the rule, and that the response adds nothing to the desired state
// it was given: Crossplane then applies nothing.
func TestRunFunctionFatal(t *testing.T) {
	cases := map[string]struct {
		reason string
		edit   func(s *state)
		want   string
	}{
		"UnknownInputField": {
			reason: "A typo in the platform's Input is an error, not ignored.",
			edit:   func(s *state) { s.Input["natGateway"] = "Single" },
			want:   `cannot read the function input`,
		},
		"InvalidInput": {
			reason: "The Input is validated in code: Crossplane does not apply its CRD.",
			edit:   func(s *state) { set(s.Input, "argocd.hubRoleArn", "not-an-arn") },
			want:   `input.argocd.hubRoleArn: Invalid value: "not-an-arn"`,
		},
		"UnknownXRField": {
			reason: "A typo in the XR is an error, not ignored.",
			edit:   func(s *state) { set(s.XR, "spec.network.vpcCIDR", "10.0.0.0/16") },
			want:   `spec.network.vpcCIDR: Unsupported value: not a field of this XR; did you mean vpcCidr?`,
		},
		"EveryMistakeOfTheSpec": {
			reason: "Two typos and a wrong type are three problems, told at once, each with what to do.",
			edit: func(s *state) {
				set(s.XR, "spec.network.vpcCIDR", "10.0.0.0/16")
				set(s.XR, "spec.enviroment", "dev")
				set(s.XR, "spec.kubernetesVersion", 1.35)
			},
			want: `spec.enviroment: Unsupported value: not a field of this XR; did you mean environment?; spec.kubernetesVersion: Invalid value: a number is not a valid string: quote it ("1.35"); spec.network.vpcCIDR: Unsupported value: not a field of this XR; did you mean vpcCidr?`,
		},
		"WrongType": {
			reason: "A number where a list belongs names the field.",
			edit:   func(s *state) { set(s.XR, "spec.team.members", 3) },
			want:   `spec.team.members: Invalid value: a number is not a valid list`,
		},
		"AccountID": {
			reason: "The account ID is checked.",
			edit:   func(s *state) { set(s.XR, "spec.aws.accountId", "4444") },
			want:   `spec.aws.accountId: Invalid value: "4444": must be exactly 12 digits`,
		},
		"SeveralErrors": {
			reason: "Every error is reported at once.",
			edit: func(s *state) {
				set(s.XR, "spec.aws.accountId", "4444")
				set(s.XR, "spec.environment", "PROD")
			},
			want: `spec.environment: Invalid value: "PROD"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := exampleState(t)
			tc.edit(&s)
			req := requestOf(t, s)
			rsp := run(t, req)
			msg := fatal(rsp)
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("%s\nFatal result %q does not contain %q", tc.reason, msg, tc.want)
			}
			if len(rsp.GetResults()) != 1 {
				t.Errorf("%s\nwant exactly one result, got %d", tc.reason, len(rsp.GetResults()))
			}
			if diff := cmp.Diff(req.GetDesired(), rsp.GetDesired(), protocmp.Transform()); diff != "" {
				t.Errorf("%s\nthe desired state changed despite the Fatal result (-req +rsp):\n%s", tc.reason, diff)
			}
		})
	}
}

// TestBadEditKeepsRunningCluster checks that a bad edit to a running
// cluster's XR yields a Fatal result and leaves the desired state as the
// earlier pipeline steps passed it, so Crossplane changes nothing that exists.
func TestBadEditKeepsRunningCluster(t *testing.T) {
	s := exampleState(t)
	rsps := converge(t, s)
	for _, rsp := range rsps[:len(rsps)-1] {
		s = next(t, s, rsp, allReady)
	}
	set(s.XR, "spec.network.vpcCidr", "10.20.0.0/8")
	req := requestOf(t, s)
	rsp := run(t, req)
	if !strings.Contains(fatal(rsp), "spec.network.vpcCidr") {
		t.Fatalf("want a Fatal result naming spec.network.vpcCidr, got %v", rsp.GetResults())
	}
	if len(rsp.GetDesired().GetResources()) != 0 {
		t.Errorf("a Fatal response declared %d resources; Crossplane ignores them, but the function must not build any", len(rsp.GetDesired().GetResources()))
	}
}

// TestRunFunctionResponseMeta checks the tag is copied and the TTL is
// short while converging and the platform's once everything is ready.
func TestRunFunctionResponseMeta(t *testing.T) {
	s := exampleState(t)
	rsps := converge(t, s)
	cases := map[string]struct {
		rsp  *fnv1.RunFunctionResponse
		want *fnv1.ResponseMeta
	}{
		"Converging": {rsp: run(t, requestOf(t, s)), want: &fnv1.ResponseMeta{Tag: "test", Ttl: durationpb.New(10 * time.Second)}},
		"Ready":      {rsp: run(t, requestOf(t, stateBefore(t, s, rsps))), want: &fnv1.ResponseMeta{Tag: "test", Ttl: durationpb.New(60 * time.Second)}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.rsp.GetMeta(), protocmp.Transform()); diff != "" {
				t.Errorf("meta: -want +got:\n%s", diff)
			}
		})
	}
}

// TestGating checks that what needs an ACTIVE cluster is declared only then,
// and that nothing already created is dropped when a prerequisite goes
// unready (e.g. the cluster UPDATING during an upgrade).
func TestGating(t *testing.T) {
	s0 := exampleState(t)
	s := s0
	// Up to the call that declares the cluster: its key and log group come
	// first.
	first := run(t, requestOf(t, s))
	for i := 0; first.GetDesired().GetResources()["eks-cluster"] == nil; i++ {
		if i == maxRounds {
			t.Fatal("the cluster is never declared")
		}
		s = next(t, s, first, allReady)
		first = run(t, requestOf(t, s))
	}

	readyButNotActive := next(t, s, first, allReady)
	cluster := readyButNotActive.Observed["eks-cluster"]
	set(cluster.Object, "status.atProvider.status", "UPDATING")
	rsp := run(t, requestOf(t, readyButNotActive))
	if hasPrefix(rsp, "eks-nodegroup-general-") {
		t.Error("a node group is declared while the cluster is UPDATING")
	}

	// The node role's policy attachments come once the role exists, and
	// node groups once they are attached.
	roles := next(t, s0, run(t, requestOf(t, s0)), allReady)
	if hasPrefix(run(t, requestOf(t, roles)), "eks-nodegroup-general-") {
		t.Error("a node group is declared before the node role's policies are attached")
	}
	active := next(t, s, first, allReady)
	second := run(t, requestOf(t, active))
	if !hasPrefix(second, "eks-nodegroup-general-") {
		t.Fatal("no node group with an ACTIVE cluster")
	}

	upgrading := next(t, active, second, allReady)
	set(upgrading.Observed["eks-cluster"].Object, "status.atProvider.status", "UPDATING")
	third := run(t, requestOf(t, upgrading))
	for name := range second.GetDesired().GetResources() {
		if _, ok := third.GetDesired().GetResources()[name]; !ok {
			t.Errorf("%s was dropped while the cluster is UPDATING", name)
		}
	}
	if got := third.GetDesired().GetResources()["eks-cluster"].GetReady(); got != fnv1.Ready_READY_FALSE {
		t.Errorf("an UPDATING cluster is marked %v", got)
	}
}

// TestResultsOnlyOnTransitions checks that Normal results come once, when a
// step's condition turns true, and never on every call.
func TestResultsOnlyOnTransitions(t *testing.T) {
	s := exampleState(t)
	rsps := converge(t, s)
	last := rsps[len(rsps)-1]
	again := run(t, requestOf(t, next(t, stateBefore(t, s, rsps), last, allReady)))
	if n := len(again.GetResults()); n != 0 {
		t.Errorf("a converged XR got %d results on an unchanged call: %v", n, again.GetResults())
	}
	var normal int
	for _, rsp := range rsps {
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_NORMAL {
				normal++
			}
		}
	}
	// One per step; KubernetesUpgraded is True from the start and reports
	// only upgrades, KubernetesSupported only notices.
	if steps := len(last.GetConditions()) - 2; normal != steps {
		t.Errorf("want one Normal result per step (%d) over the whole convergence, got %d", steps, normal)
	}
}

func stateBefore(t testing.TB, s state, rsps []*fnv1.RunFunctionResponse) state {
	t.Helper()
	for _, rsp := range rsps[:len(rsps)-1] {
		s = next(t, s, rsp, allReady)
	}
	return s
}

// TestDeterministic checks that the same request gives the same bytes, also
// when the observed resources arrive in another order.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			s := newExampleState(t, ex)
			s = stateBefore(t, s, converge(t, s))
			var want []byte
			for i := range 5 {
				req := requestOf(t, s)
				// Rebuild the observed map in a random insertion order.
				keys := make([]string, 0, len(req.GetObserved().GetResources()))
				for k := range req.GetObserved().GetResources() {
					keys = append(keys, k)
				}
				rand.Shuffle(len(keys), func(a, b int) { keys[a], keys[b] = keys[b], keys[a] })
				shuffled := map[string]*fnv1.Resource{}
				for _, k := range keys {
					shuffled[k] = req.GetObserved().GetResources()[k]
				}
				req.Observed.Resources = shuffled
				got, err := proto.MarshalOptions{Deterministic: true}.Marshal(run(t, req))
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					want = got
					continue
				}
				if string(got) != string(want) {
					t.Fatalf("call %d gave different bytes", i)
				}
			}
		})
	}
}

// TestNamespacedXR checks that a namespaced XR's resources all land in its
// namespace and that its AWS names carry the namespace.
func TestNamespacedXR(t *testing.T) {
	s := newState(t, "xr-namespaced.yaml", "composition-namespaced.yaml")
	rsps := converge(t, s)
	for name, r := range rsps[len(rsps)-1].GetDesired().GetResources() {
		md := r.GetResource().AsMap()["metadata"].(map[string]any)
		if got := md["namespace"]; got != "team-analytics" {
			t.Errorf("%s is in namespace %v, want the XR's namespace team-analytics", name, got)
		}
	}
	cluster := rsps[len(rsps)-1].GetDesired().GetResources()["eks-cluster"].GetResource().AsMap()
	ann := cluster["metadata"].(map[string]any)["annotations"].(map[string]any)
	want := paramsOf(t, s).ClusterName()
	if got := ann["crossplane.io/external-name"]; got != want || !strings.HasPrefix(want, "team-analytics-") {
		t.Errorf("EKS cluster name %v, want %s, which carries the namespace", got, want)
	}
}

// TestReadiness checks that each resource's readiness follows what is
// observed and that the XR is held unready while anything is held back.
func TestReadiness(t *testing.T) {
	s := exampleState(t)
	first := run(t, requestOf(t, s))
	if got := first.GetDesired().GetComposite().GetReady(); got != fnv1.Ready_READY_FALSE {
		t.Errorf("with resources held back the XR is %v, want READY_FALSE", got)
	}
	for name, r := range first.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_FALSE {
			t.Errorf("%s is %v before anything is observed", name, r.GetReady())
		}
	}
	partly := next(t, s, first, func(n string) bool { return n == "vpc" })
	rsp := run(t, requestOf(t, partly))
	for name, r := range rsp.GetDesired().GetResources() {
		want := fnv1.Ready_READY_FALSE
		if name == "vpc" {
			want = fnv1.Ready_READY_TRUE
		}
		if r.GetReady() != want {
			t.Errorf("%s: got %v, want %v", name, r.GetReady(), want)
		}
	}
}

// TestConvergence plays the provider from nothing observed to a Ready XR for
// every example and checks: every round declares something new, nothing is
// declared before its prerequisites are observed ready, nothing declared
// disappears, and the final state holds every object of the plan.
func TestConvergence(t *testing.T) {
	t.Parallel()
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			s := newExampleState(t, ex)
			p := paramsOf(t, s)
			rsps := converge(t, s)
			requires := map[string][]string{}
			var planned []string
			for _, st := range p.Plan(compose.Facts{}) {
				for _, o := range st.Objects {
					planned = append(planned, string(o.Name))
					for _, r := range o.Requires {
						requires[string(o.Name)] = append(requires[string(o.Name)], string(r))
					}
				}
			}
			st := s
			seen := map[string]bool{}
			for i, rsp := range rsps {
				added := 0
				for name := range rsp.GetDesired().GetResources() {
					if seen[name] {
						continue
					}
					added++
					for _, r := range requires[name] {
						oc, ok := st.Observed[r]
						if !ok || !isReady(observedComposed(t, oc.Object)) {
							t.Errorf("round %d: %s is declared before %s is ready", i, name, r)
						}
					}
				}
				for name := range seen {
					if _, ok := rsp.GetDesired().GetResources()[name]; !ok {
						t.Errorf("round %d: %s disappeared", i, name)
					}
				}
				for name := range rsp.GetDesired().GetResources() {
					seen[name] = true
				}
				if added == 0 && i < len(rsps)-1 {
					t.Errorf("round %d made no progress", i)
				}
				st = next(t, st, rsp, allReady)
			}
			for _, n := range planned {
				if !seen[n] {
					t.Errorf("%s of the plan was never declared", n)
				}
			}
		})
	}
}

func observedComposed(t *testing.T, o map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hasPrefix reports whether rsp declares a resource whose name starts with
// prefix, for names that end with a hash.
func hasPrefix(rsp *fnv1.RunFunctionResponse, prefix string) bool {
	for name := range rsp.GetDesired().GetResources() {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}
