package fleet

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "write the golden files")

// day is the day the tests judge on: 1.34 has just left standard support.
var day = time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)

// generate writes a platform repository of n XRs: teams, environments and
// versions spread over the fleet, some naming no version, written in the
// styles people write (quoted and plain, comments, several XRs to a file),
// with other YAML beside them. It returns the files.
func generate(t testing.TB, dir string, n int) []string {
	t.Helper()
	envs := []string{"dev", "staging", "prod"}
	versions := []string{`"1.33"`, `"1.34"`, `'1.34'`, `"1.35"`, "", `"1.36"`, `'1.35'`}
	var files []string
	for i := 0; i < n; i++ {
		team := fmt.Sprintf("team%02d", i%17)
		env := envs[i%len(envs)]
		var b strings.Builder
		fmt.Fprintf(&b, "# The %s cluster of %s.\napiVersion: platform.eks-gitops.dev/v1alpha1\nkind: TeamCluster\nmetadata:\n  name: %s-%s-%03d\nspec:\n", env, team, team, env, i)
		if v := versions[i%len(versions)]; v != "" {
			fmt.Fprintf(&b, "  kubernetesVersion: %s   # asked for by the team\n", v)
		}
		fmt.Fprintf(&b, "  team:\n    name: %s\n    members: [a]\n  environment: %s\n  aws:\n    accountId: \"%012d\"\n    region: eu-west-1\n", team, env, 100000000000+i%17)
		if i%10 == 9 {
			// A second XR in the same file, and a ConfigMap beside it.
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n---\napiVersion: platform.eks-gitops.dev/v1alpha1\nkind: NamespacedTeamCluster\nmetadata:\n  name: %s-%s-%03d-b\n  namespace: %s\nspec:\n  environment: %s\n  team: {name: %s}\n  kubernetesVersion: \"1.35\"\n", team, env, i, team, env, team)
		}
		f := filepath.Join(dir, "teams", team, fmt.Sprintf("%s-%03d.yaml", env, i))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; rerun with -update if intended):\n%s", path, diff)
	}
}

// TestReport: the report of 200 generated XRs in each format.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	cs, unreadable, err := Read(generate(t, dir, 200), "1.35")
	if err != nil || len(unreadable) > 0 {
		t.Fatal(err, unreadable)
	}
	if len(cs) != 220 {
		t.Fatalf("read %d XRs, want 220", len(cs))
	}
	r := NewReport(cs, day)
	for _, out := range Outputs {
		s, err := r.Format(out)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "report."+map[string]string{"text": "txt", "json": "json", "markdown": "md"}[out], s)
	}
	// 1.33 and 1.34 have left standard support: their clusters cost
	// $0.50 an hour more each today.
	extended := 0
	for _, v := range r.Versions {
		if v.Phase == "Extended" {
			extended += v.Clusters
		}
	}
	if got, want := r.ExtendedCostPerMonth, float64(extended)*0.5*730; got != want || extended == 0 {
		t.Errorf("extended support today $%.2f, want $%.2f for %d clusters", got, want, extended)
	}
}

// TestUpgradeWave: a wave rewrites exactly the XRs of its environment one
// minor below the version (naming none: pinned), leaves the rest with a
// reason, and changes no byte of a file but the version (or the one line
// that pins it).
func TestUpgradeWave(t *testing.T) {
	dir := t.TempDir()
	files := generate(t, dir, 200)
	cs, _, err := Read(files, "1.35")
	if err != nil {
		t.Fatal(err)
	}
	wave := Wave{To: "1.36", Environment: "dev", Max: 30}
	move, skip := Select(cs, wave)
	byFile := map[string][]Cluster{}
	for _, m := range move {
		if m.Environment != "dev" || m.Version != "1.35" {
			t.Errorf("moves %s at %s in %s", m.ID(), m.Version, m.Environment)
		}
		byFile[m.File] = append(byFile[m.File], m)
	}
	if len(move) != 30 {
		t.Errorf("moved %d, want the wave's 30", len(move))
	}
	var report strings.Builder
	for _, f := range files {
		ms := byFile[f]
		if ms == nil {
			continue
		}
		before, _ := os.ReadFile(f)
		after, err := Rewrite(before, ms, "1.36")
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Only the version changed: line by line, the moved XRs' version
		// lines and nothing else, or one line added that pins it.
		removed, added := lineDiff(string(before), string(after))
		for _, l := range removed {
			if !strings.Contains(l, "kubernetesVersion:") || !slices.Contains(added, strings.Replace(l, "1.35", "1.36", 1)) {
				t.Errorf("%s: line %q changed or went", f, l)
			}
		}
		for _, l := range added {
			if l != `  kubernetesVersion: "1.36"` && !slices.Contains(removed, strings.Replace(l, "1.36", "1.35", 1)) {
				t.Errorf("%s: line %q came", f, l)
			}
		}
		if len(added) != len(ms) {
			t.Errorf("%s: %d lines changed or added for %d XRs", f, len(added), len(ms))
		}
		again, _, err := Read([]string{writeTemp(t, after)}, "1.35")
		if err != nil || len(again) != len(ms) && !strings.Contains(f, "9.yaml") {
			t.Fatalf("%s: read back %v %v", f, again, err)
		}
		for _, c := range again {
			if c.Name == ms[0].Name && (c.Version != "1.36" || !c.Explicit) {
				t.Errorf("%s: %s reads back at %s", f, c.Name, c.Version)
			}
		}
		fmt.Fprintf(&report, "%s: %q -> %q\n", strings.TrimPrefix(f, dir), removed, added)
	}
	for _, s := range skip {
		fmt.Fprintf(&report, "left %s: %s\n", s.Cluster.ID(), s.Reason)
	}
	golden(t, "wave.txt", report.String())
	desc := Description(wave, move[:3], skip[:3], NewReport(cs, day))
	golden(t, "wave-description.md", strings.ReplaceAll(desc, dir, "<repo>"))
}

// TestRewriteRefusesWhatItCannotWrite: a value it cannot find written
// plainly, or a spec it cannot add to, is an error, never a guess.
func TestRewriteRefusesWhatItCannotWrite(t *testing.T) {
	cases := map[string]string{
		"FlowSpec": "apiVersion: platform.eks-gitops.dev/v1alpha1\nkind: TeamCluster\nmetadata: {name: a}\nspec: {environment: dev}\n",
		"Tagged":   "apiVersion: platform.eks-gitops.dev/v1alpha1\nkind: TeamCluster\nmetadata: {name: a}\nspec:\n  kubernetesVersion: !!str 1.35\n",
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			cs, _, err := Read([]string{writeTemp(t, []byte(doc))}, "1.35")
			if err != nil || len(cs) != 1 {
				t.Fatal(err, cs)
			}
			if out, err := Rewrite([]byte(doc), cs, "1.36"); err == nil {
				t.Errorf("rewrote it:\n%s", out)
			}
		})
	}
}

// TestNext: the next wave waits for the one before to converge.
func TestNext(t *testing.T) {
	at := func(env, version, running string, ready bool) Cluster {
		return Cluster{Name: env + version + running, Environment: env, Version: version, Explicit: true, Running: running, Ready: ready}
	}
	envs := []string{"dev", "staging", "prod"}
	cases := map[string]struct {
		clusters []Cluster
		want     string
	}{
		"DevFirst":           {[]Cluster{at("dev", "1.35", "1.35", true), at("prod", "1.35", "1.35", true)}, "dev"},
		"DevStillConverging": {[]Cluster{at("dev", "1.36", "1.35", true), at("staging", "1.35", "1.35", true)}, ""},
		"DevNotReady":        {[]Cluster{at("dev", "1.36", "1.36", false), at("staging", "1.35", "1.35", true)}, ""},
		"StagingNext":        {[]Cluster{at("dev", "1.36", "1.36", true), at("staging", "1.35", "1.35", true)}, "staging"},
		"NoStagingProdNext":  {[]Cluster{at("dev", "1.36", "1.36", true), at("prod", "1.35", "1.35", true)}, "prod"},
		"Done":               {[]Cluster{at("dev", "1.36", "1.36", true), at("prod", "1.36", "1.36", true)}, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got, why := Next(tc.clusters, "1.36", envs); got != tc.want {
				t.Errorf("Next = %q (%s), want %q", got, why, tc.want)
			}
		})
	}
}

// BenchmarkReport reads and reports 10,000 XRs from their files (the
// report over a large platform repository; docs/fleet.md has the figure).
func BenchmarkReport(b *testing.B) {
	files := generate(b, b.TempDir(), 10000)
	b.ResetTimer()
	for b.Loop() {
		cs, _, err := Read(files, "1.35")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := NewReport(cs, day).Format("markdown"); err != nil {
			b.Fatal(err)
		}
	}
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "xr.yaml")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// lineDiff returns the lines of a that are not in b and those of b that
// are not in a, by a longest common subsequence of lines.
func lineDiff(a, b string) (removed, added []string) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	// lcs[i][j] is the longest common subsequence of al[i:] and bl[j:].
	lcs := make([][]int, len(al)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(bl)+1)
	}
	for i := len(al) - 1; i >= 0; i-- {
		for j := len(bl) - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(al) || j < len(bl) {
		switch {
		case i < len(al) && j < len(bl) && al[i] == bl[j]:
			i++
			j++
		case j < len(bl) && (i == len(al) || lcs[i][j+1] >= lcs[i+1][j]):
			added = append(added, bl[j])
			j++
		default:
			removed = append(removed, al[i])
			i++
		}
	}
	return removed, added
}

// TestLive: the live XRs, as kubectl prints them, give each manifest what
// its control plane runs and whether it is Ready; a live XR no manifest
// holds is counted too.
func TestLive(t *testing.T) {
	live := `{"apiVersion": "v1", "kind": "List", "items": [
	  {"apiVersion": "platform.eks-gitops.dev/v1alpha1", "kind": "TeamCluster", "metadata": {"name": "payments-dev"},
	   "spec": {"team": {"name": "payments"}, "environment": "dev", "kubernetesVersion": "1.36"},
	   "status": {"cluster": {"version": "1.35"}, "conditions": [{"type": "Ready", "status": "True"}]}},
	  {"apiVersion": "platform.eks-gitops.dev/v1alpha1", "kind": "NamespacedTeamCluster", "metadata": {"name": "analytics-dev", "namespace": "team-analytics"},
	   "spec": {"team": {"name": "analytics"}, "environment": "dev"},
	   "status": {"cluster": {"version": "1.35"}, "conditions": [{"type": "Ready", "status": "False"}]}},
	  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "not-an-xr"}}
	]}`
	got, err := ReadLive(strings.NewReader(live), "1.35")
	if err != nil {
		t.Fatal(err)
	}
	want := []Cluster{
		{Kind: "TeamCluster", Name: "payments-dev", Team: "payments", Environment: "dev", Version: "1.36", Explicit: true, Running: "1.35", Ready: true},
		{Kind: "NamespacedTeamCluster", Name: "analytics-dev", Namespace: "team-analytics", Team: "analytics", Environment: "dev", Version: "1.35", Running: "1.35"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(Cluster{})); diff != "" {
		t.Errorf("ReadLive (-want +got):\n%s", diff)
	}
	manifests := []Cluster{{File: "teams/payments/payments-dev.yaml", Kind: "TeamCluster", Name: "payments-dev", Team: "payments", Environment: "dev", Version: "1.36", Explicit: true}}
	merged := Merge(manifests, got)
	if len(merged) != 2 || merged[0].File == "" || merged[0].Running != "1.35" || !merged[0].Ready || merged[1].Name != "analytics-dev" {
		t.Errorf("Merge: %+v", merged)
	}
	// The report judges what runs: payments-dev counts at 1.35 until its
	// upgrade is done.
	if r := NewReport(merged, day); len(r.Versions) != 1 || r.Versions[0].Version != "1.35" || r.Versions[0].Clusters != 2 {
		t.Errorf("report of the live fleet: %+v", r.Versions)
	}
	if _, err := ReadLive(strings.NewReader("not json"), "1.35"); err == nil {
		t.Error("ReadLive read what is not kubectl's JSON")
	}
}
