// SPDX-License-Identifier: MIT
/*
 * accel - the command-line tool: list and describe accelerator devices.
 *
 * It sees what libaccel sees: a real kernel's /dev/accel and /sys/class/accel, and the
 * devices of the root ($ACCEL_ROOT) served by acceld or by the embedded core.
 *
 * This file holds the command table and the dispatch: `accel COMMAND [ARGS]` runs the
 * subcommand named COMMAND (one file each in tools/accel/, listed in commands.h), and
 * `accel --help` lists them from the table.
 */
#include <stdio.h>
#include <string.h>

#include "accel.h"

const char accel_prog[] = "accel";

/* The subcommands, in the order of commands.h. */
static const struct accel_cmd *const accel_cmds[] = {
#define ACCEL_COMMAND(cmd) &accel_cmd_##cmd,
#include "commands.h"
#undef ACCEL_COMMAND
};

#define ACCEL_NCMDS (sizeof(accel_cmds) / sizeof(accel_cmds[0]))

const struct accel_cmd *accel_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < ACCEL_NCMDS; i++)
		if (!strcmp(accel_cmds[i]->name, name))
			return accel_cmds[i];
	return NULL;
}

void accel_usage(FILE *out)
{
	int width = 0;
	size_t i;

	fprintf(out,
		"usage: %s [--help] COMMAND [ARGS]\n"
		"\n"
		"Compute accelerators (/dev/accel/accelN, major 261) on this machine and under the\n"
		"accel root (%s; set ACCEL_ROOT to change it), served by acceld or by the\n"
		"core embedded in this command (ACCEL_BACKEND=kernel|daemon|embedded forces one).\n"
		"\n"
		"commands:\n",
		accel_prog, accel_root());
	/* Summaries line up three columns after the longest name. */
	for (i = 0; i < ACCEL_NCMDS; i++)
		if ((int)strlen(accel_cmds[i]->name) > width)
			width = strlen(accel_cmds[i]->name);
	for (i = 0; i < ACCEL_NCMDS; i++)
		fprintf(out, "  %-*s   %s\n", width, accel_cmds[i]->name, accel_cmds[i]->summary);
	fprintf(out, "\nRun '%s COMMAND --help' for a command's options.\n", accel_prog);
}

static int is_help_option(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

int main(int argc, char **argv)
{
	const struct accel_cmd *cmd;

	if (argc < 2) {
		accel_usage(stderr);
		return 2;
	}
	if (is_help_option(argv[1])) {
		accel_usage(stdout);
		return 0;
	}
	cmd = accel_cmd_find(argv[1]);
	if (!cmd) {
		/* One line, as for every bad argument: the usage would bury it. */
		fprintf(stderr, "%s: unknown command '%s' ('%s --help' lists the commands)\n",
			accel_prog, argv[1], accel_prog);
		return 2;
	}
	/*
	 * `accel COMMAND --help` is the table's, so every command answers it alike; a command
	 * still takes --help among its other options (getopt_long()).
	 */
	if (argc > 2 && is_help_option(argv[2])) {
		cmd->usage(stdout);
		return 0;
	}
	return cmd->run(argc - 1, argv + 1);
}
