package fn

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
)

// TestReadInputCache: the Input read through the decoded-Input cache is
// exactly the Input read afresh, for a team whose grant names its Git
// host, a team whose grant does not, and a repository observed on a host;
// the XRs of one Composition share one entry; an edit of the Input or of
// the platform settings is read anew, never answered from the entry before
// it; and a refusal is refused on every call.
func TestReadInputCache(t *testing.T) {
	// The platform keeps repositories on CodeCommit, and team search's
	// on GitHub.
	in := exampleInput(t, "composition.yaml")
	gh := readYAML(t, "platform-settings-github.yaml")["data"].(map[string]any)
	in["repository"].(map[string]any)["github"] = gh["repository"].(map[string]any)["github"]
	in["tenancy"] = gh["tenancy"]
	const granted, other = "search", "payments"
	for _, g := range in["tenancy"].(map[string]any)["teams"].([]any) {
		if g.(map[string]any)["name"] == granted {
			g.(map[string]any)["repositoryHost"] = v1beta1.HostGitHub
		}
	}
	req := requestOf(t, state{XR: readYAML(t, "xr.yaml"), Input: in})

	f := New()
	key, err := inputKeyOf(req.GetInput(), settings{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ team, observed, host string }{
		{granted, "", v1beta1.HostGitHub}, {other, "", v1beta1.HostCodeCommit}, {granted, v1beta1.HostCodeCommit, v1beta1.HostCodeCommit}, {granted, "", v1beta1.HostGitHub},
	} {
		want, err := readInput(req, settings{}, c.team, c.observed)
		if err != nil {
			t.Fatal(err)
		}
		if want.Repository.Host != c.host {
			t.Fatalf("team %s, observed on %q: read afresh, the repository is on %s, want %s", c.team, c.observed, want.Repository.Host, c.host)
		}
		got, err := f.readInput(req, key, settings{}, c.team, c.observed)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("team %s, observed on %q: the cached Input differs from one read afresh: -want, +got:\n%s", c.team, c.observed, diff)
		}
	}
	if n := f.reads.Len(); n != 1 {
		t.Errorf("%d entries for one Composition's Input, want 1", n)
	}

	// An edit of the Input is a new entry, read anew.
	in["namePrefix"] = "acme-"
	edited := requestOf(t, state{XR: readYAML(t, "xr.yaml"), Input: in})
	ekey, err := inputKeyOf(edited.GetInput(), settings{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.readInput(edited, ekey, settings{}, other, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.NamePrefix != "acme-" {
		t.Errorf("after the edit the Input's namePrefix is %q, want acme-", got.NamePrefix)
	}
	// So is an edit of the platform settings the Input names.
	ps := settings{name: "eks-gitops-platform"}
	ps.data = observedComposed(t, map[string]any{"tags": map[string]any{"cost-center": "a"}})
	psEdited := settings{name: ps.name, data: observedComposed(t, map[string]any{"tags": map[string]any{"cost-center": "b"}})}
	k1, _ := inputKeyOf(edited.GetInput(), ps)
	k2, _ := inputKeyOf(edited.GetInput(), psEdited)
	if k1 == k2 || k1 == ekey {
		t.Error("an edit of the platform settings keeps the key of the Input read before it")
	}

	// A refusal is not kept: each call is refused.
	in["natGateways"] = "Three"
	bad := requestOf(t, state{XR: readYAML(t, "xr.yaml"), Input: in})
	bkey, err := inputKeyOf(bad.GetInput(), settings{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := f.readInput(bad, bkey, settings{}, other, ""); err == nil {
			t.Error("an invalid Input was read without a refusal")
		}
	}
}
