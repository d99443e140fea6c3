package compose

import (
	"strings"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
)

// Launch templates: every node pool's node groups launch from the pool's
// EC2 launch template, which is where what a managed node group cannot say
// lives: IMDSv2 required, an encrypted gp3 root volume, and the cost tags on
// instances, volumes and network interfaces (a node group's own tags reach
// none of them).

// LaunchTemplatePrefix starts every launch template's composition resource
// name.
const LaunchTemplatePrefix = "ec2-launch-template-"

// NameLaunchTemplate is the composition resource name of a pool's launch
// template.
func NameLaunchTemplate(pool string) resource.Name { return resource.Name(LaunchTemplatePrefix + pool) }

// IMDSHopLimit is the instance metadata hop limit: 2 lets pods reach IMDSv2
// through the node's network namespace boundary, as EKS's own launch
// templates do; pods that need AWS credentials get them from Pod Identity.
const IMDSHopLimit = 2

// LaunchTemplateName is a pool's launch template's name in EC2, unique in
// the account and region. Launch templates are new for every XR, so a
// Legacy XR's is named from the hashed base, like its add-on roles.
func (p Params) LaunchTemplateName(pool string) string {
	return p.hashedBase() + "-" + pool
}

// rootDevice is the device of the volume that holds a node's containers:
// Bottlerocket keeps them on its data volume, Windows boots from sda1.
func rootDevice(amiType string) string {
	switch {
	case strings.HasPrefix(amiType, "BOTTLEROCKET_"):
		return "/dev/xvdb"
	case strings.HasPrefix(amiType, "WINDOWS_"):
		return "/dev/sda1"
	default:
		return "/dev/xvda"
	}
}

// launchTemplate is a pool's launch template. A change to it is a new
// version, which the node groups roll to in place (EKS replaces their nodes
// a few at a time, as for a Kubernetes upgrade). The node groups name the
// version they launch from, so the template's default version is never
// moved: given update_default_version, the provider's Terraform resource
// calls ModifyLaunchTemplate with version 0 when only the template's own
// tags change (its plan leaves latest_version unknown without making a
// version), which AWS refuses.
func (p Params) launchTemplate(pool clusterspec.NodePool) Object {
	name := p.LaunchTemplateName(pool.Name)
	tags := p.awsTags(p.ClusterName() + "-" + pool.Name)
	var specs []any
	for _, rt := range []string{"instance", "volume", "network-interface"} {
		specs = append(specs, map[string]any{"resourceType": rt, "tags": tags})
	}
	fp := map[string]any{
		"region":      p.Spec.AWS.Region,
		"name":        name,
		"description": "Nodes of pool " + pool.Name + " of EKS cluster " + p.ClusterName(),
		"metadataOptions": map[string]any{
			"httpEndpoint":            "enabled",
			"httpTokens":              "required",
			"httpPutResponseHopLimit": int64(IMDSHopLimit),
		},
		"blockDeviceMappings": []any{map[string]any{
			"deviceName": rootDevice(pool.AMIType),
			"ebs": map[string]any{
				"volumeSize":          int64(*pool.DiskSizeGiB),
				"volumeType":          "gp3",
				"encrypted":           "true",
				"deleteOnTermination": "true",
			},
		}},
		"tagSpecifications": specs,
		"tags":              p.awsTags(name),
	}
	return Object{
		Name: NameLaunchTemplate(pool.Name),
		Body: p.managed(apiEC2, "LaunchTemplate", "lt-"+pool.Name, map[string]string{LabelComponent: "launch-template", LabelNodePool: pool.Name}, fp),
	}
}
