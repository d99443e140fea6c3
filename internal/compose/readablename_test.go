package compose

import (
	"regexp"
	"strings"
	"testing"
)

// TestReadableName: the name part of a member's objects is what the
// regular expression [^a-z0-9]+ replaced by one dash made of the lowercased
// username, ends trimmed, for Unicode and invalid UTF-8 alike.
func TestReadableName(t *testing.T) {
	re := regexp.MustCompile(`[^a-z0-9]+`)
	for _, s := range []string{"alice", "Bob.Smith", "carol@example.com", "--x--", "ünïcødé user", "a\xffb", "日本", "", "A1_b2 C3", "trailing.", "..."} {
		want := strings.Trim(re.ReplaceAllString(strings.ToLower(s), "-"), "-")
		if got := readableName(s); got != want {
			t.Errorf("readableName(%q) = %q, want %q", s, got, want)
		}
	}
}
