#!/usr/bin/env bash
# Builds the pinned tools into .cache/bin. Each comes from its own small module
# under tools/, so their dependencies never touch the function's go.mod.
# go build is incremental: with a warm Go cache this takes seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.cache/bin"
mkdir -p "$bin"

build() { # module-dir package binary-name
  local start=$SECONDS
  (cd "$root/tools/$1" && go build -o "$bin/$3" "$2")
  echo "tools: $3 ready in $((SECONDS - start))s" >&2
}

want=${*:-crossplane controller-gen golangci-lint}
for t in $want; do
  case "$t" in
    crossplane)     build crossplane github.com/crossplane/crossplane/v2/cmd/crank crossplane ;;
    controller-gen) build controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen controller-gen ;;
    golangci-lint)  build lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint golangci-lint ;;
    # The end-to-end control plane: ~15 minutes cold on 2 cores, seconds warm.
    kubernetes)
      build kubernetes k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver
      build kubernetes k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager ;;
    crossplane-core)
      start=$SECONDS
      # The version must be stamped, or Crossplane refuses packages that
      # constrain the Crossplane version.
      (cd "$root/tools/crossplane-core" && go build -ldflags "-X github.com/crossplane/crossplane-runtime/v2/pkg/version.version=v2.4.0" \
        -o "$bin/crossplane-core" github.com/crossplane/crossplane/v2/cmd/crossplane)
      echo "tools: crossplane-core ready in $((SECONDS - start))s" >&2 ;;
    *) echo "tools: unknown tool $t" >&2; exit 2 ;;
  esac
done
