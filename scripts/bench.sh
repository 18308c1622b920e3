#!/usr/bin/env bash
# Run every benchmark of bench/, print one table and write the same figures as JSON.
#
#   scripts/bench.sh [BUILD]      (JSON: BUILD/bench.json)
set -euo pipefail
build=${1:-build}
out=$build/bench.json
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT

for b in "$build"/bin/bench_*; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	echo "running $name ..." >&2
	"$b" "$build/bin/acceld" | grep '^BENCH ' | sed 's/^BENCH //' >> "$lines"
done

printf '%-40s %12s %12s %12s   %-34s %12s %8s  %s\n' FIGURE MEDIAN MIN MAX BASELINE "BASE MEDIAN" RATIO GOAL
while IFS='|' read -r name unit med min max bname bmed ratio goal; do
	printf '%-40s %9s %-2s %9s %-2s %9s %-2s   %-34s %9s %-2s %8s  %s\n' "$name" "$med" "$unit" "$min" "$unit" \
		"$max" "$unit" "$bname" "$bmed" "$unit" "$ratio" "$goal"
done < "$lines"

{
	echo "{"
	echo "  \"machine\": \"$(uname -m) $(nproc) cpus $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//; s/"//g')\","
	echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
	echo "  \"figures\": ["
	n=$(wc -l < "$lines"); i=0
	while IFS='|' read -r name unit med min max bname bmed ratio goal; do
		i=$((i + 1)); sep=,; [ "$i" = "$n" ] && sep=
		printf '    {"figure": "%s", "unit": "%s", "median": %s, "min": %s, "max": %s, "baseline": "%s", "baseline_median": %s, "ratio": %s, "goal": "%s"}%s\n' \
			"$name" "$unit" "$med" "$min" "$max" "$bname" "$bmed" "$ratio" "$goal" "$sep"
	done < "$lines"
	echo "  ]"
	echo "}"
} > "$out"
echo "written: $out" >&2
