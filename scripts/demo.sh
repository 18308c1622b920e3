#!/usr/bin/env bash
# The demo: the embedded default devices, listed and described by the accel command, and the
# layout they publish under the root.
set -euo pipefail
build=${1:-build}
if [ -z "${ACCEL_ROOT:-}" ]; then
	# A root of its own, removed at the end (the nodes and the tree are gone with their
	# publishers by then).
	ACCEL_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/accel-demo.XXXXXX")
	own_root=$ACCEL_ROOT
fi
export ACCEL_ROOT
accel=$build/bin/accel

echo "== accel root: $ACCEL_ROOT (no daemon: the core runs embedded in each command)"
echo
echo "== accel list --all"
"$accel" list --all
echo
echo "== accel info accel0"
"$accel" info accel0
echo
# The tree lives while its publisher runs, as sysfs does while a driver is bound: acceld
# serves it (over FUSE where it can mount, rendered files elsewhere) until it is stopped.
"$build/bin/acceld" --root "$ACCEL_ROOT" --daemon --log-level err
trap 'kill "$(cat "$ACCEL_ROOT/acceld.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
echo "== acceld serves the root (pid $(cat "$ACCEL_ROOT/acceld.pid")); its attribute tree:" \
	"$(grep -c " $ACCEL_ROOT/" /proc/self/mounts || true) FUSE mounts"
echo
echo "== the nodes: accelerators under dev/accel, graphics under dev/dri"
(cd "$ACCEL_ROOT" && ls dev/accel dev/dri)
echo
echo "== sys/class/accel/accel0"
(cd "$ACCEL_ROOT/sys/class/accel/accel0" && for f in dev uevent; do echo "-- $f"; cat "$f"; done;
 echo "-- device -> $(readlink device)"; echo "-- subsystem -> $(readlink subsystem)")
echo
echo "== sys/kernel/debug/accel"
(cd "$ACCEL_ROOT/sys/kernel/debug/accel" && ls -l | tail -n +2 && echo "-- example.0/name" && cat example.0/name)
echo
echo "== accel list, through acceld"
"$accel" list
kill "$(cat "$ACCEL_ROOT/acceld.pid")"
while [ -e "$ACCEL_ROOT/acceld.pid" ] && kill -0 "$(cat "$ACCEL_ROOT/acceld.pid" 2>/dev/null)" 2>/dev/null; do
	sleep 0.1
done
trap - EXIT
echo
echo "== examples/vnpu_demo.c: a small conv net as a chain of DMA and compute jobs on the vnpu"
"$build/bin/vnpu-demo"
echo
echo "== examples/vedge_demo.c: an int8 conv, pool and dense layer as one stream on the edge NPU, with and without DMA"
"$build/bin/vedge-demo"
[ -z "${own_root:-}" ] || rm -rf "$own_root"
