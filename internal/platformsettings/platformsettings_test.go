package platformsettings

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var src = Source{Name: "eks-gitops-platform"}

func TestMerge(t *testing.T) {
	composition := map[string]any{
		"platformSettings": map[string]any{"environmentConfigName": "eks-gitops-platform"},
		"ttl":              "30s",
		"argocd":           map[string]any{"bootstrap": map[string]any{"path": "apps"}},
		"repository":       map[string]any{"deletionPolicy": "Delete"},
	}
	cases := map[string]struct {
		reason string
		input  map[string]any
		data   map[string]any
		want   map[string]any
		from   [][]string
		errs   []string
	}{
		"FillsWhatTheInputLeavesOut": {
			reason: "Platform fields land where the Input would hold them, beside the Composition's own fields in the same objects.",
			input:  composition,
			data: map[string]any{
				"tenancy":    map[string]any{"teams": []any{map[string]any{"name": "payments", "accountIds": []any{"444455556666"}}}},
				"argocd":     map[string]any{"hubRoleArn": "arn:aws:iam::111122223333:role/hub", "namespace": "gitops"},
				"repository": map[string]any{"accountId": "111122223333", "region": "eu-west-1"},
				"cognito":    map[string]any{"userPoolId": "eu-west-1_AbC", "region": "eu-west-1"},
			},
			want: map[string]any{
				"platformSettings": map[string]any{"environmentConfigName": "eks-gitops-platform"},
				"ttl":              "30s",
				"tenancy":          map[string]any{"teams": []any{map[string]any{"name": "payments", "accountIds": []any{"444455556666"}}}},
				"argocd":           map[string]any{"bootstrap": map[string]any{"path": "apps"}, "hubRoleArn": "arn:aws:iam::111122223333:role/hub", "namespace": "gitops"},
				"repository":       map[string]any{"deletionPolicy": "Delete", "accountId": "111122223333", "region": "eu-west-1"},
				"cognito":          map[string]any{"userPoolId": "eu-west-1_AbC", "region": "eu-west-1"},
			},
			from: [][]string{{"argocd", "hubRoleArn"}, {"argocd", "namespace"}, {"cognito"}, {"repository", "accountId"}, {"repository", "region"}, {"tenancy"}},
		},
		"SetInBothPlaces": {
			reason: "No precedence: a value set twice is a mistake one of the two teams will not see.",
			input:  map[string]any{"namePrefix": "acme-", "argocd": map[string]any{"hubRoleArn": "arn:aws:iam::1:role/a"}},
			data:   map[string]any{"namePrefix": "acme-", "argocd": map[string]any{"hubRoleArn": "arn:aws:iam::1:role/b"}},
			errs:   []string{"EnvironmentConfig eks-gitops-platform.data.argocd.hubRoleArn: Forbidden: also set in the Composition's Input (input.argocd.hubRoleArn)", "EnvironmentConfig eks-gitops-platform.data.namePrefix: Forbidden: also set in the Composition's Input (input.namePrefix)"},
		},
		"CompositionFieldInSettings": {
			reason: "The settings may not change how the Composition behaves: TTL, bootstrap, deletion policy stay in the Input.",
			input:  composition,
			data:   map[string]any{"ttl": "1s", "argocd": map[string]any{"bootstrap": map[string]any{"path": "x"}}, "repository": map[string]any{"deletionPolicy": "Delete"}},
			errs: []string{
				"EnvironmentConfig eks-gitops-platform.data.argocd.bootstrap: Forbidden: not a platform setting",
				"EnvironmentConfig eks-gitops-platform.data.repository.deletionPolicy: Forbidden: not a platform setting",
				"EnvironmentConfig eks-gitops-platform.data.ttl: Forbidden: not a platform setting",
			},
		},
		"UnknownField": {
			reason: "A typo in the settings is an error, not a silently ignored value.",
			input:  composition,
			data:   map[string]any{"tenancy": map[string]any{}, "hubRoleARN": "x"},
			errs:   []string{"EnvironmentConfig eks-gitops-platform.data.hubRoleARN: Forbidden: not a platform setting"},
		},
		"BranchNotAnObject": {
			reason: "argocd must be an object to hold hubRoleArn.",
			input:  composition,
			data:   map[string]any{"argocd": "hub"},
			errs:   []string{"EnvironmentConfig eks-gitops-platform.data.argocd: Invalid value: \"hub\": must be an object"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, from, errs := Merge(tc.input, tc.data, src)
			if len(tc.errs) > 0 {
				if len(errs) != len(tc.errs) {
					t.Fatalf("%s\nMerge(...): got %d errors, want %d: %v", tc.reason, len(errs), len(tc.errs), errs)
				}
				for i, e := range errs {
					if !strings.HasPrefix(e.Error(), tc.errs[i]) {
						t.Errorf("%s\nerror %d: got %q, want it to start with %q", tc.reason, i, e.Error(), tc.errs[i])
					}
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("%s\nMerge(...): %v", tc.reason, errs)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nMerge(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.from, from); diff != "" {
				t.Errorf("%s\nfields from the settings: -want, +got:\n%s", tc.reason, diff)
			}
			if _, ok := tc.input["tenancy"]; ok {
				t.Errorf("Merge wrote into the Input it was given")
			}
		})
	}
}

func TestAttribute(t *testing.T) {
	from := [][]string{{"cognito"}, {"tenancy"}}
	errs := field.ErrorList{
		field.Invalid(field.NewPath("input", "cognito", "userPoolId"), "x", "bad pool"),
		field.Invalid(field.NewPath("input", "tenancy", "teams").Index(0).Child("name"), "X", "bad team"),
		field.Required(field.NewPath("input", "argocd", "hubRoleArn"), "required"),
		field.Invalid(field.NewPath("input", "ttl"), "0s", "bad ttl"),
	}
	got := Attribute(errs, from, src)
	want := []string{
		"EnvironmentConfig eks-gitops-platform.data.cognito.userPoolId",
		"EnvironmentConfig eks-gitops-platform.data.tenancy.teams[0].name",
		"EnvironmentConfig eks-gitops-platform.data.argocd.hubRoleArn",
		"input.ttl",
	}
	for i, e := range got {
		if e.Field != want[i] {
			t.Errorf("error %d names %q, want %q", i, e.Field, want[i])
		}
	}
	if errs[0].Field != "input.cognito.userPoolId" {
		t.Error("Attribute changed the errors it was given")
	}
}

// FuzzMerge feeds arbitrary settings data and Inputs (as JSON) to Merge:
// it never panics, never changes the Input it is given, never writes a
// field that is not a platform setting, and writes every field it reports
// as taken from the settings with the settings' value.
func FuzzMerge(f *testing.F) {
	f.Add(`{"ttl":"30s","argocd":{"bootstrap":{"path":"x"}}}`, `{"tenancy":{"teams":[]},"argocd":{"hubRoleArn":"a"}}`)
	f.Add(`{"namePrefix":"a-"}`, `{"namePrefix":"b-","ttl":"1s"}`)
	f.Add(`{}`, `{"argocd":"x","repository":{"accountId":1,"deletionPolicy":"Delete"}}`)
	f.Add(`{"argocd":null}`, `{"argocd":{"namespace":null}}`)
	f.Fuzz(func(t *testing.T, input, data string) {
		var in, d map[string]any
		if json.Unmarshal([]byte(input), &in) != nil || json.Unmarshal([]byte(data), &d) != nil || in == nil || d == nil {
			return
		}
		before, _ := json.Marshal(in)
		out, from, _ := Merge(in, d, src)
		if after, _ := json.Marshal(in); string(after) != string(before) {
			t.Fatalf("Merge changed its Input: %s -> %s", before, after)
		}
		for _, p := range from {
			if kind(p) != leaf {
				t.Fatalf("took %v from the settings, which is not a platform setting", p)
			}
			got, _ := Lookup(out, p)
			want, _ := Lookup(d, p)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Fatalf("%v is %s in the result, %s in the settings", p, g, w)
			}
		}
		// Whatever the Input sets (null is unset) stays the Input's.
		for k, v := range in {
			if _, ok := v.(map[string]any); ok || v == nil {
				continue
			}
			g, _ := json.Marshal(out[k])
			w, _ := json.Marshal(v)
			if string(g) != string(w) {
				t.Fatalf("the Input's %s changed from %s to %s", k, w, g)
			}
		}
	})
}
