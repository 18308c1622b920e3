#!/usr/bin/env bash
# Compare a conformance program's output with the kernel's recorded answers, key by key.
#
#   conformance-compare.sh PROGRAM KERNEL_OUT DIFFERENCES_MD NAME [ACCELD]
#
# With ACCELD (the daemon's binary) the program runs against a real acceld serving a fresh
# root, so the same answers are checked through the socket protocol; without, embedded.
#
# Every key must have the kernel's value, or be listed (as `KEY`) in DIFFERENCES_MD with its
# reason. Keys the oracle adds about itself (ORACLE.*) are not compared. Writes the counts to
# $(dirname PROGRAM)/../conformance/NAME.counts for the summary `make check` prints.
set -euo pipefail
prog=$1 kernel=$2 diffs=$3 name=$4 acceld=${5:-}

[ -f "$kernel" ] || { echo "no kernel recording $kernel: run 'make conformance-record'" >&2; exit 1; }
root=$(mktemp -d "${TMPDIR:-/tmp}/accel-conf-$name.XXXXXX")
cleanup() {
	if [ -n "$acceld" ] && [ -f "$root/root/acceld.pid" ]; then
		kill "$(cat "$root/root/acceld.pid")" 2>/dev/null || true
		for _ in $(seq 50); do [ -f "$root/root/acceld.pid" ] || break; sleep 0.1; done
	fi
	rm -rf "$root"
}
trap cleanup EXIT
out=$root/out.txt
if [ -n "$acceld" ]; then
	"$acceld" --root "$root/root" --daemon --log-level err
	name="$name.daemon"
fi
ACCEL_ROOT=$root/root ACCEL_LOG=err "$prog" > "$out"

declare -A K A
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

compared=0 equal=0 listed=0 bad=0
for k in "${!K[@]}" "${!A[@]}"; do echo "$k"; done | sort -u > "$root/keys"
while IFS= read -r k; do
	compared=$((compared + 1))
	kv=${K[$k]-<absent>} av=${A[$k]-<absent>}
	if [ "$kv" == "$av" ]; then
		equal=$((equal + 1))
	elif grep -qF "\`$k\`" "$diffs"; then
		listed=$((listed + 1))
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
