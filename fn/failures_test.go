package fn

import (
	"maps"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Messages as provider-aws v2.5.0 reports them (Upjet's async create and
// Crossplane's managed reconciler).
const (
	eksSubnetsFull = `create failed: async create failed: failed to create the resource: [{0 creating EKS Cluster (payments-dev-eea1b71018cbc6e3): operation error EKS: CreateCluster, https response error StatusCode: 400, RequestID: 0f9d5d4c-7b7e-4bd5-9e4f-1f0e0b3c2a11, InvalidParameterException: Provided subnets subnet-0a1b2c3d Free IPs: 0 , need at least 2 IPs in each subnet to be available for cluster creation  []}]`
	eipLimit       = `async create failed: failed to create the resource: [{0 creating EC2 EIP: operation error EC2: AllocateAddress, https response error StatusCode: 400, RequestID: 5b1e, api error AddressLimitExceeded: The maximum number of addresses has been reached.  []}]`
)

// TestFailuresReachTheXR: a composed resource whose provider reports an
// error puts its name, kind, reason and message into its step's condition,
// status.failing and one Warning event; one that has not been ready for
// longer than stuckAfter is called stuck; one that is merely creating is
// neither.
func TestFailuresReachTheXR(t *testing.T) {
	longMessage := "InvalidParameterException: " + strings.Repeat("é", 400)
	cases := map[string]struct {
		reason     string
		resource   string
		conditions []any
		step       string
		// want is part of the step's message; wantReason its reason.
		want, wantReason, wantFailing string
		// notWant must not appear in the message.
		notWant string
	}{
		"SyncedFalse": {
			reason:   "EKS refuses the cluster: the provider's words reach the XR.",
			resource: "eks-cluster",
			conditions: []any{
				map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError", "message": eksSubnetsFull, "lastTransitionTime": "2026-11-27T23:58:00Z"},
				map[string]any{"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": "2026-11-27T23:58:00Z"},
			},
			step:        "ControlPlaneReady",
			want:        "eks-cluster (Cluster) is failing: ReconcileError: create failed: async create failed: failed to create the resource: [{0 creating EKS Cluster (payments-dev-eea1b71018cbc6e3): operation error EKS: CreateCluster, https response error StatusCode: 400",
			wantReason:  reasonFailing,
			wantFailing: "eks-cluster: ReconcileError",
		},
		"LastAsyncOperationFalse": {
			reason:   "Upjet reports a failed asynchronous create in LastAsyncOperation.",
			resource: "eip-nat-a",
			conditions: []any{
				map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2026-11-27T23:58:00Z"},
				map[string]any{"type": "LastAsyncOperation", "status": "False", "reason": "AsyncCreateFailure", "message": eipLimit, "lastTransitionTime": "2026-11-27T23:58:00Z"},
				map[string]any{"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": "2026-11-27T23:58:00Z"},
			},
			step:        "NetworkReady",
			want:        "eip-nat-a (EIP) is failing: AsyncCreateFailure: async create failed",
			wantReason:  reasonFailing,
			wantFailing: "eip-nat-a: AsyncCreateFailure",
		},
		"Stuck": {
			reason:   "Creating for longer than stuckAfter (30m by default), with no error: stuck.",
			resource: "eks-cluster",
			conditions: []any{
				map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2026-11-27T23:00:00Z"},
				map[string]any{"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": "2026-11-27T23:00:00Z"},
			},
			step:        "ControlPlaneReady",
			want:        "eks-cluster (Cluster) has not been ready since 2026-11-27T23:00:00Z (Creating) and reports no error",
			wantReason:  reasonStuck,
			wantFailing: "eks-cluster: not ready since 2026-11-27T23:00:00Z",
		},
		"Creating": {
			reason:   "Creating for a few minutes is the normal way, not a failure.",
			resource: "eks-cluster",
			conditions: []any{
				map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2026-11-27T23:50:00Z"},
				map[string]any{"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": "2026-11-27T23:50:00Z"},
			},
			step:       "ControlPlaneReady",
			want:       "1 of 13 declared resources is not ready yet: eks-cluster.",
			wantReason: reasonCreating,
			notWant:    "failing",
		},
		"WaitingForAReference": {
			reason:   "A reference that does not resolve yet is waiting, not failing (crossplane-runtime's message).",
			resource: "eks-cluster",
			conditions: []any{
				map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError", "message": "cannot resolve references: mg.Spec.ForProvider.RoleArn: referenced field was empty (referenced resource may not yet be ready)", "lastTransitionTime": "2026-11-27T23:58:00Z"},
				map[string]any{"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": "2026-11-27T23:58:00Z"},
			},
			step:       "ControlPlaneReady",
			want:       "1 of 13 declared resources is not ready yet: eks-cluster.",
			wantReason: reasonCreating,
			notWant:    "failing",
		},
		"Bounded": {
			reason:   "A provider's message is cut to a bounded length on a character boundary.",
			resource: "eks-cluster",
			conditions: []any{
				map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError", "message": longMessage, "lastTransitionTime": "2026-11-27T23:58:00Z"},
				map[string]any{"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": "2026-11-27T23:58:00Z"},
			},
			step:        "ControlPlaneReady",
			want:        "éé….",
			wantReason:  reasonFailing,
			wantFailing: "eks-cluster: ReconcileError",
			notWant:     strings.Repeat("é", 150),
		},
	}
	before, base := convergedState(t, exampleState(t))
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := next(t, before, base, allReady)
			s.Observed = maps.Clone(s.Observed)
			o := s.Observed[tc.resource]
			o.Object = runtime.DeepCopyJSON(o.Object)
			o.Object["status"].(map[string]any)["conditions"] = tc.conditions
			s.Observed[tc.resource] = o
			rsp := run(t, requestOf(t, s))
			c := condition(t, rsp, tc.step)
			if c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || c.GetReason() != tc.wantReason || !strings.Contains(c.GetMessage(), tc.want) {
				t.Fatalf("%s\n%s: %s %s %q, want reason %s and %q", tc.reason, tc.step, c.GetStatus(), c.GetReason(), c.GetMessage(), tc.wantReason, tc.want)
			}
			if tc.notWant != "" && strings.Contains(c.GetMessage(), tc.notWant) {
				t.Errorf("%s\n%s says %q", tc.reason, tc.step, c.GetMessage())
			}
			status := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
			if got, _ := status["failing"].(string); got != tc.wantFailing {
				t.Errorf("%s\nstatus.failing %q, want %q", tc.reason, got, tc.wantFailing)
			}
			warnings := 0
			for _, r := range rsp.GetResults() {
				if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING && strings.Contains(r.GetMessage(), tc.resource+" (") {
					warnings++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.wantFailing != ""]; warnings != want {
				t.Errorf("%s\n%d Warning events about %s, want %d: %v", tc.reason, warnings, tc.resource, want, rsp.GetResults())
			}

			// Told once: the next call, with the XR carrying the condition,
			// says it again in the condition but sends no second event.
			s.XR = withConditions(s.XR, rsp)
			again := run(t, requestOf(t, s))
			for _, r := range again.GetResults() {
				if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING {
					t.Errorf("%s\na second Warning for the same failure: %s", tc.reason, r.GetMessage())
				}
			}
		})
	}
}

// TestFailureNeverRepeatsASecret: a provider message that quotes a
// connection detail (the Git password) reaches the XR redacted.
func TestFailureNeverRepeatsASecret(t *testing.T) {
	before, base := convergedState(t, exampleState(t))
	s := next(t, before, base, allReady)
	password := string(s.Observed["codecommit-credential"].ConnectionDetails["attribute.service_password"])
	if len(password) < 6 {
		t.Fatalf("the simulated credential has no password to leak: %q", password)
	}
	s.Observed = maps.Clone(s.Observed)
	o := s.Observed["codecommit-repository"]
	o.Object = runtime.DeepCopyJSON(o.Object)
	o.Object["status"].(map[string]any)["conditions"] = []any{
		map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError", "message": "cannot update: credential " + password + " was refused", "lastTransitionTime": "2026-11-27T23:58:00Z"},
		map[string]any{"type": "Ready", "status": "False", "reason": "Unavailable", "lastTransitionTime": "2026-11-27T23:58:00Z"},
	}
	s.Observed["codecommit-repository"] = o
	rsp := run(t, requestOf(t, s))
	c := condition(t, rsp, "RepositoryBootstrapped")
	if !strings.Contains(c.GetMessage(), "credential [redacted] was refused") {
		t.Errorf("RepositoryBootstrapped: %q, want the message with the password redacted", c.GetMessage())
	}
	for _, r := range rsp.GetResults() {
		if strings.Contains(r.GetMessage(), password) {
			t.Errorf("a result repeats the password: %s", r.GetMessage())
		}
	}
	if strings.Contains(rsp.GetDesired().GetComposite().String(), password) || strings.Contains(c.GetMessage(), password) {
		t.Error("the XR repeats the password")
	}
}

// TestKubernetesUpgradedOnlyWhenObserved: before anything runs, the XR does
// not claim a Kubernetes version runs; once converged it does.
func TestKubernetesUpgradedOnlyWhenObserved(t *testing.T) {
	rsps := converge(t, exampleState(t))
	first := condition(t, rsps[0], conditionUpgraded)
	if first.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || first.GetReason() != reasonCreating {
		t.Errorf("first render: %s %s %q, want False Creating", first.GetStatus(), first.GetReason(), first.GetMessage())
	}
	last := condition(t, rsps[len(rsps)-1], conditionUpgraded)
	if last.GetStatus() != fnv1.Status_STATUS_CONDITION_TRUE || !strings.Contains(last.GetMessage(), "runs on the control plane") {
		t.Errorf("converged: %s %q, want True", last.GetStatus(), last.GetMessage())
	}
}

// TestManyFailuresTellEachOnce: with more failures than a condition tells,
// the events are the ones it tells, once each; none repeats on the next
// call.
func TestManyFailuresTellEachOnce(t *testing.T) {
	// A prod cluster: a NAT gateway, and its address, in each of three zones.
	before, base := convergedState(t, newState(t, "xr-full.yaml", "composition.yaml"))
	s := next(t, before, base, allReady)
	s.Observed = maps.Clone(s.Observed)
	for _, n := range []string{"eip-nat-a", "eip-nat-b", "eip-nat-c"} {
		o := s.Observed[n]
		o.Object = runtime.DeepCopyJSON(o.Object)
		o.Object["status"].(map[string]any)["conditions"] = []any{
			map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError", "message": eipLimit, "lastTransitionTime": "2026-11-27T23:58:00Z"},
			map[string]any{"type": "Ready", "status": "False", "reason": "Creating", "lastTransitionTime": "2026-11-27T23:58:00Z"},
		}
		s.Observed[n] = o
	}
	rsp := run(t, requestOf(t, s))
	if c := condition(t, rsp, "NetworkReady"); !strings.Contains(c.GetMessage(), "1 more failing.") {
		t.Errorf("NetworkReady: %q, want two failures told and one counted", c.GetMessage())
	}
	events := 0
	for _, r := range rsp.GetResults() {
		if strings.Contains(r.GetMessage(), "is failing") && !strings.Contains(r.GetMessage(), "no longer true") {
			events++
		}
	}
	if events != 0 {
		// The step was true before: the "no longer true" event told both.
		t.Errorf("%d failure events beside the step's own, want 0: %v", events, rsp.GetResults())
	}
	s.XR = withConditions(s.XR, rsp)
	for _, r := range run(t, requestOf(t, s)).GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING {
			t.Errorf("a Warning on the next call: %s", r.GetMessage())
		}
	}
}
