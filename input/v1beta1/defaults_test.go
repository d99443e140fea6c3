package v1beta1

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestTeamOfFolder(t *testing.T) {
	cases := map[string]struct {
		folder, dir, team string
		ok                bool
	}{
		"Default":            {folder: DefaultBindingFolder, dir: "/src/platform/teams/payments", team: "payments", ok: true},
		"Relative":           {folder: DefaultBindingFolder, dir: "teams/payments", team: "payments", ok: true},
		"Cleaned":            {folder: DefaultBindingFolder, dir: "/src/platform/teams/search/../payments/", team: "payments", ok: true},
		"Deeper":             {folder: DefaultBindingFolder, dir: "/src/platform/teams/payments/dev", ok: false},
		"OtherParent":        {folder: DefaultBindingFolder, dir: "/src/platform/clusters/payments", ok: false},
		"Nested":             {folder: "clusters/{team}/eks", dir: "/r/clusters/search/eks", team: "search", ok: true},
		"NestedWrongTail":    {folder: "clusters/{team}/eks", dir: "/r/clusters/search/gke", ok: false},
		"ShorterThanTheTail": {folder: "a/b/{team}", dir: "b/x", ok: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := ClusterScopedBinding{Folder: tc.folder}
			team, ok := b.TeamOfFolder(tc.dir)
			if team != tc.team || ok != tc.ok {
				t.Errorf("TeamOfFolder(%q) with %q = %q, %v; want %q, %v", tc.dir, tc.folder, team, ok, tc.team, tc.ok)
			}
			// The folder named back is the one the team was read from.
			if ok && !strings.HasSuffix(filepath.ToSlash(filepath.Clean(tc.dir)), "/"+b.FolderOf(team)) && filepath.ToSlash(filepath.Clean(tc.dir)) != b.FolderOf(team) {
				t.Errorf("FolderOf(%q) = %q, not where %q is", team, b.FolderOf(team), tc.dir)
			}
		})
	}
}
