package validation

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
)

// onHost returns the valid Input with the repositories on another host.
func onHost(host string) *v1beta1.Input {
	in := validInput()
	if host == v1beta1.HostCodeCommit {
		return in
	}
	r := &v1beta1.Repository{Host: host}
	switch host {
	case v1beta1.HostGitHub:
		r.GitHub = &v1beta1.GitHub{Owner: "acme-platform"}
	case v1beta1.HostGitLab:
		r.GitLab = &v1beta1.GitLab{GroupID: 4242, GroupPath: "acme/platform-teams"}
	}
	in.Repository = r
	in.Tenancy.Teams[0].GitUsers = []string{"alice-dev", "bsmith", "carol-example"}
	in.Tenancy.Teams[1].GitUsers = []string{"dana-search"}
	return in.WithDefaults()
}

func TestGitHostInput(t *testing.T) {
	app := &v1beta1.GitHubApp{ID: 1, InstallationID: 2, PrivateKeySecretRef: v1beta1.SecretKeyRef{Namespace: "argocd", Name: "github-app", Key: "privateKey"}}
	cases := map[string]struct {
		reason string
		host   string
		mutate func(r *v1beta1.Repository)
		want   []string
	}{
		"GitHubValid":  {reason: "An organisation is all GitHub needs.", host: v1beta1.HostGitHub, mutate: func(*v1beta1.Repository) {}},
		"GitLabValid":  {reason: "A group's ID and path are all GitLab needs.", host: v1beta1.HostGitLab, mutate: func(*v1beta1.Repository) {}},
		"UnknownHost":  {reason: "Only the three hosts exist.", host: v1beta1.HostCodeCommit, mutate: func(r *v1beta1.Repository) { r.Host = "Bitbucket" }, want: []string{"input.repository.host"}},
		"GitHubNoOrg":  {reason: "GitHub needs the organisation.", host: v1beta1.HostGitHub, mutate: func(r *v1beta1.Repository) { r.GitHub = nil }, want: []string{"input.repository.github"}},
		"GitLabNoGrp":  {reason: "GitLab needs the group.", host: v1beta1.HostGitLab, mutate: func(r *v1beta1.Repository) { r.GitLab = nil }, want: []string{"input.repository.gitlab"}},
		"GitHubBadOrg": {reason: "An organisation name cannot hold a slash: it is a URL path segment.", host: v1beta1.HostGitHub, mutate: func(r *v1beta1.Repository) { r.GitHub.Owner = "acme/other" }, want: []string{"input.repository.github.owner"}},
		"GitHubKeepsCodeCommitSettings": {
			reason: "A platform that moved from CodeCommit keeps its account and region for the clusters whose repositories stay there.", host: v1beta1.HostGitHub,
			mutate: func(r *v1beta1.Repository) { r.AccountID, r.Region = "111122223333", "eu-west-1" },
		},
		"GitHubWithHalfCodeCommitSettings": {
			reason: "CodeCommit's settings that are there are checked: a region without the account is incomplete.", host: v1beta1.HostGitHub,
			mutate: func(r *v1beta1.Repository) { r.Region = "eu-west-1" },
			want:   []string{"input.repository.accountId"},
		},
		"GitLabWithBranchProtection": {
			reason: "The default branch's protection is CodeCommit's push role; with no CodeCommit settings no repository could have it, so the setting would be ignored.", host: v1beta1.HostGitLab,
			mutate: func(r *v1beta1.Repository) { r.DefaultBranchProtection = v1beta1.BranchProtectionDenyPush },
			want:   []string{"input.repository.defaultBranchProtection"},
		},
		"GitLabWithCodeCommitsBranchProtection": {
			reason: "Next to CodeCommit's settings the protection is for the repositories there.", host: v1beta1.HostGitLab,
			mutate: func(r *v1beta1.Repository) {
				r.AccountID, r.Region, r.DefaultBranchProtection = "111122223333", "eu-west-1", v1beta1.BranchProtectionDenyPush
			},
		},
		"CodeCommitUnknownProtection": {
			reason: "A protection the function does not know is refused, not read as None.", host: v1beta1.HostCodeCommit,
			mutate: func(r *v1beta1.Repository) { r.DefaultBranchProtection = "Sometimes" },
			want:   []string{"input.repository.defaultBranchProtection"},
		},
		"CodeCommitKeepsGitHub": {
			reason: "A platform that moved from GitHub keeps its organisation for the clusters whose repositories stay there.", host: v1beta1.HostCodeCommit,
			mutate: func(r *v1beta1.Repository) { r.GitHub = &v1beta1.GitHub{Owner: "acme"} },
		},
		"CodeCommitWithBadGitHub": {
			reason: "Another host's settings that are there are checked.", host: v1beta1.HostCodeCommit,
			mutate: func(r *v1beta1.Repository) { r.GitHub = &v1beta1.GitHub{Owner: "acme/x"} },
			want:   []string{"input.repository.github.owner"},
		},
		"RepositoryCredentialsWithoutApp": {
			reason: "Per-repository credentials need the App.", host: v1beta1.HostGitHub,
			mutate: func(r *v1beta1.Repository) { r.GitHub.ArgoCDCredentials = v1beta1.GitHubCredentialsRepository },
			want:   []string{"input.repository.github.app"},
		},
		"RepositoryCredentialsWithApp": {
			reason: "Per-repository credentials with an App are valid.", host: v1beta1.HostGitHub,
			mutate: func(r *v1beta1.Repository) {
				r.GitHub.ArgoCDCredentials = v1beta1.GitHubCredentialsRepository
				r.GitHub.App = app
			},
		},
		"AppWithOrganizationCredentials": {
			reason: "An App next to Organization credentials would be ignored.", host: v1beta1.HostGitHub,
			mutate: func(r *v1beta1.Repository) { r.GitHub.App = app },
			want:   []string{"input.repository.github.app"},
		},
		"BadApp": {
			reason: "The App's IDs are positive and its Secret is a Kubernetes name.", host: v1beta1.HostGitHub,
			mutate: func(r *v1beta1.Repository) {
				r.GitHub.ArgoCDCredentials = v1beta1.GitHubCredentialsRepository
				r.GitHub.App = &v1beta1.GitHubApp{PrivateKeySecretRef: v1beta1.SecretKeyRef{Namespace: "Argo CD", Name: "a/b", Key: "k y"}}
			},
			want: []string{
				"input.repository.github.app.id", "input.repository.github.app.installationId",
				"input.repository.github.app.privateKeySecretRef.namespace", "input.repository.github.app.privateKeySecretRef.name", "input.repository.github.app.privateKeySecretRef.key",
			},
		},
		"GitLabPlainHTTP": {
			reason: "Argo CD would send the token in clear.", host: v1beta1.HostGitLab,
			mutate: func(r *v1beta1.Repository) { r.GitLab.URL = "http://gitlab.example.com" },
			want:   []string{"input.repository.gitlab.url"},
		},
		"GitLabURLWithUser": {
			reason: "A user in the URL would be a credential in every Secret.", host: v1beta1.HostGitLab,
			mutate: func(r *v1beta1.Repository) { r.GitLab.URL = "https://root:pw@gitlab.example.com" },
			want:   []string{"input.repository.gitlab.url"},
		},
		"GitLabBadGroup": {
			reason: "The group is a positive ID and a path of names; .. is no name.", host: v1beta1.HostGitLab,
			mutate: func(r *v1beta1.Repository) { r.GitLab.GroupID, r.GitLab.GroupPath = 0, "acme/../other" },
			want:   []string{"input.repository.gitlab.groupId", "input.repository.gitlab.groupPath"},
		},
		"GitLabGroupPathEscape": {
			reason: "A path that leaves the group is refused.", host: v1beta1.HostGitLab,
			mutate: func(r *v1beta1.Repository) { r.GitLab.GroupPath = "/acme" },
			want:   []string{"input.repository.gitlab.groupPath"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := onHost(tc.host)
			tc.mutate(in.Repository)
			// As the function does: the settings are read, then defaulted.
			in = in.WithDefaults()
			if diff := cmp.Diff(tc.want, errorFields(Input(in))); diff != "" {
				t.Errorf("%s\nInput(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestGitUsernames(t *testing.T) {
	logins := map[string]string{"alice": "alice-dev", "bob.smith": "bsmith", "carol@example.com": "carol-example"}
	cases := map[string]struct {
		reason string
		host   string
		team   func(t *clusterspec.Team)
		want   []string
		rule   string
	}{
		"GitHubValid": {reason: "Every member has a login.", host: v1beta1.HostGitHub, team: func(*clusterspec.Team) {}},
		"CodeCommitNeedsNone": {
			reason: "CodeCommit has no user names to map.", host: v1beta1.HostCodeCommit,
			team: func(t *clusterspec.Team) { t.GitUsernames = nil },
		},
		"MemberWithoutLogin": {
			reason: "A member without a login would silently get no access.", host: v1beta1.HostGitHub,
			team: func(t *clusterspec.Team) { delete(t.GitUsernames, "bob.smith") },
			want: []string{"spec.team.gitUsernames"}, rule: "spec.team.members[1] needs a GitHub user name",
		},
		"AdminWithoutLogin": {
			reason: "Admins need one too.", host: v1beta1.HostGitLab,
			team: func(t *clusterspec.Team) { t.Admins = []string{"dave"} },
			want: []string{"spec.team.gitUsernames"}, rule: "spec.team.admins[0] needs a GitLab user name",
		},
		"SharedLogin": {
			reason: "Two people cannot share one account: one would act as the other.", host: v1beta1.HostGitHub,
			team: func(t *clusterspec.Team) { t.GitUsernames["carol@example.com"] = "BSmith" },
			want: []string{"spec.team.gitUsernames"}, rule: "also the user name of",
		},
		"BadGitHubLogin": {
			reason: "GitHub logins are letters, digits and single inner dashes.", host: v1beta1.HostGitHub,
			team: func(t *clusterspec.Team) { t.GitUsernames["alice"] = "alice_dev" },
			want: []string{"spec.team.gitUsernames"}, rule: "must be a GitHub login",
		},
		"BadGitLabUsername": {
			reason: "GitLab usernames cannot end in .git.", host: v1beta1.HostGitLab,
			team: func(t *clusterspec.Team) { t.GitUsernames["alice"] = "alice.git" },
			want: []string{"spec.team.gitUsernames"}, rule: "must be a GitLab username",
		},
		"NotTheTeamsPerson": {
			reason: "A login the platform did not list for the team would get an organisation invitation.", host: v1beta1.HostGitHub,
			team: func(t *clusterspec.Team) { t.GitUsernames["alice"] = "mallory" },
			want: []string{"spec.team.gitUsernames"}, rule: `the GitHub user name "mallory" of spec.team.members[0] is not one of team payments's people on GitHub (input.tenancy.teams[].gitUsers)`,
		},
		"AnotherTeamsPerson": {
			reason: "Another team's person is not this team's to add.", host: v1beta1.HostGitLab,
			team: func(t *clusterspec.Team) { t.GitUsernames["alice"] = "dana-search" },
			want: []string{"spec.team.gitUsernames"}, rule: "is not one of team payments's people on GitLab",
		},
		"FormerMemberIgnored": {
			reason: "A login left behind for a removed member gives no access; removing a member is one edit.", host: v1beta1.HostGitHub,
			team: func(t *clusterspec.Team) { t.Members = []string{"alice"} },
		},
		"MalformedOnCodeCommit": {
			reason: "A set user name is well formed even where unused.", host: v1beta1.HostCodeCommit,
			team: func(t *clusterspec.Team) { t.GitUsernames["alice"] = "-alice" },
			want: []string{"spec.team.gitUsernames"}, rule: "must be a GitLab username",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := validSpec()
			s.Team.GitUsernames = map[string]string{}
			for k, v := range logins {
				s.Team.GitUsernames[k] = v
			}
			tc.team(&s.Team)
			errs := Spec(syncedFrom(Composite{Name: "payments-dev"}, "payments"), s, onHost(tc.host), day)
			if diff := cmp.Diff(tc.want, errorFields(errs)); diff != "" {
				t.Fatalf("%s\nSpec(...): -want, +got:\n%s\n%v", tc.reason, diff, errs)
			}
			if len(errs) > 0 && !strings.Contains(errs[0].Error(), tc.rule) {
				t.Errorf("%s\nerror %q does not name the rule %q", tc.reason, errs[0].Error(), tc.rule)
			}
			for _, e := range errs {
				for member := range logins {
					if strings.Contains(e.Field, member) {
						t.Errorf("the field path %q names a member; logs hold field paths", e.Field)
					}
				}
			}
		})
	}
}

// TestGitUsersForm: the people a platform lists for a team have the host's
// form, so a typo is caught where the platform writes it.
func TestGitUsersForm(t *testing.T) {
	in := onHost(v1beta1.HostGitHub)
	in.Tenancy.Teams[0].GitUsers = []string{"alice-dev", "bad_login"}
	if diff := cmp.Diff([]string{"input.tenancy.teams[0].gitUsers[1]"}, errorFields(Input(in))); diff != "" {
		t.Errorf("Input(...): -want, +got:\n%s", diff)
	}
}

// TestGitHubAppKeyNamespaceNeverGranted: the namespace holding the
// organisation's GitHub App key is never a team's.
func TestGitHubAppKeyNamespaceNeverGranted(t *testing.T) {
	in := onHost(v1beta1.HostGitHub)
	in.Repository.GitHub.ArgoCDCredentials = v1beta1.GitHubCredentialsRepository
	in.Repository.GitHub.App = &v1beta1.GitHubApp{ID: 1, InstallationID: 2, PrivateKeySecretRef: v1beta1.SecretKeyRef{Namespace: "github-keys", Name: "app", Key: "privateKey"}}
	in.Tenancy.Teams[0].Namespaces = []string{"github-keys"}
	if diff := cmp.Diff([]string{"input.tenancy.teams[0].namespaces[0]"}, errorFields(Input(in))); diff != "" {
		t.Errorf("Input(...): -want, +got:\n%s", diff)
	}
}

// TestGrantHosts: a team's grant may put its new repositories on another
// host than repository.host, one whose settings are there.
func TestGrantHosts(t *testing.T) {
	cases := map[string]struct {
		reason string
		host   string
		grant  string
		want   []string
	}{
		"OnTheDefaultHost":    {reason: "No host in the grant: repository.host.", host: v1beta1.HostCodeCommit},
		"OnAConfiguredHost":   {reason: "GitHub's settings are there.", host: v1beta1.HostGitHub, grant: v1beta1.HostGitHub},
		"CodeCommitFromGrant": {reason: "CodeCommit's settings are there next to GitLab's.", host: v1beta1.HostGitLab, grant: v1beta1.HostCodeCommit, want: []string{"input.tenancy.teams[1].repositoryHost"}},
		"HostWithoutSettings": {reason: "GitLab's settings are not there: the team's clusters could never get a repository.", host: v1beta1.HostCodeCommit, grant: v1beta1.HostGitLab, want: []string{"input.tenancy.teams[1].repositoryHost"}},
		"UnknownHost":         {reason: "Only the three hosts exist.", host: v1beta1.HostCodeCommit, grant: "Bitbucket", want: []string{"input.tenancy.teams[1].repositoryHost"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := onHost(tc.host)
			in.Tenancy.Teams[1].RepositoryHost = tc.grant
			if diff := cmp.Diff(tc.want, errorFields(Input(in))); diff != "" {
				t.Errorf("%s\nInput(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestRevisionPin: the XRDs enforce the package's Composition, and an XR
// may not keep an older revision of it, whose Input the platform replaced.
func TestRevisionPin(t *testing.T) {
	cases := map[string]struct {
		reason     string
		crossplane string
		want       []string
	}{
		"None":      {reason: "A new XR says nothing."},
		"Automatic": {reason: "Crossplane moves the XR to each new revision; the reference it writes is its own.", crossplane: `{"compositionUpdatePolicy":"Automatic","compositionRevisionRef":{"name":"teamclusters-abc1234"},"compositionRef":{"name":"teamclusters.platform.eks-gitops.dev"}}`},
		"Manual": {
			reason: "Manual keeps the revision the XR names, however old.", crossplane: `{"compositionUpdatePolicy":"Manual","compositionRevisionRef":{"name":"teamclusters-0ld0000"}}`,
			want: []string{"spec.crossplane.compositionUpdatePolicy"},
		},
		"Selector": {
			reason: "A selector on the revision's hash label picks an old revision under Automatic too.", crossplane: `{"compositionRevisionSelector":{"matchLabels":{"crossplane.io/composition-hash":"0ld0000"}}}`,
			want: []string{"spec.crossplane.compositionRevisionSelector"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := validSpec()
			s.Crossplane = []byte(tc.crossplane)
			if diff := cmp.Diff(tc.want, errorFields(Spec(syncedFrom(Composite{Name: "payments-dev"}, "payments"), s, validInput(), day))); diff != "" {
				t.Errorf("%s\nSpec(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
