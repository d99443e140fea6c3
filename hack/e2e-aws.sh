#!/usr/bin/env bash
# Runs the real-provider suite: the AWS provider's own controllers (v2.5.0,
# the families the function composes) out of cluster against moto_server
# behind the emulator layer (test/e2e/awsemu), on the end-to-end control
# plane. The first run builds the provider: about 30 minutes on 2 cores and
# up to 18 GB of memory; later runs reuse the Go cache.
#
#   hack/e2e-aws.sh                 create, change and delete payments-dev
#   E2E_KEEP=1 hack/e2e-aws.sh      keep the control plane up afterwards
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
hack/deps.sh
hack/tools.sh crossplane kubernetes crossplane-core provider-aws
go build -o .cache/bin/function-eks-gitops .
cd test/e2e
if [ -n "${E2E_KEEP:-}" ]; then
  exec go test -tags realaws -count=1 -timeout 0 -v -run TestRealProvider "$@" .
fi
log="$root/.cache/e2e-aws.log"
if ! go test -tags realaws -count=1 -timeout 50m -v -run TestRealProvider "$@" . 2>&1 | tee "$log"; then
  "$root/hack/failed.sh" "$log" >&2
  exit 1
fi
# A full pass records what the function composed (hack/test.sh checks it).
if [ $# -eq 0 ]; then "$root/hack/realprovider-stamp.sh" record; fi
