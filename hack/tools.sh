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
    *) echo "tools: unknown tool $t" >&2; exit 2 ;;
  esac
done
