package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"

	"github.com/eks-gitops/function-eks-gitops/internal/testpki"
)

// root is the repository root.
var root = func() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..")
}()

func bin(name string) string { return filepath.Join(root, ".cache", "bin", name) }

// process is one program the harness started.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
}

// procs are every process the harness started, stopped by PID on every exit
// path: normal return, test failure, panic and SIGINT/SIGTERM.
var procs struct {
	sync.Mutex
	list []*process
}

func start(dir, name string, env []string, path string, args ...string) (*process, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	// Pdeathsig kills the child if the test binary dies without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath}
	procs.Lock()
	procs.list = append(procs.list, p)
	procs.Unlock()
	go func() { _ = cmd.Wait(); _ = f.Close() }()
	return p, nil
}

func (p *process) stop() {
	if p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

func stopAll() {
	procs.Lock()
	defer procs.Unlock()
	for i := len(procs.list) - 1; i >= 0; i-- {
		procs.list[i].stop()
	}
	procs.list = nil
}

// tempDirs are removed with the processes on a signal.
var tempDirs struct {
	sync.Mutex
	list []string
}

func init() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-c
		stopAll()
		tempDirs.Lock()
		for _, d := range tempDirs.list {
			_ = os.RemoveAll(d)
		}
		tempDirs.Unlock()
		os.Exit(130)
	}()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close() //nolint:errcheck // Only the port is wanted.
	return l.Addr().(*net.TCPAddr).Port, nil
}

// poll calls f until it returns true, an error, or the timeout passes.
func poll(ctx context.Context, timeout, interval time.Duration, what string, f func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		ok, err := f()
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out after %s waiting for %s (last error: %w)", timeout, what, last)
		case <-time.After(interval):
		}
	}
}

// controlPlane is a running etcd, kube-apiserver and Crossplane.
type controlPlane struct {
	dir        string
	kubeconfig string
	cfg        *rest.Config
	kube       kubernetes.Interface
	dyn        dynamic.Interface
	mapper     *restmapper.DeferredDiscoveryRESTMapper

	rootCA     *testpki.CA
	registry   string
	registryCA string

	fnDir  string
	fnPort int
	fn     *process
	xp     *process

	// webhookPort is where Crossplane's webhook server listens; the API
	// server reaches it through an ExternalName Service for localhost.
	webhookPort int
}

// Crossplane's webhook Service and the Secret of its server certificate.
const (
	webhookService      = "crossplane-webhooks"
	webhookServerSecret = "crossplane-tls-server"
)

// crossplaneServiceAccounts are the identities Crossplane's Helm chart runs
// its two processes as, in crossplane-system.
var crossplaneServiceAccounts = []string{"crossplane", "rbac-manager"}

// kubeconfigOf is the kubeconfig of one of crossplaneServiceAccounts.
func (cp *controlPlane) kubeconfigOf(serviceAccount string) string {
	return filepath.Join(cp.dir, "kubeconfig-"+serviceAccount)
}

func writeKubeconfig(path, server, token string) error {
	return writeFile(path, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters: [{name: e2e, cluster: {server: %q, insecure-skip-tls-verify: true}}]
users: [{name: user, user: {token: %q}}]
contexts: [{name: e2e, context: {cluster: e2e, user: user}}]
current-context: e2e
`, server, token))
}

func pemEncode(typ string, b []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b})
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }

// startEtcd starts etcd on loopback with its data under dir and returns
// its client URL.
func startEtcd(dir, name string) (string, error) {
	clientPort, err := freePort()
	if err != nil {
		return "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return "", err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peer := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	_, err = start(dir, name, nil, "etcd",
		"--data-dir", filepath.Join(dir, name), "--name", "e2e",
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "e2e="+peer)
	return client, err
}

// serviceAccountKeys writes a service-account signing key pair into dir
// and returns the private and public key files.
func serviceAccountKeys(dir string) (private, public string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", err
	}
	private, public = filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if err := writeFile(private, pemEncode("PRIVATE KEY", der)); err != nil {
		return "", "", err
	}
	return private, public, writeFile(public, pemEncode("PUBLIC KEY", pub))
}

// startControlPlane brings up etcd, kube-apiserver and Crossplane core.
func startControlPlane(ctx context.Context, dir string) (*controlPlane, error) {
	cp := &controlPlane{dir: dir}
	etcdURL, err := startEtcd(dir, "etcd")
	if err != nil {
		return nil, err
	}
	saKey, saPub, err := serviceAccountKeys(dir)
	if err != nil {
		return nil, err
	}
	// The harness is an administrator; Crossplane and its RBAC manager are
	// their service accounts, with only what their roles grant.
	token := fmt.Sprintf("e2e-%d", time.Now().UnixNano())
	tokens := token + `,admin,1,"system:masters"` + "\n"
	for i, sa := range crossplaneServiceAccounts {
		tokens += fmt.Sprintf("%s-%s,system:serviceaccount:crossplane-system:%s,%d,\"system:serviceaccounts,system:serviceaccounts:crossplane-system\"\n", token, sa, sa, i+2)
	}
	if err := writeFile(filepath.Join(dir, "tokens.csv"), []byte(tokens)); err != nil {
		return nil, err
	}
	apiPort, _ := freePort()
	if _, err := start(dir, "kube-apiserver", nil, bin("kube-apiserver"),
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(apiPort), "--cert-dir", filepath.Join(dir, "apiserver-certs"),
		"--token-auth-file", filepath.Join(dir, "tokens.csv"), "--authorization-mode", "RBAC",
		"--service-account-key-file", saPub, "--service-account-signing-key-file", saKey,
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-cluster-ip-range", "10.250.0.0/24", "--endpoint-reconciler-type", "none",
		"--disable-admission-plugins", "ServiceAccount"); err != nil {
		return nil, err
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	cp.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(cp.kubeconfig, server, token); err != nil {
		return nil, err
	}
	for _, sa := range crossplaneServiceAccounts {
		if err := writeKubeconfig(cp.kubeconfigOf(sa), server, token+"-"+sa); err != nil {
			return nil, err
		}
	}
	cp.cfg = &rest.Config{Host: server, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{Insecure: true}, QPS: 200, Burst: 400}
	cp.kube = kubernetes.NewForConfigOrDie(cp.cfg)
	cp.dyn = dynamic.NewForConfigOrDie(cp.cfg)
	cp.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(cp.cfg)))
	if err := poll(ctx, time.Minute, 200*time.Millisecond, "kube-apiserver /readyz", func() (bool, error) {
		b, err := cp.kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(b) == "ok", err
	}); err != nil {
		return nil, err
	}
	for _, ns := range []string{"crossplane-system", "argocd", "team-analytics", gitLabTeamNamespace, "team-a", "team-a-prod"} {
		if _, err := cp.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, err
		}
	}
	if err := cp.initCrossplane(ctx); err != nil {
		return nil, err
	}
	return cp, nil
}

func (cp *controlPlane) crossplaneCRDs() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/crossplane/crossplane/v2")
	cmd.Dir = filepath.Join(root, "tools", "crossplane-core")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("finding Crossplane's CRDs: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "cluster", "crds"), nil
}

// initCrossplane runs `crossplane core init`, which installs Crossplane's
// CRDs and its PKI. On a fresh API server the first attempt fails until the
// CRDs show up in discovery, so it retries in a bounded loop.
func (cp *controlPlane) initCrossplane(ctx context.Context) error {
	crds, err := cp.crossplaneCRDs()
	if err != nil {
		return err
	}
	env := []string{"KUBECONFIG=" + cp.kubeconfig, "POD_NAMESPACE=crossplane-system"}
	// Webhooks on, as in a real install: Usages block deletion only through
	// Crossplane's webhook. The API server calls the Service; an
	// ExternalName Service for localhost sends it to the Crossplane process
	// on loopback, and it checks the certificate against the Service's DNS
	// name, which Crossplane's own server certificate carries.
	cp.webhookPort, _ = freePort()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: webhookService, Namespace: "crossplane-system"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost",
			Ports: []corev1.ServicePort{{Name: "webhooks", Port: int32(cp.webhookPort)}}},
	}
	if _, err := cp.kube.CoreV1().Services("crossplane-system").Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	var last []byte
	err = poll(ctx, 2*time.Minute, 2*time.Second, "crossplane core init", func() (bool, error) {
		cmd := exec.CommandContext(ctx, bin("crossplane-core"), "core", "init", "--cr-ds-path", crds,
			"--enable-webhooks=true", "--webhook-configurations-path", filepath.Join(filepath.Dir(crds), "webhookconfigurations"),
			"--webhook-service-name", webhookService, "--webhook-service-namespace", "crossplane-system",
			"--webhook-service-port", fmt.Sprint(cp.webhookPort), "--tls-server-secret-name", webhookServerSecret,
			"--tlsca-secret-name=crossplane-root-ca", "--tls-client-secret-name=crossplane-tls-client")
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		last = out
		return err == nil, err
	})
	if err != nil {
		return fmt.Errorf("%w\n%s", err, last)
	}
	ca, err := cp.kube.CoreV1().Secrets("crossplane-system").Get(ctx, "crossplane-root-ca", metav1.GetOptions{})
	if err != nil {
		return err
	}
	cp.rootCA, err = testpki.ParseCA(ca.Data["tls.crt"], ca.Data["tls.key"])
	if err != nil {
		return err
	}
	client, err := cp.kube.CoreV1().Secrets("crossplane-system").Get(ctx, "crossplane-tls-client", metav1.GetOptions{})
	if err != nil {
		return err
	}
	clientDir := filepath.Join(cp.dir, "xp-client-certs")
	if err := os.MkdirAll(clientDir, 0o700); err != nil {
		return err
	}
	for _, k := range []string{"ca.crt", "tls.crt", "tls.key"} {
		if err := writeFile(filepath.Join(clientDir, k), client.Data[k]); err != nil {
			return err
		}
	}
	server, err := cp.kube.CoreV1().Secrets("crossplane-system").Get(ctx, webhookServerSecret, metav1.GetOptions{})
	if err != nil {
		return err
	}
	serverDir := filepath.Join(cp.dir, "xp-server-certs")
	if err := os.MkdirAll(serverDir, 0o700); err != nil {
		return err
	}
	for _, k := range []string{"tls.crt", "tls.key"} {
		if err := writeFile(filepath.Join(serverDir, k), server.Data[k]); err != nil {
			return err
		}
	}
	return nil
}

// startRegistry runs Debian's docker-registry on 127.0.0.1 with a
// throw-away CA.
func (cp *controlPlane) startRegistry(ctx context.Context) error {
	dir := filepath.Join(cp.dir, "registry")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ca, err := testpki.NewCA("e2e-registry-ca")
	if err != nil {
		return err
	}
	cert, key, err := ca.Issue("registry", x509.ExtKeyUsageServerAuth)
	if err != nil {
		return err
	}
	cp.registryCA = filepath.Join(dir, "ca.pem")
	if err := testpki.WriteFiles(dir, map[string][]byte{"ca.pem": ca.PEM(), "cert.pem": cert, "key.pem": key}); err != nil {
		return err
	}
	port, _ := freePort()
	cp.registry = fmt.Sprintf("127.0.0.1:%d", port)
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n  tls:\n    certificate: %s\n    key: %s\n",
		filepath.Join(dir, "data"), cp.registry, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err := writeFile(filepath.Join(dir, "config.yml"), []byte(cfg)); err != nil {
		return err
	}
	if _, err := start(cp.dir, "registry", nil, "docker-registry", "serve", filepath.Join(dir, "config.yml")); err != nil {
		return err
	}
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}}}
	return poll(ctx, 30*time.Second, 200*time.Millisecond, "the registry", func() (bool, error) {
		rsp, err := hc.Get("https://" + cp.registry + "/v2/")
		if err != nil {
			return false, err
		}
		_ = rsp.Body.Close()
		return rsp.StatusCode == http.StatusOK, nil
	})
}

// buildAndPush builds an xpkg from files and pushes it to the registry
// under repo:tag.
func (cp *controlPlane) buildAndPush(ctx context.Context, repo, tag string, files map[string][]byte) (string, error) {
	pkgRoot, err := os.MkdirTemp(cp.dir, "package-")
	if err != nil {
		return "", err
	}
	for name, b := range files {
		if err := writeFile(filepath.Join(pkgRoot, name), b); err != nil {
			return "", err
		}
	}
	xpkg := pkgRoot + ".xpkg"
	ref := cp.registry + "/" + repo + ":" + tag
	for _, args := range [][]string{
		{"xpkg", "build", "--package-root", pkgRoot, "-o", xpkg},
		{"xpkg", "push", "-f", xpkg, ref},
	} {
		cmd := exec.CommandContext(ctx, bin("crossplane"), args...)
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+cp.registryCA)
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("crossplane %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	}
	return ref, nil
}

func readFiles(paths ...string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out[filepath.Base(p)] = b
	}
	return out, nil
}

// Package sources as the Configuration names them, and the tags the suite
// pushes: they satisfy the Configuration's version constraints.
const (
	functionSource      = "xpkg.crossplane.io/eks-gitops/function-eks-gitops"
	configurationSource = "xpkg.crossplane.io/eks-gitops/configuration-eks-gitops"
	packageTag          = "v0.1.0"
	awsProviderTag      = "v2.5.0"
	kubernetesTag       = "v1.2.0"
	// functionName is the name Crossplane gives the Function it installs
	// as the Configuration's dependency, which the package's Compositions
	// reference.
	functionName = "eks-gitops-function-eks-gitops"
)

// pushPackages builds and pushes every package the Configuration needs
// under the paths ImageConfigs redirect the public registries to: the
// function's, the Configuration (package/configuration with example's
// XRDs, as hack/package.sh builds it), and the providers' built from the
// real providers' CRD files of the kinds the function composes (no
// provider controller runs; the suite plays the providers).
func (cp *controlPlane) pushPackages(ctx context.Context) error {
	fn, err := readFiles(filepath.Join(root, "crossplane.yaml"))
	if err != nil {
		return err
	}
	crds, _ := filepath.Glob(filepath.Join(root, "package", "input", "*.yaml"))
	in, err := readFiles(crds...)
	if err != nil {
		return err
	}
	maps.Copy(fn, in)
	if _, err := cp.buildAndPush(ctx, "eks-gitops/function-eks-gitops", packageTag, fn); err != nil {
		return err
	}
	cfgFiles, _ := filepath.Glob(filepath.Join(root, "package", "configuration", "*.yaml"))
	cfgFiles = append(cfgFiles, filepath.Join(root, "example", "xrd.yaml"), filepath.Join(root, "example", "xrd-namespaced.yaml"))
	cfg, err := readFiles(cfgFiles...)
	if err != nil {
		return err
	}
	if _, err := cp.buildAndPush(ctx, "eks-gitops/configuration-eks-gitops", packageTag, cfg); err != nil {
		return err
	}
	conf := filepath.Join(root, "test", "conformance")
	aws, err := moduleDir(conf, "github.com/upbound/provider-aws/v2@v2.5.0")
	if err != nil {
		return err
	}
	k8s, err := moduleDir(conf, "github.com/crossplane-contrib/provider-kubernetes@v1.2.0")
	if err != nil {
		return err
	}
	families := map[string][]string{}
	for _, gvr := range managedKinds {
		if family, ok := strings.CutSuffix(gvr.Group, ".aws.m.upbound.io"); ok {
			families[family] = append(families[family], filepath.Join(aws, "package", "crds", gvr.Group+"_"+gvr.Resource+".yaml"))
		}
	}
	meta := func(name string) []byte {
		return []byte("apiVersion: meta.pkg.crossplane.io/v1\nkind: Provider\nmetadata:\n  name: " + name + "\nspec:\n  crossplane:\n    version: \">=v2.0.0\"\n")
	}
	// The provider's own config kinds come, in the real packages, with
	// provider-family-aws, which every family depends on; the stand-ins
	// carry them in one family.
	for _, r := range []string{"clusterproviderconfigs", "providerconfigs", "providerconfigusages"} {
		families["ec2"] = append(families["ec2"], filepath.Join(aws, "package", "crds", "aws.m.upbound.io_"+r+".yaml"))
	}
	for family, files := range families {
		pkg, err := readFiles(files...)
		if err != nil {
			return err
		}
		pkg["crossplane.yaml"] = meta("provider-aws-" + family)
		if _, err := cp.buildAndPush(ctx, "upbound/provider-aws-"+family, awsProviderTag, pkg); err != nil {
			return err
		}
	}
	pkg, err := readFiles(filepath.Join(k8s, "package", "crds", "kubernetes.m.crossplane.io_objects.yaml"),
		filepath.Join(k8s, "package", "crds", "kubernetes.m.crossplane.io_clusterproviderconfigs.yaml"))
	if err != nil {
		return err
	}
	pkg["crossplane.yaml"] = meta("provider-kubernetes")
	_, err = cp.buildAndPush(ctx, "crossplane-contrib/provider-kubernetes", kubernetesTag, pkg)
	return err
}

// imageConfigs redirect the public registries the Configuration names to
// the local one, so Crossplane never reaches another registry.
func (cp *controlPlane) imageConfigs() []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for name, prefix := range map[string]string{
		"e2e-eks-gitops":         "xpkg.crossplane.io/eks-gitops/",
		"e2e-upbound":            "xpkg.upbound.io/upbound/",
		"e2e-crossplane-contrib": "xpkg.crossplane.io/crossplane-contrib/",
	} {
		path := strings.SplitN(prefix, "/", 2)[1]
		out = append(out, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "pkg.crossplane.io/v1beta1", "kind": "ImageConfig",
			"metadata": map[string]any{"name": name},
			"spec": map[string]any{
				"matchImages":  []any{map[string]any{"type": "Prefix", "prefix": prefix}},
				"rewriteImage": map[string]any{"prefix": cp.registry + "/" + path},
			},
		}})
	}
	return out
}

// startFunction runs the function binary with a server certificate signed
// by Crossplane's root CA, trusting that CA for Crossplane's client
// certificate.
func (cp *controlPlane) startFunction() error {
	if cp.fnDir == "" {
		cp.fnDir = filepath.Join(cp.dir, "function-certs")
		if err := os.MkdirAll(cp.fnDir, 0o700); err != nil {
			return err
		}
		cert, key, err := cp.rootCA.Issue("function-eks-gitops", x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
		if err != nil {
			return err
		}
		if err := testpki.WriteFiles(cp.fnDir, map[string][]byte{"tls.crt": cert, "tls.key": key, "ca.crt": cp.rootCA.PEM()}); err != nil {
			return err
		}
		cp.fnPort, _ = freePort()
	}
	p, err := start(cp.dir, fmt.Sprintf("function-%d", time.Now().UnixNano()), nil, bin("function-eks-gitops"),
		"--tls-certs-dir", cp.fnDir, "--address", fmt.Sprintf("127.0.0.1:%d", cp.fnPort), "--metrics-address=", "--debug")
	cp.fn = p
	return err
}

// startCrossplane runs Crossplane core out of cluster with the External
// function runtime.
func (cp *controlPlane) startCrossplane() error {
	return cp.startCrossplaneWith("Function=External;Provider=External")
}

// startCrossplaneWith runs Crossplane core with the package runtimes given
// (Crossplane's --package-runtime).
func (cp *controlPlane) startCrossplaneWith(runtimes string) error {
	for _, d := range []string{"xpkg-cache", "xfn-cache"} {
		if err := os.MkdirAll(filepath.Join(cp.dir, d), 0o700); err != nil {
			return err
		}
	}
	metrics, _ := freePort()
	health, _ := freePort()
	p, err := start(cp.dir, "crossplane", []string{"KUBECONFIG=" + cp.kubeconfigOf("crossplane"), "POD_NAMESPACE=crossplane-system"}, bin("crossplane-core"),
		"core", "start", "--package-runtime="+runtimes, "--ca-bundle-path", cp.registryCA,
		"--tls-client-certs-dir", filepath.Join(cp.dir, "xp-client-certs"),
		"--enable-webhooks=true", "--webhook-port", fmt.Sprint(cp.webhookPort),
		"--tls-server-secret-name", webhookServerSecret, "--tls-server-certs-dir", filepath.Join(cp.dir, "xp-server-certs"),
		"--xpkg-cache-dir", filepath.Join(cp.dir, "xpkg-cache"), "--xfn-cache-dir", filepath.Join(cp.dir, "xfn-cache"),
		"--metrics-port", fmt.Sprint(metrics), "--health-probe-port", fmt.Sprint(health), "--poll-interval", "10s", "--debug",
		// The simulated providers answer in a second where real ones take
		// minutes, so an XR sees far more events per second than in
		// production; a wider circuit breaker keeps Crossplane from pausing
		// the XR for minutes mid-scenario.
		"--circuit-breaker-burst", "1000", "--circuit-breaker-refill-rate", "20", "--circuit-breaker-cooldown", "10s")
	cp.xp = p
	return err
}

// startGarbageCollector runs kube-controller-manager's garbage collector:
// Crossplane v2 deletes composed resources through owner references.
func (cp *controlPlane) startGarbageCollector() error {
	_, err := start(cp.dir, "kube-controller-manager", nil, bin("kube-controller-manager"),
		"--kubeconfig", cp.kubeconfig, "--controllers", "garbagecollector",
		"--leader-elect=false", "--secure-port=0",
		// Deleting the suite's thirty-odd XRs deletes some 3,000 composed
		// objects through owner references; at the default 20 requests a
		// second the collector alone takes minutes over them.
		"--kube-api-qps=200", "--kube-api-burst=400", "--concurrent-gc-syncs=50")
	return err
}

func (cp *controlPlane) resource(gvk schema.GroupVersionKind, namespace string) (dynamic.ResourceInterface, error) {
	m, err := cp.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		cp.mapper.Reset()
		m, err = cp.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil, err
		}
	}
	if m.Scope.Name() == "namespace" {
		return cp.dyn.Resource(m.Resource).Namespace(namespace), nil
	}
	return cp.dyn.Resource(m.Resource), nil
}

// apply server-side applies an object as the harness.
func (cp *controlPlane) apply(ctx context.Context, o *unstructured.Unstructured) error {
	r, err := cp.resource(o.GroupVersionKind(), o.GetNamespace())
	if err != nil {
		return err
	}
	_, err = r.Apply(ctx, o.GetName(), o, metav1.ApplyOptions{FieldManager: "e2e", Force: true})
	return err
}

// applyFile applies every document of a YAML file.
func (cp *controlPlane) applyFile(ctx context.Context, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, doc := range bytes.Split(b, []byte("\n---")) {
		m := map[string]any{}
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(m) == 0 {
			continue
		}
		o := &unstructured.Unstructured{Object: m}
		if err := cp.apply(ctx, o); err != nil {
			return fmt.Errorf("applying %s %s from %s: %w", o.GetKind(), o.GetName(), path, err)
		}
	}
	return nil
}

// waitCondition waits until a cluster-scoped object has a condition with
// the status.
func (cp *controlPlane) waitCondition(ctx context.Context, gvk schema.GroupVersionKind, name, typ, status string, timeout time.Duration) error {
	return cp.waitConditionMessage(ctx, gvk, name, typ, status, "", timeout)
}

// waitConditionMessage waits for a cluster-scoped object's condition to have
// the status and a message that contains text.
func (cp *controlPlane) waitConditionMessage(ctx context.Context, gvk schema.GroupVersionKind, name, typ, status, text string, timeout time.Duration) error {
	return poll(ctx, timeout, 300*time.Millisecond, fmt.Sprintf("%s %s %s=%s with %q", gvk.Kind, name, typ, status, text), func() (bool, error) {
		r, err := cp.resource(gvk, "")
		if err != nil {
			return false, err
		}
		o, err := r.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return conditionStatus(o, typ) == status && strings.Contains(conditionMessage(o, typ), text), nil
	})
}

func conditionStatus(o *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			s, _ := m["status"].(string)
			return s
		}
	}
	return ""
}

func conditionMessage(o *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			s, _ := m["message"].(string)
			return s
		}
	}
	return ""
}

// playRuntime does what a package runtime would for the External runtime:
// for every FunctionRevision it creates the TLS Secret and writes the
// endpoint and RuntimeHealthy into the revision's status; for every
// ProviderRevision it writes RuntimeHealthy (no provider controller runs:
// the suite plays the providers). It returns how many revisions it saw.
func (cp *controlPlane) playRuntime(ctx context.Context) (int, error) {
	secretName := "function-eks-gitops-tls-server"
	data := map[string][]byte{}
	for _, k := range []string{"tls.crt", "tls.key", "ca.crt"} {
		b, err := os.ReadFile(filepath.Join(cp.fnDir, k))
		if err != nil {
			return 0, err
		}
		data[k] = b
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: "crossplane-system"}, Data: data}
	if _, err := cp.kube.CoreV1().Secrets("crossplane-system").Create(ctx, s, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return 0, err
	}
	seen := 0
	for _, kind := range []string{"FunctionRevision", "ProviderRevision"} {
		revs := cp.dyn.Resource(schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: strings.ToLower(kind) + "s"})
		list, err := revs.List(ctx, metav1.ListOptions{})
		if err != nil {
			return 0, err
		}
		for _, rev := range list.Items {
			seen++
			if conditionStatus(&rev, "RuntimeHealthy") == "True" {
				continue
			}
			status := map[string]any{
				"conditions": []any{map[string]any{
					"type": "RuntimeHealthy", "status": "True", "reason": "HealthyPackageRevision",
					"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
				}},
			}
			// Crossplane reads the revision's webhook CA from the runtime's
			// TLS Secret before it installs a provider's CRDs.
			status["tlsServerSecretName"] = secretName
			if kind == "FunctionRevision" {
				status["endpoint"] = fmt.Sprintf("dns:///127.0.0.1:%d", cp.fnPort)
			}
			patch := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "pkg.crossplane.io/v1", "kind": kind,
				"metadata": map[string]any{"name": rev.GetName()},
				"status":   status,
			}}
			if _, err := revs.ApplyStatus(ctx, rev.GetName(), patch, metav1.ApplyOptions{FieldManager: "e2e-runtime", Force: true}); err != nil {
				return 0, fmt.Errorf("writing %s %s status: %w", kind, rev.GetName(), err)
			}
		}
	}
	return seen, nil
}

// installConfiguration installs the Configuration from the registry and
// lets Crossplane's package manager resolve its dependencies (the function
// and the providers, from the same registry through the ImageConfigs),
// playing the runtime of each revision until everything is Healthy.
func (cp *controlPlane) installConfiguration(ctx context.Context) error {
	for _, ic := range cp.imageConfigs() {
		if err := cp.apply(ctx, ic); err != nil {
			return err
		}
	}
	cfg := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "pkg.crossplane.io/v1", "kind": "Configuration",
		"metadata": map[string]any{"name": "configuration-eks-gitops"},
		"spec":     map[string]any{"package": configurationSource + ":" + packageTag},
	}}
	if err := cp.apply(ctx, cfg); err != nil {
		return err
	}
	healthy := func(kind, name string) bool {
		o, err := cp.dyn.Resource(schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: strings.ToLower(kind) + "s"}).Get(ctx, name, metav1.GetOptions{})
		return err == nil && conditionStatus(o, "Installed") == "True" && conditionStatus(o, "Healthy") == "True"
	}
	// The Configuration and every provider it depends on, by the names
	// Crossplane gives the packages it installs.
	want := map[string]string{"configuration-eks-gitops": "Configuration", functionName: "Function"}
	deps, err := configurationProviders()
	if err != nil {
		return err
	}
	for _, d := range deps {
		want[d] = "Provider"
	}
	return poll(ctx, 3*time.Minute, 500*time.Millisecond, "the Configuration and its dependencies Healthy", func() (bool, error) {
		if _, err := cp.playRuntime(ctx); err != nil {
			return false, err
		}
		for name, kind := range want {
			if !healthy(kind, name) {
				return false, nil
			}
		}
		return true, nil
	})
}

// deleteAndWait deletes an object and waits until it is gone.
func (cp *controlPlane) deleteAndWait(ctx context.Context, gvk schema.GroupVersionKind, ns, name string, timeout time.Duration) error {
	r, err := cp.resource(gvk, ns)
	if err != nil {
		return err
	}
	fg := metav1.DeletePropagationForeground
	if err := r.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return poll(ctx, timeout, 300*time.Millisecond, "deletion of "+name, func() (bool, error) {
		_, err := r.Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
}

func mergePatch(ctx context.Context, r dynamic.ResourceInterface, name string, patch map[string]any, sub ...string) error {
	b, err := jsonMarshal(patch)
	if err != nil {
		return err
	}
	_, err = r.Patch(ctx, name, types.MergePatchType, b, metav1.PatchOptions{FieldManager: "e2e-provider"}, sub...)
	return err
}

// configurationProviders are the names Crossplane gives the providers the
// Configuration package depends on (package/configuration/crossplane.yaml):
// the package's path without the registry, "/" made "-".
func configurationProviders() ([]string, error) {
	b, err := os.ReadFile(filepath.Join(root, "package", "configuration", "crossplane.yaml"))
	if err != nil {
		return nil, err
	}
	var meta struct {
		Spec struct {
			DependsOn []struct {
				Kind    string `json:"kind"`
				Package string `json:"package"`
			} `json:"dependsOn"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &meta); err != nil {
		return nil, err
	}
	var out []string
	for _, d := range meta.Spec.DependsOn {
		if d.Kind != "Provider" {
			continue
		}
		_, path, _ := strings.Cut(d.Package, "/")
		out = append(out, strings.ReplaceAll(path, "/", "-"))
	}
	return out, nil
}
