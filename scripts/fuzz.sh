#!/usr/bin/env bash
# Runs every fuzz target in the repository for a while each (default 60s):
#   scripts/fuzz.sh [DURATION]
# New interesting inputs land in the Go build cache; crashers are written to
# the package's testdata/fuzz/<Target>/ — commit them with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
time=${1:-60s}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  pkg=$(dirname "$f")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "==> $pkg $target ($time)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$time" "$pkg"
  done
done
