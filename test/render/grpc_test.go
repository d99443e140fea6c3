package render

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	fnpkg "github.com/eks-gitops/function-eks-gitops/fn"
	"github.com/eks-gitops/function-eks-gitops/internal/simulate"
	"github.com/eks-gitops/function-eks-gitops/internal/testpki"
)

// grpcRunner calls the function binary over mutual TLS, as Crossplane does.
type grpcRunner struct {
	client fnv1.FunctionRunnerServiceClient
}

func (g grpcRunner) RunFunction(ctx context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	return g.client.RunFunction(ctx, req)
}

func dial(t *testing.T, addr string, certs testpki.Function) grpcRunner {
	t.Helper()
	creds := credentials.NewTLS(certs.Client)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return grpcRunner{client: fnv1.NewFunctionRunnerServiceClient(conn)}
}

func exampleYAML(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := readFile(example(name))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := yaml.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func compositionInput(t *testing.T, name string) map[string]any {
	t.Helper()
	c := exampleYAML(t, name)
	return c["spec"].(map[string]any)["pipeline"].([]any)[0].(map[string]any)["input"].(map[string]any)
}

// TestConvergeOverGRPC drives the real binary over mTLS from nothing to a
// Ready XR, with the credential's connection details that `crossplane
// render` cannot pass, and with debug logging on checks that the Git
// password never reaches the logs, results, conditions or the XR's status.
func TestConvergeOverGRPC(t *testing.T) {
	fn := build(t, root, ".", "function-eks-gitops")
	certs := newPKI(t)
	addr, logs := startFunctionWithLogs(t, fn, certs, "--debug")
	r := dial(t, addr, certs)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rounds, err := simulate.Converge(ctx, r, simulate.New(exampleYAML(t, "xr.yaml"), compositionInput(t, "composition.yaml")), 12)
	if err != nil {
		t.Fatalf("did not converge over gRPC: %v", err)
	}
	last := rounds[len(rounds)-1]
	secret, ok := last.Response.GetDesired().GetResources()["argocd-repository-secret"]
	if !ok {
		t.Fatal("no repository Secret at convergence")
	}
	password := string(last.State.Observed["codecommit-credential"].ConnectionDetails["attribute.service_password"])
	encoded := base64.StdEncoding.EncodeToString([]byte(password))
	if got := secret.GetResource().AsMap()["data"].(map[string]any)["password"]; got != encoded {
		t.Errorf("the repository Secret holds %v, not the observed password", got)
	}
	if !strings.Contains(logs.String(), `"level":"debug"`) && !strings.Contains(logs.String(), "DEBUG") {
		t.Errorf("the function logged nothing at debug level; the leak check would prove nothing:\n%s", logs.String())
	}
	for _, rd := range rounds {
		for _, part := range []string{resultsString(rd.Response), conditionsString(rd.Response), rd.Response.GetDesired().GetComposite().String()} {
			if strings.Contains(part, password) || strings.Contains(part, encoded) {
				t.Error("the password appears in results, conditions or the XR")
			}
		}
	}
	if strings.Contains(logs.String(), password) || strings.Contains(logs.String(), encoded) {
		t.Error("the password appears in the function's logs")
	}
}

func conditionsString(rsp *fnv1.RunFunctionResponse) string {
	var b strings.Builder
	for _, c := range rsp.GetConditions() {
		b.WriteString(c.String())
	}
	return b.String()
}

func resultsString(rsp *fnv1.RunFunctionResponse) string {
	var b strings.Builder
	for _, r := range rsp.GetResults() {
		b.WriteString(r.String())
	}
	return b.String()
}

// TestLargeRequest sends a converged XR with as many members and admins as
// the function allows (1,000 and 200), the largest request an XR can make:
// it must work with the default --max-recv-message-size, and be refused when
// the flag is set lower, which shows the flag is what sets the limit. With
// --max-response-size set below its response, the XR gets a Fatal result that
// names the long list instead of a transport error.
func TestLargeRequest(t *testing.T) {
	xr := exampleYAML(t, "xr.yaml")
	members := make([]any, 1000)
	for i := range members {
		members[i] = fmt.Sprintf("member.with.a.much.longer.address.than.most.people.have-%04d@example-company.com", i)
	}
	admins := make([]any, 200)
	for i := range admins {
		admins[i] = fmt.Sprintf("admin.with.a.much.longer.address.than.most.people.have-%04d@example-company.com", i)
	}
	xr["spec"].(map[string]any)["team"].(map[string]any)["members"] = members
	xr["spec"].(map[string]any)["team"].(map[string]any)["admins"] = admins
	rounds, err := simulate.Converge(context.Background(), fnpkg.New(), simulate.New(xr, compositionInput(t, "composition.yaml")), 12)
	if err != nil {
		t.Fatal(err)
	}
	req, err := rounds[len(rounds)-1].State.Request()
	if err != nil {
		t.Fatal(err)
	}
	size := proto.Size(req)
	t.Logf("request size: %d bytes", size)
	if size < 1<<20 || size > 4<<20 {
		t.Fatalf("the request is %d bytes; the test wants one between 1 and 4 MiB", size)
	}
	bin := build(t, root, ".", "function-eks-gitops")
	certs := newPKI(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	rsp, err := dial(t, startFunction(t, bin, certs), certs).RunFunction(ctx, req)
	if err != nil {
		t.Fatalf("default limit: %v", err)
	}
	if n := len(rsp.GetDesired().GetResources()); n < 1200 {
		t.Errorf("only %d resources in the response", n)
	}
	t.Logf("response size: %d bytes", proto.Size(rsp))
	_, err = dial(t, startFunction(t, bin, certs, "--max-recv-message-size=1"), certs).RunFunction(ctx, req)
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("with a 1 MiB limit the call gave %v, want ResourceExhausted", err)
	}
	rsp, err = dial(t, startFunction(t, bin, certs, "--max-response-size=1"), certs).RunFunction(ctx, req)
	if err != nil {
		t.Fatalf("with a 1 MB response limit the call failed instead of answering: %v", err)
	}
	if msg := resultsString(rsp); !strings.Contains(msg, "spec.team.members has 1000 entries") || len(rsp.GetDesired().GetResources()) != 0 {
		t.Errorf("with a 1 MB response limit: %d resources, results %s; want a Fatal result naming spec.team.members", len(rsp.GetDesired().GetResources()), msg)
	}
}
