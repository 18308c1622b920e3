#!/usr/bin/env bash
# The reliability campaigns of issue 11 (R2, R3, R5; tests/reliability/): each program runs
# under a time limit, prints its figures, and kills and reaps everything it started. The
# figures go to stdout and to BUILD/reliability.txt; the exit status is non-zero when a
# campaign failed, timed out, or left a process behind.
#
#   scripts/reliability.sh [BUILD] [--quick]
#
# --quick runs each campaign at a small scale (about half a minute in all) instead of the
# issue's: 1000 injected faults, 1000 killed clients, 64 clients x 10 000 jobs.
set -uo pipefail
build=build
quick=0
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	-*) echo "usage: $0 [BUILD] [--quick]" >&2; exit 2 ;;
	*) build=$a ;;
	esac
done
out=$build/reliability.txt
if [ $quick = 1 ]; then
	r2_args="--events 60"; r3_args="--kills 60"; r5_args="--clients 12 --jobs 500"
else
	r2_args=""; r3_args=""; r5_args=""
fi
# Campaign, its arguments, its time limit (s): the program's own watchdog is set a little
# below the limit that timeout(1) enforces from outside.
campaigns=(
	"rel_r2_faults|$r2_args|900"
	"rel_r3_kills|$r3_args|900"
	"rel_r5_priorities|$r5_args|900"
)
export ACCEL_LOG=${ACCEL_LOG:-err}

# Processes still running campaign binary $1, or anything on a campaign's private root
# (acceld --root .../accel-rel-...): "pid command" lines. Reads /proc (procps may be absent).
leftovers() {
	local d cmd
	for d in /proc/[0-9]*; do
		[ "${d#/proc/}" = $$ ] && continue
		cmd=$( { tr '\0' ' ' < "$d/cmdline"; } 2>/dev/null ) || continue
		case $cmd in
		*"$1"*|*accel-rel-*) echo "${d#/proc/} $cmd" ;;
		esac
	done
}
failed=()
{
	echo "# make reliability, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -m) $(nproc) cpus" \
	     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
} | tee "$out"
for c in "${campaigns[@]}"; do
	IFS='|' read -r name args limit <<< "$c"
	bin=$build/bin/$name
	if [ ! -x "$bin" ]; then
		echo "$name: not built ($bin)" | tee -a "$out"
		failed+=("$name(missing)")
		continue
	fi
	echo | tee -a "$out"
	echo "\$ $bin $args --limit $((limit - 30))" | tee -a "$out"
	start=$(date +%s)
	# shellcheck disable=SC2086
	timeout -k 10 "$limit" "$bin" $args --limit $((limit - 30)) 2>&1 | tee -a "$out"
	rc=${PIPESTATUS[0]}
	echo "($name: exit status $rc, $(( $(date +%s) - start )) s)" | tee -a "$out"
	[ "$rc" = 0 ] || failed+=("$name(status $rc)")
	# Nothing it started may outlive it: its daemon or clients would still run this binary
	# or acceld on the campaign's private root.
	sleep 1
	left=$(leftovers "$build/bin/$name")
	if [ -n "$left" ]; then
		echo "$name left processes behind:" | tee -a "$out"
		echo "$left" | tee -a "$out"
		failed+=("$name(left processes)")
	fi
done
echo | tee -a "$out"
if [ ${#failed[@]} = 0 ]; then
	echo "reliability: every campaign passed (figures in $out)" | tee -a "$out"
	exit 0
fi
echo "reliability: FAILED: ${failed[*]} (figures in $out)" | tee -a "$out"
exit 1
