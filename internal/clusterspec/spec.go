// Package clusterspec is the XR's spec: what a product engineer writes to ask
// for a cluster, how it is read strictly from the observed XR, and the
// defaults that fill in what they left out. Its Go types are the XR's
// schema: the XRDs in example/ are generated from them (generate.go).
//
// +groupName=platform.eks-gitops.dev
// +versionName=v1alpha1
package clusterspec

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eks-gitops/function-eks-gitops/internal/awszones"
	"github.com/eks-gitops/function-eks-gitops/internal/spelling"
)

// Defaults for what a product engineer may leave out.
const (
	DefaultAvailabilityZones = 3
	DefaultSupportType       = "STANDARD"
	DefaultNodePoolName      = "default"
	DefaultInstanceType      = "m6i.large"
	DefaultCapacityType      = "ON_DEMAND"
	DefaultAMIType           = "AL2023_x86_64_STANDARD"
	DefaultDiskSizeGiB       = 50
	DefaultMinSize           = 2
	DefaultMaxSize           = 4
)

// Compute modes: spec.compute.mode's values.
const (
	ModeManagedNodeGroups = "ManagedNodeGroups"
	ModeAutoMode          = "AutoMode"
	ModeKarpenter         = "Karpenter"
)

// ComputeModes are the compute modes, the default first.
var ComputeModes = []string{ModeManagedNodeGroups, ModeAutoMode, ModeKarpenter}

// AutoMode reports whether EKS Auto Mode runs the cluster's nodes.
func (s Spec) AutoMode() bool { return s.Compute.Mode == ModeAutoMode }

// Karpenter reports whether Karpenter provisions the nodes of the pools.
func (s Spec) Karpenter() bool { return s.Compute.Mode == ModeKarpenter }

// AutoModeBuiltInPools are the node pools EKS Auto Mode runs itself (the
// cluster's computeConfig names them), which a team pool may not shadow.
var AutoModeBuiltInPools = []string{"general-purpose", "system"}

// SystemPoolName is the managed node group Karpenter itself runs on, in
// Karpenter mode; no team pool may take the name there.
const SystemPoolName = "system"

// SystemPool is the managed node group Karpenter and the cluster's
// critical add-ons run on in Karpenter mode: two nodes of the default type,
// tainted so that only what tolerates CriticalAddonsOnly (Karpenter's and
// CoreDNS's charts do) lands there.
func SystemPool() NodePool {
	minSize, maxSize := int32(2), int32(3)
	return NodePool{
		Name: SystemPoolName, MinSize: &minSize, MaxSize: &maxSize,
		Labels: map[string]string{"eks-gitops.dev/system": "true"},
		Taints: []Taint{{Key: "CriticalAddonsOnly", Value: "true", Effect: "NO_SCHEDULE"}},
	}.withDefaults()
}

// Autoscaled reports whether any node pool is autoscaled, which gives the
// cluster the cluster-autoscaler's AWS access.
func (s Spec) Autoscaled() bool {
	if s.Karpenter() {
		return false
	}
	for _, p := range s.NodePools {
		if p.Autoscaled {
			return true
		}
	}
	return false
}

// Parse reads an XR's spec strictly: every field that is not one of the
// XR's, each with the closest field it may have meant, and every value of
// the wrong type are refused, all at once.
func Parse(spec map[string]any) (Spec, field.ErrorList) {
	var errs field.ErrorList
	if cp, ok := spec["crossplane"].(map[string]any); ok {
		spec = maps.Clone(spec)
		spec["crossplane"] = MachineryRead(cp)
	}
	check(spec, reflect.TypeFor[Spec](), field.NewPath("spec"), &errs)
	if len(errs) > 0 {
		return Spec{}, errs
	}
	b, err := json.Marshal(spec)
	if err != nil {
		return Spec{}, field.ErrorList{field.InternalError(field.NewPath("spec"), err)}
	}
	s := Spec{}
	if err := json.Unmarshal(b, &s); err != nil {
		// check mirrors what json accepts; this is a backstop.
		return Spec{}, field.ErrorList{&field.Error{Type: field.ErrorTypeInvalid, Field: "spec", BadValue: field.OmitValueType{}, Detail: err.Error()}}
	}
	return s, nil
}

// MachineryFieldsRead are the fields of Crossplane's own XR machinery
// (spec.crossplane) that validation reads: whether the XR pins a
// Composition revision (validation's revisionPin). The rest, resourceRefs
// above all, which lists every composed resource and is most of a
// converged XR's spec, is Crossplane's alone, and nothing copies it.
var MachineryFieldsRead = []string{"compositionRevisionSelector", "compositionUpdatePolicy"}

// MachineryRead is the part of spec.crossplane that validation reads.
func MachineryRead(crossplane map[string]any) map[string]any {
	out := make(map[string]any, len(MachineryFieldsRead))
	for _, k := range MachineryFieldsRead {
		if v, ok := crossplane[k]; ok {
			out[k] = v
		}
	}
	return out
}

// check appends to errs each field of v that t has no JSON field for and
// each value whose JSON type t's field cannot hold, in sorted key order.
func check(v any, t reflect.Type, path *field.Path, errs *field.ErrorList) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return
	}
	bad := func(what string) {
		*errs = append(*errs, &field.Error{Type: field.ErrorTypeInvalid, Field: path.String(), BadValue: field.OmitValueType{}, Detail: what})
	}
	switch t.Kind() { //nolint:exhaustive // The kinds the spec's types use.
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			bad("a " + jsonKind(v) + " is not a valid object")
			return
		}
		fields := map[string]reflect.Type{}
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			fields[name] = f.Type
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			ft, ok := fields[k]
			if !ok {
				detail := "not a field of this XR" + spelling.Hint(k, slices.Sorted(maps.Keys(fields)))
				*errs = append(*errs, &field.Error{Type: field.ErrorTypeNotSupported, Field: path.Child(k).String(), BadValue: field.OmitValueType{}, Detail: detail})
				continue
			}
			check(m[k], ft, path.Child(k), errs)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return // json.RawMessage: Crossplane's own fields, any shape.
		}
		l, ok := v.([]any)
		if !ok {
			bad("a " + jsonKind(v) + " is not a valid list")
			return
		}
		for i, e := range l {
			check(e, t.Elem(), path.Index(i), errs)
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			bad("a " + jsonKind(v) + " is not a valid object")
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			check(m[k], t.Elem(), path.Key(k), errs)
		}
	case reflect.String:
		switch v.(type) {
		case string:
		case float64, int64, bool:
			// YAML reads 1.35, 0123 and true as a number or a boolean.
			bad(fmt.Sprintf("a %s is not a valid string: quote it (\"%v\")", jsonKind(v), v))
		default:
			bad("a " + jsonKind(v) + " is not a valid string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			bad("a " + jsonKind(v) + " is not a valid boolean: write true or false, unquoted")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(float64)
		if !ok {
			bad("a " + jsonKind(v) + " is not a valid whole number: write it unquoted")
			return
		}
		if n != float64(int64(n)) {
			bad(fmt.Sprintf("%v is not a valid whole number", n))
		}
	}
}

// jsonKind names a decoded JSON value's type as the messages do.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64, int64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	default:
		return "value"
	}
}

// WithDefaults returns the spec with every optional field filled in.
// defaultVersion comes from the platform's Input.
func (s Spec) WithDefaults(defaultVersion string) Spec {
	out := s
	if out.KubernetesVersion == "" {
		out.KubernetesVersion = defaultVersion
	}
	if out.SupportType == "" {
		out.SupportType = DefaultSupportType
	}
	if out.Network.AvailabilityZones == 0 {
		out.Network.AvailabilityZones = DefaultAvailabilityZones
		if len(out.Network.Zones) > 0 {
			out.Network.AvailabilityZones = len(out.Network.Zones)
		}
	}
	if out.Compute.Mode == "" {
		out.Compute.Mode = ModeManagedNodeGroups
	}
	if len(out.NodePools) == 0 && !out.AutoMode() {
		out.NodePools = []NodePool{{Name: DefaultNodePoolName}}
	}
	pools := make([]NodePool, len(out.NodePools))
	for i, p := range out.NodePools {
		pools[i] = p.withDefaults()
	}
	out.NodePools = pools
	return out
}

func (p NodePool) withDefaults() NodePool {
	if len(p.InstanceTypes) == 0 {
		p.InstanceTypes = []string{DefaultInstanceType}
	}
	if p.CapacityType == "" {
		p.CapacityType = DefaultCapacityType
	}
	if p.AMIType == "" {
		p.AMIType = DefaultAMIType
	}
	if p.DiskSizeGiB == nil {
		p.DiskSizeGiB = ptr(int32(DefaultDiskSizeGiB))
	}
	if p.MinSize == nil {
		p.MinSize = ptr(int32(DefaultMinSize))
	}
	if p.MaxSize == nil {
		p.MaxSize = ptr(max(int32(DefaultMaxSize), *p.MinSize))
	}
	if p.DesiredSize == nil {
		p.DesiredSize = ptr(*p.MinSize)
	}
	return p
}

// ZoneNames returns the availability zones the network spans: the explicit
// list, or the region's first zones by letter (from the dated zone table, so
// a region whose zone b does not exist gets a, c, d).
func (s Spec) ZoneNames() []string {
	if len(s.Network.Zones) > 0 {
		return s.Network.Zones
	}
	zones := make([]string, 0, s.Network.AvailabilityZones)
	known := awszones.Zones(s.AWS.Region)
	for i := range s.Network.AvailabilityZones {
		if i < len(known) {
			zones = append(zones, known[i])
			continue
		}
		zones = append(zones, s.AWS.Region+string(rune('a'+i)))
	}
	return zones
}

func ptr[T any](v T) *T { return &v }
