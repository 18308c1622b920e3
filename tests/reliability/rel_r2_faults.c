// SPDX-License-Identifier: MIT
/*
 * R2 (issue 11): injected hangs and faults while other clients run checked work.
 *
 * One vnpu (short job timeout) on the embedded core of this process: checker threads, each
 * a client of its own (its own open file, address space and context, compute or DMA), run
 * jobs whose results they verify (a DMA copy of random bytes, a DMA fill and, on compute
 * contexts, a 16x16x16 f32 matmul compared with the CPU's). Meanwhile an injector client
 * causes EVENTS hangs and faults one after the other, six kinds in turn:
 *
 *   semwait-hang    its own job waits on a semaphore nobody writes: the job timeout resets
 *                   the engine, the job gets -ETIME, its context is killed
 *   inject-hang     debugfs inject_hang 1: the next job to start (anyone's) hangs
 *   inject-dma      debugfs inject_dma_error 1: the next DMA packet (anyone's) fails -EIO
 *   page-fault      its own DMA copy reads an unmapped VA: -EFAULT, the context lives on
 *   inject-reset    debugfs inject_reset of the engine running its own waiting job: -EIO
 *   force-recovery  debugfs force_recovery of that engine: -ETIME, context killed
 *
 * An event is *recovered* when its effect shows within a bound (the counter taken, the
 * job's error, the engine's reset counted) and the injector's next checked job, on a new
 * context when the old one was killed, completes with the right results.
 * Checked jobs that an injection hit (inject-hang, inject-dma take whichever job comes
 * first) are counted apart, as victims; every other checked job is *innocent* and must
 * complete with correct results. At the end the victims are reconciled with the injections:
 * each -ETIME and -EIO seen anywhere must be explained by one.
 *
 * The debugfs injection files are written through the core's attribute tree
 * (include/accel/attr.h) because acceld publishes debugfs read-only: a write to the file
 * under the root reaches no store callback. That is why this campaign runs embedded.
 *
 * usage: rel_r2_faults [--events N] [--checkers N] [--timeout-ms MS] [--seed S] [--limit S]
 * Exit status 0 when every event recovered and every innocent result was correct.
 */
#include "rel_common.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#include <accel/attr.h>
#include <accel/dma_fence.h>
#include <accel/sync_file.h>

#include "../common/vnpu_core_attrs.h"

#define MEM_SIZE	(4u << 20)
#define COPY_BYTES	4096
#define FILL_BYTES	4096
#define DIM		16
#define MAT_BYTES	(DIM * DIM * sizeof(float))
#define WAIT_NS		(10 * REL_NSEC)

enum kind { K_SEMWAIT_HANG, K_INJECT_HANG, K_INJECT_DMA, K_PAGE_FAULT, K_INJECT_RESET,
	    K_FORCE_RECOVERY, K_COUNT };
static const char *const kind_name[K_COUNT] = { "semwait-hang", "inject-hang", "inject-dma",
						"page-fault", "inject-reset", "force-recovery" };

static char node[64], dbgdir[64];
static unsigned int job_timeout_ms = 100;
static atomic_bool stop;

/* Victims and results over every client (checkers and injector). */
static atomic_ullong seen_etime, seen_eio;
static atomic_ullong innocent_total, innocent_correct, checker_victims, checker_jobs;
static atomic_int reports_left = 20;
static atomic_ullong no_record;		/* injector jobs ended by a reset with no profile record */	/* details printed for the first failures */

#define REPORT(...)								\
	do {									\
		if (atomic_fetch_sub(&reports_left, 1) > 0)			\
			fprintf(stderr, "r2: " __VA_ARGS__);			\
	} while (0)

/* ---------------------------------------------------------------------------------------- */
/* Attribute files (the core's tree) */

static long long dbg_num(const char *name)
{
	char path[128], *t;
	long long v;

	snprintf(path, sizeof(path), "%s/%s", dbgdir, name);
	t = core_attr_text(path);
	v = t ? strtoll(t, NULL, 10) : -1;
	free(t);
	return v;
}

static int dbg_write(const char *name, const char *text)
{
	char path[128];
	struct attr_node *n;

	snprintf(path, sizeof(path), "%s/%s", dbgdir, name);
	n = attr_lookup(path);
	if (!n)
		return -ENOENT;
	return attr_write(n, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -EIO;
}

static unsigned long long reset_count(void)
{
	char *t = core_attr_text("devices/platform/vnpu.0/reset_count");
	unsigned long long v = t ? strtoull(t, NULL, 10) : 0;

	free(t);
	return v;
}

/* The engine running job @job of context @ctx of client @client (debugfs queues), or false. */
static bool engine_running(uint64_t client, uint32_t ctx, uint64_t job, char *name, size_t n)
{
	char path[128], *t;
	bool found;

	snprintf(path, sizeof(path), "%s/queues", dbgdir);
	t = core_attr_text(path);
	if (!t)
		return false;
	found = vnpu_queues_running(t, client, ctx, job, name, n, NULL);
	free(t);
	return found;
}

/* ---------------------------------------------------------------------------------------- */
/* A checked job: copy, fill and (compute) matmul, all verified */

struct checked {
	struct vnpu_arena_client c;
	uint32_t ctx, engine, out;
	uint64_t rng;
	int64_t src, dst, fill, a, b, cm, cmd, prof, word, started;
	uint64_t fill_value;
	const char *who;
};

static int checked_setup(struct checked *k, const char *name, uint32_t engine, uint64_t seed)
{
	struct drm_set_client_name cn = { .name_len = strlen(name), .name = (uintptr_t)name };
	int err;

	memset(k, 0, sizeof(*k));
	k->who = name;
	k->engine = engine;
	k->rng = seed ? seed : 1;
	err = vnpu_arena_open(&k->c, node, MEM_SIZE);
	if (err)
		return err;
	err = vnpu_ioctl_retry(k->c.fd, DRM_IOCTL_SET_CLIENT_NAME, &cn);
	if (!err)
		err = vnpu_arena_ctx_create(&k->c, engine, VNPU_PRIORITY_NORMAL, &k->ctx);
	if (!err)
		err = vnpu_syncobj_create(k->c.fd, &k->out);
	if (err)
		return err;
	k->src = vnpu_arena_alloc(&k->c, COPY_BYTES);
	k->dst = vnpu_arena_alloc(&k->c, COPY_BYTES);
	k->fill = vnpu_arena_alloc(&k->c, FILL_BYTES);
	k->a = vnpu_arena_alloc(&k->c, MAT_BYTES);
	k->b = vnpu_arena_alloc(&k->c, MAT_BYTES);
	k->cm = vnpu_arena_alloc(&k->c, MAT_BYTES);
	k->cmd = vnpu_arena_alloc(&k->c, 1024);
	k->prof = vnpu_arena_alloc(&k->c, sizeof(struct vnpu_job_profile));
	k->word = vnpu_arena_alloc(&k->c, 8);
	k->started = vnpu_arena_alloc(&k->c, 8);
	return k->started < 0 ? -ENOMEM : 0;
}

/* Fresh inputs and a stream that computes everything; submit it. */
static int checked_submit(struct checked *k)
{
	struct vnpu_stream s = { .len = 0 };
	float *a = (float *)(k->c.map + k->a), *b = (float *)(k->c.map + k->b);
	size_t i;

	for (i = 0; i < COPY_BYTES / 8; i++)
		((uint64_t *)(k->c.map + k->src))[i] = xorshift64s(&k->rng);
	memset(k->c.map + k->dst, 0, COPY_BYTES);
	memset(k->c.map + k->fill, 0, FILL_BYTES);
	k->fill_value = xorshift64s(&k->rng);
	rel_emit_copy(&s, vnpu_arena_va(k->src), vnpu_arena_va(k->dst), COPY_BYTES);
	rel_emit_fill(&s, vnpu_arena_va(k->fill), FILL_BYTES, k->fill_value, 8);
	if (k->engine == VNPU_ENGINE_COMPUTE) {
		for (i = 0; i < DIM * DIM; i++) {
			a[i] = xorshift64s_unit(&k->rng);
			b[i] = xorshift64s_unit(&k->rng);
		}
		memset(k->c.map + k->cm, 0xff, MAT_BYTES); /* NaN: nothing written shows */
		rel_emit_matmul(&s, DIM, DIM, DIM, vnpu_arena_va(k->a), vnpu_arena_va(k->b),
				vnpu_arena_va(k->cm));
	}
	return vnpu_arena_submit(&k->c, k->ctx, &s, k->cmd, k->out, 0, k->prof, NULL);
}

/* Whether the last checked job's results are right. */
static bool checked_verify(struct checked *k)
{
	const float *a = (float *)(k->c.map + k->a), *b = (float *)(k->c.map + k->b);
	const float *cm = (float *)(k->c.map + k->cm);
	int i, j, l;

	if (memcmp(k->c.map + k->src, k->c.map + k->dst, COPY_BYTES)) {
		REPORT("%s: DMA copy result differs\n", k->who);
		return false;
	}
	for (i = 0; i < FILL_BYTES / 8; i++) {
		if (((uint64_t *)(k->c.map + k->fill))[i] != k->fill_value) {
			REPORT("%s: DMA fill result differs at word %d\n", k->who, i);
			return false;
		}
	}
	if (k->engine != VNPU_ENGINE_COMPUTE)
		return true;
	for (i = 0; i < DIM; i++) {
		for (j = 0; j < DIM; j++) {
			double want = 0;

			for (l = 0; l < DIM; l++)
				want += (double)a[i * DIM + l] * b[l * DIM + j];
			if (!(fabs(cm[i * DIM + j] - want) <= 1e-4 * (1 + fabs(want)))) {
				REPORT("%s: matmul C[%d][%d] = %g, want %g\n", k->who, i, j,
				       cm[i * DIM + j], want);
				return false;
			}
		}
	}
	return true;
}

static struct vnpu_job_profile checked_profile(struct checked *k)
{
	struct vnpu_job_profile p;

	memcpy(&p, k->c.map + k->prof, sizeof(p));
	return p;
}

/* The error of the fence in binary syncobj @k->out (through a sync_file): 0 or -errno. */
static int fence_error(struct checked *k)
{
	struct drm_syncobj_handle e = { .handle = k->out,
					.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE };
	struct dma_fence *f;
	int st;

	if (vnpu_ioctl_retry(k->c.fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e))
		return -ENODATA;
	f = sync_file_fence_of_fd(e.fd);
	st = f ? dma_fence_get_status(f) : -ENODATA;
	if (f)
		dma_fence_put(f);
	close(e.fd);
	return st == 1 ? 0 : st;
}

/* Count a job's error among the victims' errors. */
static void note_error(int error)
{
	if (error == -ETIME)
		atomic_fetch_add(&seen_etime, 1);
	else if (error == -EIO)
		atomic_fetch_add(&seen_eio, 1);
}

/* A killed context is replaced; 0 or -errno. */
static int checked_new_ctx(struct checked *k)
{
	struct drm_vnpu_context_destroy d = { .ctx_id = k->ctx };

	vnpu_ioctl_retry(k->c.fd, DRM_IOCTL_VNPU_CONTEXT_DESTROY, &d);
	return vnpu_arena_ctx_create(&k->c, k->engine, VNPU_PRIORITY_NORMAL, &k->ctx);
}

/*
 * Run one checked job to its end: 0 with *@error its error (0: results verified in *@ok),
 * or -errno when it could not be submitted or never ended within the bound.
 */
static int checked_run(struct checked *k, int *error, bool *ok)
{
	struct vnpu_job_profile p;
	int err = checked_submit(k);

	*ok = false;
	*error = 0;
	if (err)
		return err;
	err = vnpu_wait_point(k->c.fd, k->out, 0, WAIT_NS);
	if (err)
		return err;
	p = checked_profile(k);
	*error = p.end_ns || p.error ? p.error : -ECANCELED;
	if (!*error)
		*ok = checked_verify(k);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Checker threads */

struct checker {
	pthread_t thread;
	unsigned int index;
	uint64_t seed;
	int setup_error;
};

static void *checker_main(void *arg)
{
	struct checker *ch = arg;
	struct checked k;
	char name[32];
	bool ok;
	int error, err;

	snprintf(name, sizeof(name), "r2-checker-%u", ch->index);
	ch->setup_error = checked_setup(&k, name, ch->index % 2 ? VNPU_ENGINE_DMA : VNPU_ENGINE_COMPUTE,
					ch->seed);
	if (ch->setup_error) {
		vnpu_arena_close(&k.c);
		return NULL;
	}
	while (!atomic_load(&stop)) {
		err = checked_run(&k, &error, &ok);
		atomic_fetch_add(&checker_jobs, 1);
		if (err) {
			/* not submitted, or never ended within 10 s: an innocent job went wrong */
			REPORT("%s: job submit/wait failed: %s\n", name, strerror(-err));
			atomic_fetch_add(&innocent_total, 1);
			if (err == -ECANCELED && checked_new_ctx(&k))
				break;
			continue;
		}
		if (error == -ETIME || error == -EIO) {
			/* an injection took this job: a victim, not an innocent */
			note_error(error);
			atomic_fetch_add(&checker_victims, 1);
			if (error == -ETIME && checked_new_ctx(&k))
				break;
			continue;
		}
		atomic_fetch_add(&innocent_total, 1);
		if (!error && ok)
			atomic_fetch_add(&innocent_correct, 1);
		else if (error)
			REPORT("%s: unexpected job error %d (%s)\n", name, error, strerror(-error));
		if (error == -ECANCELED && checked_new_ctx(&k))
			break;
	}
	vnpu_arena_close(&k.c);
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* The injector */

struct injector {
	struct checked k;
	uint64_t client_id;
	uint32_t dma_ctx;
};

/* Bounded poll until debugfs @name reads 0 (the injection was taken). */
static bool wait_taken(const char *name)
{
	int64_t end = mono_now_ns() + WAIT_NS;

	while (dbg_num(name) != 0) {
		if (mono_now_ns() > end)
			return false;
		usleep(200);
	}
	return true;
}

static bool wait_resets_above(unsigned long long before)
{
	int64_t end = mono_now_ns() + WAIT_NS;

	while (reset_count() <= before) {
		if (mono_now_ns() > end)
			return false;
		usleep(200);
	}
	return true;
}

/* The injector's own checked job after an event: it must complete correctly. */
static bool injector_check(struct injector *in)
{
	bool ok;
	int error, err = checked_run(&in->k, &error, &ok);

	if (err || error || !ok) {
		REPORT("event check job: %s error %d ok %d\n", err ? strerror(-err) : "", error, ok);
		if (error == -ETIME || error == -EIO)
			note_error(error); /* a later injection's victim: still counted */
		return false;
	}
	return true;
}

/* A job on @ctx that says it started, then waits on a word nobody writes: its error. */
static int run_hanging_job(struct injector *in, uint32_t ctx, int action, int *error)
{
	struct checked *k = &in->k;
	struct vnpu_stream s = { .len = 0 };
	struct vnpu_job_profile p;
	char engine[32] = "-";
	uint64_t job;
	int64_t end;
	int err;

	*(volatile uint64_t *)(k->c.map + k->started) = 0;
	*(volatile uint64_t *)(k->c.map + k->word) = 0;
	rel_emit_fence_write(&s, vnpu_arena_va(k->started), 1);
	rel_emit_sem_wait(&s, vnpu_arena_va(k->word), 1, 0);
	err = vnpu_arena_submit(&k->c, ctx, &s, k->cmd, k->out, 0, k->prof, &job);
	if (err)
		return err;
	if (action == K_INJECT_RESET || action == K_FORCE_RECOVERY) {
		end = mono_now_ns() + WAIT_NS;
		while (!engine_running(in->client_id, ctx, job, engine, sizeof(engine))) {
			if (mono_now_ns() > end)
				break;
			usleep(100);
		}
		if (dbg_write(action == K_INJECT_RESET ? "inject_reset" : "force_recovery", engine))
			REPORT("cannot write %s %s\n", kind_name[action], engine);
	}
	err = vnpu_wait_point(k->c.fd, k->out, 0, WAIT_NS);
	if (err)
		return err;
	p = checked_profile(k);
	*error = p.error;
	if (!p.end_ns && !p.error) {
		/*
		 * No profile record: a reset or recovery that reached the job after the engine
		 * took it but before its first packet ends it as "cancelled before it started"
		 * (vnpu_engine_execute), which writes none. Its fence has the error.
		 */
		*error = fence_error(k);
		atomic_fetch_add(&no_record, 1);
	}
	if (*error != -ETIME && *error != -EIO)
		REPORT("%s: job %llu on %s: error %d start %llu end %llu packets %u\n",
		       kind_name[action], (unsigned long long)job, engine, p.error,
		       (unsigned long long)p.start_ns, (unsigned long long)p.end_ns, p.packets);
	return 0;
}

/* One event of kind @kind: whether it recovered. */
static bool inject_one(struct injector *in, enum kind kind)
{
	struct checked *k = &in->k;
	unsigned long long resets = reset_count();
	int error = 0, err;
	bool ok, recovered = true;

	switch (kind) {
	case K_SEMWAIT_HANG:
	case K_INJECT_RESET:
	case K_FORCE_RECOVERY:
		err = run_hanging_job(in, k->ctx, kind, &error);
		if (err) {
			REPORT("%s: %s\n", kind_name[kind], strerror(-err));
			return false;
		}
		note_error(error);
		if (kind == K_INJECT_RESET && error == -ETIME) {
			/* the job timeout beat the reset: recovered, but as a hang */
			REPORT("inject-reset: the job timeout came first\n");
		} else if (error != (kind == K_INJECT_RESET ? -EIO : -ETIME)) {
			REPORT("%s: job error %d\n", kind_name[kind], error);
			recovered = false;
		}
		if (!wait_resets_above(resets)) {
			REPORT("%s: no reset counted\n", kind_name[kind]);
			recovered = false;
		}
		if (error == -ETIME && checked_new_ctx(k))
			return false;
		break;
	case K_INJECT_HANG:
	case K_INJECT_DMA:
		if (dbg_write(kind == K_INJECT_HANG ? "inject_hang" : "inject_dma_error", "1")) {
			REPORT("%s: cannot write the injection file\n", kind_name[kind]);
			return false;
		}
		/* a job of its own, so that something takes the injection even if nobody runs */
		err = checked_run(k, &error, &ok);
		if (err) {
			REPORT("%s: probe job: %s\n", kind_name[kind], strerror(-err));
			recovered = false;
		} else if (error) {
			note_error(error);
			if (error != (kind == K_INJECT_HANG ? -ETIME : -EIO)) {
				REPORT("%s: probe job error %d\n", kind_name[kind], error);
				recovered = false;
			}
		} else if (!ok) {
			recovered = false;
		}
		if (!wait_taken(kind == K_INJECT_HANG ? "inject_hang" : "inject_dma_error")) {
			REPORT("%s: never taken\n", kind_name[kind]);
			recovered = false;
		}
		if (kind == K_INJECT_HANG && !wait_resets_above(resets)) {
			REPORT("inject-hang: no reset counted\n");
			recovered = false;
		}
		if (error == -ETIME && checked_new_ctx(k))
			return false;
		break;
	case K_PAGE_FAULT: {
		struct vnpu_stream s = { .len = 0 };
		struct vnpu_job_profile p;

		/* read from past the end of the only mapping */
		rel_emit_copy(&s, vnpu_arena_va(k->c.size) + (1ull << 20), vnpu_arena_va(k->dst), 64);
		err = vnpu_arena_submit(&k->c, k->ctx, &s, k->cmd, k->out, 0, k->prof, NULL);
		if (!err)
			err = vnpu_wait_point(k->c.fd, k->out, 0, WAIT_NS);
		if (err) {
			REPORT("page-fault: %s\n", strerror(-err));
			return false;
		}
		p = checked_profile(k);
		note_error(p.error);
		if (p.error != -EFAULT) {
			REPORT("page-fault: job error %d\n", p.error);
			recovered = false;
		}
		if (p.error == -ETIME && checked_new_ctx(k))
			return false;
		break;
	}
	default:
		return false;
	}
	return injector_check(in) && recovered;
}

/* ---------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	unsigned int events = 1000, nchk = 4, limit = 1800, i;
	unsigned long long injected[K_COUNT] = { 0 }, recovered[K_COUNT] = { 0 }, total_rec = 0;
	unsigned long long resets0, resets1, want_etime, want_eio;
	const char *seed_arg = NULL;
	struct checker *chk;
	struct injector in;
	struct attr_node *dir;
	char config[256];
	uint64_t seed;
	int64_t t0, t1;
	int err;

	for (i = 1; i < (unsigned int)argc; i++) {
		const char *v = i + 1 < (unsigned int)argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--events") && v)
			events = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--checkers") && v)
			nchk = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--timeout-ms") && v)
			job_timeout_ms = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && v)
			seed_arg = argv[++i];
		else if (!strcmp(argv[i], "--limit") && v)
			limit = (unsigned int)strtoul(argv[++i], NULL, 0);
		else {
			bool help = !strcmp(argv[i], "--help");

			fprintf(help ? stdout : stderr, "usage: %s [--events N] [--checkers N] [--timeout-ms MS] "
				"[--seed S] [--limit SECONDS]\n", argv[0]);
			return help ? 0 : 2;
		}
	}
	if (!nchk || nchk > 64 || job_timeout_ms < 10) {
		fprintf(stderr, "r2: --checkers 1..64, --timeout-ms >= 10\n");
		return 2;
	}
	rel_init("r2", limit);
	seed = rel_seed(seed_arg);
	printf("R2 injected hangs and faults: %u events, %u checker clients, job_timeout_ms %u, "
	       "seed 0x%llx (--seed replays the choices; timing differs)\n", events, nchk,
	       job_timeout_ms, (unsigned long long)seed);
	fflush(stdout);

	setenv("ACCEL_ROOT", rel_private_root("r2"), 1);
	setenv("ACCEL_BACKEND", "embedded", 1);
	setenv("ACCEL_REFRESH_MS", "0", 1);	/* nobody reads the published files */
	snprintf(config, sizeof(config), "[vnpu.0]\ndriver = vnpu\njob_timeout_ms = %u\n"
		 "compute_engines = 2\ndma_engines = 1\n", job_timeout_ms);
	err = accel_embedded_start(config);
	if (err) {
		fprintf(stderr, "r2: embedded core: %s\n", strerror(-err));
		return 1;
	}
	dir = attr_lookup("devices/platform/vnpu.0/accel");
	if (!dir || !dir->children || strncmp(dir->children->name, "accel", 5)) {
		fprintf(stderr, "r2: no vnpu accel node\n");
		return 1;
	}
	snprintf(node, sizeof(node), "/dev/accel/%s", dir->children->name);
	/* an accel minor's debugfs directory is its device's unique name (no "N" link, as 6.12) */
	snprintf(dbgdir, sizeof(dbgdir), "kernel/debug/accel/vnpu.0");

	err = checked_setup(&in.k, "r2-injector", VNPU_ENGINE_COMPUTE, xorshift64s(&seed));
	in.client_id = err ? 0 : core_client_id_by_name("r2-injector");
	if (err || !in.client_id) {
		fprintf(stderr, "r2: injector client: %s\n", err ? strerror(-err) : "no client id");
		return 1;
	}
	resets0 = reset_count();
	chk = calloc(nchk, sizeof(*chk));
	if (!chk)
		return 1;
	t0 = mono_now_ns();
	for (i = 0; i < nchk; i++) {
		chk[i].index = i;
		chk[i].seed = xorshift64s(&seed);
		if (pthread_create(&chk[i].thread, NULL, checker_main, &chk[i])) {
			fprintf(stderr, "r2: cannot start checker %u\n", i);
			return 1;
		}
	}
	for (i = 0; i < events; i++) {
		enum kind kind = (enum kind)(rel_below(&seed, K_COUNT));

		injected[kind]++;
		if (inject_one(&in, kind))
			recovered[kind]++;
		if (events >= 10 && (i + 1) % (events / 10) == 0) {
			printf("  %u/%u events, %.1f s\n", i + 1, events,
			       (double)(mono_now_ns() - t0) / REL_NSEC);
			fflush(stdout);
		}
	}
	atomic_store(&stop, true);
	for (i = 0; i < nchk; i++)
		pthread_join(chk[i].thread, NULL);
	t1 = mono_now_ns();
	resets1 = reset_count();
	for (i = 0; i < nchk; i++)
		if (chk[i].setup_error)
			fprintf(stderr, "r2: checker %u could not start: %s\n", i,
				strerror(-chk[i].setup_error));

	for (i = 0; i < K_COUNT; i++)
		total_rec += recovered[i];
	/* every -ETIME and -EIO anyone saw must be one injection's (a wrong count: stray ones) */
	want_etime = injected[K_SEMWAIT_HANG] + injected[K_INJECT_HANG] + injected[K_FORCE_RECOVERY];
	want_eio = injected[K_INJECT_DMA] + injected[K_INJECT_RESET];
	printf("\nR2 results (%.1f s wall, machine shared with other builds)\n",
	       (double)(t1 - t0) / REL_NSEC);
	printf("  %-16s %9s %9s\n", "event", "injected", "recovered");
	for (i = 0; i < K_COUNT; i++)
		printf("  %-16s %9llu %9llu\n", kind_name[i], injected[i], recovered[i]);
	printf("  recovered / injected:            %llu / %u (%.2f%%)\n", total_rec, events,
	       events ? 100.0 * (double)total_rec / events : 100.0);
	printf("  innocent results correct / total: %llu / %llu (%.2f%%)\n",
	       (unsigned long long)innocent_correct, (unsigned long long)innocent_total,
	       innocent_total ? 100.0 * (double)innocent_correct / (double)innocent_total : 100.0);
	printf("  checker jobs %llu, of which victims of an injection %llu\n",
	       (unsigned long long)checker_jobs, (unsigned long long)checker_victims);
	printf("  -ETIME jobs seen %llu (injections that make one: %llu; an inject-reset beaten by "
	       "the timeout adds one)\n", (unsigned long long)seen_etime, want_etime);
	printf("  -EIO jobs seen   %llu (injections that make one: %llu)\n",
	       (unsigned long long)seen_eio, want_eio);
	printf("  engine resets    %llu\n", resets1 - resets0);
	printf("  injector jobs reset before their first packet (fence error, no profile record): "
	       "%llu\n", (unsigned long long)no_record);
	printf("  wall time        %.1f s\n", (double)(t1 - t0) / REL_NSEC);

	vnpu_arena_close(&in.k.c);
	free(chk);
	return total_rec == events && innocent_correct == innocent_total &&
	       seen_etime + seen_eio == want_etime + want_eio ? 0 : 1;
}
