#!/usr/bin/env bash
# `accel run` against ONNX's own test data (Debian libonnx-testdata): node models of the ops the
# vnpu code generator lowers run embedded and match their reference outputs (exit 0, PASS);
# models it cannot lower run on the host fallback and match too, the partition line saying
# where the nodes and FLOPs went; an operator nothing runs fails with status 2 naming it; a reference output
# altered by one value fails with status 1 and FAIL (and passes with a wide enough --atol); --iterations prints the latency line;
# --json prints one valid object; bad usage is status 2. Skipped (77) without the test data.
#
#   tests/scripts/accel-run.sh ACCEL_BINARY
set -euo pipefail
accel=$1
data=/usr/share/libonnx-testdata/data/node
if [ ! -d "$data" ]; then
	echo "accel-run: $data absent (libonnx-testdata): skipped"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A fresh root that no daemon serves: the core runs embedded with its default vnpu.
export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
unset ACCEL_BACKEND ACCEL_CONFIG

run() { rc=0; "$accel" run "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
# model NAME [ARGS...]: run node test NAME on its first data set.
model() {
	local name=$1
	shift
	run "$data/$name/model.onnx" --data "$data/$name/test_data_set_0" "$@"
}

# One model per lowering: each runs on the device and matches ONNX's reference output.
for name in test_matmul_2d test_matmul_4d test_gemm_default_vector_bias test_gemm_transposeB \
	    test_gemm_default_matrix_bias test_add_bcast test_sub test_mul test_relu test_sigmoid \
	    test_tanh test_softmax_axis_1 test_conv_with_strides_padding \
	    test_conv_with_autopad_same test_maxpool_2d_pads test_averagepool_2d_pads \
	    test_flatten_axis1; do
	model "$name"
	[ "$rc" -eq 0 ] || fail "$name exited $rc, not 0"
	grep -q ' PASS$' "$tmp/out" || fail "$name: no PASS"
	! grep -q ' FAIL$' "$tmp/out" || fail "$name: FAIL"
done

# The DMA_COPY_ND, UNARY and REDUCE lowerings (and 1-D pools as one-row images): every node
# of these runs on the device, and the result matches.
for name in test_concat_3d_axis_negative_2 test_transpose_all_permutations_3 test_exp test_erf \
	    test_floor test_leakyrelu test_selu test_hardsigmoid test_softplus test_clip \
	    test_clip_splitbounds test_reduce_l2_do_not_keepdims_random \
	    test_reduce_l1_negative_axes_keep_dims_random test_reduce_max_default_axes_keepdim_example \
	    test_globalaveragepool test_averagepool_1d_default test_maxpool_1d_default; do
	model "$name"
	[ "$rc" -eq 0 ] || fail "$name exited $rc, not 0"
	grep -q ' PASS$' "$tmp/out" || fail "$name: no PASS"
	grep -q ', 0 on the host,' "$tmp/out" || fail "$name: not all on the device"
done

# The same for lowerings whose node tests the reader cannot import yet: Pad (old opset
# attributes), a 6-D Transpose (PixelShuffle), BatchNormalization with constant parameters.
for name in test_ConstantPad2d test_ZeroPad2d test_PixelShuffle test_BatchNorm2d_eval; do
	conv=$data/../pytorch-converted/$name
	[ -d "$conv" ] || continue
	run "$conv/model.onnx" --data "$conv/test_data_set_0"
	[ "$rc" -eq 0 ] || fail "$name exited $rc, not 0"
	grep -q ' PASS$' "$tmp/out" || fail "$name: no PASS"
	grep -q ', 0 on the host,' "$tmp/out" || fail "$name: not all on the device"
done

# The host fallback: Gemm's alpha and beta have no device lowering, so the node runs on the
# host; the result matches, and the partition says so (no device FLOPs at all).
for name in test_gemm_alpha test_gemm_beta test_gemm_all_attributes; do
	model "$name"
	[ "$rc" -eq 0 ] || fail "$name exited $rc, not 0"
	grep -q ' PASS$' "$tmp/out" || fail "$name: no PASS"
	grep -q ', 0 on the device, 1 on the host,' "$tmp/out" || fail "$name: not on the host"
	grep -q '^stages: 0 on the device, 1 on the host; device FLOPs share 0.0% ' "$tmp/out" ||
		fail "$name: no stages line with the device's FLOPs share"
done
# The same in JSON: the counts and the share.
model test_gemm_alpha --json
[ "$rc" -eq 0 ] || fail "test_gemm_alpha --json exited $rc"
if command -v python3 > /dev/null; then
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
assert o["host_nodes"] == 1 and o["device_nodes"] == 0 and o["host_stages"] == 1, o
assert o["device_flops_share"] == 0 and o["host_flops"] == 2 * 3 * 4 * 5, o
assert o["result"] == "PASS", o' "$tmp/out" || fail "test_gemm_alpha --json: bad partition"
fi
# A device model reports all of its FLOPs on the device.
model test_matmul_2d
grep -q '^stages: 1 on the device, 0 on the host; device FLOPs share 100.0% ' "$tmp/out" ||
	fail "test_matmul_2d: not all on the device"

# An operator neither side can run (the reader knows no Det): status 2, the operator named.
model test_det_2d
[ "$rc" -eq 2 ] || fail "test_det_2d exited $rc, not 2"
grep -q '(Det)' "$tmp/err" || fail "test_det_2d: the message does not name Det"

# A reference output with its last value changed: status 1 and FAIL.
cp -r "$data/test_relu/test_data_set_0" "$tmp/bad"
out0=$tmp/bad/output_0.pb
# The last 4 bytes are the last float of raw_data: make it 65536.0.
printf '\x00\x00\x80\x47' | dd of="$out0" bs=1 seek=$(($(stat -c %s "$out0") - 4)) conv=notrunc 2> /dev/null
run "$data/test_relu/model.onnx" --data "$tmp/bad"
[ "$rc" -eq 1 ] || fail "altered reference exited $rc, not 1"
grep -q ' FAIL$' "$tmp/out" || fail "altered reference: no FAIL"

# --atol widens the tolerance: a large enough one accepts the altered value.
run "$data/test_relu/model.onnx" --data "$tmp/bad" --atol 1e6
[ "$rc" -eq 0 ] || fail "--atol 1e6 exited $rc, not 0"

# --iterations: the latency line after the comparison.
model test_matmul_2d --iterations 3
[ "$rc" -eq 0 ] || fail "--iterations exited $rc"
grep -qE '^latency_ms median=[0-9.]+ min=[0-9.]+ max=[0-9.]+$' "$tmp/out" || fail "no latency line"

# --json: one valid object saying PASS.
model test_matmul_2d --json
[ "$rc" -eq 0 ] || fail "--json exited $rc"
if command -v python3 > /dev/null; then
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["result"] == "PASS", o' \
		"$tmp/out" || fail "--json is not an object with result PASS"
fi

# Bad usage: no model, a missing model, an unknown option.
run
[ "$rc" -eq 2 ] || fail "no model exited $rc, not 2"
run "$tmp/none.onnx"
[ "$rc" -eq 2 ] || fail "a missing model exited $rc, not 2"
run --bogus "$data/test_relu/model.onnx"
[ "$rc" -eq 2 ] || fail "an unknown option exited $rc, not 2"
echo "accel-run: ok"

# A graph input that a node needs constant (Reshape's shape) takes its --data value: the
# program is specialised for it, says so, and matches; without --data the model is refused.
model test_reshape_negative_dim
[ "$rc" -eq 0 ] || fail "test_reshape_negative_dim exited $rc, not 0"
grep -q "^input 1 'shape': bound to its --data value" "$tmp/out" || fail "no bound-input line"
grep -q ' PASS$' "$tmp/out" || fail "test_reshape_negative_dim: no PASS"
run "$data/test_reshape_negative_dim/model.onnx"
[ "$rc" -eq 2 ] || fail "test_reshape_negative_dim without --data exited $rc, not 2"
grep -q "(Reshape)" "$tmp/err" || fail "the refusal does not name Reshape"
