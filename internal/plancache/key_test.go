package plancache

import (
	"testing"

	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// TestPlanKeyIsBinary checks strings that JSON would encode alike (invalid
// UTF-8 becomes U+FFFD) and strings split differently across fields get
// different keys.
func TestPlanKeyIsBinary(t *testing.T) {
	p := compose.Params{XRName: "a"}
	keys := map[Key]string{}
	for _, c := range []struct {
		what string
		p    compose.Params
		f    compose.Facts
	}{
		{"invalid UTF-8 ff", compose.Params{XRName: "\xff"}, compose.Facts{}},
		{"invalid UTF-8 fe", compose.Params{XRName: "\xfe"}, compose.Facts{}},
		{"U+FFFD", compose.Params{XRName: "\uFFFD"}, compose.Facts{}},
		{"split ab|c", compose.Params{XRName: "ab", XRNamespace: "c"}, compose.Facts{}},
		{"split a|bc", compose.Params{XRName: "a", XRNamespace: "bc"}, compose.Facts{}},
		{"nil members", p, compose.Facts{}},
		{"empty member", compose.Params{XRName: "a", Spec: withMembers("")}, compose.Facts{}},
		{"two empty members", compose.Params{XRName: "a", Spec: withMembers("", "")}, compose.Facts{}},
		{"kept fact", p, compose.Facts{Kept: []compose.KeptFact{{Step: "a", Fact: "b"}}}},
	} {
		k := KeyOf(c.p, c.f, c.p.Upgrade(c.f))
		if other, ok := keys[k]; ok {
			t.Errorf("%s and %s share a plan key", other, c.what)
		}
		keys[k] = c.what
	}
}

func withMembers(m ...string) (s clusterspec.Spec) {
	s.Team.Members = m
	return s
}
