#!/usr/bin/env bash
# Produces the figures of docs/performance.md. Run it on an otherwise idle
# machine.
#
#   hack/measure.sh [DIR]          everything, about an hour on 2 cores: the
#                                  benchmarks, the load tool against the function
#                                  (Go's default memory settings and the soft limit
#                                  example/runtimeconfig.yaml sets, with the
#                                  100,000-call soak), against the floor, at a
#                                  paced rate, then the ratios below
#   hack/measure.sh ratios [DIR]   only the CPU per call against the floor's,
#                                  about 22 minutes (each 10,000-XR run first
#                                  converges its XRs, 3-4 minutes)
#
# The ratios: simulated and recorded requests (the recorded one is
# payments-dev as the AWS provider's own controllers converged it), cached
# and uncached, and 1,000 and 10,000 distinct XRs, each side by side with
# the floor decoding the same requests, under the shipped memory limit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
what=all
if [ "${1:-}" = ratios ]; then what=ratios; shift; fi
out=${1:-.cache/measure}
mkdir -p "$out" .cache/bin
go build -o .cache/bin/function-eks-gitops .
go build -o .cache/bin/function-floor ./test/load/floor
go build -o .cache/bin/load ./test/load
run() { local name=$1; shift; echo "== load $name: $*"; .cache/bin/load "$@" | tee "$out/load-$name.txt"; }
fn=(-binary .cache/bin/function-eks-gitops)
floor=(-binary .cache/bin/function-floor -floor)
paced=(-gomemlimit 32MiB -concurrency 8 -rate 170 -soak 0)

if [ "$what" = all ]; then
  go test -c -o .cache/bin/fn.test ./fn
  (cd fn && ../.cache/bin/fn.test -test.run '^$' -test.bench . -test.benchtime 2s) | tee "$out/bench.txt"
  run default "${fn[@]}" -soak 0
  run gomemlimit "${fn[@]}" -gomemlimit 32MiB
  run floor "${floor[@]}" -soak 0
  run paced "${fn[@]}" -soak 0 -rate 100
fi

# A replica of a platform of 10,000 XRs: every call a different XR, paced
# at the 170 calls/s they send.
run many "${fn[@]}" "${paced[@]}" -distinct 10000 -calls 10000
run many-floor "${floor[@]}" "${paced[@]}" -distinct 10000 -calls 10000
run thousand "${fn[@]}" "${paced[@]}" -distinct 1000 -calls 3000
run thousand-floor "${floor[@]}" "${paced[@]}" -distinct 1000 -calls 3000
# One XR, cached and with no plan cache at all.
for req in simulated recorded; do
  src=()
  if [ $req = recorded ]; then src=(-recorded test/e2e/testdata/observed-payments-dev.yaml); fi
  run $req "${fn[@]}" "${src[@]}" "${paced[@]}" -calls 3000
  run $req-uncached "${fn[@]}" "${src[@]}" "${paced[@]}" -calls 3000 -function-args --plan-cache-size=0
  run $req-floor "${floor[@]}" "${src[@]}" "${paced[@]}" -calls 3000
done

# CPU per call: the fifth column of the last row of a run's table.
cpu() { awk '$1 ~ /^[0-9]+$/ && NF == 6 { v = $5 } END { print v }' "$out/load-$1.txt"; }
ratio() { awk -v a="$(cpu "$2")" -v b="$(cpu "$3")" -v n="$1" 'BEGIN { printf "| %s | %.2f | %.2f | %.2fx |\n", n, a, b, a / b }'; }
echo "== CPU per call against the floor (GOMEMLIMIT=32MiB, 8 callers, 170 calls/s)"
{
  echo "| request | function, CPU ms/call | floor, CPU ms/call | ratio |"
  echo "|---|---|---|---|"
  ratio "simulated, one XR, cached" simulated simulated-floor
  ratio "simulated, one XR, uncached (--plan-cache-size=0)" simulated-uncached simulated-floor
  ratio "recorded, one XR, cached" recorded recorded-floor
  ratio "recorded, one XR, uncached (--plan-cache-size=0)" recorded-uncached recorded-floor
  ratio "simulated, 1,000 distinct XRs" thousand thousand-floor
  ratio "simulated, 10,000 distinct XRs" many many-floor
} | tee "$out/ratios.md"
echo "figures in $out"
