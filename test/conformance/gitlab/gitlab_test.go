// Package gitlab decodes every provider-gitlab object the function renders
// into provider-gitlab's own Go types, strictly. It is a module of its own
// because those types need a newer crossplane-runtime than the AWS
// provider's types, in the parent module, compile with.
package gitlab

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	projects "github.com/crossplane-contrib/provider-gitlab/apis/namespaced/projects/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

var root = func() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..", "..")
}()

// rendered runs the function module's renderall command and returns every
// provider-gitlab object it wrote, by file.
func rendered(t *testing.T) map[string][]map[string]any {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./test/renderall", "-out", dir)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("renderall: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	out := map[string][]map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(b), "\n---\n") {
			o := map[string]any{}
			if err := yaml.Unmarshal([]byte(strings.TrimPrefix(doc, "---\n")), &o); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if v, _ := o["apiVersion"].(string); strings.Contains(v, ".gitlab.m.crossplane.io/") {
				out[filepath.Base(f)] = append(out[filepath.Base(f)], o)
			}
		}
	}
	return out
}

func TestStrictDecodeGitLab(t *testing.T) {
	s := runtime.NewScheme()
	if err := projects.SchemeBuilder.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	decoded := map[string]int{}
	for file, objs := range rendered(t) {
		for _, o := range objs {
			if err := strictDecode(s, o); err != nil {
				t.Errorf("%s: %v", file, err)
			}
			decoded[o["kind"].(string)]++
		}
	}
	// Every kind the function composes on GitLab, so the check cannot pass
	// by rendering none of them.
	for _, kind := range []string{"Project", "ProtectedBranch", "Member", "DeployToken"} {
		if decoded[kind] == 0 {
			t.Errorf("no %s rendered", kind)
		}
	}
	t.Logf("decoded strictly: %v", decoded)
}

func strictDecode(s *runtime.Scheme, obj map[string]any) error {
	gvk := schema.FromAPIVersionAndKind(obj["apiVersion"].(string), obj["kind"].(string))
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
	return nil
}
