#!/usr/bin/env bash
# Records and checks what the function composed when the real-provider
# suite last passed: a hash of the goldens of its full output.
#
#   hack/realprovider-stamp.sh record   after hack/e2e-aws.sh passed
#   hack/realprovider-stamp.sh check    says loudly when the goldens changed since
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
stamp=test/e2e/realprovider.stamp
now=$(find fn/testdata/golden -type f -name '*.yaml' | LC_ALL=C sort | xargs cat | sha256sum | cut -d' ' -f1)
case "${1:-check}" in
  record)
    printf '%s %s\n' "$now" "$(date -u +%Y-%m-%d)" > "$stamp"
    echo "realprovider-stamp: recorded $now" ;;
  check)
    last=$(cut -d' ' -f1 "$stamp" 2>/dev/null || true)
    if [ "$last" != "$now" ]; then
      echo "== WARNING: what the function composes changed since the real-provider suite last passed" >&2
      echo "   ($stamp: ${last:-none}, now $now). Run hack/e2e-aws.sh before this reaches users." >&2
    else
      echo "== the composed output is the one the real-provider suite last passed on ($(cut -d' ' -f2 "$stamp"))"
    fi ;;
  *) echo "usage: $0 record|check" >&2; exit 2 ;;
esac
