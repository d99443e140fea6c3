package instancetypes

import (
	"slices"
	"testing"
)

func TestTable(t *testing.T) {
	if len(names) < 1000 || !slices.IsSorted(names) {
		t.Fatalf("the table holds %d types, sorted %v: regenerate it", len(names), slices.IsSorted(names))
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
