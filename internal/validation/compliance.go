package validation

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/input/v1beta1"
	"github.com/eks-gitops/function-eks-gitops/internal/netplan"
)

// Bounds of KMS's pending deletion window, in days.
const (
	minKeyDeletionWindow = 7
	maxKeyDeletionWindow = 30
)

func endpointAccess(ep *field.Path, e v1beta1.EndpointAccess) field.ErrorList {
	var errs field.ErrorList
	if !*e.Private && !*e.Public {
		errs = append(errs, field.Invalid(ep, "private=false, public=false", "at least one of private and public endpoint access must be enabled"))
	}
	if *e.Public && len(e.PublicAccessCIDRs) == 0 {
		errs = append(errs, field.Required(ep.Child("publicAccessCidrs"), "a public endpoint needs the CIDRs allowed to reach it; list 0.0.0.0/0 explicitly to open it to the internet"))
	}
	for i, c := range e.PublicAccessCIDRs {
		if _, err := netplan.ParseCanonical(c); err != nil {
			errs = append(errs, field.Invalid(ep.Child("publicAccessCidrs").Index(i), c, err.Error()))
		}
	}
	return errs
}

// compliance checks the fields of c that are set: all of them once
// defaulted, those an environment replaces otherwise.
func compliance(path *field.Path, c *v1beta1.Compliance) field.ErrorList {
	if c == nil {
		return nil
	}
	var errs field.ErrorList
	lt := path.Child("controlPlaneLogTypes")
	for i, t := range c.ControlPlaneLogTypes {
		if !slices.Contains(v1beta1.ControlPlaneLogTypes, t) {
			errs = append(errs, field.NotSupported(lt.Index(i), t, v1beta1.ControlPlaneLogTypes))
		}
		if slices.Contains(c.ControlPlaneLogTypes[:i], t) {
			errs = append(errs, field.Duplicate(lt.Index(i), t))
		}
	}
	if len(c.ControlPlaneLogTypes) > 0 && !slices.Contains(c.ControlPlaneLogTypes, v1beta1.LogTypeAudit) {
		errs = append(errs, field.Invalid(lt, c.ControlPlaneLogTypes, "must include audit: the Kubernetes API's audit trail is what every control asks for"))
	}
	if d := c.LogRetentionDays; d != nil && !slices.Contains(v1beta1.LogRetentionDays, *d) {
		days := make([]string, len(v1beta1.LogRetentionDays))
		for i, n := range v1beta1.LogRetentionDays {
			days[i] = fmt.Sprint(n)
		}
		errs = append(errs, field.Invalid(path.Child("logRetentionDays"), *d, "CloudWatch Logs keeps logs for one of "+strings.Join(days, ", ")+" days"))
	}
	if w := c.KeyDeletionWindowDays; w != nil && (*w < minKeyDeletionWindow || *w > maxKeyDeletionWindow) {
		errs = append(errs, field.Invalid(path.Child("keyDeletionWindowDays"), *w, fmt.Sprintf("KMS waits %d to %d days before it deletes a key", minKeyDeletionWindow, maxKeyDeletionWindow)))
	}
	for i, id := range c.DeletionProtectionLiftedFor {
		ns, name, namespaced := strings.Cut(id, "/")
		if !namespaced {
			name, ns = ns, ""
		}
		if !safeName.MatchString(name) || (namespaced && !safeName.MatchString(ns)) {
			errs = append(errs, field.Invalid(path.Child("deletionProtectionLiftedFor").Index(i), id, `must be "<namespace>/<name>" of a namespaced XR or "<name>" of a cluster-scoped one`))
		}
	}
	return errs
}

func environments(path *field.Path, envs map[string]v1beta1.Environment) field.ErrorList {
	var errs field.ErrorList
	for _, name := range slices.Sorted(maps.Keys(envs)) {
		e, p := envs[name], path.Key(name)
		if !safeName.MatchString(name) || len(name) > maxEnvironment {
			errs = append(errs, field.Invalid(p, name, fmt.Sprintf("must be a spec.environment an XR can have: 1-%d lowercase letters, digits and inner dashes, starting with a letter", maxEnvironment)))
		}
		if e.NATGateways != "" && e.NATGateways != v1beta1.NATGatewaysPerAZ && e.NATGateways != v1beta1.NATGatewaysSingle {
			errs = append(errs, field.NotSupported(p.Child("natGateways"), e.NATGateways, []string{v1beta1.NATGatewaysPerAZ, v1beta1.NATGatewaysSingle}))
		}
		if ep := e.EndpointAccess; ep != nil {
			d := *ep.DeepCopy()
			if d.Private == nil {
				d.Private = ptr(true)
			}
			if d.Public == nil {
				d.Public = ptr(false)
			}
			errs = append(errs, endpointAccess(p.Child("endpointAccess"), d)...)
		}
		errs = append(errs, compliance(p.Child("compliance"), e.Compliance)...)
	}
	return errs
}

// ptr is a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
