#!/usr/bin/env bash
# Produces every figure of the README's Performance section: the benchmarks,
# then the load tool against the function (Go's default memory settings and
# the soft limit example/runtimeconfig.yaml sets, with the 100,000-call soak),
# against the floor function, and at a paced rate. About 35 minutes on 2
# cores; run it on an otherwise idle machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-.cache/measure}
mkdir -p "$out" .cache/bin
go build -o .cache/bin/function-eks-gitops .
go build -o .cache/bin/function-floor ./test/load/floor
go test -c -o .cache/bin/fn.test ./fn
(cd fn && ../.cache/bin/fn.test -test.run '^$' -test.bench . -test.benchtime 2s) | tee "$out/bench.txt"
go build -o .cache/bin/load ./test/load
run() { local name=$1; shift; echo "== load $name: $*"; .cache/bin/load "$@" | tee "$out/load-$name.txt"; }
run default -binary .cache/bin/function-eks-gitops -soak 0
run gomemlimit -binary .cache/bin/function-eks-gitops -gomemlimit 32MiB
run floor -binary .cache/bin/function-floor -floor -soak 0
run paced -binary .cache/bin/function-eks-gitops -soak 0 -rate 100
# A replica of a platform of 10,000 XRs: every call a different XR, paced
# at the 170 calls/s they send, the function and the floor side by side.
run many -binary .cache/bin/function-eks-gitops -gomemlimit 32MiB -distinct 10000 -concurrency 8 -calls 10000 -rate 170 -soak 0
run many-floor -binary .cache/bin/function-floor -floor -gomemlimit 32MiB -distinct 10000 -concurrency 8 -calls 10000 -rate 170 -soak 0
echo "figures in $out"
