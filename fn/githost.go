package fn

import (
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// observedGitHost is the host the XR's repository is on, or "" before it
// exists. observed holds only what the XR controls, and an object counts
// only if it is the kind that host's repository is: a ConfigMap claiming
// the XR under a repository's name must not move a new XR to that host.
func observedGitHost(observed map[string]*fnv1.Resource) string {
	for _, r := range compose.GitRepositories {
		o := observed[string(r.Name)].GetResource()
		if o == nil {
			continue
		}
		got, err := schema.ParseGroupVersion(stringAt(o, "apiVersion"))
		want, _ := schema.ParseGroupVersion(r.APIVersion)
		if err == nil && got.Group == want.Group && stringAt(o, "kind") == r.Kind {
			return r.Host
		}
	}
	return ""
}

// chooseGitHost sets the host of the XR's repository in the Input before
// its defaults: a repository that exists stays on its host (moving it would
// delete or abandon the team's history and point Argo CD at an empty one),
// a new one goes where the team's grant says, else to repository.host.
// Only the platform writes these: the XR has no say.
func chooseGitHost(in *v1beta1.Input, team, observed string) {
	host := observed
	for _, g := range in.Tenancy.Teams {
		if host == "" && g.Name == team {
			host = g.RepositoryHost
		}
	}
	if host == "" {
		return
	}
	if in.Repository == nil {
		in.Repository = &v1beta1.Repository{}
	}
	in.Repository.Host = host
}
