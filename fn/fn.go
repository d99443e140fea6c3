// Package fn is the function's entry point: it reads the request, validates
// the Input and the XR, builds the desired resources, holds back what waits on
// unready prerequisites and writes the response.
package fn

import (
	"context"
	"maps"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/validation"
)

// convergingTTL is the longest Crossplane may wait before calling the
// function again while anything is not ready yet.
const convergingTTL = 10 * time.Second

// Function composes a product team's EKS cluster and its GitOps onboarding.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log   logging.Logger
	now   func() time.Time
	plans *planCache
}

// An Option configures a Function.
type Option func(*Function)

// WithLogger sets the logger.
func WithLogger(l logging.Logger) Option { return func(f *Function) { f.log = l } }

// WithClock sets the clock used to judge Kubernetes version support.
func WithClock(now func() time.Time) Option { return func(f *Function) { f.now = now } }

// WithPlanCacheSize sets how many compiled plans the Function keeps; zero
// compiles every call's plan anew.
func WithPlanCacheSize(n int) Option { return func(f *Function) { f.plans = newPlanCache(n) } }

// New returns a Function.
func New(o ...Option) *Function {
	f := &Function{log: logging.NewNopLogger(), now: time.Now, plans: newPlanCache(DefaultPlanCacheSize)}
	for _, fn := range o {
		fn(f)
	}
	return f
}

// RunFunction runs the function. Every failure is reported as a Fatal result
// with a nil error, so Crossplane applies nothing and shows the message.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, v1beta1.DefaultTTL)
	// response.To shares the request's desired state. Give the response its
	// own map of desired resources so building it never writes into the
	// request; the earlier steps' resources themselves are passed on as is.
	rsp.Desired = &fnv1.State{Composite: req.GetDesired().GetComposite(), Resources: maps.Clone(req.GetDesired().GetResources())}
	if rsp.Desired.Resources == nil {
		rsp.Desired.Resources = map[string]*fnv1.Resource{}
	}

	in, err := readInput(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	rsp.Meta.Ttl = durationpb.New(in.TTL.Duration)

	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot get the observed composite resource"))
		return rsp, nil
	}
	log := f.log.WithValues("xr-kind", oxr.Resource.GetKind(), "xr-name", oxr.Resource.GetName(), "xr-namespace", oxr.Resource.GetNamespace())

	p, err := f.params(oxr, in)
	if err != nil {
		log.Info("Refusing invalid XR", "error", err.Error())
		response.Fatal(rsp, err)
		return rsp, nil
	}

	observed := req.GetObserved().GetResources()
	facts := factsFrom(observed)
	plan, err := f.plans.plan(p, facts)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if len(plan.invalid) > 0 {
		response.Fatal(rsp, invalid("invalid XR", plan.invalid))
		return rsp, nil
	}
	progress := declare(plan, observed, rsp.Desired.Resources)
	if !progress.done() {
		// Kubernetes objects (Secrets, AppProjects, Usages) change no status
		// that would wake a realtime composition once created, so while
		// converging ask to be called again soon rather than after the TTL.
		rsp.Meta.Ttl = durationpb.New(min(in.TTL.Duration, convergingTTL))
	}
	log.Debug("Composed", "declared", progress.declared(), "held", progress.held())

	if err := writeStatus(req, rsp, oxr, p, progress, facts); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot set the desired composite resource"))
		return rsp, nil
	}
	return rsp, nil
}

// readInput reads the Input strictly (unknown fields are an error), applies
// its defaults and validates it.
func readInput(req *fnv1.RunFunctionRequest) (*v1beta1.Input, error) {
	in := &v1beta1.Input{}
	if err := request.GetInput(req, in); err != nil {
		return nil, errors.Wrap(err, "cannot read the function input")
	}
	in = in.WithDefaults()
	if errs := validation.Input(in); len(errs) > 0 {
		return nil, invalid("invalid function input in the Composition", errs)
	}
	return in, nil
}

// params reads, defaults and validates the XR's spec.
func (f *Function) params(oxr *resource.Composite, in *v1beta1.Input) (compose.Params, error) {
	raw, _ := oxr.Resource.Object["spec"].(map[string]any)
	s, err := clusterspec.Parse(raw)
	if err != nil {
		return compose.Params{}, errors.Wrap(err, "invalid XR")
	}
	s = s.WithDefaults(in.DefaultKubernetesVersion)
	xr := validation.Composite{Name: oxr.Resource.GetName(), Namespace: oxr.Resource.GetNamespace()}
	if errs := validation.Spec(xr, s, in, f.now()); len(errs) > 0 {
		return compose.Params{}, invalid("invalid XR", errs)
	}
	return compose.Params{XRName: xr.Name, XRNamespace: xr.Namespace, Spec: s, Input: *in}, nil
}

// invalid joins every field error into one message, one per line, so the
// XR's condition shows all of them at once.
func invalid(what string, errs field.ErrorList) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.Errorf("%s: %s", what, strings.Join(msgs, "; "))
}

// declare adds to desired every planned object whose prerequisites are ready
// or that already exists, marks each one's readiness from what is observed,
// and reports the progress of each step. An object that exists is always
// declared again, so nothing is deleted because a prerequisite went unready.
func declare(plan *compiledPlan, observed, desired map[string]*fnv1.Resource) progress {
	var pr progress
	isReady := readinessOf(observed)
	for _, step := range plan.steps {
		sp := stepProgress{step: step}
		for _, o := range step.Objects {
			_, exists := observed[string(o.Name)]
			if missing := unready(o.Requires, isReady); (len(missing) > 0 || o.Missing != "") && !exists {
				sp.held = append(sp.held, heldObject{name: o.Name, waitingFor: missing, missingFact: o.Missing})
				continue
			}
			ready := fnv1.Ready_READY_FALSE
			if isReady[o.Name] {
				ready = fnv1.Ready_READY_TRUE
			} else {
				sp.notReady = append(sp.notReady, o.Name)
			}
			desired[string(o.Name)] = &fnv1.Resource{Resource: plan.bodies[o.Name], Ready: ready}
			sp.declared++
		}
		pr.steps = append(pr.steps, sp)
	}
	return pr
}

func unready(requires []resource.Name, isReady readiness) []resource.Name {
	var missing []resource.Name
	for _, r := range requires {
		if !isReady[r] {
			missing = append(missing, r)
		}
	}
	return missing
}
