#!/usr/bin/env bash
# Re-record the kernel's answers: run tests/conformance/*.c inside the real Linux 6.12 kernel
# through ../shared/oracle and store its KEY=VALUE lines in tests/conformance/kernel/.
#
#   scripts/conformance-record.sh [OUTDIR] [NAME...]
#
# OUTDIR defaults to tests/conformance/kernel; NAMEs (card_master, gem, ...) re-record only
# those programs, so that a change to one program leaves the others' recordings alone.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
oracle=${ACCEL_ORACLE:-$top/../shared/oracle}
out=$top/tests/conformance/kernel
names=()
for arg in "$@"; do
	if [ -f "$top/tests/conformance/$arg.c" ]; then
		names+=("$arg")
	else
		out=$arg
	fi
done
[ -x "$oracle/run.sh" ] || { echo "no kernel oracle at $oracle (set ACCEL_ORACLE)" >&2; exit 1; }
mkdir -p "$out"
if ((${#names[@]} == 0)); then
	for src in "$top"/tests/conformance/*.c; do
		names+=("$(basename "$src" .c)")
	done
fi
for name in "${names[@]}"; do
	echo "recording $name from the kernel" >&2
	"$oracle/run.sh" "$top/tests/conformance/$name.c" -I"$top/tests/conformance" -I"$top/include" \
		> "$out/$name.out.tmp"
	mv "$out/$name.out.tmp" "$out/$name.out"
done
