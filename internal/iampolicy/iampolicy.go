// Package iampolicy evaluates the IAM policy documents the function writes
// (identity policies, role trust policies and KMS key policies) as IAM does: a request is
// allowed when a statement allows it and none denies it. It knows the
// parts of the policy language those documents use; anything else (another
// condition operator, NotAction, NotResource, NotPrincipal) is an error,
// never a silent match, so a test that relies on it fails loudly.
package iampolicy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Decision is IAM's answer to one request.
type Decision int

// The three answers: no statement allows it, a statement allows it and
// none denies it, a statement denies it.
const (
	ImplicitDeny Decision = iota
	Allow
	ExplicitDeny
)

func (d Decision) String() string {
	return [...]string{"implicitly denied", "allowed", "explicitly denied"}[d]
}

// Request is one call as IAM sees it.
type Request struct {
	// Principal is the caller's ARN; only trust and key policies name
	// principals. Service is, instead, the AWS service that calls (for
	// example logs.eu-west-1.amazonaws.com).
	Principal string
	Service   string
	Action    string
	// Resource is what the call acts on; trust policies have none.
	Resource string
	// Context are the request's condition keys and their values, for
	// example codecommit:References.
	Context map[string][]string
}

type statement struct {
	Sid       string
	Effect    string
	Action    any
	Resource  any
	Principal any
	Condition map[string]map[string]any

	NotAction    any
	NotResource  any
	NotPrincipal any
}

// Evaluate decides r under the policy document doc.
func Evaluate(doc string, r Request) (Decision, error) {
	var p struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return ImplicitDeny, fmt.Errorf("policy: %w", err)
	}
	var statements []statement
	if err := json.Unmarshal(p.Statement, &statements); err != nil {
		// One statement may stand alone.
		var one statement
		if err2 := json.Unmarshal(p.Statement, &one); err2 != nil {
			return ImplicitDeny, fmt.Errorf("policy statements: %w", err)
		}
		statements = []statement{one}
	}
	d := ImplicitDeny
	for i, s := range statements {
		if s.NotAction != nil || s.NotResource != nil || s.NotPrincipal != nil {
			return ImplicitDeny, fmt.Errorf("statement %d: NotAction, NotResource and NotPrincipal are not evaluated here", i)
		}
		ok, err := s.matches(r)
		if err != nil {
			return ImplicitDeny, fmt.Errorf("statement %d (%s): %w", i, s.Sid, err)
		}
		if !ok {
			continue
		}
		switch s.Effect {
		case "Deny":
			return ExplicitDeny, nil
		case "Allow":
			d = Allow
		default:
			return ImplicitDeny, fmt.Errorf("statement %d: effect %q", i, s.Effect)
		}
	}
	return d, nil
}

func (s statement) matches(r Request) (bool, error) {
	// Actions compare case-insensitively, ARNs case-sensitively.
	if !anyGlob(strings.ToLower(r.Action), lower(Strings(s.Action))) {
		return false, nil
	}
	if s.Resource != nil && !anyGlob(r.Resource, Strings(s.Resource)) {
		return false, nil
	}
	if s.Principal != nil {
		ok, err := principalMatches(s.Principal, r)
		if err != nil || !ok {
			return false, err
		}
	}
	for op, keys := range s.Condition {
		for key, want := range keys {
			ok, err := condition(op, Strings(want), r.Context[key], hasKey(r.Context, key))
			if err != nil {
				return false, fmt.Errorf("condition %s on %s: %w", op, key, err)
			}
			if !ok {
				return false, nil
			}
		}
	}
	return true, nil
}

// principalMatches reads Principal: "*", or {"AWS": ARN, account ID or
// account root, one or a list}.
func principalMatches(p any, r Request) (bool, error) {
	if p == "*" {
		return true, nil
	}
	m, ok := p.(map[string]any)
	if !ok {
		return false, fmt.Errorf("principal %v", p)
	}
	caller := r.Principal
	account := ""
	if f := strings.Split(caller, ":"); len(f) > 4 {
		account = f[4]
	}
	for k, v := range m {
		if k == "Service" && r.Service != "" && slices.Contains(Strings(v), r.Service) {
			return true, nil
		}
		if k != "AWS" || r.Service != "" {
			continue // A service never calls as a role, nor a role as a service.
		}
		for _, a := range Strings(v) {
			if a == "*" || a == caller || a == account || (account != "" && strings.HasSuffix(a, ":iam::"+account+":root")) {
				return true, nil
			}
		}
	}
	return false, nil
}

func hasKey(ctx map[string][]string, key string) bool {
	_, ok := ctx[key]
	return ok
}

// condition evaluates one operator. A key with several values in the
// request matches when one of them does, as IAM treats CodeCommit's
// codecommit:References in its documented branch policies.
func condition(op string, want, got []string, present bool) (bool, error) {
	base, ifExists := strings.CutSuffix(op, "IfExists")
	if base == "Null" {
		if len(want) != 1 || (want[0] != "true" && want[0] != "false") {
			return false, fmt.Errorf("the Null operator takes true or false, not %v", want)
		}
		return (want[0] == "true") == !present, nil
	}
	if !present {
		return ifExists, nil
	}
	var match func(pattern, value string) bool
	switch base {
	case "Bool":
		match = strings.EqualFold
	case "StringEquals", "ArnEquals":
		match = func(p, v string) bool { return p == v }
	case "StringLike", "ArnLike":
		match = glob
	case "StringNotEquals":
		return !slices.ContainsFunc(got, func(v string) bool { return slices.Contains(want, v) }), nil
	default:
		return false, fmt.Errorf("operator %s is not evaluated here", op)
	}
	return slices.ContainsFunc(got, func(v string) bool {
		return slices.ContainsFunc(want, func(p string) bool { return match(p, v) })
	}), nil
}

// Strings reads a policy field that is one string or a list of them.
func Strings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

func anyGlob(s string, patterns []string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return glob(p, s) })
}

// glob is IAM's wildcard match: * any run of characters, ? one.
func glob(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if glob(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}
