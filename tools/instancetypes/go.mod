module github.com/eks-gitops/function-eks-gitops/tools/instancetypes

go 1.26

require (
	github.com/LeanerCloud/ec2-instances-info v0.0.0-20250528091325-32acf84f42eb
	github.com/aws/aws-sdk-go-v2/service/ec2 v1.349.0
)

require (
	github.com/aws/smithy-go v1.28.9 // indirect
	github.com/pkg/errors v0.9.1 // indirect
)
