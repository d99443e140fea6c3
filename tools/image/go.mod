module github.com/eks-gitops/function-eks-gitops/tools/image

go 1.26

require (
	github.com/eks-gitops/function-eks-gitops v0.0.0
	github.com/google/go-containerregistry v0.21.8
	sigs.k8s.io/yaml v1.6.0
)

require (
	github.com/docker/cli v29.6.2+incompatible // indirect
	github.com/docker/docker-credential-helpers v0.9.3 // indirect
	github.com/klauspost/compress v1.19.1 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	github.com/sirupsen/logrus v1.9.4 // indirect
	go.yaml.in/yaml/v2 v2.4.3 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	gotest.tools/v3 v3.5.2 // indirect
)

replace github.com/eks-gitops/function-eks-gitops => ../..
