// Package spelling finds the name a misspelt one most likely meant, so an
// unknown field's error can say which field to write instead.
package spelling

import "strings"

// Closest is the name among names that key most likely meant: one that
// differs only in case, else the nearest within two edits (or a third of
// the key's length, for long names); "" when none is that near.
func Closest(key string, names []string) string {
	best, bestD := "", max(2, len(key)/3)+1
	for _, n := range names {
		if strings.EqualFold(n, key) {
			return n
		}
		if d := distance(strings.ToLower(key), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// Hint is "; did you mean <name>?" for key among names, or "".
func Hint(key string, names []string) string {
	if n := Closest(key, names); n != "" {
		return "; did you mean " + n + "?"
	}
	return ""
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
