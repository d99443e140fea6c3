package awszones

import (
	"regexp"
	"slices"
	"testing"
)

// regionRe is the region syntax the function accepts (internal/validation).
var regionRe = regexp.MustCompile(`^(?:(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]|cn-[a-z]+-[0-9]|us-gov-[a-z]+-[0-9])$`)

// TestTable checks every entry is a region the function accepts, with at
// least two zones (EKS needs two), in letter order and without repeats.
func TestTable(t *testing.T) {
	for _, r := range Regions() {
		if !regionRe.MatchString(r) {
			t.Errorf("%s is not a region the function accepts", r)
		}
		z := Zones(r)
		if len(z) < 2 {
			t.Errorf("%s has %d zones; EKS needs two", r, len(z))
		}
		if !slices.IsSorted(z) || len(slices.Compact(slices.Clone(z))) != len(z) {
			t.Errorf("%s zones %v are not in letter order without repeats", r, z)
		}
	}
}

func TestLookups(t *testing.T) {
	if !Has("ca-central-1", "ca-central-1d") || Has("ca-central-1", "ca-central-1c") {
		t.Error("ca-central-1 has a, b and d")
	}
	if Known("eu-west-9") || Zones("eu-west-9") != nil {
		t.Error("an unknown region has zones")
	}
	if Usable("us-west-1") != 2 || Usable("eu-west-1") != 3 {
		t.Error("an account sees two zones of us-west-1 and three of eu-west-1")
	}
}
