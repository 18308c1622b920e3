#!/usr/bin/env bash
# A sequence model exported by scripts/models/sequence_models.py (models/NAME: fixed-seed
# weights) against PyTorch's output for its reference input: `accel run MODEL.onnx --data`
# takes the batch from the data set and matches within accel run's default tolerances; with
# ALL_DEVICE "all-device", every FLOP runs on the device (the transformer encoder; the LSTM
# classifier's recurrences run on the host: a time step's few products cost less there than
# a device submission each). Skipped (77) when the model has not been generated (`make
# models`; the LSTM classifier is committed, the transformer encoder is not).
#
#   tests/scripts/sequence-run.sh ACCEL_BINARY MODEL_DIR OUTPUT_NAME [all-device]
set -euo pipefail
accel=$1
dir=$2
output=$3
all_device=${4:-}
if [ ! -r "$dir/model.onnx" ] || [ ! -r "$dir/test_data_set_0/output_0.pb" ]; then
	echo "sequence-run: $dir not generated (make models): skipped"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sequence-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A fresh root that no daemon serves, the embedded default vnpu (as torchvision-run.sh).
export ACCEL_ROOT=$tmp/root ACCEL_CONFIG=$tmp/accel.conf
mkdir -p "$ACCEL_ROOT"
printf '[vnpu.0]\ndriver = vnpu\n' > "$ACCEL_CONFIG"
unset ACCEL_BACKEND

fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
rc=0
"$accel" run "$dir/model.onnx" --data "$dir/test_data_set_0" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || fail "accel run exited $rc, not 0"
grep -q "^output 0 '$output': .* mismatches=0 PASS$" "$tmp/out" || fail "$output: no PASS"
if [ "$all_device" = all-device ]; then
	grep -q "device FLOPs share 100.0%" "$tmp/out" || fail "not every FLOP on the device"
fi
cat "$tmp/out"
