package fn

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

// A failure is a composed resource that is not ready because its provider
// reports an error, or that has not been ready for longer than the platform
// allows: the one sentence a team needs to act (a quota, a refused
// parameter, a missing permission) reaches the XR's conditions and events.
type failure struct {
	name    resource.Name
	kind    string
	reason  string
	message string
	// stuck is set when nothing reports an error but the resource has not
	// been ready since then.
	stuck string
}

// maxFailureMessage bounds a provider's message in conditions and events;
// providers quote whole API responses.
const maxFailureMessage = 300

// failingConditions are the conditions in which providers report errors:
// Crossplane's Synced, and Upjet's LastAsyncOperation for a create, update
// or delete that failed after it was accepted.
var failingConditions = []string{"Synced", "LastAsyncOperation"}

// settledReasons are Ready=False reasons that say a resource is on its way,
// not that it failed.
var settledReasons = map[string]bool{"": true, "Creating": true, "Unavailable": true, "Deleting": true}

// waitingMessages start the Synced messages of a resource that waits for
// another, which is the way, not a failure: crossplane-runtime's references
// not resolving yet (a selector's target not created or not ready).
var waitingMessages = []string{"cannot resolve references"}

func waiting(msg string) bool {
	return slices.ContainsFunc(waitingMessages, func(w string) bool { return strings.HasPrefix(msg, w) })
}

// failureOf reads the conditions of an observed composed resource that is
// not ready. secrets are values that must never be repeated (the observed
// connection details).
func failureOf(name resource.Name, s *structpb.Struct, now time.Time, stuckAfter time.Duration, secrets []string) (failure, bool) {
	f := failure{name: name, kind: stringAt(s, "kind")}
	var ready map[string]*structpb.Value
	for _, c := range valueAt(s, "status", "conditions").GetListValue().GetValues() {
		cf := c.GetStructValue().GetFields()
		typ, status := cf["type"].GetStringValue(), cf["status"].GetStringValue()
		if typ == "Ready" {
			ready = cf
		}
		for _, t := range failingConditions {
			if typ == t && status == "False" && cf["message"].GetStringValue() != "" && f.message == "" && !waiting(cf["message"].GetStringValue()) {
				f.reason, f.message = cf["reason"].GetStringValue(), cf["message"].GetStringValue()
			}
		}
	}
	if f.message == "" && ready != nil && ready["status"].GetStringValue() == "False" && !settledReasons[ready["reason"].GetStringValue()] && ready["message"].GetStringValue() != "" {
		f.reason, f.message = ready["reason"].GetStringValue(), ready["message"].GetStringValue()
	}
	if f.message != "" {
		f.message = bounded(redacted(f.message, secrets))
		return f, true
	}
	if ready == nil {
		return f, false
	}
	since, err := time.Parse(time.RFC3339, ready["lastTransitionTime"].GetStringValue())
	if err != nil || ready["status"].GetStringValue() == "True" || now.Sub(since) < stuckAfter {
		return f, false
	}
	f.reason = ready["reason"].GetStringValue()
	f.stuck = since.UTC().Format(time.RFC3339)
	return f, true
}

// sentence is how a condition or event tells the failure.
func (f failure) sentence() string {
	if f.stuck != "" {
		return fmt.Sprintf("%s (%s) has not been ready since %s (%s) and reports no error; look at it with kubectl describe.", f.name, f.kind, f.stuck, f.reason)
	}
	return fmt.Sprintf("%s (%s) is failing: %s: %s", f.name, f.kind, f.reason, strings.TrimSuffix(f.message, ".")+".")
}

// short is the failure in a few words, for a printer column.
func (f failure) short() string {
	if f.stuck != "" {
		return string(f.name) + ": not ready since " + f.stuck
	}
	return string(f.name) + ": " + f.reason
}

// redacted replaces any secret in s.
func redacted(s string, secrets []string) string {
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}

// bounded trims s to maxFailureMessage bytes on a rune boundary.
func bounded(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxFailureMessage {
		return s
	}
	cut := maxFailureMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// secretsOf are the observed connection details' values long enough to
// recognise: a provider's message must never carry one onwards.
func secretsOf(observed map[string]*fnv1.Resource) []string {
	var out []string
	for _, r := range observed {
		for _, v := range r.GetConnectionDetails() {
			if len(v) >= 6 {
				out = append(out, string(v))
			}
		}
	}
	return out
}
