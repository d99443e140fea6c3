package validation

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// Bounds on the work one XR may cause. Each member and admin is one
// composed resource, and a response over the 4 MiB that Crossplane's gRPC
// client accepts fails the XR with a transport error; 1,000 members and 200
// admins make a response of about 1 MiB.
const (
	MaxMembers = 1000
	MaxAdmins  = 200
)

// maxNamePrefix bounds Input.namePrefix, so a project name (prefix and the
// cluster's name) stays a valid 63-character label value.
const maxNamePrefix = 16

// namePrefixRe is a DNS label prefix that ends in a dash.
var namePrefixRe = regexp.MustCompile(`^[a-z][a-z0-9-]*-$`)

// reservedPrefixes are names Argo CD gives its own objects in its namespace
// (argocd-cm, argocd-secret, argocd-rbac-cm, argocd-tls-certs-cm, ...) and
// the Secrets its CLI writes (cluster-<host>-<hash>, repo-<hash>).
var reservedPrefixes = []string{"argocd", "cluster-", "repo-", "creds-"}

// reservedNames are Argo CD's own project and cluster names.
var reservedNames = []string{"default", "in-cluster"}

func namePrefix(p *field.Path, prefix string) field.ErrorList {
	switch {
	case len(prefix) > maxNamePrefix || !namePrefixRe.MatchString(prefix):
		return field.ErrorList{field.Invalid(p, prefix, fmt.Sprintf("must be 2-%d lowercase letters, digits and dashes, starting with a letter and ending with a dash", maxNamePrefix))}
	case reservedPrefix(prefix) != "":
		return field.ErrorList{field.Invalid(p, prefix, fmt.Sprintf("must not start with %q: Argo CD names its own objects that way", reservedPrefix(prefix)))}
	}
	return nil
}

func reservedPrefix(name string) string {
	for _, r := range reservedPrefixes {
		if strings.HasPrefix(name, r) {
			return r
		}
	}
	return ""
}

// tenancy checks the platform's grants: every team once, at least one
// account each, and every namespace granted to one team and not shared.
func tenancy(p *field.Path, in *v1beta1.Input) field.ErrorList {
	var errs field.ErrorList
	teams := p.Child("teams")
	if len(in.Tenancy.Teams) == 0 {
		return append(errs, field.Required(teams, "the platform must grant each team the AWS accounts its clusters may use; an XR of a team not listed here is refused"))
	}
	shared := map[string]string{
		"kube-system":                     "Kubernetes' own namespace",
		"kube-public":                     "Kubernetes' own namespace",
		"kube-node-lease":                 "Kubernetes' own namespace",
		"crossplane-system":               "Crossplane's namespace, where the providers and their credentials are",
		in.ArgoCD.Namespace:               "Argo CD's namespace",
		in.ManagedResourceNamespace:       "the managed resource namespace of cluster-scoped XRs",
		in.ClusterCreationEvent.Namespace: "the cluster-creation-event namespace",
	}
	if gh := in.Repository.GitHub; gh != nil && gh.App != nil {
		shared[gh.App.PrivateKeySecretRef.Namespace] = "the namespace of the GitHub App's private key"
	}
	if b := in.Tenancy.ClusterScopedBinding; b != nil {
		bp := p.Child("clusterScopedBinding")
		if msgs := validation.IsQualifiedName(b.Annotation); len(msgs) > 0 {
			errs = append(errs, field.Invalid(bp.Child("annotation"), b.Annotation, "must be an annotation key: "+strings.Join(msgs, "; ")))
		}
		switch {
		case !strings.Contains(b.Application, "{team}"):
			errs = append(errs, field.Invalid(bp.Child("application"), b.Application, "must contain {team}: one Application per team folder is what binds a cluster-scoped XR to its team"))
		case len(validation.IsDNS1123Subdomain(strings.ReplaceAll(b.Application, "{team}", "a"))) > 0:
			errs = append(errs, field.Invalid(bp.Child("application"), b.Application, "must be an Argo CD Application name; the only placeholder is {team}"))
		}
		if why := folderProblem(b.Folder); why != "" {
			errs = append(errs, field.Invalid(bp.Child("folder"), b.Folder, why))
		}
	}
	seenTeam := map[string]bool{}
	seenNS := map[string]string{}
	// An account or zone of two teams would let one team's roles act on
	// the other's resources.
	seenAccount, seenZone := map[string]string{}, map[string]string{}
	for i, t := range in.Tenancy.Teams {
		tp := teams.Index(i)
		switch {
		case !safeName.MatchString(t.Name) || len(t.Name) > maxTeamName:
			errs = append(errs, field.Invalid(tp.Child("name"), t.Name, fmt.Sprintf("must be 1-%d lowercase letters, digits and inner dashes, starting with a letter", maxTeamName)))
		case seenTeam[t.Name]:
			errs = append(errs, field.Duplicate(tp.Child("name"), t.Name))
		}
		seenTeam[t.Name] = true
		if len(t.AccountIDs) == 0 {
			errs = append(errs, field.Required(tp.Child("accountIds"), "a team needs at least one AWS account"))
		}
		errs = append(errs, ownedByOne(tp.Child("accountIds"), t.Name, t.AccountIDs, seenAccount, accountIDRe, "must be exactly 12 digits",
			"an account belongs to one team, or one team's roles could reach the other's clusters")...)
		errs = append(errs, ownedByOne(tp.Child("hostedZoneIds"), t.Name, t.HostedZoneIDs, seenZone, hostedZoneIDRe, "must be a Route 53 hosted zone ID, e.g. Z0123456789ABCDEFGHIJ",
			"a hosted zone belongs to one team")...)
		h := in.Repository.Host
		if t.RepositoryHost != "" {
			h = t.RepositoryHost
		}
		if h != v1beta1.HostCodeCommit {
			for j, u := range t.GitUsers {
				if rule := gitUsernameRule(h, u); rule != "" {
					errs = append(errs, field.Invalid(tp.Child("gitUsers").Index(j), u, rule))
				}
			}
		}
		for j, ns := range t.Namespaces {
			np := tp.Child("namespaces").Index(j)
			switch {
			case len(validation.IsDNS1123Label(ns)) > 0:
				errs = append(errs, field.Invalid(np, ns, "must be a Kubernetes namespace name (DNS-1123 label)"))
			case shared[ns] != "":
				errs = append(errs, field.Invalid(np, ns, "is "+shared[ns]+", which every team shares; a team's XRs there could write over other teams' objects"))
			case seenNS[ns] != "":
				errs = append(errs, field.Invalid(np, ns, "is already granted to team "+seenNS[ns]+"; a namespace belongs to one team"))
			}
			if seenNS[ns] == "" {
				seenNS[ns] = t.Name
			}
		}
	}
	return append(errs, grantHosts(teams, in)...)
}

// ownedByOne checks a team's grants of one kind (accounts, zones): each of
// the form re gives, and none granted to another team before (seen).
func ownedByOne(p *field.Path, team string, values []string, seen map[string]string, re *regexp.Regexp, form, why string) field.ErrorList {
	var errs field.ErrorList
	for j, v := range values {
		switch {
		case !re.MatchString(v):
			errs = append(errs, field.Invalid(p.Index(j), v, form))
		case seen[v] != "" && seen[v] != team:
			errs = append(errs, field.Invalid(p.Index(j), v, "is already granted to team "+seen[v]+"; "+why))
		default:
			seen[v] = team
		}
	}
	return errs
}

// grant checks that the XR asks only for what the platform granted its
// team: the team exists, the XR lives in one of the team's namespaces (a
// namespaced XR), and the account is one of the team's.
func grant(xr Composite, s clusterspec.Spec, in *v1beta1.Input) field.ErrorList {
	team := field.NewPath("spec", "team", "name")
	account := field.NewPath("spec", "aws", "accountId")
	teams := make([]string, len(in.Tenancy.Teams))
	for i, t := range in.Tenancy.Teams {
		teams[i] = t.Name
	}
	if xr.Namespace != "" {
		for _, t := range in.Tenancy.Teams {
			if !slices.Contains(t.Namespaces, xr.Namespace) {
				continue
			}
			if t.Name != s.Team.Name {
				return field.ErrorList{field.Invalid(team, s.Team.Name, fmt.Sprintf("namespace %s belongs to team %s (%s); an XR there can only be that team's", xr.Namespace, t.Name, xr.grants()))}
			}
			return append(account1(account, s.AWS.AccountID, t, xr.grants()), zones1(s, t, xr.grants())...)
		}
		return field.ErrorList{field.Forbidden(field.NewPath("metadata", "namespace"), fmt.Sprintf("namespace %s is not granted to any team (%s[].namespaces); ask the platform team to grant it", xr.Namespace, xr.grants()))}
	}
	for _, t := range in.Tenancy.Teams {
		if t.Name == s.Team.Name {
			if errs := bound(xr, t.Name, in.Tenancy.ClusterScopedBinding); len(errs) > 0 {
				return errs
			}
			return append(account1(account, s.AWS.AccountID, t, xr.grants()), zones1(s, t, xr.grants())...)
		}
	}
	return field.ErrorList{field.Invalid(team, s.Team.Name, "is not a team the platform granted anything to ("+xr.grants()+"); ask the platform team to add it")}
}

// bound checks that a cluster-scoped XR was synced by its team's Argo CD
// Application. Argo CD writes the tracking annotation on every object it
// applies, over whatever the manifest says, and the platform's
// ApplicationSet names each Application after a team folder: so the value
// says which folder the manifest came from, which a team cannot choose.
func bound(xr Composite, team string, b *v1beta1.ClusterScopedBinding) field.ErrorList {
	if b == nil {
		return nil
	}
	want := b.ApplicationOf(team)
	p := field.NewPath("metadata", "annotations").Key(b.Annotation)
	v, ok := xr.Annotations[b.Annotation]
	if !ok {
		return field.ErrorList{field.Required(p, fmt.Sprintf("a cluster-scoped XR of team %s must be synced by the Argo CD Application %s, from the platform repository's folder of team %s; "+
			"this XR carries no annotation saying which Application synced it (tenancy.clusterScopedBinding)", team, want, team))}
	}
	if app, _, _ := strings.Cut(v, ":"); app != want {
		return field.ErrorList{field.Forbidden(p, fmt.Sprintf("a cluster-scoped XR of team %s must be synced by the Argo CD Application %s, from the platform repository's folder of team %s; "+
			"this XR was synced by %q: move the manifest to team %s's folder, or name the team whose folder it is in", team, want, team, app, team))}
	}
	return nil
}

func account1(p *field.Path, id string, t v1beta1.TeamGrant, grants string) field.ErrorList {
	if slices.Contains(t.AccountIDs, id) {
		return nil
	}
	return field.ErrorList{field.Forbidden(p, fmt.Sprintf("account %s is not granted to team %s (%s); its accounts are %s", id, t.Name, grants, strings.Join(t.AccountIDs, ", ")))}
}

// zones1 checks that the XR's hosted zones are the team's: external-dns's
// and cert-manager's roles may change records in every zone listed.
func zones1(s clusterspec.Spec, t v1beta1.TeamGrant, grants string) field.ErrorList {
	var errs field.ErrorList
	for i, z := range s.Addons.HostedZones {
		if !slices.Contains(t.HostedZoneIDs, z.ID) {
			errs = append(errs, field.Forbidden(field.NewPath("spec", "addons", "hostedZones").Index(i).Child("id"),
				fmt.Sprintf("hosted zone %s is not granted to team %s (%s[].hostedZoneIds); ask the platform team to grant it", z.ID, t.Name, grants)))
		}
	}
	return errs
}

// sharedNames checks the Argo CD project and cluster name against the
// ones Argo CD uses itself. In the Hashed scheme every shared name starts
// with the platform's prefix and cannot match; a Legacy XR named "default"
// or "in-cluster" would take over Argo CD's own project or cluster.
func sharedNames(xr Composite, p compose.Params) field.ErrorList {
	if n := p.ProjectName(); slices.Contains(reservedNames, n) {
		return field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), xr.Name,
			fmt.Sprintf("gives the Argo CD project and cluster name %q, which is Argo CD's own (reserved: %s)", n, strings.Join(reservedNames, ", ")))}
	}
	return nil
}

// revisionPin refuses an XR that chooses its Composition revision. The XRDs
// enforce the package's Composition, but an XR may still keep an old
// revision (compositionUpdatePolicy Manual) or pick one by label
// (compositionRevisionSelector), and with it an older Input: settings the
// platform has since replaced, such as tenancy written in the Composition.
// Crossplane's own compositionRevisionRef, which it moves to each new
// revision under the Automatic policy, is left alone.
func revisionPin(p *field.Path, raw json.RawMessage) field.ErrorList {
	if len(raw) == 0 {
		return nil
	}
	var c struct {
		UpdatePolicy     string          `json:"compositionUpdatePolicy"`
		RevisionSelector json.RawMessage `json:"compositionRevisionSelector"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return field.ErrorList{field.Invalid(p, string(raw), "must be Crossplane's composition machinery: "+err.Error())}
	}
	var errs field.ErrorList
	why := "the platform rolls each revision of its Composition out to every XR, and a pinned revision keeps settings it has replaced: remove the field"
	if c.UpdatePolicy != "" && c.UpdatePolicy != "Automatic" {
		errs = append(errs, field.Forbidden(p.Child("compositionUpdatePolicy"), c.UpdatePolicy+": "+why))
	}
	if len(c.RevisionSelector) > 0 && string(c.RevisionSelector) != "null" {
		errs = append(errs, field.Forbidden(p.Child("compositionRevisionSelector"), why))
	}
	return errs
}

// folderProblem says what is wrong with a team folder pattern, or "": a
// path relative to the repository's root whose segments are names, one of
// them exactly {team}.
func folderProblem(folder string) string {
	segs := strings.Split(folder, "/")
	teams := 0
	for _, s := range segs {
		switch {
		case s == "{team}":
			teams++
		case s == "" || s == "." || s == ".." || strings.ContainsAny(s, "{}\\"):
			return "must be a relative path of folder names (like teams/{team}), with no empty, . or .. segment"
		}
	}
	if teams != 1 {
		return "must have {team} as exactly one whole segment (like teams/{team}): the folder is what binds a manifest to its team"
	}
	return ""
}
