package fn

import (
	"slices"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/util/validation"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/fuzzcase"
	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
)

// FuzzRunFunction feeds RunFunction XRs whose product-team fields are chosen
// by the fuzzer. It must never panic, and must either refuse the XR with a
// Fatal result or compose objects with valid Kubernetes names in which no
// hostile team or member string reaches a label unchecked.
//
// The seeds are in internal/fuzzcase and the corpus in testdata/fuzz; the
// conformance module converges every case of both that the function accepts
// and validates the output against the providers' schemas.
func FuzzRunFunction(f *testing.F) {
	for _, s := range fuzzcase.TeamSeeds {
		f.Add(s.Team, s.Members, s.Region, s.Account, s.CIDR, s.Pool, s.MinSize, s.DesiredSize, s.MaxSize, s.Environment)
	}
	f.Fuzz(func(t *testing.T, team, members, region, account, cidr, pool string, minSize, desired, maxSize int64, env string) {
		for _, s := range []string{team, members, region, account, cidr, pool, env} {
			if !utf8.ValidString(s) {
				// Protobuf strings are UTF-8; Crossplane cannot send anything else.
				return
			}
		}
		xr := fuzzcase.Team{Team: team, Members: members, Region: region, Account: account, CIDR: cidr, Pool: pool, MinSize: minSize, DesiredSize: desired, MaxSize: maxSize, Environment: env}.XR()
		s := simulate.New(xr, fuzzcase.Granted(exampleInput(t, "composition.yaml"), xr))
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
	for _, seed := range fuzzcase.SpecSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		m, ok := fuzzcase.JSONObject(spec)
		if !ok {
			return
		}
		s := simulate.New(fuzzcase.SpecXR(m), fuzzcase.Granted(exampleInput(t, "composition.yaml"), fuzzcase.SpecXR(m)))
		rsp := run(t, requestOf(t, s))
		if fatal(rsp) != "" {
			// Refused means nothing half-built: no resource declared.
			if n := len(rsp.GetDesired().GetResources()); n != 0 {
				t.Fatalf("a Fatal response declared %d resources: %s", n, fatal(rsp))
			}
			return
		}
		checkComposed(t, rsp, rsp.GetDesired().GetResources()["vpc"].GetResource().AsMap()["metadata"].(map[string]any)["labels"].(map[string]any)["eks-gitops.dev/team"].(string))
	})
}

// FuzzInput feeds arbitrary JSON as the platform's Input. It must never
// panic, and must either refuse it with a Fatal result or compose objects
// that pass the same checks as any accepted output.
func FuzzInput(f *testing.F) {
	for _, seed := range fuzzcase.InputSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		in, ok := fuzzcase.JSONObject(input)
		if !ok || !utf8.ValidString(input) {
			return
		}
		xr := readYAML(t, "xr.yaml")
		s := simulate.New(xr, fuzzcase.Granted(in, xr))
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
		m, ok := fuzzcase.JSONObject(observed)
		if !ok || !utf8.ValidString(observed) {
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
