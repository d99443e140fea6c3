// Package floor is the least a composition function can do: decode the
// request the way every function built on the SDK does and return the
// desired state unchanged. Benchmarks and the load tool report the function's
// cost against it.
package floor

import (
	"context"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/response"
)

// Function is the floor function.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer
}

// RunFunction decodes the XR and the observed and desired composed
// resources, and returns the desired state as it came.
func (Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)
	if _, err := request.GetObservedCompositeResource(req); err != nil {
		return nil, err
	}
	if _, err := request.GetObservedComposedResources(req); err != nil {
		return nil, err
	}
	if _, err := request.GetDesiredComposedResources(req); err != nil {
		return nil, err
	}
	return rsp, nil
}
