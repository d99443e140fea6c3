package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/eks-gitops/function-eks-gitops/internal/testpki"
)

// teamCluster stands in for one team's EKS cluster in the developer's-loop
// scenarios: its own etcd and kube-apiserver on loopback. Like EKS it knows
// no one: bearer tokens go to the EKS authenticator's webhook (eksauth), and
// only the access policies associated with the caller's access entry grant
// anything (bound by the authenticator, see eks.sync).
type teamCluster struct {
	// xr names the XR whose EKS Cluster this stands in for; mr is that
	// Cluster's managed resource in crossplane-system.
	xr, mr string
	// server and caData are what the provider reports as the cluster's
	// endpoint and certificateAuthority[0].data (base64 of the PEM).
	server, caData string
	// admin is EKS's own access, which the harness uses to look and to
	// bind the access policies; no team or Argo CD identity has it.
	admin kubernetes.Interface
	cfg   *rest.Config
}

// startTeamCluster starts etcd and a kube-apiserver for xr whose token
// webhook is the EKS authenticator at webhookURL (trusting webhookCA).
func startTeamCluster(ctx context.Context, dir, xr string, ca *testpki.CA, webhookURL string, webhookCA []byte) (*teamCluster, error) {
	dir = filepath.Join(dir, "team-"+xr)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	etcdURL, err := startEtcd(dir, "etcd")
	if err != nil {
		return nil, err
	}
	cert, key, err := ca.Issue("eks-" + xr)
	if err != nil {
		return nil, err
	}
	token := fmt.Sprintf("eks-%d", time.Now().UnixNano())
	files := map[string][]byte{
		"serving.crt": cert, "serving.key": key,
		"tokens.csv": []byte(token + `,eks:cluster-creator,1,"system:masters"` + "\n"),
		"authn-webhook.kubeconfig": fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters: [{name: eks, cluster: {server: %q, certificate-authority-data: %q}}]
users: [{name: apiserver}]
contexts: [{name: eks, context: {cluster: eks, user: apiserver}}]
current-context: eks
`, webhookURL, base64.StdEncoding.EncodeToString(webhookCA)),
	}
	if err := testpki.WriteFiles(dir, files); err != nil {
		return nil, err
	}
	saKey, saPub, err := serviceAccountKeys(dir)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if _, err := start(dir, "kube-apiserver", nil, bin("kube-apiserver"),
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(port),
		"--tls-cert-file", filepath.Join(dir, "serving.crt"), "--tls-private-key-file", filepath.Join(dir, "serving.key"),
		"--token-auth-file", filepath.Join(dir, "tokens.csv"),
		"--authentication-token-webhook-config-file", filepath.Join(dir, "authn-webhook.kubeconfig"),
		// EKS caches a token's identity briefly; short here, so an access
		// entry's change shows within the scenarios' polls.
		"--authentication-token-webhook-cache-ttl", "2s",
		"--authorization-mode", "RBAC",
		"--service-account-key-file", saPub, "--service-account-signing-key-file", saKey,
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-cluster-ip-range", "10.251.0.0/24", "--endpoint-reconciler-type", "none",
		"--disable-admission-plugins", "ServiceAccount"); err != nil {
		return nil, err
	}
	if err := writeKubeconfig(filepath.Join(dir, "kubeconfig"), fmt.Sprintf("https://127.0.0.1:%d", port), token); err != nil {
		return nil, err
	}
	tc := &teamCluster{
		xr: xr, mr: xr + ".eks",
		server: fmt.Sprintf("https://127.0.0.1:%d", port),
		caData: base64.StdEncoding.EncodeToString(ca.PEM()),
	}
	tc.cfg = &rest.Config{Host: tc.server, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: ca.PEM()}}
	tc.admin = kubernetes.NewForConfigOrDie(tc.cfg)
	if err := poll(ctx, time.Minute, 200*time.Millisecond, "the team cluster's kube-apiserver /readyz", func() (bool, error) {
		b, err := tc.admin.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(b) == "ok", err
	}); err != nil {
		return nil, err
	}
	// EKS's own controllers: the garbage collector (Argo CD deletes with
	// foreground propagation), ClusterRole aggregation (which fills admin,
	// edit and view, the roles of EKS's access policies) and namespaces,
	// started once the API server is ready: kube-controller-manager gives
	// up on an API server that is not healthy within seconds of its start.
	if _, err := start(dir, "kube-controller-manager", nil, bin("kube-controller-manager"),
		"--kubeconfig", filepath.Join(dir, "kubeconfig"), "--controllers", "garbagecollector,clusterrole-aggregation,namespace",
		"--leader-elect=false", "--secure-port=0"); err != nil {
		return nil, err
	}
	// The access policies stand for admin, edit and view, which the
	// aggregation controller fills in passes (view, then edit from view,
	// then admin from edit). Until then a fresh binding grants nothing and
	// the authenticator, waiting inside the API server's webhook call, is
	// cut off: Unauthorized for a token EKS would accept.
	if err := poll(ctx, 2*time.Minute, 200*time.Millisecond, "ClusterRole aggregation to fill admin, edit and view", func() (bool, error) {
		for _, name := range []string{"view", "edit", "admin"} {
			r, err := tc.admin.RbacV1().ClusterRoles().Get(ctx, name, metav1.GetOptions{})
			if err != nil || !grantsGetPods(r.Rules) {
				return false, err
			}
		}
		return true, nil
	}); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, logTails(dir))
	}
	return tc, nil
}

// grantsGetPods reports whether rules let their subject get pods: every
// role an access policy stands for does once aggregated.
func grantsGetPods(rules []rbacv1.PolicyRule) bool {
	for _, r := range rules {
		if (slices.Contains(r.APIGroups, "") || slices.Contains(r.APIGroups, "*")) &&
			(slices.Contains(r.Resources, "pods") || slices.Contains(r.Resources, "*")) &&
			(slices.Contains(r.Verbs, "get") || slices.Contains(r.Verbs, "*")) {
			return true
		}
	}
	return false
}

// as is a client of the team cluster that presents token, as kubectl with
// an exec credential would.
func (tc *teamCluster) as(token string) kubernetes.Interface {
	caPEM, _ := base64.StdEncoding.DecodeString(tc.caData)
	return kubernetes.NewForConfigOrDie(&rest.Config{Host: tc.server, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: caPEM}})
}
