// Package render runs the real crossplane CLI against the real function
// binary. The function serves mTLS, as Crossplane calls it in production;
// `crossplane render` only speaks plaintext to a development target, so the
// test puts a TLS-originating TCP relay between them that presents a client
// certificate signed by the CA the function trusts.
package render

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/eks-gitops/function-eks-gitops/internal/testpki"
)

// root is the repository root.
var root = func() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..")
}()

// build compiles a binary once per test binary run; go build's cache makes
// it fast when nothing changed.
func build(t *testing.T, dir, pkg, out string) string {
	t.Helper()
	path := filepath.Join(root, ".cache", "bin", out)
	cmd := exec.Command("go", "build", "-o", path, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return path
}

// newPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, laid out as the function's --tls-certs-dir expects.
func newPKI(t *testing.T) testpki.Function {
	t.Helper()
	f, err := testpki.NewFunction(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close() //nolint:errcheck // Only the port is wanted.
	return l.Addr().(*net.TCPAddr).Port
}

// startFunction runs the function binary with mTLS and returns its address.
func startFunction(t *testing.T, bin string, certs testpki.Function, extra ...string) string {
	t.Helper()
	addr, _ := startFunctionWithLogs(t, bin, certs, extra...)
	return addr
}

// syncBuffer is a log sink safe to read while the process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startFunctionWithLogs(t *testing.T, bin string, certs testpki.Function, extra ...string) (string, *syncBuffer) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	logs := &syncBuffer{}
	cmd := exec.Command(bin, append([]string{"--tls-certs-dir", certs.Dir, "--address", addr, "--metrics-address="}, extra...)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("function logs:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return addr, logs
		}
		if time.Now().After(deadline) {
			t.Fatalf("the function did not listen on %s within 10s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// relay accepts plaintext connections and forwards each over mutual TLS.
func relay(t *testing.T, target string, certs testpki.Function) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	cfg := certs.Client.Clone()
	cfg.NextProtos = []string{"h2"}
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer in.Close() //nolint:errcheck // Best effort.
				out, err := tls.Dial("tcp", target, cfg)
				if err != nil {
					return
				}
				defer out.Close() //nolint:errcheck // Best effort.
				go func() { _, _ = io.Copy(out, in) }()
				_, _ = io.Copy(in, out)
			}()
		}
	}()
	return l.Addr().String()
}

type cli struct {
	bin    string
	target string
}

func (c cli) render(t *testing.T, xr, composition, xrd string, extra ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	functions := filepath.Join(root, "example", "functions.yaml")
	if strings.Contains(composition, filepath.Join("package", "configuration")) {
		// The package's Compositions name the Function as Crossplane names
		// the dependency it installs.
		b, err := os.ReadFile(functions)
		if err != nil {
			t.Fatal(err)
		}
		functions = filepath.Join(t.TempDir(), "functions.yaml")
		if err := os.WriteFile(functions, bytes.ReplaceAll(b, []byte("name: function-eks-gitops\n"), []byte("name: eks-gitops-function-eks-gitops\n")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := append([]string{
		"render", xr, composition, functions,
		"--xrd", xrd, "--include-function-results",
		"-a", "render.crossplane.io/runtime-development-target=" + c.target,
	}, extra...)
	cmd := exec.CommandContext(ctx, c.bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String(), fmt.Errorf("%w: %s", err, stderr.String())
	}
	return stdout.String(), nil
}

func setup(t *testing.T) cli {
	t.Helper()
	crossplane := build(t, filepath.Join(root, "tools", "crossplane"), "github.com/crossplane/crossplane/v2/cmd/crank", "crossplane")
	fn := build(t, root, ".", "function-eks-gitops")
	certs := newPKI(t)
	return cli{bin: crossplane, target: relay(t, startFunction(t, fn, certs), certs)}
}

func docs(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for _, d := range strings.Split(out, "\n---\n") {
		if strings.TrimSpace(strings.TrimPrefix(d, "---")) == "" {
			continue
		}
		o := map[string]any{}
		if err := yaml.Unmarshal([]byte(d), &o); err != nil {
			t.Fatalf("render printed invalid YAML: %v\n%s", err, d)
		}
		objs = append(objs, o)
	}
	return objs
}

func kinds(objs []map[string]any) map[string]int {
	k := map[string]int{}
	for _, o := range objs {
		s, _ := o["kind"].(string)
		k[s]++
	}
	return k
}

func example(name string) string { return filepath.Join(root, "example", name) }

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

// TestRenderExamples renders every shipped example through the CLI and the
// TLS-serving binary, and checks the first pass has the network and the IAM
// roles, and not yet the cluster, which waits for its KMS key and log group.
func TestRenderExamples(t *testing.T) {
	c := setup(t)
	cases := map[string]struct {
		xr, composition, xrd string
		zones                int
		// nats is the NAT gateways of the XR's environment: one in dev.
		nats int
	}{
		"default":    {xr: "xr.yaml", composition: "composition.yaml", xrd: "xrd.yaml", zones: 3, nats: 1},
		"minimal":    {xr: "xr-minimal.yaml", composition: "composition.yaml", xrd: "xrd.yaml", zones: 3, nats: 1},
		"full":       {xr: "xr-full.yaml", composition: "composition.yaml", xrd: "xrd.yaml", zones: 3, nats: 3},
		"pools":      {xr: "xr-pools.yaml", composition: "composition.yaml", xrd: "xrd.yaml", zones: 2, nats: 2},
		"namespaced": {xr: "xr-namespaced.yaml", composition: "composition-namespaced.yaml", xrd: "xrd-namespaced.yaml", zones: 2, nats: 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := c.render(t, example(tc.xr), example(tc.composition), example(tc.xrd))
			if err != nil {
				t.Fatalf("crossplane render: %v", err)
			}
			k := kinds(docs(t, out))
			// The roles' policy attachments wait for the roles; the
			// roles are the cluster's, the nodes', Argo CD's and the
			// team's push role; the review template's association waits
			// for the template and the repository.
			want := map[string]int{"VPC": 1, "Subnet": 2 * tc.zones, "InternetGateway": 1, "NATGateway": tc.nats, "EIP": tc.nats, "Role": 4, "RolePolicyAttachment": 0, "Cluster": 0,
				"ApprovalRuleTemplate": 1, "ApprovalRuleTemplateAssociation": 0}
			for kind, n := range want {
				if k[kind] != n {
					t.Errorf("%s: %d, want %d (all kinds: %v)", kind, k[kind], n, k)
				}
			}
			if k["NodeGroup"] != 0 {
				t.Errorf("node groups on the first pass: %d", k["NodeGroup"])
			}
		})
	}
}

// TestRenderBadInput checks that the CLI reports the function's Fatal result
// and fails.
func TestRenderBadInput(t *testing.T) {
	c := setup(t)
	b, err := os.ReadFile(example("xr.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, bytes.Replace(b, []byte(`"444455556666"`), []byte(`"4444"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = c.render(t, bad, example("composition.yaml"), example("xrd.yaml"))
	if err == nil || !strings.Contains(err.Error(), "spec.aws.accountId") {
		t.Fatalf("want render to fail naming spec.aws.accountId, got %v", err)
	}
}

// TestRefusesToStartWithoutTLS checks the function will not serve plaintext
// unless told to with --insecure.
func TestRefusesToStartWithoutTLS(t *testing.T) {
	fn := build(t, root, ".", "function-eks-gitops")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, fn, "--address", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--metrics-address=").CombinedOutput()
	if err == nil {
		t.Fatalf("the function started without TLS certificates or --insecure:\n%s", out)
	}
	if !strings.Contains(string(out), "certificate") && !strings.Contains(string(out), "tls") {
		t.Errorf("the refusal does not say why:\n%s", out)
	}
	empty := t.TempDir()
	out, err = exec.CommandContext(ctx, fn, "--tls-certs-dir", empty, "--address", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--metrics-address=").CombinedOutput()
	if err == nil {
		t.Fatalf("the function started with an empty certificate directory:\n%s", out)
	}
}

// TestRefusesBadFlags checks flags that would silently misbehave are refused
// with a message naming them.
func TestRefusesBadFlags(t *testing.T) {
	fn := build(t, root, ".", "function-eks-gitops")
	for _, flag := range []string{"--plan-cache-size=-1", "--max-recv-message-size=0"} {
		t.Run(flag, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, fn, "--insecure", flag, "--address", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--metrics-address=").CombinedOutput()
			if err == nil {
				t.Fatalf("the function started with %s:\n%s", flag, out)
			}
			if name, _, _ := strings.Cut(flag, "="); !strings.Contains(string(out), name) {
				t.Errorf("the refusal does not name %s:\n%s", name, out)
			}
		})
	}
}

// TestRenderPackageComposition renders the example XR with the
// Configuration package's Composition through the CLI: with the platform
// settings as a required resource the output is the self-contained
// example Composition's, byte for byte; without them the XR gets the
// function's refusal naming the missing EnvironmentConfig.
func TestRenderPackageComposition(t *testing.T) {
	c := setup(t)
	pkg := filepath.Join(root, "package", "configuration", "composition.yaml")
	want, err := c.render(t, example("xr.yaml"), example("composition.yaml"), example("xrd.yaml"))
	if err != nil {
		t.Fatalf("crossplane render (example Composition): %v", err)
	}
	got, err := c.render(t, example("xr.yaml"), pkg, example("xrd.yaml"), "-e", example("platform-settings.yaml"))
	if err != nil {
		t.Fatalf("crossplane render (package Composition): %v", err)
	}
	if got != want {
		t.Errorf("the package Composition with the settings renders differently from the example Composition:\n%s", lineDiff(want, got))
	}
	_, err = c.render(t, example("xr.yaml"), pkg, example("xrd.yaml"))
	if err == nil || !strings.Contains(err.Error(), "EnvironmentConfig eks-gitops-platform not found") {
		t.Errorf("without the settings: %v; want the refusal naming the missing EnvironmentConfig", err)
	}
}

// lineDiff lists the lines of b that a lacks and the other way round.
func lineDiff(a, b string) string {
	var out []string
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d: -%s +%s", i+1, x, y))
		}
		if len(out) > 20 {
			break
		}
	}
	return strings.Join(out, "\n")
}
