#!/usr/bin/env bash
# Run every benchmark of bench/, print one table and write the same figures as JSON.
#
#   scripts/bench.sh [BUILD]      (JSON: BUILD/bench.json)
#
# Each program runs under a time limit (BENCH_LIMIT seconds, default 240; `timeout` sends
# SIGTERM to its whole process group, then SIGKILL 10 s later). A program that fails or
# runs out of time is reported in the table and in the JSON ("failed") and the others still
# run; the script then exits 1. Nothing a program started is left running afterwards.
set -euo pipefail
build=${1:-build}
out=$build/bench.json
limit=${BENCH_LIMIT:-240}
lines=$(mktemp)
failed=$(mktemp)
prog_out=$(mktemp)
trap 'rm -f "$lines" "$failed" "$prog_out"' EXIT

for b in "$build"/bin/bench_*; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	echo "running $name ..." >&2
	start=$(date +%s)
	# Output to a file, not a pipe: whatever the program leaves behind cannot hold us.
	rc=0
	timeout -k 10 "$limit" "$b" "$build/bin/acceld" > "$prog_out" || rc=$?
	secs=$(( $(date +%s) - start ))
	grep '^BENCH ' "$prog_out" | sed 's/^BENCH //' >> "$lines" || true
	if [ "$rc" -ne 0 ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			why="timed out after ${limit} s"
		else
			why="exit status $rc"
		fi
		echo "$name|$why" >> "$failed"
		echo "FAILED: $name ($why)" >&2
	else
		echo "  $name: ${secs} s" >&2
	fi
done

printf '%-40s %12s %12s %12s   %-34s %12s %8s  %s\n' FIGURE MEDIAN MIN MAX BASELINE "BASE MEDIAN" RATIO GOAL
while IFS='|' read -r name unit med min max bname bmed ratio goal; do
	printf '%-40s %9s %-2s %9s %-2s %9s %-2s   %-34s %9s %-2s %8s  %s\n' "$name" "$med" "$unit" "$min" "$unit" \
		"$max" "$unit" "$bname" "$bmed" "$unit" "$ratio" "$goal"
done < "$lines"
while IFS='|' read -r name why; do
	printf '%-40s FAILED: %s\n' "$name" "$why"
done < "$failed"

json_str() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
{
	echo "{"
	echo "  \"machine\": \"$(json_str "$(uname -m) $(nproc) cpus $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')")\","
	echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
	echo "  \"figures\": ["
	n=$(wc -l < "$lines"); i=0
	while IFS='|' read -r name unit med min max bname bmed ratio goal; do
		i=$((i + 1)); sep=,; [ "$i" = "$n" ] && sep=
		printf '    {"figure": "%s", "unit": "%s", "median": %s, "min": %s, "max": %s, "baseline": "%s", "baseline_median": %s, "ratio": %s, "goal": "%s"}%s\n' \
			"$(json_str "$name")" "$unit" "$med" "$min" "$max" "$(json_str "$bname")" "$bmed" "$ratio" "$(json_str "$goal")" "$sep"
	done < "$lines"
	echo "  ],"
	echo "  \"failed\": ["
	n=$(wc -l < "$failed"); i=0
	while IFS='|' read -r name why; do
		i=$((i + 1)); sep=,; [ "$i" = "$n" ] && sep=
		printf '    {"program": "%s", "reason": "%s"}%s\n' "$(json_str "$name")" "$(json_str "$why")" "$sep"
	done < "$failed"
	echo "  ]"
	echo "}"
} > "$out"
echo "written: $out" >&2
if [ -s "$failed" ]; then
	echo "bench: $(wc -l < "$failed") program(s) failed" >&2
	exit 1
fi
