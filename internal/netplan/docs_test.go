package netplan

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestManualStatesTheRange keeps every line of the manual that gives the
// VPC's size range on the range this package enforces.
func TestManualStatesTheRange(t *testing.T) {
	b, err := os.ReadFile("../../docs/reference.md")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("/%d to /%d", MinVPCPrefix, MaxVPCPrefix)
	n := 0
	for i, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, "vpcCidr") && !strings.Contains(line, "VPC CIDR") {
			continue
		}
		if !strings.Contains(line, " to /") {
			continue
		}
		n++
		if !strings.Contains(line, want) {
			t.Errorf("docs/reference.md:%d gives another range than %s: %s", i+1, want, line)
		}
	}
	if n == 0 {
		t.Errorf("docs/reference.md states no VPC range; want %s", want)
	}
}
