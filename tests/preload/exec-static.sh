#!/usr/bin/env bash
# accel exec refuses a statically linked PROGRAM (exit 2, saying so) and runs a dynamic one.
#   exec-static.sh ACCEL STATIC_PROGRAM
set -uo pipefail
accel=$1 static=$2
out=$("$accel" exec -- "$static" 2>&1); status=$?
[ "$status" = 2 ] || { echo "FAIL: static program: exit status $status, not 2 ($out)"; exit 1; }
[[ $out == *"statically linked"* ]] || { echo "FAIL: no 'statically linked' in: $out"; exit 1; }
[[ $out != *"a static program ran"* ]] || { echo "FAIL: the static program ran"; exit 1; }
out=$("$accel" exec -- true 2>&1) || { echo "FAIL: accel exec -- true: $out"; exit 1; }
out=$("$accel" exec -- /nonexistent/prog 2>&1); status=$?
[ "$status" = 127 ] || { echo "FAIL: a missing program: exit status $status, not 127"; exit 1; }
out=$(LD_PRELOAD=/nonexistent-before.so "$accel" exec -- /usr/bin/env 2>/dev/null | grep '^LD_PRELOAD=')
[[ $out == LD_PRELOAD=*libaccel-preload.so:/nonexistent-before.so ]] || { echo "FAIL: LD_PRELOAD not prepended: $out"; exit 1; }
echo "PASS"
