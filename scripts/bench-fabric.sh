#!/usr/bin/env bash
# vtrain's scale-out figures (docs/vtrain-fabric.md): the libfabric transport against a plain
# TCP socket (bench_fabric), and the all-reduce baseline of issue 18: Open MPI's MPI_Allreduce
# for 2, 4 and 8 ranks on this machine, once with the transports Open MPI picks (shared memory)
# and once with `--mca pml ob1 --mca btl tcp,self`, the transport libfabric's tcp provider uses.
#
#   scripts/bench-fabric.sh [BUILD]     (programs in BUILD/bench-fabric; default build)
#
# FABRIC_BENCH_MAX (bytes, default 268435456) caps the all-reduce sizes, FABRIC_BENCH_BUDGET
# (seconds per size, default 0.3) the iterations; the whole run takes about a minute.
# Every program runs in its own session under a time limit; whatever is left of that session
# afterwards is killed, so nothing outlives the script.
set -uo pipefail
build=${1:-build}
dir=$build/bench-fabric
max=${FABRIC_BENCH_MAX:-268435456}
budget=${FABRIC_BENCH_BUDGET:-0.3}
limit=${FABRIC_BENCH_LIMIT:-60}
status=0

if [ ! -x "$dir/bench_fabric" ]; then
	echo "bench-fabric: $dir/bench_fabric not built (no libfabric: apt-get install libfabric-dev)" >&2
	exit 77
fi

# run_capped CMD...: CMD in a new session under $limit seconds; its session killed after.
run_capped() {
	setsid timeout -k 5 "$limit" "$@" &
	local pid=$! rc=0
	wait "$pid" || rc=$?
	kill -KILL -- "-$pid" 2>/dev/null || true
	if [ "$rc" -ne 0 ]; then
		echo "bench-fabric: FAILED ($rc): $*" >&2
		status=1
	fi
}

summary=$(mktemp)
trap 'rm -f "$summary"' EXIT

echo "== vtrain_fabric vs TCP socket (ping-pong, 2 processes)"
run_capped "$dir/bench_fabric" 67108864 | tee -a "$summary" | grep -v '^BENCH '

if [ -x "$dir/bench_fabric_mpi" ] && command -v mpirun > /dev/null; then
	for np in 2 4 8; do
		for tr in default tcp; do
			args=(--allow-run-as-root --oversubscribe -np "$np")
			[ "$tr" = tcp ] && args+=(--mca pml ob1 --mca btl tcp,self)
			echo "== MPI_Allreduce, $np ranks, transport: $tr"
			run_capped mpirun "${args[@]}" "$dir/bench_fabric_mpi" "$max" "$budget" |
				sed "s/^BENCH mpi_allreduce_/BENCH mpi_allreduce_${tr}_/" | tee -a "$summary" |
				grep -v '^BENCH '
		done
	done
	echo "== MPI_Allreduce bus bandwidth (GB/s) at 1 MiB and up; latency at 4 KiB (us)"
	awk -F'|' '/^BENCH mpi_allreduce_/ {
		split($1, k, "_"); tr = k[3]; np = k[4]; bytes = k[5]
		if (bytes == 4096) lat[tr " " np] = $2 / 1000
		if (bytes + 0 >= 1048576) { bus[tr " " np] = bus[tr " " np] sprintf(" %s:%.3f", bytes, $4) }
	} END { for (c in lat) printf "%-12s lat4k=%.1f busbw%s\n", c, lat[c], bus[c] }' "$summary" | sort
else
	echo "bench-fabric: no MPI baseline (apt-get install libopenmpi-dev openmpi-bin)" >&2
fi
exit $status
