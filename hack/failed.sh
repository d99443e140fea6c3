#!/usr/bin/env bash
# Reprints what each failed test said, from a `go test -v` log: with -v the
# messages sit where the test ran, often thousands of lines before the
# summary that names it, so a log's tail shows which test failed but not why.
#
#   hack/failed.sh LOG
set -euo pipefail
awk '
  /^=== (RUN|CONT|NAME) / { cur = $3; next }
  /^    [^ ].*_test\.go:[0-9]+:/ || /^        / {
    if (cur != "" && n[cur] < 40) { said[cur, n[cur]++] = substr($0, 1, 600) }
    next
  }
  /^ *--- FAIL: / {
    name = $3
    if (n[name] == 0 || done[name]++) next
    printf "== %s said:\n", name
    for (i = 0; i < n[name]; i++) print said[name, i]
  }
' "$1"
