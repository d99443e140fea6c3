package fn

import (
	"crypto/sha256"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"

	"github.com/eks-gitops/function-eks-gitops/internal/lrucache"
)

// refusal is an invalid Input or XR: every field error, joined into one
// message for the XR's condition, and kept as a list for the log.
type refusal struct {
	what string
	errs field.ErrorList
}

// invalid joins every field error into one message, so the XR's condition
// shows all of them at once.
func invalid(what string, errs field.ErrorList) error { return &refusal{what: what, errs: errs} }

func (r *refusal) Error() string {
	msgs := make([]string, len(r.errs))
	for i, e := range r.errs {
		msgs[i] = e.Error()
	}
	return r.what + ": " + strings.Join(msgs, "; ")
}

// fields are the paths of the fields in error. They name fields and list
// indexes, never values: the log never holds a member's name or address.
func (r *refusal) fields() []string {
	out := make([]string, len(r.errs))
	for i, e := range r.errs {
		out[i] = e.Field + " (" + string(e.Type) + ")"
	}
	return out
}

// Bounds of the XRs whose last refusal is remembered: an entry is the XR's
// identity (Kubernetes bounds its parts) and a hash.
const (
	maxRememberedRefusals = 4096
	maxRefusalBytes       = 4 << 20
)

// refusals remembers the last refusal logged for each XR, so a refused XR
// is logged once per change instead of on every reconcile.
type refusals struct {
	mu   sync.Mutex
	last *lrucache.Cache[string, [sha256.Size]byte]
}

func newRefusals() *refusals {
	return &refusals{last: lrucache.New[string, [sha256.Size]byte](maxRememberedRefusals, maxRefusalBytes)}
}

// log logs err for the XR unless it is the same refusal as last time.
// Field errors are logged as field paths only; other errors (a malformed
// spec) name fields and types, not values.
func (r *refusals) log(log logging.Logger, xr composite, err error) {
	id := xr.apiVersion + "/" + xr.kind + "/" + xr.namespace + "/" + xr.name
	sum := sha256.Sum256([]byte(err.Error()))
	r.mu.Lock()
	if v, ok := r.last.Get(id); ok && v == sum {
		r.mu.Unlock()
		return
	}
	r.last.Add(id, sum, int64(len(id)+2*sha256.Size))
	r.mu.Unlock()

	var rf *refusal
	if errors.As(err, &rf) {
		log.Info("Refusing XR", "reason", rf.what, "fields", rf.fields())
		return
	}
	log.Info("Refusing XR", "reason", "invalid XR", "fields", []string{redactedReason(err)})
}

// redactedReason is the part of a parse error before the first value.
func redactedReason(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": Invalid value"); i >= 0 {
		return s[:i] + ": Invalid value"
	}
	return s
}

// Refusal splits the error of a Fatal result into what was refused (e.g.
// "invalid XR") and one message per field, as the Fatal result's message
// joins them: what + ": " + strings.Join(details, "; "). An error that
// names no field is one detail under what its message starts with.
func Refusal(err error) (what string, details []string) {
	var r *refusal
	if errors.As(err, &r) {
		details = make([]string, len(r.errs))
		for i, e := range r.errs {
			details[i] = e.Error()
		}
		return r.what, details
	}
	msg := err.Error()
	if w, rest, ok := strings.Cut(msg, ": "); ok {
		return w, []string{rest}
	}
	return "refused", []string{msg}
}
