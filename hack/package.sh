#!/usr/bin/env bash
# Builds the function's package without a Docker daemon: a static binary, a
# runtime image with the same shape as the Dockerfile's (nonroot, no shell,
# port 9443) as an image tarball, and the xpkg with that image embedded.
# Usage: hack/package.sh [OUTPUT_DIR]; push it with
#   .cache/bin/crossplane xpkg push -f _output/function-eks-gitops.xpkg REGISTRY/REPO:TAG
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-_output}
mkdir -p "$out" .cache/package
hack/tools.sh crossplane
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o .cache/package/function .
(cd tools/image && go build -o ../../.cache/bin/image .)
.cache/bin/image -binary .cache/package/function -out "$out/image.tar"
pkgroot=$(mktemp -d)
trap 'rm -rf "$pkgroot"' EXIT
cp crossplane.yaml package/input/*.yaml "$pkgroot/"
.cache/bin/crossplane xpkg build --package-root "$pkgroot" --embed-runtime-image-tarball "$out/image.tar" -o "$out/function-eks-gitops.xpkg"
echo "package: $out/function-eks-gitops.xpkg"
