#!/usr/bin/env bash
# `accel run --shape`: a model whose input has symbolic dimensions besides the batch
# (data/relu_nchw.onnx: Relu of x[N, 3, H, W]) is refused without a shape, naming the
# dimension; runs with --shape for that shape; takes every dimension from --data's
# input_0.pb and matches its output; and refuses, with status 2 and a message naming the
# fault, a shape of an unknown input, of another rank, contradicting a static dimension, of
# a dimension below 1, or malformed; --shape wins over --data's shape.
#
#   tests/scripts/accel-run-shape.sh ACCEL_BINARY
set -euo pipefail
accel=$1
data=$(dirname "$0")/data
model=$data/relu_nchw.onnx
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-run-shape.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
unset ACCEL_BACKEND ACCEL_CONFIG

run() { rc=0; "$accel" run "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
# refused WHY ARGS...: status 2, stderr saying WHY.
refused() {
	local why=$1
	shift
	run "$model" "$@"
	[ "$rc" -eq 2 ] || fail "$* exited $rc, not 2"
	grep -qF -- "$why" "$tmp/err" || fail "$*: no '$why' on stderr"
}

refused "input 'x': dimension 0 ('N') is not static"
refused "input 'x': dimension 2 ('H') is not static" --batch 1

run "$model" --shape x=2,3,8,8 --json
[ "$rc" -eq 0 ] || fail "--shape x=2,3,8,8 exited $rc"
grep -q '"device_flops":384' "$tmp/out" || fail "--shape x=2,3,8,8: not 384 elements"

run "$model" --data "$data/relu_nchw_data"
[ "$rc" -eq 0 ] || fail "--data exited $rc"
grep -q "^output 0 'y': .* PASS$" "$tmp/out" || fail "--data: no PASS"

refused "a shape is given for 'y', which is not an input of the model" --shape y=1,3,4,5
refused "input 'x': the shape given has rank 3, the model's has rank 4" --shape x=1,3,4
refused "input 'x': dimension 1 is 3 in the model, the shape given says 4" --shape x=1,4,4,5
refused "--shape 'x=1,3,0,5': dimension 2 is not a positive integer" --shape x=1,3,0,5
refused "--shape 'x': NAME=D0,D1,... expected" --shape x
refused "--shape 'x=1,3,4,5': input given twice" --shape x=1,3,4,5 --shape x=1,3,4,5
# --shape wins over --data: compiled for 1x3x4x6, the data's 1x3x4x5 no longer fits.
refused "input 'x' is float of 288" --shape x=1,3,4,6 --data "$data/relu_nchw_data"
echo "accel-run-shape: ok"
