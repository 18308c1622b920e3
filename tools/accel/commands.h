/* SPDX-License-Identifier: MIT */
/*
 * The accel command's subcommands, in the order `accel --help` lists them: one line each,
 * ACCEL_COMMAND(name) for the struct accel_cmd accel_cmd_name that tools/accel/name.c defines.
 * Included by accel.h and main.c with ACCEL_COMMAND defined as each needs (no include guard).
 */
ACCEL_COMMAND(list)
ACCEL_COMMAND(info)
ACCEL_COMMAND(top)
ACCEL_COMMAND(compile)
ACCEL_COMMAND(run)
ACCEL_COMMAND(exec)
ACCEL_COMMAND(trace)
ACCEL_COMMAND(attr)
ACCEL_COMMAND(debug)
ACCEL_COMMAND(help)
