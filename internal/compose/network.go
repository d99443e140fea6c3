package compose

import (
	"net/netip"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/netplan"
)

// Composition resource names of the network.
const (
	NameVPC              = resource.Name("vpc")
	NameInternetGateway  = resource.Name("internet-gateway")
	NamePublicRouteTable = resource.Name("route-table-public")
	NamePublicRoute      = resource.Name("route-public-internet")
)

// Component labels of the network.
const (
	componentVPC        = "vpc"
	componentSubnet     = "subnet"
	componentIGW        = "internet-gateway"
	componentRouteTable = "route-table"
	componentEIP        = "eip"
	componentNAT        = "nat-gateway"
	TierPublic          = "public"
	TierPrivate         = "private"
)

// SubnetPrefix begins the composition resource name of every subnet.
const SubnetPrefix = "subnet-"

// NameSubnet is the composition resource name of a zone's subnet.
func NameSubnet(tier string, z Zone) resource.Name {
	return resource.Name(SubnetPrefix + tier + "-" + z.Key)
}

// PrivateSubnetObjectNames are the Kubernetes names of the private subnets,
// which the cluster and node groups reference by name: a selector would
// resolve as soon as the first subnet had an ID and create the cluster in
// fewer zones than asked for.
func (p Params) PrivateSubnetObjectNames() []string {
	zones := p.Zones()
	names := make([]string, len(zones))
	for i, z := range zones {
		names[i] = p.ObjectName(string(NameSubnet(TierPrivate, z)))
	}
	return names
}

// natZones are the zones that get a NAT gateway.
func (p Params) natZones() []Zone {
	zones := p.Zones()
	if p.Input.NATGateways == v1beta1.NATGatewaysSingle {
		return zones[:1]
	}
	return zones
}

// natZoneFor is the zone whose NAT gateway a zone's private subnets use.
func (p Params) natZoneFor(z Zone) Zone {
	if p.Input.NATGateways == v1beta1.NATGatewaysSingle {
		return p.Zones()[0]
	}
	return z
}

// Network returns the VPC, subnets, gateways and routing.
func (p Params) Network() []Object {
	region := p.Spec.AWS.Region
	vpcSel := selector(component(componentVPC))
	objs := []Object{
		p.vpc(),
		{Name: NameInternetGateway, Body: p.managed(apiEC2, "InternetGateway", "igw", component(componentIGW), map[string]any{
			"region":        region,
			"vpcIdSelector": vpcSel,
			"tags":          p.awsTags(p.ClusterName()),
		})},
		{Name: NamePublicRouteTable, Body: p.managed(apiEC2, "RouteTable", "rt-public", tiered(componentRouteTable, TierPublic, nil), map[string]any{
			"region":        region,
			"vpcIdSelector": vpcSel,
			"tags":          p.awsTags(p.ClusterName() + "-public"),
		})},
		{Name: NamePublicRoute, Body: p.managed(apiEC2, "Route", "route-public-internet", nil, map[string]any{
			"region":               region,
			"destinationCidrBlock": "0.0.0.0/0",
			"routeTableIdSelector": selector(tiered(componentRouteTable, TierPublic, nil)),
			"gatewayIdSelector":    selector(component(componentIGW)),
		})},
	}

	vpc := netip.MustParsePrefix(p.Spec.Network.VPCCIDR) // Validated.
	for _, z := range p.Zones() {
		sn, _ := netplan.Carve(vpc, z.Index) // Validated: the zone fits.
		objs = append(objs, p.subnet(z, TierPublic, sn.Public), p.subnet(z, TierPrivate, sn.Private))
		objs = append(objs, Object{
			Name: resource.Name("route-table-association-public-" + z.Key),
			Body: p.managed(apiEC2, "RouteTableAssociation", "rta-public-"+z.Key, nil, map[string]any{
				"region":               region,
				"routeTableIdSelector": selector(tiered(componentRouteTable, TierPublic, nil)),
				"subnetIdSelector":     selector(tiered(componentSubnet, TierPublic, &z)),
			}),
		})
		objs = append(objs, p.privateRouting(z)...)
	}
	for _, z := range p.natZones() {
		objs = append(objs,
			Object{Name: resource.Name("eip-nat-" + z.Key), Body: p.managed(apiEC2, "EIP", "eip-nat-"+z.Key, zoned(componentEIP, z), map[string]any{
				"region": region,
				"domain": "vpc",
				"tags":   p.awsTags(p.ClusterName() + "-nat-" + z.Name),
			})},
			Object{Name: resource.Name("nat-gateway-" + z.Key), Body: p.managed(apiEC2, "NATGateway", "nat-"+z.Key, zoned(componentNAT, z), map[string]any{
				"region":               region,
				"connectivityType":     "public",
				"allocationIdSelector": selector(zoned(componentEIP, z)),
				"subnetIdSelector":     selector(tiered(componentSubnet, TierPublic, &z)),
				"tags":                 p.awsTags(p.ClusterName() + "-nat-" + z.Name),
			})},
		)
	}
	return objs
}

func (p Params) vpc() Object {
	return Object{Name: NameVPC, Body: p.managed(apiEC2, "VPC", "vpc", component(componentVPC), map[string]any{
		"region":             p.Spec.AWS.Region,
		"cidrBlock":          p.Spec.Network.VPCCIDR,
		"enableDnsHostnames": true,
		"enableDnsSupport":   true,
		"tags":               p.awsTags(p.ClusterName()),
	})}
}

// subnetTags are a subnet's tags, the largest set the function writes: the
// XR's, the platform's, the function's own and the load balancer discovery
// tags.
func (p Params) subnetTags(z Zone, tier string) map[string]any {
	tags := p.awsTags(p.ClusterName() + "-" + tier + "-" + z.Name)
	tags["kubernetes.io/cluster/"+p.ClusterName()] = "shared"
	if tier == TierPublic {
		tags["kubernetes.io/role/elb"] = "1"
	} else {
		tags["kubernetes.io/role/internal-elb"] = "1"
	}
	return tags
}

// MaxTagCount is how many tags the resource with the most tags gets. AWS
// allows 50 per resource.
func (p Params) MaxTagCount() int { return len(p.subnetTags(Zone{Name: "z", Key: "z"}, TierPrivate)) }

func (p Params) subnet(z Zone, tier string, cidr netip.Prefix) Object {
	tags := p.subnetTags(z, tier)
	name := NameSubnet(tier, z)
	return Object{Name: name, Body: p.managed(apiEC2, "Subnet", string(name), tiered(componentSubnet, tier, &z), map[string]any{
		"region":              p.Spec.AWS.Region,
		"vpcIdSelector":       selector(component(componentVPC)),
		"cidrBlock":           cidr.String(),
		"availabilityZone":    z.Name,
		"mapPublicIpOnLaunch": tier == TierPublic,
		"tags":                tags,
	})}
}

// privateRouting gives each zone's private subnet its own route table whose
// default route leaves through the zone's NAT gateway (or the single one).
func (p Params) privateRouting(z Zone) []Object {
	region := p.Spec.AWS.Region
	rt := tiered(componentRouteTable, TierPrivate, &z)
	return []Object{
		{Name: resource.Name("route-table-private-" + z.Key), Body: p.managed(apiEC2, "RouteTable", "rt-private-"+z.Key, rt, map[string]any{
			"region":        region,
			"vpcIdSelector": selector(component(componentVPC)),
			"tags":          p.awsTags(p.ClusterName() + "-private-" + z.Name),
		})},
		{Name: resource.Name("route-private-nat-" + z.Key), Body: p.managed(apiEC2, "Route", "route-private-nat-"+z.Key, nil, map[string]any{
			"region":               region,
			"destinationCidrBlock": "0.0.0.0/0",
			"routeTableIdSelector": selector(rt),
			"natGatewayIdSelector": selector(zoned(componentNAT, p.natZoneFor(z))),
		})},
		{Name: resource.Name("route-table-association-private-" + z.Key), Body: p.managed(apiEC2, "RouteTableAssociation", "rta-private-"+z.Key, nil, map[string]any{
			"region":               region,
			"routeTableIdSelector": selector(rt),
			"subnetIdSelector":     selector(tiered(componentSubnet, TierPrivate, &z)),
		})},
	}
}

// awsTags returns the common tags plus a Name tag.
func (p Params) awsTags(name string) map[string]any {
	t := strMap(p.Tags())
	t["Name"] = name
	return t
}

func zoned(c string, z Zone) map[string]string {
	return map[string]string{LabelComponent: c, LabelZone: z.Key}
}

func tiered(c, tier string, z *Zone) map[string]string {
	l := map[string]string{LabelComponent: c, LabelTier: tier}
	if z != nil {
		l[LabelZone] = z.Key
	}
	return l
}
