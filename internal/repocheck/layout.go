package repocheck

import (
	"fmt"
	"os"
	"path/filepath"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
)

// layout checks what the platform repository's layout decides after the
// merge and the function cannot see for namespaced XRs, which it binds to
// their team by the namespace: a namespaced XR in a team's folder
// (tenancy.clusterScopedBinding.folder) is that team's, since the folder's
// Application syncs it; and it names its namespace, or Argo CD puts it in
// the Application's destination namespace, which is no team's grant.
func (c *Checker) layout(x xr, req *fnv1.RunFunctionRequest) []Finding {
	var out []Finding
	md, _ := x.obj["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	if c.namespaced[x.key()] && ns == "" {
		out = append(out, Finding{File: x.file, What: "invalid manifest", Detail: fmt.Sprintf("metadata.namespace: Required value: a %v lives in a namespace granted to its team (tenancy.teams[].namespaces); without one Argo CD puts it in its Application's destination namespace", x.obj["kind"])})
	}
	// A cluster-scoped XR in a team's folder gets the binding annotation
	// (syncedFromFolder), and the function's verdict says the rest.
	if !c.namespaced[x.key()] {
		return out
	}
	b, folder, ok := c.folderTeam(x, req)
	if !ok {
		return out
	}
	spec, _ := x.obj["spec"].(map[string]any)
	team, _ := spec["team"].(map[string]any)
	if name, _ := team["name"].(string); name != folder {
		out = append(out, Finding{File: x.file, What: "invalid manifest", Detail: fmt.Sprintf("spec.team.name: Invalid value: %q: this file is in %s/, which team %s's Application syncs; a team's clusters go in its own folder (%s/)", name, b.FolderOf(folder), folder, b.FolderOf(name))})
	}
	return out
}

// folderTeam is the binding of x's kind and the team whose folder holds
// x's file; false when the file is in no team's folder, or the Input or
// settings are wrong (the Verdict names what).
func (c *Checker) folderTeam(x xr, req *fnv1.RunFunctionRequest) (v1beta1.ClusterScopedBinding, string, bool) {
	b, err := c.binding(x, req)
	if err != nil {
		return b, "", false
	}
	abs, err := filepath.Abs(x.file)
	if err != nil {
		return b, "", false
	}
	team, ok := b.TeamOfFolder(filepath.Dir(abs))
	return b, team, ok
}

// EmptyDirectories are the directories among paths that hold no manifest:
// a team folder emptied by mistake, or a mistyped path.
func EmptyDirectories(paths []string) ([]Finding, error) {
	var out []Finding
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil || !info.IsDir() {
			continue
		}
		files, err := Files([]string{p})
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			out = append(out, Finding{File: p, What: whatUnreadable, Detail: "a directory with no .yaml, .yml or .json manifest", Severity: SeverityError})
		}
	}
	return out, nil
}
