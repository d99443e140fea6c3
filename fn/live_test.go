package fn

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// TestLaunchTemplateVersions checks what version each pool's node groups
// launch from: the template's observed latest version, or while it is not
// observed the version they were last given, never one that is not a
// version number.
func TestLaunchTemplateVersions(t *testing.T) {
	lt := func(pool string, latest any) map[string]any {
		o := map[string]any{"metadata": map[string]any{"labels": map[string]any{"eks-gitops.dev/node-pool": pool}}}
		if latest != nil {
			o["status"] = map[string]any{"atProvider": map[string]any{"latestVersion": latest}}
		}
		return o
	}
	ng := func(pool, version string) map[string]any {
		return map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"eks-gitops.dev/node-pool": pool}},
			"spec":     map[string]any{"forProvider": map[string]any{"launchTemplate": map[string]any{"version": version}}},
		}
	}
	cases := map[string]struct {
		observed map[string]map[string]any
		want     map[string]string
	}{
		"Observed": {
			observed: map[string]map[string]any{"ec2-launch-template-general": lt("general", 4.0), "eks-nodegroup-general-1": ng("general", "3")},
			want:     map[string]string{"general": "4"},
		},
		"ReobservingKeepsTheLastGiven": {
			observed: map[string]map[string]any{
				"ec2-launch-template-general": lt("general", nil),
				"eks-nodegroup-general-1":     ng("general", "3"),
				"eks-nodegroup-general-2":     ng("general", "5"),
			},
			want: map[string]string{"general": "5"},
		},
		"NotAVersion": {
			observed: map[string]map[string]any{
				"ec2-launch-template-a": lt("a", 1.5), "ec2-launch-template-b": lt("b", -1.0), "ec2-launch-template-c": lt("c", "7"),
				"eks-nodegroup-d-1": ng("d", "$Latest"),
			},
			want: map[string]string{},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			observed := map[string]*fnv1.Resource{}
			for n, o := range tc.observed {
				observed[n] = &fnv1.Resource{Resource: observedComposed(t, o)}
			}
			if diff := cmp.Diff(tc.want, launchTemplateVersions(observed)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
