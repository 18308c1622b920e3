#!/usr/bin/env bash
# Compare a conformance program's output with the kernel's recorded answers, key by key.
#
#   conformance-compare.sh PROGRAM KERNEL_OUT DIFFERENCES_MD NAME [ACCELD]
#
# With ACCELD (the daemon's binary) the program runs against a real acceld serving a fresh
# root, so the same answers are checked through the socket protocol; without, embedded. The
# daemon runs in the foreground as this script's child: it must say it serves (--ready-fd),
# still run when the program is done, and stop on SIGTERM with exit status 0 (under the
# sanitizers a leak or an error makes it non-zero), or the comparison fails.
#
# Every key must have the kernel's value, or be listed in the table of DIFFERENCES_MD as
#   | `KEY` | `kernel value` | `accel value` | reason |
# with exactly the values seen: a listed key whose accel (or kernel) value changed fails, and
# so does a listed key that now has the kernel's value (a stale listing). Keys the oracle adds
# about itself (ORACLE.*) are not compared. Writes the counts to
# $(dirname PROGRAM)/../conformance/NAME.counts for the summary `make check` prints.
set -euo pipefail
prog=$1 kernel=$2 diffs=$3 name=$4 acceld=${5:-}

[ -f "$kernel" ] || { echo "no kernel recording $kernel: run 'make conformance-record'" >&2; exit 1; }
root=$(mktemp -d "${TMPDIR:-/tmp}/accel-conf-$name.XXXXXX")
# Other users reach the nodes, as under /dev (programs test non-root callers).
chmod 0755 "$root"
daemon_pid=
cleanup() {
	# Only a failed run leaves the daemon here.
	if [ -n "$daemon_pid" ]; then
		kill -KILL "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	rm -rf "$root"
}
trap cleanup EXIT
out=$root/out.txt
if [ -n "$acceld" ]; then
	mkfifo "$root/ready"
	# The daemon's descriptor 3 is the FIFO's write end: it opens once we read below.
	"$acceld" --root "$root/root" --log-level err --ready-fd 3 3>"$root/ready" &
	daemon_pid=$!
	ready=
	read -r -t 30 ready < "$root/ready" || true
	if [ "$ready" != "READY=1" ]; then
		echo "FAIL $name: acceld did not start serving $root/root" >&2
		exit 1
	fi
	name="$name.daemon"
fi
ACCEL_ROOT=$root/root ACCEL_LOG=err "$prog" > "$out"
if [ -n "$daemon_pid" ]; then
	status=0
	kill -TERM "$daemon_pid" 2>/dev/null || true
	wait "$daemon_pid" || status=$?
	daemon_pid=
	if [ "$status" != 0 ]; then
		echo "FAIL $name: acceld did not stop cleanly (exit status $status;" \
		     "128+N: killed by signal N; under the sanitizers: a leak or an error)" >&2
		exit 1
	fi
fi

declare -A K A LK LA
while IFS= read -r line; do
	[[ $line == *=* ]] || continue
	k=${line%%=*}; [[ $k == ORACLE.* ]] && continue
	K[$k]=${line#*=}
done < "$kernel"
while IFS= read -r line; do
	[[ $line == *=* ]] || continue
	k=${line%%=*}
	A[$k]=${line#*=}
done < "$out"
# The table of listed differences: | `KEY` | `kernel value` | `accel value` | reason |
row='^\|[[:space:]]*`([^`]+)`[[:space:]]*\|[[:space:]]*`([^`]*)`[[:space:]]*\|[[:space:]]*`([^`]*)`[[:space:]]*\|'
while IFS= read -r line; do
	if [[ $line =~ $row ]]; then
		LK[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
		LA[${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
	fi
done < "$diffs"

compared=0 equal=0 listed=0 bad=0
for k in "${!K[@]}" "${!A[@]}"; do echo "$k"; done | sort -u > "$root/keys"
while IFS= read -r k; do
	compared=$((compared + 1))
	kv=${K[$k]-<absent>} av=${A[$k]-<absent>}
	if [ -n "${LK[$k]+set}" ]; then
		if [ "$kv" == "$av" ]; then
			echo "STALE $k: accel now answers as the kernel ($kv): remove its row from docs/kernel-differences.md"
			bad=$((bad + 1))
		elif [ "$kv" != "${LK[$k]}" ] || [ "$av" != "${LA[$k]}" ]; then
			echo "CHANGED $k: kernel=$kv accel=$av, listed as kernel=${LK[$k]} accel=${LA[$k]} in docs/kernel-differences.md"
			bad=$((bad + 1))
		else
			listed=$((listed + 1))
		fi
	elif [ "$kv" == "$av" ]; then
		equal=$((equal + 1))
	else
		echo "DIFFERS $k: kernel=$kv accel=$av (not listed in docs/kernel-differences.md)"
		bad=$((bad + 1))
	fi
done < "$root/keys"

summary="$name: $compared keys compared, $equal equal, $listed listed differences, $bad unexplained"
echo "$summary"
countdir=$(dirname "$prog")/../conformance
mkdir -p "$countdir"
echo "$name $compared $equal $listed $bad" > "$countdir/$name.counts"
[ "$bad" = 0 ]
