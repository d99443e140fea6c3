// Package guard decides which edits of an XR a running cluster can take. It
// compares the XR, read into compose.Params, with what exists: an edit AWS
// cannot apply in place, or that would destroy or orphan something that
// holds state, is refused with the field, the value in use, the value asked
// for and what to do instead.
package guard

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
	"github.com/eks-gitops/function-eks-gitops/internal/netplan"
)

// Live is what exists of the XR's network and cluster, as observed.
type Live struct {
	// Region, AccountID and VPCCIDR are the VPC's and cluster's; empty
	// until they exist.
	Region      string
	AccountID   string
	VPCCIDR     string
	ServiceCIDR string
	// Subnets are the observed subnets by composition resource name.
	Subnets map[string]Subnet
	// ComputeMode is the observed cluster's compute mode: AutoMode when
	// EKS runs its nodes, ManagedNodeGroups otherwise; empty until the
	// cluster exists.
	ComputeMode string
	// Protected is whether EKS protects the running cluster from deletion,
	// and Environment the spec.environment it was composed for.
	Protected   bool
	Environment string
}

// Subnet is an observed subnet.
type Subnet struct {
	CIDR string
	Zone string
}

// Check returns every edit the running cluster cannot take.
func Check(p compose.Params, f compose.Facts, live Live) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	immutable := func(path *field.Path, inUse, asked, why string) {
		if inUse != "" && asked != inUse {
			errs = append(errs, field.Forbidden(path, fmt.Sprintf("the cluster runs with %s, and this XR asks for %s: %s", inUse, asked, why)))
		}
	}
	moveAdvice := "create a new XR with the new value, move the workloads, then delete this one"
	immutable(spec.Child("aws", "region"), live.Region, p.Spec.AWS.Region,
		"the provider would create a second VPC and cluster there and orphan these, and Argo CD would be pointed at the empty one; "+moveAdvice)
	immutable(spec.Child("aws", "accountId"), live.AccountID, p.Spec.AWS.AccountID,
		"the provider would create everything again in that account and orphan what runs here; "+moveAdvice)
	immutable(spec.Child("network", "vpcCidr"), live.VPCCIDR, p.Spec.Network.VPCCIDR,
		"AWS cannot change a VPC's primary CIDR, so the VPC and every subnet would have to be replaced under running nodes; "+moveAdvice)
	if p.Spec.Network.ServiceCIDR != "" {
		immutable(spec.Child("network", "serviceCidr"), live.ServiceCIDR, p.Spec.Network.ServiceCIDR,
			"EKS cannot change a cluster's service CIDR; leave the field as it was (or unset, to keep what EKS chose)")
	}
	errs = append(errs, protection(p, live)...)
	errs = append(errs, computeMode(p, live)...)
	errs = append(errs, zones(p, live)...)
	errs = append(errs, pools(p, f)...)
	return append(errs, version(p, f)...)
}

// computeMode refuses moving a running cluster into or out of Auto Mode:
// EKS sets bootstrapSelfManagedAddons only at creation (a change replaces
// the cluster), and volumes of the EBS CSI add-on's driver
// (ebs.csi.aws.com) do not move to Auto Mode's (ebs.csi.eks.amazonaws.com).
func computeMode(p compose.Params, live Live) field.ErrorList {
	asked := p.Spec.Compute.Mode
	if live.ComputeMode == clusterspec.ModeKarpenter && !p.Spec.Karpenter() && !p.Spec.AutoMode() {
		return field.ErrorList{field.Forbidden(field.NewPath("spec", "compute", "mode"),
			fmt.Sprintf("the cluster runs in Karpenter, and this XR asks for %s: the nodes Karpenter launched would outlive their controller, its queue and its role, unmanaged; keep Karpenter, or create a new XR in %s, move the workloads, then delete this one", asked, asked))}
	}
	if live.ComputeMode == "" || (live.ComputeMode == clusterspec.ModeAutoMode) == p.Spec.AutoMode() {
		return nil
	}
	why := "EKS fixes whether it installs its networking, DNS and kube-proxy add-ons (bootstrapSelfManagedAddons) when it creates a cluster, so the provider would replace the cluster, and the volumes of one EBS CSI driver (ebs.csi.aws.com) do not move to Auto Mode's (ebs.csi.eks.amazonaws.com)"
	return field.ErrorList{field.Forbidden(field.NewPath("spec", "compute", "mode"),
		fmt.Sprintf("the cluster runs in %s, and this XR asks for %s: %s; keep %s, or create a new XR in %s, move the workloads and their data, then delete this one", live.ComputeMode, asked, why, live.ComputeMode, asked))}
}

// protection refuses moving a protected cluster into an environment that
// does not protect it: only a platform engineer lifts a protection, by
// naming the XR in the platform settings.
func protection(p compose.Params, live Live) field.ErrorList {
	if !live.Protected || p.DeletionProtection() || p.ProtectionLifted() || live.Environment == "" || live.Environment == p.Spec.Environment {
		return nil
	}
	return field.ErrorList{field.Forbidden(field.NewPath("spec", "environment"),
		fmt.Sprintf("the cluster runs in %s, which protects it from deletion, and %s does not: a team cannot lift its environment's protection; a platform engineer lifts it for this XR (compliance.deletionProtectionLiftedFor in the platform settings) before it moves", live.Environment, p.Spec.Environment))}
}

// zones refuses a zone whose subnets would move (a reordered or replaced
// zone) and a removed zone unless spec.confirmRemoval.zones names it.
func zones(p compose.Params, live Live) field.ErrorList {
	var errs field.ErrorList
	zp := field.NewPath("spec", "network", "zones")
	planned := map[string]compose.Zone{}
	for _, z := range p.Zones() {
		for _, tier := range []string{compose.TierPrivate, compose.TierPublic} {
			planned[string(compose.NameSubnet(tier, z))] = z
		}
	}
	vpc, err := netip.ParsePrefix(p.Spec.Network.VPCCIDR)
	if err != nil {
		return nil
	}
	// A new region or VPC CIDR is refused on its own field: every subnet
	// would move with it, and saying so again per subnet adds nothing.
	if live.Region != "" && live.Region != p.Spec.AWS.Region {
		return nil
	}
	newVPC := live.VPCCIDR != "" && live.VPCCIDR != p.Spec.Network.VPCCIDR
	removed, moved := map[string]bool{}, map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(live.Subnets)) {
		s := live.Subnets[name]
		z, ok := planned[name]
		if !ok {
			removed[s.Zone] = true
			continue
		}
		sn, err := netplan.Carve(vpc, z.Index)
		if err != nil || newVPC || moved[s.Zone] {
			continue
		}
		cidr := sn.Private.String()
		if strings.HasPrefix(name, compose.SubnetPrefix+compose.TierPublic+"-") {
			cidr = sn.Public.String()
		}
		if s.Zone != z.Name || (s.CIDR != "" && s.CIDR != cidr) {
			// One refusal per zone: its other subnet moves with it.
			moved[s.Zone] = true
			errs = append(errs, field.Forbidden(zp, fmt.Sprintf("subnet %s is in %s with %s, and this XR would put it in %s with %s: a subnet cannot move, so nodes would lose their network; keep the zones in the order they were first listed and add new zones at the end", name, s.Zone, s.CIDR, z.Name, cidr)))
		}
	}
	for _, zone := range slices.Sorted(maps.Keys(removed)) {
		if !slices.Contains(p.Spec.ConfirmRemoval.Zones, zone) {
			errs = append(errs, field.Forbidden(zp, fmt.Sprintf("zone %s has subnets, a NAT gateway and nodes, and this XR removes it: its network would be deleted under running nodes; if that is intended, drain it and name it in spec.confirmRemoval.zones", zone)))
		}
	}
	return errs
}

// pools refuses removing a pool whose node groups still run nodes, unless
// spec.confirmRemoval.nodePools names it.
func pools(p compose.Params, f compose.Facts) field.ErrorList {
	var errs field.ErrorList
	asked := map[string]bool{}
	for _, pool := range append(p.ManagedPools(), p.Spec.NodePools...) {
		asked[pool.Name] = true
	}
	nodes := map[string]int64{}
	for _, ng := range f.NodeGroups {
		if ng.Pool != "" && !asked[ng.Pool] {
			nodes[ng.Pool] += ng.Nodes
		}
	}
	for _, pool := range slices.Sorted(maps.Keys(nodes)) {
		if nodes[pool] > 0 && !slices.Contains(p.Spec.ConfirmRemoval.NodePools, pool) {
			errs = append(errs, field.Forbidden(field.NewPath("spec", "nodePools"), fmt.Sprintf("node pool %s runs %d nodes, and this XR removes it (an empty nodePools list means one pool named default): its workloads would lose their nodes; list the pool again, scale it to 0 first, or name it in spec.confirmRemoval.nodePools", pool, nodes[pool])))
		}
	}
	return errs
}

// version accepts the version that runs or the next minor after it, and
// refuses starting an upgrade before the last one reached every node group.
func version(p compose.Params, f compose.Facts) field.ErrorList {
	cv := f.Cluster.Version
	to := p.Spec.KubernetesVersion
	if cv == "" || cv == to {
		return nil
	}
	vp := field.NewPath("spec", "kubernetesVersion")
	have, want := eksversion.Minor(cv), eksversion.Minor(to)
	switch {
	case want < have:
		return field.ErrorList{field.Forbidden(vp, fmt.Sprintf("the cluster runs Kubernetes %s, and this XR asks for %s: EKS cannot downgrade a cluster; set it back to %s", cv, to, cv))}
	case want > have+1:
		return field.ErrorList{field.Forbidden(vp, fmt.Sprintf("the cluster runs Kubernetes %s, and this XR asks for %s: EKS upgrades one minor version at a time; ask for %s first, then %s once it is done", cv, to, eksversion.Next(cv), to))}
	}
	for _, n := range slices.Sorted(maps.Keys(f.NodeGroups)) {
		ng := f.NodeGroups[n]
		if v := ng.Version; v != "" && eksversion.Minor(v) < have {
			return field.ErrorList{field.Forbidden(vp, fmt.Sprintf("node group %s still runs Kubernetes %s while the control plane runs %s: wait until the upgrade to %s has reached every node group before asking for %s", ng.ExternalName, v, cv, cv, to))}
		}
	}
	return nil
}
