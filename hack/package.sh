#!/usr/bin/env bash
# Builds both packages without a Docker daemon:
# - the function's: a static binary, a runtime image with the same shape as
#   the Dockerfile's (nonroot, no shell, port 9443) as an image tarball, and
#   the xpkg with that image embedded;
# - the Configuration (package/configuration plus the XRDs of example/): the
#   platform API with its dependencies on the function and the providers.
# Usage: [VERSION=vX.Y.Z] hack/package.sh [OUTPUT_DIR]; push them with
#   .cache/bin/crossplane xpkg push -f _output/function-eks-gitops.xpkg xpkg.crossplane.io/eks-gitops/function-eks-gitops:vX.Y.Z
#   .cache/bin/crossplane xpkg push -f _output/configuration-eks-gitops.xpkg xpkg.crossplane.io/eks-gitops/configuration-eks-gitops:vX.Y.Z
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-_output}
mkdir -p "$out" .cache/package
hack/tools.sh crossplane
# The version --version prints and the packages are pushed as: the VERSION
# file, which the release workflow checks against the tag.
version=${VERSION:-$(cat VERSION)}
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=$version" -o .cache/package/function .
(cd tools/image && go build -o ../../.cache/bin/image .)
.cache/bin/image -binary .cache/package/function -out "$out/image.tar"
pkgroot=$(mktemp -d)
trap 'rm -rf "$pkgroot"' EXIT
cp crossplane.yaml package/input/*.yaml "$pkgroot/"
.cache/bin/crossplane xpkg build --package-root "$pkgroot" --embed-runtime-image-tarball "$out/image.tar" -o "$out/function-eks-gitops.xpkg"
echo "package: $out/function-eks-gitops.xpkg"

cfgroot=$(mktemp -d)
trap 'rm -rf "$pkgroot" "$cfgroot"' EXIT
cp package/configuration/*.yaml example/xrd.yaml example/xrd-namespaced.yaml "$cfgroot/"
.cache/bin/crossplane xpkg build --package-root "$cfgroot" -o "$out/configuration-eks-gitops.xpkg"
echo "package: $out/configuration-eks-gitops.xpkg"
