// Package instancetypes knows which EC2 instance types exist and the CPU
// architecture each runs, so a node pool that names a type EC2 does not
// have, or one whose architecture the pool's AMI cannot boot, is refused
// before anything is created instead of failing later at AWS. The table is
// generated (zz_generated.go) from the EC2 API model of aws-sdk-go-v2:
//
//	go generate ./internal/instancetypes
//
// after raising the SDK version in tools/instancetypes/go.mod.
package instancetypes

//go:generate sh -c "cd ../../tools/instancetypes && go run . ../../internal/instancetypes/zz_generated.go $(date -u +%F)"

import (
	"regexp"
	"slices"
	"strings"

	"github.com/eks-gitops/function-eks-gitops/internal/spelling"
)

// Architectures an instance type runs, as EKS's AMI types name them.
const (
	ArchX86 = "x86_64"
	ArchArm = "arm64"
)

// Known is whether EC2 has the instance type.
func Known(name string) bool {
	_, ok := slices.BinarySearch(names, name)
	return ok
}

// Closest is the instance type a misspelt one most likely meant, or "".
func Closest(name string) string { return spelling.Closest(name, names) }

// graviton matches the families of AWS Graviton processors: the generation
// followed by g (m7g, c6gn, x2gd, im4gn, t4g, g5g, ...).
var graviton = regexp.MustCompile(`^[a-z]+[0-9]+g`)

// Arch is the architecture of a known instance type. AWS names its Arm
// families by a g after the generation; the exceptions are the first
// Graviton (a1), the Grace-based P6e-GB200 and Apple silicon Macs.
func Arch(name string) string {
	family, _, _ := strings.Cut(name, ".")
	switch {
	case family == "a1", graviton.MatchString(family), strings.Contains(family, "-gb"),
		strings.HasPrefix(family, "mac") && family != "mac1":
		return ArchArm
	default:
		return ArchX86
	}
}

// AMIArch is the architecture an EKS AMI type boots.
func AMIArch(amiType string) string {
	if strings.Contains(amiType, "ARM_64") {
		return ArchArm
	}
	return ArchX86
}
