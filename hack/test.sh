#!/usr/bin/env bash
# The whole test suite: the same command for a new user and for CI.
# The first run on a fresh machine installs three Debian packages and builds the
# pinned tools, Kubernetes, Crossplane core, Argo CD and the AWS provider's API
# types; later runs reuse the Go caches. How long each takes, measured, is in
# the README's quick start and docs/testing.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# Each step says how long the one before took, so a slow run shows where.
last=$SECONDS
step() { echo "== ($((SECONDS - last))s)"; last=$SECONDS; echo; echo "== $*"; }

# provider-upjet-github's CRD files, which the Go module proxy cannot serve,
# are kept next to the project on CI's machine (../shared/crds): with them
# the conformance and end-to-end suites hold GitHub objects to the real
# CRDs, not a transcription of their fields.
github_crds="$root/../shared/crds/provider-upjet-github/v0.19.1"
if [ -z "${PROVIDER_UPJET_GITHUB_CRDS:-}" ] && [ -d "$github_crds" ]; then
  export PROVIDER_UPJET_GITHUB_CRDS="$github_crds"
fi
github_crds_used="${PROVIDER_UPJET_GITHUB_CRDS:-not found (GitHub objects checked against a transcription of their fields only)}"

step "Debian packages and tools"
hack/deps.sh
hack/tools.sh

step "generated files are current"
(cd input && go generate -tags generate ./...)
# The XRDs and the manual's field table, from the XR's Go types.
go generate -tags generate ./internal/clusterspec
# Untracked files count: a newly generated file must be committed too.
generated=(input package example/xrd.yaml example/xrd-namespaced.yaml docs/reference.md)
if [ -n "$(git status --porcelain -- "${generated[@]}")" ]; then
  git status --short -- "${generated[@]}"
  echo "generated files are stale: run (cd input && go generate -tags generate ./...) and go generate -tags generate ./internal/clusterspec, and commit" >&2
  exit 1
fi

step "go vet"
go vet ./...

step "golangci-lint (the function and each test module)"
.cache/bin/golangci-lint run ./...
for m in test/conformance test/conformance/gitlab test/e2e tools/image tools/instancetypes; do
  (cd "$m" && "$root/.cache/bin/golangci-lint" run --build-tags realaws --config "$root/.golangci.yml" ./...)
done

# The Argo CD tool module needs Go 1.27, which golangci-lint here is not
# built with: vet it with its own toolchain.
(cd tools/argocd && GOTOOLCHAIN=go1.27.3 go vet ./rbaccan)

step "go test -race"
go test -race -count=1 ./...

step "conformance: every rendered object against the providers' types and CRDs"
(cd test/conformance && go test -count=1 ./...)
# provider-gitlab's types, in a module of their own; the module is not in
# the checksum database, so its go.sum is what pins it.
(cd test/conformance/gitlab && GONOSUMDB=github.com/crossplane-contrib/provider-gitlab go test -count=1 ./...)

step "package: image without Docker, xpkg build, push to and pull from a local TLS registry"
(cd tools/image && go test -count=1 ./...)

step "end to end: real kube-apiserver, Crossplane core, registry and function over mTLS"
hack/e2e.sh

# The real-provider suite needs the AWS provider's controllers, about 30
# minutes to build cold: it runs whenever they are built on this machine
# (hack/tools.sh provider-aws), and the end of the run says whether it did.
if [ -x .cache/bin/provider-aws/iam ]; then
  step "real provider: the AWS provider's own controllers against the emulator"
  hack/e2e-aws.sh
  real="ran and passed"
else
  real="NOT RUN: the AWS provider's controllers are not built here (hack/tools.sh provider-aws, then hack/e2e-aws.sh)"
fi

step "benchmarks and the load tool, once each (figures: docs/performance.md)"
go test ./fn -run '^$' -bench . -benchtime 1x
go test ./internal/repocheck -run '^$' -bench Check1000 -benchtime 1x
go build -o .cache/bin/function-eks-gitops .
go build -o .cache/bin/function-floor ./test/load/floor
go run ./test/load -binary .cache/bin/function-eks-gitops -concurrency 1,8 -calls 200 -soak 1000
go run ./test/load -binary .cache/bin/function-floor -floor -concurrency 8 -calls 200 -soak 0
go run ./test/load -binary .cache/bin/function-eks-gitops -concurrency 8 -calls 100 -soak 0 -rate 200
go run ./test/load -binary .cache/bin/function-eks-gitops -gomemlimit 32MiB -distinct 50 -concurrency 8 -calls 200 -soak 0 -rate 170

step "fuzz (short)"
hack/fuzz.sh "${FUZZTIME:-5000x}"

echo "== ($((SECONDS - last))s)"; echo; echo "== all checks passed"
echo "== real-provider suite: $real"
echo "== provider-upjet-github CRDs: $github_crds_used"
hack/realprovider-stamp.sh check
