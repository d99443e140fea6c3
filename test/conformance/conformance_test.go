// Package conformance proves every object the function renders against the
// real schemas: the AWS provider's and provider-kubernetes' Go API types
// (decoded strictly: an unknown field fails), Kubernetes' core and RBAC types,
// Crossplane's Usage type, and, with `crossplane beta validate`, the CRD
// files those projects ship (OpenAPI schema and CEL rules) plus Argo CD's.
// It lives in its own module so the function's go.mod stays light.
package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	pkobject "github.com/crossplane-contrib/provider-kubernetes/apis/namespaced/object/v1alpha1"
	cloudwatchevents "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatchevents/v1beta1"
	cloudwatchlogs "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatchlogs/v1beta1"
	codecommit "github.com/upbound/provider-aws/v2/apis/namespaced/codecommit/v1beta1"
	cognitoidp "github.com/upbound/provider-aws/v2/apis/namespaced/cognitoidp/v1beta1"
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"
	eks "github.com/upbound/provider-aws/v2/apis/namespaced/eks/v1beta1"
	iam "github.com/upbound/provider-aws/v2/apis/namespaced/iam/v1beta1"
	identitystore "github.com/upbound/provider-aws/v2/apis/namespaced/identitystore/v1beta1"
	kms "github.com/upbound/provider-aws/v2/apis/namespaced/kms/v1beta1"
	sqs "github.com/upbound/provider-aws/v2/apis/namespaced/sqs/v1beta1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

var root = func() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..")
}()

func scheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		ec2.AddToScheme, iam.AddToScheme, eks.AddToScheme, cognitoidp.AddToScheme, identitystore.AddToScheme, codecommit.AddToScheme, sqs.AddToScheme, cloudwatchevents.AddToScheme, kms.AddToScheme, cloudwatchlogs.AddToScheme,
		corev1.AddToScheme, rbacv1.AddToScheme, pkobject.SchemeBuilder.AddToScheme,
	} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "example", path))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := yaml.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// readYAMLDocs reads every document of an example file.
func readYAMLDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "example", path))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, doc := range strings.Split(string(b), "\n---\n") {
		o := map[string]any{}
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(o) > 0 {
			out = append(out, o)
		}
	}
	return out
}

func inputOf(t *testing.T, composition string) map[string]any {
	t.Helper()
	c := readYAML(t, composition)
	return c["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)["input"].(map[string]any)
}

// rendered is one object the function declared, and where.
type rendered struct {
	where  string
	object map[string]any
}

// renderAll runs the function module's renderall command, which converges
// every example and Input variant and writes every object of every round,
// and reads the objects back.
func renderAll(t *testing.T) []rendered {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./test/renderall", "-out", dir)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("renderall: %v\n%s", err, out)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("renderall wrote nothing: %v", err)
	}
	var out []rendered
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(b), "\n---\n") {
			doc = strings.TrimPrefix(doc, "---\n")
			o := map[string]any{}
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if len(o) > 0 {
				out = append(out, rendered{where: fmt.Sprintf("%s#%d", filepath.Base(f), i), object: o})
			}
		}
	}
	return out
}

// strictDecode decodes an object into its Go type; unknown and duplicate
// fields are errors.
func strictDecode(s *runtime.Scheme, obj map[string]any) error {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	gvk := schema.FromAPIVersionAndKind(apiVersion, kind)
	typed, err := s.New(gvk)
	if err != nil {
		return fmt.Errorf("no Go type for %s: %w", gvk, err)
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(b, typed)
	if err != nil {
		return err
	}
	if len(strict) > 0 {
		return fmt.Errorf("strict decoding %s: %v", gvk, strict)
	}
	if o, ok := typed.(*pkobject.Object); ok {
		// The wrapped manifest must be valid too.
		var m map[string]any
		if err := json.Unmarshal(o.Spec.ForProvider.Manifest.Raw, &m); err != nil {
			return err
		}
		if !argoKind(m) {
			return strictDecode(s, m)
		}
	}
	return nil
}

func argoKind(o map[string]any) bool {
	v, _ := o["apiVersion"].(string)
	return strings.HasPrefix(v, "argoproj.io/")
}

// crdOnly reports kinds checked only against their CRDs: Argo CD's (its Go
// module needs Go 1.27) and Crossplane's Usage (Crossplane's API module pins a
// newer crossplane-runtime than the providers' types compile with).
func crdOnly(o map[string]any) bool {
	v, _ := o["apiVersion"].(string)
	return argoKind(o) || strings.HasPrefix(v, "protection.crossplane.io/")
}

func gitHubKind(o map[string]any) bool {
	v, _ := o["apiVersion"].(string)
	return strings.Contains(v, ".github.m.upbound.io/")
}

// gitLabKind reports provider-gitlab's kinds, decoded into provider-gitlab's
// Go types by the module in ./gitlab: they need a newer crossplane-runtime
// than the AWS provider's types compile with.
func gitLabKind(o map[string]any) bool {
	v, _ := o["apiVersion"].(string)
	return strings.Contains(v, ".gitlab.m.crossplane.io/")
}

// TestStrictDecode decodes every rendered object of every scenario and round
// into the Go types of the project that owns its kind. Argo CD's kinds are
// checked against Argo CD's CRDs, and Usages against Crossplane's, in
// TestValidateCRDs.
func TestStrictDecode(t *testing.T) {
	s := scheme(t)
	all := renderAll(t)
	decoded := 0
	for _, r := range all {
		if crdOnly(r.object) || gitLabKind(r.object) {
			continue
		}
		decode := func(o map[string]any) error { return strictDecode(s, o) }
		if gitHubKind(r.object) {
			decode = strictDecodeGitHub
		}
		if err := decode(r.object); err != nil {
			t.Errorf("%s: %v", r.where, err)
		}
		decoded++
	}
	if decoded < 500 {
		t.Errorf("decoded only %d objects; the scenarios should render far more", decoded)
	}
	t.Logf("decoded %d objects strictly", decoded)
}

// moduleDir returns where a module is in the module cache, downloading it.
func moduleDir(t *testing.T, dir, module string, env ...string) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v\n%s", module, err, out)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m.Dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// crossplaneCLI builds the pinned CLI (cached by go build).
func crossplaneCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(root, ".cache", "bin", "crossplane")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/crossplane/crossplane/v2/cmd/crank")
	cmd.Dir = filepath.Join(root, "tools", "crossplane")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the crossplane CLI: %v\n%s", err, out)
	}
	return bin
}

// validator runs `crossplane beta validate` offline: the CLI wants
// Crossplane's image for its built-in schemas, so its cache gets Crossplane's
// own CRDs under the image name it is told to use.
type validator struct {
	cli, cache, image string
}

func newValidator(t *testing.T) validator {
	t.Helper()
	cache := t.TempDir()
	// Crossplane's own CRDs (Usage) as the version the end-to-end suite
	// runs, which tools/crossplane-core pins, not the CLI's.
	xp, version := crossplaneCore(t)
	crds, err := filepath.Glob(filepath.Join(xp, "cluster", "crds", "*.yaml"))
	if err != nil || len(crds) == 0 {
		t.Fatalf("no Crossplane CRDs in %s: %v", xp, err)
	}
	var pkg bytes.Buffer
	for _, c := range crds {
		b, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		pkg.WriteString("---\n")
		pkg.Write(b)
	}
	dir := filepath.Join(cache, "xpkg.crossplane.io/crossplane/crossplane@"+version)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.yaml"), pkg.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return validator{cli: crossplaneCLI(t), cache: cache, image: "xpkg.crossplane.io/crossplane/crossplane:" + version}
}

// crossplaneCore is the directory and version of the Crossplane module
// tools/crossplane-core builds.
func crossplaneCore(t *testing.T) (dir, version string) {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/crossplane/crossplane/v2")
	cmd.Dir = filepath.Join(root, "tools", "crossplane-core")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download crossplane core: %v\n%s", err, out)
	}
	var m struct{ Dir, Version string }
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m.Dir, m.Version
}

func (v validator) validate(t *testing.T, extensions, resources string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, v.cli, "beta", "validate", extensions, resources,
		"--cache-dir", v.cache, "--crossplane-image", v.image,
		"--error-on-missing-schemas", "--skip-success-results")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func writeYAML(t *testing.T, path string, objs ...map[string]any) {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestValidateCRDs validates every rendered managed resource, Usage,
// provider-kubernetes Object and Argo CD object with `crossplane beta
// validate` against the CRD files their projects ship, with their CEL rules.
func TestValidateCRDs(t *testing.T) {
	v := newValidator(t)
	here, _ := os.Getwd()
	crds := t.TempDir()
	aws := moduleDir(t, here, "github.com/upbound/provider-aws/v2@v2.5.0")
	k8s := moduleDir(t, here, "github.com/crossplane-contrib/provider-kubernetes@v1.2.0")
	argo := moduleDir(t, here, "github.com/argoproj/argo-cd/v3@v3.6.1", "GOTOOLCHAIN=go1.27.3")
	gitlab := moduleDir(t, here, gitLabModule, "GONOSUMDB="+gitLabModulePath)
	github := os.Getenv("PROVIDER_UPJET_GITHUB_CRDS")

	kinds := map[string]bool{}
	var objs []map[string]any
	skipped := 0
	for _, r := range renderAll(t) {
		o := r.object
		if o["apiVersion"] == "v1" || o["apiVersion"] == "rbac.authorization.k8s.io/v1" {
			continue // Kubernetes' own kinds are decoded strictly in TestStrictDecode.
		}
		if gitHubKind(o) && github == "" {
			skipped++
			continue
		}
		if o["kind"] == "Object" {
			m := o["spec"].(map[string]any)["forProvider"].(map[string]any)["manifest"].(map[string]any)
			if argoKind(m) {
				objs = append(objs, m)
			}
		}
		kinds[o["apiVersion"].(string)+"/"+o["kind"].(string)] = true
		objs = append(objs, o)
	}
	for k := range kinds {
		gv, kind := filepath.Split(k)
		group := strings.Split(gv, "/")[0]
		switch {
		case strings.HasSuffix(group, ".aws.m.upbound.io"):
			copyFile(t, crdFile(t, filepath.Join(aws, "package", "crds"), group, kind), filepath.Join(crds, group+"_"+kind+".yaml"))
		case strings.HasSuffix(group, ".gitlab.m.crossplane.io"):
			copyFile(t, crdFile(t, filepath.Join(gitlab, "package", "crds"), group, kind), filepath.Join(crds, group+"_"+kind+".yaml"))
		case strings.HasSuffix(group, ".github.m.upbound.io"):
			copyFile(t, crdFile(t, github, group, kind), filepath.Join(crds, group+"_"+kind+".yaml"))
		case group == "kubernetes.m.crossplane.io":
			copyFile(t, filepath.Join(k8s, "package", "crds", "kubernetes.m.crossplane.io_objects.yaml"), filepath.Join(crds, "objects.yaml"))
		}
	}
	copyFile(t, filepath.Join(argo, "manifests", "crds", "application-crd.yaml"), filepath.Join(crds, "application.yaml"))
	copyFile(t, filepath.Join(argo, "manifests", "crds", "appproject-crd.yaml"), filepath.Join(crds, "appproject.yaml"))

	// One file per 200 objects keeps the CLI's output readable.
	resources := t.TempDir()
	for i := 0; i < len(objs); i += 200 {
		writeYAML(t, filepath.Join(resources, fmt.Sprintf("rendered-%03d.yaml", i/200)), objs[i:min(i+200, len(objs))]...)
	}
	out, err := v.validate(t, crds, resources)
	if err != nil {
		t.Fatalf("crossplane beta validate failed: %v\n%s", err, out)
	}
	t.Logf("validated %d objects of %d kinds:\n%s", len(objs), len(kinds), lastLine(out))
	if skipped > 0 {
		// The Go module proxy does not serve provider-upjet-github, so its
		// CRDs come only from a checkout; TestStrictDecode holds these
		// objects to the transcription in github_test.go.
		t.Logf("%d GitHub objects not validated against CRDs: set PROVIDER_UPJET_GITHUB_CRDS to provider-upjet-github v0.19.1's package/crds", skipped)
	}
}

// provider-gitlab: its checksum is not in the checksum database, so it is
// fetched with GONOSUMDB and verified against go.sum of ./gitlab instead.
const (
	gitLabModulePath = "github.com/crossplane-contrib/provider-gitlab"
	gitLabModule     = gitLabModulePath + "@v0.21.0"
)

// crdFile finds the provider's CRD file of a kind.
func crdFile(t *testing.T, dir, group, kind string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, group+"_*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd struct {
			Spec struct {
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatal(err)
		}
		if crd.Spec.Names.Kind == kind {
			return f
		}
	}
	t.Fatalf("no CRD for %s in group %s", kind, group)
	return ""
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestValidateExamplesAndInput validates the example XRs against their XRDs
// and every Composition's Input against the generated Input CRD.
func TestValidateExamplesAndInput(t *testing.T) {
	v := newValidator(t)
	ext := t.TempDir()
	copyFile(t, filepath.Join(root, "example", "xrd.yaml"), filepath.Join(ext, "xrd.yaml"))
	copyFile(t, filepath.Join(root, "example", "xrd-namespaced.yaml"), filepath.Join(ext, "xrd-namespaced.yaml"))
	crd, err := filepath.Glob(filepath.Join(root, "package", "input", "*.yaml"))
	if err != nil || len(crd) != 1 {
		t.Fatalf("want one Input CRD in package/input, got %v (%v)", crd, err)
	}
	copyFile(t, crd[0], filepath.Join(ext, "input-crd.yaml"))

	res := t.TempDir()
	var objs []map[string]any
	for _, x := range []string{"xr.yaml", "xr-minimal.yaml", "xr-full.yaml", "xr-pools.yaml", "xr-namespaced.yaml", "functions.yaml",
		"platform-settings.yaml", "platform-settings-github.yaml", "platform-settings-gitlab.yaml", "composition.yaml", "composition-namespaced.yaml",
		"../package/configuration/composition.yaml", "../package/configuration/composition-namespaced.yaml"} {
		objs = append(objs, readYAML(t, x))
	}
	for _, x := range []string{"runtimeconfig.yaml", "accounts/provider-runtime.yaml"} {
		objs = append(objs, readYAMLDocs(t, x)...)
	}
	for _, c := range []string{"composition.yaml", "composition-namespaced.yaml", "../package/configuration/composition.yaml", "../package/configuration/composition-namespaced.yaml"} {
		in := inputOf(t, c)
		in["metadata"] = map[string]any{"name": "input-" + strings.NewReplacer("/", "-", ".", "-").Replace(c)}
		objs = append(objs, in)
	}
	writeYAML(t, filepath.Join(res, "examples.yaml"), objs...)
	if out, err := v.validate(t, ext, res); err != nil {
		t.Fatalf("crossplane beta validate: %v\n%s", err, out)
	}
}

// TestValidateCatchesErrors checks the validator is not vacuous: an unknown
// field and a missing required field in a managed resource both fail.
func TestValidateCatchesErrors(t *testing.T) {
	v := newValidator(t)
	here, _ := os.Getwd()
	aws := moduleDir(t, here, "github.com/upbound/provider-aws/v2@v2.5.0")
	crds := t.TempDir()
	copyFile(t, filepath.Join(aws, "package", "crds", "ec2.aws.m.upbound.io_vpcs.yaml"), filepath.Join(crds, "vpcs.yaml"))
	for name, forProvider := range map[string]map[string]any{
		"unknown field": {"region": "eu-west-1", "cidrBlock": "10.0.0.0/16", "cidr": "typo"},
		"wrong type":    {"region": "eu-west-1", "enableDnsSupport": "yes"},
	} {
		res := t.TempDir()
		writeYAML(t, filepath.Join(res, "bad.yaml"), map[string]any{
			"apiVersion": "ec2.aws.m.upbound.io/v1beta1", "kind": "VPC",
			"metadata": map[string]any{"name": "bad", "namespace": "default"},
			"spec":     map[string]any{"forProvider": forProvider},
		})
		if out, err := v.validate(t, crds, res); err == nil {
			t.Errorf("%s: validation passed:\n%s", name, out)
		}
	}
	if err := strictDecode(scheme(t), map[string]any{
		"apiVersion": "ec2.aws.m.upbound.io/v1beta1", "kind": "VPC",
		"metadata": map[string]any{"name": "bad"},
		"spec":     map[string]any{"forProvider": map[string]any{"cidr": "typo"}},
	}); err == nil {
		t.Error("strict decoding accepted an unknown field")
	}
}

// addonFiles are the platform side of the add-ons: ApplicationSets, their
// AppProject and the manifests they deliver.
func addonFiles(t *testing.T) (argo []map[string]any, manifests []map[string]any) {
	t.Helper()
	for _, glob := range []string{"*.yaml", "manifests/*/*.yaml"} {
		files, err := filepath.Glob(filepath.Join(root, "example", "addons", glob))
		if err != nil || len(files) == 0 {
			t.Fatalf("no files %s in example/addons: %v", glob, err)
		}
		for _, f := range files {
			rel, _ := filepath.Rel(filepath.Join(root, "example"), f)
			o := readYAML(t, rel)
			if argoKind(o) {
				argo = append(argo, o)
			} else {
				manifests = append(manifests, o)
			}
		}
	}
	return argo, manifests
}

// TestValidateAddonApplicationSets validates the shipped ApplicationSets and
// AppProject against Argo CD's CRDs, decodes the manifests they deliver
// into their Kubernetes types, and checks every cluster Secret annotation
// and label they read is one the function writes for the full example:
// an ApplicationSet reading a misspelt annotation fails at sync, far from
// its cause.
func TestValidateAddonApplicationSets(t *testing.T) {
	v := newValidator(t)
	here, _ := os.Getwd()
	argo := moduleDir(t, here, "github.com/argoproj/argo-cd/v3@v3.6.1", "GOTOOLCHAIN=go1.27.3")
	crds := t.TempDir()
	copyFile(t, filepath.Join(argo, "manifests", "crds", "applicationset-crd.yaml"), filepath.Join(crds, "applicationset.yaml"))
	copyFile(t, filepath.Join(argo, "manifests", "crds", "appproject-crd.yaml"), filepath.Join(crds, "appproject.yaml"))

	appsets, manifests := addonFiles(t)
	res := t.TempDir()
	writeYAML(t, filepath.Join(res, "addons.yaml"), appsets...)
	if out, err := v.validate(t, crds, res); err != nil {
		t.Fatalf("crossplane beta validate: %v\n%s", err, out)
	}

	s := runtime.NewScheme()
	if err := storagev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	for _, m := range manifests {
		if err := strictDecode(s, m); err != nil {
			t.Errorf("%v: %v", m["metadata"], err)
		}
	}

	// The full example's converged cluster Secret, and the Karpenter and
	// Auto Mode examples' for what the full example cannot have.
	var labels, annotations, karpenterLabels, karpenterAnnotations, autoLabels, autoAnnotations map[string]any
	for _, r := range renderAll(t) {
		o := r.object
		if o["kind"] != "Secret" {
			continue
		}
		md := o["metadata"].(map[string]any)
		l, _ := md["labels"].(map[string]any)
		if l["argocd.argoproj.io/secret-type"] != "cluster" {
			continue
		}
		switch {
		case strings.Contains(r.where, "full") && l["enable_external_dns"] == "true":
			labels, annotations = l, md["annotations"].(map[string]any)
		case strings.Contains(r.where, "karpenter") && l["enable_karpenter"] == "true":
			karpenterLabels, karpenterAnnotations = l, md["annotations"].(map[string]any)
		case strings.Contains(r.where, "automode") && l["enable_auto_mode_node_pools"] == "true":
			autoLabels, autoAnnotations = l, md["annotations"].(map[string]any)
		}
	}
	if labels == nil || karpenterLabels == nil || autoLabels == nil {
		t.Fatal("no cluster Secret with every add-on enabled in the full, the Karpenter and the Auto Mode examples' renderings")
	}
	annotationRef := regexp.MustCompile(`index \.metadata\.annotations "([a-z0-9_]+)"`)
	selected := 0
	for _, a := range appsets {
		if a["kind"] != "ApplicationSet" {
			continue
		}
		b, err := yaml.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		labels, annotations := labels, annotations
		switch {
		case strings.Contains(string(b), "enable_karpenter"):
			labels, annotations = karpenterLabels, karpenterAnnotations
		case strings.Contains(string(b), "enable_auto_mode_node_pools"):
			labels, annotations = autoLabels, autoAnnotations
		}
		for _, m := range annotationRef.FindAllStringSubmatch(string(b), -1) {
			if _, ok := annotations[m[1]]; !ok {
				t.Errorf("ApplicationSet %s reads annotation %s, which the function does not write", a["metadata"].(map[string]any)["name"], m[1])
			}
		}
		gens := a["spec"].(map[string]any)["generators"].([]any)
		sel := gens[0].(map[string]any)["clusters"].(map[string]any)["selector"].(map[string]any)["matchLabels"].(map[string]any)
		for k, want := range sel {
			if labels[k] != want {
				t.Errorf("ApplicationSet %s selects %s=%v; the function's cluster Secret has %v", a["metadata"].(map[string]any)["name"], k, want, labels[k])
			}
			selected++
		}
	}
	if selected != 8 {
		t.Errorf("%d ApplicationSets select a cluster by its enable_ label, want 8", selected)
	}
}

// TestValidatePlatformRepo validates the platform repository example's Argo
// CD objects (the AppProject, the settings Application and the team
// ApplicationSet) against Argo CD's CRDs, and its XRs and settings against
// the XRDs and Crossplane's CRDs.
func TestValidatePlatformRepo(t *testing.T) {
	v := newValidator(t)
	here, _ := os.Getwd()
	argo := moduleDir(t, here, "github.com/argoproj/argo-cd/v3@v3.6.1", "GOTOOLCHAIN=go1.27.3")
	crds := t.TempDir()
	for _, c := range []string{"application", "applicationset", "appproject"} {
		copyFile(t, filepath.Join(argo, "manifests", "crds", c+"-crd.yaml"), filepath.Join(crds, c+".yaml"))
	}
	copyFile(t, filepath.Join(root, "example", "xrd.yaml"), filepath.Join(crds, "xrd.yaml"))
	copyFile(t, filepath.Join(root, "example", "xrd-namespaced.yaml"), filepath.Join(crds, "xrd-namespaced.yaml"))

	var objs []map[string]any
	repo := filepath.Join(root, "example", "platform-repo")
	err := filepath.WalkDir(repo, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") || strings.Contains(path, ".github") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, doc := range strings.Split(string(b), "\n---\n") {
			o := map[string]any{}
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if len(o) > 0 {
				objs = append(objs, o)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o["kind"].(string)]++
	}
	for _, k := range []string{"AppProject", "Application", "ApplicationSet", "TeamCluster", "NamespacedTeamCluster", "EnvironmentConfig"} {
		if kinds[k] == 0 {
			t.Errorf("example/platform-repo has no %s (it has %v)", k, kinds)
		}
	}
	res := t.TempDir()
	writeYAML(t, filepath.Join(res, "platform-repo.yaml"), objs...)
	if out, err := v.validate(t, crds, res); err != nil {
		t.Fatalf("crossplane beta validate: %v\n%s", err, out)
	}
}
