#!/usr/bin/env bash
# scripts/bench.sh finishes whatever its programs do: a program that fails or hangs (with a
# child holding its output open) is reported in the table and the JSON, the others still
# run, the script exits 1, and nothing the programs started is left running.
#
#   tests/scripts/bench-runner.sh SOURCE_DIR
set -euo pipefail
src=$1
fake=$(mktemp -d "${TMPDIR:-/tmp}/accel-bench-runner.XXXXXX")
marker=$((100000 + RANDOM * 7 + $$ % 1000))
trap 'pkill -f "sleep $marker" 2>/dev/null || true; rm -rf "$fake"' EXIT
mkdir -p "$fake/bin"
printf '#!/bin/sh\nexit 0\n' > "$fake/bin/acceld"
printf '#!/bin/sh\necho "BENCH ok figure|ns|1.0|1.0|1.0|base|2.0|0.500|"\n' > "$fake/bin/bench_a_ok"
printf '#!/bin/sh\necho "BENCH half|ns|1.0|1.0|1.0|base|2.0|0.500|"\nexit 3\n' > "$fake/bin/bench_b_fails"
# Hangs, and its child holds the output open as a forgotten daemon would.
printf '#!/bin/sh\nsleep %s &\nsleep %s\n' "$marker" "$marker" > "$fake/bin/bench_c_hangs"
printf '#!/bin/sh\necho "BENCH last figure|ns|1.0|1.0|1.0|base|2.0|0.500|"\n' > "$fake/bin/bench_d_ok"
chmod +x "$fake/bin/"*

rc=0
BENCH_LIMIT=2 "$src/scripts/bench.sh" "$fake" > "$fake/table" 2> "$fake/log" || rc=$?
fail() { echo "FAIL: $*"; echo "--- table"; cat "$fake/table"; echo "--- log"; cat "$fake/log"; exit 1; }
[ "$rc" -eq 1 ] || fail "bench.sh exited $rc, not 1"
grep -q '^ok figure ' "$fake/table" || fail "the first program's figure is missing"
grep -q '^last figure ' "$fake/table" || fail "the program after the hung one did not run"
grep -q '^bench_b_fails .*FAILED: exit status 3' "$fake/table" || fail "the failed program is not reported"
grep -q '^bench_c_hangs .*FAILED: timed out' "$fake/table" || fail "the hung program is not reported"
grep -q '"program": "bench_c_hangs", "reason": "timed out' "$fake/bench.json" || fail "JSON lacks the hung program"
grep -q '"program": "bench_b_fails", "reason": "exit status 3"' "$fake/bench.json" || fail "JSON lacks the failed program"
if command -v python3 > /dev/null; then
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$fake/bench.json" || fail "bench.json is not JSON"
fi
if pgrep -f "sleep $marker" > /dev/null; then fail "a process of the hung program is still running"; fi
echo "bench-runner: ok"
