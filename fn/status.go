package fn

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

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
	reasonFailing   = "ResourceFailing"
	reasonStuck     = "ResourceStuck"
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
	// replacing are old node groups kept until their replacement is ready.
	replacing []string
	// failing are the not-ready resources whose provider reports an error,
	// or that are stuck, in plan order.
	failing []failure
}

type heldObject struct {
	name        resource.Name
	waitingFor  []resource.Name
	missingFact string
}

func (s stepProgress) done() bool {
	return len(s.notReady) == 0 && len(s.held) == 0 && len(s.kept) == 0 && len(s.replacing) == 0
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

// firstFailure is the first failing resource in plan order.
func (p progress) firstFailure() (failure, bool) {
	for _, s := range p.steps {
		if len(s.failing) > 0 {
			return s.failing[0], true
		}
	}
	return failure{}, false
}

// stepDone reports whether the step of the condition is done.
func (p progress) stepDone(condition string) bool {
	for _, s := range p.steps {
		if s.step.Condition == condition {
			return s.done()
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

// maxFailuresInMessage bounds how many failures a condition message tells.
const maxFailuresInMessage = 2

// message says what a step is waiting for, in sentences. The lists are in
// plan order, so the message is the same for the same observed state.
func (s stepProgress) message() string {
	if s.done() {
		if s.declared == 1 {
			return "Its 1 resource is ready."
		}
		return fmt.Sprintf("All %d resources are ready.", s.declared)
	}
	var parts []string
	// What a team can act on comes first: the providers' own words.
	for i, f := range s.failing {
		if i == maxFailuresInMessage {
			parts = append(parts, fmt.Sprintf("%d more failing.", len(s.failing)-i))
			break
		}
		parts = append(parts, f.sentence())
	}
	if len(s.kept) > 0 {
		parts = append(parts, capitalize(joinList(s.kept))+" can no longer be observed; the value last applied is kept until it can.")
	}
	if len(s.replacing) > 0 {
		parts = append(parts, "Replacing node groups: keeping "+strings.Join(s.replacing, ", ")+".")
	}
	if len(s.notReady) > 0 {
		verb := "are"
		if len(s.notReady) == 1 {
			verb = "is"
		}
		parts = append(parts, fmt.Sprintf("%d of %s %s not ready yet: %s.", len(s.notReady), plural(s.declared, "declared resource", "declared resources"), verb, names(s.notReady)))
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
			verb := "wait"
			if len(s.held) == 1 {
				verb = "waits"
			}
			parts = append(parts, fmt.Sprintf("%s %s for %s to be ready.", plural(len(s.held), "resource", "resources"), verb, names(waiting)))
		}
		if len(facts) > 0 {
			parts = append(parts, "Waiting to observe "+joinList(facts)+".")
		}
	}
	return strings.Join(parts, " ")
}

// joinList joins items as a sentence does: "a", "a and b", "a, b and c".
func joinList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// plural is "1 resource" or "3 resources".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func names(n []resource.Name) string {
	shown := n[:min(len(n), maxNamesInMessage)]
	s := make([]string, len(shown))
	for i, v := range shown {
		s[i] = string(v)
	}
	if more := len(n) - len(shown); more > 0 {
		return strings.Join(s, ", ") + fmt.Sprintf(" and %d more", more)
	}
	if len(s) > 1 {
		return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
	}
	return strings.Join(s, ", ")
}

// writeStatus sets the XR's status fields, one condition per step, Normal or
// Warning results only when a step's condition changes, and holds the XR
// unready while anything is held back (held objects are not declared, so
// Crossplane cannot see them).
func writeStatus(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, xr composite, p compose.Params, pr progress, facts compose.Facts, up compose.Upgrade, now time.Time) error {
	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		return err
	}
	dxr.Resource.SetAPIVersion(xr.apiVersion)
	dxr.Resource.SetKind(xr.kind)
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
	repo := map[string]any{}
	if facts.RepositoryCloneURL != "" {
		repo["cloneUrl"] = facts.RepositoryCloneURL
	}
	// The role the team pushes with, once it exists: its ARN follows from
	// the settings, never from what was observed.
	if _, ok := req.GetObserved().GetResources()[string(compose.NameGitPushRole)]; ok {
		repo["pushRoleArn"] = p.GitPushRoleARN()
	}
	if len(repo) > 0 {
		status["repository"] = repo
	}
	// Always written, empty once nothing fails: Crossplane keeps a status
	// field the function stops writing.
	status["failing"] = ""
	if f, ok := pr.firstFailure(); ok {
		status["failing"] = f.short()
	}
	observedXR := req.GetObserved().GetComposite().GetResource()
	upgradeStatus(rsp, observedXR, status, up, facts, pr)
	version := facts.Cluster.Version
	if version == "" {
		version = p.Spec.KubernetesVersion
	}
	supportStatus(rsp, observedXR, status, version, now, p.Input.Upgrade.SupportNoticeDays)
	if err := dxr.Resource.SetValue("status", mergeStatus(dxr.Resource.Object["status"], status)); err != nil {
		return err
	}

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
		case slices.ContainsFunc(s.failing, func(f failure) bool { return f.stuck == "" }):
			reason = reasonFailing
		case len(s.failing) > 0:
			reason = reasonStuck
		case len(s.kept) > 0:
			reason = reasonFactLost
		case len(s.held) > 0:
			reason = reasonWaiting
		}
		response.ConditionFalse(rsp, s.step.Condition, reason).WithMessage(s.message()).TargetComposite()
		if previous == corev1.ConditionTrue {
			response.Warning(rsp, fmt.Errorf("%s is no longer true: %s", s.step.Condition, s.message())).TargetComposite()
		}
		// One event per failure the condition tells, when it did not tell
		// it yet (a step that was true has just told it in the event
		// above); the rest are counted there until they come first.
		told := conditionMessageOf(observedXR, s.step.Condition)
		if previous == corev1.ConditionTrue {
			told = s.message()
		}
		for _, f := range s.failing[:min(len(s.failing), maxFailuresInMessage)] {
			if !strings.Contains(told, f.sentence()) {
				response.Warning(rsp, errors.New(f.sentence())).TargetComposite()
			}
		}
	}

	if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
		return err
	}
	// SetDesiredCompositeResource drops what earlier steps said about the
	// XR's readiness; carry it over unless something is held back.
	rsp.Desired.Composite.Ready = req.GetDesired().GetComposite().GetReady()
	if pr.held() > 0 || pr.kept() || up.Stage != "" {
		rsp.Desired.Composite.Ready = fnv1.Ready_READY_FALSE
	}
	return nil
}

// Upgrade condition and reasons.
const (
	conditionUpgraded = "KubernetesUpgraded"
	reasonUpgrading   = "Upgrading"
	reasonCurrent     = "Current"
)

// upgradeStatus reports a Kubernetes upgrade in status.upgrade and the
// KubernetesUpgraded condition, with an event each time its stage changes.
// Where the upgrade started is remembered in the XR's status, since once
// the control plane has moved nothing observed says it.
func upgradeStatus(rsp *fnv1.RunFunctionResponse, observedXR *structpb.Struct, status map[string]any, up compose.Upgrade, facts compose.Facts, pr progress) {
	previousStage := stringAt(observedXR, "status", "upgrade", "stage")
	if up.Stage == "" && (facts.Cluster.Version != up.To || !pr.stepDone(compose.StepControlPlane) || !pr.stepDone(compose.StepCompute)) {
		// Nothing claims a version before it has been observed running.
		msg := fmt.Sprintf("Kubernetes %s will run once the control plane, the node groups and the add-ons are created and ready.", up.To)
		if up.Total == 0 {
			msg = fmt.Sprintf("Kubernetes %s will run once the control plane and the add-ons are created and ready.", up.To)
		}
		response.ConditionFalse(rsp, conditionUpgraded, reasonCreating).WithMessage(msg).TargetComposite()
		return
	}
	if up.Stage == "" {
		msg := fmt.Sprintf("Kubernetes %s runs on the control plane, on every node group and with its add-ons.", up.To)
		if up.Total == 0 {
			// No node groups: EKS Auto Mode moves its own nodes to the
			// control plane's version.
			msg = fmt.Sprintf("Kubernetes %s runs on the control plane and with its add-ons; EKS Auto Mode moves its nodes to it.", up.To)
		}
		response.ConditionTrue(rsp, conditionUpgraded, reasonCurrent).WithMessage(msg).TargetComposite()
		if previousStage != "" {
			response.Normalf(rsp, "Upgrade to Kubernetes %s is complete.", up.To).TargetComposite()
		}
		return
	}
	from := stringAt(observedXR, "status", "upgrade", "from")
	if from == "" || stringAt(observedXR, "status", "upgrade", "to") != up.To {
		from = facts.Cluster.Version
		if up.Stage != compose.StageControlPlane || from == up.To {
			from = up.AddonMinor
		}
	}
	status["upgrade"] = map[string]any{
		"from":       from,
		"to":         up.To,
		"stage":      up.Stage,
		"waitingFor": up.Waiting,
		"nodeGroups": fmt.Sprintf("%d of %d upgraded", up.Done, up.Total),
	}
	stage := map[string]string{
		compose.StageControlPlane: "the control plane is being upgraded",
		compose.StageNodeGroups:   fmt.Sprintf("the node groups are being upgraded (%d of %d done)", up.Done, up.Total),
		compose.StageAddons:       "the add-ons are moving to their versions for the new release",
	}[up.Stage]
	msg := fmt.Sprintf("Upgrading Kubernetes from %s to %s: %s; waiting for %s.", from, up.To, stage, up.Waiting)
	if from == up.To {
		msg = fmt.Sprintf("Moving the add-ons to their versions for Kubernetes %s; waiting for %s.", up.To, up.Waiting)
	}
	response.ConditionFalse(rsp, conditionUpgraded, reasonUpgrading).WithMessage(msg).TargetComposite()
	if previousStage != up.Stage {
		response.Normalf(rsp, "%s", strings.SplitN(msg, "; waiting", 2)[0]+".").TargetComposite()
	}
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
