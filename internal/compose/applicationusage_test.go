package compose

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
)

// TestApplicationGoesBeforeItsProject: Argo CD cannot finalize an
// Application whose AppProject is gone ("error getting app project"), so
// a Usage keeps the project until the Application is deleted, whichever
// hub reads the repository.
func TestApplicationGoesBeforeItsProject(t *testing.T) {
	for name, edit := range map[string]func(p *Params){
		"SelfManaged": func(*Params) {},
		// The capability reads CodeCommit with its own role: no
		// repository Secret, the Application's other branch.
		"EKSCapability": func(p *Params) {
			p.Input.ArgoCD.Mode = v1beta1.ArgoCDEKSCapability
			p.Input.ArgoCD.CapabilityRoleARN = "arn:aws:iam::111122223333:role/argocd-capability"
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := params(edit)
			var objs []Object
			for _, s := range p.Onboarding(Facts{}) {
				if s.Condition == StepRepositoryBootstrapped {
					objs = s.Objects
				}
			}
			u := find(t, objs, string(NameUsageAppOfProject))
			got := map[string]string{
				"of": str(t, u, "spec", "of", "kind") + "/" + str(t, u, "spec", "of", "resourceRef", "name"),
				"by": str(t, u, "spec", "by", "kind") + "/" + str(t, u, "spec", "by", "resourceRef", "name"),
			}
			want := map[string]string{
				"of": "AppProject/" + p.ProjectName(),
				"by": "Application/" + p.SharedName(SuffixBootstrap),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the Usage keeping the AppProject (-want +got):\n%s", diff)
			}
		})
	}
}
