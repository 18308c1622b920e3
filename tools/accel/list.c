// SPDX-License-Identifier: MIT
/*
 * accel list [--json] [--all] - the accelerator nodes, each with the backend that serves it.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"

static void list_usage(FILE *out)
{
	fprintf(out,
		"usage: %s list [--json] [--all]\n"
		"\n"
		"List accelerator nodes: a running kernel's and those of the accel root, each with\n"
		"the backend that serves it to this command (kernel, daemon or embedded).\n"
		"\n"
		"  --json   print a JSON array (fields: docs/tools.md)\n"
		"  --all    also list DRM nodes (card, renderD) to show what is not an accelerator\n"
		"  --help   show this help\n"
		"\n"
		"examples:\n"
		"  %s list\n"
		"  %s list --all --json\n"
		"  ACCEL_BACKEND=kernel %s list    # a running kernel's nodes only\n",
		accel_prog, accel_prog, accel_prog, accel_prog);
}

static void list_print_json(const struct accel_device_info *v, size_t n)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, accel_device_json(&v[i]));
	puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
}

static void list_print_table(const struct accel_device_info *v, size_t n)
{
	size_t i;

	printf("%-12s %-8s %-9s %-22s %-8s %s\n", "NODE", "DEV", "BACKEND", "DRIVER", "VERSION",
	       "PARENT");
	for (i = 0; i < n; i++) {
		char dev[24], ver[32];

		snprintf(dev, sizeof(dev), "%u:%u", v[i].major, v[i].minor);
		snprintf(ver, sizeof(ver), "%d.%d.%d", v[i].version_major, v[i].version_minor,
			 v[i].version_patchlevel);
		printf("%-12s %-8s %-9s %-22s %-8s %s\n", v[i].node, dev,
		       accel_backend_name(v[i].backend),
		       v[i].open_error ? strerror(-v[i].open_error) : v[i].driver,
		       v[i].open_error ? "-" : ver, v[i].parent);
	}
	if (!n)
		printf("(no accelerator devices)\n");
}

static int list_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct accel_device_info *v;
	int json = 0, all = 0, c;
	size_t n;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jah", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'a': all = 1; break;
		case 'h': list_usage(stdout); return 0;
		default:
			if (optopt)
				fprintf(stderr, "%s list: unknown option '-%c'\n", accel_prog, optopt);
			else
				fprintf(stderr, "%s list: unknown option '%s'\n", accel_prog, argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s list: unexpected argument '%s'\n", accel_prog, argv[optind]);
		return 2;
	}
	if (accel_devices_get(&v, &n, all))
		return 1;
	if (json)
		list_print_json(v, n);
	else
		list_print_table(v, n);
	free(v);
	return 0;
}

const struct accel_cmd accel_cmd_list = {
	.name = "list",
	.summary = "list accelerator devices (--all: DRM nodes too)",
	.run = list_run,
	.usage = list_usage,
};
