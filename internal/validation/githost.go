package validation

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// Limits and forms of the Git hosts' names.
const (
	maxGitHubLogin    = 39
	maxGitLabUsername = 255
)

var (
	// GitHub logins and organisation names: letters, digits and single
	// inner dashes.
	gitHubNameRe = regexp.MustCompile(`^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$`)
	// GitLab usernames: letters, digits, _ . -, not starting with - or .
	gitLabUsernameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	// A GitLab group's full path: such names joined by slashes.
	gitLabGroupPathRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$`)
	secretKeyRe       = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
)

// gitHosts are the hosts the builders compose a repository on.
var gitHosts = func() []string {
	var hosts []string
	for _, r := range compose.GitRepositories {
		hosts = append(hosts, r.Host)
	}
	return hosts
}()

// gitHost checks the settings of the XR's Git host, which must be there,
// and those of every other host that are: a platform that moved to another
// host keeps the old one's settings while clusters' repositories live on
// it (each keeps its repository where it is), and a team's grant may name
// another host than repository.host.
func gitHost(p *field.Path, r *v1beta1.Repository) field.ErrorList {
	var errs field.ErrorList
	if !slices.Contains(gitHosts, r.Host) {
		return append(errs, field.NotSupported(p.Child("host"), r.Host, gitHosts))
	}
	switch {
	case r.Host == v1beta1.HostCodeCommit || r.AccountID != "" || r.Region != "":
		errs = append(errs, codeCommit(p, r)...)
	case r.DefaultBranchProtection != "":
		errs = append(errs, field.Forbidden(p.Child("defaultBranchProtection"), "protects CodeCommit repositories, and there are no CodeCommit settings (accountId, region): remove it"))
	}
	if r.Host == v1beta1.HostGitHub || r.GitHub != nil {
		errs = append(errs, gitHub(p.Child("github"), r.GitHub)...)
	}
	if r.Host == v1beta1.HostGitLab || r.GitLab != nil {
		errs = append(errs, gitLab(p.Child("gitlab"), r.GitLab)...)
	}
	return errs
}

// grantHosts checks the hosts teams' grants name: each is a host whose
// settings are there.
func grantHosts(p *field.Path, in *v1beta1.Input) field.ErrorList {
	var errs field.ErrorList
	r := in.Repository
	configured := map[string]bool{
		v1beta1.HostCodeCommit: r.AccountID != "" && r.Region != "",
		v1beta1.HostGitHub:     r.GitHub != nil,
		v1beta1.HostGitLab:     r.GitLab != nil,
	}
	for i, g := range in.Tenancy.Teams {
		h := g.RepositoryHost
		if h == "" {
			continue
		}
		hp := p.Index(i).Child("repositoryHost")
		switch {
		case !slices.Contains(gitHosts, h):
			errs = append(errs, field.NotSupported(hp, h, gitHosts))
		case !configured[h]:
			errs = append(errs, field.Invalid(hp, h, "team "+g.Name+"'s new repositories would be on "+h+", and repository has no settings for it: add repository."+hostSettings(h)))
		}
	}
	return errs
}

// hostSettings names where a host's settings are, under repository.
func hostSettings(host string) string {
	switch host {
	case v1beta1.HostGitHub:
		return "github"
	case v1beta1.HostGitLab:
		return "gitlab"
	default:
		return "accountId and repository.region"
	}
}

func gitHub(p *field.Path, g *v1beta1.GitHub) field.ErrorList {
	if g == nil {
		return field.ErrorList{field.Required(p, "the GitHub organisation (owner) the repositories are made in is required while a cluster's repository is, or is to be, on GitHub")}
	}
	var errs field.ErrorList
	if len(g.Owner) > maxGitHubLogin || !gitHubNameRe.MatchString(g.Owner) {
		errs = append(errs, field.Invalid(p.Child("owner"), g.Owner, fmt.Sprintf("must be a GitHub organisation name: 1-%d letters, digits and single inner dashes", maxGitHubLogin)))
	}
	errs = append(errs, centralProviderConfigRef(p.Child("providerConfigRef"), g.ProviderConfigRef)...)
	switch g.ArgoCDCredentials {
	case v1beta1.GitHubCredentialsOrganization:
		if g.App != nil {
			errs = append(errs, field.Forbidden(p.Child("app"), "only with argocdCredentials Repository: with Organization, Argo CD reads the App from the platform's repo-creds Secret"))
		}
	case v1beta1.GitHubCredentialsRepository:
		errs = append(errs, gitHubApp(p.Child("app"), g.App)...)
	default:
		errs = append(errs, field.NotSupported(p.Child("argocdCredentials"), g.ArgoCDCredentials, []string{v1beta1.GitHubCredentialsOrganization, v1beta1.GitHubCredentialsRepository}))
	}
	return errs
}

func gitHubApp(p *field.Path, a *v1beta1.GitHubApp) field.ErrorList {
	if a == nil {
		return field.ErrorList{field.Required(p, "argocdCredentials Repository writes the GitHub App into each repository's Secret: its id, installationId and privateKeySecretRef are required")}
	}
	var errs field.ErrorList
	if a.ID <= 0 {
		errs = append(errs, field.Invalid(p.Child("id"), a.ID, "must be the GitHub App's ID, a positive number"))
	}
	if a.InstallationID <= 0 {
		errs = append(errs, field.Invalid(p.Child("installationId"), a.InstallationID, "must be the App installation's ID, a positive number"))
	}
	ref, rp := a.PrivateKeySecretRef, p.Child("privateKeySecretRef")
	if len(validation.IsDNS1123Label(ref.Namespace)) > 0 {
		errs = append(errs, field.Invalid(rp.Child("namespace"), ref.Namespace, "must be a Kubernetes namespace name (DNS-1123 label)"))
	}
	if len(validation.IsDNS1123Subdomain(ref.Name)) > 0 {
		errs = append(errs, field.Invalid(rp.Child("name"), ref.Name, "must be a Kubernetes Secret name"))
	}
	if !secretKeyRe.MatchString(ref.Key) {
		errs = append(errs, field.Invalid(rp.Child("key"), ref.Key, "must be a key of a Secret's data: letters, digits, - _ ."))
	}
	return errs
}

func gitLab(p *field.Path, g *v1beta1.GitLab) field.ErrorList {
	if g == nil {
		return field.ErrorList{field.Required(p, "the GitLab group (groupId, groupPath) the projects are made in is required while a cluster's repository is, or is to be, on GitLab")}
	}
	var errs field.ErrorList
	if u, err := url.Parse(g.URL); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(g.URL, "/") {
		errs = append(errs, field.Invalid(p.Child("url"), g.URL, "must be the GitLab instance's https URL, without a trailing slash, user, query or fragment"))
	}
	if g.GroupID <= 0 {
		errs = append(errs, field.Invalid(p.Child("groupId"), g.GroupID, "must be the group's numeric ID"))
	}
	if !gitLabGroupPathRe.MatchString(g.GroupPath) || len(g.GroupPath) > 1024 {
		errs = append(errs, field.Invalid(p.Child("groupPath"), g.GroupPath, "must be the group's full path, e.g. acme/platform/teams: names of letters, digits and _ . - joined by /"))
	}
	return append(errs, centralProviderConfigRef(p.Child("providerConfigRef"), g.ProviderConfigRef)...)
}

// gitUsernames checks a team's user names on the Git host. On GitHub and
// GitLab every member and admin needs one, since a member without one
// would silently get no access; no two people share one; each has the
// host's form. A user name keyed by someone no longer in the team gives no
// access and is left alone, so removing a member is one edit. Field paths
// name list indexes, never keys: logs hold paths, and keys are people.
func gitUsernames(xr Composite, p *field.Path, t clusterspec.Team, in *v1beta1.Input) field.ErrorList {
	host := in.Repository.Host
	var errs field.ErrorList
	gp := p.Child("gitUsernames")
	owner := map[string]string{}
	granted := map[string]bool{}
	for _, g := range in.Tenancy.Teams {
		if g.Name == t.Name {
			for _, u := range g.GitUsers {
				granted[strings.ToLower(u)] = true
			}
		}
	}
	check := func(list string, names []string) {
		for i, m := range names {
			lp := p.Child(list).Index(i)
			v, ok := t.GitUsernames[m]
			switch {
			case !ok && host != v1beta1.HostCodeCommit:
				errs = append(errs, field.Required(gp, fmt.Sprintf("%s needs a %s user name, keyed by %q: the platform keeps repositories on %s", lp, host, m, host)))
			case !ok:
			case gitUsernameRule(host, v) != "":
				errs = append(errs, field.Invalid(gp, v, fmt.Sprintf("the user name of %s %s", lp, gitUsernameRule(host, v))))
			case host != v1beta1.HostCodeCommit && !granted[strings.ToLower(v)]:
				errs = append(errs, field.Forbidden(gp, fmt.Sprintf("the %s user name %q of %s is not one of team %s's people on %s (%s[].gitUsers); "+
					"the platform team adds people there once they are members of its organisation or group", host, v, lp, t.Name, host, xr.grants())))
			default:
				// Both hosts compare user names without regard to case.
				if other, taken := owner[strings.ToLower(v)]; taken && other != m {
					errs = append(errs, field.Invalid(gp, v, fmt.Sprintf("the user name of %s is also the user name of %q; each person has their own", lp, other)))
					continue
				}
				owner[strings.ToLower(v)] = m
			}
		}
	}
	check("members", t.Members)
	check("admins", t.Admins)
	return errs
}

// gitUsernameRule returns what is wrong with a user name on the host, or "".
func gitUsernameRule(host, v string) string {
	switch host {
	case v1beta1.HostGitHub:
		if len(v) > maxGitHubLogin || !gitHubNameRe.MatchString(v) {
			return fmt.Sprintf("must be a GitHub login: 1-%d letters, digits and single inner dashes", maxGitHubLogin)
		}
	default:
		if len(v) > maxGitLabUsername || !gitLabUsernameRe.MatchString(v) || strings.HasSuffix(v, ".") ||
			strings.HasSuffix(v, ".git") || strings.HasSuffix(v, ".atom") {
			return fmt.Sprintf("must be a GitLab username: 1-%d letters, digits and _ . -, not starting with - or . and not ending in ., .git or .atom", maxGitLabUsername)
		}
	}
	return ""
}

// platformSecretsOutOfReach refuses what would put a platform secret where
// a team can read it. With argocdCredentials Repository a provider-kubernetes
// Object copies the organisation's GitHub App private key into each
// repository Secret; a namespaced XR can compose that Object only in its own
// namespace, where the team reads the Object (and, unless provider-kubernetes
// runs with --sanitize-secrets, the key in its status).
func platformSecretsOutOfReach(xr Composite, in *v1beta1.Input) field.ErrorList {
	r := in.Repository
	if xr.Namespace == "" || r.Host != v1beta1.HostGitHub || r.GitHub == nil || r.GitHub.ArgoCDCredentials != v1beta1.GitHubCredentialsRepository {
		return nil
	}
	return field.ErrorList{field.Forbidden(field.NewPath("input", "repository", "github", "argocdCredentials"),
		"Repository copies the organisation's GitHub App private key through an object in the XR's namespace, "+xr.Namespace+", which the team can read; "+
			"namespaced XRs need argocdCredentials Organization (Argo CD reads the App from the platform's repo-creds Secret), or the cluster must be a cluster-scoped XR")}
}
