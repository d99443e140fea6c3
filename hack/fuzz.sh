#!/usr/bin/env bash
# Runs every fuzz target for a short while: by default 5,000 executions each.
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can
# fail a target with a bare "context deadline exceeded" when -fuzztime runs
# out mid-execution (golang/go#75804, fixed in Go 1.27). A duration still
# works for longer local runs: hack/fuzz.sh 10m.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
t=${1:-5000x}
n=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "fuzz: $pkg $target for $t"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$t"
    n=$((n + 1))
  done
done
# Finding nothing to fuzz is a broken search, not a pass.
if [ "$n" -eq 0 ]; then
  echo "fuzz: no fuzz target found" >&2
  exit 1
fi
echo "fuzz: $n targets"

