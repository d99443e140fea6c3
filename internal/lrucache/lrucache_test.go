package lrucache

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBounds(t *testing.T) {
	type add struct {
		key  string
		size int64
	}
	cases := map[string]struct {
		reason     string
		entries    int
		bytes      int64
		adds       []add
		wantKeys   []string
		wantLen    int
		wantBytes  int64
		touchFirst bool
	}{
		"EntriesBound": {
			reason:  "The least recently used value goes when there are too many.",
			entries: 2, bytes: 100,
			adds:     []add{{"a", 1}, {"b", 1}, {"c", 1}},
			wantKeys: []string{"b", "c"}, wantBytes: 2,
		},
		"BytesBound": {
			reason:  "Values go until the bytes fit, however few entries there are.",
			entries: 100, bytes: 10,
			adds:     []add{{"a", 4}, {"b", 4}, {"c", 4}},
			wantKeys: []string{"b", "c"}, wantBytes: 8,
		},
		"TooLargeAlone": {
			reason:  "A value larger than the whole budget is never kept and evicts nothing.",
			entries: 100, bytes: 10,
			adds:     []add{{"a", 4}, {"huge", 11}},
			wantKeys: []string{"a"}, wantBytes: 4,
		},
		"Replaced": {
			reason:  "Adding a held key replaces its value and size.",
			entries: 10, bytes: 100,
			adds:     []add{{"a", 4}, {"a", 6}},
			wantKeys: []string{"a", "a"}, wantLen: 1, wantBytes: 6,
		},
		"GetKeepsRecent": {
			reason:  "A value read is the most recently used.",
			entries: 2, bytes: 100, touchFirst: true,
			adds:     []add{{"a", 1}, {"b", 1}, {"c", 1}},
			wantKeys: []string{"a", "c"}, wantBytes: 2,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := New[string, int](tc.entries, tc.bytes)
			for i, a := range tc.adds {
				if i == 2 && tc.touchFirst {
					c.Get("a")
				}
				c.Add(a.key, i, a.size)
			}
			var got []string
			for _, a := range tc.adds {
				if _, ok := c.Get(a.key); ok {
					got = append(got, a.key)
				}
			}
			if diff := cmp.Diff(tc.wantKeys, got); diff != "" {
				t.Errorf("%s\nkeys: -want +got:\n%s", tc.reason, diff)
			}
			wantLen := len(tc.wantKeys)
			if tc.wantLen != 0 {
				wantLen = tc.wantLen
			}
			if c.Bytes() != tc.wantBytes || c.Len() != wantLen {
				t.Errorf("%s\nholds %d values in %d bytes, want %d in %d", tc.reason, c.Len(), c.Bytes(), wantLen, tc.wantBytes)
			}
		})
	}
}

func TestNilKeepsNothing(t *testing.T) {
	c := New[string, int](0, 10)
	c.Add("a", 1, 1)
	if _, ok := c.Get("a"); ok || c.Len() != 0 || c.Bytes() != 0 {
		t.Error("a cache without room kept a value")
	}
}
