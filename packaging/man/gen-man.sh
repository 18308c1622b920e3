#!/usr/bin/env bash
# Write the man pages accel(1) and acceld(8) from the programs' own --help, so that they
# never drift from the programs: the command list and each command's usage come from
# `accel --help` and `accel COMMAND --help`, acceld's options from `acceld --help`.
# `make install` runs it (packaging/install.cmake); tests/scripts/install.sh checks it.
#
#   packaging/man/gen-man.sh ACCEL ACCELD VERSION OUTDIR
set -euo pipefail
accel=$1
acceld=$2
version=$3
out=$4
mkdir -p "$out"
# The help texts name the default root: name the system's, whoever runs this.
export ACCEL_ROOT=/run/accel
unset ACCEL_BACKEND ACCEL_CONFIG

# Verbatim text for troff: backslashes escaped, no line read as a request.
verbatim() {
	printf '.nf\n'
	sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
	printf '.fi\n'
}

{
	cat <<MAN
.TH ACCEL 1 "" "accel $version" "User Commands"
.SH NAME
accel \\- list, describe, run and debug compute accelerators
.SH SYNOPSIS
.B accel
[\\fB\\-\\-help\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]
.SH DESCRIPTION
.B accel
works with the compute accelerators (accel nodes, char major 261) of a running kernel and
those of the accel root, served by
.BR acceld (8)
or by the accel core embedded in the command itself. Each command below is
.B accel
.I COMMAND
and answers
.BR \\-\\-help ;
a bad argument exits with status 2.
.SH COMMANDS
MAN
	"$accel" --help | sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z0-9-]*\)  *\(.*\)/\1\t\2/p' |
	while IFS=$'\t' read -r name summary; do
		printf '.SS %s\n%s\n' "$name" "$summary" | sed -e 's/\\/\\e/g'
		"$accel" "$name" --help | verbatim
	done
	cat <<'MAN'
.SH ENVIRONMENT
.TP
.B ACCEL_ROOT
the root whose nodes and attribute files are used (default /run/accel for root, else
/tmp/accel-UID)
.TP
.B ACCEL_BACKEND
kernel, daemon or embedded: force who serves the nodes
.TP
.B ACCEL_CONFIG
the configuration file of the embedded core (see acceld.conf)
.TP
.B ACCEL_PRELOAD
the LD_PRELOAD shim accel exec uses (default: libaccel-preload.so beside the installation)
.SH EXIT STATUS
0 on success, 1 when the operation failed, 2 for a usage error.
.SH SEE ALSO
.BR acceld (8)
MAN
} > "$out/accel.1"

{
	cat <<MAN
.TH ACCELD 8 "" "accel $version" "System Administration"
.SH NAME
acceld \\- serve compute accelerator devices under a root directory
.SH SYNOPSIS
.B acceld
[\\fIOPTIONS\\fR]
.SH DESCRIPTION
.B acceld
plays the kernel for accel's devices: it runs the accel core and its drivers and serves
each device node as a Unix socket under the root, with the attribute tree (sysfs, debugfs)
and per-client fdinfo as files. Programs reach it through libaccel and
.BR accel (1).
.SH OPTIONS
MAN
	"$acceld" --help | verbatim
	cat <<'MAN'
.SH FILES
.TP
.I acceld.conf
the devices to serve and the owner, group and mode of their nodes (INI), installed as an
example in the system configuration directory under accel/
.TP
.I ROOT/accel.lock
names the process that serves the root
.SH SEE ALSO
.BR accel (1)
MAN
} > "$out/acceld.8"
