// SPDX-License-Identifier: MIT
/*
 * accel help [COMMAND] - the main usage, or the usage of one command.
 */
#include <stdio.h>

#include "accel.h"

static void help_usage(FILE *out)
{
	fprintf(out,
		"usage: %s help [COMMAND]\n"
		"\n"
		"Show the usage of COMMAND (as '%s COMMAND --help' does), or the list of commands.\n"
		"\n"
		"examples:\n"
		"  %s help           # the commands\n"
		"  %s help trace     # accel trace's options\n",
		accel_prog, accel_prog, accel_prog, accel_prog);
}

static int help_run(int argc, char **argv)
{
	const struct accel_cmd *cmd;

	if (argc < 2) {
		accel_usage(stdout);
		return 0;
	}
	/* Arguments after COMMAND are ignored, as they always were. */
	cmd = accel_cmd_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "%s help: no command '%s' (see '%s --help')\n", accel_prog, argv[1],
			accel_prog);
		return 2;
	}
	cmd->usage(stdout);
	return 0;
}

const struct accel_cmd accel_cmd_help = {
	.name = "help",
	.summary = "show help for a command",
	.run = help_run,
	.usage = help_usage,
};
