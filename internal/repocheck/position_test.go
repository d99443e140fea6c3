package repocheck

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFindingsPointAtTheirLine: each problem names the line and column its
// field is written on, a file that does not parse the line the parser
// names (in any document of the file), and an empty file is a problem; a
// broken file outside the change is a warning that fails nothing.
func TestFindingsPointAtTheirLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	b, err := os.ReadFile(filepath.Join(root, "example", "xr.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := write("bad.yaml", strings.Replace(string(b), "vpcCidr: 10.20.0.0/16", "vpcCidr: 10.20.0.0/33", 1))
	var want int
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "vpcCidr:") {
			want = i + 1
		}
	}
	tab := write("tab.yaml", "# first\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n")
	empty := write("empty.yaml", "# nothing here\n")

	c, err := New(newFunction(), exampleCompositions, "")
	if err != nil {
		t.Fatal(err)
	}
	findings, err := c.Check([]string{bad, tab, empty})
	if err != nil {
		t.Fatal(err)
	}
	type pos struct {
		File, Field, What, Severity string
		Line, Column                int
	}
	var got []pos
	for _, f := range findings {
		got = append(got, pos{filepath.Base(f.File), f.Field, f.What, f.Severity, f.Line, f.Column})
	}
	wantPos := []pos{
		{"tab.yaml", "", whatUnreadable, SeverityError, 6, 0},
		{"empty.yaml", "", whatUnreadable, SeverityError, 0, 0},
		{"bad.yaml", "spec.network.vpcCidr", "invalid XR", SeverityError, want, 5},
	}
	if diff := cmp.Diff(wantPos, got); diff != "" {
		t.Errorf("findings: -want, +got:\n%s", diff)
	}

	findings, err = c.CheckChanged([]string{filepath.Join(root, "example", "xr.yaml")}, []string{tab})
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 || findings[0].Severity != SeverityWarning || !strings.HasSuffix(findings[0].File, "tab.yaml") {
		t.Errorf("a broken file outside the change gave %v, want one warning", findings)
	}
}

// TestGitHubAnnotation: a finding as a workflow command, its message and
// properties escaped so no newline, colon or comma ends them early.
func TestGitHubAnnotation(t *testing.T) {
	f := Finding{File: "teams/a,b.yaml", Line: 3, Column: 5, What: "invalid XR", Detail: "spec.x: 100% wrong\nsee docs", Severity: SeverityError}
	want := "::error file=teams/a%2Cb.yaml,line=3,col=5,title=invalid XR::spec.x: 100%25 wrong%0Asee docs"
	if got := f.GitHub(); got != want {
		t.Errorf("GitHub() = %q, want %q", got, want)
	}
	f.Line, f.Severity = 0, SeverityWarning
	if got := f.GitHub(); !strings.HasPrefix(got, "::warning file=teams/a%2Cb.yaml,title=") {
		t.Errorf("GitHub() = %q, want a warning without a line", got)
	}
}

// TestSettingsProblemsOnTheSettingsFile: a mistake in the platform
// settings is one problem, on the settings file at its line, with the
// setting it may have meant, however many XRs are checked; it is reported
// with --context too, though no XR file has it.
func TestSettingsProblemsOnTheSettingsFile(t *testing.T) {
	b, err := os.ReadFile(settings)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var want int
	for i, l := range lines {
		if l == "  tenancy:" {
			lines[i], want = "  tenancyy:", i+1
		}
	}
	broken := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(broken, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := New(newFunction(), packageCompositions, broken)
	if err != nil {
		t.Fatal(err)
	}
	xrs := examples(t)
	for name, run := range map[string]func() ([]Finding, error){
		"Check":   func() ([]Finding, error) { return c.Check(xrs) },
		"Changed": func() ([]Finding, error) { return c.CheckChanged(xrs[:1], xrs) },
	} {
		findings, err := run()
		if err != nil {
			t.Fatal(err)
		}
		if len(findings) != 1 {
			t.Fatalf("%s: %d findings, want the settings' one: %v", name, len(findings), findings)
		}
		f := findings[0]
		if f.File != broken || f.Line != want || f.Field != "data.tenancyy" || !strings.HasSuffix(f.Detail, "did you mean tenancy?") {
			t.Errorf("%s: %+v; want it on %s line %d, field data.tenancyy, suggesting tenancy", name, f, broken, want)
		}
	}
}

// TestNamespacedLayout: with the XRDs given, a namespaced XR must name its
// namespace, and in a team's folder be that team's (the function binds it
// by its namespace only, so the folder is validate's to check).
func TestNamespacedLayout(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "example", "platform-repo", "teams", "analytics", "analytics-dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	withXRDs := append(slices.Clone(packageCompositions), filepath.Join(root, "example", "xrd.yaml"), filepath.Join(root, "example", "xrd-namespaced.yaml"))
	platformSettings := filepath.Join(root, "example", "platform-repo", "platform", "platform-settings.yaml")
	cases := map[string]struct {
		folder string
		edit   func(string) string
		want   []string
	}{
		"InItsFolder":     {folder: "analytics", edit: func(s string) string { return s }},
		"NoNamespace":     {folder: "analytics", edit: func(s string) string { return strings.Replace(s, "  namespace: team-analytics\n", "", 1) }, want: []string{"metadata.namespace: Required value"}},
		"AnotherTeamsDir": {folder: "payments", edit: func(s string) string { return s }, want: []string{`spec.team.name: Invalid value: "analytics": this file is in teams/payments/`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "teams", tc.folder)
			if err := os.MkdirAll(dir, 0o750); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "analytics-dev.yaml")
			if err := os.WriteFile(file, []byte(tc.edit(string(b))), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := New(newFunction(), withXRDs, platformSettings)
			if err != nil {
				t.Fatal(err)
			}
			findings, err := c.Check([]string{file})
			if err != nil {
				t.Fatal(err)
			}
			if len(findings) != len(tc.want) {
				t.Fatalf("findings %v, want %d", findings, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(findings[i].Detail, w) {
					t.Errorf("finding %q, want it to start with %q", findings[i].Detail, w)
				}
			}
		})
	}
}
