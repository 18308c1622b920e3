#!/usr/bin/env bash
# A model exported by scripts/models/ (models/NAME: fixed-seed weights: the torchvision CNNs,
# the sequence models) against PyTorch's output for its reference input: `accel run
# MODEL.onnx --data` takes the batch from the data set and matches within accel run's default
# tolerances; with "all-device", every FLOP runs on the device (all but the LSTM classifier,
# whose recurrences run on the host: a time step's few products cost less there than a device
# submission each). The embedded default vnpu with its default job timeout: the first
# inference builds every primitive in one job, but the timeout catches only a job that starts
# no packet for that long (docs/vnpu.md, "Timeouts and recovery"). Skipped (77) when the model
# has not been generated (`make models`; SqueezeNet 1.1 and the LSTM classifier are committed).
#
#   tests/scripts/model-run.sh ACCEL_BINARY MODEL_DIR OUTPUT_NAME [all-device]
set -euo pipefail
accel=$1
dir=$2
output=$3
all_device=${4:-}
if [ ! -r "$dir/model.onnx" ] || [ ! -r "$dir/test_data_set_0/output_0.pb" ]; then
	echo "model-run: $dir not generated (make models): skipped"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/model-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A fresh root that no daemon serves.
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
