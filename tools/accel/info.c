// SPDX-License-Identifier: MIT
/*
 * accel info [--json] DEVICE - one device: node, dev numbers, driver, version, caps, parent.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"

static void info_usage(FILE *out)
{
	fprintf(out,
		"usage: %s info [--json] DEVICE\n"
		"\n"
		"Describe one device: its node, dev numbers, driver, version, capabilities, parent.\n"
		"DEVICE is a node name (accel0), a minor number (0) or a path (/dev/accel/accel0).\n"
		"\n"
		"  --json   print a JSON object\n"
		"  --help   show this help\n",
		accel_prog);
}

/* A capability's value, or "?" when the device did not answer it (negative). */
static const char *cap_str(int64_t v, char *buf, size_t n)
{
	if (v < 0)
		snprintf(buf, n, "?");
	else
		snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

/* True when @want names @d: its node name, its path, or (accelerators only) its minor. */
static int device_matches(const struct accel_device_info *d, const char *want)
{
	char *end;
	long minor;

	if (!strcmp(d->node, want) || !strcmp(d->path, want))
		return 1;
	minor = strtol(want, &end, 10);
	return !*end && end != want && d->is_accel && minor == (long)d->minor;
}

static void info_print_json(const struct accel_device_info *d)
{
	json_object *o = accel_device_json(d);

	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

static void info_print_text(const struct accel_device_info *d)
{
	char b1[24], b2[24], b3[24], b4[24];

	printf("node:       %s\n", d->node);
	printf("path:       %s\n", d->path);
	printf("dev:        %u:%u (%s)\n", d->major, d->minor, d->is_accel ? "accel" : "drm");
	printf("backend:    %s\n", accel_backend_name(d->backend));
	printf("parent:     %s\n", d->parent);
	if (d->open_error) {
		printf("error:      %s\n", strerror(-d->open_error));
		return;
	}
	printf("driver:     %s (%s)\n", d->driver, d->desc);
	printf("version:    %d.%d.%d\n", d->version_major, d->version_minor, d->version_patchlevel);
	printf("caps:       prime=%s syncobj=%s syncobj_timeline=%s timestamp_monotonic=%s\n",
	       cap_str(d->cap_prime, b1, sizeof(b1)), cap_str(d->cap_syncobj, b2, sizeof(b2)),
	       cap_str(d->cap_syncobj_timeline, b3, sizeof(b3)),
	       cap_str(d->cap_timestamp_monotonic, b4, sizeof(b4)));
}

static int info_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct accel_device_info *v, *d = NULL;
	int json = 0, c;
	size_t n, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'h': info_usage(stdout); return 0;
		default: info_usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s info: give exactly one DEVICE\n", accel_prog);
		info_usage(stderr);
		return 2;
	}
	if (accel_devices_get(&v, &n, 1))
		return 1;
	for (i = 0; i < n && !d; i++)
		if (device_matches(&v[i], argv[optind]))
			d = &v[i];
	if (!d) {
		fprintf(stderr, "%s info: no device '%s' (see '%s list --all')\n", accel_prog,
			argv[optind], accel_prog);
		free(v);
		return 1;
	}
	if (json)
		info_print_json(d);
	else
		info_print_text(d);
	free(v);
	return 0;
}

const struct accel_cmd accel_cmd_info = {
	.name = "info",
	.summary = "describe one device",
	.run = info_run,
	.usage = info_usage,
};
