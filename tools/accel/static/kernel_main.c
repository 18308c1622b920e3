// SPDX-License-Identifier: MIT
/*
 * accel-kernel: `accel list`, `accel info` and `accel top` alone, linked statically against
 * a running kernel's nodes only (kernel_backend.c), for a machine without accel's libraries:
 * the kernel oracle's guest (tests/tools/kernel-record.sh), which has busybox and nothing
 * else. Same subcommand files as the accel command; only the table differs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../accel.h"

const char accel_prog[] = "accel";

static const struct accel_cmd *const kernel_cmds[] = {
	&accel_cmd_list,
	&accel_cmd_info,
	&accel_cmd_top,
};

#define KERNEL_NCMDS (sizeof(kernel_cmds) / sizeof(kernel_cmds[0]))

const struct accel_cmd *accel_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < KERNEL_NCMDS; i++)
		if (!strcmp(kernel_cmds[i]->name, name))
			return kernel_cmds[i];
	return NULL;
}

void accel_usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: %s COMMAND [ARGS]\n\nA running kernel's accel and DRM nodes.\n\n"
		"commands:\n", accel_prog);
	for (i = 0; i < KERNEL_NCMDS; i++)
		fprintf(out, "  %-6s %s\n", kernel_cmds[i]->name, kernel_cmds[i]->summary);
}

int main(int argc, char **argv)
{
	const struct accel_cmd *cmd;

	/* lib/devices.c lists the root's nodes too unless told that the kernel is all there is. */
	setenv("ACCEL_BACKEND", "kernel", 1);
	if (argc < 2) {
		accel_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help")) {
		accel_usage(stdout);
		return 0;
	}
	cmd = accel_cmd_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "%s: unknown command '%s'\n", accel_prog, argv[1]);
		return 2;
	}
	return cmd->run(argc - 1, argv + 1);
}
