package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSoakLevels(t *testing.T) {
	type want struct{ high, low int }
	cases := map[string]struct {
		reason  string
		samples []int
		want    want
	}{
		"Empty": {
			reason: "No samples, nothing to compare.",
			want:   want{},
		},
		"OneSample": {
			reason:  "One sample has no first half.",
			samples: []int{100},
			want:    want{},
		},
		"SettledAfterAPeak": {
			reason:  "A collection late in the first half leaves RSS below its high: no growth.",
			samples: []int{50, 56, 53, 52, 57, 55, 54},
			want:    want{high: 56, low: 54},
		},
		"OneLateSpike": {
			reason:  "A single high sample at the end is a collection not yet run, not a leak: the low of the last three is taken.",
			samples: []int{50, 52, 51, 52, 51, 51, 60},
			want:    want{high: 52, low: 51},
		},
		"Leaking": {
			reason:  "A leak keeps rising, so even the lowest late sample is above the first half's high.",
			samples: []int{50, 52, 54, 56, 58, 60, 62, 64},
			want:    want{high: 56, low: 60},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			high, low := soakLevels(tc.samples)
			if diff := cmp.Diff(tc.want, want{high, low}, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nsoakLevels(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
