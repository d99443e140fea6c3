// Package addonversion knows which version of each managed EKS add-on to run
// on each Kubernetes minor version. Add-on versions are always explicit: the
// provider late-initialises addonVersion, so an add-on created without one
// keeps the version EKS chose at creation forever and falls out of support
// after the next upgrades. The table is dated: refresh it when EKS
// publishes new add-on builds.
//
// To refresh, for each add-on and minor version:
//
//	aws eks describe-addon-versions --addon-name ADDON --kubernetes-version MINOR \
//	  --query 'addons[].addonVersions[?compatibilities[?defaultVersion]].addonVersion'
//
// and compare with the "latest version" tables of the EKS user guide
// (managing-vpc-cni, managing-kube-proxy, managing-coredns, ebs-csi).
package addonversion

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// TableDate is when the table was last checked.
const TableDate = "2026-11-28"

// Add-ons whose versions the table knows.
const (
	VPCCNI           = "vpc-cni"
	KubeProxy        = "kube-proxy"
	CoreDNS          = "coredns"
	PodIdentityAgent = "eks-pod-identity-agent"
	MetricsServer    = "metrics-server"
	EBSCSIDriver     = "aws-ebs-csi-driver"
)

// defaults are each add-on's version per Kubernetes minor: the EKS default
// (or the user guide's latest) on TableDate.
var defaults = map[string]map[string]string{
	VPCCNI: {
		"1.32": "v1.21.1-eksbuild.8", "1.33": "v1.21.1-eksbuild.8", "1.34": "v1.21.1-eksbuild.8",
		"1.35": "v1.21.1-eksbuild.8", "1.36": "v1.22.4-eksbuild.3",
	},
	KubeProxy: {
		"1.32": "v1.32.9-eksbuild.2", "1.33": "v1.33.5-eksbuild.2", "1.34": "v1.34.1-eksbuild.2",
		"1.35": "v1.35.0-eksbuild.2", "1.36": "v1.36.0-eksbuild.25",
	},
	CoreDNS: {
		"1.32": "v1.11.4-eksbuild.33", "1.33": "v1.13.2-eksbuild.4", "1.34": "v1.13.2-eksbuild.4",
		"1.35": "v1.13.2-eksbuild.4", "1.36": "v1.14.3-eksbuild.16",
	},
	PodIdentityAgent: {
		"1.32": "v1.3.10-eksbuild.3", "1.33": "v1.3.10-eksbuild.3", "1.34": "v1.3.10-eksbuild.3",
		"1.35": "v1.3.10-eksbuild.3", "1.36": "v1.3.10-eksbuild.3",
	},
	MetricsServer: {
		"1.32": "v0.8.0-eksbuild.6", "1.33": "v0.8.0-eksbuild.6", "1.34": "v0.8.0-eksbuild.6",
		"1.35": "v0.8.0-eksbuild.6", "1.36": "v0.9.0-eksbuild.11",
	},
	// The driver's own releases support every minor EKS supports; v1.64.0
	// (kubernetes-sigs/aws-ebs-csi-driver, 2026-08-18) is the newest.
	EBSCSIDriver: {
		"1.32": "v1.64.0-eksbuild.1", "1.33": "v1.64.0-eksbuild.1", "1.34": "v1.64.0-eksbuild.1",
		"1.35": "v1.64.0-eksbuild.1", "1.36": "v1.64.0-eksbuild.1",
	},
}

// Addons returns the add-ons the table knows, sorted.
func Addons() []string { return slices.Sorted(maps.Keys(defaults)) }

// Default returns the add-on's version for the Kubernetes minor.
func Default(addon, minor string) (string, bool) {
	v, ok := defaults[addon][minor]
	return v, ok
}

// Supports reports whether version of addon runs on the Kubernetes minor.
// kube-proxy must match the minor exactly (it is built per minor). Another
// version the table lists is supported on the minors it is listed for; a
// version the table does not know is accepted when it is at least the
// minor's default, since EKS publishes newer builds for the minors it
// already supports. Unknown minors support nothing.
func Supports(addon, version, minor string) bool {
	def, ok := Default(addon, minor)
	if !ok {
		return false
	}
	if addon == KubeProxy {
		return strings.HasPrefix(version, "v"+minor+".") && Compare(version, def) >= 0
	}
	listed := false
	for m, v := range defaults[addon] {
		if v == version {
			listed = true
			if m == minor {
				return true
			}
		}
	}
	return !listed && Compare(version, def) >= 0
}

// Compare orders add-on versions (v<major>.<minor>.<patch>-eksbuild.<n>):
// negative when a is older than b, zero when equal, positive when newer.
func Compare(a, b string) int {
	pa, pb := parts(a), parts(b)
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

// parts are the numbers of a version in order: v1.13.2-eksbuild.4 is
// [1 13 2 4]. Anything that is not a number counts as 0.
func parts(v string) []int {
	v = strings.TrimPrefix(v, "v")
	core, build, _ := strings.Cut(v, "-")
	var out []int
	for _, f := range strings.Split(core, ".") {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	for len(out) < 3 {
		out = append(out, 0)
	}
	if i := strings.LastIndex(build, "."); i >= 0 {
		n, _ := strconv.Atoi(build[i+1:])
		out = append(out, n)
	}
	return out
}
