package fn

import (
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/eks-gitops/function-eks-gitops/internal/clusterspec"
)

// The function reads the observed state straight from the request's protobuf
// Structs. Converting every observed resource to a map first, as the SDK's
// request helpers do, cost more than everything else the function does.

// valueAt walks s by field names (string) and list indexes (int) and returns
// the value there, or nil when any step is missing.
func valueAt(s *structpb.Struct, path ...any) *structpb.Value {
	fields := s.GetFields()
	var v *structpb.Value
	for i, p := range path {
		switch k := p.(type) {
		case string:
			if i > 0 {
				fields = v.GetStructValue().GetFields()
			}
			v = fields[k]
		case int:
			l := v.GetListValue().GetValues()
			if i == 0 || k < 0 || k >= len(l) {
				return nil
			}
			v = l[k]
		default:
			return nil
		}
		if v == nil {
			return nil
		}
	}
	return v
}

// stringAt is the string at path, or "" when there is none.
func stringAt(s *structpb.Struct, path ...any) string {
	return valueAt(s, path...).GetStringValue()
}

// stringMap is the string fields of s.
func stringMap(s *structpb.Struct) map[string]string {
	out := make(map[string]string, len(s.GetFields()))
	for k, v := range s.GetFields() {
		if sv, ok := v.GetKind().(*structpb.Value_StringValue); ok {
			out[k] = sv.StringValue
		}
	}
	return out
}

// specMap is the XR's spec as a map, with only the part of Crossplane's
// machinery that validation reads: converting its resourceRefs, which
// list every composed resource, cost more than reading the rest.
func specMap(spec *structpb.Struct) map[string]any {
	out := make(map[string]any, len(spec.GetFields()))
	for k, v := range spec.GetFields() {
		if cp := v.GetStructValue(); k == "crossplane" && cp != nil {
			read := make(map[string]any, len(clusterspec.MachineryFieldsRead))
			for _, f := range clusterspec.MachineryFieldsRead {
				if fv, ok := cp.GetFields()[f]; ok {
					read[f] = fv.AsInterface()
				}
			}
			out[k] = read
			continue
		}
		out[k] = v.AsInterface()
	}
	return out
}
