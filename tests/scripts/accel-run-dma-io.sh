#!/usr/bin/env bash
# `accel run --dma-io` and `accel compile --dma-io` against ONNX's own test data (Debian
# libonnx-testdata): models of one device stage run as chained DMA-in, compute and DMA-out
# jobs (3 device stages) and match their reference outputs, timed runs included, through the
# user queue too and from a program file; a model with host stages keeps its stages and still
# matches. Skipped (77) without the test data.
#
#   tests/scripts/accel-run-dma-io.sh ACCEL_BINARY
set -euo pipefail
accel=$1
data=/usr/share/libonnx-testdata/data/node
if [ ! -d "$data" ]; then
	echo "accel-run-dma-io: $data absent (libonnx-testdata): skipped"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-run-dma-io.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A fresh root that no daemon serves: the core runs embedded with its default vnpu.
export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
unset ACCEL_BACKEND ACCEL_CONFIG

run() { rc=0; "$accel" run "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
passes() {
	[ "$rc" -eq 0 ] || fail "$1 exited $rc, not 0"
	grep -q ' PASS$' "$tmp/out" || fail "$1: no PASS"
	! grep -q ' FAIL$' "$tmp/out" || fail "$1: FAIL"
}

# One device stage each: with --dma-io it is three chained stages, and the outputs match.
for name in test_matmul_2d test_conv_with_strides_padding test_add_bcast test_relu \
	    test_gemm_default_matrix_bias test_flatten_axis1 test_maxpool_2d_pads; do
	run "$data/$name/model.onnx" --data "$data/$name/test_data_set_0" --dma-io
	passes "$name"
	grep -q '^stages: 3 on the device, 0 on the host' "$tmp/out" || fail "$name: not 3 device stages"
done

# Runs after the first reuse the run context and the semaphores (zeroed at each run).
name=test_conv_with_strides_padding
run "$data/$name/model.onnx" --data "$data/$name/test_data_set_0" --dma-io --iterations 5
passes "$name --iterations"
grep -q '^latency_ms median=' "$tmp/out" || fail "$name: no latency line"

# Through the user queue the stages run in order on the queue.
run "$data/$name/model.onnx" --data "$data/$name/test_data_set_0" --dma-io --submit uq
passes "$name --submit uq"

# A program file carries the stage flags and the semaphore slot.
"$accel" compile "$data/$name/model.onnx" -o "$tmp/conv.prg" --dma-io > "$tmp/out" 2> "$tmp/err" ||
	fail "compile --dma-io exited $?"
run "$tmp/conv.prg" --data "$data/$name/test_data_set_0"
passes "$name program file"
grep -q '^stages: 3 on the device, 0 on the host' "$tmp/out" || fail "program file: not 3 device stages"

# A model with host stages is left as it is (docs/compiler.md) and still matches.
name=test_gemm_all_attributes
run "$data/$name/model.onnx" --data "$data/$name/test_data_set_0" --dma-io
passes "$name"
grep -q ' on the device, [1-9][0-9]* on the host' "$tmp/out" || fail "$name: no host stage"
echo "accel-run-dma-io: ok"
