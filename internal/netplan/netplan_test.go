package netplan

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCarve(t *testing.T) {
	cases := map[string]struct {
		reason string
		vpc    string
		zone   int
		want   Subnets
		err    bool
	}{
		"FirstZoneOfSlash16": {
			reason: "Zone 0 gets the first eighth (private) and the fifth eighth (public).",
			vpc:    "10.20.0.0/16", zone: 0,
			want: Subnets{Private: netip.MustParsePrefix("10.20.0.0/19"), Public: netip.MustParsePrefix("10.20.128.0/19")},
		},
		"LastZoneOfSlash16": {
			reason: "Zone 3 gets the fourth and the last eighth.",
			vpc:    "10.20.0.0/16", zone: 3,
			want: Subnets{Private: netip.MustParsePrefix("10.20.96.0/19"), Public: netip.MustParsePrefix("10.20.224.0/19")},
		},
		"SmallestVPC": {
			reason: "A /25 VPC gives /28 subnets, the smallest AWS allows.",
			vpc:    "192.168.1.0/25", zone: 1,
			want: Subnets{Private: netip.MustParsePrefix("192.168.1.16/28"), Public: netip.MustParsePrefix("192.168.1.80/28")},
		},
		"ZoneOutOfRange": {
			reason: "The layout has four zones.",
			vpc:    "10.0.0.0/16", zone: 4, err: true,
		},
		"TooSmall": {
			reason: "A /30 cannot be split in eight.",
			vpc:    "10.0.0.0/30", zone: 0, err: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Carve(netip.MustParsePrefix(tc.vpc), tc.zone)
			if (err != nil) != tc.err {
				t.Fatalf("%s\nCarve(...): error %v, want error %v", tc.reason, err, tc.err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("%s\nCarve(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestCarveDisjoint checks that no two subnets of a VPC overlap and all lie
// inside it.
func TestCarveDisjoint(t *testing.T) {
	vpc := netip.MustParsePrefix("10.0.0.0/20")
	var all []netip.Prefix
	for z := range MaxZones {
		s, err := Carve(vpc, z)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, s.Private, s.Public)
	}
	for i, a := range all {
		if !vpc.Contains(a.Addr()) || a.Bits() < vpc.Bits() {
			t.Errorf("%s is not inside %s", a, vpc)
		}
		for _, b := range all[i+1:] {
			if a.Overlaps(b) {
				t.Errorf("%s overlaps %s", a, b)
			}
		}
	}
}

func TestParseCanonical(t *testing.T) {
	cases := map[string]struct {
		in  string
		err bool
	}{
		"Canonical": {in: "10.0.0.0/16"},
		"HostBits":  {in: "10.0.0.1/16", err: true},
		"IPv6":      {in: "fd00::/64", err: true},
		"Garbage":   {in: "ten", err: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseCanonical(tc.in); (err != nil) != tc.err {
				t.Errorf("ParseCanonical(%q): error %v, want error %v", tc.in, err, tc.err)
			}
		})
	}
}
