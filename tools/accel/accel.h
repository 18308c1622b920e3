/* SPDX-License-Identifier: MIT */
/*
 * The accel command's subcommands and what they share.
 *
 * A subcommand is one file of tools/accel/ defining a struct accel_cmd named accel_cmd_NAME,
 * and one line of tools/accel/commands.h; main.c builds the command table from that list
 * (dispatch, `accel --help`, `accel help COMMAND`, `accel COMMAND --help`).
 */
#ifndef ACCEL_TOOL_ACCEL_H
#define ACCEL_TOOL_ACCEL_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>

#include <libaccel.h>

/**
 * struct accel_cmd - one subcommand of the accel command
 * @name: the word that names it on the command line (`accel NAME ...`)
 * @summary: one line for the command list of `accel --help`
 * @run: runs it; argv[0] is @name and getopt_long() starts afresh (optind = 1). Returns the
 *       exit status: 0, 1 when the operation failed, 2 for a usage error.
 * @usage: prints its usage and options to @out (stdout for --help, stderr on a usage error)
 */
struct accel_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *out);
};

/* The subcommands, declared from the list in commands.h. */
#define ACCEL_COMMAND(cmd) extern const struct accel_cmd accel_cmd_##cmd;
#include "commands.h"
#undef ACCEL_COMMAND

/* The program name that messages and usages print. */
extern const char accel_prog[];

/**
 * accel_cmd_find() - the subcommand named @name
 *
 * Returns it, or NULL when the table has no such command.
 */
const struct accel_cmd *accel_cmd_find(const char *name);

/**
 * accel_usage() - print the main usage, with the command list generated from the table
 * @out: stdout for --help, stderr on a usage error
 */
void accel_usage(FILE *out);

/**
 * accel_devices_get() - the devices libaccel sees, or a message on stderr saying why not
 * @v: set to an array the caller frees with free()
 * @n: set to its length
 * @all: also DRM nodes (card, renderD), not only accelerators
 *
 * Returns 0, or 1 (the exit status) after printing the reason.
 */
int accel_devices_get(struct accel_device_info **v, size_t *n, int all);

/**
 * accel_device_json() - the JSON object `list --json` and `info --json` print for @d
 *
 * Returns a new object; the caller drops it with json_object_put().
 */
json_object *accel_device_json(const struct accel_device_info *d);

#endif /* ACCEL_TOOL_ACCEL_H */
