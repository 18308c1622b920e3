#!/usr/bin/env bash
# Run the libFuzzer targets of tests/fuzz (built with ACCEL_FUZZ=ON into BUILD).
#
#   scripts/fuzz.sh BUILD SECONDS [TARGET...] [-- LIBFUZZER-ARGS...]
#
# Each target runs for SECONDS on a working corpus BUILD/fuzz-corpus/TARGET, seeded from
# tests/fuzz/corpus/TARGET (read only: `-merge=1` new finds into it by hand); crashes, leaks
# and timeouts land in BUILD/fuzz-artifacts/TARGET and fail the run. libFuzzer's final
# statistics (executions, exec/s, coverage) are printed per target.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:?usage: scripts/fuzz.sh BUILD SECONDS [TARGET...] [-- ARGS...]}
secs=${2:?usage: scripts/fuzz.sh BUILD SECONDS [TARGET...] [-- ARGS...]}
shift 2
targets=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	targets+=("$1")
	shift
done
[ "${1:-}" = "--" ] && shift
[ ${#targets[@]} -gt 0 ] || targets=(core vnpu vedge acceld onnx program)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:handle_abort=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fail=0
for t in "${targets[@]}"; do
	bin=$build/bin/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is not built (make fuzz-smoke builds it)" >&2
		exit 1
	fi
	work=$build/fuzz-corpus/$t
	art=$build/fuzz-artifacts/$t/
	mkdir -p "$work" "$art"
	log=$build/fuzz-$t.log
	echo "== fuzz_$t for ${secs}s (log $log)"
	# -timeout: no input may take 20 s (the vnpu job timeout is 20 ms); 4 GiB at most.
	if "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$art" "$@" "$work" "tests/fuzz/corpus/$t" \
		>"$log" 2>&1; then
		grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb):' "$log" || true
		grep -E 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true
	else
		echo "fuzz_$t FAILED (crash, leak or timeout): see $log and $art" >&2
		grep -E 'ERROR|SUMMARY|leaked|Test unit written' "$log" | head -20 >&2 || true
		fail=1
	fi
done
exit $fail
