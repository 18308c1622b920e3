#!/usr/bin/env bash
# The Fashion-MNIST CNN (models/fashion_mnist) against its reference data: compiled for the
# data set's 64 images (`accel compile --batch 64`: the model's batch axis is symbolic) and run
# by `accel run --data`, its logits match PyTorch's within accel run's default tolerances, with
# every node on the device; `accel run` on the ONNX file takes the batch from the data set.
#
#   tests/scripts/fashion-mnist-run.sh ACCEL_BINARY MODEL_DIR
set -euo pipefail
accel=$1
dir=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fashion-mnist-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A fresh root that no daemon serves: the core runs embedded with its default vnpu.
export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
unset ACCEL_BACKEND ACCEL_CONFIG

fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }

rc=0
"$accel" compile --batch 64 "$dir/model.onnx" -o "$tmp/prog" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || fail "accel compile exited $rc"
rc=0
"$accel" run "$tmp/prog" --data "$dir/test_data_set_0" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || fail "accel run exited $rc, not 0"
grep -q "^output 0 'logits': .* mismatches=0 PASS$" "$tmp/out" || fail "logits: no PASS"
grep -q ', 0 on the host,' "$tmp/out" || fail "not all on the device"
cat "$tmp/out"
rc=0
"$accel" run "$dir/model.onnx" --data "$dir/test_data_set_0" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || fail "accel run MODEL.onnx exited $rc, not 0"
grep -q "^output 0 'logits': .* mismatches=0 PASS$" "$tmp/out" || fail "ONNX logits: no PASS"
rc=0
"$accel" run "$dir/model.onnx" --batch 65 --data "$dir/test_data_set_0" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" -eq 2 ] || fail "--batch 65 against 64 images exited $rc, not 2"
