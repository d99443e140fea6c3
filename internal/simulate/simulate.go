// Package simulate plays Crossplane and the providers around the function:
// it builds RunFunctionRequests from an XR, an Input and observed resources,
// and turns each response into the next round's observed state, the way
// Crossplane and a provider would drive a real XR to Ready.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/providersim"
)

// Runner runs a composition function.
type Runner interface {
	RunFunction(ctx context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error)
}

// State is what Crossplane would send: the XR (with the conditions the
// previous call set), the Input and the observed composed resources.
type State struct {
	XR       map[string]any
	Input    map[string]any
	Observed map[string]providersim.Observed
	// Required are the objects Crossplane sends for the function's
	// requirements, by requirement name; a nil list answers a requirement
	// with nothing found.
	Required map[string][]map[string]any
}

// New returns the state of an XR nothing has been created for yet. An XR
// without a UID gets one, as the API server gives every object it stores:
// the function reads only composed resources whose controller is the XR.
func New(xr, input map[string]any) State {
	return State{XR: WithUID(xr), Input: input, Observed: map[string]providersim.Observed{}}
}

// WithUID returns the XR with a UID: its own, or one derived from its
// identity, so the same XR always gets the same one.
func WithUID(xr map[string]any) map[string]any {
	md, _ := xr["metadata"].(map[string]any)
	if uid, _ := md["uid"].(string); uid != "" {
		return xr
	}
	out := runtime.DeepCopyJSON(xr)
	md, _ = out["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		out["metadata"] = md
	}
	ns, _ := md["namespace"].(string)
	name, _ := md["name"].(string)
	md["uid"] = providersim.UID(fmt.Sprintf("xr/%s/%s/%s", out["kind"], ns, name))
	return out
}

// OwnedBy returns the object with the XR as its controller, as Crossplane
// sets it on every composed resource it creates.
func OwnedBy(obj, xr map[string]any) map[string]any {
	md, _ := obj["metadata"].(map[string]any)
	xmd, _ := xr["metadata"].(map[string]any)
	if md == nil || xmd == nil {
		return obj
	}
	md["ownerReferences"] = []any{map[string]any{
		"apiVersion":         xr["apiVersion"],
		"kind":               xr["kind"],
		"name":               xmd["name"],
		"uid":                xmd["uid"],
		"controller":         true,
		"blockOwnerDeletion": true,
	}}
	return obj
}

// Request returns the RunFunctionRequest for the state.
func (s State) Request() (*fnv1.RunFunctionRequest, error) {
	in, err := structpb.NewStruct(s.Input)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	xr, err := structpb.NewStruct(s.XR)
	if err != nil {
		return nil, fmt.Errorf("XR: %w", err)
	}
	req := &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: "simulated"},
		Input:    in,
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: xr}, Resources: map[string]*fnv1.Resource{}},
		Desired:  &fnv1.State{},
	}
	for name, o := range s.Observed {
		r, err := structpb.NewStruct(o.Object)
		if err != nil {
			return nil, fmt.Errorf("observed %s: %w", name, err)
		}
		req.Observed.Resources[name] = &fnv1.Resource{Resource: r, ConnectionDetails: o.ConnectionDetails}
	}
	for name, objs := range s.Required {
		if req.RequiredResources == nil {
			req.RequiredResources = map[string]*fnv1.Resources{}
		}
		items := &fnv1.Resources{}
		for _, o := range objs {
			r, err := structpb.NewStruct(o)
			if err != nil {
				return nil, fmt.Errorf("required %s: %w", name, err)
			}
			items.Items = append(items.Items, &fnv1.Resource{Resource: r})
		}
		req.RequiredResources[name] = items
	}
	return req, nil
}

// Provider returns the simulated AWS provider for the XR's account.
func (s State) Provider() providersim.Provider {
	spec, _ := s.XR["spec"].(map[string]any)
	aws, _ := spec["aws"].(map[string]any)
	region, _ := aws["region"].(string)
	account, _ := aws["accountId"].(string)
	partition := "aws"
	switch {
	case strings.HasPrefix(region, "cn-"):
		partition = "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		partition = "aws-us-gov"
	}
	return providersim.Provider{AccountID: account, Region: region, Partition: partition}
}

// Next plays Crossplane and the providers between two calls: every desired
// resource now exists, ready when ready says so, and the XR carries the
// conditions of the response.
func (s State) Next(rsp *fnv1.RunFunctionResponse, ready func(name string) bool) State {
	sim := s.Provider()
	out := State{XR: WithConditions(s.XR, rsp), Input: s.Input, Required: s.Required, Observed: map[string]providersim.Observed{}}
	for name, r := range rsp.GetDesired().GetResources() {
		o := sim.Observe(r.GetResource().AsMap(), ready(name))
		OwnedBy(o.Object, s.XR)
		out.Observed[name] = o
	}
	return out
}

// WithConditions returns a copy of the XR with the response's conditions in
// its status, as Crossplane would write them.
func WithConditions(xr map[string]any, rsp *fnv1.RunFunctionResponse) map[string]any {
	out := runtime.DeepCopyJSON(xr)
	conds := make([]any, 0, len(rsp.GetConditions()))
	for _, c := range rsp.GetConditions() {
		status := strings.TrimPrefix(c.GetStatus().String(), "STATUS_CONDITION_")
		conds = append(conds, map[string]any{"type": c.GetType(), "status": strings.ToUpper(status[:1]) + strings.ToLower(status[1:]), "reason": c.GetReason(), "message": c.GetMessage()})
	}
	// Crossplane keeps the status fields the function wrote, beside the
	// conditions.
	status := map[string]any{}
	if st, ok := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any); ok {
		status = st
	}
	status["conditions"] = conds
	out["status"] = status
	return out
}

// AllReady marks every resource ready.
func AllReady(string) bool { return true }

// Converged reports whether the response makes the XR Ready: nothing held
// back and every composed resource ready.
func Converged(rsp *fnv1.RunFunctionResponse) bool {
	if rsp.GetDesired().GetComposite().GetReady() == fnv1.Ready_READY_FALSE {
		return false
	}
	for _, r := range rsp.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_TRUE {
			return false
		}
	}
	return true
}

// Round is one call of the convergence.
type Round struct {
	State    State
	Response *fnv1.RunFunctionResponse
}

// Refused is Converge's error when the function answered with a Fatal
// result, as it does for input it refuses.
type Refused struct{ Message string }

func (r Refused) Error() string { return "fatal result: " + r.Message }

// Converge calls the function from nothing observed, marking everything it
// declares created and ready, until the XR is Ready or maxRounds calls were
// made. A Fatal result stops it with an error.
func Converge(ctx context.Context, f Runner, s State, maxRounds int) ([]Round, error) {
	var rounds []Round
	for range maxRounds {
		req, err := s.Request()
		if err != nil {
			return rounds, err
		}
		rsp, err := f.RunFunction(ctx, req)
		if err != nil {
			return rounds, err
		}
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				return rounds, Refused{Message: r.GetMessage()}
			}
		}
		rounds = append(rounds, Round{State: s, Response: rsp})
		if Converged(rsp) {
			return rounds, nil
		}
		s = s.Next(rsp, AllReady)
	}
	return rounds, fmt.Errorf("not converged after %d rounds", maxRounds)
}

// Recorded is the state of an XR recorded from a real control plane (the
// real-provider suite writes test/e2e/testdata/observed-payments-dev.yaml
// as {composite, resources}): the XR and its composed resources exactly as
// Crossplane passed them, with the Input and required objects given.
func Recorded(rec, input map[string]any, required map[string][]map[string]any) (State, error) {
	composite, _ := rec["composite"].(map[string]any)
	resources, _ := rec["resources"].(map[string]any)
	if composite == nil || len(resources) == 0 {
		return State{}, errors.New("the record holds no composite and composed resources")
	}
	s := State{XR: composite, Input: input, Required: required, Observed: make(map[string]providersim.Observed, len(resources))}
	for name, o := range resources {
		obj, ok := o.(map[string]any)
		if !ok {
			return State{}, fmt.Errorf("the record's resource %s is not an object", name)
		}
		s.Observed[name] = providersim.Observed{Object: obj}
	}
	return s, nil
}
