#!/usr/bin/env bash
# drm_info (Debian's drm-info, libdrm) under `accel exec`, embedded or through acceld, on a
# fresh root with the default devices: it reads every card node, and of example_kms (the
# modesetting driver) prints the driver's name, version and capabilities, in text and in
# JSON (-j). The render-only drivers' card nodes (example_gfx, example_combo's) have no KMS:
# drm_info says it cannot read them, as it says of vgem on a kernel.
#
#   drm-info.sh embedded|daemon ACCEL ACCELD RUN_UNDER_SHIM
#
# Skipped (77) where drm_info is not installed.
set -euo pipefail
mode=$1 accel=$2 acceld=$3 run=$4
drm_info=$(command -v drm_info) || { echo "SKIP: drm_info is not installed (Debian: drm-info)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-drm-info.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL ($mode): $*" >&2
	echo "--- drm_info's output:" >&2; cat "$tmp/out" >&2
	echo "--- its errors:" >&2; cat "$tmp/err" >&2
	exit 1
}
expect() { grep -qE -- "$1" "$tmp/out" || fail "no line matching '$1'"; }

# Both runs (text, then -j) on one root: one daemon or embedded start, not two. A shell under
# the shim runs them; each one's status is in $tmp/status.
"$run" "$mode" "$accel" "$acceld" /bin/sh -c '
	"$1" > "$2/out" 2> "$2/err"; echo "text $?" > "$2/status"
	"$1" -j > "$2/outj" 2> "$2/errj"; echo "json $?" >> "$2/status"' sh "$drm_info" "$tmp" ||
	fail "the shell running drm_info exited $?"
grep -qx 'text 0' "$tmp/status" || fail "drm_info exited $(sed -n 1p "$tmp/status")"
expect '^Node: /dev/dri/card2$'
# The date is "0", as Linux 6.12 answers whatever the driver says.
expect 'Driver: example_kms \(Example modesetting driver\) version 1\.0\.0 \(0\)$'
# The client caps a driver with DRIVER_ATOMIC grants, then the device's caps.
expect 'DRM_CLIENT_CAP_UNIVERSAL_PLANES supported$'
expect 'DRM_CLIENT_CAP_ATOMIC supported$'
expect 'DRM_CLIENT_CAP_WRITEBACK_CONNECTORS supported$'
expect 'DRM_CAP_DUMB_BUFFER = 1$'
expect 'DRM_CAP_ADDFB2_MODIFIERS = 1$'
expect 'DRM_CAP_SYNCOBJ = 0$'
expect 'Device: platform example_kms\.0$'
expect 'Width: \[10, 8192\]$'
expect 'Height: \[10, 8192\]$'
grep -q 'Failed to retrieve information from /dev/dri/card0' "$tmp/err" ||
	fail "no word that the render-only card0 (example_gfx) has no KMS"

mv "$tmp/outj" "$tmp/out"
mv "$tmp/errj" "$tmp/err"
grep -qx 'json 0' "$tmp/status" || fail "drm_info -j exited $(sed -n 2p "$tmp/status")"
expect '"\\/dev\\/dri\\/card2": ?\{'
expect '"name": ?"example_kms"'
expect '"desc": ?"Example modesetting driver"'
expect '"major": ?1'
expect '"ATOMIC": ?true'
expect '"DUMB_BUFFER": ?1'
expect '"max_width": ?8192'
echo "PASS ($mode): drm_info reads example_kms"
