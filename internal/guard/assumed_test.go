package guard

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

func params(edit func(s *clusterspec.Spec)) compose.Params {
	s := clusterspec.Spec{
		Team:              clusterspec.Team{Name: "payments"},
		Environment:       "dev",
		KubernetesVersion: "1.35",
		AWS:               clusterspec.AWS{AccountID: "444455556666", Region: "eu-west-1"},
		Network:           clusterspec.Network{VPCCIDR: "10.20.0.0/16", Zones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		NodePools:         []clusterspec.NodePool{{Name: "general"}, {Name: "batch"}},
	}
	edit(&s)
	return compose.Params{XRName: "payments-dev", Spec: s.WithDefaults("1.35")}
}

func fields(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

// TestEditsOfTheBase: an edit judged against the cluster its previous
// version made gets the verdict the function gives once that cluster runs.
func TestEditsOfTheBase(t *testing.T) {
	cases := map[string]struct {
		reason string
		base   func(s *clusterspec.Spec)
		edit   func(s *clusterspec.Spec)
		want   []string
	}{
		"Unchanged":    {reason: "Nothing to refuse.", edit: func(*clusterspec.Spec) {}},
		"MinorUpgrade": {reason: "One minor up is an upgrade.", edit: func(s *clusterspec.Spec) { s.KubernetesVersion = "1.36" }},
		"TwoMinorsUp":  {reason: "EKS upgrades one minor at a time.", edit: func(s *clusterspec.Spec) { s.KubernetesVersion = "1.37" }, want: []string{"spec.kubernetesVersion"}},
		"Downgrade":    {reason: "EKS cannot downgrade.", edit: func(s *clusterspec.Spec) { s.KubernetesVersion = "1.34" }, want: []string{"spec.kubernetesVersion"}},
		"Region": {
			reason: "A region change would make a second cluster; its zones moving with it is the same cause, said once.",
			edit: func(s *clusterspec.Spec) {
				s.AWS.Region = "eu-central-1"
				s.Network.Zones = []string{"eu-central-1a", "eu-central-1b", "eu-central-1c"}
			},
			want: []string{"spec.aws.region"},
		},
		"Account": {reason: "An account change would make everything again.", edit: func(s *clusterspec.Spec) { s.AWS.AccountID = "444455557777" }, want: []string{"spec.aws.accountId"}},
		"VPCCIDR": {reason: "A VPC's primary CIDR cannot change.", edit: func(s *clusterspec.Spec) { s.Network.VPCCIDR = "10.30.0.0/16" }, want: []string{"spec.network.vpcCidr"}},
		"ServiceCIDR": {
			reason: "A service CIDR the base set cannot change.",
			base:   func(s *clusterspec.Spec) { s.Network.ServiceCIDR = "172.20.0.0/16" },
			edit:   func(s *clusterspec.Spec) { s.Network.ServiceCIDR = "172.21.0.0/16" },
			want:   []string{"spec.network.serviceCidr"},
		},
		"ServiceCIDRLeftToEKS": {
			reason: "The CIDR EKS chose is not known before the cluster runs: not judged.",
			edit:   func(s *clusterspec.Spec) { s.Network.ServiceCIDR = "172.21.0.0/16" },
		},
		"ZoneAdded": {reason: "A zone at the end moves no subnet.", edit: func(s *clusterspec.Spec) { s.Network.Zones = append(s.Network.Zones, "eu-west-1d") }},
		"ZonesReordered": {reason: "A reorder moves subnets under nodes.", edit: func(s *clusterspec.Spec) {
			s.Network.Zones[0], s.Network.Zones[1] = s.Network.Zones[1], s.Network.Zones[0]
		}, want: []string{"spec.network.zones", "spec.network.zones"}},
		"ZoneRemoved": {reason: "A removed zone needs confirmRemoval.", edit: func(s *clusterspec.Spec) { s.Network.Zones = s.Network.Zones[:2] }, want: []string{"spec.network.zones"}},
		"ZoneRemovedConfirmed": {
			reason: "Named in confirmRemoval, the zone may go.",
			edit: func(s *clusterspec.Spec) {
				s.Network.Zones = s.Network.Zones[:2]
				s.ConfirmRemoval.Zones = []string{"eu-west-1c"}
			},
		},
		"PoolRemoved": {reason: "A pool's nodes would go with it.", edit: func(s *clusterspec.Spec) { s.NodePools = s.NodePools[:1] }, want: []string{"spec.nodePools"}},
		"PoolRemovedConfirmed": {
			reason: "Named in confirmRemoval, the pool may go.",
			edit: func(s *clusterspec.Spec) {
				s.NodePools = s.NodePools[:1]
				s.ConfirmRemoval.NodePools = []string{"batch"}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			base := tc.base
			if base == nil {
				base = func(*clusterspec.Spec) {}
			}
			live, facts := Assumed(params(base))
			edited := params(func(s *clusterspec.Spec) { base(s); tc.edit(s) })
			if diff := cmp.Diff(tc.want, fields(Check(edited, facts, live))); diff != "" {
				t.Errorf("%s\nCheck(edit, Assumed(base)): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
