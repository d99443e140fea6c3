//go:build generate

// The XRDs in example/ and the field table of docs/reference.md, from the
// Go types of this package: controller-gen writes them as a CRD, xrdgen
// makes the two XRDs of it.
//go:generate rm -rf ../../.cache/xrd
//go:generate ../../.cache/bin/controller-gen paths=. crd:crdVersions=v1 output:crd:artifacts:config=../../.cache/xrd
//go:generate go run ../../hack/xrdgen ../../.cache/xrd/platform.eks-gitops.dev_teamclusters.yaml ../../example ../../docs/reference.md

package clusterspec
