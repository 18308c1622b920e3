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
all=0
if ((${#names[@]} == 0)); then
	all=1
	for src in "$top"/tests/conformance/*.c; do
		names+=("$(basename "$src" .c)")
	done
fi
record() { # NAME SOURCE
	echo "recording $1 from the kernel" >&2
	"$oracle/run.sh" "$2" -I"$top/tests/conformance" -I"$top/include" > "$out/$1.out.tmp"
	mv "$out/$1.out.tmp" "$out/$1.out"
}
for name in "${names[@]}"; do
	record "$name" "$top/tests/conformance/$name.c"
done
# With no names: also the shim's file-operation programs, kernel/preload_NAME.out from
# tests/preload/NAME.c (the preload tests compare with them).
if ((all)); then
	for rec in "$top"/tests/conformance/kernel/preload_*.out; do
		[ -e "$rec" ] || continue
		name=$(basename "$rec" .out)
		record "$name" "$top/tests/preload/${name#preload_}.c"
	done
fi
