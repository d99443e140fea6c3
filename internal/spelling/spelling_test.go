package spelling

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"vpcCidr", "availabilityZones", "zones", "serviceCidr", "environment", "tenancy"}
	cases := map[string]struct {
		key, want string
	}{
		"Case":        {key: "vpcCIDR", want: "vpcCidr"},
		"OneEdit":     {key: "zone", want: "zones"},
		"Omitted":     {key: "environmnt", want: "environment"},
		"LongName":    {key: "availabiltyZone", want: "availabilityZones"},
		"Doubled":     {key: "tenancyy", want: "tenancy"},
		"Unrelated":   {key: "color", want: ""},
		"ShortButFar": {key: "cidr", want: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Closest(tc.key, names); got != tc.want {
				t.Errorf("Closest(%q) = %q, want %q", tc.key, got, tc.want)
			}
		})
	}
}
