// SPDX-License-Identifier: MIT
/*
 * accel debug - a device's debug views and fault injection, through its debugfs files:
 *
 *   dump DEVICE [-o FILE] [--clear] [--json]
 *                                     the device's state and its coredumps (the last hang
 *                                     and fault, with the packets around where the stream
 *                                     stopped decoded by name and the client's mappings)
 *   inject DEVICE KIND [--engine E] [--count N]
 *                                     arm the driver's fault injection (hang, fault,
 *                                     dma-error)
 *   vm PID[/ID] [--json]              a process's address spaces on the devices
 *
 * The files are read and written through their show and store callbacks (libaccel's
 * accel_attr_read() and accel_attr_write(): in this process's embedded core, or acceld's),
 * never through the copies published under the root, which lag and cannot be written.
 * The driver renders the views (drivers/vnpu/vnpu_coredump.c, vnpu_debugfs.c, vnpu_vm.c);
 * this command finds the device's debugfs directory and puts the views together, as text
 * or, with --json, as one JSON object (debug_json.c reads the driver's text).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"
#include "debug_json.h"
#include "host/host.h"
#include "lib/libaccel_internal.h"
#include <libaccel.h>

/* accel_attr_read() as 0 or -errno, the value's length in *@len when @len is not NULL. */
static int attr_read_len(const char *path, char **out, size_t *len)
{
	ssize_t n = accel_attr_read(path, out);

	if (n < 0)
		return (int)n;
	if (len)
		*len = (size_t)n;
	return 0;
}

#define DEBUG_NELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void debug_usage(FILE *out)
{
	fprintf(out,
		"usage: %s debug dump DEVICE [-o FILE] [--clear] [--json]\n"
		"       %s debug inject DEVICE hang|fault|dma-error [--engine E] [--count N]\n"
		"       %s debug vm PID[/ID] [--json]\n"
		"\n"
		"Debug views and fault injection of a vnpu device, through its debugfs files\n"
		"(sys/kernel/debug/accel/<device>/ under the root), read and written through the\n"
		"driver's callbacks in acceld or in this command's embedded core.\n"
		"DEVICE is a node name (accel0), a minor number (0) or a path (/dev/accel/accel0).\n"
		"\n"
		"  dump     the device's state (engines, their running and queued jobs, contexts,\n"
		"           the last jobs) and its coredumps: the last hang and the last fault,\n"
		"           each with the job, the command-stream packets around where it stopped\n"
		"           decoded by opcode name, and the faulting client's VM mappings\n"
		"    -o, --output FILE  write the dump to FILE instead of standard output\n"
		"    --clear            dismiss the coredumps once written (the next hang or fault\n"
		"                       starts afresh)\n"
		"    -j, --json         one JSON object: state, queues, jobs, coredumps (the fields\n"
		"                       are in docs/tools.md)\n"
		"  inject   arm fault injection for the next jobs:\n"
		"             hang       the next N jobs to start hang until the job timeout\n"
		"                        resets them (-ETIME, context killed)\n"
		"             fault      the next N memory accesses of jobs fault (-EFAULT)\n"
		"             dma-error  the next N DMA packets fail (-EIO)\n"
		"    --count N          how many (default 1; 0 disarms), at most 1000\n"
		"    --engine E         only jobs on engine E (compute0, dma0, ...; 'all': any)\n"
		"           a vedge node (one NPU, no engines to choose) takes hang (the next N\n"
		"           streams hang until the timeout resets the NPU: -ETIMEDOUT) and fault\n"
		"           (the next N streams stop with a bus fault: -EIO)\n"
		"  vm       the GPU VM mappings and last fault of every open file of process PID\n"
		"           on the vnpu devices; PID/ID picks one file: ID is its fdinfo name\n"
		"           (proc/PID/fdinfo/ID under the root: the DRM client id)\n"
		"    -j, --json         one JSON object: the process's files and their mappings\n"
		"  --help   show this help\n"
		"\n"
		"examples:\n"
		"  %s debug inject accel0 hang        # the next job hangs\n"
		"  %s debug dump accel0 -o dump.txt   # after the hang: the hung job and packet\n"
		"  %s debug dump accel0 --json | jq .coredumps.hang.job\n"
		"  %s debug inject accel0 dma-error --engine dma0 --count 2\n"
		"  %s debug vm 4242                   # process 4242's address spaces\n"
		"  %s debug vm 4242/12 --json\n",
		accel_prog, accel_prog, accel_prog, accel_prog, accel_prog, accel_prog, accel_prog,
		accel_prog, accel_prog);
}

/* A usage error: one line naming the problem, status 2. */
static int debug_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int debug_bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s debug: ", accel_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s debug --help')\n", accel_prog);
	return 2;
}

/* True when @want names @d: its node name, its path, or (accelerators only) its minor. */
static int debug_device_matches(const struct accel_device_info *d, const char *want)
{
	char *end;
	long minor;

	if (!strcmp(d->node, want) || !strcmp(d->path, want))
		return 1;
	minor = strtol(want, &end, 10);
	return !*end && end != want && d->is_accel && minor == (long)d->minor;
}

/*
 * The vnpu device @want names (or vedge, when @vedge_too: it has the injection files only),
 * copied to @out. 0; 2 when @want names no device (a usage error); 1 when the devices cannot
 * be listed or it is not one of those (after a message).
 */
static int debug_find_device(const char *want, bool vedge_too, struct accel_device_info *out)
{
	struct accel_device_info *v;
	size_t n, i;
	int ret = 2;

	if (accel_devices_get(&v, &n, 0))
		return 1;
	for (i = 0; i < n; i++) {
		if (!debug_device_matches(&v[i], want))
			continue;
		*out = v[i];
		ret = 0;
		break;
	}
	free(v);
	if (ret)
		return debug_bad("no device '%s' (see 'accel list')", want);
	if (out->backend == ACCEL_BACKEND_KERNEL ||
	    (strcmp(out->driver, "vnpu") && !(vedge_too && !strcmp(out->driver, "vedge")))) {
		fprintf(stderr, "%s debug: %s is %s%s%s: only the root's vnpu devices have these "
			"debug files\n", accel_prog, out->node,
			out->backend == ACCEL_BACKEND_KERNEL ? "a kernel's device" : "driver '",
			out->backend == ACCEL_BACKEND_KERNEL ? "" : out->driver,
			out->backend == ACCEL_BACKEND_KERNEL ? "" : "'");
		return 1;
	}
	return 0;
}

/* The path of debugfs file @name of @d, relative to the root. */
static void debugfs_path(const struct accel_device_info *d, const char *name, char *buf,
			 size_t size)
{
	/* debugfs directories are named by the device's unique name: its parent's name. */
	snprintf(buf, size, "sys/kernel/debug/accel/%s/%s", d->parent, name);
}

/* Read debugfs file @name of @d (malloc'd text), or NULL after a message. */
static char *debugfs_read(const struct accel_device_info *d, const char *name)
{
	char path[PATH_MAX], *text = NULL;
	int err;

	debugfs_path(d, name, path, sizeof(path));
	err = attr_read_len(path, &text, NULL);
	if (err) {
		fprintf(stderr, "%s debug: cannot read %s: %s\n", accel_prog, path, strerror(-err));
		return NULL;
	}
	return text;
}

/* Store @value into debugfs file @name of @d: 0 or -errno (no message). */
static int debugfs_write(const struct accel_device_info *d, const char *name, const char *value)
{
	char path[PATH_MAX];
	ssize_t n;

	debugfs_path(d, name, path, sizeof(path));
	n = accel_attr_write(path, value, strlen(value));
	return n < 0 ? (int)n : 0;
}

/* The dump's sections: each a debugfs file of the device, in this order. */
static const struct {
	const char *file;
	const char *title;
} debug_dump_sections[] = {
	{ "state", "state: engines, their running and queued jobs, the last hang and fault" },
	{ "queues", "queues: every context and user queue" },
	{ "jobs", "jobs: the last jobs that ran, oldest first" },
	{ "coredump", "coredump: the last hang and fault as the device saw them" },
};

/* The dump as one JSON object: the device, then each section as debug_json.c reads it. */
static int debug_dump_json(const struct accel_device_info *d, FILE *out)
{
	json_object *(*const parse[])(const char *) = {
		debug_json_state, debug_json_queues, debug_json_jobs, debug_json_coredumps,
	};
	static const char *const keys[] = { "state", "queues", "jobs", "coredumps" };
	json_object *o = json_object_new_object();
	size_t i;
	int ret = 0;

	if (!o)
		return 1;
	json_object_object_add(o, "node", json_object_new_string(d->node));
	json_object_object_add(o, "path", json_object_new_string(d->path));
	json_object_object_add(o, "driver", json_object_new_string(d->driver));
	json_object_object_add(o, "device", json_object_new_string(d->parent));
	json_object_object_add(o, "backend", json_object_new_string(accel_backend_name(d->backend)));
	for (i = 0; i < DEBUG_NELEMS(debug_dump_sections); i++) {
		char *text = debugfs_read(d, debug_dump_sections[i].file);

		if (!text) {
			ret = 1;
			break;
		}
		json_object_object_add(o, keys[i], parse[i](text));
		free(text);
	}
	if (!ret)
		fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return ret;
}

static int debug_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "clear", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *output = NULL;
	struct accel_device_info d;
	FILE *out = stdout;
	int c, ret = 0;
	bool clear = false, json = false;
	size_t i;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'c': clear = true; break;
		case 'j': json = true; break;
		case 'h': debug_usage(stdout); return 0;
		default:
			return debug_bad("dump: bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return debug_bad("dump: give exactly one DEVICE");
	ret = debug_find_device(argv[optind], false, &d);
	if (ret)
		return ret;
	if (output) {
		out = fopen(output, "we");
		if (!out) {
			fprintf(stderr, "%s debug: cannot write %s: %s\n", accel_prog, output,
				strerror(errno));
			return 1;
		}
	}
	if (json) {
		ret = debug_dump_json(&d, out);
		goto written;
	}
	fprintf(out, "accel debug dump: %s (%s) driver=%s device=%s backend=%s\n", d.node, d.path,
		d.driver, d.parent, accel_backend_name(d.backend));
	for (i = 0; i < DEBUG_NELEMS(debug_dump_sections); i++) {
		char *text = debugfs_read(&d, debug_dump_sections[i].file);

		if (!text) {
			ret = 1;
			break;
		}
		fprintf(out, "\n== %s\n%s", debug_dump_sections[i].title, text);
		free(text);
	}
written:
	if (!ret && clear && debugfs_write(&d, "coredump", "1\n"))
		ret = 1;
	if (out != stdout && fclose(out)) {
		fprintf(stderr, "%s debug: cannot write %s: %s\n", accel_prog, output, strerror(errno));
		ret = 1;
	}
	return ret;
}

/* KIND of `inject`: the debugfs file that arms it. */
static const struct {
	const char *kind;
	const char *file;
	const char *what;
} debug_inject_kinds[] = {
	{ "hang", "inject_hang", "job(s) to start hang until the timeout resets them" },
	{ "fault", "inject_fault", "memory access(es) of jobs fault" },
	{ "dma-error", "inject_dma_error", "DMA packet(s) fail with -EIO" },
};

static int debug_inject(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *engine = NULL, *file = NULL, *what = NULL;
	struct accel_device_info d;
	char value[32], *end;
	long count = 1;
	int c, ret;
	size_t i;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "e:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e': engine = optarg; break;
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || count < 0 || count > 1000)
				return debug_bad("inject: --count must be 0 to 1000, not '%s'", optarg);
			break;
		case 'h': debug_usage(stdout); return 0;
		default:
			return debug_bad("inject: bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 2)
		return debug_bad("inject: give a DEVICE and a KIND (hang, fault, dma-error)");
	for (i = 0; i < DEBUG_NELEMS(debug_inject_kinds); i++) {
		if (!strcmp(argv[optind + 1], debug_inject_kinds[i].kind)) {
			file = debug_inject_kinds[i].file;
			what = debug_inject_kinds[i].what;
		}
	}
	if (!file)
		return debug_bad("inject: unknown KIND '%s' (hang, fault, dma-error)", argv[optind + 1]);
	ret = debug_find_device(argv[optind], true, &d);
	if (ret)
		return ret;
	/* The engine first: the count armed next must not be taken by another engine's job. */
	ret = debugfs_write(&d, "inject_engine", engine ? engine : "all");
	/* A device without engines to choose (vedge) has no inject_engine: any job is armed. */
	if (ret == -ENOENT && !engine)
		ret = 0;
	if (ret == -ENOENT) {
		fprintf(stderr, "%s debug: inject: %s has no engines to choose (no --engine)\n",
			accel_prog, d.node);
		return 2;
	}
	if (ret == -EINVAL && engine) {
		char *names = debugfs_read(&d, "inject_reset");

		if (names)
			names[strcspn(names, "\n")] = 0;
		fprintf(stderr, "%s debug: inject: %s has no engine '%s' (%s) (see '%s debug --help')\n",
			accel_prog, d.node, engine, names ? names : "?", accel_prog);
		free(names);
		return 2;
	}
	if (!ret) {
		snprintf(value, sizeof(value), "%ld\n", count);
		ret = debugfs_write(&d, file, value);
	}
	if (ret) {
		fprintf(stderr, "%s debug: inject: cannot arm %s of %s: %s\n", accel_prog, file,
			d.node, strerror(-ret));
		return 1;
	}
	printf("%s: the next %ld %s%s%s\n", d.node, count, what, engine ? " on " : "",
	       engine ? engine : "");
	return 0;
}

/*
 * The section of debugfs "vm" text @vm for client @id: from its "client ID:" line to the
 * next section, in [*@start, *@end). False when it has none.
 */
static bool debug_vm_section(const char *vm, unsigned long long id, const char **start,
			     const char **end)
{
	char head[48];
	const char *p = vm, *e;
	size_t hl;

	hl = (size_t)snprintf(head, sizeof(head), "client %llu:", id);
	/* Sections start with "client ID: N mappings" at the start of a line. */
	while (p && *p) {
		if (!strncmp(p, head, hl))
			break;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p)
		return false;
	e = p;
	do {
		const char *nl = strchr(e, '\n');

		e = nl ? nl + 1 : e + strlen(e);
	} while (*e && strncmp(e, "client ", 7));
	*start = p;
	*end = e;
	return true;
}

/*
 * Client @id's section of debugfs "vm" text @vm of device @dev: printed, or (@files not
 * NULL) added to @files as an object. True when @vm has one.
 */
static bool debug_vm_client(const char *vm, unsigned long long id,
			    const struct accel_device_info *dev, json_object *files)
{
	const char *start, *end;
	json_object *o;

	if (!debug_vm_section(vm, id, &start, &end))
		return false;
	if (!files) {
		printf("%s (%s) ", dev->node, dev->parent);
		fwrite(start, 1, (size_t)(end - start), stdout);
		return true;
	}
	o = debug_json_vm_client(start, (size_t)(end - start));
	if (!o)
		return false;
	json_object_object_add(o, "node", json_object_new_string(dev->node));
	json_object_object_add(o, "device", json_object_new_string(dev->parent));
	json_object_array_add(files, o);
	return true;
}

static int debug_vm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	json_object *files = NULL;
	unsigned long long want_id = 0;
	struct accel_device_info *v;
	char dir[PATH_MAX], *end;
	const char *root;
	enum accel_backend b;
	unsigned int found = 0;
	struct dirent *e;
	size_t n, i;
	long pid;
	int c, err;
	DIR *dp;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'h') {
			debug_usage(stdout);
			return 0;
		}
		if (c == 'j') {
			if (!files && !(files = json_object_new_array()))
				return 1;
			continue;
		}
		json_object_put(files);
		return debug_bad("vm: bad option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1) {
		json_object_put(files);
		return debug_bad("vm: give exactly one PID or PID/ID");
	}
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (!errno && *end == '/' && end[1]) {
		char *idend;

		want_id = strtoull(end + 1, &idend, 10);
		end = want_id ? idend : end;
	}
	if (errno || end == argv[optind] || *end || pid <= 0) {
		json_object_put(files);
		return debug_bad("vm: '%s' is not a PID or PID/ID", argv[optind]);
	}
	if (accel_devices_get(&v, &n, 0)) {
		json_object_put(files);
		return 1;
	}
	/*
	 * The process's open files: the names of its fdinfo directory under the root (published
	 * by whoever serves the root: acceld's shared root, or this process's own).
	 */
	err = accel_root_backend(&b);
	root = !err && b == ACCEL_BACKEND_DAEMON ? accel_root_shared() : accel_root();
	snprintf(dir, sizeof(dir), "%s/proc/%ld/fdinfo", root, pid);
	dp = opendir(dir);
	while (dp && (e = readdir(dp))) {
		unsigned long long id = strtoull(e->d_name, &end, 10);

		if (e->d_name[0] == '.' || *end || (want_id && id != want_id))
			continue;
		for (i = 0; i < n; i++) {
			char path[PATH_MAX], *vm = NULL;

			if (v[i].backend == ACCEL_BACKEND_KERNEL || strcmp(v[i].driver, "vnpu"))
				continue;
			debugfs_path(&v[i], "vm", path, sizeof(path));
			if (attr_read_len(path, &vm, NULL))
				continue;
			if (debug_vm_client(vm, id, &v[i], files))
				found++;
			free(vm);
		}
	}
	if (dp)
		closedir(dp);
	free(v);
	if (!found) {
		fprintf(stderr, "%s debug: vm: process %ld has no open %s on a vnpu device under %s\n",
			accel_prog, pid, want_id ? "file of that ID" : "file", dir);
		json_object_put(files);
		return 1;
	}
	if (files) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "pid", json_object_new_int64(pid));
		json_object_object_add(o, "files", files);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	return 0;
}

static int debug_run(int argc, char **argv)
{
	if (argc < 2)
		return debug_bad("give a command: dump, inject or vm");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		debug_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "dump"))
		return debug_dump(argc - 1, argv + 1);
	if (!strcmp(argv[1], "inject"))
		return debug_inject(argc - 1, argv + 1);
	if (!strcmp(argv[1], "vm"))
		return debug_vm(argc - 1, argv + 1);
	return debug_bad("unknown command '%s' (dump, inject, vm)", argv[1]);
}

const struct accel_cmd accel_cmd_debug = {
	.name = "debug",
	.summary = "dump a device's state and coredumps, inject faults, show a client's VM",
	.run = debug_run,
	.usage = debug_usage,
};
