package fn

import (
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// factsFrom reads what the builders and the XR's status need from the
// observed composed resources. Missing fields stay empty.
func factsFrom(observed map[resource.Name]resource.ObservedComposed) compose.Facts {
	var f compose.Facts
	if vpc, ok := observed[compose.NameVPC]; ok {
		f.VPCID, _ = vpc.Resource.GetString("status.atProvider.id")
	}
	if c, ok := observed[compose.NameCluster]; ok {
		u := c.Resource
		f.Cluster.Name = u.GetAnnotations()[compose.AnnotationExternalName]
		f.Cluster.ARN, _ = u.GetString("status.atProvider.arn")
		f.Cluster.Endpoint, _ = u.GetString("status.atProvider.endpoint")
		f.Cluster.CAData, _ = u.GetString("status.atProvider.certificateAuthority[0].data")
		f.Cluster.Status, _ = u.GetString("status.atProvider.status")
		f.Cluster.Version, _ = u.GetString("status.atProvider.version")
	}
	return f
}
