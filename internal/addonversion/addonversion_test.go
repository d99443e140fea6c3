package addonversion

import (
	"testing"

	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
)

// TestTableCoversEveryRelease checks every add-on has a version for every
// Kubernetes minor the EKS version table knows, so no supported cluster is
// left without one.
func TestTableCoversEveryRelease(t *testing.T) {
	for _, a := range Addons() {
		for _, r := range eksversion.Releases {
			v, ok := Default(a, r.Version)
			if !ok {
				t.Errorf("%s has no version for Kubernetes %s", a, r.Version)
				continue
			}
			if !Supports(a, v, r.Version) {
				t.Errorf("%s %s, the default for %s, is not supported there", a, v, r.Version)
			}
		}
	}
}

func TestSupports(t *testing.T) {
	cases := map[string]struct {
		reason              string
		addon, version, k8s string
		want                bool
	}{
		"Default":           {"The default is supported.", CoreDNS, "v1.13.2-eksbuild.4", "1.35", true},
		"ListedElsewhere":   {"A version listed only for 1.32 is not for 1.35.", CoreDNS, "v1.11.4-eksbuild.33", "1.35", false},
		"NewerBuild":        {"A newer build than the table knows is accepted.", CoreDNS, "v1.13.2-eksbuild.9", "1.35", true},
		"OlderUnknown":      {"An older unknown build is not.", CoreDNS, "v1.13.1-eksbuild.1", "1.35", false},
		"KubeProxyMinor":    {"kube-proxy is built per minor.", KubeProxy, "v1.34.1-eksbuild.2", "1.35", false},
		"KubeProxyNewer":    {"A newer kube-proxy build of the minor is fine.", KubeProxy, "v1.35.3-eksbuild.1", "1.35", true},
		"UnknownMinor":      {"A minor the table lacks supports nothing.", CoreDNS, "v1.13.2-eksbuild.4", "1.40", false},
		"UnknownAddon":      {"An add-on the table lacks supports nothing.", "istio", "v1.0.0", "1.35", false},
		"VPCCNIListedTwice": {"A version listed for several minors is supported on each.", VPCCNI, "v1.21.1-eksbuild.8", "1.33", true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Supports(tc.addon, tc.version, tc.k8s); got != tc.want {
				t.Errorf("%s\nSupports(%s, %s, %s) = %v, want %v", tc.reason, tc.addon, tc.version, tc.k8s, got, tc.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		a, b string
		sign int
	}{
		{"v1.13.2-eksbuild.4", "v1.13.2-eksbuild.4", 0},
		{"v1.13.2-eksbuild.10", "v1.13.2-eksbuild.9", 1},
		{"v1.9.0-eksbuild.1", "v1.10.0-eksbuild.1", -1},
		{"v0.8.0-eksbuild.6", "v0.9.0-eksbuild.11", -1},
	} {
		got := Compare(c.a, c.b)
		if (got > 0) != (c.sign > 0) || (got < 0) != (c.sign < 0) {
			t.Errorf("Compare(%s, %s) = %d, want sign %d", c.a, c.b, got, c.sign)
		}
	}
}
