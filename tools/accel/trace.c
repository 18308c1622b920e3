// SPDX-License-Identifier: MIT
/*
 * accel trace -o FILE [--buffer EVENTS] (-- PROGRAM [ARGS...] | --duration SECONDS)
 *
 * Records the scheduler's and drivers' trace events (include/uapi/accel_trace.h) and writes
 * them as Chrome trace-event JSON, which Perfetto's UI and chrome://tracing open: a process
 * per recording core, a track (thread) per engine, per client queue and per user queue, a
 * flow arrow per job from its submit through its engine to its fence's signal.
 *
 * Where the events come from: a PROGRAM on the embedded core records in its own process
 * ($ACCEL_TRACE_DIR names a fresh directory where each process writes a raw file, read
 * here after the program ended); when acceld serves the root (or ACCEL_BACKEND=daemon), and
 * always with --duration, the daemon's tracing node is read while the program runs or for
 * the given time. docs/tools.md, "accel trace", describes the output.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uapi/accel_trace.h>

#include "accel.h"
#include "host/host.h"

#define TRACE_POLL_MS 50

static void trace_usage(FILE *out)
{
	fprintf(out,
		"usage: %s trace -o FILE [--buffer EVENTS] -- PROGRAM [ARGS...]\n"
		"       %s trace -o FILE [--buffer EVENTS] --duration SECONDS\n"
		"\n"
		"Record the scheduler's and drivers' events (submit, dependencies done, run, engine\n"
		"start and end with the job's profile, fence signalled, user-queue entries, timeouts,\n"
		"hangs, resets, faults) and write Chrome trace-event JSON for Perfetto's UI\n"
		"(ui.perfetto.dev) or chrome://tracing: one track per engine, client queue and user\n"
		"queue, a flow arrow from each job's submit to its completion.\n"
		"\n"
		"With -- PROGRAM, the program runs under tracing: on the embedded core (the default\n"
		"when no acceld serves the root) each of its processes records in-process; when acceld\n"
		"serves the root (or ACCEL_BACKEND=daemon) the daemon's events are read while it runs.\n"
		"With --duration, a running acceld's events are read for SECONDS.\n"
		"The exit status is the program's (128 + signal when it was killed).\n"
		"\n"
		"  -o, --output FILE     the JSON file to write (required)\n"
		"  -d, --duration SECS   trace a running acceld for SECS seconds (Ctrl-C ends early)\n"
		"  -b, --buffer EVENTS   event buffer of each recording core (default 65536, 96 bytes\n"
		"                        each); events past a full buffer are dropped and counted\n"
		"  -h, --help            show this help\n"
		"\n"
		"examples:\n"
		"  %s trace -o run.json -- %s run model.onnx\n"
		"  ACCEL_BACKEND=daemon %s trace -o jobs.json -- ./my_client --iterations 10\n"
		"  %s trace -o daemon.json --duration 5\n",
		accel_prog, accel_prog, accel_prog, accel_prog, accel_prog, accel_prog);
}

static int trace_bad(const char *fmt, const char *what)
{
	fprintf(stderr, "%s trace: ", accel_prog);
	fprintf(stderr, fmt, what);
	fprintf(stderr, " (see '%s trace --help')\n", accel_prog);
	return 2;
}

/* ---- what was recorded ---- */

struct trace_proc {
	uint32_t pid;
	char comm[17];
	uint64_t dropped;
};

struct trace_data {
	struct accel_trace_event *ev;
	size_t n, cap;
	struct trace_proc *procs;
	size_t nprocs;
};

static int data_add(struct trace_data *d, const struct accel_trace_event *ev, size_t n)
{
	if (!n)
		return 0;
	if (d->n + n > d->cap) {
		size_t cap = d->cap ? d->cap : 4096;
		struct accel_trace_event *v;

		while (cap < d->n + n)
			cap *= 2;
		v = realloc(d->ev, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->ev = v;
		d->cap = cap;
	}
	memcpy(d->ev + d->n, ev, n * sizeof(*ev));
	d->n += n;
	return 0;
}

static int data_add_proc(struct trace_data *d, uint32_t pid, const char *comm, uint64_t dropped)
{
	struct trace_proc *p = realloc(d->procs, (d->nprocs + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	d->procs = p;
	p = &d->procs[d->nprocs++];
	p->pid = pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->dropped = dropped;
	return 0;
}

/* ---- running the program ---- */

static pid_t trace_spawn(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "%s trace: %s: %s\n", accel_prog, argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "%s trace: fork: %s\n", accel_prog, strerror(errno));
	return pid;
}

static int exit_status_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* ---- embedded: the raw files of the program's processes ---- */

static int read_raw_file(struct trace_data *d, const char *path)
{
	struct accel_trace_file_hdr hdr;
	struct accel_trace_event ev[256];
	FILE *f = fopen(path, "re");
	size_t n;
	int err = 0;

	if (!f)
		return -errno;
	if (fread(&hdr, sizeof(hdr), 1, f) != 1 || memcmp(hdr.magic, ACCEL_TRACE_FILE_MAGIC, 8) ||
	    hdr.version != ACCEL_TRACE_FILE_VERSION || hdr.event_size != sizeof(ev[0])) {
		fclose(f);
		return -EINVAL;
	}
	hdr.comm[sizeof(hdr.comm) - 1] = '\0';
	while (!err && (n = fread(ev, sizeof(ev[0]), 256, f)) > 0)
		err = data_add(d, ev, n);
	fclose(f);
	if (!err)
		err = data_add_proc(d, hdr.pid, hdr.comm, hdr.dropped);
	return err;
}

/* Read and remove every raw file of @dir, then @dir. */
static int collect_raw_dir(struct trace_data *d, const char *dir)
{
	size_t suffix = strlen(ACCEL_TRACE_FILE_SUFFIX);
	struct dirent *de;
	DIR *dp = opendir(dir);
	int err = 0;

	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		char path[4096];
		int e;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (len > suffix && !strcmp(de->d_name + len - suffix, ACCEL_TRACE_FILE_SUFFIX)) {
			e = read_raw_file(d, path);
			if (e) {
				fprintf(stderr, "%s trace: %s: %s\n", accel_prog, path, strerror(-e));
				err = err ?: e;
			}
		}
		unlink(path);
	}
	closedir(dp);
	rmdir(dir);
	return err;
}

static int trace_embedded(struct trace_data *d, char **argv, uint32_t buffer, int *status)
{
	char dir[] = "/tmp/accel-trace-XXXXXX";
	char num[16];
	pid_t pid;
	int st = 0;

	if (!mkdtemp(dir)) {
		fprintf(stderr, "%s trace: mkdtemp: %s\n", accel_prog, strerror(errno));
		return 1;
	}
	setenv(ACCEL_TRACE_DIR_ENV, dir, 1);
	if (buffer) {
		snprintf(num, sizeof(num), "%u", buffer);
		setenv("ACCEL_TRACE_BUFFER", num, 1);
	}
	pid = trace_spawn(argv);
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	unsetenv(ACCEL_TRACE_DIR_ENV);
	*status = pid > 0 ? exit_status_of(st) : 1;
	if (collect_raw_dir(d, dir))
		return 1;
	return pid > 0 ? 0 : 1;
}

/* ---- acceld: its tracing node ---- */

static volatile sig_atomic_t trace_interrupted;

static void trace_on_sigint(int sig)
{
	(void)sig;
	trace_interrupted = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Take everything the node holds now; the drop count in *@dropped. */
static int node_drain(int fd, struct trace_data *d, struct accel_trace_read *rd, uint64_t *dropped)
{
	do {
		rd->max = ACCEL_TRACE_READ_MAX;
		rd->count = 0;
		if (accel_sys_ioctl(fd, ACCEL_TRACE_IOC_READ, rd))
			return -errno;
		if (data_add(d, rd->events, rd->count))
			return -ENOMEM;
		*dropped = rd->dropped;
	} while (rd->count == ACCEL_TRACE_READ_MAX);
	return 0;
}

static int trace_daemon(struct trace_data *d, char **argv, double duration, uint32_t buffer,
			int *status)
{
	struct accel_trace_start start = { .buffer_events = buffer };
	struct accel_trace_read *rd = NULL;
	struct timespec nap = { 0, TRACE_POLL_MS * 1000000l };
	uint64_t dropped = 0, until = 0;
	struct sigaction sa = { .sa_handler = trace_on_sigint }, old;
	char path[4096], comm[64] = "acceld";
	uint32_t acceld_pid = 0;
	bool running = true;
	pid_t pid = -1;
	int fd, err = 0, st = 0;
	FILE *f;

	*status = 0;
	snprintf(path, sizeof(path), "%s/sys/kernel/debug/accel/tracing", accel_root_shared());
	fd = accel_sys_open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s trace: %s: %s\n", accel_prog, path, strerror(errno));
		return 1;
	}
	if (accel_sys_ioctl(fd, ACCEL_TRACE_IOC_START, &start)) {
		fprintf(stderr, "%s trace: cannot start tracing in acceld: %s%s\n", accel_prog,
			strerror(errno),
			errno == EBUSY ? " (acceld writes its own trace files: ACCEL_TRACE_DIR)" : "");
		accel_sys_close(fd);
		return 1;
	}
	rd = malloc(sizeof(*rd));
	if (!rd) {
		accel_sys_close(fd);
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	if (argv) {
		pid = trace_spawn(argv);
		if (pid < 0)
			running = false;
	} else {
		until = mono_ns() + (uint64_t)(duration * 1e9);
		/* Scripts wait for this line: events from now on are in the file. */
		fprintf(stderr, "%s trace: recording acceld's events for %g s (Ctrl-C ends)\n",
			accel_prog, duration);
	}
	while (running && !err) {
		nanosleep(&nap, NULL);
		err = node_drain(fd, d, rd, &dropped);
		if (argv) {
			pid_t r = waitpid(pid, &st, WNOHANG);

			if (r == pid || (r < 0 && errno != EINTR))
				running = false;
		} else if (trace_interrupted || mono_ns() >= until) {
			running = false;
		}
	}
	if (!err)
		err = node_drain(fd, d, rd, &dropped);
	if (err) {
		fprintf(stderr, "%s trace: reading acceld's events: %s\n", accel_prog, strerror(-err));
		if (pid > 0 && running)
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
	}
	sigaction(SIGINT, &old, NULL);
	accel_sys_close(fd);
	free(rd);
	if (argv)
		*status = pid > 0 ? exit_status_of(st) : 1;
	if (d->n)
		acceld_pid = d->ev[0].pid;
	snprintf(path, sizeof(path), "/proc/%u/comm", acceld_pid);
	if (acceld_pid && (f = fopen(path, "re"))) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	if (data_add_proc(d, acceld_pid, comm, dropped))
		return 1;
	return err || (argv && pid < 0) ? 1 : 0;
}

/* ---- Chrome trace-event JSON ---- */

enum track_kind { TRACK_ENGINE, TRACK_QUEUE, TRACK_UQ };

struct track {
	uint32_t pid;
	enum track_kind kind;
	uint64_t key;
	int tid;
	char label[96];
	bool named;	/* @label came from the driver (client, context) */
	bool open;	/* a B without its E yet */
	char open_name[64];
};

struct job {
	uint32_t pid;
	uint64_t ctx, seqno;
	uint64_t client, vctx, job_id;
	bool vnpu;		/* a VNPU_SUBMIT named it */
	uint64_t flow;		/* 0: no flow (its submit was not recorded) */
	bool flow_done;
	bool used;
};

struct converter {
	FILE *out;
	bool first;
	uint64_t t0;
	struct track *tracks;
	size_t ntracks;
	struct job *jobs;	/* open addressing, @jobs_cap a power of two */
	size_t jobs_cap, njobs;
	uint64_t next_flow;
};

static uint64_t job_hash(uint32_t pid, uint64_t ctx, uint64_t seqno)
{
	uint64_t h = ctx * 0x9e3779b97f4a7c15ull ^ seqno * 0xc2b2ae3d27d4eb4full ^ pid;

	return h ^ (h >> 29);
}

static struct job *job_find(struct converter *c, uint32_t pid, uint64_t ctx, uint64_t seqno, bool add)
{
	size_t i;

	if (add && (c->njobs + 1) * 2 > c->jobs_cap) {
		size_t cap = c->jobs_cap ? c->jobs_cap * 2 : 1024, k;
		struct job *old = c->jobs, *v = calloc(cap, sizeof(*v));

		if (!v)
			return NULL;
		c->jobs = v;
		c->jobs_cap = cap;
		for (k = 0; old && k < cap / 2; k++) {
			if (!old[k].used)
				continue;
			for (i = job_hash(old[k].pid, old[k].ctx, old[k].seqno) & (cap - 1); v[i].used;
			     i = (i + 1) & (cap - 1))
				;
			v[i] = old[k];
		}
		free(old);
	}
	if (!c->jobs_cap)
		return NULL;
	for (i = job_hash(pid, ctx, seqno) & (c->jobs_cap - 1); c->jobs[i].used;
	     i = (i + 1) & (c->jobs_cap - 1)) {
		struct job *j = &c->jobs[i];

		if (j->pid == pid && j->ctx == ctx && j->seqno == seqno)
			return j;
	}
	if (!add)
		return NULL;
	c->jobs[i] = (struct job){ .pid = pid, .ctx = ctx, .seqno = seqno, .used = true };
	c->njobs++;
	return &c->jobs[i];
}

static struct track *track_get(struct converter *c, uint32_t pid, enum track_kind kind, uint64_t key)
{
	struct track *t;
	size_t i;
	int tid = 1;

	for (i = 0; i < c->ntracks; i++) {
		t = &c->tracks[i];
		if (t->pid == pid && t->kind == kind && t->key == key)
			return t;
		if (t->pid == pid)
			tid++;
	}
	t = realloc(c->tracks, (c->ntracks + 1) * sizeof(*t));
	if (!t)
		return NULL;
	c->tracks = t;
	t = &c->tracks[c->ntracks++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->kind = kind;
	t->key = key;
	t->tid = tid;
	return t;
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

/* Start one object of traceEvents: the fields every event has. */
static void ev_begin(struct converter *c, const char *ph, const char *name, uint32_t pid, int tid,
		     uint64_t ts)
{
	fprintf(c->out, "%s\n{\"ph\":\"%s\",\"name\":", c->first ? "" : ",", ph);
	c->first = false;
	json_str(c->out, name);
	fprintf(c->out, ",\"pid\":%u,\"tid\":%d,\"ts\":%.3f", pid, tid,
		(double)(ts - c->t0) / 1000.0);
}

static void job_label(const struct job *j, const struct accel_trace_event *e, char *buf, size_t size)
{
	if (j && j->vnpu)
		snprintf(buf, size, "job %" PRIu64 " (client %" PRIu64 " ctx %" PRIu64 ")", j->job_id,
			 j->client, j->vctx);
	else
		snprintf(buf, size, "job %" PRIu64 ".%" PRIu64, e->ctx, e->seqno);
}

static void job_args(FILE *out, const struct job *j, const struct accel_trace_event *e)
{
	fprintf(out, "\"fence_context\":%" PRIu64 ",\"seqno\":%" PRIu64, e->ctx, e->seqno);
	if (j && j->vnpu)
		fprintf(out, ",\"client\":%" PRIu64 ",\"ctx\":%" PRIu64 ",\"job\":%" PRIu64, j->client,
			j->vctx, j->job_id);
}

/* A zero-length slice: what flows bind to (an instant event cannot hold one). */
static void mark(struct converter *c, const struct accel_trace_event *e, struct track *t,
		 const char *name, const struct job *j)
{
	ev_begin(c, "X", name, e->pid, t->tid, e->ts_ns);
	fprintf(c->out, ",\"dur\":0,\"cat\":\"sched\",\"args\":{");
	job_args(c->out, j, e);
	if (e->error)
		fprintf(c->out, ",\"error\":%d", e->error);
	fputs("}}", c->out);
}

static void flow(struct converter *c, const char *ph, const struct accel_trace_event *e,
		 struct track *t, uint64_t id)
{
	ev_begin(c, ph, "job", e->pid, t->tid, e->ts_ns);
	fprintf(c->out, ",\"cat\":\"job\",\"id\":%" PRIu64 "%s}", id,
		ph[0] == 'f' ? ",\"bp\":\"e\"" : "");
}

static void instant(struct converter *c, const struct accel_trace_event *e, struct track *t,
		    const char *name)
{
	ev_begin(c, "i", name, e->pid, t->tid, e->ts_ns);
	fprintf(c->out, ",\"s\":\"t\",\"cat\":\"fault\",\"args\":{\"error\":%d,\"seqno\":%" PRIu64
		",\"arg0\":%" PRIu64 "}}", e->error, e->seqno, e->arg[0]);
}

/* A user-queue entry's zero-length mark (submit, completed): flows bind to it. */
static void uq_mark(struct converter *c, const struct accel_trace_event *e, struct track *t,
		   const char *name)
{
	ev_begin(c, "X", name, e->pid, t->tid, e->ts_ns);
	fprintf(c->out, ",\"dur\":0,\"cat\":\"uq\",\"args\":{\"client\":%" PRIu64
		",\"queue\":%" PRIu64 ",\"seqno\":%" PRIu64, e->arg[0], e->arg[1], e->seqno);
	if (e->error)
		fprintf(c->out, ",\"error\":%d", e->error);
	fputs("}}", c->out);
}

static void convert_event(struct converter *c, const struct accel_trace_event *e)
{
	struct job *j = e->ctx ? job_find(c, e->pid, e->ctx, e->seqno, false) : NULL;
	bool uq = e->type == ACCEL_TRACE_UQ_SUBMIT || e->type == ACCEL_TRACE_UQ_START ||
		  e->type == ACCEL_TRACE_UQ_END;
	char label[96];
	struct track *t;

	/* A user-queue entry is named by its queue's fence context (@track) and its seqno. */
	if (uq)
		j = job_find(c, e->pid, e->track, e->seqno, false);
	switch (e->type) {
	case ACCEL_TRACE_UQ_SUBMIT:
		if (!(t = track_get(c, e->pid, TRACK_UQ, e->track)))
			return;
		uq_mark(c, e, t, "submit");
		if (j && !j->flow) {
			j->flow = ++c->next_flow;
			flow(c, "s", e, t, j->flow);
		}
		break;
	case ACCEL_TRACE_SUBMIT:
		t = track_get(c, e->pid, TRACK_QUEUE, e->track);
		if (!t)
			return;
		mark(c, e, t, "submit", j);
		if (j && !j->flow) {
			j->flow = ++c->next_flow;
			flow(c, "s", e, t, j->flow);
		}
		break;
	case ACCEL_TRACE_DEPS_DONE:
		if ((t = track_get(c, e->pid, TRACK_QUEUE, e->track)))
			mark(c, e, t, "dependencies done", j);
		break;
	case ACCEL_TRACE_RUN:
		if ((t = track_get(c, e->pid, TRACK_ENGINE, e->track)))
			mark(c, e, t, "run", j);
		break;
	case ACCEL_TRACE_SIGNAL:
		/* On the job's queue: where the arrow started. */
		if (!(t = track_get(c, e->pid, TRACK_QUEUE, e->ctx)))
			return;
		mark(c, e, t, "signalled", j);
		if (j && j->flow && !j->flow_done) {
			flow(c, "f", e, t, j->flow);
			j->flow_done = true;
		}
		break;
	case ACCEL_TRACE_VNPU_START:
		if (!(t = track_get(c, e->pid, TRACK_ENGINE, e->track)) || t->open)
			return;
		job_label(j, e, label, sizeof(label));
		ev_begin(c, "B", label, e->pid, t->tid, e->ts_ns);
		fprintf(c->out, ",\"cat\":\"job\",\"args\":{");
		job_args(c->out, j, e);
		fputs("}}", c->out);
		t->open = true;
		snprintf(t->open_name, sizeof(t->open_name), "%s", label);
		if (j && j->flow && !j->flow_done)
			flow(c, "t", e, t, j->flow);
		break;
	case ACCEL_TRACE_VNPU_END:
		if (!(t = track_get(c, e->pid, TRACK_ENGINE, e->track)))
			return;
		if (!t->open) {
			/* Never started (cancelled, or an in-fence failed): a mark, no slice. */
			mark(c, e, t, "not run", j);
			break;
		}
		ev_begin(c, "E", t->open_name, e->pid, t->tid, e->ts_ns);
		fprintf(c->out, ",\"cat\":\"job\",\"args\":{\"error\":%d,\"dma_busy_ns\":%" PRIu64
			",\"compute_busy_ns\":%" PRIu64 ",\"packets\":%" PRIu64 "}}", e->error,
			e->arg[0], e->arg[1], e->arg[2]);
		t->open = false;
		break;
	case ACCEL_TRACE_UQ_START:
		if (!(t = track_get(c, e->pid, TRACK_UQ, e->track)) || t->open)
			return;
		snprintf(label, sizeof(label), "entry %" PRIu64, e->seqno);
		ev_begin(c, "B", label, e->pid, t->tid, e->ts_ns);
		fprintf(c->out, ",\"cat\":\"uq\",\"args\":{\"seqno\":%" PRIu64 "}}", e->seqno);
		t->open = true;
		snprintf(t->open_name, sizeof(t->open_name), "%s", label);
		if (j && j->flow && !j->flow_done)
			flow(c, "t", e, t, j->flow);
		break;
	case ACCEL_TRACE_UQ_END:
		if (!(t = track_get(c, e->pid, TRACK_UQ, e->track)) || !t->open)
			return;
		ev_begin(c, "E", t->open_name, e->pid, t->tid, e->ts_ns);
		fprintf(c->out, ",\"cat\":\"uq\",\"args\":{\"error\":%d}}", e->error);
		t->open = false;
		/* After the slice: the arrow ends on the mark, as a job's does on "signalled". */
		uq_mark(c, e, t, "completed");
		if (j && j->flow && !j->flow_done) {
			flow(c, "f", e, t, j->flow);
			j->flow_done = true;
		}
		break;
	case ACCEL_TRACE_TIMEOUT:
	case ACCEL_TRACE_VNPU_HANG:
	case ACCEL_TRACE_VNPU_RESET:
		if ((t = track_get(c, e->pid, TRACK_ENGINE, e->track)))
			instant(c, e, t, e->type == ACCEL_TRACE_TIMEOUT ? "timeout" :
					 e->type == ACCEL_TRACE_VNPU_HANG ? "hang" : "reset");
		break;
	case ACCEL_TRACE_VNPU_FAULT:
		/* A user queue's names its seqno without a context; an engine's names the job. */
		t = track_get(c, e->pid, e->ctx ? TRACK_ENGINE : TRACK_UQ, e->track);
		if (t)
			instant(c, e, t, e->error == -EFAULT || e->ctx ? "fault" : "queue stopped");
		break;
	default:
		break;
	}
}

/* First pass: the jobs' names and the tracks' labels, from what the drivers said. */
static void name_tracks(struct converter *c, const struct accel_trace_event *e)
{
	struct track *t;
	struct job *j;

	switch (e->type) {
	case ACCEL_TRACE_VNPU_SUBMIT:
		j = job_find(c, e->pid, e->ctx, e->seqno, true);
		if (j) {
			j->vnpu = true;
			j->client = e->arg[0];
			j->vctx = e->arg[1];
			j->job_id = e->arg[2];
		}
		t = track_get(c, e->pid, TRACK_QUEUE, e->track);
		if (t && !t->named) {
			snprintf(t->label, sizeof(t->label), "queue: client %" PRIu64 " ctx %" PRIu64 " (%s)",
				 e->arg[0], e->arg[1], e->name);
			t->named = true;
		}
		break;
	case ACCEL_TRACE_SUBMIT:
		job_find(c, e->pid, e->ctx, e->seqno, true);
		t = track_get(c, e->pid, TRACK_QUEUE, e->track);
		if (t && !t->label[0])
			snprintf(t->label, sizeof(t->label), "queue %" PRIu64 " (%s)", e->track, e->name);
		break;
	case ACCEL_TRACE_RUN:
	case ACCEL_TRACE_VNPU_START:
	case ACCEL_TRACE_VNPU_END:
	case ACCEL_TRACE_VNPU_RESET:
		t = track_get(c, e->pid, TRACK_ENGINE, e->track);
		if (t && !t->label[0] && e->name[0])
			snprintf(t->label, sizeof(t->label), "engine %s", e->name);
		break;
	case ACCEL_TRACE_UQ_SUBMIT:
		job_find(c, e->pid, e->track, e->seqno, true);
		/* It names the queue's track as a start does. */
		__attribute__((fallthrough));
	case ACCEL_TRACE_UQ_START:
		t = track_get(c, e->pid, TRACK_UQ, e->track);
		if (t && !t->named) {
			snprintf(t->label, sizeof(t->label), "user queue: client %" PRIu64 " queue %" PRIu64,
				 e->arg[0], e->arg[1]);
			t->named = true;
		}
		break;
	default:
		break;
	}
}

static int ev_cmp(const void *a, const void *b)
{
	const struct accel_trace_event *x = a, *y = b;

	/* Equal times keep the recorded order: sorted with the index in @pad2 (see below). */
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->pad2 < y->pad2 ? -1 : x->pad2 > y->pad2;
}

static void write_metadata(struct converter *c, const struct trace_data *d)
{
	size_t i, k;

	for (i = 0; i < d->nprocs; i++) {
		char name[96];

		snprintf(name, sizeof(name), "%s (pid %u)", d->procs[i].comm[0] ? d->procs[i].comm : "accel",
			 d->procs[i].pid);
		ev_begin(c, "M", "process_name", d->procs[i].pid, 0, c->t0);
		fputs(",\"args\":{\"name\":", c->out);
		json_str(c->out, name);
		fputs("}}", c->out);
	}
	for (i = 0; i < c->ntracks; i++) {
		struct track *t = &c->tracks[i];
		int dup = 1;

		if (!t->label[0])
			snprintf(t->label, sizeof(t->label), "%s %" PRIu64,
				 t->kind == TRACK_ENGINE ? "engine" : t->kind == TRACK_QUEUE ? "queue" : "user queue",
				 t->key);
		/* Two devices have a "compute0" each: the later ones are numbered. */
		for (k = 0; k < i; k++)
			if (c->tracks[k].pid == t->pid && !strcmp(c->tracks[k].label, t->label))
				dup++;
		if (dup > 1) {
			size_t len = strlen(t->label);

			snprintf(t->label + len, sizeof(t->label) - len, " #%d", dup);
		}
		ev_begin(c, "M", "thread_name", t->pid, t->tid, c->t0);
		fputs(",\"args\":{\"name\":", c->out);
		json_str(c->out, t->label);
		fputs("}}", c->out);
		ev_begin(c, "M", "thread_sort_index", t->pid, t->tid, c->t0);
		fprintf(c->out, ",\"args\":{\"sort_index\":%d}}", (int)t->kind * 1000 + t->tid);
	}
}

static int write_json(struct trace_data *d, const char *path)
{
	struct converter c = { .first = true };
	uint64_t dropped = 0, last = 0;
	size_t i;
	int err = 0;

	for (i = 0; i < d->n; i++)
		d->ev[i].pad2 = (uint32_t)i;
	qsort(d->ev, d->n, sizeof(d->ev[0]), ev_cmp);
	c.t0 = d->n ? d->ev[0].ts_ns : 0;
	last = d->n ? d->ev[d->n - 1].ts_ns : 0;
	for (i = 0; i < d->n; i++)
		d->ev[i].name[ACCEL_TRACE_NAME_LEN - 1] = '\0';
	for (i = 0; i < d->n; i++)
		name_tracks(&c, &d->ev[i]);
	/* Tracks also come from events that name none: made now, so their metadata is written. */
	for (i = 0; i < d->n; i++) {
		const struct accel_trace_event *e = &d->ev[i];

		if (e->type == ACCEL_TRACE_SIGNAL)
			track_get(&c, e->pid, TRACK_QUEUE, e->ctx);
		else if (e->type == ACCEL_TRACE_UQ_END || (e->type == ACCEL_TRACE_VNPU_FAULT && !e->ctx))
			track_get(&c, e->pid, TRACK_UQ, e->track);
		else if (e->type == ACCEL_TRACE_DEPS_DONE)
			track_get(&c, e->pid, TRACK_QUEUE, e->track);
		else if (e->type != ACCEL_TRACE_VNPU_SUBMIT && e->type != ACCEL_TRACE_SUBMIT &&
			 e->type != ACCEL_TRACE_UQ_START && e->type != ACCEL_TRACE_UQ_SUBMIT)
			track_get(&c, e->pid, TRACK_ENGINE, e->track);
	}
	c.out = fopen(path, "we");
	if (!c.out) {
		fprintf(stderr, "%s trace: %s: %s\n", accel_prog, path, strerror(errno));
		goto out;
	}
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", c.out);
	write_metadata(&c, d);
	for (i = 0; i < d->n; i++)
		convert_event(&c, &d->ev[i]);
	/* A job or entry still running when the recording ended closes there. */
	for (i = 0; i < c.ntracks; i++) {
		struct track *t = &c.tracks[i];

		if (!t->open)
			continue;
		ev_begin(&c, "E", t->open_name, t->pid, t->tid, last);
		fputs(",\"args\":{\"unfinished\":true}}", c.out);
	}
	for (i = 0; i < d->nprocs; i++)
		dropped += d->procs[i].dropped;
	fprintf(c.out, "\n],\"otherData\":{\"clock\":\"CLOCK_MONOTONIC\",\"t0_ns\":%" PRIu64
		",\"events\":%zu,\"dropped\":%" PRIu64 ",\"processes\":%zu}}\n",
		c.t0, d->n, dropped, d->nprocs);
	if (fclose(c.out)) {
		fprintf(stderr, "%s trace: %s: %s\n", accel_prog, path, strerror(errno));
		goto out;
	}
	fprintf(stderr, "%s trace: %zu events from %zu process%s written to %s", accel_prog, d->n,
		d->nprocs, d->nprocs == 1 ? "" : "es", path);
	if (dropped)
		fprintf(stderr, " (%" PRIu64 " dropped: a larger --buffer keeps them)", dropped);
	fputc('\n', stderr);
	err = 0;
	goto done;
out:
	err = 1;
done:
	free(c.tracks);
	free(c.jobs);
	return err;
}

/* ---- the command ---- */

static bool parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || !*s || *end || *s == '-' || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static int trace_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct trace_data d = { 0 };
	const char *output = NULL, *backend = getenv("ACCEL_BACKEND");
	double duration = 0;
	uint32_t buffer = 0;
	char **program = NULL, *end;
	int c, status = 0, ret;
	bool daemon;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:d:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'd':
			errno = 0;
			duration = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(duration > 0) || duration > 86400)
				return trace_bad("--duration '%s': not a number of seconds in (0, 86400]",
						 optarg);
			break;
		case 'b':
			if (!parse_u32(optarg, &buffer) || !buffer)
				return trace_bad("--buffer '%s': not a positive number of events", optarg);
			break;
		case 'h':
			trace_usage(stdout);
			return 0;
		case '?':
		default:
			if (optopt)
				return trace_bad("option '-%c' is unknown or lacks its value",
						 (char[]){ (char)optopt, 0 });
			return trace_bad("option '%s' is unknown or lacks its value", argv[optind - 1]);
		}
	}
	if (optind < argc)
		program = &argv[optind];
	if (!output)
		return trace_bad("%s", "no output file: -o FILE is required");
	if (program && duration)
		return trace_bad("%s", "--duration and a PROGRAM exclude each other");
	if (!program && !duration)
		return trace_bad("%s", "nothing to trace: give -- PROGRAM [ARGS...] or --duration SECONDS");
	if (backend && !strcmp(backend, "kernel")) {
		fprintf(stderr, "%s trace: ACCEL_BACKEND=kernel: a kernel's accel nodes have no accel tracing node\n",
			accel_prog);
		return 1;
	}
	if (backend && *backend && !strcmp(backend, "daemon")) {
		daemon = true;
	} else if (backend && *backend && !strcmp(backend, "embedded")) {
		daemon = false;
	} else {
		struct accel_root_owner o = { 0 };

		daemon = !accel_root_owner(accel_root_shared(), &o) && o.holder == ACCEL_ROOT_ACCELD;
	}
	if (duration && !daemon) {
		fprintf(stderr, "%s trace: --duration reads a running acceld's events, and none serves %s\n",
			accel_prog, accel_root_shared());
		return 1;
	}
	if (daemon)
		ret = trace_daemon(&d, program, duration, buffer, &status);
	else
		ret = trace_embedded(&d, program, buffer, &status);
	if (!ret || d.n)
		ret = write_json(&d, output) || ret;
	free(d.ev);
	free(d.procs);
	if (ret)
		return 1;
	return program ? status : 0;
}

const struct accel_cmd accel_cmd_trace = {
	.name = "trace",
	.summary = "record scheduler and driver events as Chrome trace-event JSON (Perfetto)",
	.run = trace_run,
	.usage = trace_usage,
};
