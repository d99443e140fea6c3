package fn

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/eks-gitops/function-eks-gitops/internal/compose"
)

// DefaultMaxResponseSize is the largest message Crossplane's gRPC client
// accepts from a function: gRPC's default of 4 MiB.
const DefaultMaxResponseSize = 4 << 20

// sizeCheckMargin is how close to the limit the cheap estimate (the
// declared bodies' sizes, known from the plan) must come before the whole
// response is measured, so a converged call of a normal XR pays nothing.
const sizeCheckMargin = 512 << 10

// lists are the XR's lists whose every entry is composed resources, with
// the composition resource name prefix of their entries.
var lists = []struct {
	field  string
	prefix string
}{
	{"spec.team.members", compose.CognitoMemberPrefix},
	{"spec.team.admins", compose.CognitoAdminPrefix},
	{"spec.nodePools", compose.NodeGroupPrefix},
}

// checkSize refuses a response Crossplane could not receive, naming the
// lists that make it large. declared is the encoded size of the objects this
// function declared, known from the plan; only when it comes near the limit
// is the whole response measured.
func (f *Function) checkSize(rsp *fnv1.RunFunctionResponse, declared int) error {
	if declared <= f.maxResponse-sizeCheckMargin {
		return nil
	}
	size := proto.Size(rsp)
	if size <= f.maxResponse {
		return nil
	}
	var parts []string
	for _, l := range lists {
		n, bytes := 0, 0
		for name, r := range rsp.GetDesired().GetResources() {
			if strings.HasPrefix(name, l.prefix) {
				n++
				bytes += proto.Size(r)
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s has %d entries (%s)", l.field, n, mib(bytes)))
		}
	}
	return invalid("invalid XR", field.ErrorList{field.Forbidden(field.NewPath("spec"), fmt.Sprintf(
		"the composed resources would make a response of %s, more than the %s Crossplane accepts from a function: %s; shorten the longest list",
		mib(size), mib(f.maxResponse), strings.Join(parts, ", ")))})
}

func mib(n int) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }
