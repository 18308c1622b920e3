#!/usr/bin/env bash
# Run a program under `accel exec` on a fresh root, embedded or through acceld.
#
#   run-under-shim.sh embedded|daemon ACCEL ACCELD PROGRAM [ARGS...]
#
# daemon: acceld serves the root (in the foreground, as this script's child; it must say it
# serves with --ready-fd and stop on SIGTERM with status 0). The program's status is ours.
set -euo pipefail
mode=$1 accel=$2 acceld=$3
shift 3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-preload.XXXXXX")
chmod 0755 "$tmp"
daemon_pid=
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill -KILL "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/root"
if [ "$mode" = daemon ]; then
	mkfifo "$tmp/ready"
	"$acceld" --root "$tmp/root" --log-level err --ready-fd 3 3>"$tmp/ready" &
	daemon_pid=$!
	ready=
	read -r -t 30 ready < "$tmp/ready" || true
	[ "$ready" = "READY=1" ] || { echo "FAIL: acceld did not start serving $tmp/root" >&2; exit 1; }
fi
status=0
ACCEL_LOG=${ACCEL_LOG:-err} "$accel" exec --root "$tmp/root" --backend "$mode" -- "$@" || status=$?
if [ -n "$daemon_pid" ]; then
	dstatus=0
	kill -TERM "$daemon_pid" 2>/dev/null || true
	wait "$daemon_pid" || dstatus=$?
	daemon_pid=
	if [ "$dstatus" != 0 ]; then
		echo "FAIL: acceld did not stop cleanly (exit status $dstatus)" >&2
		exit 1
	fi
fi
exit "$status"
