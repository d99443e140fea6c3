// Package e2e runs the function the way production does, on one machine and
// without Docker: etcd, a real kube-apiserver and kube-controller-manager
// (for garbage collection), real Crossplane core installing the function's
// package from a local TLS registry and calling the function over mTLS. No
// provider runs; the suite plays the AWS provider and provider-kubernetes.
package e2e
