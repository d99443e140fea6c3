// Package fn is the function's entry point: it reads the request, validates
// the Input and the XR, builds the desired resources, holds back what waits on
// unready prerequisites and writes the response.
package fn

import (
	"context"
	"crypto/sha256"
	"maps"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
	"github.com/eks-gitops/function-eks-gitops/internal/compose"
	"github.com/eks-gitops/function-eks-gitops/internal/guard"
	"github.com/eks-gitops/function-eks-gitops/internal/lrucache"
	"github.com/eks-gitops/function-eks-gitops/internal/naming"
	"github.com/eks-gitops/function-eks-gitops/internal/platformsettings"
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
	plans planner
	// inputs are validated Inputs and specs, by validationKey.
	inputs *lrucache.Cache[[sha256.Size]byte, validatedXR]
	// reads are decoded Inputs, by inputKey.
	reads *lrucache.Cache[[sha256.Size]byte, *inputRead]
	// maxResponse is the largest response Crossplane accepts.
	maxResponse int
	refusals    *refusals
}

// An Option configures a Function.
type Option func(*Function)

// WithLogger sets the logger.
func WithLogger(l logging.Logger) Option { return func(f *Function) { f.log = l } }

// WithClock sets the clock used to judge Kubernetes version support.
func WithClock(now func() time.Time) Option { return func(f *Function) { f.now = now } }

// WithPlanCache sets how many compiled plans the Function keeps and how
// many bytes they may take together; zero entries compiles every call's plan
// anew.
func WithPlanCache(entries int, bytes int64) Option {
	return func(f *Function) {
		f.plans = newPlanner(entries, bytes)
		_, cached := f.plans.(cachedPlans)
		f.inputs = newInputCache(cached, bytes)
	}
}

// WithMaxResponseSize sets the largest response, in bytes, the Function
// sends; a larger one becomes a Fatal result that says which list is long.
func WithMaxResponseSize(n int) Option { return func(f *Function) { f.maxResponse = n } }

// New returns a Function.
func New(o ...Option) *Function {
	f := &Function{
		log:         logging.NewNopLogger(),
		now:         time.Now,
		maxResponse: DefaultMaxResponseSize,
		refusals:    newRefusals(),
		reads:       newReadCache(),
	}
	WithPlanCache(DefaultPlanCacheSize, DefaultPlanCacheBytes)(f)
	for _, fn := range o {
		fn(f)
	}
	return f
}

// RunFunction runs the function. Every failure is reported as a Fatal result
// with a nil error, so Crossplane applies nothing and shows the message.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp, err := f.answer(req)
	if err == nil {
		err = errors.Wrap(decoded(rsp), "cannot decode the composed resources")
	}
	if err != nil {
		response.Fatal(rsp, err)
	}
	return rsp, nil
}

// Verdict is what the function answers a request, without the response: the
// error its Fatal result would carry, or nil. The validate command uses it,
// so a pull request gets exactly the verdict the XR would get after merge.
func (f *Function) Verdict(req *fnv1.RunFunctionRequest) error {
	_, err := f.answer(req)
	return err
}

// Params are the XR's validated parameters, for a request Verdict accepts.
func (f *Function) Params(req *fnv1.RunFunctionRequest) (compose.Params, error) {
	observedXR := req.GetObserved().GetComposite().GetResource()
	xr := compositeOf(observedXR)
	ps, err := requestSettings(req)
	if err != nil {
		return compose.Params{}, err
	}
	_, p, err := f.validated(req, xr, existingOf(xr.name, ownedBy(observedXR, req.GetObserved().GetResources())), ps)
	return p, err
}

// requestSettings are the platform settings the request's Input names, as
// the request carries them; none when it names none.
func requestSettings(req *fnv1.RunFunctionRequest) (settings, error) {
	name := settingsName(req.GetInput())
	if name == "" {
		return settings{}, nil
	}
	ps, _, err := settingsOf(req, name)
	return ps, err
}

// ClusterScopedBinding is how the request's Input and platform settings
// bind a cluster-scoped XR to its team, defaulted. The validate command
// uses it to write the annotation Argo CD would write.
func (f *Function) ClusterScopedBinding(req *fnv1.RunFunctionRequest) (v1beta1.ClusterScopedBinding, error) {
	ps, err := requestSettings(req)
	if err != nil {
		return v1beta1.ClusterScopedBinding{}, err
	}
	in, err := readInput(req, ps, "", "")
	if err != nil {
		return v1beta1.ClusterScopedBinding{}, err
	}
	return *in.Tenancy.ClusterScopedBinding, nil
}

// answer answers a request, with the plan's objects given as their
// encodings (compiledPlan.resourceOf). A refusal is returned as the error
// of the Fatal result, with the response it replaces.
func (f *Function) answer(req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, v1beta1.DefaultTTL)
	// response.To shares the request's desired state. Give the response its
	// own map of desired resources so building it never writes into the
	// request; the earlier steps' resources themselves are passed on as is.
	rsp.Desired = &fnv1.State{Composite: req.GetDesired().GetComposite(), Resources: maps.Clone(req.GetDesired().GetResources())}
	if rsp.Desired.Resources == nil {
		rsp.Desired.Resources = map[string]*fnv1.Resource{}
	}

	observedXR := req.GetObserved().GetComposite().GetResource()
	if observedXR == nil {
		return rsp, errors.New("the request has no observed composite resource")
	}
	xr := compositeOf(observedXR)
	log := f.log.WithValues("xr-kind", xr.kind, "xr-name", xr.name, "xr-namespace", xr.namespace)
	// Only what Crossplane made for this XR is read (owned.go).
	observed := ownedBy(observedXR, req.GetObserved().GetResources())
	var ps settings
	if name := settingsName(req.GetInput()); name != "" {
		requireSettings(rsp, name)
		var resolved bool
		var err error
		if ps, resolved, err = settingsOf(req, name); !resolved {
			// Crossplane fetches the settings and calls again.
			return rsp, nil
		} else if err != nil {
			f.refusals.log(log, xr, err)
			return rsp, err
		}
	}
	var (
		in    *v1beta1.Input
		p     compose.Params
		facts compose.Facts
		up    compose.Upgrade
		plan  *compiledPlan
	)
	for {
		var err error
		in, p, err = f.validated(req, xr, existingOf(xr.name, observed), ps)
		if in != nil {
			rsp.Meta.Ttl = durationpb.New(in.TTL.Duration)
		}
		if err != nil {
			f.refusals.log(log, xr, err)
			return rsp, err
		}
		facts = factsFrom(observed, observedXR)
		// Where an upgrade stands decides the plan's versions, its cache
		// key and the XR's status: work it out once.
		up = p.Upgrade(facts)
		if plan, err = f.plans.plan(p, facts, up); err != nil {
			return rsp, err
		}
		// An object the XR controls but that is not what the plan composes
		// under its name was not made by Crossplane for this plan: read the
		// XR again without it. Each round drops at least one object.
		stray := strays(plan, observed)
		if len(stray) == 0 {
			break
		}
		log.Debug("Ignoring observed resources that are not what the function composes under their names", "resources", stray)
		observed = without(observed, stray)
	}
	if errs := guard.Check(p, facts, liveOf(observed)); len(errs) > 0 {
		// An edit the running cluster cannot take: change nothing.
		err := invalid("refused edit of a running cluster", errs)
		f.refusals.log(log, xr, err)
		return rsp, err
	}
	if errs := legacyGuard(p, plan, observed); len(errs) > 0 {
		err := invalid("refused Legacy XR", errs)
		f.refusals.log(log, xr, err)
		return rsp, err
	}
	if len(plan.invalid) > 0 {
		err := invalid("invalid XR", plan.invalid)
		f.refusals.log(log, xr, err)
		return rsp, err
	}
	now := f.now()
	progress := declare(plan, observed, rsp.Desired.Resources, facts.Kept, now, in.StuckAfter.Duration)
	if !progress.done() {
		// Kubernetes objects (Secrets, AppProjects, Usages) change no status
		// that would wake a realtime composition once created, so while
		// converging ask to be called again soon rather than after the TTL.
		rsp.Meta.Ttl = durationpb.New(min(in.TTL.Duration, convergingTTL))
	}
	log.Debug("Composed", "declared", progress.declared(), "held", progress.held())

	if err := writeStatus(req, rsp, xr, p, progress, facts, up, now); err != nil {
		return rsp, errors.Wrap(err, "cannot set the desired composite resource")
	}
	if err := f.checkSize(rsp, progress.bytes+passedOn(req)); err != nil {
		// Crossplane would fail the call with a transport error; say why
		// instead, and change nothing.
		f.refusals.log(log, xr, err)
		return response.To(req, in.TTL.Duration), err
	}
	return rsp, nil
}

// The function's Input: a Composition's step of this function holds it.
const (
	InputAPIVersion = "eksgitops.fn.crossplane.io/v1beta1"
	InputKind       = "Input"
)

// readInput reads the Input strictly (unknown fields are an error), fills
// in the platform settings it names, chooses the Git host of the team's
// repository (gitHost is the host it is observed on), applies the defaults
// and validates it. An error in a value from the settings names the
// settings object.
func readInput(req *fnv1.RunFunctionRequest, ps settings, team, gitHost string) (*v1beta1.Input, error) {
	d, err := decodeInput(req, ps)
	if err != nil {
		return nil, err
	}
	return d.forHost(d.hostFor(team, gitHost))
}

// decodedInput is the Composition's Input with the platform settings filled
// in, before the Git host of a team's repository is chosen: everything
// about the Input that is the same for every XR of the Composition.
type decodedInput struct {
	in *v1beta1.Input
	// what and attribute say where an invalid value came from.
	what      string
	attribute func(field.ErrorList) field.ErrorList
}

// hostFor is the Git host of a team's repository, chosen before the
// Input's defaults: a repository that exists stays on its host (moving it
// would delete or abandon the team's history and point Argo CD at an empty
// one), a new one goes where the team's grant says, else ("") to
// repository.host. Only the platform writes these: the XR has no say.
func (d decodedInput) hostFor(team, observed string) string {
	if observed != "" {
		return observed
	}
	for _, g := range d.in.Tenancy.Teams {
		if g.Name == team {
			return g.RepositoryHost
		}
	}
	return ""
}

// forHost is the Input with the repository on host ("" keeps
// repository.host), defaulted and validated.
func (d decodedInput) forHost(host string) (*v1beta1.Input, error) {
	in := d.in.DeepCopy()
	if host != "" {
		if in.Repository == nil {
			in.Repository = &v1beta1.Repository{}
		}
		in.Repository.Host = host
	}
	in = in.WithDefaults()
	if errs := validation.Input(in); len(errs) > 0 {
		return nil, invalid(d.what, d.attribute(errs))
	}
	return in, nil
}

// decodeInput reads the Input strictly and fills in the platform settings.
func decodeInput(req *fnv1.RunFunctionRequest, ps settings) (decodedInput, error) {
	// A Composition that hands this function another function's Input, or
	// another version of this one, gets told so rather than half-read.
	if v, k := stringAt(req.GetInput(), "apiVersion"), stringAt(req.GetInput(), "kind"); v != InputAPIVersion || k != InputKind {
		return decodedInput{}, invalid("invalid function input in the Composition", field.ErrorList{field.NotSupported(field.NewPath("input", "apiVersion"), v+", kind "+k, []string{InputAPIVersion + ", kind " + InputKind})})
	}
	// The Input as the Composition holds it, or with the platform settings
	// filled in; both are then read, defaulted and validated alike.
	raw, what, attribute := req.GetInput(), "invalid function input in the Composition", func(errs field.ErrorList) field.ErrorList { return errs }
	if ps.name != "" {
		src := platformsettings.Source{Name: ps.name}
		merged, from, errs := platformsettings.Merge(req.GetInput().AsMap(), ps.data.AsMap(), src)
		if len(errs) > 0 {
			return decodedInput{}, invalid("invalid platform settings", errs)
		}
		st, err := structpb.NewStruct(merged)
		if err != nil {
			return decodedInput{}, errors.Wrap(err, "cannot read the platform settings")
		}
		raw, what = st, "invalid function input or platform settings"
		attribute = func(errs field.ErrorList) field.ErrorList { return platformsettings.Attribute(errs, from, src) }
	}
	in := &v1beta1.Input{}
	if err := resource.AsObject(raw, in); err != nil {
		return decodedInput{}, errors.Wrap(err, "cannot read the function input")
	}
	return decodedInput{in: in, what: what, attribute: attribute}, nil
}

// composite identifies the XR a call is for.
type composite struct {
	apiVersion, kind, namespace, name string
	// spec is the XR's spec as the request carries it.
	spec *structpb.Struct
	// annotations are the XR's annotations: Argo CD's tracking annotation
	// binds a cluster-scoped XR to its team.
	annotations *structpb.Struct
}

func compositeOf(s *structpb.Struct) composite {
	return composite{
		apiVersion:  stringAt(s, "apiVersion"),
		kind:        stringAt(s, "kind"),
		namespace:   stringAt(s, "metadata", "namespace"),
		name:        stringAt(s, "metadata", "name"),
		spec:        valueAt(s, "spec").GetStructValue(),
		annotations: valueAt(s, "metadata", "annotations").GetStructValue(),
	}
}

// validate reads and validates the Input and the XR's spec.
func (f *Function) validate(req *fnv1.RunFunctionRequest, key inputKey, xr composite, ex existing, ps settings) (*v1beta1.Input, compose.Params, error) {
	in, err := f.readInput(req, key, ps, stringAt(xr.spec, "team", "name"), ex.gitHost)
	if err != nil {
		return nil, compose.Params{}, err
	}
	p, err := f.params(xr, in, ex.scheme, ps)
	if err != nil {
		return in, compose.Params{}, err
	}
	return in, p, nil
}

// params reads, defaults and validates the XR's spec.
func (f *Function) params(xr composite, in *v1beta1.Input, scheme naming.Scheme, ps settings) (compose.Params, error) {
	s, errs := clusterspec.Parse(specMap(xr.spec))
	if len(errs) > 0 {
		return compose.Params{}, invalid("invalid XR", errs)
	}
	s = s.WithDefaults(in.DefaultKubernetesVersion)
	// The platform's defaults for the XR's environment stand in for its
	// own from here on.
	in = in.ForEnvironment(s.Environment)
	c := validation.Composite{Name: xr.name, Namespace: xr.namespace, Scheme: scheme, GrantsAt: ps.grantsAt(), Annotations: stringMap(xr.annotations)}
	if errs := validation.Spec(c, s, in, f.now()); len(errs) > 0 {
		return compose.Params{}, invalid("invalid XR", errs)
	}
	// Crossplane's own machinery, once checked for a pinned revision, is
	// not ours to read, and must not make two otherwise equal calls build
	// (or cache) different plans.
	s.Crossplane = nil
	return compose.Params{XRName: c.Name, XRNamespace: c.Namespace, XRAPIVersion: xr.apiVersion, XRKind: xr.kind, Scheme: scheme, Spec: s, Input: *in}.WithDerivedNames(), nil
}

// declare adds to desired every planned object whose prerequisites are ready
// or that already exists, marks each one's readiness from what is observed,
// and reports the progress of each step. An object that exists is always
// declared again, so nothing is deleted because a prerequisite went unready.
func declare(plan *compiledPlan, observed, desired map[string]*fnv1.Resource, kept []compose.KeptFact, now time.Time, stuckAfter time.Duration) progress {
	var pr progress
	isReady := readinessOf(observed)
	var secrets []string
	secretsRead := false
	for _, step := range plan.steps {
		sp := stepProgress{step: step}
		for _, k := range kept {
			if k.Step == step.Condition {
				sp.kept = append(sp.kept, k.Fact)
			}
		}
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
				if exists {
					if !secretsRead {
						secrets, secretsRead = secretsOf(observed), true
					}
					if fl, failing := failureOf(o.Name, observed[string(o.Name)].GetResource(), now, stuckAfter, secrets); failing {
						sp.failing = append(sp.failing, fl)
					}
				}
			}
			desired[string(o.Name)] = plan.resourceOf(o.Name, ready)
			sp.declared++
			pr.bytes += len(plan.bodies[o.Name])
		}
		pr.steps = append(pr.steps, sp)
	}
	for i, sp := range pr.steps {
		if sp.step.Condition == compose.StepCompute {
			pr.steps[i].replacing = retiredNodeGroups(plan, observed, isReady, desired)
		}
	}
	return pr
}

// passedOn is the encoded size of the desired resources earlier pipeline
// steps declared.
func passedOn(req *fnv1.RunFunctionRequest) int {
	n := 0
	for _, r := range req.GetDesired().GetResources() {
		n += proto.Size(r.GetResource())
	}
	return n
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
