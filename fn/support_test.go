package fn

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

func TestCrossed(t *testing.T) {
	notice := []int{7, 90, 30}
	cases := map[string]struct {
		prev, left int
		want       int
		ok         bool
	}{
		"FarAway":           {prev: 0, left: 200},
		"FirstCallWithin30": {prev: 0, left: 20, want: 30, ok: true},
		"Reaches90":         {prev: 91, left: 90, want: 90, ok: true},
		"StaysWithin90":     {prev: 89, left: 88},
		"JumpsPast30":       {prev: 60, left: 10, want: 30, ok: true},
		"Reaches7":          {prev: 8, left: 7, want: 7, ok: true},
		"After7":            {prev: 7, left: 6},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := crossed(notice, tc.prev, tc.left)
			if got != tc.want || ok != tc.ok {
				t.Errorf("crossed(%d, %d) = %d, %v; want %d, %v", tc.prev, tc.left, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestSupportOverTime follows one 1.35 cluster through EKS's calendar with
// a fixed clock, each call seeing the status the one before wrote: the
// phase, dates and days left in status.support, the condition, and one
// warning event at each notice day and each change of phase, never two.
func TestSupportOverTime(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	steps := []struct {
		now       string
		phase     string
		daysLeft  int64
		condition fnv1.Status
		reason    string
		event     string
	}{
		{now: "2026-12-04", phase: "Standard", daysLeft: 113, condition: fnv1.Status_STATUS_CONDITION_TRUE, reason: reasonStandard},
		{now: "2026-12-27", phase: "Standard", daysLeft: 90, condition: fnv1.Status_STATUS_CONDITION_TRUE, reason: reasonStandard, event: "notice at 90 days: Kubernetes 1.35 has standard support until 2027-03-27 (90 days left)"},
		{now: "2026-12-28", phase: "Standard", daysLeft: 89, condition: fnv1.Status_STATUS_CONDITION_TRUE, reason: reasonStandard},
		{now: "2027-03-01", phase: "Standard", daysLeft: 26, condition: fnv1.Status_STATUS_CONDITION_TRUE, reason: reasonStandard, event: "notice at 30 days"},
		{now: "2027-03-02", phase: "Standard", daysLeft: 25, condition: fnv1.Status_STATUS_CONDITION_TRUE, reason: reasonStandard},
		{now: "2027-03-26", phase: "Standard", daysLeft: 1, condition: fnv1.Status_STATUS_CONDITION_TRUE, reason: reasonStandard, event: "notice at 7 days"},
		{now: "2027-03-27", phase: "Extended", daysLeft: 366, condition: fnv1.Status_STATUS_CONDITION_FALSE, reason: reasonExtended, event: "Kubernetes 1.35 left standard support on 2027-03-27: the cluster costs $365.00 more per month"},
		{now: "2027-03-28", phase: "Extended", daysLeft: 365, condition: fnv1.Status_STATUS_CONDITION_FALSE, reason: reasonExtended},
		{now: "2028-03-20", phase: "Extended", daysLeft: 7, condition: fnv1.Status_STATUS_CONDITION_FALSE, reason: reasonExtended, event: "notice at 7 days: Kubernetes 1.35 left standard support"},
		{now: "2028-03-27", phase: "Unsupported", condition: fnv1.Status_STATUS_CONDITION_FALSE, reason: reasonUnsupported, event: "Kubernetes 1.35 lost all EKS support on 2028-03-27"},
		{now: "2028-03-28", phase: "Unsupported", condition: fnv1.Status_STATUS_CONDITION_FALSE, reason: reasonUnsupported},
	}
	observed := &structpb.Struct{}
	for _, s := range steps {
		rsp := &fnv1.RunFunctionResponse{}
		status := map[string]any{}
		supportStatus(rsp, observed, status, "1.35", day(s.now), []int{90, 30, 7})
		got := status["support"].(map[string]any)
		if got["phase"] != s.phase || got["daysLeft"] != nil && got["daysLeft"] != s.daysLeft || got["daysLeft"] == nil && s.daysLeft != 0 {
			t.Errorf("%s: status.support %v, want phase %s and %d days left", s.now, got, s.phase, s.daysLeft)
		}
		if got["standardSupportEnds"] != "2027-03-27" || got["extendedSupportEnds"] != "2028-03-27" {
			t.Errorf("%s: support dates %v", s.now, got)
		}
		if c := rsp.GetConditions(); len(c) != 1 || c[0].GetType() != conditionSupported || c[0].GetStatus() != s.condition || c[0].GetReason() != s.reason {
			t.Errorf("%s: conditions %v, want %s %v %s", s.now, c, conditionSupported, s.condition, s.reason)
		}
		var events []string
		for _, r := range rsp.GetResults() {
			events = append(events, r.GetMessage())
		}
		switch {
		case s.event == "" && len(events) > 0:
			t.Errorf("%s: events %v, want none", s.now, events)
		case s.event != "" && (len(events) != 1 || !strings.Contains(events[0], s.event)):
			t.Errorf("%s: events %v, want one with %q", s.now, events, s.event)
		}
		observed, _ = structpb.NewStruct(map[string]any{"status": status})
	}
}

// TestSupportOfAnUnknownVersion: a version the table does not hold is
// unsupported, with no dates.
func TestSupportOfAnUnknownVersion(t *testing.T) {
	rsp := &fnv1.RunFunctionResponse{}
	status := map[string]any{}
	supportStatus(rsp, &structpb.Struct{}, status, "1.29", testNow, []int{7})
	want := map[string]any{"version": "1.29", "phase": "Unsupported", "tableDate": "2026-11-28"}
	if diff := cmp.Diff(want, status["support"]); diff != "" {
		t.Errorf("status.support (-want +got):\n%s", diff)
	}
	if c := rsp.GetConditions(); len(c) != 1 || c[0].GetReason() != reasonUnsupported || !strings.Contains(c[0].GetMessage(), "not in the function's EKS version table") {
		t.Errorf("conditions %v", c)
	}
}

// BenchmarkSupportStatus is what saying where the version stands adds to
// every call (docs/performance.md compares it with the converged call).
func BenchmarkSupportStatus(b *testing.B) {
	observed, _ := structpb.NewStruct(map[string]any{"status": map[string]any{"support": map[string]any{"version": "1.35", "phase": "Standard", "daysLeft": float64(113)}}})
	for b.Loop() {
		supportStatus(&fnv1.RunFunctionResponse{}, observed, map[string]any{}, "1.35", testNow, []int{90, 30, 7})
	}
}
