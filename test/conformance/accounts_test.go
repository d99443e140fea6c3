package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	pkv1alpha1 "github.com/crossplane-contrib/provider-kubernetes/apis/namespaced/v1alpha1"
	awsv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// TestAccountProviderConfigs: the ClusterProviderConfigs of
// example/accounts decode strictly into the providers' own types and pass
// their CRDs' schemas, so they apply as written.
func TestAccountProviderConfigs(t *testing.T) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{awsv1beta1.SchemeBuilder.AddToScheme, pkv1alpha1.SchemeBuilder.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(root, "example", "accounts", "providerconfigs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var objs []map[string]any
	for _, doc := range strings.Split(string(b), "\n---\n") {
		o := map[string]any{}
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		if err := strictDecode(s, o); err != nil {
			t.Errorf("%s %v: %v", o["kind"], o["metadata"], err)
		}
		objs = append(objs, o)
	}
	if len(objs) < 3 {
		t.Fatalf("%d ProviderConfigs, want the central account's, a team account's and provider-kubernetes'", len(objs))
	}
	here, _ := os.Getwd()
	aws := moduleDir(t, here, "github.com/upbound/provider-aws/v2@v2.5.0")
	k8s := moduleDir(t, here, "github.com/crossplane-contrib/provider-kubernetes@v1.2.0")
	crds := t.TempDir()
	copyFile(t, filepath.Join(aws, "package", "crds", "aws.m.upbound.io_clusterproviderconfigs.yaml"), filepath.Join(crds, "aws.yaml"))
	copyFile(t, filepath.Join(k8s, "package", "crds", "kubernetes.m.crossplane.io_clusterproviderconfigs.yaml"), filepath.Join(crds, "kubernetes.yaml"))
	res := t.TempDir()
	writeYAML(t, filepath.Join(res, "providerconfigs.yaml"), objs...)
	if out, err := newValidator(t).validate(t, crds, res); err != nil {
		t.Fatalf("crossplane beta validate: %v\n%s", err, out)
	}
}
