#!/usr/bin/env bash
# Print the totals of the last conformance comparison (written by conformance-compare.sh).
build=${1:-build}
shopt -s nullglob
files=("$build"/conformance/*.counts)
((${#files[@]})) || { echo "conformance: no comparison ran"; exit 0; }
cat "${files[@]}" | awk '{ c += $2; e += $3; l += $4; b += $5; printf "conformance %-16s %4d keys compared, %4d equal, %3d listed, %d unexplained\n", $1, $2, $3, $4, $5 }
	END { printf "conformance total:           %4d keys compared, %4d equal, %3d listed, %d unexplained\n", c, e, l, b }'
