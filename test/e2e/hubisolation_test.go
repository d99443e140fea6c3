package e2e

import (
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/eks-gitops/function-eks-gitops/internal/golden"
)

// managedHubGolden is what the function composes for the managed hub's
// example XR once converged (fn's golden): the cluster registered by its
// ARN, as the EKS Capability for Argo CD registers it, and the AppProject
// whose destination names that ARN.
var managedHubGolden = filepath.Join(root, "fn", "testdata", "golden", "managed-hub", "4-everything-ready.yaml")

// managedHubRegistration returns the golden's cluster Secret and AppProject.
func managedHubRegistration(t *testing.T) (secret, project *unstructured.Unstructured) {
	t.Helper()
	desired, err := golden.Desired(managedHubGolden)
	if err != nil {
		t.Fatal(err)
	}
	s, p := desired["argocd-cluster-secret"], desired["argocd-project"]
	if s == nil || p == nil {
		t.Fatalf("%s has no argocd-cluster-secret or argocd-project", managedHubGolden)
	}
	return &unstructured.Unstructured{Object: s}, &unstructured.Unstructured{Object: p}
}

// managedHubIsolation holds the managed hub's AppProject, as the function
// composes it, to Argo CD's own project validation: an Application of the
// team's project may name the team's cluster by its ARN, and is refused
// another team's cluster registered by ARN the same way. Upstream Argo CD
// cannot reach a cluster by ARN (the capability's own code does), so no
// sync is played: what is proven is the isolation.
func (l *loop) managedHubIsolation(ctx context.Context, t *testing.T) {
	t.Helper()
	secret, project := managedHubRegistration(t)
	own := secretString(secret, "server")
	if !strings.HasPrefix(own, "arn:aws:eks:") {
		t.Fatalf("the managed hub's cluster Secret names %q, want the cluster's ARN", own)
	}
	// Another team's cluster, registered by the capability's hub the same
	// way, in a project of its own.
	other := secret.DeepCopy()
	otherARN := "arn:aws:eks:eu-west-1:777788889999:cluster/other-hub"
	other.SetName("loop-other-hub-cluster")
	other.Object["data"] = map[string]any{
		"name":    base64.StdEncoding.EncodeToString([]byte("loop-other-hub")),
		"server":  base64.StdEncoding.EncodeToString([]byte(otherARN)),
		"project": base64.StdEncoding.EncodeToString([]byte("loop-other-hub")),
	}
	repo, _, _ := unstructured.NestedStringSlice(project.Object, "spec", "sourceRepos")
	if len(repo) != 1 {
		t.Fatalf("the managed hub's AppProject permits repositories %v, want the team's one", repo)
	}
	apps := []string{"loop-hub-own-arn", "loop-hub-other-arn"}
	defer func() {
		for _, n := range apps {
			l.deleteApplication(ctx, t, n)
		}
		for _, o := range []*unstructured.Unstructured{secret, other, project} {
			if err := l.e.cp.deleteAndWait(ctx, o.GroupVersionKind(), o.GetNamespace(), o.GetName(), 2*time.Minute); err != nil {
				t.Error(err)
			}
		}
	}()
	for _, o := range []*unstructured.Unstructured{secret, other, project} {
		if err := l.e.cp.apply(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	l.application(ctx, t, apps[1], project.GetName(), repo[0], "bootstrap", otherARN, false)
	t.Logf("another team's cluster by ARN: %s", l.condition(ctx, t, apps[1], "do not match any of the allowed destinations in project"))
	// The team's own ARN passes the project's check; Argo CD then goes on
	// to the repository and the cluster, which it says it cannot reach.
	l.application(ctx, t, apps[0], project.GetName(), repo[0], "bootstrap", own, false)
	said := l.conditions(ctx, t, apps[0])
	for _, s := range said {
		if strings.Contains(s, "allowed destinations") || strings.Contains(s, "not permitted") {
			t.Errorf("the team's own cluster by ARN refused by its project: %s", s)
		}
	}
	t.Logf("the team's own cluster by ARN: %v", said)
}
