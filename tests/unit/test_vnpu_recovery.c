// SPDX-License-Identifier: MIT
/*
 * vnpu recovery: how jobs fail and what a failure takes with it (the comment above
 * VNPU_ENGINE_COMPUTE in include/uapi/drm/vnpu_accel.h). A job that runs past the job timeout
 * is aborted with -ETIME, its engine reset and its context killed (queued jobs -ECANCELED,
 * later SUBMITs -ECANCELED) while every other client's work goes on with correct results;
 * injected DMA errors and engine resets fail one job with -EIO and kill nothing; a failed
 * fence fails the jobs that depend on it without running them. The debugfs fault injection
 * (inject_hang, inject_dma_error, inject_reset, force_recovery), the debugfs views (queues,
 * jobs, last_hang) and the sysfs reset counters are checked along the way. The last test
 * runs clients in separate processes through acceld: a hung client, a killed client and the
 * clients beside them.
 *
 * A job's error is read from its profile record when the job ran, and from its fence (a
 * sync_file exported from its out-syncobj, whose fence the core looks up) for jobs that
 * never run and so write no record. Every wait is bounded (10 s); nothing asserts a time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <accel/attr.h>
#include <accel/dma_fence.h>
#include <accel/sync_file.h>
#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/drm_ext.h>
#include <uapi/drm/vnpu_accel.h>
#include "helpers.h"
#include "../common/mono_clock.h"
#include "../common/vnpu_arena_client.h"
#include "../common/vnpu_core_attrs.h"
#include "../common/vnpu_stream.h"
#include "../common/xorshift64s.h"

#define NSEC		1000000000ll
#define WAIT_NS		(10 * NSEC)	/* bound of every wait */
#define MEM_SIZE	(8u << 20)	/* each client's one buffer object, bound at VNPU_VA_START */
#define DIM		64
#define ELEMS		(DIM * DIM)
#define TBYTES		(ELEMS * sizeof(float))
#define MAX_CHAIN	32

static const char config[] = "[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 200\n"
			     "compute_engines = 2\ndma_engines = 1\n";
static const char daemon_config[] = "[nodes]\nmode = 0666\n\n[vnpu.0]\ndriver = vnpu\n"
				    "job_timeout_ms = 200\ncompute_engines = 2\ndma_engines = 1\n";

static char node[64] = "/dev/accel/accel0";	/* the vnpu's node */
static char dbgdir[64];				/* its debugfs directory, relative to sys */
static const char sysdir[] = "devices/platform/vnpu.0";
static uint64_t rng = 1;

/* ---------------------------------------------------------------------------------------- */
/* Randomness */

static void seed_rng(void)
{
	const char *env = getenv("VT_SEED");

	rng = env ? strtoull(env, NULL, 0) :
		    ((uint64_t)time(NULL) * 2654435761u) ^ ((uint64_t)getpid() << 20) ^ (uint64_t)clock();
	if (!rng)
		rng = 1;
	print_message("vnpu recovery seed 0x%llx (VT_SEED replays it)\n", (unsigned long long)rng);
}

/* Uniform in [-1, 1). */
static float randf(void)
{
	return xorshift64s_unit(&rng);
}

/* ---------------------------------------------------------------------------------------- */
/* A client: an open file, one mapped system buffer object bound at VNPU_VA_START */

struct client {
	struct vnpu_arena_client a;
	uint64_t id;		/* drm client id (in-process clients only) */
};

/* The drm client id of the in-process client named @name, from its fdinfo file. */
static uint64_t client_id_by_name(const char *name)
{
	uint64_t id = core_client_id_by_name(name);

	assert_true(id != 0);
	return id;
}

static void client_open(struct client *c, const char *name, bool in_process)
{
	struct drm_set_client_name cn = { .name_len = strlen(name), .name = (uintptr_t)name };

	memset(c, 0, sizeof(*c));
	assert_int_equal(vnpu_arena_open(&c->a, node, MEM_SIZE), 0);
	memset(c->a.map, 0, c->a.size);
	assert_int_equal(vnpu_ioctl_retry(c->a.fd, DRM_IOCTL_SET_CLIENT_NAME, &cn), 0);
	if (in_process)
		c->id = client_id_by_name(name);
}

static void client_close(struct client *c)
{
	accel_sys_munmap(c->a.map, c->a.size);
	assert_int_equal(accel_sys_close(c->a.fd), 0);
	c->a.fd = -1;
}

/* A fresh, 64-byte aligned range of @bytes of the client's object (its offset). */
static uint64_t c_alloc(struct client *c, uint64_t bytes)
{
	int64_t off = vnpu_arena_alloc(&c->a, bytes);

	assert_true(off >= 0);
	return (uint64_t)off;
}

static void *c_ptr(struct client *c, uint64_t off)
{
	return c->a.map + off;
}

static uint64_t c_va(uint64_t off)
{
	return vnpu_arena_va(off);
}

/* An 8-byte word of the client's object, zeroed, for semaphores, markers and flags. */
static uint64_t c_word(struct client *c)
{
	uint64_t off = c_alloc(c, 8);

	*(volatile uint64_t *)c_ptr(c, off) = 0;
	return off;
}

static volatile uint64_t *c_wordp(struct client *c, uint64_t off)
{
	return (volatile uint64_t *)c_ptr(c, off);
}

static uint32_t ctx_create(struct client *c, uint32_t engine)
{
	uint32_t ctx = 0;

	assert_int_equal(vnpu_arena_ctx_create(&c->a, engine, VNPU_PRIORITY_NORMAL, &ctx), 0);
	assert_true(ctx > 0);
	return ctx;
}

static uint32_t syncobj_new(struct client *c)
{
	uint32_t h = 0;

	assert_int_equal(vnpu_syncobj_create(c->a.fd, &h), 0);
	return h;
}

/* Wait for point @point (0: the binary syncobj's fence) of @h: 0, or -ETIME after 10 s. */
static int wait_point(struct client *c, uint32_t h, uint64_t point)
{
	return vnpu_wait_point(c->a.fd, h, point, WAIT_NS);
}

/*
 * The status of the fence of binary syncobj @h (in-process clients): 0 pending, 1 signalled,
 * or the error it signalled with; read through a sync_file exported from the syncobj.
 */
static int fence_status(struct client *c, uint32_t h)
{
	struct drm_syncobj_handle e = { .handle = h,
					.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE };
	struct dma_fence *f;
	int st;

	assert_int_equal(vnpu_ioctl_retry(c->a.fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e), 0);
	f = sync_file_fence_of_fd(e.fd);
	assert_non_null(f);
	st = dma_fence_get_status(f);
	dma_fence_put(f);
	close(e.fd);
	return st;
}

/* ---------------------------------------------------------------------------------------- */
/* Command streams and SUBMIT */

static void emit_sized(struct vnpu_stream *s, uint16_t opcode, uint32_t flags, void *pkt,
		       size_t size)
{
	assert_int_equal(vnpu_stream_emit(s, opcode, flags, pkt, size), 0);
}

#define EMIT(s, op, flags, pkt) emit_sized((s), VNPU_OP_##op, (flags), &(pkt), sizeof(pkt))

static void emit_fence_write(struct vnpu_stream *s, uint64_t va, uint64_t value)
{
	assert_int_equal(vnpu_stream_fence_write(s, va, value), 0);
}

static void emit_sem_wait(struct vnpu_stream *s, uint64_t va, uint64_t value, uint64_t timeout_ns)
{
	assert_int_equal(vnpu_stream_sem_wait(s, va, value, timeout_ns), 0);
}

static void emit_fill64(struct vnpu_stream *s, uint64_t va, uint64_t size, uint64_t value)
{
	assert_int_equal(vnpu_stream_dma_fill(s, va, size, value, 8), 0);
}

static void emit_copy(struct vnpu_stream *s, uint64_t src, uint64_t dst, uint64_t size)
{
	assert_int_equal(vnpu_stream_dma_copy(s, src, dst, size), 0);
}

/* A job that never ends by itself: it says it started (@started = 1), then waits forever. */
static void emit_hang(struct client *c, struct vnpu_stream *s, uint64_t started)
{
	emit_fence_write(s, c_va(started), 1);
	emit_sem_wait(s, c_va(c_word(c)), 1, 0);
}

/* One job's SUBMIT arguments beyond the context and the stream. */
struct sub {
	const struct drm_vnpu_sync *in;
	uint32_t nin;
	uint32_t out;
	uint64_t point;
	struct vnpu_job_profile *prof;	/* out: the job's profile record (zeroed) */
	uint64_t job_id;		/* out */
};

/* Submit @s on @ctx: the stream is copied into the client's object; 0 or -errno. */
static int submit(struct client *c, uint32_t ctx, const struct vnpu_stream *s, struct sub *o)
{
	uint64_t cmd = c_alloc(c, s->len), prof = c_alloc(c, sizeof(struct vnpu_job_profile));
	uint64_t job_id = 0;
	int ret;

	ret = vnpu_arena_submit_in(&c->a, ctx, s, cmd, o ? o->in : NULL, o ? o->nin : 0,
				   o ? o->out : 0, o ? o->point : 0, (int64_t)prof, &job_id);
	if (o) {
		o->prof = c_ptr(c, prof);
		o->job_id = ret ? 0 : job_id;
	}
	return ret;
}

/* Submit a job that fills the word at @marker with @value, signalling binary syncobj @out. */
static int submit_fill(struct client *c, uint32_t ctx, uint64_t marker, uint64_t value,
		       uint32_t out, struct sub *o)
{
	struct vnpu_stream s = { .len = 0 };

	emit_fill64(&s, c_va(marker), 8, value);
	*o = (struct sub){ .out = out };
	return submit(c, ctx, &s, o);
}

/* Bounded poll of the word at @off until it holds @value. */
static bool wait_word(struct client *c, uint64_t off, uint64_t value)
{
	int64_t end = mono_now_ns() + WAIT_NS;

	while (__atomic_load_n((uint64_t *)c_ptr(c, off), __ATOMIC_ACQUIRE) != value) {
		if (mono_now_ns() > end)
			return false;
		usleep(500);
	}
	return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Attribute files (in-process) */

static char *attr_text(const char *path)
{
	char *text = core_attr_text(path);

	if (!text)
		fail_msg("no attribute file %s", path);
	return text;
}

static char *dbg_read(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dbgdir, name);
	return attr_text(path);
}

static ssize_t dbg_write(const char *name, const char *text)
{
	char path[128];
	struct attr_node *n;

	snprintf(path, sizeof(path), "%s/%s", dbgdir, name);
	n = attr_lookup(path);
	if (!n)
		fail_msg("no debugfs file %s", path);
	return attr_write(n, text, strlen(text));
}

static uint64_t sys_u64(const char *rel)
{
	char path[128], *t;
	uint64_t v;

	snprintf(path, sizeof(path), "%s/%s", sysdir, rel);
	t = attr_text(path);
	v = strtoull(t, NULL, 10);
	free(t);
	return v;
}

static uint64_t engine_resets(const char *engine)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "engines/%s/resets", engine);
	return sys_u64(rel);
}

/* The device's reset counters (sysfs), taken before a job that will need a reset starts. */
struct resets {
	uint64_t total;
	uint64_t engine[3];
};

static const char *const engine_names[3] = { "compute0", "compute1", "dma0" };

static void resets_snapshot(struct resets *r)
{
	int i;

	r->total = sys_u64("reset_count");
	for (i = 0; i < 3; i++)
		r->engine[i] = engine_resets(engine_names[i]);
}

static uint64_t resets_of(const struct resets *r, const char *engine)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(engine, engine_names[i]))
			return r->engine[i];
	fail_msg("unknown engine %s", engine);
	return 0;
}

/*
 * Whether debugfs "queues" shows job @job of context @ctx of client @client running on an
 * engine; that engine's name in @name, and whether it is an injected hang in @hung.
 */
static bool engine_running(uint64_t client, uint32_t ctx, uint64_t job, char *name, size_t n,
			   bool *hung)
{
	char *t = dbg_read("queues");
	bool found = vnpu_queues_running(t, client, ctx, job, name, n, hung);

	free(t);
	return found;
}

/* Bounded wait until @job of @ctx runs on an engine (named in @name); @hung: an injected hang. */
static void wait_running(struct client *c, uint32_t ctx, uint64_t job, bool want_hung, char *name,
			 size_t n)
{
	int64_t end = mono_now_ns() + WAIT_NS;
	bool hung = false;

	while (!engine_running(c->id, ctx, job, name, n, &hung) || (want_hung && !hung)) {
		if (mono_now_ns() > end)
			fail_msg("job %llu of client %llu ctx %u never showed running%s in queues",
				 (unsigned long long)job, (unsigned long long)c->id, ctx,
				 want_hung ? " (hung)" : "");
		usleep(500);
	}
}

/* The "error=" debugfs "queues" shows for a context (its scheduler entity's error). */
static int ctx_queue_error(struct client *c, uint32_t ctx)
{
	char *t = dbg_read("queues"), want[64], *p;
	int err = 1;

	snprintf(want, sizeof(want), "client=%llu ctx=%u ", (unsigned long long)c->id, ctx);
	p = strstr(t, want);
	if (p) {
		char *eol = strchr(p, '\n'), *e = strstr(p, " error=");

		if (e && (!eol || e < eol))
			err = atoi(e + 7);
	}
	free(t);
	return err;
}

/*
 * Context @ctx was not killed: it is not marked so in debugfs "queues", and a job that fills
 * the word at @mark with @value (signalling binary syncobj @so) runs without error.
 */
static void assert_context_lives_on(struct client *c, uint32_t ctx, uint32_t so, uint64_t mark,
				    uint64_t value)
{
	struct sub next;

	assert_int_not_equal(ctx_queue_error(c, ctx), -ECANCELED);
	assert_int_equal(submit_fill(c, ctx, mark, value, so, &next), 0);
	assert_int_equal(wait_point(c, so, 0), 0);
	assert_int_equal(next.prof->error, 0);
	assert_int_equal(fence_status(c, so), 1);
	assert_int_equal(*c_wordp(c, mark), value);
}

/* Bounded wait until the scheduler has marked the context killed (its entity -ECANCELED). */
static void wait_ctx_killed(struct client *c, uint32_t ctx)
{
	int64_t end = mono_now_ns() + WAIT_NS;

	while (ctx_queue_error(c, ctx) != -ECANCELED) {
		if (mono_now_ns() > end)
			fail_msg("context %u of client %llu was never marked killed in queues", ctx,
				 (unsigned long long)c->id);
		usleep(500);
	}
}

/* Bounded wait until sysfs reset_count leaves @from; returns its value then. */
static uint64_t wait_reset_count_above(uint64_t from)
{
	int64_t end = mono_now_ns() + WAIT_NS;
	uint64_t v;

	while ((v = sys_u64("reset_count")) <= from && mono_now_ns() < end)
		usleep(500);
	return v;
}

/* Bounded wait until debugfs last_hang names @job of @ctx of @c. */
static void wait_last_hang(struct client *c, uint32_t ctx, uint64_t job)
{
	int64_t end = mono_now_ns() + WAIT_NS;
	char want[96], *t;

	snprintf(want, sizeof(want), "client=%llu ctx=%u job=%llu ", (unsigned long long)c->id,
		 ctx, (unsigned long long)job);
	for (;;) {
		t = dbg_read("last_hang");
		if (strstr(t, want))
			break;
		if (mono_now_ns() > end)
			fail_msg("last_hang does not name %s: %s", want, t);
		free(t);
		usleep(500);
	}
	assert_non_null(strstr(t, " error=-62"));
	free(t);
}

/*
 * A job queued on a context that was killed: its fence (binary syncobj @so, signalled) must
 * carry -ECANCELED and the job must not have run: its marker word at @mark untouched, and no
 * profile record (a job of a killed context that never ran writes none). Prints what is
 * wrong; true if anything is.
 */
static bool check_cancelled(struct client *c, uint32_t so, uint64_t mark,
			    const struct vnpu_job_profile *prof, int job)
{
	int st = fence_status(c, so);

	static const struct vnpu_job_profile none;

	if (st == -ECANCELED && !*c_wordp(c, mark) && !memcmp(prof, &none, sizeof(none)))
		return false;
	print_error("job %d queued behind the hung job of the killed context: fence %d (want %d), "
		    "ran: %s, profile end_ns %llu error %d\n", job, st, -ECANCELED,
		    *c_wordp(c, mark) ? "yes" : "no", (unsigned long long)prof->end_ns, prof->error);
	return true;
}

/* ---------------------------------------------------------------------------------------- */
/* A chain of dependent jobs with checked results */

enum { K_MATMUL, K_ACT, K_ADD, K_COPY };

struct chain {
	int n;
	int kind[MAX_CHAIN + 1];
	uint32_t ctx[MAX_CHAIN + 1];
	uint64_t t[MAX_CHAIN + 1];	/* tensor j is job j's output; t[0] the input */
	uint64_t w[MAX_CHAIN + 1];	/* MATMUL weights, ADD operand */
	uint64_t bias[MAX_CHAIN + 1];
	struct vnpu_job_profile *prof[MAX_CHAIN + 1];
	uint32_t timeline;
	uint32_t ctx_compute, ctx_dma;
};

static void fill_random(struct client *c, uint64_t off, size_t count, float scale)
{
	float *p = c_ptr(c, off);
	size_t i;

	for (i = 0; i < count; i++)
		p[i] = randf() * scale;
}

/*
 * @n jobs on the client, job j reading tensor j - 1 and writing tensor j, each waiting for
 * timeline point j - 1 and signalling point j. Without @with_dma: MATMUL (+ bias, GELU),
 * ACTIVATION (tanh), BINARY ADD in turn on one compute context; with it, every odd job is a
 * DMA_COPY on a DMA context between compute jobs. Inputs are fresh random numbers, outputs
 * poisoned (NaN).
 */
static void chain_prepare(struct client *c, struct chain *ch, int n, bool with_dma)
{
	int j, k = 0;

	assert_true(n <= MAX_CHAIN);
	memset(ch, 0, sizeof(*ch));
	ch->n = n;
	ch->ctx_compute = ctx_create(c, VNPU_ENGINE_COMPUTE);
	if (with_dma)
		ch->ctx_dma = ctx_create(c, VNPU_ENGINE_DMA);
	ch->timeline = syncobj_new(c);
	ch->t[0] = c_alloc(c, TBYTES);
	fill_random(c, ch->t[0], ELEMS, 1.0f);
	for (j = 1; j <= n; j++) {
		ch->t[j] = c_alloc(c, TBYTES);
		memset(c_ptr(c, ch->t[j]), 0xff, TBYTES);
		if (with_dma && (j & 1)) {
			ch->kind[j] = K_COPY;
			ch->ctx[j] = ch->ctx_dma;
			continue;
		}
		ch->kind[j] = k++ % 3;
		ch->ctx[j] = ch->ctx_compute;
		if (ch->kind[j] == K_MATMUL) {
			/* uniform weights of about unit gain keep every layer's scale */
			ch->w[j] = c_alloc(c, TBYTES);
			fill_random(c, ch->w[j], ELEMS, 0.2f);
			ch->bias[j] = c_alloc(c, DIM * sizeof(float));
			fill_random(c, ch->bias[j], DIM, 0.1f);
		} else if (ch->kind[j] == K_ADD) {
			ch->w[j] = c_alloc(c, TBYTES);
			fill_random(c, ch->w[j], ELEMS, 0.5f);
		}
	}
}

static void chain_submit(struct client *c, struct chain *ch)
{
	int j;

	for (j = 1; j <= ch->n; j++) {
		struct drm_vnpu_sync in = { .handle = ch->timeline, .point = (uint64_t)j - 1 };
		struct sub o = { .in = &in, .nin = j > 1, .out = ch->timeline, .point = (uint64_t)j };
		struct vnpu_stream s = { .len = 0 };
		uint64_t src = c_va(ch->t[j - 1]), dst = c_va(ch->t[j]);

		switch (ch->kind[j]) {
		case K_MATMUL: {
			struct vnpu_pkt_matmul p = {
				.src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32, .batch = 1,
				.m = DIM, .n = DIM, .k = DIM, .act = VNPU_ACT_GELU_ERF,
				.a_va = src, .b_va = c_va(ch->w[j]), .bias_va = c_va(ch->bias[j]),
				.c_va = dst,
			};

			EMIT(&s, MATMUL, VNPU_MATMUL_F_BIAS, p);
			break;
		}
		case K_ACT: {
			struct vnpu_pkt_activation p = { .dtype = VNPU_DT_F32, .act = VNPU_ACT_TANH,
							 .count = ELEMS, .src_va = src, .dst_va = dst };

			EMIT(&s, ACTIVATION, 0, p);
			break;
		}
		case K_ADD: {
			struct vnpu_pkt_binary p = { .dtype = VNPU_DT_F32, .op = VNPU_BINARY_ADD,
						     .rows = DIM, .cols = DIM, .a_va = src,
						     .b_va = c_va(ch->w[j]), .dst_va = dst };

			EMIT(&s, BINARY, 0, p);
			break;
		}
		default:
			emit_copy(&s, src, dst, TBYTES);
			break;
		}
		assert_int_equal(submit(c, ch->ctx[j], &s, &o), 0);
		ch->prof[j] = o.prof;
	}
}

static double gelu(double x)
{
	return 0.5 * x * (1 + erf(x / sqrt(2.0)));
}

/* Wait for the last point; every job succeeded and its output matches a float64 reference. */
static void chain_check(struct client *c, struct chain *ch)
{
	int j, i, k;

	assert_int_equal(wait_point(c, ch->timeline, (uint64_t)ch->n), 0);
	for (j = 1; j <= ch->n; j++) {
		const float *x = c_ptr(c, ch->t[j - 1]), *y = c_ptr(c, ch->t[j]);
		const float *w = ch->w[j] ? c_ptr(c, ch->w[j]) : NULL;
		const float *b = ch->bias[j] ? c_ptr(c, ch->bias[j]) : NULL;

		if (ch->prof[j]->error || !ch->prof[j]->end_ns)
			fail_msg("chain job %d: error %d, end_ns %llu", j, ch->prof[j]->error,
				 (unsigned long long)ch->prof[j]->end_ns);
		/* the reference starts from the previous job's stored output, itself checked */
		for (i = 0; i < ELEMS; i++) {
			double ref, mag = 1e-2;

			switch (ch->kind[j]) {
			case K_MATMUL: {
				int r = i / DIM, col = i % DIM;
				double s = b[col];

				mag = fabs(b[col]);
				for (k = 0; k < DIM; k++) {
					s += (double)x[r * DIM + k] * w[k * DIM + col];
					mag += fabs((double)x[r * DIM + k] * w[k * DIM + col]);
				}
				ref = gelu(s);
				break;
			}
			case K_ACT:
				ref = tanh((double)x[i]);
				break;
			case K_ADD:
				ref = (double)x[i] + w[i];
				break;
			default:
				ref = x[i];
				mag = 0;
				break;
			}
			if (!(fabs(y[i] - ref) <= 1e-4 * fmax(fabs(ref), mag)))
				fail_msg("chain job %d (kind %d) element %d: got %.9g, want %.9g", j,
					 ch->kind[j], i, y[i], ref);
		}
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Setup */

static int group_setup(void **state)
{
	int minor;

	(void)state;
	seed_rng();
	if (test_embedded_start("vnpu-recovery", config))
		return -1;
	minor = test_accel_minor("vnpu.0");
	if (minor < 0)
		return -1;
	snprintf(node, sizeof(node), "/dev/accel/accel%d", minor);
	snprintf(dbgdir, sizeof(dbgdir), "kernel/debug/accel/vnpu.0"); /* by unique name: no "N" link */
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

/* ---------------------------------------------------------------------------------------- */
/* Tests */

/*
 * Client A's job hangs (injected, or a SEM_WAIT nobody satisfies) on a compute engine with
 * two more jobs queued behind it; client B then runs a chain of 30 dependent compute jobs.
 */
static void hang_beside_a_chain(bool injected)
{
	struct client a, b;
	struct chain ch;
	struct sub ja[3];
	uint32_t actx, so[3];
	uint64_t started, mark[3], rc;
	struct resets r0;
	char engine[32];
	struct vnpu_stream s = { .len = 0 };
	bool queued_bad = false;
	int i;

	client_open(&a, injected ? "recovery-a-injected" : "recovery-a-semwait", true);
	client_open(&b, injected ? "recovery-b-injected" : "recovery-b-semwait", true);
	resets_snapshot(&r0);
	actx = ctx_create(&a, VNPU_ENGINE_COMPUTE);
	chain_prepare(&b, &ch, 30, false);
	started = c_word(&a);
	for (i = 0; i < 3; i++) {
		mark[i] = c_word(&a);
		so[i] = syncobj_new(&a);
	}

	/* A's first job: the next to start anywhere, so the injected hang is its. */
	if (injected)
		emit_fence_write(&s, c_va(started), 1);
	else
		emit_hang(&a, &s, started);
	emit_fill64(&s, c_va(mark[0]), 8, 0xa1);
	ja[0] = (struct sub){ .out = so[0] };
	if (injected)
		assert_int_equal(dbg_write("inject_hang", "1\n"), 2);
	assert_int_equal(submit(&a, actx, &s, &ja[0]), 0);
	assert_int_equal(ja[0].job_id, 1);
	for (i = 1; i < 3; i++)
		assert_int_equal(submit_fill(&a, actx, mark[i], 0xa1 + i, so[i], &ja[i]), 0);
	wait_running(&a, actx, 1, injected, engine, sizeof(engine));
	if (!injected)
		assert_true(wait_word(&a, started, 1));

	/* B's chain is submitted while A's job hangs. */
	chain_submit(&b, &ch);

	/* A's hung job is aborted with -ETIME, what it queued is cancelled without running. */
	assert_int_equal(wait_point(&a, so[0], 0), 0);
	assert_int_equal(ja[0].prof->error, -ETIME);
	assert_int_equal(fence_status(&a, so[0]), -ETIME);
	assert_int_equal(*c_wordp(&a, mark[0]), 0);
	if (injected)
		assert_int_equal(*c_wordp(&a, started), 0); /* hung before its first packet */
	for (i = 1; i < 3; i++) {
		assert_int_equal(wait_point(&a, so[i], 0), 0);
		queued_bad |= check_cancelled(&a, so[i], mark[i], ja[i].prof, i + 1);
	}
	/* A's context is killed: a new SUBMIT on it is refused. */
	{
		struct sub o;

		assert_int_equal(submit_fill(&a, actx, mark[1], 0xbad, so[1], &o), -ECANCELED);
	}

	/* B's jobs all succeeded, with the right numbers, in order. */
	chain_check(&b, &ch);

	/* One reset, and debugfs names the guilty job. */
	rc = wait_reset_count_above(r0.total);
	wait_last_hang(&a, actx, 1);
	assert_int_equal(rc, r0.total + 1);
	assert_int_equal(sys_u64("reset_count"), r0.total + 1);
	assert_int_equal(engine_resets(engine), resets_of(&r0, engine) + 1);
	{
		char *t = dbg_read("inject_hang");

		assert_string_equal(t, "0\n");
		free(t);
	}
	/* B's context was not touched. */
	assert_int_equal(ctx_queue_error(&b, ch.ctx_compute), 0);
	client_close(&a);
	client_close(&b);
	if (queued_bad)
		fail_msg("jobs queued behind the hung one ran or did not end -ECANCELED (above)");
}

static void hang_in_one_client_leaves_another_clients_chain_correct(void **state)
{
	(void)state;
	hang_beside_a_chain(true);
}

static void sem_wait_hang_in_one_client_leaves_another_clients_chain_correct(void **state)
{
	(void)state;
	hang_beside_a_chain(false);
}

static void sem_wait_on_a_value_never_written_times_out_with_etime(void **state)
{
	struct client c;
	struct vnpu_stream s = { .len = 0 };
	struct sub o;
	uint32_t ctx, so;
	uint64_t started, mark;
	struct resets r0;
	char engine[32];

	(void)state;
	client_open(&c, "recovery-semwait", true);
	ctx = ctx_create(&c, VNPU_ENGINE_COMPUTE);
	so = syncobj_new(&c);
	started = c_word(&c);
	mark = c_word(&c);
	emit_hang(&c, &s, started);
	emit_fill64(&s, c_va(mark), 8, 1);
	o = (struct sub){ .out = so };
	resets_snapshot(&r0);
	assert_int_equal(submit(&c, ctx, &s, &o), 0);
	wait_running(&c, ctx, o.job_id, false, engine, sizeof(engine));

	assert_int_equal(wait_point(&c, so, 0), 0);
	assert_int_equal(o.prof->error, -ETIME);
	assert_int_equal(o.prof->packets, 1);	/* the FENCE_WRITE before the wait */
	assert_int_equal(fence_status(&c, so), -ETIME);
	assert_int_equal(*c_wordp(&c, mark), 0);
	assert_int_equal(*c_wordp(&c, started), 1);

	/* the job timeout resets the engine and kills the context */
	assert_int_equal(wait_reset_count_above(r0.total), r0.total + 1);
	assert_int_equal(engine_resets(engine), resets_of(&r0, engine) + 1);
	wait_last_hang(&c, ctx, o.job_id);
	wait_ctx_killed(&c, ctx);
	assert_int_equal(submit_fill(&c, ctx, mark, 2, so, &o), -ECANCELED);
	client_close(&c);
}

static void submit_right_after_the_hung_jobs_fence_signals_is_refused(void **state)
{
	struct client c;
	struct vnpu_stream s = { .len = 0 };
	struct sub o, late;
	uint32_t ctx, so, late_so;
	uint64_t started, mark;
	int ret;

	(void)state;
	client_open(&c, "recovery-late-submit", true);
	ctx = ctx_create(&c, VNPU_ENGINE_COMPUTE);
	so = syncobj_new(&c);
	late_so = syncobj_new(&c);
	started = c_word(&c);
	mark = c_word(&c);
	emit_hang(&c, &s, started);
	o = (struct sub){ .out = so };
	assert_int_equal(submit(&c, ctx, &s, &o), 0);
	assert_true(wait_word(&c, started, 1));
	assert_int_equal(wait_point(&c, so, 0), 0);
	assert_int_equal(fence_status(&c, so), -ETIME);
	/* The client has seen its job time out: its context is dead from now on. */
	ret = submit_fill(&c, ctx, mark, 1, late_so, &late);
	if (ret == 0) {
		assert_int_equal(wait_point(&c, late_so, 0), 0);
		fail_msg("SUBMIT on the context whose job's fence said -ETIME was accepted (job %llu; "
			 "its fence %d, ran: %s)", (unsigned long long)late.job_id,
			 fence_status(&c, late_so), *c_wordp(&c, mark) ? "yes" : "no");
	}
	assert_int_equal(ret, -ECANCELED);
	client_close(&c);
}

static void sem_wait_with_its_own_timeout_fails_etime_and_the_context_stays_usable(void **state)
{
	struct client c;
	struct vnpu_stream s = { .len = 0 };
	struct sub o;
	uint32_t ctx, so;
	uint64_t mark, rc0;

	(void)state;
	client_open(&c, "recovery-semwait-timeout", true);
	ctx = ctx_create(&c, VNPU_ENGINE_DMA);
	so = syncobj_new(&c);
	mark = c_word(&c);
	rc0 = sys_u64("reset_count");
	/* 20 ms of its own: well inside the 200 ms job timeout */
	emit_sem_wait(&s, c_va(c_word(&c)), 1, 20 * 1000 * 1000);
	emit_fill64(&s, c_va(mark), 8, 1);
	o = (struct sub){ .out = so };
	assert_int_equal(submit(&c, ctx, &s, &o), 0);
	assert_int_equal(wait_point(&c, so, 0), 0);
	assert_int_equal(o.prof->error, -ETIME);
	assert_int_equal(o.prof->packets, 0);
	assert_int_equal(fence_status(&c, so), -ETIME);
	assert_int_equal(*c_wordp(&c, mark), 0);
	/* the executor's own error: no reset, the context goes on */
	assert_int_equal(sys_u64("reset_count"), rc0);
	assert_context_lives_on(&c, ctx, so, mark, 7);
	client_close(&c);
}

static void injected_dma_error_fails_the_next_dma_packet_with_eio(void **state)
{
	struct client c;
	struct vnpu_stream s = { .len = 0 }, s2 = { .len = 0 };
	struct sub o, next;
	uint32_t ctx, so;
	uint64_t flag, dst, src, rc0;
	char *t;
	int i;

	(void)state;
	client_open(&c, "recovery-dma-error", true);
	ctx = ctx_create(&c, VNPU_ENGINE_DMA);
	so = syncobj_new(&c);
	flag = c_word(&c);
	dst = c_alloc(&c, 4096);
	src = c_alloc(&c, 4096);
	memset(c_ptr(&c, dst), 0x5a, 4096);
	for (i = 0; i < 4096; i++)
		((uint8_t *)c_ptr(&c, src))[i] = (uint8_t)(int)(randf() * 127);
	rc0 = sys_u64("reset_count");

	/* a command-processor packet, then the DMA packet that gets the error */
	emit_fence_write(&s, c_va(flag), 1);
	emit_fill64(&s, c_va(dst), 4096, 0x1111111111111111ull);
	o = (struct sub){ .out = so };
	assert_int_equal(dbg_write("inject_dma_error", "1"), 1);
	t = dbg_read("inject_dma_error");
	assert_string_equal(t, "1\n");
	free(t);
	assert_int_equal(submit(&c, ctx, &s, &o), 0);
	assert_int_equal(wait_point(&c, so, 0), 0);
	assert_int_equal(o.prof->error, -EIO);
	assert_int_equal(o.prof->packets, 1);
	assert_int_equal(fence_status(&c, so), -EIO);
	assert_int_equal(*c_wordp(&c, flag), 1);
	for (i = 0; i < 4096; i++)
		assert_int_equal(((uint8_t *)c_ptr(&c, dst))[i], 0x5a);
	t = dbg_read("inject_dma_error");
	assert_string_equal(t, "0\n");
	free(t);
	t = dbg_read("jobs");
	assert_non_null(strstr(t, "error=-5 at_packet="));
	assert_non_null(strstr(t, "opcode=0x11"));
	free(t);

	/* no reset, nothing killed: the next job on the same context runs normally */
	assert_int_equal(sys_u64("reset_count"), rc0);
	assert_int_not_equal(ctx_queue_error(&c, ctx), -ECANCELED);
	emit_copy(&s2, c_va(src), c_va(dst), 4096);
	next = (struct sub){ .out = so };
	assert_int_equal(submit(&c, ctx, &s2, &next), 0);
	assert_int_equal(wait_point(&c, so, 0), 0);
	assert_int_equal(next.prof->error, 0);
	assert_int_equal(fence_status(&c, so), 1);
	assert_memory_equal(c_ptr(&c, dst), c_ptr(&c, src), 4096);
	client_close(&c);
}

static void injected_engine_reset_fails_the_running_job_with_eio_without_killing_its_context(void **state)
{
	struct client c;
	struct sub o;
	uint32_t ctx, so;
	uint64_t started, mark;
	struct resets r0;
	char engine[32];
	int attempt;

	(void)state;
	client_open(&c, "recovery-inject-reset", true);
	so = syncobj_new(&c);
	mark = c_word(&c);
	/*
	 * The reset must reach the job before its 200 ms timeout does; on a machine so loaded
	 * that the timeout wins (the job then ends -ETIME), try again on a fresh context.
	 */
	for (attempt = 0;; attempt++) {
		struct vnpu_stream s = { .len = 0 };

		ctx = ctx_create(&c, VNPU_ENGINE_COMPUTE);
		started = c_word(&c);
		emit_hang(&c, &s, started);
		emit_fill64(&s, c_va(mark), 8, 1);
		o = (struct sub){ .out = so };
		resets_snapshot(&r0);
		assert_int_equal(submit(&c, ctx, &s, &o), 0);
		wait_running(&c, ctx, o.job_id, false, engine, sizeof(engine));
		assert_int_equal(dbg_write("inject_reset", engine), (ssize_t)strlen(engine));
		assert_int_equal(wait_point(&c, so, 0), 0);
		if (o.prof->error != -ETIME || attempt == 3)
			break;
		print_message("the job timeout beat the injected reset; again\n");
		wait_ctx_killed(&c, ctx); /* the timeout's reset is counted by then */
	}
	assert_int_equal(o.prof->error, -EIO);
	assert_int_equal(fence_status(&c, so), -EIO);
	assert_int_equal(*c_wordp(&c, mark), 0);
	assert_int_equal(engine_resets(engine), resets_of(&r0, engine) + 1);
	assert_int_equal(sys_u64("reset_count"), r0.total + 1);

	/* the context lives on */
	assert_context_lives_on(&c, ctx, so, mark, 9);
	client_close(&c);
}

static void forced_recovery_resets_the_engine_and_kills_the_context(void **state)
{
	struct client c;
	struct vnpu_stream s = { .len = 0 };
	struct sub o, queued, late;
	uint32_t ctx, so, so2;
	uint64_t started, mark, mark2;
	struct resets r0;
	char engine[32];
	bool queued_bad;

	(void)state;
	client_open(&c, "recovery-force", true);
	ctx = ctx_create(&c, VNPU_ENGINE_COMPUTE);
	so = syncobj_new(&c);
	so2 = syncobj_new(&c);
	started = c_word(&c);
	mark = c_word(&c);
	mark2 = c_word(&c);
	emit_hang(&c, &s, started);
	emit_fill64(&s, c_va(mark), 8, 1);
	o = (struct sub){ .out = so };
	resets_snapshot(&r0);
	assert_int_equal(submit(&c, ctx, &s, &o), 0);
	assert_int_equal(submit_fill(&c, ctx, mark2, 2, so2, &queued), 0);
	wait_running(&c, ctx, o.job_id, false, engine, sizeof(engine));
	/* recovery now, as if the job had hung (the timeout would come to the same outcome) */
	assert_int_equal(dbg_write("force_recovery", engine), (ssize_t)strlen(engine));

	assert_int_equal(wait_point(&c, so, 0), 0);
	assert_int_equal(o.prof->error, -ETIME);
	assert_int_equal(fence_status(&c, so), -ETIME);
	assert_int_equal(*c_wordp(&c, mark), 0);
	assert_int_equal(wait_point(&c, so2, 0), 0);
	queued_bad = check_cancelled(&c, so2, mark2, queued.prof, 2);
	assert_int_equal(wait_reset_count_above(r0.total), r0.total + 1);
	assert_int_equal(engine_resets(engine), resets_of(&r0, engine) + 1);
	wait_last_hang(&c, ctx, o.job_id);
	wait_ctx_killed(&c, ctx);
	assert_int_equal(submit_fill(&c, ctx, mark2, 3, so2, &late), -ECANCELED);
	assert_int_equal(sys_u64("reset_count"), r0.total + 1);
	client_close(&c);
	if (queued_bad)
		fail_msg("the job queued behind the hung one ran or did not end -ECANCELED (above)");
}

static void injection_files_reject_malformed_input(void **state)
{
	char *t;

	(void)state;
	assert_int_equal(dbg_write("inject_hang", "x"), -EINVAL);
	assert_int_equal(dbg_write("inject_hang", "-1"), -EINVAL);
	assert_int_equal(dbg_write("inject_hang", "1001"), -EINVAL);
	assert_int_equal(dbg_write("inject_hang", ""), -EINVAL);
	assert_int_equal(dbg_write("inject_dma_error", "2x"), -EINVAL);
	assert_int_equal(dbg_write("inject_reset", "compute9"), -EINVAL);
	assert_int_equal(dbg_write("inject_reset", ""), -EINVAL);
	assert_int_equal(dbg_write("force_recovery", "dma"), -EINVAL);
	t = dbg_read("inject_hang");
	assert_string_equal(t, "0\n");
	free(t);
	t = dbg_read("inject_reset");
	assert_string_equal(t, "compute0 compute1 dma0 all\n");
	free(t);
	t = dbg_read("force_recovery");
	assert_string_equal(t, "compute0 compute1 dma0 all\n");
	free(t);
}

/*
 * A job skipped for a failed in-fence (-ETIME here): its fence (binary syncobj @so) carries
 * the error, its marker word is untouched, and its profile record says so with start and
 * end 0. Prints what is wrong; true if anything is.
 */
static bool skipped_badly(struct client *c, uint32_t so, uint64_t mark,
			  const struct vnpu_job_profile *prof, const char *what)
{
	int st = fence_status(c, so);

	if (st == -ETIME && !*c_wordp(c, mark) && prof->error == -ETIME && !prof->start_ns &&
	    !prof->end_ns && !prof->packets)
		return false;
	print_error("dependent job %s: fence %d (want %d), ran: %s, profile error %d start_ns %llu "
		    "end_ns %llu packets %u\n", what, st, -ETIME, *c_wordp(c, mark) ? "yes" : "no",
		    prof->error, (unsigned long long)prof->start_ns,
		    (unsigned long long)prof->end_ns, prof->packets);
	return true;
}

/*
 * X's job fails (a SEM_WAIT with a 20 ms timeout of its own: -ETIME) while jobs of other
 * contexts, of this client and of another one, wait for its fence through a binary syncobj,
 * a timeline point and an imported syncobj; one more is submitted after it failed. None of
 * them runs and each fence carries -ETIME; a job of the same context without that
 * dependency runs normally.
 */
static void failed_fence_fails_dependent_jobs_of_other_contexts_without_running_them(void **state)
{
	struct client c, z;
	struct vnpu_stream s = { .len = 0 };
	struct sub x, y[4], zj, ok;
	uint32_t xctx, yctx, zctx, so_x, tl, so_y[4], so_z, so_ok, zimp;
	uint64_t mark[4], zmark, okmark;
	struct drm_vnpu_sync in_bin, in_tl = { 0 };
	int i;

	(void)state;
	client_open(&c, "recovery-dep", true);
	client_open(&z, "recovery-dep-other", true);
	xctx = ctx_create(&c, VNPU_ENGINE_DMA);
	yctx = ctx_create(&c, VNPU_ENGINE_COMPUTE);
	zctx = ctx_create(&z, VNPU_ENGINE_COMPUTE);
	so_x = syncobj_new(&c);
	tl = syncobj_new(&c);
	so_ok = syncobj_new(&c);
	for (i = 0; i < 4; i++) {
		so_y[i] = syncobj_new(&c);
		mark[i] = c_word(&c);
	}
	so_z = syncobj_new(&z);
	zmark = c_word(&z);
	okmark = c_word(&c);

	emit_sem_wait(&s, c_va(c_word(&c)), 1, 20 * 1000 * 1000);
	x = (struct sub){ .out = so_x };
	assert_int_equal(submit(&c, xctx, &s, &x), 0);
	/* the same fence as timeline point 1 */
	{
		struct drm_syncobj_transfer tr = { .src_handle = so_x, .dst_handle = tl,
						   .dst_point = 1 };

		assert_int_equal(vnpu_ioctl_retry(c.a.fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &tr), 0);
	}
	/* and in the other client, through an exported syncobj */
	{
		struct drm_syncobj_handle e = { .handle = so_x };
		struct drm_syncobj_handle im = { 0 };

		assert_int_equal(vnpu_ioctl_retry(c.a.fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e), 0);
		im.fd = e.fd;
		assert_int_equal(vnpu_ioctl_retry(z.a.fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &im), 0);
		zimp = im.handle;
		close(e.fd);
	}

	in_bin = (struct drm_vnpu_sync){ .handle = so_x };
	in_tl = (struct drm_vnpu_sync){ .handle = tl, .point = 1 };
	/* y0: binary dependency; y1: the timeline point (both while X is pending, usually) */
	for (i = 0; i < 2; i++) {
		struct vnpu_stream f = { .len = 0 };

		emit_fill64(&f, c_va(mark[i]), 8, 1);
		y[i] = (struct sub){ .in = i ? &in_tl : &in_bin, .nin = 1, .out = so_y[i] };
		assert_int_equal(submit(&c, yctx, &f, &y[i]), 0);
	}
	{
		struct vnpu_stream f = { .len = 0 };
		struct drm_vnpu_sync in_z = { .handle = zimp };

		emit_fill64(&f, c_va(zmark), 8, 1);
		zj = (struct sub){ .in = &in_z, .nin = 1, .out = so_z };
		assert_int_equal(submit(&z, zctx, &f, &zj), 0);
	}
	assert_int_equal(wait_point(&c, so_x, 0), 0);
	assert_int_equal(x.prof->error, -ETIME);
	assert_int_equal(fence_status(&c, so_x), -ETIME);
	/* y2, y3: submitted once X has failed, on the binary syncobj and on the timeline point */
	for (i = 2; i < 4; i++) {
		struct vnpu_stream f = { .len = 0 };

		emit_fill64(&f, c_va(mark[i]), 8, 1);
		y[i] = (struct sub){ .in = i == 3 ? &in_tl : &in_bin, .nin = 1, .out = so_y[i] };
		assert_int_equal(submit(&c, yctx, &f, &y[i]), 0);
	}
	/* a job of the same context with no dependency runs */
	assert_int_equal(submit_fill(&c, yctx, okmark, 5, so_ok, &ok), 0);

	assert_int_equal(wait_point(&c, so_ok, 0), 0);
	assert_int_equal(ok.prof->error, 0);
	assert_int_equal(*c_wordp(&c, okmark), 5);
	assert_int_equal(wait_point(&z, so_z, 0), 0);
	assert_false(skipped_badly(&z, so_z, zmark, zj.prof, "z (imported syncobj)"));
	for (i = 0; i < 4; i++) {
		static const char *const what[4] = {
			"y0 (binary syncobj, submitted before the failure)",
			"y1 (timeline point, submitted before the failure)",
			"y2 (binary syncobj, submitted after the failure)",
			"y3 (timeline point, submitted after the failure)",
		};

		assert_int_equal(wait_point(&c, so_y[i], 0), 0);
		assert_false(skipped_badly(&c, so_y[i], mark[i], y[i].prof, what[i]));
	}
	/* a dependency error kills nothing */
	assert_int_not_equal(ctx_queue_error(&c, yctx), -ECANCELED);
	client_close(&z);
	client_close(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* Through acceld: each client a process of its own (this binary run with --client ROLE) */

/* A client process: ready (1 byte written to @ready), then its role's checks; exit status. */
static int client_main(const char *role, const char *droot, int ready)
{
	struct client c;
	struct vnpu_stream s = { .len = 0 };
	uint64_t started;
	uint32_t ctx, so, so2;
	struct sub o, q;

	alarm(60); /* whatever happens, never outlive the test */
	setenv("ACCEL_ROOT", droot, 1);
	seed_rng();
	client_open(&c, role, false);

	if (!strcmp(role, "hang")) {
		/* a real hang: -ETIME on its fence, its context killed */
		ctx = ctx_create(&c, VNPU_ENGINE_COMPUTE);
		so = syncobj_new(&c);
		so2 = syncobj_new(&c);
		started = c_word(&c);
		emit_hang(&c, &s, started);
		o = (struct sub){ .out = so };
		assert_int_equal(submit(&c, ctx, &s, &o), 0);
		/* two jobs behind it: the second waits in the context's queue, not on the engine */
		assert_int_equal(submit_fill(&c, ctx, c_word(&c), 1, so2, &q), 0);
		assert_int_equal(submit_fill(&c, ctx, c_word(&c), 1, so2, &q), 0);
		assert_true(wait_word(&c, started, 1));
		assert_int_equal(write(ready, "r", 1), 1);
		assert_int_equal(wait_point(&c, so, 0), 0);
		assert_int_equal(o.prof->error, -ETIME);
		/*
		 * Once the queued job is over (cancelled: no profile record) the context is
		 * dead. (Right after the -ETIME fence, the kill may still be on its way:
		 * submit_right_after_the_hung_jobs_fence_signals_is_refused checks that.)
		 */
		assert_int_equal(wait_point(&c, so2, 0), 0);
		assert_int_equal(q.prof->end_ns, 0);
		assert_int_equal(q.prof->error, 0);
		assert_int_equal(submit_fill(&c, ctx, c_word(&c), 1, so2, &q), -ECANCELED);
	} else if (!strcmp(role, "chain")) {
		struct chain ch;

		chain_prepare(&c, &ch, 10, true);
		chain_submit(&c, &ch);
		chain_check(&c, &ch);
	} else if (!strcmp(role, "doomed")) {
		/* dies with a hung job on an engine and work queued behind it */
		struct drm_vnpu_sync in;
		uint32_t dctx;
		int i;

		ctx = ctx_create(&c, VNPU_ENGINE_COMPUTE);
		dctx = ctx_create(&c, VNPU_ENGINE_DMA);
		so = syncobj_new(&c);
		so2 = syncobj_new(&c);
		started = c_word(&c);
		emit_hang(&c, &s, started);
		o = (struct sub){ .out = so };
		assert_int_equal(submit(&c, ctx, &s, &o), 0);
		for (i = 0; i < 5; i++)
			assert_int_equal(submit_fill(&c, ctx, c_word(&c), 1, so2, &q), 0);
		in = (struct drm_vnpu_sync){ .handle = so };
		s.len = 0;
		emit_fill64(&s, c_va(c_word(&c)), 8, 1);
		q = (struct sub){ .in = &in, .nin = 1, .out = so2 };
		assert_int_equal(submit(&c, dctx, &s, &q), 0);
		assert_true(wait_word(&c, started, 1));
		assert_int_equal(write(ready, "r", 1), 1);
		raise(SIGKILL);
		return 3;
	} else if (!strcmp(role, "fresh")) {
		struct chain ch;

		chain_prepare(&c, &ch, 4, true);
		chain_submit(&c, &ch);
		chain_check(&c, &ch);
	} else {
		return 2;
	}
	if (strcmp(role, "hang"))
		assert_int_equal(write(ready, "r", 1), 1);
	client_close(&c);
	return 0;
}

static char self_exe[PATH_MAX];

/* Start this binary as client @role of the daemon at @droot; *@ready gets its ready pipe. */
static pid_t spawn_client(const char *role, const char *droot, int *ready)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char fdarg[16];
		int fd;

		/* nothing of this process's embedded core goes with it */
		for (fd = 3; fd < 1024; fd++)
			if (fd != p[1])
				close(fd);
		snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
		execl(self_exe, self_exe, "--client", role, droot, fdarg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*ready = p[0];
	return pid;
}

/* Bounded wait for the client's ready byte: false if it died or took too long. */
static bool client_ready(int ready)
{
	struct pollfd pfd = { .fd = ready, .events = POLLIN };
	char ch;

	return poll(&pfd, 1, 20000) == 1 && read(ready, &ch, 1) == 1;
}

/* Bounded wait for a client process; its wait status. */
static int client_wait(pid_t pid)
{
	int64_t end = mono_now_ns() + 30 * NSEC;
	int status = 0;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && mono_now_ns() < end)
		usleep(2000);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("client %d did not finish", (int)pid);
	}
	assert_int_equal(r, pid);
	return status;
}

static void assert_exited_cleanly(const char *role, int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("client %s: %s %d", role, WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static void through_acceld_a_hung_or_killed_client_leaves_the_others_and_the_daemon_serving(void **state)
{
	char *droot = test_tmpdir("vnpu-recovery-d"), path[PATH_MAX];
	int rh, rc, rd, rf, status;
	pid_t daemon, hang, chain, doomed, fresh, r;
	int64_t end;

	(void)state;
	assert_true(readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) > 0);
	daemon = test_acceld_start(droot, daemon_config);

	/* One client hangs its engine; another runs its chain of 10 jobs beside it. */
	hang = spawn_client("hang", droot, &rh);
	assert_true(client_ready(rh));
	chain = spawn_client("chain", droot, &rc);
	assert_true(client_ready(rc));
	assert_exited_cleanly("chain", client_wait(chain));
	assert_exited_cleanly("hang", client_wait(hang));

	/* A client killed with a hung job and work queued: the daemon lets it go, serves on. */
	doomed = spawn_client("doomed", droot, &rd);
	assert_true(client_ready(rd));
	status = client_wait(doomed);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	snprintf(path, sizeof(path), "%s/proc/%d", droot, (int)doomed);
	end = mono_now_ns() + WAIT_NS;
	while (access(path, F_OK) == 0 && mono_now_ns() < end)
		usleep(10000);
	assert_int_not_equal(access(path, F_OK), 0);
	r = waitpid(daemon, &status, WNOHANG);
	assert_int_equal(r, 0);

	fresh = spawn_client("fresh", droot, &rf);
	assert_true(client_ready(rf));
	assert_exited_cleanly("fresh", client_wait(fresh));

	snprintf(path, sizeof(path), "%s/sys/kernel/debug/accel/vnpu.0/queues", droot);
	assert_int_equal(access(path, F_OK), 0);
	close(rh);
	close(rc);
	close(rd);
	close(rf);
	assert_int_equal(test_acceld_stop(daemon), 0);
	snprintf(path, sizeof(path), "%s.conf", droot);
	unlink(path);
	test_rmdir(droot);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hang_in_one_client_leaves_another_clients_chain_correct),
		cmocka_unit_test(sem_wait_hang_in_one_client_leaves_another_clients_chain_correct),
		cmocka_unit_test(sem_wait_on_a_value_never_written_times_out_with_etime),
		cmocka_unit_test(submit_right_after_the_hung_jobs_fence_signals_is_refused),
		cmocka_unit_test(sem_wait_with_its_own_timeout_fails_etime_and_the_context_stays_usable),
		cmocka_unit_test(injected_dma_error_fails_the_next_dma_packet_with_eio),
		cmocka_unit_test(injected_engine_reset_fails_the_running_job_with_eio_without_killing_its_context),
		cmocka_unit_test(forced_recovery_resets_the_engine_and_kills_the_context),
		cmocka_unit_test(injection_files_reject_malformed_input),
		cmocka_unit_test(failed_fence_fails_dependent_jobs_of_other_contexts_without_running_them),
		cmocka_unit_test(through_acceld_a_hung_or_killed_client_leaves_the_others_and_the_daemon_serving),
	};

	if (argc == 5 && !strcmp(argv[1], "--client"))
		return client_main(argv[2], argv[3], atoi(argv[4]));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
