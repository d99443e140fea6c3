package compose

import (
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var (
	ngA, ngB, ngC = resource.Name("eks-nodegroup-a"), resource.Name("eks-nodegroup-b"), resource.Name("eks-nodegroup-c")
	threeGroups   = []resource.Name{ngA, ngB, ngC}
)

func upgradeTo(to string) Upgrade {
	return Upgrade{To: to, NodeGroupVersions: map[resource.Name]string{}, AddonMinor: to, Total: len(threeGroups)}
}

func groups(v ...NodeGroupFacts) map[resource.Name]NodeGroupFacts {
	out := map[resource.Name]NodeGroupFacts{}
	for i, ng := range v {
		out[threeGroups[i]] = ng
	}
	return out
}

var ignoreRefs = cmpopts.IgnoreUnexported(Upgrade{})

// TestControlPlaneStage: while the control plane moves, node groups keep
// what they run and the add-ons follow the oldest version running.
func TestControlPlaneStage(t *testing.T) {
	cases := map[string]struct {
		reason string
		f      Facts
		want   Upgrade
	}{
		"AllOnTheOldVersion": {
			reason: "Node groups stay; add-ons stay on the control plane's version.",
			f: Facts{Cluster: ClusterFacts{Version: "1.35"}, NodeGroups: groups(
				NodeGroupFacts{Version: "1.35", SpecVersion: "1.35", Ready: true},
				NodeGroupFacts{Version: "1.35", SpecVersion: "1.35", Ready: true},
				NodeGroupFacts{Version: "1.35", SpecVersion: "1.35", Ready: true})},
			want: Upgrade{To: "1.36", Stage: StageControlPlane, Waiting: "the control plane to run Kubernetes 1.36 and be ACTIVE", AddonMinor: "1.35", Total: 3,
				NodeGroupVersions: map[resource.Name]string{ngA: "1.35", ngB: "1.35", ngC: "1.35"}},
		},
		"ANodeGroupBehind": {
			reason: "A node group one minor behind holds the add-ons back too.",
			f: Facts{Cluster: ClusterFacts{Version: "1.35"}, NodeGroups: groups(
				NodeGroupFacts{Version: "1.34", SpecVersion: "1.34", Ready: true},
				NodeGroupFacts{Version: "1.35", SpecVersion: "1.35", Ready: true},
				NodeGroupFacts{Version: "1.35", SpecVersion: "1.35", Ready: true})},
			want: Upgrade{To: "1.36", Stage: StageControlPlane, Waiting: "the control plane to run Kubernetes 1.36 and be ACTIVE", AddonMinor: "1.34", Total: 3,
				NodeGroupVersions: map[resource.Name]string{ngA: "1.34", ngB: "1.35", ngC: "1.35"}},
		},
		"AskedVersionNeverTakenBack": {
			reason: "A version already asked for stays, even when a stale observation reports the old one.",
			f: Facts{Cluster: ClusterFacts{Version: "1.35"}, NodeGroups: groups(
				NodeGroupFacts{Version: "1.34", SpecVersion: "1.35", Ready: true},
				NodeGroupFacts{SpecVersion: "1.35"},
				NodeGroupFacts{})},
			want: Upgrade{To: "1.36", Stage: StageControlPlane, Waiting: "the control plane to run Kubernetes 1.36 and be ACTIVE", AddonMinor: "1.34", Total: 3,
				NodeGroupVersions: map[resource.Name]string{ngA: "1.35", ngB: "1.35", ngC: "1.35"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, controlPlaneStage(upgradeTo("1.36"), tc.f, threeGroups), ignoreRefs); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestNodeGroupStage: once the control plane runs the new version and is
// ACTIVE, node groups move at most slots at a time, those moving counted.
func TestNodeGroupStage(t *testing.T) {
	old, moving, moved := NodeGroupFacts{Version: "1.35", SpecVersion: "1.35", Ready: true}, NodeGroupFacts{Version: "1.35", SpecVersion: "1.36"}, NodeGroupFacts{Version: "1.36", SpecVersion: "1.36", Ready: true}
	cases := map[string]struct {
		reason string
		f      Facts
		slots  int
		want   Upgrade
	}{
		"NotActiveYet": {
			reason: "No node group moves before the control plane is ACTIVE.",
			f:      Facts{Cluster: ClusterFacts{Version: "1.36", Status: "UPDATING"}, NodeGroups: groups(old, old, old)},
			slots:  1,
			want: Upgrade{To: "1.36", Stage: StageNodeGroups, Waiting: "the control plane to be ACTIVE", AddonMinor: "1.35", Total: 3,
				NodeGroupVersions: map[resource.Name]string{ngA: "1.35", ngB: "1.35", ngC: "1.35"}},
		},
		"OneAtATime": {
			reason: "One slot: the first node group moves.",
			f:      Facts{Cluster: ClusterFacts{Version: "1.36", Status: "ACTIVE"}, NodeGroups: groups(old, old, old)},
			slots:  1,
			want: Upgrade{To: "1.36", Stage: StageNodeGroups, Waiting: "node groups eks-nodegroup-a to run Kubernetes 1.36", AddonMinor: "1.35", Total: 3,
				NodeGroupVersions: map[resource.Name]string{ngA: "1.36", ngB: "1.35", ngC: "1.35"}},
		},
		"MovingOnesCount": {
			reason: "A node group already moving takes the slot; the next waits.",
			f:      Facts{Cluster: ClusterFacts{Version: "1.36", Status: "ACTIVE"}, NodeGroups: groups(moved, moving, old)},
			slots:  1,
			want: Upgrade{To: "1.36", Stage: StageNodeGroups, Waiting: "node groups eks-nodegroup-b to run Kubernetes 1.36", AddonMinor: "1.35", Total: 3, Done: 1,
				NodeGroupVersions: map[resource.Name]string{ngA: "1.36", ngB: "1.36", ngC: "1.35"}},
		},
		"TwoSlots": {
			reason: "Two slots: two move at once.",
			f:      Facts{Cluster: ClusterFacts{Version: "1.36", Status: "ACTIVE"}, NodeGroups: groups(old, old, old)},
			slots:  2,
			want: Upgrade{To: "1.36", Stage: StageNodeGroups, Waiting: "node groups eks-nodegroup-a, eks-nodegroup-b to run Kubernetes 1.36", AddonMinor: "1.35", Total: 3,
				NodeGroupVersions: map[resource.Name]string{ngA: "1.36", ngB: "1.36", ngC: "1.35"}},
		},
		"NewNodeGroup": {
			reason: "A node group that does not exist yet is made at the new version and takes no slot.",
			f:      Facts{Cluster: ClusterFacts{Version: "1.36", Status: "ACTIVE"}, NodeGroups: map[resource.Name]NodeGroupFacts{ngA: moved, ngB: moved}},
			slots:  1,
			want: Upgrade{To: "1.36", AddonMinor: "1.36", Total: 3, Done: 3,
				NodeGroupVersions: map[resource.Name]string{ngA: "1.36", ngB: "1.36", ngC: "1.36"}},
		},
		"AllMoved": {
			reason: "Every node group runs the new version: the stage is over.",
			f:      Facts{Cluster: ClusterFacts{Version: "1.36", Status: "ACTIVE"}, NodeGroups: groups(moved, moved, moved)},
			slots:  1,
			want: Upgrade{To: "1.36", AddonMinor: "1.36", Total: 3, Done: 3,
				NodeGroupVersions: map[resource.Name]string{ngA: "1.36", ngB: "1.36", ngC: "1.36"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, nodeGroupStage(upgradeTo("1.36"), tc.f, threeGroups, tc.slots), ignoreRefs); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestHeldVersion: what a waiting node group keeps.
func TestHeldVersion(t *testing.T) {
	cases := map[string]struct {
		f    Facts
		want string
	}{
		"Reported":          {f: Facts{Cluster: ClusterFacts{Version: "1.35"}, NodeGroups: groups(NodeGroupFacts{Version: "1.34", SpecVersion: "1.34"})}, want: "1.34"},
		"AskedNotReported":  {f: Facts{Cluster: ClusterFacts{Version: "1.35"}, NodeGroups: groups(NodeGroupFacts{SpecVersion: "1.34"})}, want: "1.34"},
		"NotObserved":       {f: Facts{Cluster: ClusterFacts{Version: "1.35"}}, want: "1.35"},
		"AskedNewerThanRun": {f: Facts{Cluster: ClusterFacts{Version: "1.35"}, NodeGroups: groups(NodeGroupFacts{Version: "1.34", SpecVersion: "1.35"})}, want: "1.35"},
		"NothingRuns":       {f: Facts{}, want: "1.36"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := heldVersion(tc.f, ngA, "1.36"); got != tc.want {
				t.Errorf("heldVersion = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestAddonStage: with every node group on the new version, the stage
// waits for each add-on whose running version is not the one for it.
func TestAddonStage(t *testing.T) {
	p := params(func(p *Params) { p.Spec.KubernetesVersion = "1.36" })
	names := p.addonNames()
	if len(names) < 2 {
		t.Fatalf("the example has %d add-ons", len(names))
	}
	current := func() map[string]string {
		out := map[string]string{}
		for _, a := range names {
			out[a] = p.addonVersionFor(a, "1.36", Facts{})
		}
		return out
	}
	behind := current()
	behind[names[1]] = "v0.0.1-eksbuild.1"
	cases := map[string]struct {
		reason string
		have   map[string]string
		want   Upgrade
	}{
		"AllCurrent": {reason: "Every add-on runs its version: done.", have: current(), want: upgradeTo("1.36")},
		"OneBehind": {reason: "One add-on on another version: waited for by name.", have: behind,
			want: func() Upgrade {
				u := upgradeTo("1.36")
				u.Stage, u.Waiting = StageAddons, "add-ons "+names[1]+" to run their versions for Kubernetes 1.36"
				return u
			}()},
		"NotYetObserved": {reason: "An add-on not observed yet is not waited for.", have: map[string]string{}, want: upgradeTo("1.36")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, p.addonStage(upgradeTo("1.36"), Facts{AddonVersions: tc.have}), ignoreRefs); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
