package fn

import (
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

// existing is what the XR's own objects fix, whatever the settings and the
// XR say: the naming scheme and the host of the repository.
type existing struct {
	scheme  naming.Scheme
	gitHost string
}

func existingOf(xrName string, observed map[string]*fnv1.Resource) existing {
	return existing{scheme: schemeOf(xrName, observed), gitHost: observedGitHost(observed)}
}

// schemeOf reads which naming scheme the XR's existing resources use. An XR
// whose VPC, cluster or repository was created under a Legacy name keeps the
// Legacy scheme for everything: renaming a live cluster, repository or Git
// user would make the provider create new ones and delete the old. Every
// other XR, and every new one, uses the Hashed scheme. Only the observed
// state decides, which Crossplane, not the team, reports.
func schemeOf(xrName string, observed map[string]*fnv1.Resource) naming.Scheme {
	legacy := compose.Params{XRName: xrName, Scheme: naming.Legacy}
	for _, r := range []struct {
		name   string
		suffix string
	}{
		{string(compose.NameVPC), "vpc"},
		{string(compose.NameCluster), "eks"},
		{string(compose.NameRepository), "repository"},
	} {
		o := observed[r.name].GetResource()
		if o != nil && stringAt(o, "metadata", "name") == legacy.ObjectName(r.suffix) {
			return naming.Legacy
		}
	}
	return naming.Hashed
}
