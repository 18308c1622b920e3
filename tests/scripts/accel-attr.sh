#!/usr/bin/env bash
# The attribute tree of acceld's root as a shell and `accel attr` reach it.
#   fuse:  ROOT/sys is served live: a child shell's echo is the store's call (its errno comes
#          back as the shell's write error), a read shows a reset at once; a daemon killed
#          with its mounts up has them detached by its watcher, or (watcher stopped) left
#          stale, and the next acceld starts all the same; SIGTERM unmounts. Skipped (77)
#          where FUSE cannot mount here.
#   files: ACCEL_FUSE=0: rendered files, which a shell's write does not reach.
# In both, `accel attr get|set` reaches the show and store callbacks through acceld (and an
# embedded core of its own), with the store's error, and refuses bad arguments with one line
# and status 2.
#
#   tests/scripts/accel-attr.sh ACCEL_BINARY ACCELD_BINARY fuse|files
set -euo pipefail
accel=$1
acceld=$2
mode=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-attr.XXXXXX")
root=$tmp/root
daemon_pid=
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill -9 "$daemon_pid" 2> /dev/null || true
		wait "$daemon_pid" 2> /dev/null || true
	fi
	# A daemon killed with its mounts up leaves them: detach before removing.
	for m in "$root/sys" "$root/proc"; do
		while [ "$(mounts_at "$m")" -gt 0 ]; do
			umount -l "$m" 2> /dev/null || break
		done
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$tmp"/out "$tmp"/err "$tmp"/acceld.err; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }

case $mode in
fuse) export ACCEL_FUSE=1 ;;
files) export ACCEL_FUSE=0 ;;
*) echo "accel-attr.sh: mode '$mode' is not fuse or files"; exit 2 ;;
esac
mkdir -p "$root"
unset ACCEL_CONFIG
export ACCEL_ROOT=$root ACCEL_BACKEND=daemon

start_acceld() {
	rm -f "$tmp/ready"
	"$acceld" --root "$root" --log-level err --ready-fd 3 3> "$tmp/ready" 2> "$tmp/acceld.err" &
	daemon_pid=$!
	for _ in $(seq 400); do
		[ -s "$tmp/ready" ] && break
		kill -0 "$daemon_pid" 2> /dev/null || break
		sleep 0.05
	done
	[ "$(cat "$tmp/ready")" = "READY=1" ] || fail "acceld did not say READY=1"
}
stop_acceld() {
	local rc=0
	kill -TERM "$daemon_pid"
	wait "$daemon_pid" || rc=$?
	daemon_pid=
	[ "$rc" -eq 0 ] || fail "acceld exited $rc after SIGTERM, not 0"
}
# The accel mounts on PATH: mountinfo's field 5 is the mount point, the type follows " - ".
mounts_at() { awk -v p="$1" '$5 == p && / - fuse\.accel / { n++ } END { print n + 0 }' /proc/self/mountinfo; }
mounted() { [ "$(mounts_at "$root/sys")" -gt 0 ]; }

start_acceld
dbg=sys/kernel/debug/accel/vnpu.0
resets=sys/devices/platform/vnpu.0/engines/compute0/resets

if [ "$mode" = fuse ]; then
	if ! mounted; then
		echo "accel-attr: FUSE cannot mount under $root here: skipped"
		stop_acceld
		exit 77
	fi
	# A child shell's echo is the store's call; cat is its show.
	sh -c "echo 1 > $root/$dbg/inject_hang" || fail "echo 1 > inject_hang failed"
	[ "$(cat "$root/$dbg/inject_hang")" = 1 ] || fail "inject_hang reads $(cat "$root/$dbg/inject_hang") after echo 1"
	# The store's -EINVAL is the shell's write error.
	if bash -c "echo bogus > $root/$dbg/inject_hang" 2> "$tmp/err"; then fail "echo bogus was accepted"; fi
	grep -q "write error: Invalid argument" "$tmp/err" || fail "echo bogus: no 'Invalid argument'"
	# Live: a reset shows in the counter at once (rendered files lag a refresh period).
	before=$(cat "$root/$resets")
	sh -c "echo compute0 > $root/$dbg/inject_reset" || fail "echo compute0 > inject_reset failed"
	[ "$(cat "$root/$resets")" = $((before + 1)) ] || fail "resets did not move from $before at once"
	# The tree's shape: symlinks, directories, modes.
	[ -L "$root/sys/class/accel/accel0" ] || fail "sys/class/accel/accel0 is not a symlink"
	[ -r "$root/sys/class/accel/accel0/dev" ] || fail "sys/class/accel/accel0/dev does not resolve"
	[ "$(stat -c %a "$root/$dbg/inject_hang")" = 600 ] || fail "inject_hang is not mode 600"
	sh -c "echo 0 > $root/$dbg/inject_hang"
else
	mounted && fail "ROOT/sys is mounted with ACCEL_FUSE=0"
	# The rendered copy takes the write; the store never sees it.
	sh -c "echo 1 > $root/$dbg/inject_hang" || fail "writing the rendered file failed"
	[ "$("$accel" attr get $dbg/inject_hang)" = 0 ] || fail "a write of the rendered file reached the store"
fi

# accel attr: through acceld, in both modes.
"$accel" attr set $dbg/inject_hang 2 || fail "accel attr set inject_hang 2 failed"
[ "$("$accel" attr get $dbg/inject_hang)" = 2 ] || fail "accel attr get inject_hang is not 2"
[ "$("$accel" attr get "$root/$dbg/inject_hang")" = 2 ] || fail "a full path under the root is not read"
before=$("$accel" attr get $resets)
"$accel" attr set /$dbg/inject_reset compute0 || fail "accel attr set inject_reset failed"
[ "$("$accel" attr get $resets)" = $((before + 1)) ] || fail "accel attr: resets did not move"
rc=0
"$accel" attr set $dbg/inject_hang bogus 2> "$tmp/err" || rc=$?
[ "$rc" = 1 ] || fail "accel attr set bogus exited $rc, not 1"
grep -q "Invalid argument" "$tmp/err" || fail "accel attr set bogus: no 'Invalid argument'"
rc=0
"$accel" attr get sys/no/such 2> "$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q "No such file or directory" "$tmp/err" || fail "a missing attribute: status $rc"
"$accel" attr set $dbg/inject_hang 0

# Usage errors: one line naming the problem, status 2; --help has examples.
for args in "" "frob x" "get" "get a b" "set $dbg/inject_hang" "set a b c" "--bogus"; do
	rc=0
	# shellcheck disable=SC2086
	"$accel" attr $args > /dev/null 2> "$tmp/err" || rc=$?
	[ "$rc" = 2 ] || fail "accel attr $args exited $rc, not 2"
	[ "$(wc -l < "$tmp/err")" = 1 ] || fail "accel attr $args: not one line"
done
"$accel" attr --help | grep -q "examples:" || fail "accel attr --help has no examples"

if [ "$mode" = fuse ]; then
	# A daemon that dies leaves its mounts to its watcher, which detaches them.
	kill -9 "$daemon_pid"
	wait "$daemon_pid" 2> /dev/null || true
	daemon_pid=
	for _ in $(seq 400); do
		mounted || break
		sleep 0.05
	done
	mounted && fail "the killed daemon's mounts were not detached"
	# Where the watcher cannot (stopped here), the mounts stay stale; the next acceld
	# detaches them and serves. The watcher is the daemon's fork: the same command line.
	start_acceld
	watcher=
	for p in $(pgrep -f -- "--root $root --log-level err"); do
		[ "$p" != "$daemon_pid" ] && watcher=$p
	done
	[ -n "$watcher" ] || fail "no watcher process for acceld $daemon_pid"
	kill -STOP "$watcher"
	kill -9 "$daemon_pid"
	wait "$daemon_pid" 2> /dev/null || true
	daemon_pid=
	mounted || fail "the mounts are not left stale (the test proves nothing)"
	kill -9 "$watcher"
	start_acceld
	[ "$(cat "$root/$dbg/inject_hang")" = 0 ] || fail "the next acceld does not serve the tree"
	[ "$(mounts_at "$root/sys")" = 1 ] || fail "the stale mount was kept beside the new one"
fi
stop_acceld
if mounted; then fail "ROOT/sys is still mounted after acceld stopped"; fi

# accel attr on its own embedded core (another root): the callbacks of that core.
eroot=$tmp/eroot
mkdir -p "$eroot"
[ "$(ACCEL_ROOT=$eroot ACCEL_BACKEND=embedded "$accel" attr get $dbg/inject_reset)" = \
	"compute0 compute1 dma0 dma1 all" ] || fail "accel attr get on the embedded core"
rc=0
ACCEL_ROOT=$eroot ACCEL_BACKEND=embedded "$accel" attr set $dbg/inject_reset nosuch 2> "$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q "Invalid argument" "$tmp/err" || fail "embedded: a refused store gave status $rc"
[ "$(mounts_at "$eroot/sys")" = 0 ] || fail "the embedded core left its mount at exit"
echo "accel-attr ($mode): ok"
