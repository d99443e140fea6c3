package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Crossplane runs as in a Helm install: its service account bound to the
// ClusterRoles of Crossplane's own chart, which aggregate what the RBAC
// manager grants per XRD and per provider revision. Nothing else is given,
// so a kind the platform composes without granting it fails as it would in
// a real cluster.

// chartRBAC are the chart's templates that make Crossplane's and the RBAC
// manager's roles and bindings.
var chartRBAC = []string{
	"clusterrole.yaml", "clusterrolebinding.yaml",
	"rbac-manager-clusterrole.yaml", "rbac-manager-clusterrolebinding.yaml",
	"rbac-manager-allowed-provider-permissions.yaml",
	// crossplane-view and the roles it aggregates: what a team's group is
	// bound to in its namespace.
	"rbac-manager-managed-clusterroles.yaml",
}

// renderChartRBAC renders chartRBAC from the chart in the Crossplane module
// the suite runs, with the chart's default values, as `helm template` would
// into crossplane-system. The templates use only a handful of Helm's
// functions, provided here.
func (cp *controlPlane) renderChartRBAC() ([]*unstructured.Unstructured, error) {
	crds, err := cp.crossplaneCRDs()
	if err != nil {
		return nil, err
	}
	chart := filepath.Join(filepath.Dir(crds), "charts", "crossplane")
	var meta, values map[string]any
	for f, into := range map[string]*map[string]any{"Chart.yaml": &meta, "values.yaml": &values} {
		b, err := os.ReadFile(filepath.Join(chart, f))
		if err != nil {
			return nil, err
		}
		if err := yaml.Unmarshal(b, into); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	data := map[string]any{
		"Values":  values,
		"Release": map[string]any{"Name": "crossplane", "Namespace": "crossplane-system", "Service": "Helm"},
		"Chart":   map[string]any{"Name": meta["name"], "Version": meta["version"], "AppVersion": meta["appVersion"]},
	}
	tpl := template.New("chart")
	tpl.Funcs(template.FuncMap{
		"default": func(d, v any) any {
			if v == nil || v == "" {
				return d
			}
			return v
		},
		"trunc": func(n int, s string) string {
			if len(s) > n {
				return s[:n]
			}
			return s
		},
		"trimSuffix": func(suffix, s string) string { return strings.TrimSuffix(s, suffix) },
		"replace":    func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
		"quote":      func(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) },
		"toYaml": func(v any) (string, error) {
			b, err := yaml.Marshal(v)
			return strings.TrimSuffix(string(b), "\n"), err
		},
		"indent": func(n int, s string) string {
			pad := strings.Repeat(" ", n)
			return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
		},
		"include": func(name string, data any) (string, error) {
			var b bytes.Buffer
			err := tpl.ExecuteTemplate(&b, name, data)
			return b.String(), err
		},
	})
	if _, err := tpl.ParseFiles(filepath.Join(chart, "templates", "_helpers.tpl")); err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, f := range chartRBAC {
		b, err := os.ReadFile(filepath.Join(chart, "templates", f))
		if err != nil {
			return nil, err
		}
		t, err := tpl.New(f).Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		var rendered bytes.Buffer
		if err := t.Execute(&rendered, data); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for doc := range strings.SplitSeq(rendered.String(), "\n---") {
			o := map[string]any{}
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				return nil, fmt.Errorf("%s: %w\n%s", f, err, doc)
			}
			if len(o) > 0 {
				out = append(out, &unstructured.Unstructured{Object: o})
			}
		}
	}
	return out, nil
}

// installCrossplaneRBAC gives Crossplane and its RBAC manager their service
// accounts and the chart's roles, and starts what fills those roles: the
// ClusterRole aggregation controller and the RBAC manager. Before
// Crossplane starts, so it never runs with more than a real install has.
func (cp *controlPlane) installCrossplaneRBAC(ctx context.Context) error {
	for _, sa := range crossplaneServiceAccounts {
		if _, err := cp.kube.CoreV1().ServiceAccounts("crossplane-system").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	objs, err := cp.renderChartRBAC()
	if err != nil {
		return fmt.Errorf("rendering Crossplane's chart: %w", err)
	}
	for _, o := range objs {
		if err := cp.apply(ctx, o); err != nil {
			return fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
		}
	}
	if _, err := start(cp.dir, "kube-controller-manager-aggregation", nil, bin("kube-controller-manager"),
		"--kubeconfig", cp.kubeconfig, "--controllers", "clusterrole-aggregation",
		"--leader-elect=false", "--secure-port=0"); err != nil {
		return err
	}
	// As the chart's rbac-manager Deployment runs it.
	_, err = start(cp.dir, "rbac-manager", []string{"KUBECONFIG=" + cp.kubeconfigOf("rbac-manager")}, bin("crossplane-core"),
		"rbac", "start", "--provider-clusterrole=crossplane:allowed-provider-permissions")
	return err
}

// grantRawProviderKinds gives Crossplane what the RBAC manager would give it
// for kinds whose CRDs the suite installs without a provider package (the
// Git hosts' kinds): a role shaped like the RBAC manager's per provider
// revision, aggregated to Crossplane.
func (cp *controlPlane) grantRawProviderKinds(ctx context.Context, name string, resources map[string][]string) error {
	var rules []any
	for group, plurals := range resources {
		var rs []any
		for _, p := range plurals {
			rs = append(rs, p, p+"/status")
		}
		rules = append(rules, map[string]any{"apiGroups": []any{group}, "resources": rs, "verbs": []any{"*"}})
	}
	return cp.apply(ctx, &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1",
		"kind":       "ClusterRole",
		"metadata": map[string]any{
			"name": "crossplane:provider:" + name + ":aggregate-to-edit",
			"labels": map[string]any{
				"rbac.crossplane.io/aggregate-to-crossplane": "true",
				"rbac.crossplane.io/aggregate-to-edit":       "true",
				"rbac.crossplane.io/aggregate-to-admin":      "true",
			},
		},
		"rules": rules,
	}})
}
