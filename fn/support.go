package fn

import (
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
)

// The support condition and its reasons.
const (
	conditionSupported = "KubernetesSupported"
	reasonStandard     = "StandardSupport"
	reasonExtended     = "ExtendedSupport"
	reasonUnsupported  = "Unsupported"
)

// supportStatus says where the cluster's Kubernetes version stands in
// EKS's support calendar: status.support, the KubernetesSupported
// condition, and a warning event each time the days left cross one of the
// platform's notice days or the phase changes. The previous status tells
// what was said already, so each notice is given once.
func supportStatus(rsp *fnv1.RunFunctionResponse, observedXR *structpb.Struct, status map[string]any, version string, now time.Time, noticeDays []int) {
	w := eksversion.WindowOn(version, now)
	s := map[string]any{
		"version":   version,
		"phase":     w.Support.Phase(),
		"tableDate": eksversion.TableDate,
	}
	if w.Known {
		s["standardSupportEnds"] = w.StandardEnd.Format(time.DateOnly)
		s["extendedSupportEnds"] = w.ExtendedEnd.Format(time.DateOnly)
	}
	if w.DaysLeft > 0 {
		s["daysLeft"] = int64(w.DaysLeft)
	}
	status["support"] = s

	msg := supportMessage(w)
	switch w.Support {
	case eksversion.Standard:
		response.ConditionTrue(rsp, conditionSupported, reasonStandard).WithMessage(msg).TargetComposite()
	case eksversion.Extended:
		response.ConditionFalse(rsp, conditionSupported, reasonExtended).WithMessage(msg).TargetComposite()
	case eksversion.Unsupported:
		response.ConditionFalse(rsp, conditionSupported, reasonUnsupported).WithMessage(msg).TargetComposite()
	}

	prevVersion := stringAt(observedXR, "status", "support", "version")
	prevPhase := stringAt(observedXR, "status", "support", "phase")
	prevDays := int(valueAt(observedXR, "status", "support", "daysLeft").GetNumberValue())
	if prevVersion != version || prevPhase != w.Support.Phase() {
		// A new version, or a phase just begun: notices start over.
		prevDays = 0
		if prevPhase != "" && w.Support != eksversion.Standard {
			response.Warning(rsp, fmt.Errorf("%s", msg)).TargetComposite()
			return
		}
	}
	if w.Support == eksversion.Unsupported {
		return
	}
	if d, ok := crossed(noticeDays, prevDays, w.DaysLeft); ok {
		response.Warning(rsp, fmt.Errorf("notice at %d days: %s", d, msg)).TargetComposite()
	}
}

// crossed returns the smallest notice day that the days left have reached
// since they were prev (0: never told), if any.
func crossed(noticeDays []int, prev, left int) (int, bool) {
	days := slices.Clone(noticeDays)
	slices.Sort(days)
	for _, d := range days {
		if left <= d && (prev == 0 || prev > d) {
			return d, true
		}
	}
	return 0, false
}

// supportMessage says where a version stands and what to do about it.
func supportMessage(w eksversion.Window) string {
	next := eksversion.Next(w.Version)
	switch {
	case !w.Known:
		return fmt.Sprintf("Kubernetes %s is not in the function's EKS version table of %s: EKS does not support it.", w.Version, eksversion.TableDate)
	case w.Support == eksversion.Standard:
		return fmt.Sprintf("Kubernetes %s has standard support until %s (%d days left), then extended support at extra cost until %s: upgrade to %s (spec.kubernetesVersion) before then.",
			w.Version, w.StandardEnd.Format(time.DateOnly), w.DaysLeft, w.ExtendedEnd.Format(time.DateOnly), next)
	case w.Support == eksversion.Extended:
		return fmt.Sprintf("Kubernetes %s left standard support on %s: the cluster costs $%.2f more per month in extended support until it is upgraded, and loses all support on %s (%d days left). Upgrade to %s (spec.kubernetesVersion).",
			w.Version, w.StandardEnd.Format(time.DateOnly), eksversion.ExtendedSupportCostPerMonth(), w.ExtendedEnd.Format(time.DateOnly), w.DaysLeft, next)
	default:
		return fmt.Sprintf("Kubernetes %s lost all EKS support on %s: EKS upgrades such a cluster itself. Upgrade to %s (spec.kubernetesVersion).", w.Version, w.ExtendedEnd.Format(time.DateOnly), next)
	}
}
