package repocheck

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/fn"
	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/fuzzcase"
	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testNow is the day the function judges version support on.
var testNow = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

func newFunction() *fn.Function {
	return fn.New(fn.WithClock(func() time.Time { return testNow }))
}

var (
	root                = filepath.Join("..", "..")
	exampleCompositions = []string{filepath.Join(root, "example", "composition.yaml"), filepath.Join(root, "example", "composition-namespaced.yaml")}
	packageCompositions = []string{filepath.Join(root, "package", "configuration", "composition.yaml"), filepath.Join(root, "package", "configuration", "composition-namespaced.yaml")}
	settings            = filepath.Join(root, "example", "platform-settings.yaml")
)

func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "example", "xr-*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	return append(files, filepath.Join(root, "example", "xr.yaml"))
}

func check(t *testing.T, compositions []string, settings string, files ...string) []string {
	t.Helper()
	c, err := New(newFunction(), compositions, settings)
	if err != nil {
		t.Fatal(err)
	}
	findings, err := c.Check(files)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(findings))
	for i, f := range findings {
		out[i] = f.String()
	}
	return out
}

// TestExamplesPass: every shipped XR passes, with the self-contained
// Compositions and with the package's Compositions and platform settings.
func TestExamplesPass(t *testing.T) {
	if got := check(t, exampleCompositions, "", examples(t)...); len(got) > 0 {
		t.Errorf("example Compositions:\n%s", strings.Join(got, "\n"))
	}
	if got := check(t, packageCompositions, settings, examples(t)...); len(got) > 0 {
		t.Errorf("package Compositions:\n%s", strings.Join(got, "\n"))
	}
}

// TestGitHostSettings: with the platform settings of a GitHub or GitLab
// platform, the examples pass, and a manifest that leaves a member without
// a Git user name is refused in the pull request, naming the member's list
// entry, as the function would refuse it after merge.
func TestGitHostSettings(t *testing.T) {
	xr := exampleObject(t, "xr.yaml")
	delete(xr["spec"].(map[string]any)["team"].(map[string]any)["gitUsernames"].(map[string]any), "bob.smith")
	missing := filepath.Join(t.TempDir(), "payments-dev.yaml")
	out, err := yaml.Marshal(xr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(missing, out, 0o600); err != nil {
		t.Fatal(err)
	}
	for host, file := range map[string]string{"GitHub": "platform-settings-github.yaml", "GitLab": "platform-settings-gitlab.yaml"} {
		t.Run(host, func(t *testing.T) {
			s := filepath.Join(root, "example", file)
			if got := check(t, packageCompositions, s, examples(t)...); len(got) > 0 {
				t.Errorf("the examples on %s:\n%s", host, strings.Join(got, "\n"))
			}
			got := strings.Join(check(t, packageCompositions, s, missing), "\n")
			if !strings.Contains(got, "spec.team.gitUsernames") || !strings.Contains(got, "spec.team.members[1] needs a "+host+" user name") {
				t.Errorf("a member without a %s user name was not refused as such:\n%s", host, got)
			}
		})
	}
}

// TestBrokenManifests pins validate's output on one broken manifest per
// rule (testdata/broken, each file says which) and checks every file gets
// at least one finding.
func TestBrokenManifests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "broken", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no broken manifests: %v", err)
	}
	c, err := New(newFunction(), packageCompositions, settings)
	if err != nil {
		t.Fatal(err)
	}
	findings, err := c.Check(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !slices.ContainsFunc(findings, func(x Finding) bool { return x.File == f }) {
			t.Errorf("%s: no finding; every broken manifest must break a rule", f)
		}
	}
	// Each of validate's output forms (-o) has its golden: a pull
	// request's annotations are read from the github form.
	for _, output := range Outputs {
		golden := map[string]string{"text": "broken.golden"}[output]
		if golden == "" {
			golden = "broken." + output + ".golden"
		}
		var out strings.Builder
		for _, f := range findings {
			line, err := f.Format(output)
			if err != nil {
				t.Fatal(err)
			}
			out.WriteString(line + "\n")
		}
		golden = filepath.Join("testdata", golden)
		if *update {
			if err := os.WriteFile(golden, []byte(out.String()), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), out.String()); diff != "" {
			t.Errorf("validate's output differs from %s (-want +got; rerun with -update if intended):\n%s", golden, diff)
		}
	}
}

// exampleObject reads a shipped example manifest under example/.
func exampleObject(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "example", path))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := yaml.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeXR(t *testing.T, dir, file string, edit func(spec map[string]any, md map[string]any)) string {
	t.Helper()
	x := exampleObject(t, "xr.yaml")
	edit(x["spec"].(map[string]any), x["metadata"].(map[string]any))
	// As Argo CD writes it when the team's folder is synced.
	md := x["metadata"].(map[string]any)
	md["annotations"] = map[string]any{v1beta1.DefaultBindingAnnotation: fmt.Sprintf("clusters-%v:platform.eks-gitops.dev/TeamCluster:/%v", x["spec"].(map[string]any)["team"].(map[string]any)["name"], md["name"])}
	out, err := yaml.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRepositoryWide tries crafted pairs of XRs that pass one by one.
func TestRepositoryWide(t *testing.T) {
	set := func(key string, v any) func(spec, md map[string]any) {
		return func(spec, md map[string]any) {
			switch key {
			case "name":
				md["name"] = v
			case "cidr":
				spec["network"].(map[string]any)["vpcCidr"] = v
			case "region":
				spec["aws"].(map[string]any)["region"] = v
			case "team":
				spec["team"].(map[string]any)["name"] = v
				spec["aws"].(map[string]any)["accountId"] = "777788889999"
			}
		}
	}
	both := func(fs ...func(spec, md map[string]any)) func(spec, md map[string]any) {
		return func(spec, md map[string]any) {
			for _, f := range fs {
				f(spec, md)
			}
		}
	}
	cases := map[string]struct {
		reason string
		a, b   func(spec, md map[string]any)
		want   []string
		// exactly, when set, is in the only finding.
		exactly string
	}{
		"SameXRTwice": {
			reason: "Two files holding one XR would derive every name alike: the second takes the first's cluster over.",
			a:      set("cidr", "10.20.0.0/16"),
			b:      set("cidr", "10.30.0.0/16"),
			want:   []string{"b.yaml: names shared with another XR: TeamCluster payments-dev derives the names of TeamCluster payments-dev in"},
			// One cause, one finding, naming every shared name.
			exactly: `EKS cluster "payments-dev-`,
		},
		"OverlappingVPCs": {
			reason: "One team's two clusters in one account and region with overlapping CIDRs can never be connected.",
			a:      set("name", "payments-dev"),
			b:      both(set("name", "payments-prod"), set("cidr", "10.20.128.0/17")),
			want:   []string{"b.yaml: overlapping networks: spec.network.vpcCidr: 10.20.128.0/17 of TeamCluster payments-prod overlaps 10.20.0.0/16 of TeamCluster payments-dev"},
		},
		"SameCIDROtherRegion": {
			reason: "Different regions: no finding.",
			a:      set("name", "payments-dev"),
			b:      both(set("name", "payments-prod"), set("region", "eu-central-1")),
		},
		"SameCIDROtherTeam": {
			reason: "Another team's VPC may reuse the CIDR.",
			a:      set("name", "payments-dev"),
			b:      both(set("name", "search-dev"), set("team", "search")),
		},
		"DisjointVPCs": {
			reason: "Disjoint CIDRs: no finding.",
			a:      set("name", "payments-dev"),
			b:      both(set("name", "payments-prod"), set("cidr", "10.21.0.0/16")),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := writeXR(t, dir, "a.yaml", tc.a), writeXR(t, dir, "b.yaml", tc.b)
			got := check(t, exampleCompositions, "", a, b)
			if tc.exactly != "" && (len(got) != 1 || !strings.Contains(got[0], tc.exactly)) {
				t.Errorf("%s\ngot %d findings, want one naming %q:\n%s", tc.reason, len(got), tc.exactly, strings.Join(got, "\n"))
			}
			if len(got) < len(tc.want) {
				t.Fatalf("%s\ngot %d findings, want %d:\n%s", tc.reason, len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, filepath.Join(dir, w)) }) {
					t.Errorf("%s\nno finding starting %q in:\n%s", tc.reason, w, strings.Join(got, "\n"))
				}
			}
			if len(tc.want) == 0 && len(got) > 0 {
				t.Errorf("%s\nunexpected findings:\n%s", tc.reason, strings.Join(got, "\n"))
			}
		})
	}
}

// TestAgreesWithTheFunction: for every case of the fuzz corpora (seeds
// and committed findings), validate refuses exactly when the function
// answers Fatal, with the same messages.
func TestAgreesWithTheFunction(t *testing.T) {
	read := func(name string) map[string]any {
		b, err := os.ReadFile(filepath.Join(root, "example", name))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	composition := read("composition.yaml")
	exampleInput := composition["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)["input"].(map[string]any)
	cases, err := fuzzcase.Cases(filepath.Join(root, "fn", "testdata", "fuzz"), read("xr.yaml"), exampleInput)
	if err != nil {
		t.Fatal(err)
	}
	f := newFunction()
	refused := 0
	for _, c := range cases {
		dir := t.TempDir()
		// A manifest's spec.crossplane is refused by validate alone: on a
		// live XR Crossplane writes it, so the function ignores it.
		if spec, ok := c.XR["spec"].(map[string]any); ok {
			delete(spec, "crossplane")
		}
		comp := map[string]any{
			"apiVersion": "apiextensions.crossplane.io/v1", "kind": "Composition",
			"metadata": map[string]any{"name": "c"},
			"spec": map[string]any{
				"compositeTypeRef": map[string]any{"apiVersion": c.XR["apiVersion"], "kind": c.XR["kind"]},
				"pipeline":         []any{map[string]any{"step": "s", "functionRef": map[string]any{"name": "f"}, "input": c.Input}},
			},
		}
		compFile, xrFile := filepath.Join(dir, "composition.yaml"), filepath.Join(dir, "xr.yaml")
		// JSON, which is YAML too: the corpora hold control characters that
		// YAML can only carry escaped.
		for path, o := range map[string]map[string]any{compFile: comp, xrFile: c.XR} {
			b, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}

		s, err := structFrom(c.XR, c.Input)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		fatal := fatalOf(t, f, s)

		checker, err := New(f, []string{compFile}, "")
		if v, _ := c.Input["apiVersion"].(string); v != fn.InputAPIVersion {
			// No step of this function in the Composition: validate stops
			// there, and the function refuses the Input.
			if err == nil || !strings.Contains(fatal, "input.apiVersion: Unsupported value") {
				t.Errorf("%s: an Input of %q: validate says %v, the function %q; want both to refuse", c.Name, v, err, fatal)
			}
			refused++
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		findings, err := checker.Check([]string{xrFile})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		var got string
		if len(findings) > 0 {
			details := make([]string, len(findings))
			for i, fd := range findings {
				details[i] = fd.Detail
				if fd.What != findings[0].What || fd.File != xrFile {
					t.Errorf("%s: findings of different kinds or files: %v", c.Name, findings)
				}
			}
			got = findings[0].What + ": " + strings.Join(details, "; ")
			refused++
		}
		if got != fatal {
			t.Errorf("%s:\nvalidate: %q\nfunction: %q", c.Name, got, fatal)
		}
	}
	t.Logf("%d fuzz cases, %d refused by both", len(cases), refused)
}

// structFrom is the request validate builds, which the function answers.
func structFrom(obj, input map[string]any) (*fnv1.RunFunctionRequest, error) {
	in, err := structpb.NewStruct(input)
	if err != nil {
		return nil, err
	}
	return (&Checker{}).request(xr{obj: obj, input: in})
}

// BenchmarkCheck1000 validates 1,000 XRs of 100 teams, as a platform
// repository's CI would on every pull request. Figures: docs/performance.md (Validate).
func BenchmarkCheck1000(b *testing.B) {
	dir := b.TempDir()
	teams := make([]any, 100)
	for i := range teams {
		teams[i] = map[string]any{"name": fmt.Sprintf("team-%03d", i), "accountIds": []any{fmt.Sprintf("5000000%05d", i)}}
	}
	sb, err := os.ReadFile(settings)
	if err != nil {
		b.Fatal(err)
	}
	st := map[string]any{}
	if err := yaml.Unmarshal(sb, &st); err != nil {
		b.Fatal(err)
	}
	st["data"].(map[string]any)["tenancy"] = map[string]any{"teams": teams}
	stFile := filepath.Join(dir, "settings.yaml")
	if out, err := yaml.Marshal(st); err == nil {
		err = os.WriteFile(stFile, out, 0o600)
		if err != nil {
			b.Fatal(err)
		}
	}
	var files []string
	for i := range 1000 {
		team := fmt.Sprintf("team-%03d", i%100)
		xr := fmt.Sprintf(`apiVersion: platform.eks-gitops.dev/v1alpha1
kind: TeamCluster
metadata:
  name: %s-c%d
spec:
  team: {name: %s, members: [alice, bob]}
  environment: dev
  aws: {accountId: "5000000%05d", region: eu-west-1}
  network: {vpcCidr: 10.%d.0.0/16}
  nodePools: [{name: general, minSize: 2, maxSize: 6}]
`, team, i/100, team, i%100, i/100)
		// The platform repository's layout, so validate writes the
		// annotation Argo CD writes when the team's folder is synced.
		path := filepath.Join(dir, "teams", team, fmt.Sprintf("c%d.yaml", i/100))
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(xr), 0o600); err != nil {
			b.Fatal(err)
		}
		files = append(files, path)
	}
	b.ResetTimer()
	for range b.N {
		c, err := New(newFunction(), packageCompositions, stFile)
		if err != nil {
			b.Fatal(err)
		}
		findings, err := c.Check(files)
		if err != nil {
			b.Fatal(err)
		}
		if len(findings) > 0 {
			b.Fatalf("%d findings, first: %s", len(findings), findings[0])
		}
	}
}

// TestPlatformRepoExample: the shipped platform repository passes, with
// the package's Compositions (the ones built into the command) and its
// settings.
func TestPlatformRepoExample(t *testing.T) {
	repo := filepath.Join(root, "example", "platform-repo")
	files, err := Files([]string{filepath.Join(repo, "teams")})
	if err != nil || len(files) < 4 {
		t.Fatalf("the example repository's teams: %v, %v", files, err)
	}
	if got := check(t, packageCompositions, filepath.Join(repo, "platform", "platform-settings.yaml"), files...); len(got) > 0 {
		t.Errorf("example/platform-repo:\n%s", strings.Join(got, "\n"))
	}
}

// TestCheckChanged: a pull request is judged on what it changes. A broken
// file outside the change is not reported; a changed file that overlaps
// an unchanged one is, on the changed file.
func TestCheckChanged(t *testing.T) {
	dir := t.TempDir()
	old := writeXR(t, dir, "old.yaml", func(spec, md map[string]any) {})
	broken := writeXR(t, dir, "broken.yaml", func(spec, md map[string]any) {
		md["name"] = "payments-qa"
		spec["network"].(map[string]any)["vpcCidr"] = "10.99.0.0/33"
	})
	changed := writeXR(t, dir, "new.yaml", func(spec, md map[string]any) {
		md["name"] = "payments-staging"
		spec["network"].(map[string]any)["vpcCidr"] = "10.20.64.0/18"
	})
	c, err := New(newFunction(), exampleCompositions, "")
	if err != nil {
		t.Fatal(err)
	}
	findings, err := c.CheckChanged([]string{changed}, []string{old, broken, changed})
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 || findings[0].File != changed || findings[0].What != "overlapping networks" || !strings.Contains(findings[0].Detail, "payments-dev in "+old) {
		t.Errorf("findings %v; want only the changed file's overlap with %s", findings, old)
	}
}

// TestTeamFolderBindsClusterScopedXRs: in the platform repository's layout
// (teams/<team>/<file>) validate writes on a cluster-scoped XR the
// annotation Argo CD writes when the folder's Application syncs it, so a
// manifest in one team's folder that names another team and its account is
// refused in the pull request, as it is after the merge.
func TestTeamFolderBindsClusterScopedXRs(t *testing.T) {
	write := func(folder string, edit func(x map[string]any)) string {
		t.Helper()
		x := exampleObject(t, filepath.Join("platform-repo", "teams", "search", "search-dev.yaml"))
		edit(x)
		out, err := yaml.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "teams", folder)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "search-dev.yaml")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	settings := filepath.Join(root, "example", "platform-settings.yaml")
	cases := map[string]struct {
		reason string
		folder string
		edit   func(x map[string]any)
		want   string
	}{
		"OwnFolder": {
			reason: "Team search's manifest in teams/search/ is search's.",
			folder: "search",
			edit:   func(map[string]any) {},
		},
		"AnotherTeamsFolder": {
			reason: "Team search's manifest, with search's account, placed in teams/payments/ is synced by payments' Application.",
			folder: "payments",
			edit:   func(map[string]any) {},
			want:   `must be synced by the Argo CD Application clusters-search, from the platform repository's folder of team search; this XR was synced by "clusters-payments"`,
		},
		"CrossplaneMachinery": {
			reason: "A manifest that names composed resources or a Composition revision in spec.crossplane is refused.",
			folder: "search",
			edit: func(x map[string]any) {
				x["spec"].(map[string]any)["crossplane"] = map[string]any{"resourceRefs": []any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "name": "search-dev-repository", "namespace": "team-search"}}}
			},
			want: "spec.crossplane: Forbidden: Crossplane's own fields",
		},
		"AnnotationWritten": {
			reason: "A manifest that writes Argo CD's tracking annotation itself is told Argo CD writes it.",
			folder: "search",
			edit: func(x map[string]any) {
				x["metadata"].(map[string]any)["annotations"] = map[string]any{v1beta1.DefaultBindingAnnotation: "clusters-search:x"}
			},
			want: "Argo CD writes this annotation when it syncs the team's folder",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := check(t, packageCompositions, settings, write(tc.folder, tc.edit))
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("%s\nunexpected findings:\n%s", tc.reason, strings.Join(got, "\n"))
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("%s\nfindings %q, want one naming %q", tc.reason, got, tc.want)
			}
		})
	}
}

// TestTeamFolderIsASetting: the folder that binds a manifest to its team
// is the platform's (tenancy.clusterScopedBinding.folder): with
// clusters/{team}/eks, a manifest there is judged as that folder's team's,
// and teams/<team>/ binds nothing any more.
func TestTeamFolderIsASetting(t *testing.T) {
	dir := t.TempDir()
	s := exampleObject(t, "platform-settings.yaml")
	tenancy := s["data"].(map[string]any)["tenancy"].(map[string]any)
	tenancy["clusterScopedBinding"] = map[string]any{"folder": "clusters/{team}/eks"}
	b, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	settings := filepath.Join(dir, "settings.yaml")
	if err := os.WriteFile(settings, b, 0o600); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join(root, "example", "platform-repo", "teams", "search", "search-dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	place := func(folder string) string {
		t.Helper()
		d := filepath.Join(dir, filepath.FromSlash(folder))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(d, "search-dev.yaml")
		if err := os.WriteFile(path, manifest, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	const refused = "must be synced by the Argo CD Application clusters-search"
	for folder, want := range map[string]string{
		"clusters/search/eks":   "",
		"clusters/payments/eks": `this XR was synced by "clusters-payments"`,
		"teams/search":          refused,
	} {
		got := check(t, packageCompositions, settings, place(folder))
		switch {
		case want == "" && len(got) > 0:
			t.Errorf("%s: unexpected findings:\n%s", folder, strings.Join(got, "\n"))
		case want != "" && (len(got) != 1 || !strings.Contains(got[0], want)):
			t.Errorf("%s: findings %q, want one naming %q", folder, got, want)
		}
	}
}

// TestManifestsStayInTheRepository: validate reads .json manifests, never
// follows a link out of the repository (whose target's contents would reach
// the pull request's comment), and never reads a huge file.
func TestManifestsStayInTheRepository(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(t.TempDir(), "outside.yaml")
	if err := os.WriteFile(secret, []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: TOPSECRETVALUE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "huge.yaml"), make([]byte, MaxManifestBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	x := exampleObject(t, "xr.yaml")
	x["spec"].(map[string]any)["aws"].(map[string]any)["accountId"] = "999988887777"
	j, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "xr.json"), j, 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := Files([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(check(t, exampleCompositions, "", files...), "\n")
	for _, want := range []string{
		"huge.yaml: not checked: 1048577 bytes, more than the 1048576 a manifest may have",
		"link.yaml: not checked: a symbolic link that leads out of the repository",
		"xr.json: invalid XR: spec.aws.accountId: Forbidden: account 999988887777 is not granted",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("findings lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "TOPSECRETVALUE") {
		t.Errorf("the linked file's contents reached the output:\n%s", got)
	}
}

// TestEdits: with --base, a changed XR is judged as an edit of its version
// at the base, by the function's guard, as after the merge: what a running
// cluster cannot take is a finding on the changed file, from the
// repository root, from a subfolder and with absolute paths.
func TestEdits(t *testing.T) {
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	src := filepath.Join(root, "example", "platform-repo", "teams", "payments", "payments-dev.yaml")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(repo, "teams", "payments", "payments-dev.yaml")
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	git("init", "-q", "-b", "main")
	git("add", ".")
	git("commit", "-q", "-m", "base")
	base, err := GitBase(repo, "main")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := GitBase(repo, "no-such-branch"); err == nil {
		t.Error("GitBase accepted a revision that does not exist")
	}
	platformSettings := filepath.Join(root, "example", "platform-repo", "platform", "platform-settings.yaml")

	cases := map[string]struct {
		reason string
		edit   func(spec map[string]any)
		want   []string
	}{
		"Unchanged": {reason: "Nothing edited.", edit: func(map[string]any) {}},
		"MemberAdded": {reason: "An edit the cluster takes.", edit: func(spec map[string]any) {
			spec["team"].(map[string]any)["members"] = append(spec["team"].(map[string]any)["members"].([]any), "zoe")
		}},
		"Region":      {reason: "The issue's first edit: a second cluster in another region.", edit: func(spec map[string]any) { spec["aws"].(map[string]any)["region"] = "eu-central-1" }, want: []string{"spec.aws.region"}},
		"VPCCIDR":     {reason: "A VPC's CIDR cannot change.", edit: func(spec map[string]any) { spec["network"].(map[string]any)["vpcCidr"] = "10.99.0.0/16" }, want: []string{"spec.network.vpcCidr"}},
		"MinorUp":     {reason: "One minor up is an upgrade (two are refused: internal/guard TestEditsOfTheBase).", edit: func(spec map[string]any) { spec["kubernetesVersion"] = "1.36" }},
		"ZoneRemoved": {reason: "A zone's subnets and nodes would go.", edit: func(spec map[string]any) { spec["network"].(map[string]any)["availabilityZones"] = int64(2) }, want: []string{"spec.network.zones"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			x := map[string]any{}
			if err := yaml.Unmarshal(b, &x); err != nil {
				t.Fatal(err)
			}
			tc.edit(x["spec"].(map[string]any))
			out, err := yaml.Marshal(x)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, out, 0o600); err != nil {
				t.Fatal(err)
			}
			wd, err := os.Getwd()
			if err != nil {
				t.Fatal(err)
			}
			rel, err := filepath.Rel(wd, file)
			if err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{file, rel} {
				c, err := New(newFunction(), packageCompositions, platformSettings)
				if err != nil {
					t.Fatal(err)
				}
				context, err := Files([]string{filepath.Join(repo, "teams")})
				if err != nil {
					t.Fatal(err)
				}
				findings, err := c.WithBase(base).CheckChanged([]string{path}, context)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range findings {
					if f.What != "refused edit of a running cluster" {
						t.Errorf("%s: unexpected finding %s", path, f)
						continue
					}
					field, _, _ := strings.Cut(f.Detail, ":")
					got = append(got, field)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%s\n%s: -want, +got:\n%s", tc.reason, path, diff)
				}
			}
		})
	}
}

// TestEditsAgreeWithTheFunction: for each edit, validate --base refuses
// exactly the fields the function refuses once the base version's cluster
// runs (converged with the simulated providers, its observed state what
// the guard reads).
func TestEditsAgreeWithTheFunction(t *testing.T) {
	read := func(name string) map[string]any {
		t.Helper()
		m := map[string]any{}
		b, err := os.ReadFile(filepath.Join(root, "example", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	base := read("xr.yaml")
	input := read("composition.yaml")["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)["input"].(map[string]any)
	f := newFunction()
	rounds, err := simulate.Converge(context.Background(), f, simulate.New(base, input), 30)
	if err != nil {
		t.Fatal(err)
	}
	last := rounds[len(rounds)-1]
	running := last.State.Next(last.Response, simulate.AllReady)

	repo := t.TempDir()
	file := filepath.Join(repo, "xr.yaml")
	write := func(o map[string]any) {
		t.Helper()
		b, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(base)
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitBase, err := GitBase(repo, "main")
	if err != nil {
		t.Fatal(err)
	}
	guarded := []string{"spec.aws.region", "spec.aws.accountId", "spec.network.vpcCidr", "spec.network.serviceCidr", "spec.kubernetesVersion", "spec.network.zones", "spec.nodePools", "spec.compute.mode"}

	edits := map[string]func(spec map[string]any){
		"MemberAdded": func(spec map[string]any) {
			spec["team"].(map[string]any)["members"] = []any{"alice", "bob.smith", "carol@example.com", "dave"}
		},
		"MinorUp":   func(spec map[string]any) { spec["kubernetesVersion"] = "1.36" },
		"Downgrade": func(spec map[string]any) { spec["kubernetesVersion"] = "1.34" },
		"Region":    func(spec map[string]any) { spec["aws"].(map[string]any)["region"] = "eu-central-1" },
		// Another of the team's accounts would be the guard's to refuse; this
		// one is not the team's, which both refuse first.
		"Account":      func(spec map[string]any) { spec["aws"].(map[string]any)["accountId"] = "444455557777" },
		"VPCCIDR":      func(spec map[string]any) { spec["network"].(map[string]any)["vpcCidr"] = "10.30.0.0/16" },
		"ZoneRemoved":  func(spec map[string]any) { spec["network"].(map[string]any)["availabilityZones"] = int64(2) },
		"PoolReplaced": func(spec map[string]any) { spec["nodePools"] = []any{map[string]any{"name": "batch"}} },
		// Staged, not refused: the pools' node groups stay until confirmed.
		"ToKarpenter": func(spec map[string]any) { spec["compute"] = map[string]any{"mode": "Karpenter"} },
		"IntoAutoMode": func(spec map[string]any) {
			spec["compute"] = map[string]any{"mode": "AutoMode"}
			delete(spec, "nodePools")
			spec["addons"].(map[string]any)["awsLoadBalancerController"] = false
		},
	}
	// What the function must refuse of each edit, so the comparison below
	// cannot pass with both silent.
	refuses := map[string]string{
		"Downgrade": "spec.kubernetesVersion", "Region": "spec.aws.region", "VPCCIDR": "spec.network.vpcCidr",
		"ZoneRemoved": "spec.network.zones", "PoolReplaced": "spec.nodePools", "IntoAutoMode": "spec.compute.mode",
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			edited := read("xr.yaml")
			edit(edited["spec"].(map[string]any))

			s := running
			s.XR = simulate.WithUID(edited)
			req, err := s.Request()
			if err != nil {
				t.Fatal(err)
			}
			fatal := fatalOf(t, f, req)
			var byFunction []string
			for _, g := range guarded {
				if strings.Contains(fatal, g+": ") {
					byFunction = append(byFunction, g)
				}
			}

			write(edited)
			c, err := New(f, exampleCompositions, "")
			if err != nil {
				t.Fatal(err)
			}
			findings, err := c.WithBase(gitBase).Check([]string{file})
			if err != nil {
				t.Fatal(err)
			}
			var byValidate []string
			for _, fd := range findings {
				if !slices.Contains(guarded, fd.Field) {
					t.Errorf("validate: %s", fd)
					continue
				}
				if !slices.Contains(byValidate, fd.Field) {
					byValidate = append(byValidate, fd.Field)
				}
			}
			if want, ok := refuses[name]; ok && !slices.Contains(byFunction, want) {
				t.Errorf("the function did not refuse %s: %q", want, fatal)
			}
			slices.Sort(byFunction)
			slices.Sort(byValidate)
			if diff := cmp.Diff(byFunction, byValidate); diff != "" {
				t.Errorf("fields refused: -function, +validate:\n%s\nfunction: %s", diff, fatal)
			}
			if len(byFunction) == 0 && fatal != "" {
				t.Errorf("the function refused the edit for another reason: %s", fatal)
			}
		})
	}
}

// fatalOf is the message of the function's Fatal result on req, or "".
func fatalOf(t *testing.T, f *fn.Function, req *fnv1.RunFunctionRequest) string {
	t.Helper()
	rsp, err := f.RunFunction(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return r.GetMessage()
		}
	}
	return ""
}
