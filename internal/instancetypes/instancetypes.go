// Package instancetypes knows which EC2 instance types exist, the CPU
// architecture each runs and, where the data has them, its vCPUs and memory,
// so a node pool that names a type EC2 does not have, or one whose
// architecture the pool's AMI cannot boot, is refused before anything is
// created instead of failing later at AWS, with a type of the same size
// that fits. The table is generated (zz_generated.go) from the EC2 API
// model of aws-sdk-go-v2 and the ec2instances.info data:
//
//	go generate ./internal/instancetypes
//
// after raising either version in tools/instancetypes/go.mod.
package instancetypes

//go:generate sh -c "cd ../../tools/instancetypes && go run . ../../internal/instancetypes/zz_generated.go $(date -u +%F)"

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/eks-gitops/function-eks-gitops/internal/spelling"
)

// Type is one row of the table. Arch, VCPU and MemoryMiB are zero for a
// type newer than the specs data; Current is whether AWS lists the type
// as current generation.
type Type struct {
	Name      string
	Arch      string
	VCPU      int
	MemoryMiB int
	Current   bool
}

// names are the table's names, for spelling suggestions.
var names = func() []string {
	out := make([]string, len(table))
	for i, t := range table {
		out[i] = t.Name
	}
	return out
}()

// Architectures an instance type runs, as EKS's AMI types name them.
const (
	ArchX86 = "x86_64"
	ArchArm = "arm64"
)

// Lookup is the table's row for an instance type.
func Lookup(name string) (Type, bool) {
	i, ok := slices.BinarySearchFunc(table, name, func(t Type, n string) int { return cmp.Compare(t.Name, n) })
	if !ok {
		return Type{}, false
	}
	return table[i], true
}

// Known is whether EC2 has the instance type.
func Known(name string) bool {
	_, ok := Lookup(name)
	return ok
}

// Closest is the instance type a misspelt one most likely meant, or "".
func Closest(name string) string { return spelling.Closest(name, names) }

// graviton matches the families of AWS Graviton processors: the generation
// followed by g (m7g, c6gn, x2gd, im4gn, t4g, g5g, ...).
var graviton = regexp.MustCompile(`^[a-z]+[0-9]+g`)

// Arch is the architecture of a known instance type: the data's, or for a
// type newer than the data, the family's by AWS's naming rule.
func Arch(name string) string {
	if t, ok := Lookup(name); ok && t.Arch != "" {
		return t.Arch
	}
	return familyArch(name)
}

// familyArch is the architecture AWS's naming says: Arm families have a g
// after the generation; the exceptions are the first Graviton (a1), the
// Grace-based P6e-GB200 and Apple silicon Macs.
func familyArch(name string) string {
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

// SameSize is a current-generation type that runs arch with the vCPUs and
// memory of name, in the same size and class (m7g.large for m6i.large on
// arm64), or "" when the table has none. Of several, the newest generation
// wins, then the plainest family (m7g before m7gd), then the name.
func SameSize(name, arch string) string {
	t, ok := Lookup(name)
	switch {
	case !ok || t.VCPU == 0:
		return ""
	case t.Arch == arch:
		return name
	}
	family, size, _ := strings.Cut(name, ".")
	class, gen := classOf(family)
	best, bestGen := "", -1
	for _, c := range table {
		cf, cs, _ := strings.Cut(c.Name, ".")
		cc, cg := classOf(cf)
		if !c.Current || c.Arch != arch || c.VCPU != t.VCPU || c.MemoryMiB != t.MemoryMiB || cs != size || cc != class {
			continue
		}
		// Prefer the generation of name itself, then newer ones.
		score := cg
		if cg == gen {
			score = 1000
		}
		if score > bestGen || score == bestGen && len(c.Name) < len(best) {
			best, bestGen = c.Name, score
		}
	}
	return best
}

// classOf splits a family into its class letters and generation: m7g is
// class m, generation 7; c6gn is c, 6; hpc7g is hpc, 7.
func classOf(family string) (string, int) {
	i := strings.IndexFunc(family, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return family, 0
	}
	gen := 0
	for _, r := range family[i:] {
		if r < '0' || r > '9' {
			break
		}
		gen = gen*10 + int(r-'0')
	}
	return family[:i], gen
}

// Describe is a type's size for messages: "m6i.large (2 vCPU, 8 GiB)".
func Describe(name string) string {
	t, ok := Lookup(name)
	if !ok || t.VCPU == 0 {
		return name
	}
	return fmt.Sprintf("%s (%d vCPU, %s GiB)", name, t.VCPU, strings.TrimSuffix(fmt.Sprintf("%.1f", float64(t.MemoryMiB)/1024), ".0"))
}
