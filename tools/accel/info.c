// SPDX-License-Identifier: MIT
/*
 * accel info [--json] [-d SECONDS] DEVICE - one device: identity, memory regions and their
 * top users, engines with busy %, queues, clients, attributes, SR-IOV, from the device's
 * attribute files (a kernel's /sys or the accel root's sys/), the fdinfo of its clients and
 * the device's own answers (DRM_IOCTL_VERSION, GET_CAP, a vnpu's GET_PARAM).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <drm/drm.h>
#include <uapi/drm/vnpu_accel.h>

#include "accel.h"
#include "devstat.h"
#include "usage_json.h"

static void info_usage(FILE *out)
{
	fprintf(out,
		"usage: %s info [--json] [-d SECONDS] DEVICE\n"
		"\n"
		"Describe one device: driver and parent, memory regions (size, used, the clients\n"
		"that hold most), engines with their busy %% over SECONDS, queues, open clients,\n"
		"the parent's attributes (telemetry), capabilities, SR-IOV when present.\n"
		"DEVICE is a node name (accel0), an accel node's index (0) or a path\n"
		"(/dev/accel/accel0). Reads a running kernel's /sys and /proc, and the accel root\n"
		"that acceld or an embedded core publishes (ACCEL_BACKEND=kernel: the kernel only).\n"
		"\n"
		"  --json             print a JSON object (fields: docs/tools.md)\n"
		"  -d, --interval S   measure engine busy time over S seconds (default 1; 0: skip)\n"
		"  --help             show this help\n"
		"\n"
		"examples:\n"
		"  %s info accel0\n"
		"  %s info --json /dev/accel/accel0\n"
		"  ACCEL_BACKEND=kernel %s info -d 0 0\n",
		accel_prog, accel_prog, accel_prog, accel_prog);
}

/* What opening the node tells: DRM_IOCTL_VERSION, the caps, a vnpu's parameters. */
struct info_ident {
	int open_error;
	char driver[64], desc[128];
	int major, minor, patch;
	int64_t caps[4];
	int have_params;
	int64_t params[9];
};

static const char *const cap_names[] = { "prime", "syncobj", "syncobj_timeline",
					 "timestamp_monotonic" };
static const uint64_t cap_ids[] = { DRM_CAP_PRIME, DRM_CAP_SYNCOBJ, DRM_CAP_SYNCOBJ_TIMELINE,
				    DRM_CAP_TIMESTAMP_MONOTONIC };
static const char *const vnpu_param_names[] = {
	[VNPU_PARAM_COMPUTE_ENGINES] = "compute_engines", [VNPU_PARAM_DMA_ENGINES] = "dma_engines",
	[VNPU_PARAM_VRAM_SIZE] = "vram_size", [VNPU_PARAM_SRAM_SIZE] = "sram_size",
	[VNPU_PARAM_QUEUE_DEPTH] = "queue_depth", [VNPU_PARAM_JOB_TIMEOUT_MS] = "job_timeout_ms",
	[VNPU_PARAM_VRAM_USED] = "vram_used", [VNPU_PARAM_VRAM_FREE] = "vram_free",
};

static void ident_query(const struct devstat_device *d, struct info_ident *id)
{
	char path[PATH_MAX + 64];
	struct drm_version v;
	unsigned int i;
	int fd;

	memset(id, 0, sizeof(*id));
	for (i = 0; i < 4; i++)
		id->caps[i] = -1;
	/* Another process's embedded core serves nobody else: its nodes cannot be opened here. */
	if (d->src->backend == ACCEL_BACKEND_EMBEDDED && d->src->publisher != getpid()) {
		id->open_error = -EPERM;
		return;
	}
	snprintf(path, sizeof(path), "%s%s", d->src->sysroot, d->path);
	fd = accel_sys_open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		id->open_error = -errno;
		return;
	}
	memset(&v, 0, sizeof(v));
	v.name = id->driver;
	v.name_len = sizeof(id->driver) - 1;
	v.desc = id->desc;
	v.desc_len = sizeof(id->desc) - 1;
	if (!accel_sys_ioctl(fd, DRM_IOCTL_VERSION, &v)) {
		id->driver[v.name_len < sizeof(id->driver) ? v.name_len : sizeof(id->driver) - 1] = 0;
		id->desc[v.desc_len < sizeof(id->desc) ? v.desc_len : sizeof(id->desc) - 1] = 0;
		id->major = v.version_major;
		id->minor = v.version_minor;
		id->patch = v.version_patchlevel;
	}
	for (i = 0; i < 4; i++) {
		struct drm_get_cap c = { .capability = cap_ids[i] };

		if (!accel_sys_ioctl(fd, DRM_IOCTL_GET_CAP, &c))
			id->caps[i] = (int64_t)c.value;
	}
	if (!strcmp(id->driver, "vnpu")) {
		for (i = VNPU_PARAM_COMPUTE_ENGINES; i <= VNPU_PARAM_VRAM_FREE; i++) {
			struct drm_vnpu_get_param p = { .param = i };

			id->params[i] = accel_sys_ioctl(fd, DRM_IOCTL_VNPU_GET_PARAM, &p) ? -1 :
											   (int64_t)p.value;
		}
		id->have_params = 1;
	}
	accel_sys_close(fd);
}

/* The device's clients, without this command's own (opening the node made one). */
static void info_clients(const struct devstat_device *d, const struct devstat_device *all,
			 size_t n, struct fdinfo_list *out)
{
	struct fdinfo_list l = { 0 };
	size_t i;

	devstat_scan_clients(d->src, &l);
	for (i = 0; i < l.n; i++) {
		if (l.v[i].pid == getpid() || devstat_client_device(&l.v[i], d->src, all, n) != d)
			continue;
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 8;
			struct fdinfo_client *v = realloc(out->v, cap * sizeof(*v));

			if (!v)
				break;
			out->v = v;
			out->cap = cap;
		}
		out->v[out->n++] = l.v[i];
	}
	fdinfo_list_free(&l);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double secs)
{
	struct timespec ts = { .tv_sec = (time_t)secs,
			       .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Each engine's busy % over @interval seconds: busy_us read before and after (-1: gone). */
static void measure_busy(struct devstat_device *d, double interval, double *pct)
{
	struct devstat_engine before[DEVSTAT_MAX_ENGINES];
	size_t nr_before = d->nr_engines, i, j;
	double t0, t1;

	memcpy(before, d->engines, sizeof(before));
	t0 = now_s();
	sleep_s(interval);
	devstat_refresh(d);
	t1 = now_s();
	for (i = 0; i < d->nr_engines; i++) {
		pct[i] = -1;
		for (j = 0; j < nr_before; j++)
			if (!strcmp(before[j].name, d->engines[i].name) &&
			    d->engines[i].busy_us >= before[j].busy_us) {
				/* busy us over elapsed us, in percent: a root renders its files now and then. */
				pct[i] = (double)(d->engines[i].busy_us - before[j].busy_us) / ((t1 - t0) * 1e4);
				if (pct[i] > 100)
					pct[i] = 100;
			}
	}
}

/* The bytes client @c holds in @region (its drm-total-REGION). */
static uint64_t client_region(const struct fdinfo_client *c, const char *region)
{
	size_t i;

	for (i = 0; i < c->nr_regions; i++)
		if (!strcmp(c->regions[i].name, region))
			return c->regions[i].total;
	return 0;
}

/* qsort_r() order: the clients holding more of region @arg first. */
static int by_region_desc(const void *a, const void *b, void *arg)
{
	uint64_t x = client_region(a, arg), y = client_region(b, arg);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The regions the clients' fdinfo names, each once, into @names (at most @max). */
static size_t client_region_names(const struct fdinfo_list *l, char (*names)[32], size_t max)
{
	size_t n = 0, i, j, k;

	for (i = 0; i < l->n; i++)
		for (j = 0; j < l->v[i].nr_regions; j++) {
			for (k = 0; k < n && strcmp(names[k], l->v[i].regions[j].name); k++)
				;
			if (k == n && n < max)
				snprintf(names[n++], 32, "%s", l->v[i].regions[j].name);
		}
	return n;
}

#define INFO_TOP_USERS 5

static json_object *info_json(const struct devstat_device *d, const struct info_ident *id,
			      const struct fdinfo_list *cl, const double *pct, double interval)
{
	json_object *o = json_object_new_object(), *a, *mem, *users;
	char dev[32], names[FDINFO_MAX_REGIONS * 4][32], text[4096], p[PATH_MAX + 16];
	size_t i, j, nr;

	snprintf(dev, sizeof(dev), "%u:%u", d->major, d->minor);
	json_object_object_add(o, "node", json_object_new_string(d->node));
	json_object_object_add(o, "path", json_object_new_string(d->path));
	json_object_object_add(o, "dev", json_object_new_string(dev));
	json_object_object_add(o, "accel", json_object_new_boolean(d->is_accel));
	json_object_object_add(o, "backend", json_object_new_string(accel_backend_name(d->src->backend)));
	if (d->src->publisher)
		json_object_object_add(o, "publisher_pid", json_object_new_int(d->src->publisher));
	json_object_object_add(o, "parent", json_object_new_string(d->parent));
	json_object_object_add(o, "drm_driver", json_object_new_string(d->drm_driver));
	if (id->open_error) {
		json_object_object_add(o, "open_error", json_object_new_string(strerror(-id->open_error)));
	} else {
		char v[48];

		json_object_object_add(o, "driver", json_object_new_string(id->driver));
		json_object_object_add(o, "desc", json_object_new_string(id->desc));
		snprintf(v, sizeof(v), "%d.%d.%d", id->major, id->minor, id->patch);
		json_object_object_add(o, "version", json_object_new_string(v));
		a = json_object_new_object();
		for (i = 0; i < 4; i++)
			json_object_object_add(a, cap_names[i], json_object_new_int64(id->caps[i]));
		json_object_object_add(o, "caps", a);
	}
	if (id->have_params) {
		a = json_object_new_object();
		for (i = VNPU_PARAM_COMPUTE_ENGINES; i <= VNPU_PARAM_VRAM_FREE; i++)
			json_object_object_add(a, vnpu_param_names[i], json_object_new_int64(id->params[i]));
		json_object_object_add(o, "params", a);
	}
	mem = json_object_new_object();
	json_object_object_add(mem, "regions", usage_regions_json(d));
	users = json_object_new_object();
	nr = client_region_names(cl, names, sizeof(names) / sizeof(names[0]));
	for (i = 0; i < nr; i++) {
		json_object *r = json_object_new_object(), *top = json_object_new_array();
		struct fdinfo_client *s = malloc(cl->n * sizeof(*s) + 1);
		uint64_t sum = 0;

		if (s) {
			memcpy(s, cl->v, cl->n * sizeof(*s));
			qsort_r(s, cl->n, sizeof(*s), by_region_desc, names[i]);
			for (j = 0; j < cl->n; j++) {
				uint64_t b = client_region(&s[j], names[i]);
				json_object *u;

				sum += b;
				if (j >= INFO_TOP_USERS || !b)
					continue;
				u = json_object_new_object();
				json_object_object_add(u, "pid", json_object_new_int(s[j].pid));
				json_object_object_add(u, "comm", json_object_new_string(s[j].comm));
				json_object_object_add(u, "client_id", json_object_new_int64((int64_t)s[j].client_id));
				json_object_object_add(u, "total", json_object_new_int64((int64_t)b));
				json_object_array_add(top, u);
			}
			free(s);
		}
		json_object_object_add(r, "total", json_object_new_int64((int64_t)sum));
		json_object_object_add(r, "top", top);
		json_object_object_add(users, names[i], r);
	}
	json_object_object_add(mem, "clients", users);
	json_object_object_add(o, "memory", mem);
	a = json_object_new_array();
	for (i = 0; i < d->nr_engines; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "name", json_object_new_string(d->engines[i].name));
		json_object_object_add(e, "class", json_object_new_string(d->engines[i].cls));
		json_object_object_add(e, "busy_us", json_object_new_int64((int64_t)d->engines[i].busy_us));
		json_object_object_add(e, "jobs", json_object_new_int64((int64_t)d->engines[i].jobs));
		json_object_object_add(e, "resets", json_object_new_int64((int64_t)d->engines[i].resets));
		if (pct && pct[i] >= 0)
			json_object_object_add(e, "busy_pct", json_object_new_double(pct[i]));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "engines", a);
	json_object_object_add(o, "interval_s", pct ? json_object_new_double(interval) : NULL);
	a = json_object_new_array();
	snprintf(p, sizeof(p), "%s/queues", d->debugfs);
	if (d->debugfs[0] && fdinfo_read_file(p, text, sizeof(text)) > 0) {
		char *save, *line;

		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			json_object_array_add(a, json_object_new_string(line));
	}
	json_object_object_add(o, "queues", a);
	a = json_object_new_array();
	for (i = 0; i < cl->n; i++)
		json_object_array_add(a, usage_client_json(&cl->v[i], d));
	json_object_object_add(o, "clients", a);
	a = json_object_new_object();
	for (i = 0; i < d->nr_attrs; i++)
		json_object_object_add(a, d->attrs[i].name, json_object_new_string(d->attrs[i].value));
	json_object_object_add(o, "attributes", a);
	if (d->sriov_total >= 0) {
		a = json_object_new_object();
		json_object_object_add(a, "total_vfs", json_object_new_int64(d->sriov_total));
		json_object_object_add(a, "num_vfs", json_object_new_int64(d->sriov_num));
		json_object_object_add(o, "sriov", a);
	}
	json_object_object_add(o, "debugfs", d->debugfs[0] ? json_object_new_string(d->debugfs) : NULL);
	return o;
}

/* The text form: the same object, laid out for people. */
static void info_print_text(json_object *o)
{
	json_object *v, *x;
	size_t i, n;
	char b1[32], b2[32];

	printf("node:       %s\n", json_object_get_string(json_object_object_get(o, "node")));
	printf("path:       %s\n", json_object_get_string(json_object_object_get(o, "path")));
	printf("dev:        %s (%s)\n", json_object_get_string(json_object_object_get(o, "dev")),
	       json_object_get_boolean(json_object_object_get(o, "accel")) ? "accel" : "drm");
	printf("backend:    %s\n", json_object_get_string(json_object_object_get(o, "backend")));
	if (json_object_object_get_ex(o, "publisher_pid", &v) && json_object_get_int(v) != getpid())
		printf("publisher:  pid %d\n", json_object_get_int(v));
	printf("parent:     %s\n", json_object_get_string(json_object_object_get(o, "parent")));
	if (json_object_object_get_ex(o, "open_error", &v)) {
		printf("driver:     %s (node not opened here: %s)\n",
		       json_object_get_string(json_object_object_get(o, "drm_driver")),
		       json_object_get_string(v));
	} else {
		printf("driver:     %s (%s)\n",
		       json_object_get_string(json_object_object_get(o, "driver")),
		       json_object_get_string(json_object_object_get(o, "desc")));
		printf("version:    %s\n", json_object_get_string(json_object_object_get(o, "version")));
		printf("caps:      ");
		json_object_object_foreach(json_object_object_get(o, "caps"), k, c)
			printf(" %s=%s", k, json_object_get_int64(c) < 0 ? "?" : json_object_get_string(c));
		printf("\n");
	}
	if (json_object_object_get_ex(o, "params", &v)) {
		printf("params:    ");
		json_object_object_foreach(v, k, p)
			printf(" %s=%s", k, json_object_get_string(p));
		printf("\n");
	}
	x = json_object_object_get(o, "memory");
	printf("memory:\n");
	json_object_object_foreach(json_object_object_get(x, "regions"), rk, r) {
		json_object *used;

		printf("  %-10s %s", rk,
		       usage_format_size((uint64_t)json_object_get_int64(json_object_object_get(r, "total")),
					 b1, sizeof(b1)));
		if (json_object_object_get_ex(r, "used", &used))
			printf(", %s used", usage_format_size((uint64_t)json_object_get_int64(used), b2,
							       sizeof(b2)));
		printf("\n");
	}
	json_object_object_foreach(json_object_object_get(x, "clients"), ck, c) {
		json_object *top = json_object_object_get(c, "top");

		printf("  clients' %s: %s in all", ck,
		       usage_format_size((uint64_t)json_object_get_int64(json_object_object_get(c, "total")),
					 b1, sizeof(b1)));
		for (i = 0, n = json_object_array_length(top); i < n; i++) {
			json_object *u = json_object_array_get_idx(top, i);

			printf("%s pid %d (%s) %s", i ? "," : "; top:",
			       json_object_get_int(json_object_object_get(u, "pid")),
			       json_object_get_string(json_object_object_get(u, "comm")),
			       usage_format_size((uint64_t)json_object_get_int64(json_object_object_get(u, "total")),
						 b2, sizeof(b2)));
		}
		printf("\n");
	}
	v = json_object_object_get(o, "engines");
	if (json_object_array_length(v)) {
		printf("engines:%s\n", json_object_object_get(o, "interval_s") ? "    (busy % over the interval)" : "");
		for (i = 0, n = json_object_array_length(v); i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i), *pct;

			printf("  %-10s", json_object_get_string(json_object_object_get(e, "name")));
			if (json_object_object_get_ex(e, "busy_pct", &pct))
				printf(" %5.1f%%", json_object_get_double(pct));
			printf("  busy %s us, %s jobs, %s resets\n",
			       json_object_get_string(json_object_object_get(e, "busy_us")),
			       json_object_get_string(json_object_object_get(e, "jobs")),
			       json_object_get_string(json_object_object_get(e, "resets")));
		}
	}
	v = json_object_object_get(o, "queues");
	if (json_object_array_length(v)) {
		printf("queues:\n");
		for (i = 0, n = json_object_array_length(v); i < n; i++)
			printf("  %s\n", json_object_get_string(json_object_array_get_idx(v, i)));
	}
	v = json_object_object_get(o, "clients");
	printf("clients:    %zu\n", json_object_array_length(v));
	for (i = 0, n = json_object_array_length(v); i < n; i++) {
		json_object *c = json_object_array_get_idx(v, i);

		json_object *cid = json_object_object_get(c, "client_id");

		printf("  pid %-7d %-16s client %s", json_object_get_int(json_object_object_get(c, "pid")),
		       json_object_get_string(json_object_object_get(c, "comm")),
		       cid ? json_object_get_string(cid) : "- (no usage keys in its fdinfo)");
		json_object_object_foreach(json_object_object_get(c, "engines"), ek, e)
			printf(" %s=%s ns", ek, json_object_get_string(json_object_object_get(e, "ns")));
		json_object_object_foreach(json_object_object_get(c, "memory"), mk, m) {
			json_object *t;

			if (json_object_object_get_ex(m, "total", &t))
				printf(" %s=%s", mk, usage_format_size((uint64_t)json_object_get_int64(t), b1,
								      sizeof(b1)));
		}
		printf("\n");
	}
	v = json_object_object_get(o, "attributes");
	if (json_object_object_length(v)) {
		printf("attributes:\n");
		json_object_object_foreach(v, ak, av)
			printf("  %-24s %s\n", ak, json_object_get_string(av));
	}
	if (json_object_object_get_ex(o, "sriov", &v))
		printf("sr-iov:     %s of %s VFs enabled\n",
		       json_object_get_string(json_object_object_get(v, "num_vfs")),
		       json_object_get_string(json_object_object_get(v, "total_vfs")));
	v = json_object_object_get(o, "debugfs");
	printf("debugfs:    %s\n", v ? json_object_get_string(v) : "(not found)");
}

/* The device @want names, among the trees this process can read; *@v, *@n hold them. */
static struct devstat_device *info_find(const char *want, struct devstat_source *src,
					struct devstat_device **v, size_t *n)
{
	size_t nsrc = devstat_sources(src), i;

	for (i = 0; i < nsrc; i++)
		if (devstat_scan(&src[i], 1, v, n))
			return NULL;
	for (i = 0; i < *n; i++)
		if (devstat_match(&(*v)[i], want))
			return &(*v)[i];
	return NULL;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || v < 0 || v > 3600)
		return -EINVAL;
	*out = v;
	return 0;
}

static int info_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct devstat_source src[DEVSTAT_MAX_SOURCES];
	struct devstat_device *v = NULL, *d;
	struct fdinfo_list clients = { 0 };
	double interval = 1, pct[DEVSTAT_MAX_ENGINES];
	struct info_ident id;
	int json = 0, c;
	json_object *o;
	size_t n = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jd:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'd':
			if (parse_seconds(optarg, &interval)) {
				fprintf(stderr, "%s info: -d wants seconds from 0 to 3600, not '%s'\n",
					accel_prog, optarg);
				return 2;
			}
			break;
		case 'h': info_usage(stdout); return 0;
		case ':':
			fprintf(stderr, "%s info: %s needs a value\n", accel_prog, argv[optind - 1]);
			return 2;
		default:
			if (optopt)
				fprintf(stderr, "%s info: unknown option '-%c'\n", accel_prog, optopt);
			else
				fprintf(stderr, "%s info: unknown option '%s'\n", accel_prog, argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s info: give exactly one DEVICE (see '%s info --help')\n",
			accel_prog, accel_prog);
		return 2;
	}
	d = info_find(argv[optind], src, &v, &n);
	if (!d) {
		/*
		 * Nothing publishes it: the devices of the root are this command's own, which
		 * libaccel starts (embedded) or reaches (acceld) when listing them.
		 */
		struct accel_device_info *l;
		size_t ln;

		free(v);
		v = NULL;
		n = 0;
		if (accel_devices_get(&l, &ln, 1))
			return 1;
		free(l);
		d = info_find(argv[optind], src, &v, &n);
	}
	if (!d) {
		fprintf(stderr, "%s info: no device '%s' (see '%s list --all')\n", accel_prog,
			argv[optind], accel_prog);
		free(v);
		return 1;
	}
	info_clients(d, v, n, &clients);
	ident_query(d, &id);
	if (interval > 0 && d->nr_engines)
		measure_busy(d, interval, pct);
	o = info_json(d, &id, &clients, interval > 0 && d->nr_engines ? pct : NULL, interval);
	if (json)
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		info_print_text(o);
	json_object_put(o);
	fdinfo_list_free(&clients);
	free(v);
	return 0;
}

const struct accel_cmd accel_cmd_info = {
	.name = "info",
	.summary = "describe one device: memory, engines, clients, attributes",
	.run = info_run,
	.usage = info_usage,
};
