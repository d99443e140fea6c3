package fn

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/grpccodec"
)

// TestWireBytesUnchanged: the gRPC server's responses, with the plan's
// pre-encoded bodies, are byte for byte what encoding RunFunction's
// responses gives, at every round of every example's convergence, cached
// and uncached, with an object an earlier step declared passed on, and
// they decode to the same message.
func TestWireBytesUnchanged(t *testing.T) {
	// Independent of every other test, and among the longest: with the
	// others of its kind it runs beside them, on the second core.
	t.Parallel()
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			s := newExampleState(t, ex)
			passed, err := structpb.NewStruct(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "from-an-earlier-step"}})
			if err != nil {
				t.Fatal(err)
			}
			f := New(WithClock(func() time.Time { return testNow }))
			w := NewWire(New(WithClock(func() time.Time { return testNow })))
			for round := range maxRounds {
				req := requestOf(t, s)
				req.Desired = &fnv1.State{Resources: map[string]*fnv1.Resource{"from-an-earlier-step": {Resource: passed, Ready: fnv1.Ready_READY_TRUE}}}
				// Twice each: the second call is served from the caches.
				for call := range 2 {
					want, err := f.RunFunction(context.Background(), req)
					if err != nil {
						t.Fatal(err)
					}
					got, err := w.RunFunction(context.Background(), req)
					if err != nil {
						t.Fatal(err)
					}
					wb, err := grpccodec.Codec{}.Marshal(want)
					if err != nil {
						t.Fatal(err)
					}
					gb, err := grpccodec.Codec{}.Marshal(got)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(wb, gb) {
						t.Fatalf("round %d, call %d: the wire response (%d bytes) differs from RunFunction's encoded (%d bytes)", round, call, len(gb), len(wb))
					}
					// Equal bytes decode alike; decoding and comparing each
					// example's first response shows they are RunFunction's
					// message (the comparison is the test's slowest part).
					if round > 0 || call > 0 {
						continue
					}
					decoded := &fnv1.RunFunctionResponse{}
					if err := proto.Unmarshal(gb, decoded); err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, decoded, protocmp.Transform()); diff != "" {
						t.Fatalf("round %d: the wire response decodes to another message (-RunFunction +wire):\n%s", round, diff)
					}
				}
				rsp := run(t, req)
				if converged(rsp) {
					return
				}
				s = next(t, s, rsp, allReady)
			}
			t.Fatal("did not converge")
		})
	}
}

// TestWireRefusal: a refused request gets the same Fatal result over gRPC.
func TestWireRefusal(t *testing.T) {
	s := exampleState(t)
	set(s.XR, "spec.aws.accountId", "999999999999")
	req := requestOf(t, s)
	want := run(t, req)
	got, err := NewWire(New(WithClock(func() time.Time { return testNow }))).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if fatal(got) == "" {
		t.Fatal("no Fatal result over gRPC")
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("(-RunFunction +wire):\n%s", diff)
	}
}
