// Package eksversion knows which Kubernetes versions EKS supports on a given
// day. The table is dated: update it when AWS publishes a new release or its
// end-of-support dates.
package eksversion

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// TableDate is when the table below was last checked against the EKS
// Kubernetes version calendar.
const TableDate = "2026-11-28"

// Release is one EKS Kubernetes minor version.
type Release struct {
	Version string
	// StandardEnd is the first day without standard support.
	StandardEnd time.Time
	// ExtendedEnd is the first day without any support.
	ExtendedEnd time.Time
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Releases are the versions EKS offered when the table was written, oldest
// first. Extended support lasts 12 months after standard support ends.
var Releases = []Release{
	{Version: "1.32", StandardEnd: day("2026-03-23"), ExtendedEnd: day("2027-03-23")},
	{Version: "1.33", StandardEnd: day("2026-07-29"), ExtendedEnd: day("2027-07-29")},
	{Version: "1.34", StandardEnd: day("2026-12-02"), ExtendedEnd: day("2027-12-02")},
	{Version: "1.35", StandardEnd: day("2027-03-27"), ExtendedEnd: day("2028-03-27")},
	{Version: "1.36", StandardEnd: day("2027-07-28"), ExtendedEnd: day("2028-07-28")},
}

// Support says what support a version has on a day.
type Support int

// Kinds of support.
const (
	Unsupported Support = iota
	Extended
	Standard
)

// SupportOn returns the support a version has on day now.
func SupportOn(version string, now time.Time) Support {
	i := slices.IndexFunc(Releases, func(r Release) bool { return r.Version == version })
	if i < 0 {
		return Unsupported
	}
	r := Releases[i]
	switch {
	case now.Before(r.StandardEnd):
		return Standard
	case now.Before(r.ExtendedEnd):
		return Extended
	default:
		return Unsupported
	}
}

// SupportedOn lists the versions with any support on day now, for
// messages: those in standard support apart from those in extended support
// only, which a cluster gets only with spec.supportType EXTENDED.
func SupportedOn(now time.Time) string {
	var standard, extended []string
	for _, r := range Releases {
		switch SupportOn(r.Version, now) {
		case Standard:
			standard = append(standard, fmt.Sprintf("%s (until %s)", r.Version, r.StandardEnd.Format(time.DateOnly)))
		case Extended:
			extended = append(extended, fmt.Sprintf("%s (until %s)", r.Version, r.ExtendedEnd.Format(time.DateOnly)))
		case Unsupported:
		}
	}
	out := "standard support: " + strings.Join(standard, ", ")
	if len(extended) > 0 {
		out += "; extended support only, with spec.supportType EXTENDED: " + strings.Join(extended, ", ")
	}
	return out
}

// Minor returns the minor number of a version such as "1.35", or -1.
func Minor(version string) int {
	major, minor, ok := strings.Cut(version, ".")
	if !ok || major != "1" {
		return -1
	}
	n := 0
	for _, c := range minor {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	if minor == "" {
		return -1
	}
	return n
}

// Next returns the minor version after version, e.g. "1.36" after "1.35".
func Next(version string) string { return fmt.Sprintf("1.%d", Minor(version)+1) }

// Previous returns the minor version before version, e.g. "1.34" before "1.35".
func Previous(version string) string { return fmt.Sprintf("1.%d", Minor(version)-1) }

// Phase is the name of a support phase, as the XR's status and the fleet
// report give it.
func (s Support) Phase() string {
	switch s {
	case Standard:
		return "Standard"
	case Extended:
		return "Extended"
	case Unsupported:
	}
	return "Unsupported"
}

// Window is where a version stands on a day: its support and the dates
// that bound it.
type Window struct {
	Version string
	Support Support
	// Known is false for a version the table does not hold.
	Known                    bool
	StandardEnd, ExtendedEnd time.Time
	// DaysLeft are the whole days until the current phase ends: standard
	// support while in it, then extended support; 0 when unsupported.
	DaysLeft int
}

// WindowOn returns where version stands on day now.
func WindowOn(version string, now time.Time) Window {
	w := Window{Version: version, Support: SupportOn(version, now)}
	i := slices.IndexFunc(Releases, func(r Release) bool { return r.Version == version })
	if i < 0 {
		return w
	}
	r := Releases[i]
	w.Known, w.StandardEnd, w.ExtendedEnd = true, r.StandardEnd, r.ExtendedEnd
	switch w.Support {
	case Standard:
		w.DaysLeft = daysBetween(now, r.StandardEnd)
	case Extended:
		w.DaysLeft = daysBetween(now, r.ExtendedEnd)
	case Unsupported:
	}
	return w
}

// daysBetween counts the days from now's date to end, rounding a part day
// up: on the day before the end one day is left.
func daysBetween(now, end time.Time) int {
	d := end.Sub(now)
	days := int(d / (24 * time.Hour))
	if d%(24*time.Hour) > 0 {
		days++
	}
	return days
}

// Prices of an EKS cluster's control plane by the hour, in US dollars, in
// the commercial regions. Extended support costs the difference on top.
const (
	PriceTableDate       = "2026-11-28"
	PricePerHourStandard = 0.10
	PricePerHourExtended = 0.60
	// HoursPerMonth is AWS's month for monthly estimates.
	HoursPerMonth = 730
)

// ExtendedSupportCostPerMonth is what extended support adds to one
// cluster's monthly bill.
func ExtendedSupportCostPerMonth() float64 {
	return (PricePerHourExtended - PricePerHourStandard) * HoursPerMonth
}
