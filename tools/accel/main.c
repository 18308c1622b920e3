// SPDX-License-Identifier: MIT
/*
 * accel - the command-line tool: list and describe accelerator devices.
 *
 * It sees what libaccel sees: a real kernel's /dev/accel and /sys/class/accel, and the
 * devices of the root ($ACCEL_ROOT) served by acceld or by the embedded core.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libaccel.h>

static const char *prog = "accel";

static void usage_main(FILE *out)
{
	fprintf(out,
		"usage: %s [--help] COMMAND [ARGS]\n"
		"\n"
		"Compute accelerators (/dev/accel/accelN, major 261) on this machine and under the\n"
		"accel root (%s; set ACCEL_ROOT to change it), served by acceld or by the\n"
		"core embedded in this command (ACCEL_BACKEND=kernel|daemon|embedded forces one).\n"
		"\n"
		"commands:\n"
		"  list   list accelerator devices (--all: DRM nodes too)\n"
		"  info   describe one device\n"
		"  help   show help for a command\n"
		"\n"
		"Run '%s COMMAND --help' for a command's options.\n",
		prog, accel_root(), prog);
}

static void usage_list(FILE *out)
{
	fprintf(out,
		"usage: %s list [--json] [--all]\n"
		"\n"
		"List accelerator nodes: a running kernel's and those of the accel root, each with\n"
		"the backend that serves it to this command (kernel, daemon or embedded).\n"
		"\n"
		"  --json   print a JSON array\n"
		"  --all    also list DRM nodes (card, renderD) to show what is not an accelerator\n"
		"  --help   show this help\n",
		prog);
}

static void usage_info(FILE *out)
{
	fprintf(out,
		"usage: %s info [--json] DEVICE\n"
		"\n"
		"Describe one device: its node, dev numbers, driver, version, capabilities, parent.\n"
		"DEVICE is a node name (accel0), a minor number (0) or a path (/dev/accel/accel0).\n"
		"\n"
		"  --json   print a JSON object\n"
		"  --help   show this help\n",
		prog);
}

static const char *cap_str(int64_t v, char *buf, size_t n)
{
	if (v < 0)
		snprintf(buf, n, "?");
	else
		snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

static json_object *info_json(const struct accel_device_info *d)
{
	json_object *o = json_object_new_object();
	char dev[32];

	snprintf(dev, sizeof(dev), "%u:%u", d->major, d->minor);
	json_object_object_add(o, "node", json_object_new_string(d->node));
	json_object_object_add(o, "path", json_object_new_string(d->path));
	json_object_object_add(o, "dev", json_object_new_string(dev));
	json_object_object_add(o, "accel", json_object_new_boolean(d->is_accel));
	json_object_object_add(o, "backend", json_object_new_string(accel_backend_name(d->backend)));
	json_object_object_add(o, "parent", json_object_new_string(d->parent));
	if (d->open_error) {
		json_object_object_add(o, "error", json_object_new_string(strerror(-d->open_error)));
		return o;
	}
	json_object_object_add(o, "driver", json_object_new_string(d->driver));
	json_object_object_add(o, "desc", json_object_new_string(d->desc));
	{
		char v[48];

		snprintf(v, sizeof(v), "%d.%d.%d", d->version_major, d->version_minor,
			 d->version_patchlevel);
		json_object_object_add(o, "version", json_object_new_string(v));
	}
	{
		json_object *caps = json_object_new_object();

		json_object_object_add(caps, "prime", json_object_new_int64(d->cap_prime));
		json_object_object_add(caps, "syncobj", json_object_new_int64(d->cap_syncobj));
		json_object_object_add(caps, "syncobj_timeline",
				       json_object_new_int64(d->cap_syncobj_timeline));
		json_object_object_add(caps, "timestamp_monotonic",
				       json_object_new_int64(d->cap_timestamp_monotonic));
		json_object_object_add(o, "caps", caps);
	}
	return o;
}

static int list_devices(struct accel_device_info **v, size_t *n, int all)
{
	int err = accel_devices_list(v, n, all);

	if (err == -ECONNREFUSED) {
		fprintf(stderr, "%s: no acceld serves %s (the one that did is gone): start acceld, "
			"or set ACCEL_BACKEND=embedded to run the devices in this command\n", prog,
			accel_root());
		return 1;
	}
	if (err) {
		fprintf(stderr, "%s: cannot list devices under %s: %s%s\n", prog, accel_root(),
			strerror(-err),
			err == -EINVAL && getenv("ACCEL_BACKEND") ?
				" (ACCEL_BACKEND must be kernel, daemon or embedded)" : "");
		return 1;
	}
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct accel_device_info *v;
	int json = 0, all = 0, c;
	size_t n, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jah", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'a': all = 1; break;
		case 'h': usage_list(stdout); return 0;
		default: usage_list(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s list: unexpected argument '%s'\n", prog, argv[optind]);
		usage_list(stderr);
		return 2;
	}
	if (list_devices(&v, &n, all))
		return 1;
	if (json) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < n; i++)
			json_object_array_add(arr, info_json(&v[i]));
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY));
		json_object_put(arr);
	} else {
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
	free(v);
	return 0;
}

static int device_matches(const struct accel_device_info *d, const char *want)
{
	char *end;
	long minor;

	if (!strcmp(d->node, want) || !strcmp(d->path, want))
		return 1;
	minor = strtol(want, &end, 10);
	return !*end && end != want && d->is_accel && minor == (long)d->minor;
}

static int cmd_info(int argc, char **argv)
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
		case 'h': usage_info(stdout); return 0;
		default: usage_info(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s info: give exactly one DEVICE\n", prog);
		usage_info(stderr);
		return 2;
	}
	if (list_devices(&v, &n, 1))
		return 1;
	for (i = 0; i < n && !d; i++)
		if (device_matches(&v[i], argv[optind]))
			d = &v[i];
	if (!d) {
		fprintf(stderr, "%s info: no device '%s' (see '%s list --all')\n", prog, argv[optind], prog);
		free(v);
		return 1;
	}
	if (json) {
		json_object *o = info_json(d);

		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
	} else {
		char b1[24], b2[24], b3[24], b4[24];

		printf("node:       %s\n", d->node);
		printf("path:       %s\n", d->path);
		printf("dev:        %u:%u (%s)\n", d->major, d->minor, d->is_accel ? "accel" : "drm");
		printf("backend:    %s\n", accel_backend_name(d->backend));
		printf("parent:     %s\n", d->parent);
		if (d->open_error) {
			printf("error:      %s\n", strerror(-d->open_error));
		} else {
			printf("driver:     %s (%s)\n", d->driver, d->desc);
			printf("version:    %d.%d.%d\n", d->version_major, d->version_minor,
			       d->version_patchlevel);
			printf("caps:       prime=%s syncobj=%s syncobj_timeline=%s timestamp_monotonic=%s\n",
			       cap_str(d->cap_prime, b1, sizeof(b1)), cap_str(d->cap_syncobj, b2, sizeof(b2)),
			       cap_str(d->cap_syncobj_timeline, b3, sizeof(b3)),
			       cap_str(d->cap_timestamp_monotonic, b4, sizeof(b4)));
		}
	}
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage_main(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage_main(stdout);
		return 0;
	}
	if (!strcmp(cmd, "help")) {
		if (argc < 3)
			usage_main(stdout);
		else if (!strcmp(argv[2], "list"))
			usage_list(stdout);
		else if (!strcmp(argv[2], "info"))
			usage_info(stdout);
		else {
			fprintf(stderr, "%s: no command '%s'\n", prog, argv[2]);
			return 2;
		}
		return 0;
	}
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "info"))
		return cmd_info(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
	usage_main(stderr);
	return 2;
}
