package main

import (
	"archive/tar"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"sigs.k8s.io/yaml"

	"github.com/eks-gitops/function-eks-gitops/internal/testpki"
)

var root = func() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..")
}()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func runCmd(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// tlsFiles writes a throw-away CA and a server certificate for 127.0.0.1.
func tlsFiles(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	ca, err := testpki.NewCA("registry-ca")
	must(t, err)
	cert, key, err := ca.Issue("registry", x509.ExtKeyUsageServerAuth)
	must(t, err)
	must(t, testpki.WriteFiles(dir, map[string][]byte{"ca.pem": ca.PEM(), "cert.pem": cert, "key.pem": key}))
	return filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
}

// startRegistry runs Debian's docker-registry on 127.0.0.1 with TLS and its
// own config (Debian's default has htpasswd auth and listens everywhere).
func startRegistry(t *testing.T) (addr, caFile string) {
	t.Helper()
	dir := t.TempDir()
	caFile, cert, key := tlsFiles(t, dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr = l.Addr().String()
	must(t, l.Close())
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n  tls:\n    certificate: %s\n    key: %s\n", filepath.Join(dir, "data"), addr, cert, key)
	must(t, os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o600))
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Fatalf("docker-registry is not installed (apt-get install docker-registry; .ci/run does): %v", err)
	}
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	logs := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = logs, logs
	must(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("registry logs:\n%s", logs)
		}
	})
	pool := x509.NewCertPool()
	b, _ := os.ReadFile(caFile)
	pool.AppendCertsFromPEM(b)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}, Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		rsp, err := client.Get("https://" + addr + "/v2/")
		if err == nil {
			_ = rsp.Body.Close()
			return addr, caFile
		}
		if time.Now().After(deadline) {
			t.Fatalf("registry did not answer on %s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPackage builds the runtime image without Docker, builds the xpkg with
// the image embedded, pushes it to a real registry over TLS, pulls it back
// and checks what is inside.
func TestPackage(t *testing.T) {
	work := t.TempDir()
	bin := filepath.Join(work, "function")
	// Stamped as hack/package.sh stamps a release.
	runCmd(t, root, []string{"CGO_ENABLED=0"}, "go", "build", "-trimpath", "-ldflags=-s -w -X main.version=v0.0.0-test", "-o", bin, ".")
	if out, err := exec.Command(bin, "--version").Output(); err != nil || strings.TrimSpace(string(out)) != "function-eks-gitops v0.0.0-test" {
		t.Errorf("the packaged binary's --version: %q %v, want function-eks-gitops v0.0.0-test", out, err)
	}
	imageTar := filepath.Join(work, "image.tar")
	must(t, run(bin, imageTar, "function-eks-gitops:test"))

	pkgRoot := filepath.Join(work, "package")
	must(t, os.MkdirAll(pkgRoot, 0o750))
	copyInto := func(from, to string) {
		b, err := os.ReadFile(from)
		must(t, err)
		must(t, os.WriteFile(to, b, 0o600))
	}
	copyInto(filepath.Join(root, "crossplane.yaml"), filepath.Join(pkgRoot, "crossplane.yaml"))
	crds, _ := filepath.Glob(filepath.Join(root, "package", "input", "*.yaml"))
	for _, c := range crds {
		copyInto(c, filepath.Join(pkgRoot, filepath.Base(c)))
	}

	cli := filepath.Join(root, ".cache", "bin", "crossplane")
	runCmd(t, filepath.Join(root, "tools", "crossplane"), nil, "go", "build", "-o", cli, "github.com/crossplane/crossplane/v2/cmd/crank")
	xpkg := filepath.Join(work, "function-eks-gitops.xpkg")
	runCmd(t, root, nil, cli, "xpkg", "build", "--package-root", pkgRoot, "--embed-runtime-image-tarball", imageTar, "-o", xpkg)

	addr, caFile := startRegistry(t)
	ref := addr + "/eks-gitops/function-eks-gitops:v0.0.0-test"
	runCmd(t, root, []string{"SSL_CERT_FILE=" + caFile}, cli, "xpkg", "push", "-f", xpkg, ref)

	img := pull(t, ref, caFile)

	cfg, err := img.ConfigFile()
	must(t, err)
	if cfg.Config.User != "65532:65532" || len(cfg.Config.Entrypoint) != 1 || cfg.Config.Entrypoint[0] != "/function" {
		t.Errorf("runtime config: user %q entrypoint %v; want nonroot and /function", cfg.Config.User, cfg.Config.Entrypoint)
	}
	if _, ok := cfg.Config.ExposedPorts["9443/tcp"]; !ok {
		t.Errorf("port 9443 is not exposed: %v", cfg.Config.ExposedPorts)
	}

	files := layerFiles(t, img)
	for _, want := range []string{"function", "etc/passwd", "package.yaml"} {
		if _, ok := files[want]; !ok {
			t.Errorf("the pulled package has no %s", want)
		}
	}
	for _, shell := range []string{"bin/sh", "bin/bash", "busybox"} {
		if _, ok := files[shell]; ok {
			t.Errorf("the image has a shell: %s", shell)
		}
	}
	var kinds []string
	for _, doc := range strings.Split(string(files["package.yaml"]), "\n---") {
		var o struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if yaml.Unmarshal([]byte(doc), &o) == nil && o.Kind != "" {
			kinds = append(kinds, o.APIVersion+"/"+o.Kind+"/"+o.Metadata.Name)
		}
	}
	joined := strings.Join(kinds, " ")
	for _, want := range []string{"meta.pkg.crossplane.io/v1/Function/function-eks-gitops", "apiextensions.k8s.io/v1/CustomResourceDefinition/inputs.eksgitops.fn.crossplane.io"} {
		if !strings.Contains(joined, want) {
			t.Errorf("package.yaml lacks %s; it has %s", want, joined)
		}
	}
	t.Logf("pushed and pulled %s: %s", ref, joined)
}

// TestConfigurationPackage builds the Configuration the way hack/package.sh
// does (package/configuration plus the XRDs of example/), pushes it to a
// real registry over TLS, pulls it back and checks it holds both XRDs and
// both Compositions and depends on the function and every provider.
func TestConfigurationPackage(t *testing.T) {
	work := t.TempDir()
	cfgRoot := filepath.Join(work, "configuration")
	must(t, os.MkdirAll(cfgRoot, 0o750))
	files, _ := filepath.Glob(filepath.Join(root, "package", "configuration", "*.yaml"))
	files = append(files, filepath.Join(root, "example", "xrd.yaml"), filepath.Join(root, "example", "xrd-namespaced.yaml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(t, err)
		must(t, os.WriteFile(filepath.Join(cfgRoot, filepath.Base(f)), b, 0o600))
	}
	cli := filepath.Join(root, ".cache", "bin", "crossplane")
	runCmd(t, filepath.Join(root, "tools", "crossplane"), nil, "go", "build", "-o", cli, "github.com/crossplane/crossplane/v2/cmd/crank")
	xpkg := filepath.Join(work, "configuration-eks-gitops.xpkg")
	runCmd(t, root, nil, cli, "xpkg", "build", "--package-root", cfgRoot, "-o", xpkg)

	addr, caFile := startRegistry(t)
	ref := addr + "/eks-gitops/configuration-eks-gitops:v0.0.0-test"
	runCmd(t, root, []string{"SSL_CERT_FILE=" + caFile}, cli, "xpkg", "push", "-f", xpkg, ref)
	pkg := layerFiles(t, pull(t, ref, caFile))["package.yaml"]
	var objs []string
	var deps []string
	for _, doc := range strings.Split(string(pkg), "\n---") {
		var o struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec struct {
				DependsOn []struct {
					Kind    string `json:"kind"`
					Package string `json:"package"`
					Version string `json:"version"`
				} `json:"dependsOn"`
			} `json:"spec"`
		}
		if yaml.Unmarshal([]byte(doc), &o) != nil || o.Kind == "" {
			continue
		}
		objs = append(objs, o.Kind+"/"+o.Metadata.Name)
		for _, d := range o.Spec.DependsOn {
			deps = append(deps, d.Kind+" "+d.Package+" "+d.Version)
		}
	}
	for _, want := range []string{
		"Configuration/configuration-eks-gitops",
		"CompositeResourceDefinition/teamclusters.platform.eks-gitops.dev",
		"CompositeResourceDefinition/namespacedteamclusters.platform.eks-gitops.dev",
		"Composition/teamclusters.platform.eks-gitops.dev",
		"Composition/namespacedteamclusters.platform.eks-gitops.dev",
	} {
		if !strings.Contains(strings.Join(objs, " "), want) {
			t.Errorf("the pulled Configuration lacks %s; it has %v", want, objs)
		}
	}
	for _, want := range []string{
		"Function xpkg.crossplane.io/eks-gitops/function-eks-gitops",
		"Provider xpkg.upbound.io/upbound/provider-aws-ec2 >=v2.5.0, <v2.6.0",
		"Provider xpkg.upbound.io/upbound/provider-aws-iam",
		"Provider xpkg.upbound.io/upbound/provider-aws-eks",
		"Provider xpkg.upbound.io/upbound/provider-aws-cognitoidp",
		"Provider xpkg.upbound.io/upbound/provider-aws-identitystore",
		"Provider xpkg.upbound.io/upbound/provider-aws-codecommit",
		"Provider xpkg.upbound.io/upbound/provider-aws-sqs",
		"Provider xpkg.upbound.io/upbound/provider-aws-cloudwatchevents",
		"Provider xpkg.crossplane.io/crossplane-contrib/provider-kubernetes >=v1.2.0, <v1.3.0",
	} {
		found := false
		for _, d := range deps {
			found = found || strings.HasPrefix(d, want)
		}
		if !found {
			t.Errorf("the Configuration does not depend on %s; it depends on %v", want, deps)
		}
	}
	t.Logf("pushed and pulled %s: %v", ref, objs)
}

// pull fetches an image from the test registry, trusting its CA.
func pull(t *testing.T, ref, caFile string) v1.Image {
	t.Helper()
	pool := x509.NewCertPool()
	b, err := os.ReadFile(caFile)
	must(t, err)
	pool.AppendCertsFromPEM(b)
	tag, err := name.NewTag(ref)
	must(t, err)
	img, err := remote.Image(tag, remote.WithTransport(&http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}))
	must(t, err)
	return img
}

// layerFiles lists every file of the image's layers, with the content of
// package.yaml.
func layerFiles(t *testing.T, img v1.Image) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	layers, err := img.Layers()
	must(t, err)
	for _, l := range layers {
		rc, err := l.Uncompressed()
		must(t, err)
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			must(t, err)
			var body []byte
			if h.Name == "package.yaml" {
				body, err = io.ReadAll(tr)
				must(t, err)
			}
			files[h.Name] = body
		}
		_ = rc.Close()
	}
	return files
}
