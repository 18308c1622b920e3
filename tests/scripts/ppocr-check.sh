#!/usr/bin/env bash
# PP-OCRv4 with its real weights (models/ppocr, `make models-ppocr`): `accel run` of the
# detection and the recognition models on the rendered test image's inputs matches
# onnxruntime's outputs (det_data/, rec_data/) within accel run's default tolerances,
# embedded and through acceld; and the OCR example (examples/python/ocr.py, through the
# Python package) prints the text the image was rendered with (text.txt). Skipped (77) when
# models/ppocr has not been made.
#
#   tests/scripts/ppocr-check.sh ACCEL_BINARY ACCELD_BINARY MODEL_DIR [PYTHON_LIBRARY]
#
# PYTHON_LIBRARY: libaccel_python.so for the example (with /usr/bin/python3 and numpy); the
# example's check is skipped with a message without it.
set -euo pipefail
accel=$1
acceld=$2
dir=$3
pylib=${4:-}
src=$(cd "$(dirname "$0")/../.." && pwd)
for f in det.onnx rec.onnx ppocr_keys_v1.txt text.txt det_data/output_0.pb rec_data/output_0.pb; do
	if [ ! -r "$dir/$f" ]; then
		echo "ppocr-check: $dir/$f missing (make models-ppocr): skipped"
		exit 77
	fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ppocr-check.XXXXXX")
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

fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }

# check_model NAME OUTPUT [how]: accel run NAME.onnx --data NAME_data passes, output 0 named
# OUTPUT within the default tolerances; the shapes come from the data set's input_0.pb.
check_model() {
	local rc=0
	"$accel" run "$dir/$1.onnx" --data "$dir/${1}_data" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" -eq 0 ] || fail "$1${3:+ $3}: accel run exited $rc, not 0"
	grep -q "^output 0 '$2': .* mismatches=0 PASS$" "$tmp/out" || fail "$1${3:+ $3}: no PASS"
	echo "$1${3:+ $3}: $(grep "^output 0" "$tmp/out")"
}
check_model det sigmoid_0.tmp_0
check_model rec softmax_11.tmp_0

# Through acceld: the same runs in the daemon's vnpu.
droot=$tmp/droot
mkdir -p "$droot"
"$acceld" --root "$droot" --log-level err --ready-fd 3 3> "$tmp/ready" &
daemon_pid=$!
for _ in $(seq 200); do
	[ -s "$tmp/ready" ] && break
	sleep 0.05
done
: > "$tmp/out"; : > "$tmp/err"
[ -s "$tmp/ready" ] || fail "acceld did not start"
ACCEL_ROOT=$droot ACCEL_BACKEND=daemon check_model det sigmoid_0.tmp_0 "through acceld"
ACCEL_ROOT=$droot ACCEL_BACKEND=daemon check_model rec softmax_11.tmp_0 "through acceld"

# The OCR example prints the rendered text, line for line.
if [ -z "$pylib" ] || ! /usr/bin/python3 -c 'import numpy' 2> /dev/null; then
	echo "ppocr-check: no Python library or numpy: the OCR example is not checked"
	exit 0
fi
rc=0
PYTHONPATH=$src/python ACCEL_LIBRARY=$pylib /usr/bin/python3 "$src/examples/python/ocr.py" \
	"$dir/image.ppm" "$dir" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || fail "ocr.py exited $rc"
diff -u "$dir/text.txt" "$tmp/out" > "$tmp/diff" || { cat "$tmp/diff"; fail "ocr.py printed other text"; }
echo "ocr.py:"
cat "$tmp/out"
echo "ppocr-check: ok"
