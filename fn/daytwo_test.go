package fn

import (
	"maps"
	"slices"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/addoniam"
	"github.com/eks-gitops/function-eks-gitops/internal/addonversion"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
)

// declaredNames are the resource names a response declares, sorted.
func declaredNames(rsp *fnv1.RunFunctionResponse) []string { return resourceNames(rsp) }

// nodeGroups are the node group resource names a response declares.
func nodeGroups(rsp *fnv1.RunFunctionResponse) []string {
	var out []string
	for _, n := range resourceNames(rsp) {
		if strings.HasPrefix(n, compose.NodeGroupPrefix) {
			out = append(out, n)
		}
	}
	return out
}

func specVersion(t *testing.T, rsp *fnv1.RunFunctionResponse, name string) string {
	t.Helper()
	fp := desiredObject(t, rsp, name)["spec"].(map[string]any)["forProvider"].(map[string]any)
	if v, ok := fp["version"].(string); ok {
		return v
	}
	v, _ := fp["addonVersion"].(string)
	return v
}

// TestDayTwoEdits applies each edit a team may make to a converged XR and
// checks the outcome: refused (a Fatal result naming the field and what to
// do, and nothing declared, so nothing changes), applied in place (the same
// resources, none dropped), or staged.
func TestDayTwoEdits(t *testing.T) {
	// Independent of every other test, and among the longest: with the
	// others of its kind it runs beside them, on the second core.
	t.Parallel()
	type base struct{ xr, composition, version string }
	def := base{"xr.yaml", "composition.yaml", "1.34"}
	cases := map[string]struct {
		reason string
		base   base
		edit   func(s *state)
		// refused is part of the Fatal message; empty means accepted.
		refused []string
		// drops names what the edit removes: exactly those names go, and
		// nothing else declared before may.
		drops func(name string) bool
		check func(t *testing.T, converged, rsp *fnv1.RunFunctionResponse)
	}{
		"IntoAutoMode": {
			reason: "A running cluster cannot move into Auto Mode: EKS fixes bootstrapSelfManagedAddons at creation, and EBS CSI volumes do not move to Auto Mode's driver.",
			base:   def,
			edit: func(s *state) {
				set(s.XR, "spec.compute", map[string]any{"mode": "AutoMode"})
				delete(s.XR["spec"].(map[string]any), "nodePools")
				s.XR["spec"].(map[string]any)["addons"].(map[string]any)["awsLoadBalancerController"] = false
			},
			refused: []string{"spec.compute.mode", "the cluster runs in ManagedNodeGroups, and this XR asks for AutoMode", "bootstrapSelfManagedAddons"},
		},
		"OutOfProtectedEnvironment": {
			reason: "A team cannot lift its environment's deletion protection by naming another environment: only a platform engineer lifts it.",
			base:   base{"xr-full.yaml", "composition.yaml", "1.34"},
			edit: func(s *state) {
				set(s.XR, "spec.environment", "staging")
			},
			refused: []string{"spec.environment", "the cluster runs in prod, which protects it from deletion, and staging does not", "compliance.deletionProtectionLiftedFor"},
		},
		"ToKarpenter": {
			reason: "Moving to Karpenter is staged: Karpenter's resources and the system node group come, and the pool's node group and launch template stay while Karpenter takes over.",
			base:   def,
			edit: func(s *state) {
				set(s.XR, "spec.compute", map[string]any{"mode": "Karpenter"})
			},
			check: func(t *testing.T, converged, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				for _, n := range []string{string(compose.NameKarpenterQueue), string(compose.NameKarpenterNodeRole), string(compose.NameAddonRole(addoniam.Karpenter)), string(compose.NameLaunchTemplate("system"))} {
					if _, ok := rsp.GetDesired().GetResources()[n]; !ok {
						t.Errorf("%s is not declared", n)
					}
				}
			},
		},
		"ToKarpenterConfirmed": {
			reason: "Once the team confirms Karpenter serves the pool, its node group and launch template go.",
			base:   def,
			edit: func(s *state) {
				set(s.XR, "spec.compute", map[string]any{"mode": "Karpenter"})
				set(s.XR, "spec.confirmRemoval.nodePools", []any{"general"})
			},
			drops: func(n string) bool {
				return strings.HasPrefix(n, compose.NodeGroupPrefix+"general-") || n == string(compose.NameLaunchTemplate("general"))
			},
		},
		"OutOfKarpenter": {
			reason:  "Leaving Karpenter would orphan the nodes it launched.",
			base:    base{"xr-karpenter.yaml", "composition.yaml", "1.35"},
			edit:    func(s *state) { set(s.XR, "spec.compute", map[string]any{"mode": "ManagedNodeGroups"}) },
			refused: []string{"spec.compute.mode", "the cluster runs in Karpenter, and this XR asks for ManagedNodeGroups"},
		},
		"OutOfAutoMode": {
			reason:  "A running Auto Mode cluster cannot move to managed node groups, for the same reasons.",
			base:    base{"xr-automode.yaml", "composition.yaml", "1.35"},
			edit:    func(s *state) { set(s.XR, "spec.compute", map[string]any{"mode": "ManagedNodeGroups"}) },
			refused: []string{"spec.compute.mode", "the cluster runs in AutoMode, and this XR asks for ManagedNodeGroups"},
		},
		"Region": {
			reason:  "A region change would create a second VPC and cluster and orphan these.",
			base:    def,
			edit:    func(s *state) { set(s.XR, "spec.aws.region", "eu-central-1") },
			refused: []string{"spec.aws.region", "runs with eu-west-1", "asks for eu-central-1", "create a new XR"},
		},
		"Account": {
			reason: "An account change, even to one the team was granted, would rebuild everything there.",
			base:   def,
			edit: func(s *state) {
				s.Input = grant(s.Input, "payments", "444455556666", "")
				g := s.Input["tenancy"].(map[string]any)["teams"].([]any)[0].(map[string]any)
				g["accountIds"] = []any{"444455556666", "444455557777"}
				set(s.XR, "spec.aws.accountId", "444455557777")
			},
			refused: []string{"spec.aws.accountId", "runs with 444455556666", "asks for 444455557777"},
		},
		"VPCCIDR": {
			reason:  "AWS cannot change a VPC's primary CIDR.",
			base:    def,
			edit:    func(s *state) { set(s.XR, "spec.network.vpcCidr", "10.30.0.0/16") },
			refused: []string{"spec.network.vpcCidr", "runs with 10.20.0.0/16"},
		},
		"ServiceCIDR": {
			reason:  "EKS cannot change a service CIDR.",
			base:    base{"xr-full.yaml", "composition.yaml", "1.34"},
			edit:    func(s *state) { set(s.XR, "spec.network.serviceCidr", "172.21.0.0/16") },
			refused: []string{"spec.network.serviceCidr", "runs with 172.20.0.0/16", "cannot change a cluster's service CIDR"},
		},
		"ZonesReordered": {
			reason: "Reordering zones would move every subnet's CIDR.",
			base:   base{"xr-full.yaml", "composition.yaml", "1.34"},
			edit: func(s *state) {
				set(s.XR, "spec.network.zones", []any{"eu-central-1b", "eu-central-1a", "eu-central-1c"})
			},
			refused: []string{"spec.network.zones", "subnet subnet-private-a is in eu-central-1a with 10.40.0.0/19", "keep the zones in the order"},
		},
		"ZoneRemoved": {
			reason:  "Removing a zone deletes its network under running nodes.",
			base:    def,
			edit:    func(s *state) { set(s.XR, "spec.network.availabilityZones", int64(2)) },
			refused: []string{"zone eu-west-1c has subnets", "spec.confirmRemoval.zones"},
		},
		"ZoneRemovedConfirmed": {
			reason: "A confirmed zone removal drops the zone and replaces the node groups beside the old ones.",
			base:   def,
			edit: func(s *state) {
				set(s.XR, "spec.network.availabilityZones", int64(2))
				set(s.XR, "spec.confirmRemoval.zones", []any{"eu-west-1c"})
			},
			drops: func(n string) bool { return strings.HasSuffix(n, "-c") },
			check: func(t *testing.T, converged, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				names := declaredNames(rsp)
				if slices.Contains(names, "subnet-private-c") || slices.Contains(names, "nat-gateway-c") {
					t.Error("zone c is still declared")
				}
				if got := nodeGroups(rsp); len(got) != 2 || !slices.Contains(got, nodeGroups(converged)[0]) {
					t.Errorf("node groups %v, want the old one kept beside a new one", got)
				}
			},
		},
		"Downgrade": {
			reason:  "EKS cannot downgrade.",
			base:    base{"xr.yaml", "composition.yaml", "1.35"},
			edit:    func(s *state) { set(s.XR, "spec.kubernetesVersion", "1.34") },
			refused: []string{"spec.kubernetesVersion", "runs Kubernetes 1.35", "cannot downgrade"},
		},
		"SkipAMinor": {
			reason:  "EKS upgrades one minor at a time.",
			base:    def,
			edit:    func(s *state) { set(s.XR, "spec.kubernetesVersion", "1.36") },
			refused: []string{"spec.kubernetesVersion", "one minor version at a time", "ask for 1.35 first"},
		},
		"Upgrade": {
			reason: "The next minor is staged: the control plane first, node groups and add-ons keep their versions.",
			base:   def,
			edit:   func(s *state) { set(s.XR, "spec.kubernetesVersion", "1.35") },
			check: func(t *testing.T, converged, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				if v := specVersion(t, rsp, "eks-cluster"); v != "1.35" {
					t.Errorf("cluster version %s, want 1.35", v)
				}
				for _, ng := range nodeGroups(rsp) {
					if v := specVersion(t, rsp, ng); v != "1.34" {
						t.Errorf("%s moved to %s before the control plane", ng, v)
					}
				}
				if got, want := specVersion(t, rsp, "eks-addon-kube-proxy"), specVersion(t, converged, "eks-addon-kube-proxy"); got != want {
					t.Errorf("kube-proxy moved to %s before the node groups; it ran %s", got, want)
				}
				c := condition(t, rsp, "KubernetesUpgraded")
				if c.GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE || !strings.Contains(c.GetMessage(), "from 1.34 to 1.35: the control plane is being upgraded") {
					t.Errorf("KubernetesUpgraded: %v %q", c.GetStatus(), c.GetMessage())
				}
				if rsp.GetDesired().GetComposite().GetReady() != fnv1.Ready_READY_FALSE {
					t.Error("the XR is not held unready during the upgrade")
				}
			},
		},
		"AllPoolsRemoved": {
			reason:  "nodePools: [] means one pool named default; general still runs nodes.",
			base:    def,
			edit:    func(s *state) { set(s.XR, "spec.nodePools", []any{}) },
			refused: []string{"node pool general runs 3 nodes", "spec.confirmRemoval.nodePools"},
		},
		"PoolRemovedConfirmed": {
			reason: "A confirmed pool removal drops its node group and launch template.",
			base:   def,
			edit: func(s *state) {
				set(s.XR, "spec.nodePools", []any{map[string]any{"name": "other"}})
				set(s.XR, "spec.confirmRemoval.nodePools", []any{"general"})
			},
			drops: func(n string) bool {
				return strings.HasPrefix(n, compose.NodeGroupPrefix+"general-") || n == string(compose.NameLaunchTemplate("general"))
			},
			check: func(t *testing.T, converged, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				for _, ng := range nodeGroups(rsp) {
					if strings.HasPrefix(ng, "eks-nodegroup-general-") {
						t.Errorf("%s is still declared", ng)
					}
				}
			},
		},
		"InstanceTypes": {
			reason: "Instance types cannot change in place: a new node group comes beside the old one.",
			base:   def,
			edit: func(s *state) {
				pools := s.XR["spec"].(map[string]any)["nodePools"].([]any)
				pools[0].(map[string]any)["instanceTypes"] = []any{"m7i.large"}
			},
			check: func(t *testing.T, converged, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				old := nodeGroups(converged)[0]
				got := nodeGroups(rsp)
				if len(got) != 2 || !slices.Contains(got, old) {
					t.Fatalf("node groups %v, want %s kept beside a new one", got, old)
				}
				if c := condition(t, rsp, compose.StepCompute); !strings.Contains(c.GetMessage(), "Replacing node groups: keeping "+old) {
					t.Errorf("ComputeReady does not say it replaces %s: %q", old, c.GetMessage())
				}
			},
		},
		"Scaling": {
			reason: "Sizes change in place.",
			base:   def,
			edit: func(s *state) {
				pools := s.XR["spec"].(map[string]any)["nodePools"].([]any)
				pools[0].(map[string]any)["maxSize"] = int64(9)
			},
			check: sameResources,
		},
		"Tag": {
			reason: "Tags change in place.",
			base:   def,
			edit:   func(s *state) { set(s.XR, "spec.tags.owner", "someone-else") },
			check:  sameResources,
		},
		"PoolAdded": {
			reason: "A new pool adds its launch template, whose observed version its node group then waits for, and changes nothing else.",
			base:   def,
			edit: func(s *state) {
				pools := s.XR["spec"].(map[string]any)["nodePools"].([]any)
				set(s.XR, "spec.nodePools", append(pools, map[string]any{"name": "batch"}))
			},
			check: func(t *testing.T, converged, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				if got := nodeGroups(rsp); len(got) != 1 || !slices.Contains(got, nodeGroups(converged)[0]) {
					t.Errorf("node groups %v before the new pool's launch template is observed", got)
				}
				if _, ok := rsp.GetDesired().GetResources()[string(compose.NameLaunchTemplate("batch"))]; !ok {
					t.Error("the new pool's launch template is not declared")
				}
			},
		},
		"AddonPinUnsupported": {
			reason:  "A pin that does not support the cluster's version is refused.",
			base:    def,
			edit:    func(s *state) { set(s.XR, "spec.addons.versions", map[string]any{"kube-proxy": "v1.33.5-eksbuild.2"}) },
			refused: []string{"spec.addons.versions[kube-proxy]", "does not support Kubernetes 1.34"},
		},
		"AddonPinned": {
			reason: "A supported pin is applied as is.",
			base:   def,
			edit:   func(s *state) { set(s.XR, "spec.addons.versions", map[string]any{"coredns": "v1.13.2-eksbuild.9"}) },
			check: func(t *testing.T, converged, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				if v := specVersion(t, rsp, "eks-addon-coredns"); v != "v1.13.2-eksbuild.9" {
					t.Errorf("coredns %s", v)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newState(t, tc.base.xr, tc.base.composition)
			set(s.XR, "spec.kubernetesVersion", tc.base.version)
			before, converged := convergedState(t, s)
			tc.edit(&before)
			rsp := run(t, requestOf(t, before))
			if len(tc.refused) > 0 {
				for _, r := range tc.refused {
					refused(t, rsp, r)
				}
				return
			}
			if msg := fatal(rsp); msg != "" {
				t.Fatalf("%s\nrefused: %s", tc.reason, msg)
			}
			for _, n := range declaredNames(converged) {
				_, kept := rsp.GetDesired().GetResources()[n]
				switch drop := tc.drops != nil && tc.drops(n); {
				case !kept && !drop:
					t.Errorf("%s was dropped", n)
				case kept && drop:
					t.Errorf("%s should have been dropped", n)
				}
			}
			if tc.check != nil {
				tc.check(t, converged, rsp)
			}
		})
	}
}

// sameResources checks an in-place edit declares exactly the resources it
// declared before.
func sameResources(t *testing.T, converged, rsp *fnv1.RunFunctionResponse) {
	t.Helper()
	if a, b := declaredNames(converged), declaredNames(rsp); !slices.Equal(a, b) {
		t.Errorf("the resources changed: before %v, after %v", a, b)
	}
}

// slowProvider plays a provider that takes rounds to carry out a version
// change: for lag rounds after the spec asks for a new version, the object
// reports the old one and is not ready (a cluster or node group UPDATING).
type slowProvider struct {
	lag     int
	pending map[string]int
	running map[string]string
}

// upgradeScenario is the default example with two pools, converged at
// Kubernetes 1.34 and then asked for 1.35, with a slow provider that knows
// what runs; converged is the last response before the upgrade.
func upgradeScenario(t *testing.T) (state, *fnv1.RunFunctionResponse, *slowProvider) {
	t.Helper()
	s := newState(t, "xr.yaml", "composition.yaml")
	set(s.XR, "spec.kubernetesVersion", "1.34")
	pools := s.XR["spec"].(map[string]any)["nodePools"].([]any)
	set(s.XR, "spec.nodePools", append(pools, map[string]any{"name": "batch"}))
	before, converged := convergedState(t, s)
	sp := newSlowProvider(before)
	st := next(t, before, converged, allReady)
	set(st.XR, "spec.kubernetesVersion", "1.35")
	return st, converged, sp
}

// newSlowProvider returns a slow provider that knows what runs in s, with a
// lag of three rounds.
func newSlowProvider(s state) *slowProvider {
	sp := &slowProvider{lag: 3, pending: map[string]int{}, running: map[string]string{}}
	for name, o := range s.Observed {
		st, _ := o.Object["status"].(map[string]any)
		at, _ := st["atProvider"].(map[string]any)
		if v, ok := at["version"].(string); ok {
			sp.running[name] = v
		} else if v, ok := at["addonVersion"].(string); ok {
			sp.running[name] = v
		}
	}
	return sp
}

func (sp *slowProvider) next(t *testing.T, s state, rsp *fnv1.RunFunctionResponse) state {
	t.Helper()
	out := next(t, s, rsp, allReady)
	for name, o := range out.Observed {
		if name != "eks-cluster" && !strings.HasPrefix(name, compose.NodeGroupPrefix) && !strings.HasPrefix(name, "eks-addon-") {
			continue
		}
		at := o.Object["status"].(map[string]any)["atProvider"].(map[string]any)
		key := "version"
		if strings.HasPrefix(name, "eks-addon-") {
			key = "addonVersion"
		}
		want, _ := at[key].(string)
		have, seen := sp.running[name]
		if !seen {
			sp.running[name] = want
			continue
		}
		if have == want {
			continue
		}
		if _, ok := sp.pending[name]; !ok {
			sp.pending[name] = sp.lag
		}
		if sp.pending[name] > 0 {
			sp.pending[name]--
			at[key] = have
			if name == "eks-cluster" || strings.HasPrefix(name, compose.NodeGroupPrefix) {
				at["status"] = "UPDATING"
			}
			set(o.Object, "status.conditions", []any{map[string]any{"type": "Ready", "status": "False", "reason": "Updating"}})
			continue
		}
		delete(sp.pending, name)
		sp.running[name] = want
	}
	return out
}

// TestUpgradeOrder plays an upgrade from 1.34 to 1.35 with a provider that
// takes three rounds per version change and two pools, one node group at a
// time: no node group moves before the control plane runs 1.35, at most one
// node group is moving at once, no add-on moves before every node group runs
// 1.35, and the XR stays not Ready with KubernetesUpgraded False until the
// end, when everything runs 1.35's versions.
func TestUpgradeOrder(t *testing.T) {
	before, converged, sp := upgradeScenario(t)

	addons := []string{"eks-addon-vpc-cni", "eks-addon-kube-proxy", "eks-addon-coredns", "eks-addon-eks-pod-identity-agent", "eks-addon-metrics-server"}
	old := map[string]string{}
	for _, a := range addons {
		old[a] = specVersion(t, converged, a)
	}
	var stages []string
	st := before
	for round := range 60 {
		rsp := run(t, requestOf(t, st))
		if msg := fatal(rsp); msg != "" {
			t.Fatalf("round %d: %s", round, msg)
		}
		cluster := st.Observed["eks-cluster"].Object["status"].(map[string]any)["atProvider"].(map[string]any)
		clusterAt135 := cluster["version"] == "1.35" && cluster["status"] == "ACTIVE"
		moving, at135 := 0, 0
		for _, ng := range nodeGroups(rsp) {
			v := specVersion(t, rsp, ng)
			if v == "1.35" && !clusterAt135 {
				t.Errorf("round %d: %s asks for 1.35 before the control plane runs it", round, ng)
			}
			o, ok := st.Observed[ng]
			if !ok {
				t.Fatalf("round %d: %s is declared but was never observed; declared %v", round, ng, nodeGroups(rsp))
			}
			obs := o.Object["status"].(map[string]any)["atProvider"].(map[string]any)
			if obs["version"] == "1.35" && obs["status"] == "ACTIVE" {
				at135++
			} else if v == "1.35" {
				moving++
			}
		}
		if moving > 1 {
			t.Errorf("round %d: %d node groups move at once; the Input allows 1", round, moving)
		}
		for _, a := range addons {
			if specVersion(t, rsp, a) != old[a] && at135 < 2 {
				t.Errorf("round %d: %s moved before every node group runs 1.35", round, a)
			}
		}
		c := condition(t, rsp, "KubernetesUpgraded")
		if stage, _ := stageOf(rsp); stage != "" && (len(stages) == 0 || stages[len(stages)-1] != stage) {
			stages = append(stages, stage)
		}
		if c.GetStatus() == fnv1.Status_STATUS_CONDITION_TRUE {
			for _, a := range addons {
				minor := "1.35"
				if want := addonDefault(a, minor); specVersion(t, rsp, a) != want {
					t.Errorf("at the end %s runs %s, want %s", a, specVersion(t, rsp, a), want)
				}
			}
			if diff := strings.Join(stages, ","); diff != "ControlPlane,NodeGroups,Addons" {
				t.Errorf("stages %s, want ControlPlane,NodeGroups,Addons", diff)
			}
			t.Logf("upgraded in %d rounds", round)
			return
		}
		if rsp.GetDesired().GetComposite().GetReady() != fnv1.Ready_READY_FALSE {
			t.Errorf("round %d: the XR is not held unready during the upgrade", round)
		}
		st = sp.next(t, st, rsp)
		st.XR = withUpgradeStatus(st.XR, rsp)
	}
	t.Fatalf("the upgrade did not finish; stages %v", stages)
}

// stageOf is the response's status.upgrade.stage.
func stageOf(rsp *fnv1.RunFunctionResponse) (string, string) {
	up := rsp.GetDesired().GetComposite().GetResource().GetFields()["status"].GetStructValue().GetFields()["upgrade"].GetStructValue().GetFields()
	return up["stage"].GetStringValue(), up["from"].GetStringValue()
}

// withUpgradeStatus copies the response's status.upgrade into the XR, as
// Crossplane writes the desired status back.
func withUpgradeStatus(xr map[string]any, rsp *fnv1.RunFunctionResponse) map[string]any {
	up := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)["upgrade"]
	st, _ := xr["status"].(map[string]any)
	if st == nil {
		st = map[string]any{}
		xr["status"] = st
	}
	if up == nil {
		delete(st, "upgrade")
	} else {
		st["upgrade"] = up
	}
	return xr
}

func addonDefault(resourceName, minor string) string {
	v, _ := addonversion.Default(strings.TrimPrefix(resourceName, "eks-addon-"), minor)
	return v
}

// TestNodeGroupReplacement changes a pool's instance types and plays the new
// node group taking rounds to become ready: the old one stays declared until
// then, so the pool always has a ready node group, and a new function (an
// empty cache, as after a restart) resumes from what is observed.
func TestNodeGroupReplacement(t *testing.T) {
	before, converged := convergedState(t, exampleState(t))
	old := nodeGroups(converged)[0]
	pools := before.XR["spec"].(map[string]any)["nodePools"].([]any)
	pools[0].(map[string]any)["instanceTypes"] = []any{"m7i.large"}
	st := next(t, before, converged, allReady)
	var replacement string
	for round := range 6 {
		rsp := run(t, requestOf(t, st)) // run makes a new Function, so nothing is carried over.
		ngs := nodeGroups(rsp)
		for _, n := range ngs {
			if n != old {
				replacement = n
			}
		}
		newReady := st.Observed[replacement].Object != nil && isReadyObserved(st, replacement)
		switch {
		case !newReady && !slices.Contains(ngs, old):
			t.Fatalf("round %d: %s was dropped before %s is ready", round, old, replacement)
		case newReady && slices.Contains(ngs, old):
			t.Errorf("round %d: %s is kept although %s is ready", round, old, replacement)
		case newReady:
			return
		}
		// The new node group becomes ready in round 3.
		r := round
		st = next(t, st, rsp, func(name string) bool { return name != replacement || r >= 3 })
	}
	t.Fatalf("%s never replaced %s", replacement, old)
}

func isReadyObserved(s state, name string) bool {
	o, ok := s.Observed[name]
	if !ok {
		return false
	}
	conds, _ := o.Object["status"].(map[string]any)["conditions"].([]any)
	for _, c := range conds {
		if m := c.(map[string]any); m["type"] == "Ready" {
			return m["status"] == "True"
		}
	}
	return false
}

// undeclared returns the paths of v that the OpenAPI schema s does not
// declare: the API server refuses a status patch with such a field.
func undeclared(path string, v any, s map[string]any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	props, _ := s["properties"].(map[string]any)
	if props == nil {
		if s["x-kubernetes-preserve-unknown-fields"] == true {
			return nil
		}
		return []string{path}
	}
	var out []string
	for k, child := range m {
		ps, ok := props[k].(map[string]any)
		if !ok {
			out = append(out, path+"."+k)
			continue
		}
		out = append(out, undeclared(path+"."+k, child, ps)...)
	}
	return out
}

// TestStatusFieldsDeclaredInXRDs checks every status field the function
// writes, during a convergence and during an upgrade, is declared in both
// XRDs: Crossplane's status patch fails on an undeclared field, and the XR
// then shows nothing of what happens.
func TestStatusFieldsDeclaredInXRDs(t *testing.T) {
	var statuses []any
	s := newState(t, "xr.yaml", "composition.yaml")
	set(s.XR, "spec.kubernetesVersion", "1.34")
	for _, rsp := range converge(t, s) {
		statuses = append(statuses, rsp.GetDesired().GetComposite().GetResource().AsMap()["status"])
	}
	before, converged := convergedState(t, s)
	st := next(t, before, converged, allReady)
	set(st.XR, "spec.kubernetesVersion", "1.35")
	rsp := run(t, requestOf(t, st))
	status := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"]
	if _, ok := status.(map[string]any)["upgrade"]; !ok {
		t.Fatal("an upgrade shows no status.upgrade")
	}
	statuses = append(statuses, status)
	for _, xrd := range []string{"xrd.yaml", "xrd-namespaced.yaml"} {
		x := readYAML(t, xrd)
		schema := x["spec"].(map[string]any)["versions"].([]any)[0].(map[string]any)["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)
		statusSchema := schema["properties"].(map[string]any)["status"].(map[string]any)
		for _, s := range statuses {
			for _, p := range undeclared("status", s, statusSchema) {
				t.Errorf("%s does not declare %s, which the function writes", xrd, p)
			}
		}
	}
}

// TestVersionsNeverMoveBackwards plays an upgrade and, in every round,
// also calls the function with the cluster observed at the old version, as
// a stale cache can show it: no node group or add-on version asked for
// before is ever taken back.
func TestVersionsNeverMoveBackwards(t *testing.T) {
	st, _, sp := upgradeScenario(t)
	asked := map[string]string{}
	for round := range 40 {
		rsp := run(t, requestOf(t, st))
		stale := clone(map[string]any{"s": st.Observed["eks-cluster"].Object})["s"].(map[string]any)
		set(stale, "status.atProvider.version", "1.34")
		staleState := st
		staleState.Observed = maps.Clone(st.Observed)
		o := staleState.Observed["eks-cluster"]
		o.Object = stale
		staleState.Observed["eks-cluster"] = o
		for _, r := range []*fnv1.RunFunctionResponse{rsp, run(t, requestOf(t, staleState))} {
			for _, n := range declaredNames(r) {
				if !strings.HasPrefix(n, compose.NodeGroupPrefix) && !strings.HasPrefix(n, "eks-addon-") {
					continue
				}
				v := specVersion(t, r, n)
				if prev, ok := asked[n]; ok && v != prev && versionLess(v, prev) {
					t.Fatalf("round %d: %s went back from %s to %s", round, n, prev, v)
				}
			}
		}
		for _, n := range declaredNames(rsp) {
			if strings.HasPrefix(n, compose.NodeGroupPrefix) || strings.HasPrefix(n, "eks-addon-") {
				asked[n] = specVersion(t, rsp, n)
			}
		}
		if condition(t, rsp, "KubernetesUpgraded").GetStatus() == fnv1.Status_STATUS_CONDITION_TRUE {
			return
		}
		st = sp.next(t, st, rsp)
		st.XR = withUpgradeStatus(st.XR, rsp)
	}
	t.Fatal("the upgrade did not finish")
}

// versionLess orders Kubernetes minors ("1.34") and add-on versions.
func versionLess(a, b string) bool {
	if !strings.HasPrefix(a, "v") {
		return eksversion.Minor(a) < eksversion.Minor(b)
	}
	return addonversion.Compare(a, b) < 0
}
