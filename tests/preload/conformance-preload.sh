#!/usr/bin/env bash
# A conformance program built against plain libc (no libaccel), run under `accel exec` on a
# fresh root, embedded or through acceld, gives the kernel's recorded answers: every KEY=VALUE
# line must have the kernel's value, or be listed with exactly the values seen in
#  - KERNEL_DIFFS (docs/kernel-differences.md: | `KEY` | `kernel value` | `accel value` | ...),
#    the table the libaccel build of the same program is held to (scripts/conformance-compare.sh),
#    so the shim answers as the libaccel build does without running that build a second time;
#  - PRELOAD_DIFFS (docs/preload.md: | `MODE:NAME:KEY` | `kernel value` | `shim value` | ...;
#    MODE embedded, daemon or *), what only the shim answers differently.
# A listed key that now has the kernel's value is stale, and fails. Keys the oracle adds about
# itself (ORACLE.*) are not compared.
#
#   conformance-preload.sh embedded|daemon ACCEL ACCELD PLAIN_PROG NAME KERNEL_OUT KERNEL_DIFFS PRELOAD_DIFFS
set -euo pipefail
mode=$1 accel=$2 acceld=$3 plainprog=$4 name=$5 kernel=$6 kdiffs=$7 pdiffs=$8
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$kernel" ] || { echo "no kernel recording $kernel" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-conf-preload-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$here/run-under-shim.sh" "$mode" "$accel" "$acceld" "$plainprog" > "$tmp/shim.out"

declare -A K S LK LS
while IFS= read -r line; do
	[[ $line == *=* ]] || continue
	k=${line%%=*}; [[ $k == ORACLE.* ]] && continue
	K[$k]=${line#*=}
done < "$kernel"
while IFS= read -r line; do [[ $line == *=* ]] && S[${line%%=*}]=${line#*=}; done < "$tmp/shim.out"
row='^\|[[:space:]]*`([^`]+)`[[:space:]]*\|[[:space:]]*`([^`]*)`[[:space:]]*\|[[:space:]]*`([^`]*)`[[:space:]]*\|'
while IFS= read -r line; do
	if [[ $line =~ $row ]]; then
		LK[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
		LS[${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
	fi
done < "$kdiffs"
# The shim's own rows override: MODE:NAME:KEY for this mode, or *:NAME:KEY for both.
while IFS= read -r line; do
	if [[ $line =~ $row ]]; then
		id=${BASH_REMATCH[1]}
		for prefix in "$mode:$name:" "*:$name:"; do
			if [[ $id == "$prefix"* ]]; then
				k=${id#"$prefix"}
				LK[$k]=${BASH_REMATCH[2]}
				LS[$k]=${BASH_REMATCH[3]}
			fi
		done
	fi
done < "$pdiffs"

compared=0 equal=0 listed=0 bad=0
while IFS= read -r k; do
	compared=$((compared + 1))
	kv=${K[$k]-<absent>} sv=${S[$k]-<absent>}
	if [ -n "${LK[$k]+set}" ]; then
		if [ "$kv" == "$sv" ]; then
			echo "STALE $name:$k: the shim answers as the kernel ($kv), unlike the listed row"
			bad=$((bad + 1))
		elif [ "$kv" != "${LK[$k]}" ] || [ "$sv" != "${LS[$k]}" ]; then
			echo "CHANGED $name:$k: kernel=$kv shim=$sv, listed as ${LK[$k]} / ${LS[$k]}"
			bad=$((bad + 1))
		else
			listed=$((listed + 1))
		fi
	elif [ "$kv" == "$sv" ]; then
		equal=$((equal + 1))
	else
		echo "DIFFERS $name:$k: kernel=$kv shim=$sv"
		bad=$((bad + 1))
	fi
done < <(for k in "${!K[@]}" "${!S[@]}"; do echo "$k"; done | sort -u)
echo "$name ($mode, under the shim): $compared keys compared, $equal equal, $listed listed differences, $bad unexplained"
[ "$bad" = 0 ]
