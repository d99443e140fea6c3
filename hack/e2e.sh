#!/usr/bin/env bash
# Runs only the end-to-end suite: a real kube-apiserver, kube-controller-manager
# and Crossplane core on this machine, the function's package installed from
# a local TLS registry and called over mTLS. The first run builds Kubernetes
# and Crossplane (about 20 minutes on 2 cores); later runs reuse the Go cache.
#
#   hack/e2e.sh          run the scenarios
#   E2E_KEEP=1 hack/e2e.sh -run '^TestCreate$'
#                        keep the control plane up afterwards; the test log
#                        prints the kubeconfig to use with kubectl
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
hack/deps.sh
hack/tools.sh crossplane kubernetes crossplane-core argocd
go build -o .cache/bin/function-eks-gitops .
cd test/e2e
if [ -n "${E2E_KEEP:-}" ]; then
  # The control plane outlives the test process only if the test does not
  # exit: keep it in the foreground until Ctrl-C.
  exec go test -count=1 -timeout 0 -v "$@" ./...
fi
log="$root/.cache/e2e.log"
if ! go test -count=1 -timeout 45m -v "$@" ./... 2>&1 | tee "$log"; then
  # Repeated at the end, where a truncated log still shows it.
  "$root/hack/failed.sh" "$log" >&2
  exit 1
fi
