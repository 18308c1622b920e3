#!/usr/bin/env bash
# Every accel subcommand (as `accel --help` lists them): --help with a usage line and examples
# on stdout (status 0); each bad argument is one line on stderr naming what is wrong, nothing
# on stdout, and status 2. Then top without a terminal prints text, never the ncurses view,
# and -J one JSON object a line.
#
#   tests/tools/arguments.sh ACCEL_BINARY
set -euo pipefail
accel=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/accel-tools-args.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
unset ACCEL_BACKEND ACCEL_CONFIG

fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
run() { rc=0; "$accel" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null || rc=$?; }
# bad WORD ARGS...: status 2, one line on stderr that names WORD, nothing on stdout.
bad() {
	local word=$1
	shift
	run "$@"
	[ "$rc" -eq 2 ] || fail "'accel $*' exited $rc, not 2"
	[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "'accel $*' wrote more than one line on stderr"
	grep -qF -- "$word" "$tmp/err" || fail "'accel $*' does not name '$word'"
	[ ! -s "$tmp/out" ] || fail "'accel $*' wrote on stdout"
}

run --help
cmds=$(sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z0-9-]*\)  *[^ ].*/\1/p' "$tmp/out")
[ "$(echo "$cmds" | wc -w)" -ge 10 ] || fail "'accel --help' lists too few commands: $cmds"
for c in $cmds; do
	run "$c" --help
	[ "$rc" -eq 0 ] || fail "'accel $c --help' exited $rc"
	grep -q '^examples:' "$tmp/out" || fail "'accel $c --help' has no examples"
	grep -q "^usage: accel $c" "$tmp/out" || fail "'accel $c --help' has no usage line"
	# help takes no options: its unknown word is a command it does not know.
	[ "$c" = help ] || bad "--frobnicate" "$c" --frobnicate
done

bad "--frobnicate" list --frobnicate
bad "-x" list -x
bad "'extra'" list extra
bad "--frobnicate" info --frobnicate accel0
bad "DEVICE" info
bad "DEVICE" info accel0 accel1
bad "'soon'" info -d soon accel0
bad "'-1'" info -d -1 accel0
bad "-d" info accel0 -d
bad "'0'" top -d 0
bad "'fast'" top --delay fast
bad "'0'" top -n 0
bad "'two'" top -n two
bad "-n" top -n
bad "--frobnicate" top --frobnicate
bad "'extra'" top extra
bad "MODEL" compile -o x.prg
bad "-o PROGRAM" compile model.onnx
bad "'zero'" compile --batch zero -o x.prg model.onnx
bad "MODEL" run
bad "'fast'" run --iterations fast model.onnx
bad "'gpu'" run --submit gpu model.onnx
bad "PROGRAM" exec
bad "tpu" exec --backend tpu true
bad "-o FILE" trace -- true
bad "'-3'" trace -o x.json --duration -3
bad "'lots'" trace -o x.json --buffer lots -- true
bad "--duration" trace -o x.json --duration 1 -- true
bad "'frobnicate'" attr frobnicate
bad "'frobnicate'" debug frobnicate
bad "DEVICE" debug dump
bad "--bogus" debug dump --bogus accel0
bad "'meltdown'" debug inject accel0 meltdown
bad "'1001'" debug inject accel0 hang --count 1001
bad "'12/x'" debug vm 12/x
bad "--bogus" debug vm --bogus 12
bad "'frobnicate'" help frobnicate

# No terminal: text, one block per sample; -J: a JSON object per line.
run top -n 1 -d 0.05
[ "$rc" -eq 0 ] || fail "'accel top -n 1' without a terminal exited $rc"
grep -q '^DEVICE ' "$tmp/out" || fail "'accel top -n 1' printed no device table"
grep -q '^PID ' "$tmp/out" || fail "'accel top -n 1' printed no client table"
run top -J -n 2 -d 0.05
[ "$rc" -eq 0 ] || fail "'accel top -J -n 2' exited $rc"
[ "$(wc -l < "$tmp/out")" -eq 2 ] || fail "'accel top -J -n 2' did not print two lines"
while read -r line; do
	case $line in
	'{"period":{"duration":'*'"devices":['*'"clients":['*'}') ;;
	*) fail "'accel top -J' printed a line that is not a sample object: $line" ;;
	esac
done < "$tmp/out"
echo "tools/arguments: ok"
