// Package awszones knows which availability zones each AWS region has, so an
// XR that names a zone the region lacks is refused before anything is
// created, instead of leaving a subnet that never becomes ready. The table
// is dated: update it when AWS opens a region or a zone.
package awszones

import (
	"maps"
	"slices"
)

// TableDate is when the table was last checked.
const TableDate = "2026-11-28"

// Source is where the table comes from: the zone names AWS publishes per
// region (aws ec2 describe-availability-zones --region R --all-availability-zones,
// zone type availability-zone, and the AWS Regions and Availability Zones
// page of the AWS documentation). Zone letters are mapped to physical zones
// per account, but which letters exist is the same for every account, with
// one exception noted below.
const Source = "https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html"

// letters are the zone letters of each region. Local Zones and Wavelength
// Zones are left out: EKS control planes cannot use them.
var letters = map[string]string{
	"af-south-1": "abc",
	"ap-east-1":  "abc",
	"ap-east-2":  "abc",
	// 1b is open only to accounts made before 2012; it exists.
	"ap-northeast-1": "abcd",
	"ap-northeast-2": "abcd",
	"ap-northeast-3": "abc",
	"ap-south-1":     "abc",
	"ap-south-2":     "abc",
	"ap-southeast-1": "abc",
	"ap-southeast-2": "abc",
	"ap-southeast-3": "abc",
	"ap-southeast-4": "abc",
	"ap-southeast-5": "abc",
	"ap-southeast-6": "abc",
	"ap-southeast-7": "abc",
	"ca-central-1":   "abd",
	"ca-west-1":      "abc",
	"eu-central-1":   "abc",
	"eu-central-2":   "abc",
	"eu-north-1":     "abc",
	"eu-south-1":     "abc",
	"eu-south-2":     "abc",
	"eu-west-1":      "abc",
	"eu-west-2":      "abc",
	"eu-west-3":      "abc",
	"il-central-1":   "abc",
	"me-central-1":   "abc",
	"me-south-1":     "abc",
	"mx-central-1":   "abc",
	"sa-east-1":      "abc",
	"us-east-1":      "abcdef",
	"us-east-2":      "abc",
	// us-west-1 has three zone names, but each account sees only two of
	// them (see perAccount).
	"us-west-1":      "abc",
	"us-west-2":      "abcd",
	"cn-north-1":     "abd",
	"cn-northwest-1": "abc",
	"us-gov-east-1":  "abc",
	"us-gov-west-1":  "abc",
}

// perAccount bounds how many zones one account can use where that is fewer
// than the region's zone names.
var perAccount = map[string]int{"us-west-1": 2}

// Usable returns how many zones of the region one account can use.
func Usable(region string) int {
	if n, ok := perAccount[region]; ok {
		return n
	}
	return len(letters[region])
}

// Known reports whether the table knows the region.
func Known(region string) bool {
	_, ok := letters[region]
	return ok
}

// Zones returns the region's zone names in letter order, or nil for a region
// the table does not know.
func Zones(region string) []string {
	l, ok := letters[region]
	if !ok {
		return nil
	}
	out := make([]string, len(l))
	for i := range l {
		out[i] = region + l[i:i+1]
	}
	return out
}

// Has reports whether zone is a zone of region.
func Has(region, zone string) bool { return slices.Contains(Zones(region), zone) }

// Regions returns every region of the table, sorted.
func Regions() []string { return slices.Sorted(maps.Keys(letters)) }
