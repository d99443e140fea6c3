package guard

import (
	"net/netip"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/netplan"
)

// Assumed is what Check would observe of a cluster made from base, the
// XR's previous version, once it runs as declared: for judging an edit
// before it is merged (validate --base), when nothing is observed yet.
// Only what base decides is assumed: a service CIDR base left to EKS, or a
// pool scaled to zero, is not.
func Assumed(base compose.Params) (Live, compose.Facts) {
	s := base.Spec
	live := Live{
		Region:      s.AWS.Region,
		AccountID:   s.AWS.AccountID,
		VPCCIDR:     s.Network.VPCCIDR,
		ServiceCIDR: s.Network.ServiceCIDR,
		Subnets:     map[string]Subnet{},
		ComputeMode: s.Compute.Mode,
	}
	if vpc, err := netip.ParsePrefix(s.Network.VPCCIDR); err == nil {
		for _, z := range base.Zones() {
			sn, err := netplan.Carve(vpc, z.Index)
			if err != nil {
				continue
			}
			live.Subnets[string(compose.NameSubnet(compose.TierPrivate, z))] = Subnet{CIDR: sn.Private.String(), Zone: z.Name}
			live.Subnets[string(compose.NameSubnet(compose.TierPublic, z))] = Subnet{CIDR: sn.Public.String(), Zone: z.Name}
		}
	}
	facts := compose.Facts{
		Cluster:    compose.ClusterFacts{Version: s.KubernetesVersion},
		NodeGroups: map[resource.Name]compose.NodeGroupFacts{},
	}
	for _, pool := range s.NodePools {
		nodes := int64(1)
		switch {
		case pool.DesiredSize != nil:
			nodes = int64(*pool.DesiredSize)
		case pool.MinSize != nil:
			nodes = int64(*pool.MinSize)
		}
		facts.NodeGroups[resource.Name(compose.NodeGroupPrefix+pool.Name)] = compose.NodeGroupFacts{
			Pool: pool.Name, ExternalName: pool.Name, Nodes: nodes,
			Version: s.KubernetesVersion, SpecVersion: s.KubernetesVersion, Ready: true,
		}
	}
	return live, facts
}
