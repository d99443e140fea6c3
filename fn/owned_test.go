package fn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
	"github.com/eks-gitops/function-eks-gitops/internal/providersim"
	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
)

// forged is an object a team makes itself, in its own namespace, with the
// annotation Crossplane keys observed resources by, and names in the XR's
// spec.crossplane.resourceRefs: Crossplane then passes it to the function
// as an observed composed resource.
func forged(apiVersion, kind, namespace, name, resourceName string) map[string]any {
	return map[string]any{
		"apiVersion": apiVersion,
		"kind":       kind,
		"metadata": map[string]any{
			"name":      name,
			"namespace": namespace,
			"uid":       providersim.UID("forged/" + name),
			"annotations": map[string]any{
				"crossplane.io/composition-resource-name": resourceName,
			},
		},
	}
}

// controlledByXR gives the object a controller reference to the XR, which
// anyone who can create the object can write.
func controlledByXR(o, xr map[string]any) map[string]any { return simulate.OwnedBy(o, xr) }

// controlledByOther gives the object another XR as its controller: another
// team's object, named in this XR's resourceRefs.
func controlledByOther(o, xr map[string]any) map[string]any {
	other := clone(xr)
	set(other, "metadata.uid", "4f2c7c0e-0000-4000-8000-000000000001")
	return simulate.OwnedBy(o, other)
}

func xrNamespace(s state) string {
	ns, _ := s.XR["metadata"].(map[string]any)["namespace"].(string)
	return ns
}

func legacyName(s state, suffix string) string {
	md := s.XR["metadata"].(map[string]any)
	p := compose.Params{XRName: md["name"].(string), Scheme: naming.Legacy}
	return p.ObjectName(suffix)
}

// TestObservedStateIsOnlyTheXRsOwn plays a team that makes objects of its
// own look like the XR's composed resources, to put a new XR on the Legacy
// naming scheme (and so take another team's repository, Git user and Argo
// CD objects), to feed the function facts, or to have an object of its
// choosing declared. Each forged object must change nothing: the function
// answers exactly as it does without it.
func TestObservedStateIsOnlyTheXRsOwn(t *testing.T) {
	t.Parallel()
	type forge func(s state) (resourceName string, obj map[string]any)
	legacyRepository := func(owner func(o, xr map[string]any) map[string]any, apiVersion, kind string, namespace func(s state) string) forge {
		return func(s state) (string, map[string]any) {
			return string(compose.NameRepository), owner(forged(apiVersion, kind, namespace(s), legacyName(s, "repository"), string(compose.NameRepository)), s.XR)
		}
	}
	teamNamespace := func(s state) string {
		if ns := xrNamespace(s); ns != "" {
			return ns
		}
		return "team-payments"
	}
	managedNamespace := func(s state) string {
		if ns := xrNamespace(s); ns != "" {
			return ns
		}
		return "crossplane-system"
	}
	none := func(o, _ map[string]any) map[string]any { return o }

	cases := map[string]struct {
		reason    string
		converged bool
		forge     forge
	}{
		"LegacyByAConfigMap": {
			reason: "A ConfigMap the team made, with the Legacy repository name and no owner, would have put the new XR on the Legacy scheme.",
			forge:  legacyRepository(none, "v1", "ConfigMap", teamNamespace),
		},
		"LegacyByAConfigMapClaimingTheXR": {
			reason: "A controller reference to the XR is writable by whoever makes the object: the kind must be the one composed.",
			forge:  legacyRepository(controlledByXR, "v1", "ConfigMap", teamNamespace),
		},
		"LegacyByAnotherXRsRepository": {
			reason: "Another team's real repository, named in this XR's resourceRefs, is not this XR's.",
			forge:  legacyRepository(controlledByOther, "codecommit.aws.m.upbound.io/v1beta1", "Repository", managedNamespace),
		},
		"LegacyByARepositoryElsewhere": {
			reason: "A repository of the right kind, claiming the XR, but outside the namespace the function composes in.",
			forge:  legacyRepository(controlledByXR, "codecommit.aws.m.upbound.io/v1beta1", "Repository", func(state) string { return "team-elsewhere" }),
		},
		"HostByAConfigMapClaimingTheXR": {
			reason: "An object claiming the XR under the GitHub repository's name would have moved a new XR to GitHub: only that host's repository kind counts.",
			forge: func(s state) (string, map[string]any) {
				name := string(compose.NameGitHubRepository)
				return name, controlledByXR(forged("v1", "ConfigMap", teamNamespace(s), "planted", name), s.XR)
			},
		},
		"LegacyByAVPCWithoutOwner": {
			reason: "A VPC with the Legacy name that Crossplane did not make for this XR.",
			forge: func(s state) (string, map[string]any) {
				return string(compose.NameVPC), forged("ec2.aws.m.upbound.io/v1beta1", "VPC", managedNamespace(s), legacyName(s, "vpc"), string(compose.NameVPC))
			},
		},
		"ForgedClusterFacts": {
			reason:    "An EKS cluster object that is not the XR's would give Argo CD an endpoint and CA of the team's choosing.",
			converged: true,
			forge: func(s state) (string, map[string]any) {
				o := clone(s.Observed[string(compose.NameCluster)].Object)
				set(o, "metadata.ownerReferences", nil)
				set(o, "status.atProvider.endpoint", "https://attacker.example.com")
				return string(compose.NameCluster), o
			},
		},
		"ForgedRetiredNodeGroup": {
			reason:    "An object under a node group's name is declared again while its pool's replacement is not ready; a ConfigMap claiming the XR must not be.",
			converged: true,
			forge: func(s state) (string, map[string]any) {
				for name, o := range s.Observed {
					if strings.HasPrefix(name, compose.NodeGroupPrefix) {
						set(o.Object, "status.conditions", []any{map[string]any{"type": "Ready", "status": "False"}})
						pool := o.Object["metadata"].(map[string]any)["labels"].(map[string]any)[compose.LabelNodePool]
						f := controlledByXR(forged("v1", "ConfigMap", "argocd", "planted", compose.NodeGroupPrefix+"planted"), s.XR)
						set(f, "metadata.labels", map[string]any{compose.LabelNodePool: pool})
						return compose.NodeGroupPrefix + "planted", f
					}
				}
				t.Fatal("no node group observed")
				return "", nil
			},
		},
	}
	for name, tc := range cases {
		for _, ex := range []example{examples[0], examples[4]} {
			t.Run(name+"/"+ex.name, func(t *testing.T) {
				t.Log(tc.reason)
				s := newExampleState(t, ex)
				if tc.converged {
					s, _ = convergedState(t, s)
				}
				resourceName, obj := tc.forge(s)
				clean := s
				clean.Observed = map[string]providersim.Observed{}
				for n, o := range s.Observed {
					if n != resourceName {
						clean.Observed[n] = o
					}
				}
				attacked := clean
				attacked.Observed = map[string]providersim.Observed{resourceName: {Object: obj}}
				for n, o := range clean.Observed {
					attacked.Observed[n] = o
				}
				want := run(t, requestOf(t, clean))
				got := run(t, requestOf(t, attacked))
				if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
					t.Errorf("the forged %s changed the response (-without +with):\n%s", resourceName, diff)
				}
			})
		}
	}
}

// TestLegacyNeedsTheXRsOwnObjects is the control of
// TestObservedStateIsOnlyTheXRsOwn: an XR whose Legacy objects Crossplane
// made for it keeps the Legacy scheme, and the same objects made for
// another XR do not give it.
func TestLegacyNeedsTheXRsOwnObjects(t *testing.T) {
	s, _ := legacyConverged(t, examples[0])
	if got := schemeOf("payments-dev", ownedBy(requestOf(t, s).GetObserved().GetComposite().GetResource(), requestOf(t, s).GetObserved().GetResources())); got != naming.Legacy {
		t.Fatalf("the XR's own Legacy objects: scheme %v, want Legacy", got)
	}
	other := s
	other.XR = clone(s.XR)
	set(other.XR, "metadata.uid", "4f2c7c0e-0000-4000-8000-000000000002")
	req := requestOf(t, other)
	if got := schemeOf("payments-dev", ownedBy(req.GetObserved().GetComposite().GetResource(), req.GetObserved().GetResources())); got != naming.Hashed {
		t.Fatalf("a new XR of the same name shown another's Legacy objects: scheme %v, want Hashed", got)
	}
	rsp := run(t, req)
	for name, r := range rsp.GetDesired().GetResources() {
		if n := objectNames(t, r); strings.Contains(n, "payments-dev-") && !strings.Contains(n, "payments-dev-"+(naming.Identity{Name: "payments-dev"}).Hash()) {
			t.Errorf("%s has a Legacy name: %s", name, n)
		}
	}
}

// TestLegacyXRCreatesNothingShared takes a Legacy XR that lacks one of its
// objects in a shared place: creating it under its Legacy name could adopt
// another XR's or the platform's object of that name (the platform's own
// AppProject, a Secret Argo CD's CLI wrote, another team's Cognito group or
// repository), so the XR is refused and nothing is declared.
func TestLegacyXRCreatesNothingShared(t *testing.T) {
	for _, ex := range []example{examples[0], examples[4]} {
		for _, missing := range []string{string(compose.NameAppProject), string(compose.NameCognitoGroup), string(compose.NameRepository), string(compose.NameClusterSecret)} {
			t.Run(ex.name+"/"+missing, func(t *testing.T) {
				s, _ := legacyConverged(t, ex)
				if _, ok := s.Observed[missing]; !ok {
					t.Fatalf("the Legacy example has no %s", missing)
				}
				delete(s.Observed, missing)
				rsp := run(t, requestOf(t, s))
				refused(t, rsp, "would now create "+missing)
			})
		}
	}
}
