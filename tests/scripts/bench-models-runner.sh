#!/usr/bin/env bash
# scripts/bench-models.sh with a stand-in for bench_models and no peers: a measurement's
# figures reach the table and the JSON, a peer not measured is said to be skipped and leaves
# its cells empty, and the exit status is 0; a measurement that hangs (a child holding its
# output open) is cut at BENCH_MODELS_LIMIT, marked in the table, the status is 1, and
# nothing it started is left running.
#
#   tests/scripts/bench-models-runner.sh SOURCE_DIR
set -euo pipefail
src=$1
fake=$(mktemp -d "${TMPDIR:-/tmp}/accel-bench-models.XXXXXX")
marker=$((100000 + RANDOM * 7 + $$ % 1000))
trap 'pkill -f "sleep $marker" 2>/dev/null || true; rm -rf "$fake"' EXIT
mkdir -p "$fake/bin"
fail() { echo "FAIL: $*"; echo "--- table"; cat "$fake/table"; echo "--- log"; cat "$fake/log"; exit 1; }
run() {
	rc=0
	BENCH_MODELS_PEERS= BENCH_MODELS=fashion_mnist BENCH_MODELS_BATCHES="1 8" BENCH_MODELS_LIMIT=2 \
		"$src/scripts/bench-models.sh" "$fake" > "$fake/table" 2> "$fake/log" || rc=$?
}

# Each batch its own figures, as bench_models prints them.
cat > "$fake/bin/bench_models" <<'EOS'
#!/bin/sh
echo "{\"runtime\":\"accel\",\"batch\":$2,\"submit\":\"uq\",\"median_ms\":$2.5,\"min_ms\":$2.25,\"max_ms\":$2.75}"
EOS
chmod +x "$fake/bin/bench_models"
run
[ "$rc" -eq 0 ] || fail "exited $rc, not 0"
grep -Eq '^fashion_mnist +1 +1\.5 \(1\.25-1\.75\) uq +- +- ' "$fake/table" || fail "batch 1's figures"
grep -Eq '^fashion_mnist +8 +8\.5 \(8\.25-8\.75\) uq ' "$fake/table" || fail "batch 8's figures"
grep -q '^onnxruntime: skipped' "$fake/table" || fail "onnxruntime not said to be skipped"
grep -q '^PyTorch: skipped' "$fake/table" || fail "PyTorch not said to be skipped"
grep -q '"model": "fashion_mnist", "batch": 8, "accel_ms": 8.5, "ort_ms": null' "$fake/bench-models.json" ||
	fail "JSON lacks batch 8"
if command -v python3 > /dev/null; then
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$fake/bench-models.json" || fail "not JSON"
fi

# Hangs, and its child holds the output open as a forgotten process would.
printf '#!/bin/sh\nsleep %s &\nsleep %s\n' "$marker" "$marker" > "$fake/bin/bench_models"
run
[ "$rc" -eq 1 ] || fail "a hung measurement: exited $rc, not 1"
grep -q '^fashion_mnist batch 1 on accel: FAILED: timed out after 2 s' "$fake/table" || fail "the hang is not reported"
if pgrep -f "sleep $marker" > /dev/null; then fail "a process of the hung measurement is still running"; fi
echo "bench-models-runner: ok"
