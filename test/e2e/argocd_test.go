package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// argoCD is Argo CD's own application controller and repo server (v3.6.1,
// built by hack/tools.sh argocd), with Redis, running out of cluster against
// the management control plane as a platform's Argo CD would in it: its
// ConfigMaps from example/argocd/, the hub role's AWS session (as IRSA
// would give it), STS at the EKS stand-in, and CodeCommit through an HTTPS
// proxy with its certificate in argocd-tls-certs-cm.
type argoCD struct {
	dir   string
	redis string
	kube  string // the kubeconfig it runs with
}

// argoCDBinaries are what hack/tools.sh argocd builds.
func argoCDBin(name string) string { return bin(filepath.Join("argocd", name)) }

func (cp *controlPlane) startArgoCD(ctx context.Context, e *eksAuth, git *codeCommit, hub aws.Credentials, region string) (*argoCD, error) {
	if _, err := os.Stat(argoCDBin("argocd")); err != nil {
		return nil, fmt.Errorf("argocd is not built; hack/e2e.sh builds it (hack/tools.sh argocd): %w", err)
	}
	dir := filepath.Join(cp.dir, "argocd")
	for _, d := range []string{"tls", "ssh", "tmp", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	a := &argoCD{dir: dir, kube: cp.kubeconfig}

	// The platform's settings, and what an install has besides.
	for _, f := range []string{"argocd-cm.yaml", "argocd-rbac-cm.yaml"} {
		if err := cp.applyFile(ctx, filepath.Join(root, "example", "argocd", f)); err != nil {
			return nil, err
		}
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	labels := map[string]string{"app.kubernetes.io/part-of": "argocd"}
	if _, err := cp.kube.CoreV1().Secrets("argocd").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "argocd-secret", Labels: labels},
		Data:       map[string][]byte{"server.secretkey": []byte(hex.EncodeToString(key))},
	}, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	// Argo CD's documented way to trust a Git server's CA; in a pod the
	// ConfigMap is mounted at ARGOCD_TLS_DATA_PATH, here the harness writes
	// its keys there as the kubelet would.
	tlsCerts := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "argocd-tls-certs-cm", Labels: labels},
		Data: map[string]string{git.host: string(git.ca.PEM())}}
	if _, err := cp.kube.CoreV1().ConfigMaps("argocd").Create(ctx, tlsCerts, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	for k, v := range tlsCerts.Data {
		if err := writeFile(filepath.Join(dir, "tls", k), []byte(v)); err != nil {
			return nil, err
		}
	}

	redisPort, err := freePort()
	if err != nil {
		return nil, err
	}
	a.redis = fmt.Sprintf("127.0.0.1:%d", redisPort)
	if _, err := start(dir, "redis", nil, "redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(redisPort), "--save", "", "--appendonly", "no"); err != nil {
		return nil, err
	}
	repoPort, _ := freePort()
	repoMetrics, _ := freePort()
	path := filepath.Dir(argoCDBin("argocd")) + string(os.PathListSeparator) + os.Getenv("PATH")
	common := []string{
		"PATH=" + path, "HOME=" + filepath.Join(dir, "home"), "TMPDIR=" + filepath.Join(dir, "tmp"),
		"ARGOCD_TLS_DATA_PATH=" + filepath.Join(dir, "tls"), "ARGOCD_SSH_DATA_PATH=" + filepath.Join(dir, "ssh"),
		"ARGOCD_GPG_ENABLED=false", "ARGOCD_ASK_PASS_SOCK=" + filepath.Join(dir, "askpass.sock"),
	}
	if _, err := start(dir, "argocd-repo-server", append(common,
		// The repo server reaches Git hosts through the platform's proxy.
		"HTTPS_PROXY="+git.proxy, "NO_PROXY=127.0.0.1,localhost"),
		argoCDBin("argocd-repo-server"), "--address", "127.0.0.1", "--port", strconv.Itoa(repoPort),
		"--metrics-port", strconv.Itoa(repoMetrics), "--disable-tls", "--client-ca-path=", "--redis", a.redis,
		// A branch's revision is cached for the reconciliation period; short,
		// so a push shows within the scenario's polls.
		"--revision-cache-expiration", "10s", "--loglevel", "info"); err != nil {
		return nil, err
	}
	ctrlMetrics, _ := freePort()
	if _, err := start(dir, "argocd-application-controller", append(common,
		// The hub role's session, as IRSA would provide it; STS is the EKS
		// stand-in's, which enforces the trust policies.
		"AWS_ACCESS_KEY_ID="+hub.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+hub.SecretAccessKey, "AWS_SESSION_TOKEN="+hub.SessionToken,
		"AWS_REGION="+region, "AWS_ENDPOINT_URL_STS="+e.sts, "AWS_EC2_METADATA_DISABLED=true"),
		argoCDBin("argocd-application-controller"), "--kubeconfig", cp.kubeconfig, "--namespace", "argocd",
		"--repo-server", fmt.Sprintf("127.0.0.1:%d", repoPort), "--repo-server-plaintext", "--redis", a.redis,
		"--metrics-port", strconv.Itoa(ctrlMetrics), "--app-resync", "20", "--app-resync-jitter", "0", "--status-processors", "4", "--operation-processors", "2",
		"--loglevel", "info"); err != nil {
		return nil, err
	}
	return a, poll(ctx, time.Minute, time.Second, "Argo CD's repo server to listen", func() (bool, error) {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", repoPort))
		if err == nil {
			_ = c.Close()
		}
		return err == nil, nil
	})
}

// clusterInfo is what the application controller last reported for the
// cluster at server: Argo CD keeps it in Redis for its API server and UI.
func (a *argoCD) clusterInfo(server string) (status, message string, err error) {
	keys, err := a.redisCmd("KEYS", "cluster|info|"+server+"*")
	if err != nil || len(keys) == 0 {
		return "", "", err
	}
	v, err := a.redisCmd("GET", string(keys[0]))
	if err != nil || len(v) == 0 {
		return "", "", err
	}
	data := v[0]
	if strings.HasSuffix(string(keys[0]), ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return "", "", err
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(zr); err != nil {
			return "", "", err
		}
		data = b.Bytes()
	}
	var info struct {
		ConnectionState struct {
			Status, Message string
		} `json:"connectionState"`
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return "", "", err
	}
	return info.ConnectionState.Status, info.ConnectionState.Message, nil
}

// redisCmd sends one command in Redis's protocol and returns the bulk
// strings of the answer.
func (a *argoCD) redisCmd(args ...string) ([][]byte, error) {
	c, err := net.DialTimeout("tcp", a.redis, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close() //nolint:errcheck // Read-only.
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, s := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(s), s)
	}
	if _, err := c.Write(b.Bytes()); err != nil {
		return nil, err
	}
	r := bufio.NewReader(c)
	var read func() ([][]byte, error)
	read = func() ([][]byte, error) {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch line[0] {
		case '$':
			n, _ := strconv.Atoi(line[1:])
			if n < 0 {
				return nil, nil
			}
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(r, buf); err != nil {
				return nil, err
			}
			return [][]byte{buf[:n]}, nil
		case '*':
			n, _ := strconv.Atoi(line[1:])
			var out [][]byte
			for range n {
				v, err := read()
				if err != nil {
					return nil, err
				}
				out = append(out, v...)
			}
			return out, nil
		case '-':
			return nil, fmt.Errorf("redis: %s", line[1:])
		default:
			return [][]byte{[]byte(line[1:])}, nil
		}
	}
	return read()
}

// rbacCan asks Argo CD's API server enforcer (rbaccan) what a user signed
// in with groups may do; each question is "ACTION RESOURCE OBJECT".
func (a *argoCD) rbacCan(ctx context.Context, groups []string, questions ...string) (map[string]bool, error) {
	args := append([]string{"--kubeconfig", a.kube, "--namespace", "argocd", "--subject", "someone@example.com", "--groups", strings.Join(groups, ",")}, questions...)
	out, err := exec.CommandContext(ctx, argoCDBin("rbaccan"), args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("rbaccan: %w: %s", err, out)
	}
	answers := map[string]bool{}
	for l := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		q, ans, ok := strings.Cut(l, ": ")
		if ok {
			answers[q] = ans == "yes"
		}
	}
	return answers, nil
}

// application reads an Application's sync and health status and its
// conditions' messages.
func application(o *unstructured.Unstructured) (sync, health string, conditions []string) {
	sync, _, _ = unstructured.NestedString(o.Object, "status", "sync", "status")
	health, _, _ = unstructured.NestedString(o.Object, "status", "health", "status")
	cs, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, c := range cs {
		m, _ := c.(map[string]any)
		conditions = append(conditions, fmt.Sprintf("%v: %v", m["type"], m["message"]))
	}
	if msg, ok, _ := unstructured.NestedString(o.Object, "status", "operationState", "message"); ok {
		phase, _, _ := unstructured.NestedString(o.Object, "status", "operationState", "phase")
		conditions = append(conditions, "operation "+phase+": "+msg)
	}
	return sync, health, conditions
}
