package providersim

import (
	"maps"
	"strconv"
	"strings"
)

// The organisation and group the simulated Git hosts report repositories
// in: the examples' own.
const (
	GitHubOwner     = "acme-platform"
	GitLabURL       = "https://gitlab.com"
	GitLabGroupPath = "acme/platform-teams"
)

// gitHub returns what provider-upjet-github reports for its kinds and the
// external name it records: the repository's name, numeric team IDs,
// "<team>:<user>" for memberships.
func gitHub(kind, name, extName string, fp map[string]any) (map[string]any, string) {
	h := hash(name)
	at := map[string]any{}
	maps.Copy(at, withoutRefs(fp))
	switch kind {
	case "Repository":
		repo, _ := fp["name"].(string)
		extName = repo
		at["fullName"] = GitHubOwner + "/" + repo
		at["htmlUrl"] = "https://github.com/" + GitHubOwner + "/" + repo
		at["httpCloneUrl"] = "https://github.com/" + GitHubOwner + "/" + repo + ".git"
		at["sshCloneUrl"] = "git@github.com:" + GitHubOwner + "/" + repo + ".git"
		at["nodeId"] = "R_" + h[:16]
		at["repoId"] = numericID(h)
	case "DefaultBranch":
		// Named by its repository, which the function set.
	case "BranchProtection":
		extName = "BPR_" + h[:16]
	case "Team":
		extName = strconv.FormatInt(numericID(h), 10)
		team, _ := fp["name"].(string)
		at["slug"] = strings.ToLower(team)
		at["nodeId"] = "T_" + h[:16]
	case "TeamMembership":
		user, _ := fp["username"].(string)
		extName = strconv.FormatInt(numericID(hash("team")), 10) + ":" + user
	case "TeamRepository":
		repo, _ := fp["repository"].(string)
		extName = strconv.FormatInt(numericID(hash("team")), 10) + ":" + repo
	}
	if extName == "" {
		extName = name
	}
	at["id"] = extName
	return at, extName
}

// gitLab returns what provider-gitlab reports: numeric IDs as external
// names, the project's clone URL, and a deploy token's token as its only
// connection detail.
func gitLab(kind, name string, fp map[string]any) (map[string]any, string, map[string][]byte) {
	h := hash(name)
	id := numericID(h)
	at := map[string]any{}
	switch kind {
	case "Project":
		path, _ := fp["path"].(string)
		at["id"] = id
		at["httpUrlToRepo"] = GitLabURL + "/" + GitLabGroupPath + "/" + path + ".git"
		at["sshUrlToRepo"] = "git@gitlab.com:" + GitLabGroupPath + "/" + path + ".git"
		at["webUrl"] = GitLabURL + "/" + GitLabGroupPath + "/" + path
		at["pathWithNamespace"] = GitLabGroupPath + "/" + path
	case "Member":
		at["username"], _ = fp["userName"].(string)
		at["state"] = "active"
	case "ProtectedBranch":
		at["id"] = id
	case "DeployToken":
		return at, strconv.FormatInt(id, 10), map[string][]byte{"token": []byte("gldt-sim" + h[:20])}
	}
	return at, strconv.FormatInt(id, 10), nil
}

// numericID is a stable positive ID from a hash.
func numericID(h string) int64 {
	n, _ := strconv.ParseInt(h[:12], 16, 64)
	return n + 1
}
