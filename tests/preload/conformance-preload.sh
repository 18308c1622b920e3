#!/usr/bin/env bash
# The conformance suite built against plain libc (no libaccel) under `accel exec` gives the
# keys of the libaccel build: both run on fresh roots, embedded or through acceld, and every
# KEY=VALUE line must be the same in both, or be listed in the table of DIFFERENCES_MD as
#   | `NAME:KEY` | `libaccel value` | `shim value` | reason |
# with exactly the values seen (a listed key that agrees now is stale, and fails).
#
#   conformance-preload.sh embedded|daemon ACCEL ACCELD LIBACCEL_PROG PLAIN_PROG NAME DIFFERENCES_MD
set -euo pipefail
mode=$1 accel=$2 acceld=$3 libprog=$4 plainprog=$5 name=$6 diffs=$7
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-conf-preload-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The libaccel build, as scripts/conformance-compare.sh runs it.
run_libaccel() {
	local root=$tmp/lroot daemon_pid= status=0
	mkdir -p "$root"
	chmod 0755 "$tmp" "$root"
	if [ "$mode" = daemon ]; then
		mkfifo "$tmp/ready"
		"$acceld" --root "$root" --log-level err --ready-fd 3 3>"$tmp/ready" &
		daemon_pid=$!
		local ready=
		read -r -t 30 ready < "$tmp/ready" || true
		[ "$ready" = "READY=1" ] || { echo "FAIL: acceld did not start" >&2; kill -KILL "$daemon_pid"; exit 1; }
		ACCEL_ROOT=$root ACCEL_BACKEND=daemon ACCEL_LOG=err "$libprog" > "$tmp/libaccel.out" || status=$?
		kill -TERM "$daemon_pid"; wait "$daemon_pid" || true
	else
		ACCEL_ROOT=$root ACCEL_BACKEND=embedded ACCEL_LOG=err "$libprog" > "$tmp/libaccel.out" || status=$?
	fi
	return $status
}
run_libaccel
"$here/run-under-shim.sh" "$mode" "$accel" "$acceld" "$plainprog" > "$tmp/shim.out"

declare -A L S LL LS
while IFS= read -r line; do [[ $line == *=* ]] && L[${line%%=*}]=${line#*=}; done < "$tmp/libaccel.out"
while IFS= read -r line; do [[ $line == *=* ]] && S[${line%%=*}]=${line#*=}; done < "$tmp/shim.out"
row='^\|[[:space:]]*`([^`]+)`[[:space:]]*\|[[:space:]]*`([^`]*)`[[:space:]]*\|[[:space:]]*`([^`]*)`[[:space:]]*\|'
while IFS= read -r line; do
	if [[ $line =~ $row ]] && [[ ${BASH_REMATCH[1]} == "$name:"* ]]; then
		k=${BASH_REMATCH[1]#"$name:"}
		LL[$k]=${BASH_REMATCH[2]}
		LS[$k]=${BASH_REMATCH[3]}
	fi
done < "$diffs"
compared=0 equal=0 listed=0 bad=0
while IFS= read -r k; do
	compared=$((compared + 1))
	lv=${L[$k]-<absent>} sv=${S[$k]-<absent>}
	if [ -n "${LL[$k]+set}" ]; then
		if [ "$lv" == "$sv" ]; then
			echo "STALE $name:$k: the shim now answers as libaccel ($lv): remove its row"
			bad=$((bad + 1))
		elif [ "$lv" != "${LL[$k]}" ] || [ "$sv" != "${LS[$k]}" ]; then
			echo "CHANGED $name:$k: libaccel=$lv shim=$sv, listed as ${LL[$k]} / ${LS[$k]}"
			bad=$((bad + 1))
		else
			listed=$((listed + 1))
		fi
	elif [ "$lv" == "$sv" ]; then
		equal=$((equal + 1))
	else
		echo "DIFFERS $name:$k: libaccel=$lv shim=$sv"
		bad=$((bad + 1))
	fi
done < <(for k in "${!L[@]}" "${!S[@]}"; do echo "$k"; done | sort -u)
echo "$name ($mode): $compared keys compared, $equal equal, $listed listed differences, $bad unexplained"
[ "$bad" = 0 ]
