#!/usr/bin/env bash
# Runs the benchmark tables of docs/performance.md (replication throughput
# beside bare raft, alarm path latency, failover beside raft's defaults).
#   scripts/bench.sh [palisade bench flags]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
go build -o bin/palisade ./cmd/palisade
exec ./bin/palisade bench "$@"
