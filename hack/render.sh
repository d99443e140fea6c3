#!/usr/bin/env bash
# Quick start: builds the function and the crossplane CLI, starts the function
# locally and renders an example XR with `crossplane render`, printing the
# desired resources. Usage: hack/render.sh [XR [COMPOSITION [OBSERVED]]]; a
# Composition of package/configuration is rendered with the platform
# settings of example/platform-settings.yaml.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
xr=${1:-example/xr.yaml}
composition=${2:-example/composition.yaml}
observed=${3:-}

hack/tools.sh crossplane
go build -o .cache/bin/function-eks-gitops .

port=${RENDER_PORT:-9443}
.cache/bin/function-eks-gitops --insecure --address="127.0.0.1:$port" --metrics-address= >.cache/function.log 2>&1 &
fn_pid=$!
trap 'kill "$fn_pid" 2>/dev/null || true' EXIT

# Wait (bounded) until the function listens.
for _ in $(seq 1 50); do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done

functions=example/functions.yaml
case "$composition" in
  package/configuration/*)
    # The package's Compositions name the Function as Crossplane names the
    # dependency it installs, and read the platform settings.
    functions=$(mktemp)
    trap 'kill "$fn_pid" 2>/dev/null || true; rm -f "$functions"' EXIT
    sed 's/name: function-eks-gitops$/name: eks-gitops-function-eks-gitops/' example/functions.yaml >"$functions"
    settings=(-e example/platform-settings.yaml)
    ;;
  *) settings=() ;;
esac
args=(render "$xr" "$composition" "$functions"
  --xrd "$(case "$composition" in *composition-namespaced.yaml) echo example/xrd-namespaced.yaml ;; *) echo example/xrd.yaml ;; esac)"
  -a "render.crossplane.io/runtime-development-target=127.0.0.1:$port"
  --include-function-results "${settings[@]}")
[ -n "$observed" ] && args+=(-o "$observed")
.cache/bin/crossplane "${args[@]}"
