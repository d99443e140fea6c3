package fn

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/eks-gitops/function-eks-gitops/internal/eksversion"
	"github.com/eks-gitops/function-eks-gitops/internal/lrucache"
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
	j := judge(version, now)
	w, msg := j.window, j.message
	status["support"] = j.status
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
	best, ok := 0, false
	for _, d := range noticeDays {
		if left <= d && (prev == 0 || prev > d) && (!ok || d < best) {
			best, ok = d, true
		}
	}
	return best, ok
}

// judgement is where a version stands on a day, as status and message.
type judgement struct {
	window  eksversion.Window
	status  map[string]any
	message string
}

// judgements remember each version's judgement of the day: every XR of a
// version is judged alike, and a converged XR's call should not format
// dates. The status map is shared, so it is never written to after.
var judgements = lrucache.New[judgementKey, judgement](64, 64*judgementSize)

type judgementKey struct {
	version string
	day     int64
}

const judgementSize = 1024

func judge(version string, now time.Time) judgement {
	key := judgementKey{version, now.Unix() / (24 * 60 * 60)}
	if j, ok := judgements.Get(key); ok {
		return j
	}
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
	j := judgement{window: w, status: s, message: supportMessage(w)}
	judgements.Add(key, j, judgementSize)
	return j
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
