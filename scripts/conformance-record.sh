#!/usr/bin/env bash
# Re-record the kernel's answers: run every tests/conformance/*.c inside the real Linux 6.12
# kernel through ../shared/oracle and store its KEY=VALUE lines in tests/conformance/kernel/.
#
#   scripts/conformance-record.sh [OUTDIR]     (default: tests/conformance/kernel)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
oracle=${ACCEL_ORACLE:-$top/../shared/oracle}
out=${1:-$top/tests/conformance/kernel}
[ -x "$oracle/run.sh" ] || { echo "no kernel oracle at $oracle (set ACCEL_ORACLE)" >&2; exit 1; }
mkdir -p "$out"
for src in "$top"/tests/conformance/*.c; do
	name=$(basename "$src" .c)
	echo "recording $name from the kernel" >&2
	"$oracle/run.sh" "$src" -I"$top/tests/conformance" -I"$top/include" > "$out/$name.out.tmp"
	mv "$out/$name.out.tmp" "$out/$name.out"
done
