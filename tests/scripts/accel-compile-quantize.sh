#!/usr/bin/env bash
# `accel compile --quantize int8 --calibration DIR`: the Fashion-MNIST CNN calibrated on its
# reference data (models/fashion_mnist/test_data_set_0, 64 images) becomes an ONNX graph whose
# convolutions and fully connected layers are QLinearConv / QLinearMatMul (the report says 4
# layers, and --json as one object), that `accel run` runs, with logits within a few int8
# steps of the float reference; bad usage is status 2.
#
#   tests/scripts/accel-compile-quantize.sh ACCEL_BINARY MODEL_DIR
set -euo pipefail
accel=$1
model=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-compile-quantize.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
unset ACCEL_BACKEND ACCEL_CONFIG

cmd() { rc=0; "$accel" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }

cmd compile --quantize int8 --calibration "$model" "$model/model.onnx" -o "$tmp/int8.onnx"
[ "$rc" -eq 0 ] || fail "quantize exited $rc"
grep -qE '^quantize .* int8, 1 calibration runs$' "$tmp/out" || fail "no quantize line"
grep -qE '^int8: 4 layers \(QLinearConv, QLinearMatMul\)' "$tmp/out" || fail "not 4 int8 layers"

cmd compile --quantize int8 --calibration "$model" "$model/model.onnx" -o "$tmp/int8.onnx" --json
[ "$rc" -eq 0 ] || fail "quantize --json exited $rc"
grep -q '"quantized_layers":4' "$tmp/out" || fail "--json lacks quantized_layers 4"

# The int8 graph runs through accel run; logits (about -20..20) within 0.5 of the float ones.
cmd run "$tmp/int8.onnx" --data "$model/test_data_set_0" --atol 0.5 --rtol 0
[ "$rc" -eq 0 ] || fail "accel run of the int8 graph exited $rc"
grep -qE "^output 0 'logits': .* PASS$" "$tmp/out" || fail "int8 logits not within 0.5"

cmd compile --quantize int8 "$model/model.onnx" -o "$tmp/x.onnx"
[ "$rc" -eq 2 ] || fail "--quantize without --calibration exited $rc, want 2"
cmd compile --quantize int4 --calibration "$model" "$model/model.onnx" -o "$tmp/x.onnx"
[ "$rc" -eq 2 ] || fail "--quantize int4 exited $rc, want 2"
cmd compile --quantize int8 --calibration "$tmp" "$model/model.onnx" -o "$tmp/x.onnx"
[ "$rc" -eq 2 ] || fail "an empty calibration set exited $rc, want 2"
echo "accel-compile-quantize: ok"
