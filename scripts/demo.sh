#!/usr/bin/env bash
# Installs what is missing, builds palisade and runs the demo facility.
# Extra arguments go to `palisade demo` (e.g. --free-ports, --data DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
./scripts/install-deps.sh
echo "==> building bin/palisade"
go build -o bin/palisade ./cmd/palisade
exec ./bin/palisade demo "$@"
