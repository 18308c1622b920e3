#!/usr/bin/env bash
# A torchvision model exported by scripts/models/torchvision_models.py (models/NAME: fixed-seed
# weights) against PyTorch's logits for its reference image: `accel run MODEL.onnx --data`
# takes the batch from the data set, runs every node on the device and matches within
# accel run's default tolerances. Skipped (77) when the model has not been generated
# (`make models`; SqueezeNet 1.1 is committed, ResNet-18 and MobileNetV2 are not).
#
#   tests/scripts/torchvision-run.sh ACCEL_BINARY MODEL_DIR
set -euo pipefail
accel=$1
dir=$2
if [ ! -r "$dir/model.onnx" ] || [ ! -r "$dir/test_data_set_0/output_0.pb" ]; then
	echo "torchvision-run: $dir not generated (make models): skipped"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/torchvision-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A fresh root that no daemon serves, the embedded default vnpu with its default job timeout
# (2 s): the first inference builds every primitive of the model in one job, which on a
# loaded machine takes longer than that in all, but the timeout catches only a job that
# starts no packet for that long (docs/vnpu.md, "Timeouts and recovery").
export ACCEL_ROOT=$tmp/root ACCEL_CONFIG=$tmp/accel.conf
mkdir -p "$ACCEL_ROOT"
printf '[vnpu.0]\ndriver = vnpu\n' > "$ACCEL_CONFIG"
unset ACCEL_BACKEND

fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
rc=0
"$accel" run "$dir/model.onnx" --data "$dir/test_data_set_0" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || fail "accel run exited $rc, not 0"
grep -q "^output 0 'logits': .* mismatches=0 PASS$" "$tmp/out" || fail "logits: no PASS"
# Every FLOP on the device (SqueezeNet's three MaxPools with ceil_mode=1 still run on host
# stages: the vnpu's codegen refuses ceil_mode; they carry no FLOPs in the count).
grep -q "device FLOPs share 100.0%" "$tmp/out" || fail "not every FLOP on the device"
cat "$tmp/out"
