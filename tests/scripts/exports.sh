#!/usr/bin/env bash
# libaccel.so exports exactly its public API: the functions that include/libaccel.h and
# include/libaccel_vnpu.h mark ACCEL_EXPORT, and nothing of the core, the drivers or the
# backends (built with -fvisibility=hidden).
#
#   tests/scripts/exports.sh SOURCE_DIR LIBACCEL_SO
set -euo pipefail
src=${1:?usage: exports.sh SOURCE_DIR LIBACCEL_SO}
so=${2:?usage: exports.sh SOURCE_DIR LIBACCEL_SO}

want=$(grep -ho '^ACCEL_EXPORT [^(]*(' "$src/include/libaccel.h" "$src/include/libaccel_vnpu.h" |
	sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/' | sort -u)
# Sanitizer builds add their own symbols (__odr_asan.*, __asan_*...): not the library's.
have=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -Ev '^__(odr_asan|asan|ubsan|tsan|sanitizer)' | sort -u)
if [ -z "$want" ]; then
	echo "exports: no ACCEL_EXPORT function found in the public headers" >&2
	exit 1
fi
if [ "$want" != "$have" ]; then
	echo "exports: libaccel.so's dynamic symbols differ from the public API" >&2
	diff <(echo "$want") <(echo "$have") | sed 's/^</  missing: /; s/^>/  extra:   /' | grep -E 'missing|extra' >&2
	exit 1
fi
echo "exports: $(echo "$want" | wc -l) public functions, nothing else"
