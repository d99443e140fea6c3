// Package platformsettings reads the platform's own settings (its hub role,
// Cognito pool, repository account, team grants, ProviderConfig names,
// tags, Argo CD namespace) from an EnvironmentConfig the platform team
// applies once, so one published Composition serves every platform. The
// settings fill the fields of the function's Input they may hold; the
// Composition's Input keeps what belongs to the Composition. A value is set
// in one place only: a field set in both is an error, not a precedence.
package platformsettings

import (
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/internal/spelling"
)

// EnvironmentConfig is the kind the settings are read from.
const (
	APIVersion = "apiextensions.crossplane.io/v1beta1"
	Kind       = "EnvironmentConfig"
)

// Fields are the Input fields, by JSON path, that only the platform
// settings may hold when the Input names an EnvironmentConfig: everything
// specific to one organisation, and what it tunes per environment (the NAT
// layout, the Kubernetes version new clusters get, when teams hear that
// their version's support ends, the compliance baseline, the
// per-environment defaults). The rest of the Input belongs
// to the Composition (TTL, upgrade policy, bootstrap, the repository's
// deletion policy, ...).
var Fields = [][]string{
	{"tenancy"},
	{"namePrefix"},
	{"providerConfigRef"},
	{"managedResourceNamespace"},
	{"tags"},
	{"endpointAccess"},
	{"argocd", "mode"},
	{"argocd", "hubRoleArn"},
	{"argocd", "capabilityRoleArn"},
	{"argocd", "accessMode"},
	{"argocd", "namespace"},
	{"identity"},
	{"cognito"},
	{"repository", "accountId"},
	{"repository", "region"},
	{"repository", "providerConfigRef"},
	{"repository", "host"},
	{"repository", "github"},
	{"repository", "gitlab"},
	{"kubernetesProviderConfigRef"},
	{"teamAccess"},
	{"compute"},
	{"natGateways"},
	{"defaultKubernetesVersion"},
	{"upgrade", "supportNoticeDays"},
	{"compliance"},
	{"environments"},
}

// Source names the settings object in errors.
type Source struct{ Name string }

// Path is the field path of a settings value, as errors show it.
func (s Source) Path() *field.Path {
	return field.NewPath(Kind + " " + s.Name).Child("data")
}

// Merge returns the Input (as JSON values) with the settings' data filled
// in, and the paths of the fields that came from the settings. A field of
// the data that is not a platform setting, or that the Input sets too, is
// an error naming the object and the field.
func Merge(input, data map[string]any, src Source) (map[string]any, [][]string, field.ErrorList) {
	out := deepCopy(input)
	var from [][]string
	var errs field.ErrorList
	var walk func(path []string, d map[string]any)
	walk = func(path []string, d map[string]any) {
		for _, k := range slices.Sorted(maps.Keys(d)) {
			p := append(slices.Clone(path), k)
			switch kind(p) {
			case leaf:
				if _, set := Lookup(input, p); set {
					errs = append(errs, field.Forbidden(fieldPath(src.Path(), p),
						"also set in the Composition's Input (input."+strings.Join(p, ".")+"); set each value in one place"))
					continue
				}
				put(out, p, d[k])
				from = append(from, p)
			case branch:
				sub, ok := d[k].(map[string]any)
				if !ok {
					errs = append(errs, field.Invalid(fieldPath(src.Path(), p), d[k], "must be an object"))
					continue
				}
				walk(p, sub)
			case none:
				errs = append(errs, field.Forbidden(fieldPath(src.Path(), p),
					"not a platform setting: it belongs to the Composition's Input (input."+strings.Join(p, ".")+"), or is no field at all"+spelling.Hint(k, settingsAt(path))))
			}
		}
	}
	walk(nil, data)
	return out, from, errs
}

// Attribute rewrites the errors of the merged Input whose field came from
// the settings so they name the settings object, and the Required errors of
// platform fields so they say where the value belongs.
func Attribute(errs field.ErrorList, from [][]string, src Source) field.ErrorList {
	out := make(field.ErrorList, len(errs))
	for i, e := range errs {
		c := *e
		rest, ok := strings.CutPrefix(c.Field, "input.")
		if ok {
			for _, p := range from {
				if under(rest, p) {
					c.Field = src.Path().String() + "." + rest
					break
				}
			}
			if c.Type == field.ErrorTypeRequired && c.Field == e.Field && isPlatform(rest) {
				c.Field = src.Path().String() + "." + rest
			}
		}
		out[i] = &c
	}
	return out
}

// under reports whether the field path s is p or inside it.
func under(s string, p []string) bool {
	pre := strings.Join(p, ".")
	return s == pre || strings.HasPrefix(s, pre+".") || strings.HasPrefix(s, pre+"[")
}

func isPlatform(s string) bool {
	for _, p := range Fields {
		if under(s, p) {
			return true
		}
	}
	return false
}

type fieldKind int

const (
	none fieldKind = iota
	branch
	leaf
)

// kind says whether path is a platform setting, a prefix of some, or
// neither.
func kind(path []string) fieldKind {
	k := none
	for _, f := range Fields {
		switch {
		case slices.Equal(f, path):
			return leaf
		case len(f) > len(path) && slices.Equal(f[:len(path)], path):
			k = branch
		}
	}
	return k
}

// settingsAt are the names of the settings directly under path.
func settingsAt(path []string) []string {
	var names []string
	for _, f := range Fields {
		if len(f) > len(path) && slices.Equal(f[:len(path)], path) && !slices.Contains(names, f[len(path)]) {
			names = append(names, f[len(path)])
		}
	}
	return names
}

func fieldPath(root *field.Path, p []string) *field.Path {
	for _, s := range p {
		root = root.Child(s)
	}
	return root
}

// Lookup returns the value at path p of a JSON object, and whether it is
// set (present and not null).
func Lookup(m map[string]any, p []string) (any, bool) {
	var v any = m
	for _, k := range p {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return v, v != nil
}

func put(m map[string]any, p []string, v any) {
	for _, k := range p[:len(p)-1] {
		sub, ok := m[k].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[k] = sub
		}
		m = sub
	}
	m[p[len(p)-1]] = v
}

func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			out[k] = deepCopy(sub)
			continue
		}
		out[k] = v
	}
	return out
}
