package fn

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// Condition reasons.
const (
	reasonAvailable = "Available"
	reasonCreating  = "Creating"
	reasonWaiting   = "WaitingForPrerequisites"
	reasonFactLost  = "ObservedFactMissing"
)

// progress is how far each step of the plan has come.
type progress struct {
	steps []stepProgress
	// bytes is the encoded size of the declared objects.
	bytes int
}

type stepProgress struct {
	step     compose.Step
	declared int
	notReady []resource.Name
	held     []heldObject
	// kept are facts no longer observed whose last applied value is used.
	kept []string
}

type heldObject struct {
	name        resource.Name
	waitingFor  []resource.Name
	missingFact string
}

func (s stepProgress) done() bool {
	return len(s.notReady) == 0 && len(s.held) == 0 && len(s.kept) == 0
}

func (p progress) done() bool {
	for _, s := range p.steps {
		if !s.done() {
			return false
		}
	}
	return true
}

func (p progress) declared() int {
	n := 0
	for _, s := range p.steps {
		n += s.declared
	}
	return n
}

func (p progress) held() int {
	n := 0
	for _, s := range p.steps {
		n += len(s.held)
	}
	return n
}

// kept reports whether any step uses a fact no longer observed.
func (p progress) kept() bool {
	for _, s := range p.steps {
		if len(s.kept) > 0 {
			return true
		}
	}
	return false
}

// phase is the first step that is not done, or Ready.
func (p progress) phase() string {
	for _, s := range p.steps {
		if !s.done() {
			return s.step.Phase
		}
	}
	return "Ready"
}

// maxNamesInMessage bounds how many resource names a condition message lists.
const maxNamesInMessage = 4

// message says what a step is waiting for. The lists are in plan order, so
// the message is the same for the same observed state.
func (s stepProgress) message() string {
	if s.done() {
		return fmt.Sprintf("all %d resources are ready", s.declared)
	}
	var parts []string
	if len(s.kept) > 0 {
		parts = append(parts, strings.Join(s.kept, " and ")+" can no longer be observed; the value last applied is kept until it can")
	}
	if len(s.notReady) > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d declared resources are not ready yet: %s", len(s.notReady), s.declared, names(s.notReady)))
	}
	if len(s.held) > 0 {
		var waiting []resource.Name
		var facts []string
		seen := map[string]bool{}
		for _, h := range s.held {
			for _, w := range h.waitingFor {
				if !seen[string(w)] {
					seen[string(w)] = true
					waiting = append(waiting, w)
				}
			}
			if h.missingFact != "" && !seen[h.missingFact] {
				seen[h.missingFact] = true
				facts = append(facts, h.missingFact)
			}
		}
		if len(waiting) > 0 {
			parts = append(parts, fmt.Sprintf("%d resources are held until %s are ready", len(s.held), names(waiting)))
		}
		if len(facts) > 0 {
			parts = append(parts, "waiting to observe "+strings.Join(facts, " and "))
		}
	}
	return strings.Join(parts, "; ")
}

func names(n []resource.Name) string {
	shown := n[:min(len(n), maxNamesInMessage)]
	s := make([]string, len(shown))
	for i, v := range shown {
		s[i] = string(v)
	}
	out := strings.Join(s, ", ")
	if more := len(n) - len(shown); more > 0 {
		out += fmt.Sprintf(" and %d more", more)
	}
	return out
}

// writeStatus sets the XR's status fields, one condition per step, Normal or
// Warning results only when a step's condition changes, and holds the XR
// unready while anything is held back (held objects are not declared, so
// Crossplane cannot see them).
func writeStatus(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, oxr *resource.Composite, p compose.Params, pr progress, facts compose.Facts) error {
	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		return err
	}
	dxr.Resource.SetAPIVersion(oxr.Resource.GetAPIVersion())
	dxr.Resource.SetKind(oxr.Resource.GetKind())
	status := map[string]any{"phase": pr.phase()}
	if c := nonEmpty(map[string]string{
		"name":     facts.Cluster.Name,
		"arn":      facts.Cluster.ARN,
		"endpoint": facts.Cluster.Endpoint,
		"status":   facts.Cluster.Status,
		"version":  facts.Cluster.Version,
	}); len(c) > 0 {
		status["cluster"] = c
	}
	if facts.VPCID != "" {
		status["network"] = map[string]any{"vpcId": facts.VPCID}
	}
	status["argocd"] = map[string]any{"clusterName": p.ProjectName(), "project": p.ProjectName()}
	if facts.RepositoryCloneURL != "" {
		status["repository"] = map[string]any{"cloneUrl": facts.RepositoryCloneURL}
	}
	if err := dxr.Resource.SetValue("status", mergeStatus(dxr.Resource.Object["status"], status)); err != nil {
		return err
	}

	observedXR := req.GetObserved().GetComposite().GetResource()
	for _, s := range pr.steps {
		previous := conditionStatus(observedXR, xpv2.ConditionType(s.step.Condition))
		if s.done() {
			response.ConditionTrue(rsp, s.step.Condition, reasonAvailable).WithMessage(s.message()).TargetComposite()
			if previous != corev1.ConditionTrue {
				response.Normalf(rsp, "%s: %s", s.step.Condition, s.message()).TargetComposite()
			}
			continue
		}
		reason := reasonCreating
		switch {
		case len(s.kept) > 0:
			reason = reasonFactLost
		case len(s.held) > 0:
			reason = reasonWaiting
		}
		response.ConditionFalse(rsp, s.step.Condition, reason).WithMessage(s.message()).TargetComposite()
		if previous == corev1.ConditionTrue {
			response.Warning(rsp, fmt.Errorf("%s is no longer true: %s", s.step.Condition, s.message())).TargetComposite()
		}
	}

	if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
		return err
	}
	// SetDesiredCompositeResource drops what earlier steps said about the
	// XR's readiness; carry it over unless something is held back.
	rsp.Desired.Composite.Ready = req.GetDesired().GetComposite().GetReady()
	if pr.held() > 0 || pr.kept() {
		rsp.Desired.Composite.Ready = fnv1.Ready_READY_FALSE
	}
	return nil
}

// mergeStatus adds this function's status fields to what earlier pipeline
// steps set.
func mergeStatus(existing any, ours map[string]any) map[string]any {
	out := map[string]any{}
	if m, ok := existing.(map[string]any); ok {
		for k, v := range m {
			out[k] = v
		}
	}
	for k, v := range ours {
		out[k] = v
	}
	return out
}

// nonEmpty keeps the fields that have a value, so status shows only what is
// known.
func nonEmpty(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if v != "" {
			out[k] = v
		}
	}
	return out
}
