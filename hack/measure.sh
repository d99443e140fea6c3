#!/usr/bin/env bash
# Produces every figure of the README's Performance section: the benchmarks,
# then the load tool against the function (Go's default memory settings and
# the soft limit example/runtimeconfig.yaml sets, with the 100,000-call soak),
# against the floor function, and at a paced rate. About 20 minutes on 2
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
echo "figures in $out"
