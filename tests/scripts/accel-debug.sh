#!/usr/bin/env bash
# `accel debug`: its usage contract (--help with examples; a bad argument is one line on stderr
# and status 2), the dump of an embedded device, and through acceld the whole story: a hang
# armed with `accel debug inject` hits the next job of a model run, and `accel debug dump`
# names the hung job (the one debugfs last_hang names) and the packet it stopped at, by
# opcode name; an injected fault leaves a fault coredump with the faulting address; `accel
# debug vm` shows a running client's mappings. Every wait is bounded.
#
#   tests/scripts/accel-debug.sh ACCEL ACCELD MODEL_DIR
set -euo pipefail
accel=$1
acceld=$2
model=$3/model.onnx
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-debug.XXXXXX")
daemon_pid=
client_pid=
cleanup() {
	[ -z "$client_pid" ] || kill "$client_pid" 2> /dev/null || true
	[ -z "$daemon_pid" ] || kill "$daemon_pid" 2> /dev/null || true
	wait 2> /dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
unset ACCEL_BACKEND ACCEL_CONFIG

run() { rc=0; "$accel" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
# usage_error ARGS...: accel ARGS exits 2 with exactly one line on stderr.
usage_error() {
	run "$@"
	[ "$rc" -eq 2 ] || fail "'accel $*' exited $rc, not 2"
	[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "'accel $*' wrote more than one line on stderr"
}
# vnpu_node: the node of the first vnpu device in `accel list`.
vnpu_node() {
	"$accel" list | awk '$4 == "vnpu" { print $1; exit }'
}

# --help: on stdout, with examples, for `accel debug --help` and each command's --help.
for args in "debug --help" "debug inject --help"; do
	# shellcheck disable=SC2086
	run $args
	[ "$rc" -eq 0 ] || fail "'accel $args' exited $rc"
	grep -q '^usage: accel debug dump' "$tmp/out" || fail "'accel $args' prints no usage"
	grep -q '^examples:' "$tmp/out" || fail "'accel $args' has no examples"
done

export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
usage_error debug frobnicate
usage_error debug dump --bogus accel0
usage_error debug dump no-such-device
usage_error debug inject accel0 meltdown
usage_error debug inject accel0 hang --count 1001
usage_error debug vm 12/x

# Embedded: the command's own core, its vnpu idle.
node=$(vnpu_node)
[ -n "$node" ] || fail "no vnpu device in 'accel list'"
run debug dump "$node"
[ "$rc" -eq 0 ] || fail "embedded dump exited $rc"
grep -q "^engine dma0: state=idle" "$tmp/out" || fail "embedded dump shows no idle dma0"
grep -q "^== coredump" "$tmp/out" || fail "embedded dump has no coredump section"
run debug inject "$node" dma-error --engine dma0 --count 3
[ "$rc" -eq 0 ] || fail "embedded inject exited $rc"
usage_error debug inject "$node" hang --engine dma99
# A vedge node takes hang and fault with a count; it has no engines to choose.
vnode=$("$accel" list | awk '$4 == "vedge" { print $1; exit }')
[ -n "$vnode" ] || fail "no vedge device in 'accel list'"
run debug inject "$vnode" fault --count 4
[ "$rc" -eq 0 ] || fail "inject fault --count 4 on $vnode exited $rc"
grep -q "the next 4 " "$tmp/out" || fail "inject on $vnode does not say what it armed"
usage_error debug inject "$vnode" hang --engine npu0
# A device that is not a vnpu has none of these files: a failure, not a usage error.
run debug dump accel0
[ "$rc" -eq 1 ] || fail "dump of a non-vnpu device exited $rc, not 1"

# Through acceld, with a short job timeout so that the hang is reset quickly.
droot=$tmp/droot
mkdir -p "$droot"
printf '[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 100\n' > "$tmp/acceld.conf"
"$acceld" --root "$droot" --config "$tmp/acceld.conf" --log-level err --ready-fd 3 3> "$tmp/ready" &
daemon_pid=$!
for _ in $(seq 200); do
	[ -s "$tmp/ready" ] && break
	sleep 0.05
done
[ -s "$tmp/ready" ] || fail "acceld did not start"
export ACCEL_ROOT=$droot ACCEL_BACKEND=daemon
node=$(vnpu_node)
[ -n "$node" ] || fail "no vnpu device through acceld"

run debug inject "$node" hang
[ "$rc" -eq 0 ] || fail "inject hang through acceld exited $rc"
grep -q "the next 1 job" "$tmp/out" || fail "inject hang does not say what it armed"
run run --batch 1 "$model"
[ "$rc" -ne 0 ] || fail "the model ran although its first job was to hang"
grep -q "Timer expired" "$tmp/err" || fail "the model run did not fail with -ETIME"
run debug dump "$node" -o "$tmp/dump.txt"
[ "$rc" -eq 0 ] || fail "dump through acceld exited $rc"
cp "$tmp/dump.txt" "$tmp/out"
# The hung job, as debugfs last_hang names it, is the job the coredump names.
hung=$(sed -n 's/^last_hang: \(client=[0-9]* ctx=[0-9]* job=[0-9]*\) .*/\1/p' "$tmp/dump.txt")
[ -n "$hung" ] || fail "the dump's state names no last hang"
grep -q "^vnpu coredump: hang$" "$tmp/dump.txt" || fail "no hang coredump"
grep -q "^job: $hung engine=" "$tmp/dump.txt" || fail "the coredump does not name the hung job ($hung)"
grep -Eq '^stopped: packet=0 offset=0x0 opcode=[A-Z_0-9]+ \(not started: injected hang\)$' \
	"$tmp/dump.txt" || fail "the coredump does not name the packet the job stopped at"
grep -Eq '^=> #0 \+0x0 (DMA_COPY|DMA_FILL|DMA_COPY_ND|MATMUL|CONV2D|BINARY|NOP) \(0x' \
	"$tmp/dump.txt" || fail "the hung packet is not decoded by name"
grep -q "^vm: ${hung%% *} mappings=" "$tmp/dump.txt" || fail "the coredump lacks the client's mappings"

# --clear dismisses the coredumps.
run debug dump "$node" --clear
[ "$rc" -eq 0 ] || fail "dump --clear exited $rc"
run debug dump "$node"
sed -n '/^== coredump/,$p' "$tmp/out" | grep -qx none || fail "--clear left a coredump"

# An injected fault: the next job's first packet faults on its operand.
run debug inject "$node" fault
[ "$rc" -eq 0 ] || fail "inject fault through acceld exited $rc"
run run --batch 1 "$model"
[ "$rc" -ne 0 ] || fail "the model ran although its first packet was to fault"
run debug dump "$node"
grep -q "^vnpu coredump: fault$" "$tmp/out" || fail "no fault coredump"
grep -Eq '^fault: va=0x[0-9a-f]+ len=[0-9]+ (read|write)$' "$tmp/out" || fail "the fault's address is missing"
grep -Eq '^=> #0 \+0x0 [A-Z_0-9]+ \(0x' "$tmp/out" || fail "the faulting packet is not decoded"

# vm: a client that holds the device (a long run) shows its mappings.
"$accel" run --batch 1 --iterations 1000000 "$model" > /dev/null 2>&1 &
client_pid=$!
ok=
for _ in $(seq 200); do
	run debug vm "$client_pid"
	# Until the client has bound its buffers (it opens the device first).
	if [ "$rc" -eq 0 ] && grep -Eq '^0x[0-9a-f]{16}-' "$tmp/out"; then
		ok=1
		break
	fi
	sleep 0.05
done
[ -n "$ok" ] || fail "'accel debug vm $client_pid' never showed the running client's mappings"
grep -Eq "^$node \(vnpu\.0\) client [0-9]+: [1-9][0-9]* mappings$" "$tmp/out" || fail "vm names no client"
grep -Eq '^0x[0-9a-f]{16}-0x[0-9a-f]{16} size=[0-9]+ ' "$tmp/out" || fail "vm lists no mapping"
id=$(sed -n 's/.* client \([0-9]*\): .*/\1/p' "$tmp/out" | head -n 1)
run debug vm "$client_pid/$id"
[ "$rc" -eq 0 ] || fail "'accel debug vm $client_pid/$id' exited $rc"
run debug vm "$client_pid/999999"
[ "$rc" -eq 1 ] || fail "vm of a client id the process does not hold exited $rc, not 1"
kill "$client_pid"
wait "$client_pid" 2> /dev/null || true
client_pid=
echo "accel-debug: ok"
