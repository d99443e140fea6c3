package naming

import (
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

var baseRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?-[0-9a-f]{16}$`)

func TestBase(t *testing.T) {
	cases := map[string]struct {
		reason   string
		id       Identity
		readable string
	}{
		"ClusterScoped": {
			reason:   "A cluster-scoped XR's readable part is its name.",
			id:       Identity{Name: "payments-dev"},
			readable: "payments-dev",
		},
		"Namespaced": {
			reason:   "A namespaced XR's readable part starts with its namespace.",
			id:       Identity{Namespace: "team-a", Name: "prod-eu"},
			readable: "team-a-prod-eu",
		},
		"Cut": {
			reason:   "A long identity is cut to 23 characters.",
			id:       Identity{Name: strings.Repeat("a", 63)},
			readable: strings.Repeat("a", MaxReadable),
		},
		"CutBeforeDash": {
			reason:   "A cut never leaves a trailing dash before the hash.",
			id:       Identity{Name: strings.Repeat("a", 22) + "-bbbbbb"},
			readable: strings.Repeat("a", 22),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := tc.id.Base()
			if got := tc.id.Readable(); got != tc.readable {
				t.Errorf("%s\nReadable() = %q, want %q", tc.reason, got, tc.readable)
			}
			if !baseRe.MatchString(b) || len(b) > MaxBase || !strings.HasPrefix(b, tc.readable+"-") {
				t.Errorf("%s\nBase() = %q is not <readable>-<16 hex> within %d characters", tc.reason, b, MaxBase)
			}
			if b != tc.id.Base() {
				t.Error("Base() is not stable")
			}
		})
	}
}

// TestHashSeparatesSplits checks that identities whose parts join to the
// same string hash apart.
func TestHashSeparatesSplits(t *testing.T) {
	ids := []Identity{
		{Name: "team-a-prod-eu"},
		{Namespace: "team-a", Name: "prod-eu"},
		{Namespace: "team-a-prod", Name: "eu"},
		{Namespace: "team-a-prod-eu", Name: ""},
		{Namespace: "", Name: "team-a-prod-eu-"},
	}
	seen := map[string]Identity{}
	for _, id := range ids {
		if other, ok := seen[id.Hash()]; ok {
			t.Errorf("%+v and %+v share the hash %s", other, id, id.Hash())
		}
		seen[id.Hash()] = id
	}
}

func TestLegacyBase(t *testing.T) {
	if got := (Identity{Namespace: "team-a", Name: "prod-eu"}).LegacyBase(); got != "team-a-prod-eu" {
		t.Errorf("LegacyBase() = %q", got)
	}
	if got := (Identity{Name: "team-a-prod-eu"}).LegacyBase(); got != "team-a-prod-eu" {
		t.Errorf("LegacyBase() = %q", got)
	}
}

// FuzzBase checks that any two different identities of valid Kubernetes
// names get different bases, and that every base is a valid EKS cluster
// name and label value.
func FuzzBase(f *testing.F) {
	f.Add("team-a", "prod-eu", "team-a-prod", "eu")
	f.Add("", "team-a-prod-eu", "team-a", "prod-eu")
	f.Add("", strings.Repeat("a", 63), "", strings.Repeat("a", 62)+"b")
	f.Fuzz(func(t *testing.T, ns1, n1, ns2, n2 string) {
		a, b := Identity{Namespace: ns1, Name: n1}, Identity{Namespace: ns2, Name: n2}
		for _, id := range []Identity{a, b} {
			if len(validation.IsDNS1123Label(id.Name)) > 0 || (id.Namespace != "" && len(validation.IsDNS1123Label(id.Namespace)) > 0) {
				return
			}
		}
		for _, id := range []Identity{a, b} {
			if base := id.Base(); !baseRe.MatchString(base) || len(base) > MaxBase {
				t.Fatalf("%+v: base %q is not a valid name", id, base)
			}
		}
		if a != b && a.Base() == b.Base() {
			t.Fatalf("%+v and %+v share the base %s", a, b, a.Base())
		}
	})
}
