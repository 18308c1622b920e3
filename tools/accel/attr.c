// SPDX-License-Identifier: MIT
/*
 * accel attr get|set PATH [VALUE] - an attribute's show or store callback, by path, through
 * whoever serves the root (accel_attr_read()/accel_attr_write()): what a shell's cat and
 * echo do where ROOT/sys is served live, and what reaches the callbacks where it is not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"

static void attr_usage(FILE *out)
{
	fprintf(out,
		"usage: %s attr get PATH\n"
		"       %s attr set [-n] PATH VALUE\n"
		"\n"
		"Read an attribute's live value (its show callback) or store a value (its store\n"
		"callback) through whoever serves the root: acceld, else this command's embedded\n"
		"core; a real kernel's /sys with ACCEL_BACKEND=kernel. PATH is the file under the\n"
		"root (sys/..., proc/PID/fdinfo/N), the same with a leading '/', or a full path\n"
		"under the root. Where ROOT/sys is served live (FUSE), cat and echo do the same.\n"
		"\n"
		"  get PATH         print the value as the show renders it\n"
		"  set PATH VALUE   store VALUE followed by a newline (one write, as echo does);\n"
		"                   the store's error is the command's (exit 1)\n"
		"  -n               set: no newline after VALUE\n"
		"  --help           show this help\n"
		"\n"
		"examples:\n"
		"  %s attr get sys/devices/platform/vnpu.0/engines/compute0/resets\n"
		"  %s attr set sys/kernel/debug/accel/vnpu.0/inject_hang 1\n"
		"  %s attr set sys/kernel/debug/accel/vnpu.0/inject_reset compute0\n"
		"  %s attr get /sys/kernel/debug/accel/vnpu.0/last_hang\n",
		accel_prog, accel_prog, accel_prog, accel_prog, accel_prog, accel_prog);
}

static int attr_get(const char *path)
{
	char *value = NULL;
	ssize_t n = accel_attr_read(path, &value);

	if (n < 0) {
		fprintf(stderr, "%s attr: get %s: %s\n", accel_prog, path, strerror((int)-n));
		return 1;
	}
	fwrite(value, 1, (size_t)n, stdout);
	free(value);
	return fflush(stdout) ? 1 : 0;
}

static int attr_set(const char *path, const char *value, int newline)
{
	size_t len = strlen(value);
	char *text = malloc(len + 2);
	ssize_t n;

	if (!text) {
		fprintf(stderr, "%s attr: set %s: %s\n", accel_prog, path, strerror(ENOMEM));
		return 1;
	}
	memcpy(text, value, len);
	if (newline)
		text[len++] = '\n';
	text[len] = 0;
	n = accel_attr_write(path, text, len);
	free(text);
	if (n < 0) {
		fprintf(stderr, "%s attr: set %s: %s\n", accel_prog, path, strerror((int)-n));
		return 1;
	}
	return 0;
}

static int attr_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int newline = 1, c;
	const char *action;

	optind = 1;
	opterr = 0; /* the one line below names the problem */
	/* "+": options stop at the action; set's -n is read after it. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': opterr = 1; attr_usage(stdout); return 0;
		default:
			fprintf(stderr, "%s attr: unknown option '%s' (see %s attr --help)\n", accel_prog,
				argv[optind - 1], accel_prog);
			opterr = 1;
			return 2;
		}
	}
	opterr = 1;
	if (optind >= argc) {
		fprintf(stderr, "%s attr: missing action: get or set (see %s attr --help)\n",
			accel_prog, accel_prog);
		return 2;
	}
	action = argv[optind++];
	if (!strcmp(action, "get")) {
		if (optind >= argc) {
			fprintf(stderr, "%s attr get: missing PATH\n", accel_prog);
			return 2;
		}
		if (optind + 1 < argc) {
			fprintf(stderr, "%s attr get: unexpected argument '%s'\n", accel_prog,
				argv[optind + 1]);
			return 2;
		}
		return attr_get(argv[optind]);
	}
	if (!strcmp(action, "set")) {
		if (optind < argc && !strcmp(argv[optind], "-n")) {
			newline = 0;
			optind++;
		}
		if (argc - optind < 2) {
			fprintf(stderr, "%s attr set: missing %s\n", accel_prog,
				optind >= argc ? "PATH and VALUE" : "VALUE");
			return 2;
		}
		if (argc - optind > 2) {
			fprintf(stderr, "%s attr set: unexpected argument '%s' (quote a VALUE with spaces)\n",
				accel_prog, argv[optind + 2]);
			return 2;
		}
		return attr_set(argv[optind], argv[optind + 1], newline);
	}
	fprintf(stderr, "%s attr: unknown action '%s': get or set\n", accel_prog, action);
	return 2;
}

const struct accel_cmd accel_cmd_attr = {
	.name = "attr",
	.summary = "read or store a device attribute (sysfs, debugfs, fdinfo) by path",
	.run = attr_run,
	.usage = attr_usage,
};
