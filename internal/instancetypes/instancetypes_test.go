package instancetypes

import (
	"slices"
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	if len(table) < 1000 || !slices.IsSortedFunc(table, func(a, b Type) int { return strings.Compare(a.Name, b.Name) }) {
		t.Fatalf("the table holds %d types, or is not sorted: regenerate it", len(table))
	}
	for _, n := range []string{"m6i.large", "m7g.large", "t3.medium", "c8g.48xlarge", "a1.metal"} {
		if !Known(n) {
			t.Errorf("%s is not in the table", n)
		}
	}
	for _, n := range []string{"m6i.huge", "m7.large", "", "m6i"} {
		if Known(n) {
			t.Errorf("%s is in the table", n)
		}
	}
	if got := Closest("m6i.larg"); got != "m6i.large" {
		t.Errorf("Closest(m6i.larg) = %q", got)
	}
}

func TestArch(t *testing.T) {
	cases := map[string]string{
		"m6i.large": ArchX86, "m7g.large": ArchArm, "c6gn.xlarge": ArchArm, "x2gd.large": ArchArm, "im4gn.large": ArchArm,
		"is4gen.large": ArchArm, "t4g.small": ArchArm, "g5g.xlarge": ArchArm, "a1.large": ArchArm, "hpc7g.4xlarge": ArchArm,
		"g4dn.xlarge": ArchX86, "gr6.4xlarge": ArchX86, "p6-b200.48xlarge": ArchX86, "p6e-gb200.36xlarge": ArchArm,
		"m5zn.large": ArchX86, "mac1.metal": ArchX86, "mac2.metal": ArchArm, "c7i-flex.large": ArchX86, "u7i-12tb.224xlarge": ArchX86,
	}
	for name, want := range cases {
		if !Known(name) {
			t.Errorf("%s is not in the table", name)
		}
		if got := Arch(name); got != want {
			t.Errorf("Arch(%s) = %s, want %s", name, got, want)
		}
	}
	if AMIArch("AL2023_ARM_64_STANDARD") != ArchArm || AMIArch("AL2023_x86_64_STANDARD") != ArchX86 || AMIArch("BOTTLEROCKET_ARM_64_NVIDIA") != ArchArm {
		t.Error("AMIArch misreads an AMI type")
	}
}

// TestArchRuleAgreesWithData: the naming rule that classifies types newer
// than the specs data gives every type the data has its own architecture.
func TestArchRuleAgreesWithData(t *testing.T) {
	n := 0
	for _, ty := range table {
		if ty.Arch == "" {
			continue
		}
		n++
		if got := familyArch(ty.Name); got != ty.Arch {
			t.Errorf("the naming rule says %s runs %s; the data says %s", ty.Name, got, ty.Arch)
		}
	}
	if n < 800 {
		t.Errorf("only %d types have specs: regenerate the table", n)
	}
}

func TestSizes(t *testing.T) {
	for name, want := range map[string]string{
		"m6i.large":   "m6i.large (2 vCPU, 8 GiB)",
		"t3.nano":     "t3.nano (2 vCPU, 0.5 GiB)",
		"c7g.4xlarge": "c7g.4xlarge (16 vCPU, 32 GiB)",
		"m6i.huge":    "m6i.huge",
	} {
		if got := Describe(name); got != want {
			t.Errorf("Describe(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestSameSize(t *testing.T) {
	cases := []struct{ name, arch, want string }{
		{"m6i.large", ArchArm, "m6g.large"},
		{"m7g.large", ArchX86, "m7a.large"},
		{"c7g.4xlarge", ArchX86, "c7a.4xlarge"},
		{"r6g.xlarge", ArchX86, "r6a.xlarge"},
		{"t4g.medium", ArchX86, "t3.medium"},
		{"m6i.large", ArchX86, "m6i.large"},
		{"m6i.huge", ArchArm, ""},
		{"p5.48xlarge", ArchArm, ""},
	}
	for _, c := range cases {
		got := SameSize(c.name, c.arch)
		if got != c.want {
			t.Errorf("SameSize(%s, %s) = %q, want %q", c.name, c.arch, got, c.want)
		}
		if got == "" {
			continue
		}
		a, _ := Lookup(c.name)
		b, _ := Lookup(got)
		if b.Arch != c.arch || a.VCPU != b.VCPU || a.MemoryMiB != b.MemoryMiB {
			t.Errorf("SameSize(%s, %s) = %+v, not the same size on that architecture as %+v", c.name, c.arch, b, a)
		}
	}
}
