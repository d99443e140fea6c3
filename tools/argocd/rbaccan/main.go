// Command rbaccan answers, with the Argo CD API server's own enforcer, what a
// signed-in user may do: the built-in policy, argocd-rbac-cm and every
// AppProject's roles, read from the cluster as the server reads them, and
// the user's group claims matched through the configured scopes.
//
//	rbaccan --kubeconfig K --namespace argocd --subject alice --groups g1,g2 \
//	  "get applications proj/app" "sync applications proj/app" ...
//
// prints one line per question: the question, then "yes" or "no". The
// end-to-end suite uses it to check the AppProject roles the function
// writes, as the API server would enforce them on a Cognito sign-in.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	jwt "github.com/golang-jwt/jwt/v5"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	appclientset "github.com/argoproj/argo-cd/v3/pkg/client/clientset/versioned"
	applister "github.com/argoproj/argo-cd/v3/pkg/client/listers/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/server/rbacpolicy"
	"github.com/argoproj/argo-cd/v3/util/assets"
	"github.com/argoproj/argo-cd/v3/util/rbac"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster Argo CD runs in")
	namespace := flag.String("namespace", "argocd", "Argo CD's namespace")
	subject := flag.String("subject", "", "the user's sub claim")
	groups := flag.String("groups", "", "the user's groups, comma-separated, as the identity provider's group claim carries them")
	flag.Parse()
	if err := run(context.Background(), *kubeconfig, *namespace, *subject, *groups, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "rbaccan:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, kubeconfig, ns, subject, groups string, questions []string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	kube := kubernetes.NewForConfigOrDie(cfg)
	apps := appclientset.NewForConfigOrDie(cfg)

	// The API server's wiring (server/server.go): the built-in policy, a
	// project lister, and the claims enforcer that adds project roles.
	projects, err := apps.ArgoprojV1alpha1().AppProjects(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for i := range projects.Items {
		if err := indexer.Add(&projects.Items[i]); err != nil {
			return err
		}
	}
	enf := rbac.NewEnforcer(kube, ns, "argocd-rbac-cm", nil)
	if err := enf.SetBuiltinPolicy(assets.BuiltinPolicyCSV); err != nil {
		return err
	}
	policyEnf := rbacpolicy.NewRBACPolicyEnforcer(enf, applister.NewAppProjectLister(indexer).AppProjects(ns))
	enf.SetClaimsEnforcerFunc(policyEnf.EnforceClaims)

	// What the policy loader does with argocd-rbac-cm (util/rbac syncUpdate
	// and the server's scopes callback).
	cm, err := kube.CoreV1().ConfigMaps(ns).Get(ctx, "argocd-rbac-cm", metav1.GetOptions{})
	if err != nil {
		return err
	}
	enf.SetDefaultRole(cm.Data[rbac.ConfigMapPolicyDefaultKey])
	enf.SetMatchMode(cm.Data[rbac.ConfigMapMatchModeKey])
	if s := cm.Data[rbac.ConfigMapScopesKey]; s != "" {
		var scopes []string
		if err := yaml.Unmarshal([]byte(s), &scopes); err != nil {
			return fmt.Errorf("argocd-rbac-cm scopes: %w", err)
		}
		policyEnf.SetScopes(scopes)
	}
	if err := enf.SetUserPolicy(rbac.PolicyCSV(cm.Data)); err != nil {
		return err
	}

	claims := jwt.MapClaims{"sub": subject}
	var gs []any
	for g := range strings.SplitSeq(groups, ",") {
		if g != "" {
			gs = append(gs, g)
		}
	}
	for _, scope := range policyEnf.GetScopes() {
		claims[scope] = gs
	}
	for _, q := range questions {
		f := strings.Fields(q)
		if len(f) != 3 {
			return fmt.Errorf("question %q: want ACTION RESOURCE OBJECT", q)
		}
		answer := "no"
		if enf.Enforce(claims, f[1], f[0], f[2]) {
			answer = "yes"
		}
		fmt.Printf("%s: %s\n", q, answer)
	}
	return nil
}
