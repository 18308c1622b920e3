#!/usr/bin/env bash
# `accel run` and `accel compile` on vedge nodes: the Fashion-MNIST model on its test data
# set through /dev/accel/accel3 (vedge.0, DMA) and accel4 (vedge.1, no DMA) of the embedded
# defaults, int8 against the float reference within run's vedge tolerance and the same top-1
# class for every image; `accel compile --device` prints the plan, and on a DMA-less node of
# 64 KiB SRAM the plan is one job per layer with tiles, and the model still passes there.
#
#   tests/scripts/accel-vedge.sh ACCEL_BINARY MODEL_DIR
set -euo pipefail
accel=$1
dir=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-vedge.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
unset ACCEL_BACKEND ACCEL_CONFIG
fail() { echo "FAIL: $*"; cat "$tmp/out" "$tmp/err" 2>/dev/null; exit 1; }

for n in 3 4; do
	"$accel" run --device /dev/accel/accel$n --data "$dir/test_data_set_0" "$dir/model.onnx" \
		> "$tmp/out" 2> "$tmp/err" || fail "accel run on accel$n exited $?"
	cat "$tmp/out"
	grep -q "on /dev/accel/accel$n (vedge" "$tmp/out" || fail "accel$n: not the vedge path"
	grep -q 'top-1 class equal in 64 of 64 rows PASS' "$tmp/out" || fail "accel$n: outputs"
done
grep -q '(vedge, no DMA)' "$tmp/out" || fail "accel4 is not the DMA-less node"

"$accel" compile --device /dev/accel/accel4 --verbose "$dir/model.onnx" -o "$tmp/int8.onnx" \
	> "$tmp/out" 2> "$tmp/err" || fail "accel compile exited $?"
grep -q '^vedge plan: no DMA, sram, SRAM 524288 bytes' "$tmp/out" || fail "compile: no plan"
grep -q '^  job 0: ' "$tmp/out" || fail "compile --verbose: no jobs"
[ -s "$tmp/int8.onnx" ] || fail "compile: no int8 graph written"
"$accel" compile --device /dev/accel/accel3 --json "$dir/model.onnx" -o "$tmp/int8.onnx" \
	> "$tmp/out" 2> "$tmp/err" || fail "accel compile --json exited $?"
grep -q '"mode":"sram"' "$tmp/out" || fail "compile --json: no plan"

# A DMA-less node with 64 KiB of SRAM: the 200 KiB of weights cannot all be there at once.
export ACCEL_ROOT=$tmp/root2 ACCEL_CONFIG=$tmp/small.conf
mkdir -p "$ACCEL_ROOT"
printf '[vedge.0]\ndriver = vedge\nhas_dma = 0\nsram_size = 65536\n' > "$ACCEL_CONFIG"
"$accel" compile --device /dev/accel/accel0 --verbose "$dir/model.onnx" -o "$tmp/int8.onnx" \
	> "$tmp/out" 2> "$tmp/err" || fail "accel compile (64 KiB) exited $?"
grep -q '^vedge plan: no DMA, layers, SRAM 65536 bytes' "$tmp/out" || fail "64 KiB: not layers"
grep -Eq '^jobs: [0-9]+ \([1-9][0-9]* tiles\)' "$tmp/out" || fail "64 KiB: no tiles"
grep -q 'channels' "$tmp/out" || fail "64 KiB: FC not tiled by channels"
"$accel" run --device /dev/accel/accel0 --data "$dir/test_data_set_0" "$dir/model.onnx" \
	> "$tmp/out" 2> "$tmp/err" || fail "accel run (64 KiB) exited $?"
grep -q 'top-1 class equal in 64 of 64 rows PASS' "$tmp/out" || fail "64 KiB: outputs"
echo "accel-vedge: PASS"
