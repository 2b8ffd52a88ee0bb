#!/usr/bin/env bash
# Installs what is missing and runs every test: formatting, vet, and the whole
# suite under the race detector (which also replays every committed fuzz
# corpus). Benchmarks and long fuzzing are separate: scripts/bench.sh,
# scripts/fuzz.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
./scripts/install-deps.sh

echo "==> gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './vendor/*'))
if [ -n "$bad" ]; then
  echo "gofmt would change:"; echo "$bad"; exit 1
fi
echo "==> go vet"
go vet ./...
echo "==> go test -race"
go test -race -count=1 -timeout 20m ./...
echo "==> sally-port state exploration (pure: run without -race)"
go test -count=1 -run '^TestExplore' -v ./edge/sallyport | grep -E 'reachable states|^(ok|FAIL|---)'
