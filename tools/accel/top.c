// SPDX-License-Identifier: MIT
/*
 * accel top [-d SECONDS] [-n COUNT] [-J] - the devices' engine load and memory and the
 * clients' engine time and memory, sample after sample: a live ncurses view on a terminal,
 * plain text without one, one JSON object per sample with -J (as intel_gpu_top -J).
 *
 * Everything comes from files: a kernel's /sys/class/{accel,drm} and the fdinfo of each
 * process's DRM and accel descriptors (/proc/PID/fdinfo), and an accel root's sys/ and
 * proc/PID/fdinfo; so it works unchanged on a real kernel's accel and DRM nodes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <ncurses.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "devstat.h"
#include "usage_json.h"

static void top_usage(FILE *out)
{
	fprintf(out,
		"usage: %s top [-d SECONDS] [-n COUNT] [-J]\n"
		"\n"
		"Show, every SECONDS, each device's engines busy %% and memory, and each client\n"
		"process's engine time %% per engine class (from its fdinfo drm-engine-* keys) and\n"
		"memory (drm-total-*, drm-resident-*). Reads a kernel's /sys and /proc/PID/fdinfo\n"
		"(accel and DRM nodes) and the accel root that acceld or an embedded core publishes.\n"
		"On a terminal: a live view ('q' quits); otherwise plain text.\n"
		"\n"
		"  -d, --delay S   seconds between samples (default 1; from 0.01 to 3600)\n"
		"  -n, --count N   stop after N samples (default: run until interrupted)\n"
		"  -J, --json      one JSON object per sample and line (fields: docs/tools.md)\n"
		"  --help          show this help\n"
		"\n"
		"examples:\n"
		"  %s top\n"
		"  %s top -J -n 2 -d 0.5\n"
		"  ACCEL_BACKEND=kernel %s top -n 1 | cat\n",
		accel_prog, accel_prog, accel_prog, accel_prog);
}

/* One reading of every tree: its devices and clients, and when. */
struct top_sample {
	struct devstat_source src[DEVSTAT_MAX_SOURCES];
	size_t nsrc;
	struct devstat_device *dev;
	size_t ndev;
	struct fdinfo_list clients[DEVSTAT_MAX_SOURCES];
	double t;
};

static volatile sig_atomic_t top_stop;

static void top_on_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sample_free(struct top_sample *s)
{
	size_t i;

	for (i = 0; i < DEVSTAT_MAX_SOURCES; i++)
		fdinfo_list_free(&s->clients[i]);
	free(s->dev);
	memset(s, 0, sizeof(*s));
}

static int sample_take(struct top_sample *s)
{
	size_t i;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->nsrc = devstat_sources(s->src);
	for (i = 0; i < s->nsrc && !err; i++)
		err = devstat_scan(&s->src[i], 1, &s->dev, &s->ndev);
	for (i = 0; i < s->nsrc && !err; i++)
		err = devstat_scan_clients(&s->src[i], &s->clients[i]);
	s->t = mono_s();
	return err;
}

/* The tree of @prev that is @src (by its directory: the list of trees may change). */
static int prev_source(const struct top_sample *prev, const struct devstat_source *src)
{
	size_t i;

	for (i = 0; i < prev->nsrc; i++)
		if (!strcmp(prev->src[i].sysroot, src->sysroot))
			return (int)i;
	return -1;
}

static const struct devstat_device *prev_device(const struct top_sample *prev,
						const struct devstat_device *d)
{
	size_t i;

	for (i = 0; i < prev->ndev; i++)
		if (!strcmp(prev->dev[i].src->sysroot, d->src->sysroot) &&
		    !strcmp(prev->dev[i].node, d->node))
			return &prev->dev[i];
	return NULL;
}

static json_object *device_json(const struct devstat_device *d, const struct devstat_device *p,
				double dt)
{
	json_object *o = json_object_new_object(), *eng = json_object_new_object();
	char dev[32];
	size_t i, j;

	snprintf(dev, sizeof(dev), "%u:%u", d->major, d->minor);
	json_object_object_add(o, "node", json_object_new_string(d->node));
	json_object_object_add(o, "dev", json_object_new_string(dev));
	json_object_object_add(o, "backend", json_object_new_string(accel_backend_name(d->src->backend)));
	json_object_object_add(o, "driver", json_object_new_string(d->drm_driver));
	json_object_object_add(o, "parent", json_object_new_string(d->parent));
	for (i = 0; i < d->nr_engines; i++) {
		json_object *e = json_object_new_object(), *busy = NULL;

		json_object_object_add(e, "class", json_object_new_string(d->engines[i].cls));
		for (j = 0; p && j < p->nr_engines; j++)
			if (!strcmp(p->engines[j].name, d->engines[i].name) &&
			    d->engines[i].busy_us >= p->engines[j].busy_us) {
				double pct = (double)(d->engines[i].busy_us - p->engines[j].busy_us) /
					     (dt * 1e4);

				busy = json_object_new_double(pct > 100 ? 100 : pct);
			}
		json_object_object_add(e, "busy", busy);
		json_object_object_add(e, "unit", json_object_new_string("%"));
		json_object_object_add(e, "busy_us", json_object_new_int64((int64_t)d->engines[i].busy_us));
		json_object_object_add(eng, d->engines[i].name, e);
	}
	json_object_object_add(o, "engines", eng);
	json_object_object_add(o, "memory", usage_regions_json(d));
	return o;
}

/*
 * A client with, per engine class, its busy % of the class's capacity over the period
 * (null for a client the previous sample did not see) and the time behind it.
 */
static json_object *client_json(const struct fdinfo_client *c, const struct fdinfo_client *p,
				const struct devstat_device *d, double dt)
{
	json_object *o = usage_client_json(c, d), *eng;
	size_t i;

	eng = json_object_object_get(o, "engines");
	for (i = 0; i < c->nr_engines; i++) {
		const struct fdinfo_engine *e = &c->engines[i];
		const struct fdinfo_engine *pe = p ? fdinfo_engine_find(p, e->name) : NULL;
		json_object *x = json_object_object_get(eng, e->name);

		if (pe && e->ns >= pe->ns) {
			double pct = (double)(e->ns - pe->ns) / (dt * 1e9 * (e->capacity ? e->capacity : 1)) * 100;

			json_object_object_add(x, "busy", json_object_new_double(pct > 100 ? 100 : pct));
			json_object_object_add(x, "delta_ns", json_object_new_int64((int64_t)(e->ns - pe->ns)));
		} else {
			json_object_object_add(x, "busy", NULL);
			json_object_object_add(x, "delta_ns", NULL);
		}
		json_object_object_add(x, "unit", json_object_new_string("%"));
	}
	return o;
}

static json_object *sample_json(const struct top_sample *cur, const struct top_sample *prev)
{
	json_object *o = json_object_new_object(), *period = json_object_new_object(), *a;
	double dt = cur->t - prev->t;
	struct timespec now;
	size_t i, j;

	clock_gettime(CLOCK_REALTIME, &now);
	json_object_object_add(period, "duration", json_object_new_double(dt * 1e3));
	json_object_object_add(period, "unit", json_object_new_string("ms"));
	json_object_object_add(o, "period", period);
	json_object_object_add(o, "timestamp",
			       json_object_new_double((double)now.tv_sec + (double)now.tv_nsec / 1e9));
	a = json_object_new_array();
	for (i = 0; i < cur->ndev; i++)
		json_object_array_add(a, device_json(&cur->dev[i], prev_device(prev, &cur->dev[i]), dt));
	json_object_object_add(o, "devices", a);
	a = json_object_new_array();
	for (i = 0; i < cur->nsrc; i++) {
		int ps = prev_source(prev, &cur->src[i]);

		for (j = 0; j < cur->clients[i].n; j++) {
			const struct fdinfo_client *c = &cur->clients[i].v[j];

			json_object_array_add(a, client_json(c, ps < 0 ? NULL : fdinfo_find(&prev->clients[ps], c),
							     devstat_client_device(c, &cur->src[i], cur->dev,
										   cur->ndev), dt));
		}
	}
	json_object_object_add(o, "clients", a);
	return o;
}

/* A JSON number with one decimal, or "-" for null. */
static const char *pct_str(json_object *v, char *buf, size_t size)
{
	if (!v)
		return "-";
	snprintf(buf, size, "%.1f%%", json_object_get_double(v));
	return buf;
}

/* The sample as lines of text, each through @line (printf or the curses window). */
static void sample_render(json_object *o, void (*line)(const char *fmt, ...))
{
	json_object *devs = json_object_object_get(o, "devices");
	json_object *clients = json_object_object_get(o, "clients");
	char b1[32], b2[32], buf[256];
	size_t i, n;

	line("%-11s %-9s %-22s %s", "DEVICE", "BACKEND", "DRIVER", "ENGINES BUSY / MEMORY");
	for (i = 0, n = json_object_array_length(devs); i < n; i++) {
		json_object *d = json_object_array_get_idx(devs, i);
		size_t len = 0;

		buf[0] = 0;
		json_object_object_foreach(json_object_object_get(d, "engines"), ek, e)
			len += (size_t)snprintf(buf + len, sizeof(buf) > len ? sizeof(buf) - len : 0,
						"%s %s  ", ek,
						pct_str(json_object_object_get(e, "busy"), b1, sizeof(b1)));
		json_object_object_foreach(json_object_object_get(d, "memory"), mk, m) {
			json_object *used;

			if (len >= sizeof(buf))
				break;
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s %s/%s  ", mk,
				json_object_object_get_ex(m, "used", &used) ?
					usage_format_size((uint64_t)json_object_get_int64(used), b1, sizeof(b1)) : "?",
				usage_format_size((uint64_t)json_object_get_int64(json_object_object_get(m, "total")),
						  b2, sizeof(b2)));
		}
		line("%-11s %-9s %-22s %s", json_object_get_string(json_object_object_get(d, "node")),
		     json_object_get_string(json_object_object_get(d, "backend")),
		     json_object_get_string(json_object_object_get(d, "driver")), buf);
	}
	line("%s", "");
	line("%-8s %-16s %-11s %-14s %s", "PID", "COMMAND", "DEVICE", "DRIVER", "ENGINE TIME / MEMORY");
	for (i = 0, n = json_object_array_length(clients); i < n; i++) {
		json_object *c = json_object_array_get_idx(clients, i), *dev;
		size_t len = 0;

		buf[0] = 0;
		json_object_object_foreach(json_object_object_get(c, "engines"), ek, e)
			len += (size_t)snprintf(buf + len, sizeof(buf) > len ? sizeof(buf) - len : 0,
						"%s %s  ", ek,
						pct_str(json_object_object_get(e, "busy"), b1, sizeof(b1)));
		json_object_object_foreach(json_object_object_get(c, "memory"), mk, m) {
			json_object *t;

			if (len >= sizeof(buf))
				break;
			if (json_object_object_get_ex(m, "total", &t))
				len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s %s  ", mk,
					usage_format_size((uint64_t)json_object_get_int64(t), b1, sizeof(b1)));
		}
		dev = json_object_object_get(c, "device");
		line("%-8d %-16s %-11s %-14s %s", json_object_get_int(json_object_object_get(c, "pid")),
		     json_object_get_string(json_object_object_get(c, "comm")),
		     dev ? json_object_get_string(dev) : "?",
		     json_object_get_string(json_object_object_get(c, "driver")), buf);
	}
	if (!n)
		line("%s", "(no clients)");
}

static void __attribute__((format(printf, 1, 2))) text_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void __attribute__((format(printf, 1, 2))) curses_line(const char *fmt, ...)
{
	va_list ap;
	int y, x;

	getyx(stdscr, y, x);
	(void)x;
	if (y >= LINES - 1)
		return;
	va_start(ap, fmt);
	vw_printw(stdscr, fmt, ap);
	va_end(ap);
	clrtoeol();
	move(y + 1, 0);
}

enum top_mode { TOP_CURSES, TOP_TEXT, TOP_JSON };

/* Sleep @secs, or in curses until a key: returns 1 when 'q' asks to stop. */
static int top_wait(enum top_mode mode, double secs)
{
	if (mode == TOP_CURSES) {
		int ch;

		timeout((int)(secs * 1000));
		ch = getch();
		return ch == 'q' || ch == 'Q';
	}
	{
		struct timespec ts = { .tv_sec = (time_t)secs,
				       .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9) };

		/* A signal (SIGINT) ends the wait: the loop then sees top_stop. */
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int parse_delay(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !(v >= 0.01 && v <= 3600))
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_count(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 1)
		return -EINVAL;
	*out = v;
	return 0;
}

static int top_loop(enum top_mode mode, double delay, long count)
{
	/* On the heap, swapped: a sample's devices point at its own list of trees. */
	struct top_sample *prev = calloc(1, sizeof(*prev)), *cur = calloc(1, sizeof(*cur)), *t;
	long done = 0;
	int err = -ENOMEM;

	if (prev && cur)
		err = sample_take(prev);
	while (!err && !top_stop && (count < 0 || done < count)) {
		json_object *o;

		if (top_wait(mode, delay) || top_stop)
			break;
		err = sample_take(cur);
		if (err)
			break;
		o = sample_json(cur, prev);
		if (mode == TOP_JSON) {
			puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE));
		} else if (mode == TOP_TEXT) {
			text_line("accel top: sample %ld, %.2f s", done + 1,
				  json_object_get_double(json_object_object_get(
					  json_object_object_get(o, "period"), "duration")) / 1e3);
			sample_render(o, text_line);
			putchar('\n');
		} else {
			erase();
			move(0, 0);
			curses_line("accel top - every %.2f s, 'q' quits", delay);
			curses_line("%s", "");
			sample_render(o, curses_line);
			refresh();
		}
		fflush(stdout);
		json_object_put(o);
		sample_free(prev);
		t = prev;
		prev = cur;
		cur = t;
		done++;
	}
	if (prev)
		sample_free(prev);
	if (cur)
		sample_free(cur);
	free(prev);
	free(cur);
	if (err) {
		if (mode == TOP_CURSES)
			endwin();
		fprintf(stderr, "%s top: %s\n", accel_prog, strerror(-err));
		return 1;
	}
	return 0;
}

static int top_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = top_on_signal };
	enum top_mode mode = isatty(STDOUT_FILENO) ? TOP_CURSES : TOP_TEXT;
	SCREEN *scr = NULL;
	double delay = 1;
	long count = -1;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:n:Jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_delay(optarg, &delay)) {
				fprintf(stderr, "%s top: -d wants seconds from 0.01 to 3600, not '%s'\n",
					accel_prog, optarg);
				return 2;
			}
			break;
		case 'n':
			if (parse_count(optarg, &count)) {
				fprintf(stderr, "%s top: -n wants a count of 1 or more, not '%s'\n",
					accel_prog, optarg);
				return 2;
			}
			break;
		case 'J': mode = TOP_JSON; break;
		case 'h': top_usage(stdout); return 0;
		case ':':
			fprintf(stderr, "%s top: %s needs a value\n", accel_prog, argv[optind - 1]);
			return 2;
		default:
			if (optopt)
				fprintf(stderr, "%s top: unknown option '-%c'\n", accel_prog, optopt);
			else
				fprintf(stderr, "%s top: unknown option '%s'\n", accel_prog, argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s top: unexpected argument '%s'\n", accel_prog, argv[optind]);
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (mode == TOP_CURSES) {
		/* newterm(), not initscr(): an unknown $TERM falls back to text instead of exiting. */
		scr = newterm(NULL, stdout, stdin);
		if (scr) {
			cbreak();
			noecho();
			curs_set(0);
		} else {
			mode = TOP_TEXT;
		}
	}
	ret = top_loop(mode, delay, count);
	if (scr) {
		if (!ret)
			endwin();
		delscreen(scr);
	}
	return ret;
}

const struct accel_cmd accel_cmd_top = {
	.name = "top",
	.summary = "live engine load and memory of devices and their client processes",
	.run = top_run,
	.usage = top_usage,
};
