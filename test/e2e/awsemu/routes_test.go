package awsemu

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMatchPath(t *testing.T) {
	cases := map[string]struct {
		pattern, method string
		seg             []string
		want            map[string]string
		ok              bool
	}{
		"Literal":          {"POST clusters", "POST", []string{"clusters"}, map[string]string{}, true},
		"OtherMethod":      {"POST clusters", "GET", []string{"clusters"}, nil, false},
		"Wildcard":         {"GET clusters/{cluster}/addons/{addon}", "GET", []string{"clusters", "c1", "addons", "vpc-cni"}, map[string]string{"cluster": "c1", "addon": "vpc-cni"}, true},
		"TooShort":         {"GET clusters/{cluster}/addons/{addon}", "GET", []string{"clusters", "c1", "addons"}, nil, false},
		"TooLong":          {"GET clusters/{cluster}", "GET", []string{"clusters", "c1", "addons"}, nil, false},
		"OtherLiteral":     {"GET clusters/{cluster}/addons", "GET", []string{"clusters", "c1", "access-entries"}, nil, false},
		"EscapedPrincipal": {"GET clusters/{cluster}/access-entries/{principal}", "GET", []string{"clusters", "c1", "access-entries", "arn:aws:iam::1:role/a/b"}, map[string]string{"cluster": "c1", "principal": "arn:aws:iam::1:role/a/b"}, true},
		"Rest":             {"DELETE tags/{arn...}", "DELETE", []string{"tags", "arn:aws:eks:r:1:addon", "c1", "x"}, map[string]string{"arn": "arn:aws:eks:r:1:addon/c1/x"}, true},
		"EmptyRest":        {"DELETE tags/{arn...}", "DELETE", []string{"tags"}, nil, false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := matchPath(c.pattern, c.method, c.seg)
			if ok != c.ok {
				t.Fatalf("matchPath(%q, %s, %v) matched %v, want %v", c.pattern, c.method, c.seg, ok, c.ok)
			}
			if ok {
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("wildcards (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestRoutesAreDistinct: no two routes answer the same call, so the order
// of the table never decides which handler runs.
func TestRoutesAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range routes {
		k := r.service + " " + r.op
		if seen[k] {
			t.Errorf("two routes for %s", k)
		}
		seen[k] = true
	}
}
