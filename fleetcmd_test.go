package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eks-gitops/function-eks-gitops/internal/fleet"
	"github.com/eks-gitops/function-eks-gitops/internal/repocheck"
)

// copyTree copies the example platform repository's teams and settings.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(to, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFleetUpgradeAgreesWithValidate: a wave's rewrites are edits validate
// accepts (the function's guard among its checks); a wave validate would
// refuse (a version EKS does not offer) leaves every file as it was and
// says why.
func TestFleetUpgradeAgreesWithValidate(t *testing.T) {
	repo := t.TempDir()
	copyTree(t, filepath.Join("example", "platform-repo"), repo)
	settings := filepath.Join(repo, "platform", "platform-settings.yaml")
	teams := filepath.Join(repo, "teams")
	files, err := repocheck.Files([]string{teams})
	if err != nil {
		t.Fatal(err)
	}
	original := map[string][]byte{}
	for _, f := range files {
		original[f], _ = os.ReadFile(f)
	}

	desc := filepath.Join(t.TempDir(), "description.md")
	wave := &FleetUpgradeCmd{To: "1.36", Environment: "dev", Settings: settings, Description: desc, Date: "2026-12-04", Paths: []string{teams}}
	if err := wave.Run(); err != nil {
		t.Fatal(err)
	}
	cs, _, err := fleet.Read(files, "1.35")
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	for _, c := range cs {
		switch {
		case c.Environment == "dev" && c.Version != "1.36":
			t.Errorf("%s is at %s after the dev wave", c.ID(), c.Version)
		case c.Environment == "dev":
			moved++
		case c.Environment != "dev" && c.Version == "1.36":
			t.Errorf("%s of %s moved with the dev wave", c.ID(), c.Environment)
		}
	}
	if moved == 0 {
		t.Fatal("the example repository has no dev XR to move")
	}
	checker, err := newChecker(nil, settings)
	if err != nil {
		t.Fatal(err)
	}
	checker.WithBase(func(path string) ([]byte, bool, error) { b, ok := original[path]; return b, ok, nil })
	findings, err := checker.Check(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Errorf("validate refuses what the wave wrote: %s", f)
	}

	// 1.37 is not in EKS's table: validate refuses it, so the wave writes
	// nothing and says why.
	after := map[string][]byte{}
	for _, f := range files {
		after[f], _ = os.ReadFile(f)
	}
	refused := &FleetUpgradeCmd{To: "1.37", Environment: "dev", Settings: settings, Description: desc, Date: "2026-12-04", Paths: []string{teams}}
	if err := refused.Run(); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if b, _ := os.ReadFile(f); string(b) != string(after[f]) {
			t.Errorf("%s changed by a wave validate refuses", f)
		}
	}
	d, _ := os.ReadFile(desc)
	if !strings.Contains(string(d), "Moves 0 cluster(s)") || !strings.Contains(string(d), "validate would refuse the change") {
		t.Errorf("the refused wave's description:\n%s", d)
	}
}
