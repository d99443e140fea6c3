package repocheck

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
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
	got := check(t, packageCompositions, settings, files...)
	for _, f := range files {
		if !slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, f+": ") }) {
			t.Errorf("%s: no finding; every broken manifest must break a rule", f)
		}
	}
	golden := filepath.Join("testdata", "broken.golden")
	out := strings.Join(got, "\n") + "\n"
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("validate's output differs from %s (-want +got; rerun with -update if intended):\n%s", golden, diff)
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
	}{
		"SameXRTwice": {
			reason: "Two files holding one XR would derive every name alike: the second takes the first's cluster over.",
			a:      set("cidr", "10.20.0.0/16"),
			b:      set("cidr", "10.30.0.0/16"),
			want:   []string{"b.yaml: names shared with another XR: TeamCluster payments-dev derives the EKS cluster", "b.yaml: names shared with another XR: TeamCluster payments-dev derives the Argo CD project"},
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
		rsp, err := f.RunFunction(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		var fatal string
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				fatal = r.GetMessage()
			}
		}

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
		path := filepath.Join(dir, team, fmt.Sprintf("c%d.yaml", i/100))
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
		dir := filepath.Join(t.TempDir(), TeamsFolder, folder)
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
