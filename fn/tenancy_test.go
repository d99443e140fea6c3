package fn

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

// refused checks that rsp is a Fatal result whose message names the rule,
// and that it declares nothing, so Crossplane changes nothing.
func refused(t *testing.T, rsp *fnv1.RunFunctionResponse, rule string) {
	t.Helper()
	msg := fatal(rsp)
	if msg == "" {
		t.Fatalf("not refused; declared %d resources", len(rsp.GetDesired().GetResources()))
	}
	if !strings.Contains(msg, rule) {
		t.Errorf("message %q does not name the rule %q", msg, rule)
	}
	if n := len(rsp.GetDesired().GetResources()); n != 0 {
		t.Errorf("a refused XR declared %d resources", n)
	}
}

// TestRefusesWhatIsNotItsOwn tries, through RunFunction, every way a team's
// manifest could ask for what the platform did not grant it.
func TestRefusesWhatIsNotItsOwn(t *testing.T) {
	cases := map[string]struct {
		reason      string
		xr          string
		composition string
		edit        func(s *state)
		rule        string
	}{
		"AnotherTeamsAccount": {
			reason: "Writing another team's account ID would compose everything there with aws-{accountId}.",
			xr:     "xr.yaml", composition: "composition.yaml",
			edit: func(s *state) { set(s.XR, "spec.aws.accountId", "777788889999") },
			rule: "account 777788889999 is not granted to team payments",
		},
		"AnotherTeamsName": {
			reason: "Claiming another team's name (in that team's folder) does not bring its account along.",
			xr:     "xr.yaml", composition: "composition.yaml",
			edit: func(s *state) {
				set(s.XR, "spec.team.name", "search")
				set(s.XR, "metadata.annotations", map[string]any{"argocd.argoproj.io/tracking-id": "clusters-search:platform.eks-gitops.dev/TeamCluster:/payments-dev"})
			},
			rule: "account 444455556666 is not granted to team search",
		},
		"AnotherTeamAndItsAccountFromOwnFolder": {
			reason: "A manifest in teams/payments/ that names team search and search's account: Argo CD's Application for payments synced it, which binds it to payments.",
			xr:     "xr.yaml", composition: "composition.yaml",
			edit: func(s *state) {
				set(s.XR, "spec.team.name", "search")
				set(s.XR, "spec.aws.accountId", "777788889999")
			},
			rule: `metadata.annotations[argocd.argoproj.io/tracking-id]: Forbidden: a cluster-scoped XR of team search must be synced by the Argo CD Application clusters-search, from the platform repository's folder of team search; this XR was synced by "clusters-payments"`,
		},
		"ClusterScopedWithoutBinding": {
			reason: "A cluster-scoped XR that no team's Application synced (applied by hand, or by another tool) is bound to no team.",
			xr:     "xr.yaml", composition: "composition.yaml",
			edit: func(s *state) { set(s.XR, "metadata.annotations", nil) },
			rule: "metadata.annotations[argocd.argoproj.io/tracking-id]: Required value: a cluster-scoped XR of team payments must be synced by the Argo CD Application clusters-payments",
		},
		"UnknownTeam": {
			reason: "A team the platform never granted anything to.",
			xr:     "xr.yaml", composition: "composition.yaml",
			edit: func(s *state) { set(s.XR, "spec.team.name", "intruders") },
			rule: "not a team the platform granted",
		},
		"NamespaceNotGranted": {
			reason: "A namespaced XR in a namespace no team was granted.",
			xr:     "xr-namespaced.yaml", composition: "composition-namespaced.yaml",
			edit: func(s *state) { set(s.XR, "metadata.namespace", "team-a") },
			rule: "namespace team-a is not granted to any team",
		},
		"ManagedResourceNamespace": {
			reason: "A namespaced XR where cluster-scoped XRs' managed resources live could take them over.",
			xr:     "xr-namespaced.yaml", composition: "composition-namespaced.yaml",
			edit: func(s *state) { set(s.XR, "metadata.namespace", "crossplane-system") },
			rule: "namespace crossplane-system is not granted",
		},
		"ArgoCDNamespace": {
			reason: "A namespaced XR in Argo CD's namespace.",
			xr:     "xr-namespaced.yaml", composition: "composition-namespaced.yaml",
			edit: func(s *state) { set(s.XR, "metadata.namespace", "argocd") },
			rule: "namespace argocd is not granted",
		},
		"OtherTeamInGrantedNamespace": {
			reason: "A namespaced XR claims a team other than its namespace's.",
			xr:     "xr-namespaced.yaml", composition: "composition-namespaced.yaml",
			edit: func(s *state) { set(s.XR, "spec.team.name", "payments") },
			rule: "namespace team-analytics belongs to team analytics",
		},
		"NoGrantsInInput": {
			reason: "An Input without grants refuses everything rather than trusting every XR.",
			xr:     "xr.yaml", composition: "composition.yaml",
			edit: func(s *state) { delete(s.Input, "tenancy") },
			rule: "input.tenancy.teams: Required value",
		},
		"TooManyMembers": {
			reason: "Members are capped with a clear message.",
			xr:     "xr.yaml", composition: "composition.yaml",
			edit: func(s *state) {
				m := make([]any, 1001)
				for i := range m {
					m[i] = fmt.Sprintf("user%04d", i)
				}
				set(s.XR, "spec.team.members", m)
			},
			rule: "spec.team.members: Too many: 1001: must have at most 1000 items",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Log(tc.reason)
			s := newState(t, tc.xr, tc.composition)
			tc.edit(&s)
			refused(t, run(t, requestOf(t, s)), tc.rule)
		})
	}
}

// TestIssueCollisionsThroughRunFunction converges the three XRs that derived
// the same names before (team-a/prod-eu, team-a-prod/eu and the
// cluster-scoped team-a-prod-eu) and shows that no AWS name and no name in
// Argo CD's namespace is shared.
func TestIssueCollisionsThroughRunFunction(t *testing.T) {
	type xr struct{ ns, name string }
	owner := map[string]xr{}
	for _, x := range []xr{{"team-a", "prod-eu"}, {"team-a-prod", "eu"}, {"", "team-a-prod-eu"}} {
		composition, file := "composition.yaml", "xr.yaml"
		if x.ns != "" {
			composition, file = "composition-namespaced.yaml", "xr-namespaced.yaml"
		}
		s := newState(t, file, composition)
		set(s.XR, "metadata.name", x.name)
		set(s.XR, "spec.team.name", "payments")
		set(s.XR, "spec.aws.accountId", "444455556666")
		set(s.XR, "spec.aws.region", "eu-west-1")
		if x.ns != "" {
			set(s.XR, "metadata.namespace", x.ns)
		} else {
			delete(s.XR["metadata"].(map[string]any), "namespace")
		}
		s.Input = grant(s.Input, "payments", "444455556666", x.ns)
		rsps := converge(t, s)
		for _, r := range rsps[len(rsps)-1].GetDesired().GetResources() {
			o := r.GetResource().AsMap()
			md := o["metadata"].(map[string]any)
			keys := []string{}
			if a, ok := md["annotations"].(map[string]any); ok && a[compose.AnnotationExternalName] != nil && o["kind"] != "NodeGroup" {
				keys = append(keys, fmt.Sprintf("aws %s %v", o["kind"], a[compose.AnnotationExternalName]))
			}
			spec, _ := o["spec"].(map[string]any)
			fp, _ := spec["forProvider"].(map[string]any)
			if m, ok := fp["manifest"].(map[string]any); ok {
				o, md = m, m["metadata"].(map[string]any)
			}
			if md["namespace"] == "argocd" || md["namespace"] == "crossplane-system" {
				keys = append(keys, fmt.Sprintf("k8s %v/%v %v", md["namespace"], o["kind"], md["name"]))
			}
			for _, k := range keys {
				if other, ok := owner[k]; ok && other != x {
					t.Errorf("%v and %v both compose %s", other, x, k)
				}
				owner[k] = x
			}
		}
	}
	if len(owner) < 30 {
		t.Errorf("compared only %d names; the walk missed most of them", len(owner))
	}
}

// grant returns a copy of the Input that grants team the account (and the
// namespace, when ns is set) instead of what it had.
func grant(in map[string]any, team, account, ns string) map[string]any {
	out := clone(in)
	g := map[string]any{"name": team, "accountIds": []any{account}}
	if ns != "" {
		g["namespaces"] = []any{ns}
	}
	out["tenancy"] = map[string]any{"teams": []any{g}}
	return out
}

// clone deep-copies a JSON object.
func clone(m map[string]any) map[string]any { return k8sruntime.DeepCopyJSON(m) }

// legacyConverged reads a converged response of an earlier version (the
// golden file of the Legacy naming scheme) and returns the state Crossplane
// would observe for it.
func legacyConverged(t *testing.T, ex example) (state, *fnv1.RunFunctionResponse) {
	t.Helper()
	y, err := os.ReadFile(filepath.Join("testdata", "legacy", ex.name+"-converged.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	old := &fnv1.RunFunctionResponse{}
	if err := protojson.Unmarshal(j, old); err != nil {
		t.Fatal(err)
	}
	s := newExampleState(t, ex)
	// The earlier version gave every cluster a NAT gateway per zone; the
	// example's dev environment now has one. What this checks is names.
	s.Input = clone(s.Input)
	s.Input["environments"].(map[string]any)["dev"].(map[string]any)["natGateways"] = "PerAZ"
	return next(t, s, old, allReady), old
}

// objectNames are the names a desired object has in Kubernetes and in AWS.
func objectNames(t *testing.T, r *fnv1.Resource) string {
	t.Helper()
	o := r.GetResource().AsMap()
	md := o["metadata"].(map[string]any)
	out := fmt.Sprintf("%v/%v", md["namespace"], md["name"])
	if a, ok := md["annotations"].(map[string]any); ok {
		out += fmt.Sprintf(" external-name=%v", a[compose.AnnotationExternalName])
	}
	spec, _ := o["spec"].(map[string]any)
	fp, _ := spec["forProvider"].(map[string]any)
	if n, ok := fp["name"]; ok {
		out += fmt.Sprintf(" name=%v", n)
	}
	if m, ok := fp["manifest"].(map[string]any); ok {
		mmd := m["metadata"].(map[string]any)
		out += fmt.Sprintf(" manifest=%v/%v", mmd["namespace"], mmd["name"])
	}
	if p, ok := fp["path"]; ok {
		out += fmt.Sprintf(" path=%v", p)
	}
	return out
}

// TestLegacyXRKeepsItsNames feeds the converged state of XRs made by the
// previous version (before hashed names) and checks that every object keeps
// its Kubernetes name, its AWS name and its IAM path: a live cluster,
// repository or Git user is never renamed or replaced.
func TestLegacyXRKeepsItsNames(t *testing.T) {
	for _, ex := range []example{examples[0], examples[4]} {
		t.Run(ex.name, func(t *testing.T) {
			s, old := legacyConverged(t, ex)
			rsp := run(t, requestOf(t, s))
			if msg := fatal(rsp); msg != "" {
				t.Fatal(msg)
			}
			if got := schemeOf(s.XR["metadata"].(map[string]any)["name"].(string), requestOf(t, s).GetObserved().GetResources()); got != naming.Legacy {
				t.Fatalf("scheme %v, want Legacy", got)
			}
			for name, r := range old.GetDesired().GetResources() {
				now, ok := rsp.GetDesired().GetResources()[name]
				if !ok {
					t.Errorf("%s is no longer declared; Crossplane would delete it", name)
					continue
				}
				if diff := cmp.Diff(objectNames(t, r), objectNames(t, now)); diff != "" {
					t.Errorf("%s renamed (-before +after):\n%s", name, diff)
				}
			}
		})
	}
}

// TestFactsNeverRegress takes a converged XR and makes the observed cluster
// lose or garble its endpoint, CA and Argo CD role ARN, as a provider
// re-observing or a cluster being replaced can. The cluster Secret, the
// AppProject and the Application keep the values last applied, and the XR
// says so and is not Ready.
func TestFactsNeverRegress(t *testing.T) {
	t.Parallel()
	cases := map[string]func(at, role map[string]any){
		"Missing": func(at, role map[string]any) {
			delete(at, "endpoint")
			delete(at, "certificateAuthority")
			delete(role, "arn")
		},
		"Garbled": func(at, role map[string]any) {
			at["endpoint"] = "http://attacker.example.com"
			at["certificateAuthority"] = []any{map[string]any{"data": "bm90IGEgY2VydGlmaWNhdGU="}}
			role["arn"] = "not-an-arn"
		},
		"Empty": func(at, role map[string]any) {
			at["endpoint"] = ""
			at["certificateAuthority"] = []any{}
			role["arn"] = ""
		},
	}
	for _, ex := range []example{examples[0], examples[4]} {
		for name, edit := range cases {
			t.Run(ex.name+"/"+name, func(t *testing.T) {
				before, converged := convergedState(t, newExampleState(t, ex))
				s := clone(map[string]any{"o": before.Observed["eks-cluster"].Object})["o"].(map[string]any)
				r := clone(map[string]any{"o": before.Observed["iam-role-argocd"].Object})["o"].(map[string]any)
				edit(s["status"].(map[string]any)["atProvider"].(map[string]any), r["status"].(map[string]any)["atProvider"].(map[string]any))
				o := before.Observed["eks-cluster"]
				o.Object = s
				before.Observed["eks-cluster"] = o
				o = before.Observed["iam-role-argocd"]
				o.Object = r
				before.Observed["iam-role-argocd"] = o

				rsp := run(t, requestOf(t, before))
				for _, n := range []string{"argocd-cluster-secret", "argocd-project", "argocd-bootstrap-application"} {
					if diff := cmp.Diff(converged.GetDesired().GetResources()[n].GetResource().AsMap(), desiredObject(t, rsp, n)); diff != "" {
						t.Errorf("%s changed when the facts went away (-before +after):\n%s", n, diff)
					}
				}
				c := condition(t, rsp, compose.StepClusterRegistered)
				if c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || c.GetReason() != reasonFactLost || !strings.Contains(c.GetMessage(), "EKS cluster's endpoint") {
					t.Errorf("ClusterRegistered is %v %s %q, want False %s naming the endpoint", c.GetStatus(), c.GetReason(), c.GetMessage(), reasonFactLost)
				}
				if rsp.GetDesired().GetComposite().GetReady() != fnv1.Ready_READY_FALSE {
					t.Error("the XR is not held unready while a fact is missing")
				}
			})
		}
	}
}

// TestInvalidFactsAreNotUsed shows that before anything was applied, an
// endpoint that is not https or a CA that is not a certificate holds the
// cluster Secret back instead of registering a cluster Argo CD cannot use.
func TestInvalidFactsAreNotUsed(t *testing.T) {
	s := exampleState(t)
	rsps := converge(t, s)
	// The round in which the cluster Secret was first declared.
	var before state
	for i, rsp := range rsps {
		if _, ok := rsp.GetDesired().GetResources()["argocd-cluster-secret"]; ok {
			before = stateBefore(t, s, rsps[:i+1])
			break
		}
	}
	at := before.Observed["eks-cluster"].Object["status"].(map[string]any)["atProvider"].(map[string]any)
	at["certificateAuthority"] = []any{map[string]any{"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmdhcmJhZ2UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="}}
	rsp := run(t, requestOf(t, before))
	if _, ok := rsp.GetDesired().GetResources()["argocd-cluster-secret"]; ok {
		t.Error("a CA that is not a certificate was registered with Argo CD")
	}
	if c := condition(t, rsp, compose.StepClusterRegistered); !strings.Contains(c.GetMessage(), "certificate authority") {
		t.Errorf("ClusterRegistered does not say it waits for the CA: %q", c.GetMessage())
	}
}

func condition(t *testing.T, rsp *fnv1.RunFunctionResponse, typ string) *fnv1.Condition {
	t.Helper()
	for _, c := range rsp.GetConditions() {
		if c.GetType() == typ {
			return c
		}
	}
	t.Fatalf("no %s condition", typ)
	return nil
}

// TestResponseSizeChecked makes a response larger than the limit and checks
// the XR gets a Fatal result naming the long list, not a transport error.
func TestResponseSizeChecked(t *testing.T) {
	t.Parallel()
	s := exampleState(t)
	m := make([]any, 900)
	for i := range m {
		m[i] = fmt.Sprintf("member.with.a.long.name.%04d@example.com", i)
	}
	set(s.XR, "spec.team.members", m)
	before, _ := convergedState(t, s)
	f := New(WithClock(func() time.Time { return testNow }), WithMaxResponseSize(512<<10))
	rsp, err := f.RunFunction(context.Background(), requestOf(t, before))
	if err != nil {
		t.Fatal(err)
	}
	refused(t, rsp, "spec.team.members has 900 entries")
	if !strings.Contains(fatal(rsp), "more than the 0.50 MiB Crossplane accepts") {
		t.Errorf("the message does not give the limit: %q", fatal(rsp))
	}
	// With the real limit the same XR is fine.
	if msg := fatal(run(t, requestOf(t, before))); msg != "" {
		t.Errorf("900 members refused at the default limit: %s", msg)
	}
}

// TestRefusalLoggedOncePerChange checks a refused XR is logged once, again
// only when the refusal changes, and never with a member's name.
func TestRefusalLoggedOncePerChange(t *testing.T) {
	var lines []string
	log := logging.NewLogrLogger(funcr.New(func(prefix, args string) { lines = append(lines, prefix+args) }, funcr.Options{Verbosity: 0}))
	f := New(WithLogger(log), WithClock(func() time.Time { return testNow }))
	s := exampleState(t)
	set(s.XR, "spec.team.members", []any{"alice", "carol.secret@example.com", "bad name"})
	for range 3 {
		if _, err := f.RunFunction(context.Background(), requestOf(t, s)); err != nil {
			t.Fatal(err)
		}
	}
	if len(lines) != 1 {
		t.Errorf("logged %d times for the same refusal, want once:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	set(s.XR, "spec.team.members", []any{"alice", "carol.secret@example.com", "bad name", "bad,name"})
	if _, err := f.RunFunction(context.Background(), requestOf(t, s)); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 {
		t.Errorf("logged %d times after the refusal changed, want twice", len(lines))
	}
	for _, l := range lines {
		for _, pii := range []string{"alice", "carol", "example.com", "bad name", "bad,name"} {
			if strings.Contains(l, pii) {
				t.Errorf("the log holds %q: %s", pii, l)
			}
		}
	}
	if !strings.Contains(lines[0], "spec.team.members[2]") {
		t.Errorf("the log does not name the field: %s", lines[0])
	}
}

// TestCrossplaneMachineryNotInPlanKey checks spec.crossplane, which
// Crossplane writes, neither changes the plan nor adds a cache entry.
func TestCrossplaneMachineryNotInPlanKey(t *testing.T) {
	f := New(WithClock(func() time.Time { return testNow }))
	s := exampleState(t)
	a, err := f.RunFunction(context.Background(), requestOf(t, s))
	if err != nil {
		t.Fatal(err)
	}
	set(s.XR, "spec.crossplane", map[string]any{"compositionRef": map[string]any{"name": "x"}, "resourceRefs": []any{map[string]any{"name": "y"}}})
	b, err := f.RunFunction(context.Background(), requestOf(t, s))
	if err != nil {
		t.Fatal(err)
	}
	if planCacheOf(t, f).Len() != 1 {
		t.Errorf("the cache holds %d plans, want 1: spec.crossplane reached the key", planCacheOf(t, f).Len())
	}
	if diff := cmp.Diff(marshal(t, a), marshal(t, b)); diff != "" {
		t.Error("spec.crossplane changed the response")
	}
}

// TestPlanCacheBoundedInBytes edits a large XR many times and checks the
// cache never holds more than its byte budget, and that the estimate it
// bounds is not below what a plan really takes.
func TestPlanCacheBoundedInBytes(t *testing.T) {
	const budget = 8 << 20
	f := New(WithClock(func() time.Time { return testNow }), WithPlanCache(100, budget))
	s := exampleState(t)
	m := make([]any, 1000)
	for i := range m {
		m[i] = fmt.Sprintf("user%04d", i)
	}
	set(s.XR, "spec.team.members", m)
	var largest int64
	for i := range 20 {
		set(s.XR, "spec.tags.edit", fmt.Sprint(i))
		if _, err := f.RunFunction(context.Background(), requestOf(t, s)); err != nil {
			t.Fatal(err)
		}
		if b := planCacheOf(t, f).Bytes(); b > budget {
			t.Fatalf("after %d edits the cache holds %d bytes, over its budget of %d", i+1, b, budget)
		}
		largest = max(largest, planCacheOf(t, f).Bytes())
	}
	if planCacheOf(t, f).Len() >= 20 {
		t.Errorf("the cache kept all %d plans of 1,000 members in %d bytes", planCacheOf(t, f).Len(), budget)
	}
	t.Logf("largest held: %d bytes in %d plans", largest, planCacheOf(t, f).Len())
}

// TestPlanMemoryEstimate measures the heap a compiled plan of a 1,000-member
// team holds and checks the estimate the cache budgets with is not lower.
func TestPlanMemoryEstimate(t *testing.T) {
	s := exampleState(t)
	m := make([]any, 1000)
	for i := range m {
		m[i] = fmt.Sprintf("user%04d", i)
	}
	set(s.XR, "spec.team.members", m)
	before, _ := convergedState(t, s)
	p := paramsOf(t, before)
	req := requestOf(t, before)
	facts := factsFrom(req.GetObserved().GetResources(), req.GetObserved().GetComposite().GetResource())
	const n = 5
	plans := make([]*compiledPlan, n)
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	for i := range plans {
		cp, err := compile(p, facts, p.Upgrade(facts))
		if err != nil {
			t.Fatal(err)
		}
		plans[i] = cp
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	held := int64(ms1.HeapAlloc-ms0.HeapAlloc) / n
	est := plans[0].MemoryBytes()
	t.Logf("a 1,000-member plan: %d bytes encoded, %d bytes held, estimated %d", plans[0].wireBytes, held, est)
	if est < held {
		t.Errorf("the estimate %d is below the %d bytes a plan holds; raise memoryPerWireByte", est, held)
	}
	runtime.KeepAlive(plans)
}

// TestRevisionPinRefused: an XR that keeps an old revision of the
// Composition, and with it an older Input, is refused with nothing declared.
func TestRevisionPinRefused(t *testing.T) {
	s := exampleState(t)
	set(s.XR, "spec.crossplane.compositionUpdatePolicy", "Manual")
	set(s.XR, "spec.crossplane.compositionRevisionRef.name", "teamclusters-0ld0000")
	rsp := run(t, requestOf(t, s))
	if msg := fatal(rsp); !strings.Contains(msg, "spec.crossplane.compositionUpdatePolicy") {
		t.Fatalf("fatal result %q, want spec.crossplane.compositionUpdatePolicy refused", msg)
	}
	if n := len(rsp.GetDesired().GetResources()); n != 0 {
		t.Errorf("a refused XR declared %d resources", n)
	}
}
