#!/usr/bin/env bash
# `accel run --profile` times each node of a device stage from the stage's TIMESTAMP packets:
# on a model of two convolutions (tests/scripts/data/two_convs.onnx: x[1,2,8,8] -> Conv
# conv1 (4 channels, bias) -> Conv conv2 -> y, 3x3 kernels, pads 1; written once with the onnx
# Python package's helper, the test does not need it) the profile has the stage's record and
# one record per node, each with its op and a non-negative time, and the nodes' times add up
# to no more than the stage's; the same for the program `accel compile` writes (JSON lines),
# whose file keeps the timestamp map, embedded and through acceld.
#
#   tests/scripts/accel-run-profile.sh ACCEL_BINARY ACCELD_BINARY
set -euo pipefail
accel=$1
acceld=$2
model=$(dirname "$0")/data/two_convs.onnx
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-run-profile.XXXXXX")
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

run() { rc=0; "$accel" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }

# check_profile FILE: the records of FILE (CSV rows "stage,kind,node,op,stream_bytes,ms", as
# awk reads them once the quotes are gone) are the device stage's, then conv1's and conv2's,
# each time non-negative, the nodes' sum within the stage's.
check_profile() {
	local why
	why=$(tr -d '"' < "$1" | awk -F, '
		NR == 1 { if ($0 != "stage,kind,node,op,stream_bytes,ms") { print "header: " $0; exit } next }
		{ rows++; if ($6 !~ /^[0-9.]+(e[-+]?[0-9]+)?$/) { print "row " rows ": time " $6; exit } }
		rows == 1 { if ($1 != 0 || $2 != "device" || $3 != "" || $5 <= 0) { print "no stage row: " $0; exit }
			    stage = $6; next }
		{ if ($1 != 0 || $2 != "device" || $4 != "Conv") { print "not a device Conv: " $0; exit }
		  names = names $3 " "; sum += $6 }
		END { if (rows != 3) print rows " records, not 3";
		      else if (names != "conv1 conv2 ") print "nodes: " names;
		      else if (sum > stage) print "nodes " sum " ms > stage " stage " ms" }')
	[ -z "$why" ] || fail "$1: $why"
}

run run "$model" --profile "$tmp/p.csv"
[ "$rc" -eq 0 ] || fail "--profile exited $rc"
check_profile "$tmp/p.csv"

# A compiled program carries the timestamps and their map: no recompiling to profile it. JSON
# lines, made CSV-like for the same check (no node or op here has a comma or a quote).
run compile "$model" -o "$tmp/two.prog"
[ "$rc" -eq 0 ] || fail "compile exited $rc"
run run "$tmp/two.prog" --profile "$tmp/p.jsonl"
[ "$rc" -eq 0 ] || fail "--profile of the program exited $rc"
# check_jsonl FILE: check_profile on FILE's records as CSV.
check_jsonl() {
	{
		echo "stage,kind,node,op,stream_bytes,ms"
		sed -E 's/^\{"stage":([0-9]+),"kind":"([a-z]+)","node":(null|"[^"]*"),"op":(null|"[^"]*"),"stream_bytes":([0-9]+),"ms":([^}]*)\}$/\1,\2,\3,\4,\5,\6/; s/null//g' \
			"$1"
	} > "$tmp/as.csv"
	check_profile "$tmp/as.csv"
}
check_jsonl "$tmp/p.jsonl"

# Through acceld: the device writes the timestamps into a buffer of the daemon's, which the
# client reads through its mapping.
droot=$tmp/droot
mkdir -p "$droot"
"$acceld" --root "$droot" --log-level err --ready-fd 3 3> "$tmp/ready" &
daemon_pid=$!
for _ in $(seq 200); do
	[ -s "$tmp/ready" ] && break
	sleep 0.05
done
[ -s "$tmp/ready" ] || fail "acceld did not start"
ACCEL_ROOT=$droot ACCEL_BACKEND=daemon run run "$tmp/two.prog" --profile "$tmp/d.jsonl"
[ "$rc" -eq 0 ] || fail "--profile through acceld exited $rc"
check_jsonl "$tmp/d.jsonl"
echo "accel-run-profile: ok"
