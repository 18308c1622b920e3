#!/usr/bin/env bash
# The accel command's contract, which every subcommand keeps: `accel --help` (and `accel help`)
# lists the commands; each answers `accel COMMAND --help` and `accel help COMMAND` with the same
# usage on stdout and status 0; an unknown command or option fails with a message naming it and a
# non-zero status; `list` and `info` describe the embedded default devices (text and JSON).
#
#   tests/scripts/accel-cli.sh ACCEL_BINARY
set -euo pipefail
accel=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A fresh root that no daemon serves: each command runs the core embedded, with the built-in
# default devices.
export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
unset ACCEL_BACKEND ACCEL_CONFIG

run() { rc=0; "$accel" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
# expect STATUS ARGS...: accel ARGS exits with STATUS.
expect() {
	local want=$1
	shift
	run "$@"
	[ "$rc" -eq "$want" ] || fail "'accel $*' exited $rc, not $want"
}
# expect_fails WORD ARGS...: accel ARGS fails (non-zero) and says WORD on stderr.
expect_fails() {
	local word=$1
	shift
	run "$@"
	[ "$rc" -ne 0 ] || fail "'accel $*' succeeded"
	grep -qF -- "$word" "$tmp/err" || fail "'accel $*' does not name '$word' on stderr"
}
# A JSON checker when one is installed: jq, else python3.
json_valid() {
	if command -v jq > /dev/null; then
		jq -e . "$1" > /dev/null
	elif command -v python3 > /dev/null; then
		python3 -m json.tool "$1" > /dev/null
	else
		echo "accel-cli: neither jq nor python3: JSON validity not checked" >&2
	fi
}

# The main usage: on stdout for --help, -h and `help`; on stderr with status 2 without a command.
expect 0 --help
[ ! -s "$tmp/err" ] || fail "--help writes to stderr"
head -n 1 "$tmp/out" | grep -q '^usage: accel ' || fail "--help does not start with the usage line"
cp "$tmp/out" "$tmp/main-usage"
cmds=$(sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z0-9-]*\)  *[^ ].*/\1/p' "$tmp/main-usage")
for c in list info help; do
	echo "$cmds" | grep -qx "$c" || fail "--help does not list the command '$c'"
done
expect 0 -h
cmp -s "$tmp/out" "$tmp/main-usage" || fail "-h differs from --help"
expect 0 help
cmp -s "$tmp/out" "$tmp/main-usage" || fail "'accel help' differs from 'accel --help'"
expect 2
cmp -s "$tmp/err" "$tmp/main-usage" || fail "'accel' without a command does not print the usage on stderr"

# Every command listed: its usage on stdout, the same for --help, -h and `help COMMAND`.
for c in $cmds; do
	expect 0 "$c" --help
	[ ! -s "$tmp/err" ] || fail "'accel $c --help' writes to stderr"
	head -n 1 "$tmp/out" | grep -q "^usage: accel $c\\b" || fail "'accel $c --help' does not start with its usage line"
	cp "$tmp/out" "$tmp/usage-$c"
	expect 0 "$c" -h
	cmp -s "$tmp/out" "$tmp/usage-$c" || fail "'accel $c -h' differs from 'accel $c --help'"
	expect 0 help "$c"
	cmp -s "$tmp/out" "$tmp/usage-$c" || fail "'accel help $c' differs from 'accel $c --help'"
	expect_fails --frobnicate "$c" --frobnicate
done

# Unknown commands and options are named, with status 2.
expect_fails "'frobnicate'" frobnicate
[ "$rc" -eq 2 ] || fail "an unknown command exits $rc, not 2"
[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "an unknown command says more than one line"
expect_fails "'frobnicate'" help frobnicate
[ "$rc" -eq 2 ] || fail "'accel help' of an unknown command exits $rc, not 2"
expect_fails "'--frobnicate'" --frobnicate
[ "$rc" -eq 2 ] || fail "an unknown global option exits $rc, not 2"
expect_fails "--frobnicate" list --frobnicate
[ "$rc" -eq 2 ] || fail "an unknown option of list exits $rc, not 2"
expect_fails "--frobnicate" info --frobnicate accel0
[ "$rc" -eq 2 ] || fail "an unknown option of info exits $rc, not 2"
expect_fails "'extra'" list extra
[ "$rc" -eq 2 ] || fail "'accel list extra' exits $rc, not 2"
expect_fails "DEVICE" info
[ "$rc" -eq 2 ] || fail "'accel info' without a device exits $rc, not 2"
expect_fails "DEVICE" info accel0 accel1
[ "$rc" -eq 2 ] || fail "'accel info' with two devices exits $rc, not 2"

# list: the embedded default devices, each served by the embedded core.
expect 0 list
head -n 1 "$tmp/out" | grep -q '^NODE  *DEV  *BACKEND  *DRIVER  *VERSION  *PARENT$' || fail "list lacks its header"
grep -q '^accel0  *[0-9]*:0  *embedded  ' "$tmp/out" || fail "list lacks accel0 served embedded"
accels=$(grep -c '^accel' "$tmp/out")
expect 0 list --all
grep -q '^renderD' "$tmp/out" || fail "list --all lacks the DRM render nodes"
expect 0 list --json
json_valid "$tmp/out" || fail "list --json is not JSON"
head -c 1 "$tmp/out" | grep -q '\[' || fail "list --json is not an array"
[ "$(grep -c '"backend":"embedded"\|"backend": "embedded"' "$tmp/out")" -eq "$accels" ] ||
	fail "list --json does not have the $accels nodes of list, each embedded"
expect 0 list --all --json
json_valid "$tmp/out" || fail "list --all --json is not JSON"
grep -q 'renderD' "$tmp/out" || fail "list --all --json lacks the DRM render nodes"
ACCEL_BACKEND=bogus expect_fails "ACCEL_BACKEND must be kernel, daemon or embedded" list
[ "$rc" -eq 1 ] || fail "list with a bad ACCEL_BACKEND exits $rc, not 1"

# info: one device by node name, minor number or path; text and JSON.
expect 0 info accel0
for k in node path dev backend parent driver version caps; do
	grep -q "^$k: " "$tmp/out" || fail "info accel0 lacks '$k'"
done
grep -q '^node:       accel0$' "$tmp/out" || fail "info accel0 describes another node"
grep -q '^backend:    embedded$' "$tmp/out" || fail "info accel0 is not served embedded"
cp "$tmp/out" "$tmp/info-accel0"
path=$(sed -n 's/^path:       //p' "$tmp/info-accel0")
expect 0 info 0
cmp -s "$tmp/out" "$tmp/info-accel0" || fail "'info 0' differs from 'info accel0'"
expect 0 info "$path"
cmp -s "$tmp/out" "$tmp/info-accel0" || fail "'info $path' differs from 'info accel0'"
expect 0 info --json accel0
json_valid "$tmp/out" || fail "info --json is not JSON"
head -c 1 "$tmp/out" | grep -q '{' || fail "info --json is not an object"
grep -q '"node":"accel0"\|"node": "accel0"' "$tmp/out" || fail "info --json describes another node"
expect_fails "'nosuch'" info nosuch
[ "$rc" -eq 1 ] || fail "info of a missing device exits $rc, not 1"

echo "accel-cli: ok ($(echo $cmds | wc -w) commands)"
