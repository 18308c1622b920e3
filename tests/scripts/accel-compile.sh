#!/usr/bin/env bash
# `accel compile` and `accel run PROGRAM` on ONNX's own test data (Debian libonnx-testdata):
# a compiled program is a program file (ACCELPRG magic) that runs, embedded and through acceld,
# with the outputs `accel run MODEL.onnx` gives (device stages, host stages, both); the compile
# report names the phases, the passes, the partition and the memory (and --json says it as one
# object); --profile writes one well-formed record per device stage and node (JSON lines,
# CSV); an unsupported model is status 2 naming the op, a device that is no vnpu 3, bad usage 2,
# a truncated program 2, a model over --device's memory 2. Skipped (77) without the test data.
#
#   tests/scripts/accel-compile.sh ACCEL_BINARY ACCELD_BINARY
set -euo pipefail
accel=$1
acceld=$2
data=/usr/share/libonnx-testdata/data
if [ ! -d "$data/node" ]; then
	echo "accel-compile: $data absent (libonnx-testdata): skipped"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-compile.XXXXXX")
daemon_pid=
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2> /dev/null || true
		wait "$daemon_pid" 2> /dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
# A fresh root that no daemon serves: the core runs embedded with its default vnpu.
export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
unset ACCEL_BACKEND ACCEL_CONFIG

cmd() { rc=0; "$accel" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
# The lines of a run that must not depend on how the program was obtained: the outputs.
outputs() { grep '^output ' "$tmp/out" > "$1" || true; }

# Device only, host only, and a graph whose Tanh the passes fuse into its producer.
for t in node/test_conv_with_strides_padding node/test_gemm_alpha \
	 pytorch-operator/test_operator_basic; do
	name=${t##*/}
	cmd compile "$data/$t/model.onnx" -o "$tmp/$name.prog"
	[ "$rc" -eq 0 ] || fail "compile $name exited $rc"
	[ "$(head -c 8 "$tmp/$name.prog")" = ACCELPRG ] || fail "$name.prog has no ACCELPRG magic"
	for l in '^time_ms import=[0-9.]+ passes=[0-9.]+ codegen=[0-9.]+ write=[0-9.]+$' \
		 '^passes: [0-9]+ nodes -> [0-9]+; ' '^partition: [0-9]+ on the device, [0-9]+ on the host' \
		 '^memory: [0-9]+ slots, [0-9]+ bytes'; do
		grep -qE "$l" "$tmp/out" || fail "compile $name: no line matching $l"
	done
	cmd run "$data/$t/model.onnx" --data "$data/$t/test_data_set_0"
	[ "$rc" -eq 0 ] || fail "run $name.onnx exited $rc"
	outputs "$tmp/model.txt"
	cmd run "$tmp/$name.prog" --data "$data/$t/test_data_set_0"
	[ "$rc" -eq 0 ] || fail "run $name.prog exited $rc"
	grep -q ' PASS$' "$tmp/out" || fail "$name.prog: no PASS"
	outputs "$tmp/prog.txt"
	cmp -s "$tmp/model.txt" "$tmp/prog.txt" || fail "$name.prog: outputs differ from the model's"
done
grep -q '1 activations fused' <("$accel" compile "$data/pytorch-operator/test_operator_basic/model.onnx" \
	-o "$tmp/basic.prog") || fail "test_operator_basic: the passes fused no activation"
cmd compile "$data/pytorch-operator/test_operator_basic/model.onnx" -o "$tmp/nopasses.prog" --no-passes
grep -q '^passes (off): 5 nodes -> 5;' "$tmp/out" || fail "--no-passes: the passes ran"

# Through acceld: the same program on the vnpu of a daemon's root.
droot=$tmp/droot
mkdir -p "$droot"
"$acceld" --root "$droot" --log-level err --ready-fd 3 3> "$tmp/ready" &
daemon_pid=$!
for _ in $(seq 200); do
	[ -s "$tmp/ready" ] && break
	sleep 0.05
done
[ -s "$tmp/ready" ] || fail "acceld did not start"
t=pytorch-operator/test_operator_basic
cmd run "$data/$t/model.onnx" --data "$data/$t/test_data_set_0"
outputs "$tmp/model.txt"
ACCEL_ROOT=$droot ACCEL_BACKEND=daemon cmd run "$tmp/test_operator_basic.prog" --data "$data/$t/test_data_set_0"
[ "$rc" -eq 0 ] || fail "run through acceld exited $rc"
outputs "$tmp/prog.txt"
cmp -s "$tmp/model.txt" "$tmp/prog.txt" || fail "through acceld: outputs differ from the model's"
kill "$daemon_pid"
wait "$daemon_pid" 2> /dev/null || true
daemon_pid=

# --json: one object with the phases, the passes and the partition.
cmd compile "$data/$t/model.onnx" -o "$tmp/j.prog" --json
[ "$rc" -eq 0 ] || fail "compile --json exited $rc"
if command -v python3 > /dev/null; then
	python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
assert set(o["compile_ms"]) == {"import", "passes", "codegen", "write"}, o
assert o["passes"]["nodes_before"] == 5 and o["passes"]["nodes_after"] == 4, o
assert o["passes"]["activations_fused"] == 1 and o["host_nodes"] == 0, o
assert o["device_nodes"] == 4 and o["device_flops_share"] == 1, o' "$tmp/out" ||
		fail "compile --json: bad object"
fi

# --profile: JSON lines, one per device stage and node; CSV with a header. A model with
# both kinds of stage (one of its nodes runs on the host).
t=pytorch-operator/test_operator_symbolic_override_nested
cmd compile "$data/$t/model.onnx" -o "$tmp/mixed.prog"
[ "$rc" -eq 0 ] || fail "compile the mixed model exited $rc"
cmd run "$tmp/mixed.prog" --data "$data/$t/test_data_set_0" --profile "$tmp/p.jsonl"
[ "$rc" -eq 0 ] || fail "--profile exited $rc"
cmd run "$tmp/mixed.prog" --profile "$tmp/p.csv"
[ "$rc" -eq 0 ] || fail "--profile .csv exited $rc"
if command -v python3 > /dev/null; then
	python3 -c 'import csv,json,sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert recs and all(set(r) == {"stage","kind","node","op","stream_bytes","ms"} for r in recs), recs
assert all(r["ms"] >= 0 for r in recs), recs
dev = [r for r in recs if r["kind"] == "device" and r["node"] is None]
host = [r for r in recs if r["kind"] == "host"]
assert dev and all(r["op"] is None and r["stream_bytes"] > 0 for r in dev), recs
assert host and all(r["op"] for r in host), recs
assert [r["stage"] for r in recs] == sorted(r["stage"] for r in recs), recs
rows = list(csv.reader(open(sys.argv[2])))
assert rows[0] == ["stage","kind","node","op","stream_bytes","ms"], rows
assert len(rows) == 1 + len(recs), rows' "$tmp/p.jsonl" "$tmp/p.csv" || fail "--profile: malformed"
fi

# Errors: an op nothing runs (2, named), no vnpu at --device (3), bad usage (2), a missing model
# (2), a truncated program (2, the loader says so).
cmd compile "$data/node/test_det_2d/model.onnx" -o "$tmp/det.prog"
[ "$rc" -eq 2 ] || fail "test_det_2d exited $rc, not 2"
grep -q '(Det)' "$tmp/err" || fail "test_det_2d: the message does not name Det"
[ ! -e "$tmp/det.prog" ] || fail "a failed compile wrote a program"
cmd compile "$data/node/test_relu/model.onnx" -o "$tmp/r.prog" --device "$tmp/none"
[ "$rc" -eq 3 ] || fail "--device with no vnpu exited $rc, not 3"
cmd compile "$data/node/test_relu/model.onnx"
[ "$rc" -eq 2 ] || fail "no -o exited $rc, not 2"
cmd compile "$tmp/none.onnx" -o "$tmp/r.prog"
[ "$rc" -eq 2 ] || fail "a missing model exited $rc, not 2"
cmd compile --bogus "$data/node/test_relu/model.onnx" -o "$tmp/r.prog"
[ "$rc" -eq 2 ] || fail "an unknown option exited $rc, not 2"
head -c 100 "$tmp/test_gemm_alpha.prog" > "$tmp/short.prog"
cmd run "$tmp/short.prog"
[ "$rc" -eq 2 ] || fail "a truncated program exited $rc, not 2"
grep -q 'program file' "$tmp/err" || fail "a truncated program: no message from the loader"
# A model whose device memory (a 68 MB intermediate) exceeds a 64 MiB vnpu: `compile --device`
# refuses it (2) naming what it needs and writes nothing, and `run` refuses it (2) alike. The
# model, Relu then Sigmoid on a float[17, 1000000] input, is ONNX protobuf written here.
header='\x08\x08\x42\x02\x10\x0d\x3a\x50'		# ir_version 8, opset 13, the graph
nodes='\x0a\x0c\x0a\x01x\x12\x01r\x22\x04Relu\x0a\x0f\x0a\x01r\x12\x01y\x22\x07Sigmoid\x12\x01g'
dims='\x12\x10\x0a\x0e\x08\x01\x12\x0a\x0a\x02\x08\x11\x0a\x04\x08\xc0\x84\x3d'	# float[17, 1000000]
printf "$header$nodes"'\x5a\x15\x0a\x01x'"$dims"'\x62\x15\x0a\x01y'"$dims" > "$tmp/big.onnx"
mkdir -p "$tmp/small"
printf '[vnpu.0]\ndriver = vnpu\nvram_size = 64M\n' > "$tmp/small.conf"
ACCEL_ROOT=$tmp/small ACCEL_CONFIG=$tmp/small.conf cmd compile "$tmp/big.onnx" -o "$tmp/big.prog" \
	--no-passes --device /dev/accel/accel0
[ "$rc" -eq 2 ] || fail "a model over --device's memory exited $rc, not 2"
grep -q 'model needs 65 MiB of device memory, /dev/accel/accel0 has 64 MiB' "$tmp/err" ||
	fail "a model over --device's memory: no message saying so"
[ ! -e "$tmp/big.prog" ] || fail "a model over --device's memory was written"
ACCEL_ROOT=$tmp/small ACCEL_CONFIG=$tmp/small.conf cmd run "$tmp/big.onnx" --no-passes
[ "$rc" -eq 2 ] || fail "run of a model over the device's memory exited $rc, not 2"
grep -q 'model needs 65 MiB of device memory' "$tmp/err" || fail "run: no memory message"
echo "accel-compile: ok"
