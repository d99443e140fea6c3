package compose

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
)

func params(edit func(p *Params)) Params {
	p := Params{
		XRName: "payments-dev",
		Spec: clusterspec.Spec{
			Team:        clusterspec.Team{Name: "payments", Members: []string{"alice"}},
			Environment: "dev",
			AWS:         clusterspec.AWS{AccountID: "444455556666", Region: "eu-west-1"},
			Network:     clusterspec.Network{VPCCIDR: "10.20.0.0/16"},
		}.WithDefaults("1.35"),
		Input: *(&v1beta1.Input{
			ArgoCD:     v1beta1.ArgoCD{HubRoleARN: "arn:aws:iam::111122223333:role/argocd-hub"},
			Cognito:    &v1beta1.Cognito{UserPoolID: "eu-west-1_AbCdEfGhI", Region: "eu-west-1"},
			Repository: &v1beta1.Repository{AccountID: "111122223333", Region: "eu-west-1"},
		}).WithDefaults(),
	}
	edit(&p)
	return p
}

// findPrefix finds the one object whose name starts with prefix, for
// names that end with a hash.
func findPrefix(t *testing.T, objs []Object, prefix string) *unstructured.Unstructured {
	t.Helper()
	var found []Object
	for _, o := range objs {
		if strings.HasPrefix(string(o.Name), prefix) {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d objects start with %s", len(found), prefix)
	}
	return &unstructured.Unstructured{Object: found[0].Body}
}

func find(t *testing.T, objs []Object, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if string(o.Name) == name {
			return &unstructured.Unstructured{Object: o.Body}
		}
	}
	t.Fatalf("no object %s", name)
	return nil
}

func str(t *testing.T, u *unstructured.Unstructured, path ...string) string {
	t.Helper()
	s, _, err := unstructured.NestedString(u.Object, path...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBuilders(t *testing.T) {
	fp := func(f string) []string { return []string{"spec", "forProvider", f} }
	cases := map[string]struct {
		reason string
		edit   func(p *Params)
		check  func(t *testing.T, objs []Object)
	}{
		"PerAZNAT": {
			reason: "Each zone's private route leaves through its own NAT gateway.",
			edit:   func(*Params) {},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				route := find(t, objs, "route-private-nat-b")
				got, _, _ := unstructured.NestedStringMap(route.Object, "spec", "forProvider", "natGatewayIdSelector", "matchLabels")
				want := map[string]string{LabelComponent: "nat-gateway", LabelZone: "b"}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("-want +got:\n%s", diff)
				}
			},
		},
		"SingleNAT": {
			reason: "With one NAT gateway, every zone routes through zone a's.",
			edit:   func(p *Params) { p.Input.NATGateways = v1beta1.NATGatewaysSingle },
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				n := 0
				for _, o := range objs {
					if o.Body["kind"] == "NATGateway" {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%d NAT gateways, want 1", n)
				}
				route := find(t, objs, "route-private-nat-c")
				got, _, _ := unstructured.NestedString(route.Object, "spec", "forProvider", "natGatewayIdSelector", "matchLabels", LabelZone)
				if got != "a" {
					t.Errorf("zone c routes through zone %q, want a", got)
				}
			},
		},
		"SubnetTags": {
			reason: "Subnets carry the load-balancer role and cluster tags.",
			edit:   func(*Params) {},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				pub := find(t, objs, "subnet-public-a")
				priv := find(t, objs, "subnet-private-a")
				if str(t, pub, "spec", "forProvider", "tags", "kubernetes.io/role/elb") != "1" {
					t.Error("public subnet lacks kubernetes.io/role/elb")
				}
				if str(t, priv, "spec", "forProvider", "tags", "kubernetes.io/role/internal-elb") != "1" {
					t.Error("private subnet lacks kubernetes.io/role/internal-elb")
				}
				if str(t, priv, "spec", "forProvider", "tags", "kubernetes.io/cluster/"+params(func(*Params) {}).ClusterName()) != "shared" {
					t.Error("private subnet lacks the cluster tag")
				}
				if str(t, priv, fp("cidrBlock")...) != "10.20.0.0/19" || str(t, pub, fp("cidrBlock")...) != "10.20.128.0/19" {
					t.Error("subnet CIDRs do not follow the layout")
				}
			},
		},
		"ClusterSubnetsByName": {
			reason: "The cluster names every private subnet, so it waits for all of them.",
			edit:   func(*Params) {},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				c := find(t, objs, "eks-cluster")
				refs, _, _ := unstructured.NestedSlice(c.Object, "spec", "forProvider", "vpcConfig", "subnetIdRefs")
				want := []any{map[string]any{"name": "payments-dev.subnet-private-a"}, map[string]any{"name": "payments-dev.subnet-private-b"}, map[string]any{"name": "payments-dev.subnet-private-c"}}
				if diff := cmp.Diff(want, refs); diff != "" {
					t.Errorf("-want +got:\n%s", diff)
				}
				if str(t, c, "spec", "forProvider", "accessConfig", "authenticationMode") != "API" {
					t.Error("authentication mode is not API")
				}
			},
		},
		"HubRoleMode": {
			reason: "In HubRole mode no team-account role is made and the hub role gets the access entry.",
			edit:   func(p *Params) { p.Input.ArgoCD.AccessMode = v1beta1.ArgoCDAccessHubRole },
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				for _, o := range objs {
					if o.Name == NameArgoCDRole {
						t.Error("an Argo CD role is composed in HubRole mode")
					}
				}
				e := find(t, objs, "eks-access-entry-argocd")
				if got := str(t, e, fp("principalArn")...); got != "arn:aws:iam::111122223333:role/argocd-hub" {
					t.Errorf("access entry principal %q", got)
				}
			},
		},
		"ClusterRoleMode": {
			reason: "In ClusterRole mode the team-account role trusts the hub role and gets the access entry.",
			edit:   func(*Params) {},
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				r := find(t, objs, "iam-role-argocd")
				want := `{"Statement":[{"Action":["sts:AssumeRole","sts:TagSession"],"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/argocd-hub"}}],"Version":"2012-10-17"}`
				if got := str(t, r, fp("assumeRolePolicy")...); got != want {
					t.Errorf("trust policy:\n got %s\nwant %s", got, want)
				}
				if got := r.GetAnnotations()[AnnotationExternalName]; got != params(func(*Params) {}).ClusterName()+"-argocd" {
					t.Errorf("role name %q", got)
				}
				if got := str(t, r, fp("path")...); got != ArgoCDRolePath {
					t.Errorf("role path %q, want %q so the hub role's permission can name it", got, ArgoCDRolePath)
				}
			},
		},
		"LegacyNames": {
			reason: "A Legacy XR keeps the names and root role paths its resources were created with.",
			edit:   func(p *Params) { p.Scheme = naming.Legacy },
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				r := find(t, objs, "iam-role-argocd")
				if got := r.GetAnnotations()[AnnotationExternalName]; got != "payments-dev-argocd" {
					t.Errorf("role name %q, want the Legacy payments-dev-argocd", got)
				}
				if _, ok, _ := unstructured.NestedString(r.Object, fp("path")...); ok {
					t.Error("a Legacy role got a path; a path change replaces the role")
				}
				if got := find(t, objs, "vpc").GetName(); got != "payments-dev-vpc" {
					t.Errorf("VPC object %q, want the Legacy payments-dev-vpc", got)
				}
				if got := find(t, objs, "argocd-project").GetName(); got != "payments-dev" {
					t.Errorf("project %q, want the Legacy payments-dev", got)
				}
			},
		},
		"Partition": {
			reason: "ARNs use the region's partition.",
			edit:   func(p *Params) { p.Spec.AWS.Region = "cn-north-1" },
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				a := find(t, objs, "iam-attachment-node-eks-cni")
				if got := str(t, a, fp("policyArn")...); got != "arn:aws-cn:iam::aws:policy/AmazonEKS_CNI_Policy" {
					t.Errorf("policy ARN %q", got)
				}
			},
		},
		"Autoscaled": {
			reason: "An autoscaled pool sets its desired size only at creation.",
			edit:   func(p *Params) { p.Spec.NodePools[0].Autoscaled = true },
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				ng := findPrefix(t, objs, "eks-nodegroup-default-")
				if _, ok, _ := unstructured.NestedFieldNoCopy(ng.Object, "spec", "forProvider", "scalingConfig", "desiredSize"); ok {
					t.Error("desiredSize is in forProvider")
				}
				if v, ok, _ := unstructured.NestedInt64(ng.Object, "spec", "initProvider", "scalingConfig", "desiredSize"); !ok || v != 2 {
					t.Errorf("initProvider desiredSize %v %v", v, ok)
				}
			},
		},
		"ProviderConfigPattern": {
			reason: "A ProviderConfig name pattern resolves per account.",
			edit:   func(p *Params) { p.Input.ProviderConfigRef.Name = "aws-{accountId}" },
			check: func(t *testing.T, objs []Object) {
				t.Helper()
				if got := str(t, find(t, objs, "vpc"), "spec", "providerConfigRef", "name"); got != "aws-444455556666" {
					t.Errorf("providerConfigRef.name %q", got)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Log(tc.reason)
			tc.check(t, params(tc.edit).All())
		})
	}
}
