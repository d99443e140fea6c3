// Package awsrules holds what the AWS provider and AWS itself enforce on the
// managed resources the function composes, for the simulated providers: a
// reference or selector resolves to exactly one ready object of its kind or
// the resource waits, as crossplane-runtime's resolver makes it wait; and
// the calls AWS refuses (a policy attachment before its role, a group
// membership before its group, a template association before its template
// or repository, deleting a user that still has credentials or attached
// policies, deleting a policy still attached or a review template still
// associated). Each refusal is
// one the real-provider suite met when an ordering was missing. (IAM also
// refuses to delete a role with policies attached; the provider retries
// until the attachments, deleted with it, are gone, so that is no missing
// ordering and is not played.)
//
// Objects are managed resources as unstructured content (the API server's
// JSON), the world is every one that exists.
package awsrules

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// target is the kind a reference or selector field points to: its API group
// up to the provider's suffix (for example "ec2.aws") and its kind.
type target struct{ family, kind string }

// targets maps every reference and selector field the function writes to
// its kind. A field not listed is an error, so a new one cannot be ignored.
var targets = map[string]target{
	"clusterName":          {"eks.aws", "Cluster"},
	"vpcId":                {"ec2.aws", "VPC"},
	"routeTableId":         {"ec2.aws", "RouteTable"},
	"subnetId":             {"ec2.aws", "Subnet"},
	"natGatewayId":         {"ec2.aws", "NATGateway"},
	"allocationId":         {"ec2.aws", "EIP"},
	"gatewayId":            {"ec2.aws", "InternetGateway"},
	"role":                 {"iam.aws", "Role"},
	"roleArn":              {"iam.aws", "Role"},
	"nodeRoleArn":          {"iam.aws", "Role"},
	"principalArnFromRole": {"iam.aws", "Role"},
	"user":                 {"iam.aws", "User"},
	"userName":             {"iam.aws", "User"},
	"policyArn":            {"iam.aws", "Policy"},
	"principalArn":         {"eks.aws", "AccessEntry"},
	"groupName":            {"cognitoidp.aws", "UserGroup"},
	"groupId":              {"identitystore.aws", "Group"},
	"queueUrl":             {"sqs.aws", "Queue"},
	"rule":                 {"cloudwatchevents.aws", "Rule"},
	"targetKeyId":          {"kms.aws", "Key"},
	"kmsKeyId":             {"kms.aws", "Key"},
	"projectId":            {"projects.gitlab", "Project"},
	"teamId":               {"team.github", "Team"},
	"repositoryId":         {"repo.github", "Repository"},
	// Written literally by the function, looked up by name.
	"approvalRuleTemplateName": {"codecommit.aws", "ApprovalRuleTemplate"},
	"repositoryName":           {"codecommit.aws", "Repository"},
}

// reference is one reference or selector field of an object.
type reference struct {
	path   string
	target target
	// names are a Ref's or Refs' names; labels and controller a Selector's.
	names      []string
	labels     map[string]string
	controller bool
	many       bool
}

// Unresolved says why o's references and selectors do not all resolve in
// w, or "" when they do: a Ref names an object of its kind that exists and
// is ready, a Selector matches exactly one such object (of the same
// controller with matchControllerRef), as the provider needs a value from it
// before it can create o.
func Unresolved(o map[string]any, w []map[string]any) string {
	refs, err := referencesOf(o)
	if err != nil {
		return err.Error()
	}
	var why []string
	for _, r := range refs {
		matches := resolve(o, r, w)
		switch {
		case len(r.names) > 0 && len(matches) != len(r.names):
			why = append(why, fmt.Sprintf("%s: %d of %s %v are ready", r.path, len(matches), r.target.kind, r.names))
		case len(r.names) == 0 && len(matches) != 1 && (!r.many || len(matches) == 0):
			why = append(why, fmt.Sprintf("%s: %d ready %s match %v", r.path, len(matches), r.target.kind, r.labels))
		}
	}
	if len(why) == 0 {
		return ""
	}
	return "cannot resolve references: " + strings.Join(why, "; ")
}

// literals are the fields AWS looks up by name when a resource is created:
// the kind they name must exist first, or the call is refused.
var literals = map[target][]struct {
	field   string
	target  target
	missing string
}{
	{"iam.aws", "RolePolicyAttachment"}:      {{"role", target{"iam.aws", "Role"}, "NoSuchEntity: The role with name %s cannot be found."}},
	{"iam.aws", "RolePolicy"}:                {{"role", target{"iam.aws", "Role"}, "NoSuchEntity: The role with name %s cannot be found."}},
	{"iam.aws", "UserPolicyAttachment"}:      {{"user", target{"iam.aws", "User"}, "NoSuchEntity: The user with name %s cannot be found."}},
	{"iam.aws", "ServiceSpecificCredential"}: {{"userName", target{"iam.aws", "User"}, "NoSuchEntity: The user with name %s cannot be found."}},
	{"cognitoidp.aws", "UserInGroup"}:        {{"groupName", target{"cognitoidp.aws", "UserGroup"}, "ResourceNotFoundException: Group %s not found."}},
	{"codecommit.aws", "ApprovalRuleTemplateAssociation"}: {
		{"approvalRuleTemplateName", target{"codecommit.aws", "ApprovalRuleTemplate"}, "ApprovalRuleTemplateDoesNotExistException: The specified approval rule template %s does not exist."},
		{"repositoryName", target{"codecommit.aws", "Repository"}, "RepositoryDoesNotExistException: %s does not exist"},
	},
}

// CreateRefused is AWS's answer when the provider creates o in w with the
// names the function wrote literally (not through a reference, which
// waits), or "" when AWS accepts it.
func CreateRefused(o map[string]any, w []map[string]any) string {
	fp := forProvider(o)
	for _, l := range literals[target{familyOf(o), kindOf(o)}] {
		v, _ := fp[l.field].(string)
		if v == "" {
			continue
		}
		if !slices.ContainsFunc(w, func(c map[string]any) bool {
			return familyOf(c) == l.target.family && kindOf(c) == l.target.kind && ready(c) && sameAccount(c, o) &&
				(externalName(c) == v || stringAt(c, "spec", "forProvider", "name") == v)
		}) {
			return fmt.Sprintf(l.missing, v)
		}
	}
	return ""
}

// users are, by kind, the kinds whose objects keep one from being deleted
// while they name it.
var users = map[target][]target{
	{"iam.aws", "User"}:   {{"iam.aws", "ServiceSpecificCredential"}, {"iam.aws", "UserPolicyAttachment"}},
	{"iam.aws", "Policy"}: {{"iam.aws", "UserPolicyAttachment"}, {"iam.aws", "RolePolicyAttachment"}, {"iam.aws", "RolePolicy"}},
	// CodeCommit refuses to delete a template still associated with a
	// repository.
	{"codecommit.aws", "ApprovalRuleTemplate"}: {{"codecommit.aws", "ApprovalRuleTemplateAssociation"}},
}

// DeleteRefused is AWS's answer when the provider deletes o while w exists,
// or "" when AWS deletes it.
func DeleteRefused(o map[string]any, w []map[string]any) string {
	users := users[target{familyOf(o), kindOf(o)}]
	if users == nil {
		return ""
	}
	var by []string
	for _, other := range w {
		if !slices.Contains(users, target{familyOf(other), kindOf(other)}) {
			continue
		}
		if !same(other, o) && refersTo(other, o) {
			by = append(by, kindOf(other)+" "+nameOf(other))
		}
	}
	if len(by) == 0 {
		return ""
	}
	slices.Sort(by)
	switch family, kind := familyOf(o), kindOf(o); {
	case family == "iam.aws" && kind == "User":
		return fmt.Sprintf("DeleteConflict: Cannot delete entity, must remove credentials and detach policies first (still there: %s)", strings.Join(by, ", "))
	case family == "iam.aws" && kind == "Policy":
		return fmt.Sprintf("DeleteConflict: Cannot delete a policy attached to entities (still attached by: %s)", strings.Join(by, ", "))
	case family == "codecommit.aws" && kind == "ApprovalRuleTemplate":
		return fmt.Sprintf("ApprovalRuleTemplateInUseException: The approval rule template is associated with one or more repositories (still there: %s)", strings.Join(by, ", "))
	}
	return ""
}

// refersTo says whether other names o through a reference, a selector or
// a literal name or ARN.
func refersTo(other, o map[string]any) bool {
	refs, _ := referencesOf(other)
	for _, r := range refs {
		if resolvesTo(other, r, o) {
			return true
		}
	}
	fp := forProvider(other)
	ids := []string{externalName(o), stringAt(o, "status", "atProvider", "arn"), stringAt(o, "status", "atProvider", "id")}
	for field, t := range targets {
		v, _ := fp[field].(string)
		if v != "" && t.family == familyOf(o) && t.kind == kindOf(o) && slices.Contains(ids, v) && sameAccount(other, o) {
			return true
		}
	}
	return false
}

// resolve lists the ready objects of w that r of o resolves to.
func resolve(o map[string]any, r reference, w []map[string]any) []map[string]any {
	var out []map[string]any
	for _, c := range w {
		if resolvesTo(o, r, c) {
			out = append(out, c)
		}
	}
	return out
}

// resolvesTo says whether r of o names c: c is ready, of r's kind, in o's
// namespace, and named by the Ref(s) or matched by the Selector.
func resolvesTo(o map[string]any, r reference, c map[string]any) bool {
	if familyOf(c) != r.target.family || kindOf(c) != r.target.kind || namespaceOf(c) != namespaceOf(o) || !ready(c) {
		return false
	}
	if len(r.names) > 0 {
		return slices.Contains(r.names, nameOf(c))
	}
	return matches(labelsOf(c), r.labels) && (!r.controller || (controllerOf(c) != "" && controllerOf(c) == controllerOf(o)))
}

func matches(labels, want map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// referencesOf lists every reference and selector field in o's
// spec.forProvider and spec.initProvider, at any depth.
func referencesOf(o map[string]any) ([]reference, error) {
	if familyOf(o) == "kubernetes" {
		// A provider-kubernetes Object's forProvider is a manifest, not
		// provider fields; its references are patchesFrom.
		return nil, nil
	}
	var refs []reference
	var walk func(path string, v any) error
	walk = func(path string, v any) error {
		switch v := v.(type) {
		case []any:
			for i, e := range v {
				if err := walk(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
					return err
				}
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				p := path + "." + k
				field, kind, ok := referenceField(k)
				if !ok {
					if err := walk(p, v[k]); err != nil {
						return err
					}
					continue
				}
				t, known := targets[field]
				if !known {
					return fmt.Errorf("%s: the simulated provider does not know what %s refers to; add it to awsrules.targets", p, k)
				}
				r := reference{path: p, target: t, many: kind == "Refs"}
				switch kind {
				case "Ref":
					m, _ := v[k].(map[string]any)
					n, _ := m["name"].(string)
					r.names = []string{n}
				case "Refs":
					l, _ := v[k].([]any)
					for _, e := range l {
						m, _ := e.(map[string]any)
						n, _ := m["name"].(string)
						r.names = append(r.names, n)
					}
				case "Selector":
					m, _ := v[k].(map[string]any)
					r.labels = map[string]string{}
					ls, _ := m["matchLabels"].(map[string]any)
					for lk, lv := range ls {
						r.labels[lk], _ = lv.(string)
					}
					r.controller, _ = m["matchControllerRef"].(bool)
				}
				refs = append(refs, r)
			}
		}
		return nil
	}
	spec, _ := o["spec"].(map[string]any)
	for _, part := range []string{"forProvider", "initProvider"} {
		if err := walk("spec."+part, spec[part]); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

// referenceField splits a key like roleSelector or subnetIdRefs into the
// field it resolves and the kind of reference.
func referenceField(k string) (field, kind string, ok bool) {
	for _, suffix := range []string{"Selector", "Refs", "Ref"} {
		if f, found := strings.CutSuffix(k, suffix); found && f != "" {
			return f, suffix, true
		}
	}
	return "", "", false
}

func same(a, b map[string]any) bool {
	return kindOf(a) == kindOf(b) && familyOf(a) == familyOf(b) && namespaceOf(a) == namespaceOf(b) && nameOf(a) == nameOf(b)
}

func sameAccount(a, b map[string]any) bool {
	return stringAt(a, "spec", "providerConfigRef", "name") == stringAt(b, "spec", "providerConfigRef", "name")
}

// ready is the managed resource's Ready condition.
func ready(o map[string]any) bool {
	status, _ := o["status"].(map[string]any)
	conds, _ := status["conditions"].([]any)
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Ready" {
			return m["status"] == "True"
		}
	}
	return false
}

func kindOf(o map[string]any) string { k, _ := o["kind"].(string); return k }

// familyOf is the API group without the provider's suffix:
// "ec2.aws.m.upbound.io" is "ec2.aws", "projects.gitlab.m.crossplane.io"
// is "projects.gitlab".
func familyOf(o map[string]any) string {
	av, _ := o["apiVersion"].(string)
	group, _, _ := strings.Cut(av, "/")
	for _, s := range []string{".m.upbound.io", ".upbound.io", ".m.crossplane.io", ".crossplane.io"} {
		if f, ok := strings.CutSuffix(group, s); ok {
			return f
		}
	}
	return group
}

func nameOf(o map[string]any) string      { return stringAt(o, "metadata", "name") }
func namespaceOf(o map[string]any) string { return stringAt(o, "metadata", "namespace") }
func externalName(o map[string]any) string {
	return stringAt(o, "metadata", "annotations", "crossplane.io/external-name")
}

func labelsOf(o map[string]any) map[string]string {
	md, _ := o["metadata"].(map[string]any)
	ls, _ := md["labels"].(map[string]any)
	out := map[string]string{}
	for k, v := range ls {
		out[k], _ = v.(string)
	}
	return out
}

// controllerOf is the UID of o's controller owner reference.
func controllerOf(o map[string]any) string {
	md, _ := o["metadata"].(map[string]any)
	refs, _ := md["ownerReferences"].([]any)
	for _, r := range refs {
		m, _ := r.(map[string]any)
		if c, _ := m["controller"].(bool); c {
			uid, _ := m["uid"].(string)
			return uid
		}
	}
	return ""
}

func forProvider(o map[string]any) map[string]any {
	spec, _ := o["spec"].(map[string]any)
	fp, _ := spec["forProvider"].(map[string]any)
	return fp
}

func stringAt(o map[string]any, path ...string) string {
	var v any = o
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

// Resolve lists the ready objects of w that o's field (one of targets, for
// example "clusterName" or "principalArnFromRole") names, through its Ref,
// Refs or Selector or, when it has none, its literal name or ARN: what the
// provider would fill the field from.
func Resolve(o map[string]any, field string, w []map[string]any) []map[string]any {
	t, known := targets[field]
	if !known {
		return nil
	}
	refs, _ := referencesOf(o)
	for _, r := range refs {
		if strings.HasPrefix(r.path, "spec.forProvider."+field) && strings.Count(r.path, ".") == 2 {
			return resolve(o, r, w)
		}
	}
	v, _ := forProvider(o)[field].(string)
	if v == "" {
		return nil
	}
	var out []map[string]any
	for _, c := range w {
		ids := []string{externalName(c), stringAt(c, "status", "atProvider", "arn"), stringAt(c, "status", "atProvider", "id")}
		if familyOf(c) == t.family && kindOf(c) == t.kind && ready(c) && sameAccount(o, c) && slices.Contains(ids, v) {
			out = append(out, c)
		}
	}
	return out
}
