#!/usr/bin/env bash
# Install onnxruntime-node (the version package-lock.json pins) into bench/peers/node_modules
# for `make bench-models`, unless it is there already. `npm ci --ignore-scripts`: the package's
# install script only fetches CUDA binaries (from api.nuget.org); its CPU binaries are in the
# package itself. Exit status 0 once installed, 1 when npm is missing or fails (the bench then
# skips onnxruntime and says so).
#
#   bench/peers/install.sh [TIME_LIMIT_SECONDS]     (default 300)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
limit=${1:-300}
want=$(sed -n 's/^ *"onnxruntime-node": "\([0-9.]*\)".*/\1/p' "$here/package.json")
have=$(sed -n 's/^ *"version": "\([^"]*\)".*/\1/p' "$here/node_modules/onnxruntime-node/package.json" 2>/dev/null | head -1 || true)
if [ -n "$have" ] && [ "$have" = "$want" ]; then
	exit 0
fi
if ! command -v npm > /dev/null || ! command -v node > /dev/null; then
	echo "bench/peers: node and npm are not installed (Debian: nodejs npm)" >&2
	exit 1
fi
echo "bench/peers: installing onnxruntime-node $want (npm ci --ignore-scripts, about 300 MB)" >&2
cd "$here"
timeout -k 10 "$limit" npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
