#!/usr/bin/env bash
# accel list, info and top on a real kernel: inside the kernel oracle's guest (Linux 6.12 with
# the accel_oracle driver, ../shared/oracle), tests/tools/kernel/tools_guest.c holds
# /dev/accel/accel0 (and vgem's card0) and runs the static accel-kernel: `list --json`,
# `info --json accel0`, `top -J -n 2`. Their output is recorded in tests/tools/kernel/
# (list.json, info.json, top.json, and the guest's own fdinfo of both nodes in fdinfo.txt).
#
#   tests/tools/kernel-record.sh [--record] [BUILD_DIR]
#
# Without --record: run again and compare with the recording: the same fields, and the same
# devices and drivers (tests/tools/json_shape.c: counters, times and pids may differ), and the
# guest's process listed as the client of accel0 and card0. Exits 77 (skipped) without the
# oracle. BUILD_DIR (default build/) is where accel-kernel and json_shape are built.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
oracle=${ACCEL_ORACLE:-$top/../shared/oracle}
record=0
if [ "${1:-}" = --record ]; then
	record=1
	shift
fi
build=${1:-$top/build}
rec=$top/tests/tools/kernel
if [ ! -x "$oracle/run.sh" ]; then
	echo "tools/kernel-record: no kernel oracle at $oracle (set ACCEL_ORACLE): skipped"
	exit 77
fi
cmake --build "$build" --target accel_kernel_static tools_json_shape > /dev/null
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-tools-kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ORACLE_EXTRA_BINS=$build/static/accel-kernel "$oracle/run.sh" "$top/tests/tools/kernel/tools_guest.c" \
	> "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err" >&2; fail "the oracle's guest failed"; }
for k in T.OPEN=1,1 T.CREATE_DUMB=0 T.CREATE_BO=0 T.SUBMIT=0 T.SIGNAL=0 T.LIST_RC=0 T.INFO_RC=0 \
	 T.TOP_RC=0 ORACLE.KERNEL_OOPS=0 ORACLE.KERNEL_WARN=0; do
	grep -qx "$k" "$tmp/out" || { cat "$tmp/out" >&2; fail "the guest did not answer $k"; }
done
pid=$(sed -n 's/^T.PID=//p' "$tmp/out")
# KEY.NNN=LINE back to the commands' output.
split() { sed -n "s/^$1\.[0-9]*=//p" "$tmp/out" > "$tmp/$2"; }
split LIST list.json
split INFO info.json
split TOP top.json
{ sed -n 's/^FDINFO_ACCEL\.[0-9]*=/accel0: /p' "$tmp/out"; sed -n 's/^FDINFO_CARD\.[0-9]*=/card0: /p' "$tmp/out"; } \
	> "$tmp/fdinfo.txt"
[ "$(wc -l < "$tmp/top.json")" -eq 2 ] || fail "top -J -n 2 did not print two samples"
for node in accel0 card0; do
	grep -q "\"pid\":$pid,\"comm\":\"test\",\"device\":\"$node\"" "$tmp/top.json" ||
		fail "top does not list the guest's process ($pid) as a client of $node"
done
if [ $record = 1 ]; then
	cp "$tmp/list.json" "$tmp/info.json" "$tmp/top.json" "$tmp/fdinfo.txt" "$rec/"
	echo "tools/kernel-record: recorded $rec/{list,info,top}.json, fdinfo.txt"
	exit 0
fi
for f in list info top; do
	"$build/bin/tools_json_shape" "$rec/$f.json" | sort -u > "$tmp/$f.want"
	"$build/bin/tools_json_shape" "$tmp/$f.json" | sort -u > "$tmp/$f.got"
	diff -u "$tmp/$f.want" "$tmp/$f.got" ||
		fail "accel $f on the kernel no longer has the recorded shape ($rec/$f.json)"
done
echo "tools/kernel-record: list, info and top match the kernel recording"
