package fn

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/util/validation"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
)

// FuzzRunFunction feeds RunFunction XRs whose product-team fields are chosen
// by the fuzzer. It must never panic, and must either refuse the XR with a
// Fatal result or compose objects with valid Kubernetes names in which no
// hostile team or member string reaches a label unchecked.
func FuzzRunFunction(f *testing.F) {
	f.Add("payments", "alice,bob", "eu-west-1", "444455556666", "10.20.0.0/16", "general", int64(2), int64(3), int64(6), "dev")
	f.Add("a", "", "us-east-1", "000000000000", "192.168.0.0/25", "p", int64(0), int64(0), int64(1), "e")
	f.Add("team\ng, x, role:admin", "bob\n", "cn-north-1", "12", "10.0.0.0/8", "UPPER", int64(-1), int64(5), int64(2), "Prod")
	f.Add("team*", "a,b,a", "us-gov-west-1", "123456789012", "172.16.0.0/12", "x,y", int64(3), int64(2), int64(1), "")
	f.Fuzz(func(t *testing.T, team, members, region, account, cidr, pool string, minSize, desired, maxSize int64, env string) {
		for _, s := range []string{team, members, region, account, cidr, pool, env} {
			if !utf8.ValidString(s) {
				// Protobuf strings are UTF-8; Crossplane cannot send anything else.
				return
			}
		}
		xr := map[string]any{
			"apiVersion": "platform.eks-gitops.dev/v1alpha1",
			"kind":       "TeamCluster",
			"metadata":   map[string]any{"name": "fuzz"},
			"spec": map[string]any{
				"team":        map[string]any{"name": team, "members": splitList(members)},
				"environment": env,
				"aws":         map[string]any{"accountId": account, "region": region},
				"network":     map[string]any{"vpcCidr": cidr},
				"nodePools": []any{map[string]any{
					"name": pool, "minSize": minSize, "desiredSize": desired, "maxSize": maxSize,
				}},
			},
		}
		s := simulate.New(xr, exampleInput(t, "composition.yaml"))
		rsp := run(t, requestOf(t, s))
		if msg := fatal(rsp); msg != "" {
			if len(rsp.GetDesired().GetResources()) != 0 {
				t.Fatal("a Fatal response declared resources")
			}
			return
		}
		checkComposed(t, rsp, team)
	})
}

func splitList(s string) []any {
	if s == "" {
		return nil
	}
	var out []any
	for _, p := range strings.Split(s, ",") {
		out = append(out, p)
	}
	return out
}

// checkComposed checks what every accepted XR's output must satisfy.
func checkComposed(t *testing.T, rsp *fnv1.RunFunctionResponse, team string) {
	t.Helper()
	if len(validation.IsDNS1123Label(team)) > 0 {
		t.Fatalf("team name %q is not DNS-safe, yet it was accepted", team)
	}
	for name, r := range rsp.GetDesired().GetResources() {
		o := r.GetResource().AsMap()
		md, _ := o["metadata"].(map[string]any)
		n, _ := md["name"].(string)
		if msgs := validation.IsDNS1123Subdomain(n); len(msgs) > 0 {
			t.Fatalf("%s has an invalid name %q: %v", name, n, msgs)
		}
		labels, _ := md["labels"].(map[string]any)
		for k, v := range labels {
			if msgs := validation.IsValidLabelValue(v.(string)); len(msgs) > 0 {
				t.Fatalf("%s label %s has an invalid value %q", name, k, v)
			}
		}
	}
}

// FuzzParseSpec feeds arbitrary JSON as the XR's spec. It must never panic.
func FuzzParseSpec(f *testing.F) {
	f.Add(`{"team":{"name":"payments"},"environment":"dev","aws":{"accountId":"444455556666","region":"eu-west-1"},"network":{"vpcCidr":"10.0.0.0/16"}}`)
	f.Add(`{"team":{"name":"a","members":[1,2]},"nodePools":[{"name":"x","minSize":1.5}]}`)
	f.Add(`{"network":{"availabilityZones":-3,"zones":["a"]},"tags":{"aws:x":"y"}}`)
	f.Add(`{"crossplane":{"compositionRef":{"name":"x"}},"addons":{"versions":{"vpc-cni":null}}}`)
	f.Fuzz(func(t *testing.T, spec string) {
		var m map[string]any
		if err := json.Unmarshal([]byte(spec), &m); err != nil {
			return
		}
		xr := map[string]any{"apiVersion": "platform.eks-gitops.dev/v1alpha1", "kind": "TeamCluster", "metadata": map[string]any{"name": "fuzz"}, "spec": m}
		s := simulate.New(xr, exampleInput(t, "composition.yaml"))
		rsp := run(t, requestOf(t, s))
		if fatal(rsp) == "" {
			checkComposed(t, rsp, rsp.GetDesired().GetResources()["vpc"].GetResource().AsMap()["metadata"].(map[string]any)["labels"].(map[string]any)["eks-gitops.dev/team"].(string))
		}
	})
}

// FuzzInput feeds arbitrary JSON as the platform's Input. It must never
// panic, and must either refuse it with a Fatal result or compose objects
// that pass the same checks as any accepted output.
func FuzzInput(f *testing.F) {
	f.Add(`{"apiVersion":"eksgitops.fn.crossplane.io/v1beta1","kind":"Input","argocd":{"hubRoleArn":"arn:aws:iam::111122223333:role/hub"},"cognito":{"userPoolId":"eu-west-1_AbC","region":"eu-west-1"},"repository":{"accountId":"111122223333","region":"eu-west-1"}}`)
	f.Add(`{"apiVersion":"eksgitops.fn.crossplane.io/v1beta1","kind":"Input","natGateways":"Single","endpointAccess":{"public":true,"publicAccessCidrs":["0.0.0.0/0"]},"argocd":{"hubRoleArn":"arn:aws-cn:iam::111122223333:role/hub","accessMode":"HubRole","clusterResourceAllowList":[{"group":"*","kind":"*"}]}}`)
	f.Add(`{"providerConfigRef":{"name":"aws-{accountId}-{team}"},"ttl":"-5s","tags":{"aws:x":"y"},"unknown":1}`)
	f.Fuzz(func(t *testing.T, input string) {
		var in map[string]any
		if err := json.Unmarshal([]byte(input), &in); err != nil || !utf8.ValidString(input) {
			return
		}
		s := simulate.New(readYAML(t, "xr.yaml"), in)
		rsp := run(t, requestOf(t, s))
		if fatal(rsp) != "" {
			if len(rsp.GetDesired().GetResources()) != 0 {
				t.Fatal("a Fatal response declared resources")
			}
			return
		}
		checkComposed(t, rsp, "payments")
	})
}

// FuzzObservedState replaces one observed resource of a converged XR with
// arbitrary JSON, as a broken provider or a hand edit could leave it. The
// function reads the observed state straight from the request's Structs; it
// must never panic or fail, and must keep declaring every resource, since
// all of them exist.
func FuzzObservedState(f *testing.F) {
	names := []string{"eks-cluster", "vpc", "codecommit-credential", "argocd-repository-secret", "codecommit-repository", "argocd-project"}
	f.Add(uint8(0), `{"apiVersion":"eks.aws.m.upbound.io/v1beta1","kind":"Cluster","metadata":{"name":"x"},"status":{"atProvider":{"status":"ACTIVE","certificateAuthority":[]}}}`)
	f.Add(uint8(0), `{"status":{"conditions":[{"type":"Ready"},null,7,{"type":"Ready","status":true}],"atProvider":{"certificateAuthority":[{"data":1},"x"]}}}`)
	f.Add(uint8(1), `{"apiVersion":"/","kind":null,"status":{"atProvider":{"id":["vpc-1"]}}}`)
	f.Add(uint8(2), `{"status":{"atProvider":{"serviceUserName":{"a":"b"}}}}`)
	f.Add(uint8(3), `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"username":"!!","password":3}}`)
	f.Add(uint8(4), `{}`)
	s, _ := convergedState(f, exampleState(f))
	base := requestOf(f, s)
	want := resourceNames(run(f, base))
	f.Fuzz(func(t *testing.T, which uint8, observed string) {
		var m map[string]any
		if err := json.Unmarshal([]byte(observed), &m); err != nil || !utf8.ValidString(observed) {
			return
		}
		body, err := structpb.NewStruct(m)
		if err != nil {
			return
		}
		req := proto.CloneOf(base)
		req.Observed.Resources[names[int(which)%len(names)]].Resource = body
		rsp := run(t, req)
		if msg := fatal(rsp); msg != "" {
			t.Fatalf("an odd observed resource made the call fail: %s", msg)
		}
		if got := resourceNames(rsp); !slices.Equal(got, want) {
			t.Fatalf("declared %d resources, want all %d: nothing that exists may be dropped", len(got), len(want))
		}
	})
}
