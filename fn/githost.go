package fn

import (
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

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
