#!/usr/bin/env bash
# A model of models/ through acceld: `accel run MODEL.onnx --data` on the vnpu of a daemon's
# root (ACCEL_BACKEND=daemon: the daemon's node or an error, never the embedded core) matches its reference outputs as it does
# embedded, and the daemon stops cleanly afterwards with every client's memory returned.
# Skipped (77) when the model has not been generated (`make models`).
#
#   tests/scripts/model-through-acceld.sh ACCEL_BINARY ACCELD_BINARY MODEL_DIR
set -euo pipefail
accel=$1
acceld=$2
dir=$3
if [ ! -r "$dir/model.onnx" ] || [ ! -r "$dir/test_data_set_0/output_0.pb" ]; then
	echo "model-through-acceld: $dir not generated (make models): skipped"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/model-through-acceld.XXXXXX")
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
touch "$tmp/out" "$tmp/err"

root=$tmp/root
mkdir -p "$root"
unset ACCEL_CONFIG
"$acceld" --root "$root" --log-level err --ready-fd 3 3> "$tmp/ready" 2> "$tmp/err" &
daemon_pid=$!
for _ in $(seq 400); do
	[ -s "$tmp/ready" ] && break
	kill -0 "$daemon_pid" 2> /dev/null || break
	sleep 0.05
done
[ "$(cat "$tmp/ready")" = "READY=1" ] || fail "acceld did not say READY=1"

rc=0
ACCEL_ROOT=$root ACCEL_BACKEND=daemon "$accel" run "$dir/model.onnx" --data "$dir/test_data_set_0" \
	> "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" -eq 0 ] || fail "accel run through acceld exited $rc, not 0"
n=$(grep -c "^output [0-9]* '.*': .* mismatches=0 PASS$" "$tmp/out" || true)
[ "$n" -ge 1 ] || fail "no output PASSed"
! grep -q "FAIL$" "$tmp/out" || fail "an output FAILed"
cat "$tmp/out"

# The daemon stops with status 0 on SIGTERM.
kill -TERM "$daemon_pid"
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=
[ "$rc" -eq 0 ] || fail "acceld exited $rc after SIGTERM, not 0"
