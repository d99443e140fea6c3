package clusterspec

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseReadsOnlyTheMachineryItNeeds: of Crossplane's own machinery,
// Parse keeps what validation reads (a pinned revision) and leaves out the
// rest, resourceRefs above all, whatever it holds.
func TestParseReadsOnlyTheMachineryItNeeds(t *testing.T) {
	spec := map[string]any{
		"team": map[string]any{"name": "payments", "members": []any{"alice"}},
		"crossplane": map[string]any{
			"compositionRef":              map[string]any{"name": "eks-gitops"},
			"compositionRevisionSelector": map[string]any{"matchLabels": map[string]any{"channel": "stable"}},
			"compositionUpdatePolicy":     "Manual",
			"resourceRefs":                []any{map[string]any{"apiVersion": "ec2.aws.m.upbound.io/v1beta1", "kind": "VPC", "name": "x"}, "not even an object"},
		},
	}
	s, errs := Parse(spec)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got map[string]any
	if err := json.Unmarshal(s.Crossplane, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"compositionRevisionSelector": map[string]any{"matchLabels": map[string]any{"channel": "stable"}},
		"compositionUpdatePolicy":     "Manual",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse(...).Crossplane: -want, +got:\n%s", diff)
	}
	if _, ok := spec["crossplane"].(map[string]any)["resourceRefs"]; !ok {
		t.Error("Parse changed the spec it was given")
	}
}
