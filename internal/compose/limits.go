package compose

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
)

// Limit is a service's rule for one kind of name: its longest length and
// the characters it allows, as its API documents them.
type Limit struct {
	Service string
	Max     int
	Pattern *regexp.Regexp
	// Form says in words what Pattern allows, for messages.
	Form string
}

// Limits of the names the function derives.
var (
	LimitEKSCluster   = Limit{"EKS", 100, regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]*$`), "letters, digits, - and _, starting with a letter or digit"}
	LimitEKSNodeGroup = Limit{"EKS", 63, LimitEKSCluster.Pattern, LimitEKSCluster.Form}
	LimitIAMRole      = Limit{"IAM", 64, regexp.MustCompile(`^[\w+=,.@-]+$`), "letters, digits and +=,.@_-"}
	LimitIAMUser      = Limit{"IAM", 64, LimitIAMRole.Pattern, LimitIAMRole.Form}
	LimitIAMPolicy    = Limit{"IAM", 128, LimitIAMRole.Pattern, LimitIAMRole.Form}
	LimitCodeCommit   = Limit{"CodeCommit", 100, regexp.MustCompile(`^[\w.-]+$`), "letters, digits, ., _ and -"}
	LimitCenterGroup  = Limit{"IAM Identity Center", 1024, regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r ]+$`), "printable characters"}
	LimitCognitoGroup = Limit{"Cognito", 128, regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`), "printable characters without spaces"}
	// LimitLabelValue is a Kubernetes label value: Argo CD labels its
	// cluster Secret with the cluster's and the project's names.
	LimitObjectName = Limit{"Kubernetes", 253, regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`), "lowercase letters, digits, - and ."}
	LimitLabelValue = Limit{"a Kubernetes label value", 63, regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`), "letters, digits, -, _ and ., starting and ending with a letter or digit"}
)

// Check returns why name breaks the limit, or "".
func (l Limit) Check(name string) string {
	switch {
	case len(name) > l.Max:
		return fmt.Sprintf("%d characters; %s allows at most %d", len(name), l.Service, l.Max)
	case !l.Pattern.MatchString(name):
		return fmt.Sprintf("%s allows only %s", l.Service, l.Form)
	}
	return ""
}

// DerivedName is a name an XR's object gets in a service: derived from the
// XR, so bound by that service's limit, and, where Scope is set, unique
// only within it, so two XRs deriving one name would share the object.
type DerivedName struct {
	// What names the object, e.g. "EKS cluster".
	What string
	Name string
	// Scope is where the name must be unique (an account and region, a
	// user pool, Argo CD's namespace); empty for names inside the XR's own
	// objects, which another XR cannot reach.
	Scope string
	Limit Limit
	// Pool is the node pool a node group name comes from, or -1.
	Pool int
}

// DerivedNames are every name the XR's objects get outside Kubernetes,
// and the Argo CD names that are label values, each with its limit: one
// list for validation, validate's repository-wide checks and the tests.
func (p Params) DerivedNames() []DerivedName {
	account, region := p.Spec.AWS.AccountID, p.Spec.AWS.Region
	in := p.Input
	names := []DerivedName{
		{What: "EKS cluster", Name: p.ClusterName(), Scope: "EKS " + account + "/" + region, Limit: LimitEKSCluster, Pool: -1},
		{What: "cluster", Name: p.ClusterName(), Limit: LimitLabelValue, Pool: -1},
		{What: "Argo CD project", Name: p.ProjectName(), Scope: "Argo CD project", Limit: LimitLabelValue, Pool: -1},
		{What: "Argo CD cluster Secret", Name: p.SharedName(SuffixClusterSecret), Scope: "Argo CD Secret", Limit: LimitObjectName, Pool: -1},
		{What: "Cognito group", Name: p.CognitoGroup(), Scope: "Cognito group", Limit: LimitCognitoGroup, Pool: -1},
		{What: "Cognito group", Name: p.CognitoAdminGroup(), Scope: "Cognito group", Limit: LimitCognitoGroup, Pool: -1},
	}
	if p.IdentityCenter() {
		names = append(names,
			DerivedName{What: "Identity Center group", Name: p.CenterGroup(), Scope: "Identity Center group", Limit: LimitCenterGroup, Pool: -1},
			DerivedName{What: "Identity Center group", Name: p.CenterAdminGroup(), Scope: "Identity Center group", Limit: LimitCenterGroup, Pool: -1})
	}
	roles := p.RoleNames()
	for _, r := range slices.Sorted(maps.Keys(roles)) {
		names = append(names, DerivedName{What: "IAM role", Name: roles[r], Scope: "IAM role " + account, Limit: LimitIAMRole, Pool: -1})
	}
	for _, a := range p.AddonsWithAccess() {
		names = append(names, DerivedName{What: "IAM role", Name: p.AddonRoleName(a), Scope: "IAM role " + account, Limit: LimitIAMRole, Pool: -1})
	}
	for i, pool := range p.Spec.NodePools {
		names = append(names, DerivedName{What: "EKS node group", Name: p.NodeGroupName(pool), Limit: LimitEKSNodeGroup, Pool: i})
	}
	host := ""
	if in.Repository != nil {
		host = in.Repository.Host
	}
	// GitHub and GitLab take the same names as CodeCommit, at its length.
	repo := DerivedName{What: host + " repository", Name: p.RepositoryName(), Scope: host + " repository", Limit: Limit{host, LimitCodeCommit.Max, LimitCodeCommit.Pattern, LimitCodeCommit.Form}, Pool: -1}
	if host == "CodeCommit" {
		repo.Scope += " " + in.Repository.AccountID + "/" + in.Repository.Region
		central := in.Repository.AccountID
		names = append(names,
			DerivedName{What: "Git user", Name: p.GitUserName(), Scope: "IAM user " + central, Limit: LimitIAMUser, Pool: -1},
			DerivedName{What: "IAM policy", Name: p.GitUserName() + "-pull", Scope: "IAM policy " + central, Limit: LimitIAMPolicy, Pool: -1},
		)
		if p.hasPushAccess() {
			names = append(names, DerivedName{What: "IAM role", Name: p.GitPushRoleName(), Scope: "IAM role " + central, Limit: LimitIAMRole, Pool: -1})
			if in.Repository.DefaultBranchProtection == "PullRequest" {
				names = append(names, DerivedName{What: "CodeCommit approval rule template", Name: p.ApprovalRuleTemplateName(), Scope: "CodeCommit approval rule template " + central + "/" + in.Repository.Region, Limit: LimitCodeCommit, Pool: -1})
			}
		}
	}
	return append(names, repo)
}
