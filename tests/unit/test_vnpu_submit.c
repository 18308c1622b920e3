// SPDX-License-Identifier: MIT
/*
 * vnpu contexts and job submission through libaccel descriptors: CONTEXT_CREATE/DESTROY,
 * SUBMIT's argument errors, jobs that reach memory (DMA between system memory and VRAM,
 * matmul on a compute context), jobs that fail (malformed streams, tensor packets on a DMA
 * context, faults, failed in-fences) without harming the device, timeline chains across
 * contexts, MMU isolation between clients, the queue depth, closing a file with jobs queued
 * (flush, -ESRCH, a hung job aborted by the timeout), and the telemetry a job leaves (fdinfo,
 * sysfs engines, debugfs jobs and queues).
 *
 * vnpu.0 has a small queue and a long job timeout, so that no job of a loaded machine is
 * mistaken for a hang; vnpu.1 has a short timeout, for the one test that hangs a job.
 */
#include <math.h>

#include "vnpu_client.h"

static const char config[] =
	"[vnpu.0]\n"
	"driver = vnpu\n"
	"queue_depth = 4\n"
	"job_timeout_ms = 10000\n"
	"\n"
	"[vnpu.1]\n"
	"driver = vnpu\n"
	"job_timeout_ms = 300\n";

#define DEV	"vnpu.0"
#define DEV_HANG	"vnpu.1"
#define PG	VNPU_VA_PAGE_SIZE

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vnpu-submit", config);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static int ctx_or_fail(struct vc_client *c, uint32_t engine)
{
	int id = vc_ctx_create(c, engine, VNPU_PRIORITY_NORMAL);

	assert_true(id > 0);
	return id;
}

/* A stream of one FENCE_WRITE of @value at @va. */
static void fence_stream(struct vnpu_stream *s, uint64_t va, uint64_t value)
{
	s->len = 0;
	vc_fence_write(s, va, value);
}

static void assert_profile_ok(struct vc_client *c, unsigned int slot, uint32_t klass,
			      uint32_t packets)
{
	struct vnpu_job_profile p = vc_profile(c, slot);

	assert_int_equal(p.error, 0);
	assert_int_equal(p.engine_class, klass);
	assert_int_equal(p.packets, packets);
	assert_true(p.submit_ns <= p.start_ns);
	assert_true(p.start_ns <= p.end_ns);
}

/* The record of a job that never ran because an in-fence failed with @error. */
static void assert_skipped_profile(struct vc_client *c, unsigned int slot, int error)
{
	struct vnpu_job_profile p;

	if (vc_profile_untouched(c, slot)) {
		print_error("profile slot %u: no record of the skipped job\n", slot);
		fail();
	}
	p = vc_profile(c, slot);
	assert_int_equal(p.error, error);
	assert_int_equal(p.start_ns, 0);
	assert_int_equal(p.end_ns, 0);
	assert_int_equal(p.packets, 0);
	assert_true(p.submit_ns > 0);
}

/* ---------------------------------------------------------------- contexts */

static void context_ids_start_at_one_and_context_count_follows(void **state)
{
	struct vc_client c;
	uint64_t base;

	(void)state;
	base = vc_sysfs_u64(DEV, "context_count");
	vc_open(&c, DEV);
	assert_int_equal(vc_ctx_create(&c, VNPU_ENGINE_DMA, VNPU_PRIORITY_NORMAL), 1);
	assert_int_equal(vc_ctx_create(&c, VNPU_ENGINE_COMPUTE, VNPU_PRIORITY_LOW), 2);
	assert_int_equal(vc_ctx_create(&c, VNPU_ENGINE_COMPUTE, VNPU_PRIORITY_NORMAL), 3);
	assert_int_equal(vc_sysfs_u64(DEV, "context_count"), base + 3);
	assert_int_equal(vc_ctx_destroy(&c, 2), 0);
	assert_int_equal(vc_sysfs_u64(DEV, "context_count"), base + 2);
	/* lowest free id */
	assert_int_equal(vc_ctx_create(&c, VNPU_ENGINE_DMA, VNPU_PRIORITY_LOW), 2);
	assert_int_equal(vc_sysfs_u64(DEV, "context_count"), base + 3);
	vc_close(&c);
	assert_int_equal(vc_sysfs_u64(DEV, "context_count"), base);
}

static void context_ids_are_per_file(void **state)
{
	struct vc_client a, b;

	(void)state;
	vc_open(&a, DEV);
	vc_open(&b, DEV);
	assert_int_equal(vc_ctx_create(&a, VNPU_ENGINE_DMA, VNPU_PRIORITY_NORMAL), 1);
	assert_int_equal(vc_ctx_create(&b, VNPU_ENGINE_DMA, VNPU_PRIORITY_NORMAL), 1);
	/* b's context 1 is not a's: destroying it leaves a's */
	assert_int_equal(vc_ctx_destroy(&b, 1), 0);
	assert_int_equal(vc_ctx_destroy(&b, 1), -ENOENT);
	assert_int_equal(vc_ctx_destroy(&a, 1), 0);
	vc_close(&b);
	vc_close(&a);
}

static void context_create_rejects_unknown_engine_priority_and_flags(void **state)
{
	struct drm_vnpu_context_create cc = { .engine = VNPU_ENGINE_DMA, .flags = 1 };
	struct vc_client c;
	uint64_t base;

	(void)state;
	vc_open(&c, DEV);
	base = vc_sysfs_u64(DEV, "context_count");
	assert_int_equal(vc_ctx_create(&c, 2, VNPU_PRIORITY_NORMAL), -EINVAL);
	assert_int_equal(vc_ctx_create(&c, ~0u, VNPU_PRIORITY_NORMAL), -EINVAL);
	assert_int_equal(vc_ctx_create(&c, VNPU_ENGINE_DMA, 3), -EINVAL);
	assert_int_equal(vc_ctx_create(&c, VNPU_ENGINE_COMPUTE, ~0u), -EINVAL);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VNPU_CONTEXT_CREATE, &cc), -EINVAL);
	cc.flags = 1u << 31;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VNPU_CONTEXT_CREATE, &cc), -EINVAL);
	assert_int_equal(vc_sysfs_u64(DEV, "context_count"), base);
	/* nothing was made: the first context still gets id 1 */
	assert_int_equal(vc_ctx_create(&c, VNPU_ENGINE_DMA, VNPU_PRIORITY_NORMAL), 1);
	vc_close(&c);
}

static void high_priority_context_works_for_root(void **state)
{
	struct vc_client c;
	struct vc_bo seq;
	struct vnpu_stream s;
	uint32_t out;
	int ctx;

	(void)state;
	if (geteuid() != 0) {
		print_message("not root: HIGH priority needs CAP_SYS_ADMIN\n");
		skip();
	}
	vc_open(&c, DEV);
	ctx = vc_ctx_create(&c, VNPU_ENGINE_DMA, VNPU_PRIORITY_HIGH);
	assert_int_equal(ctx, 1);
	vc_bo_new(&c, &seq, PG, 0);
	out = vc_syncobj(&c, 0);
	fence_stream(&s, seq.va, 0x4849474855ull);
	assert_int_equal(vc_submit_simple(&c, (uint32_t)ctx, &s, out, 0), 0);
	vc_wait(&c, out, 0);
	assert_int_equal(vc_fence_status(&c, out), 1);
	assert_int_equal(vc_load64(seq.p), 0x4849474855ull);
	assert_profile_ok(&c, 0, VNPU_ENGINE_DMA, 1);
	vc_close(&c);
}

static void context_destroy_rejects_unknown_id_and_nonzero_pad(void **state)
{
	struct drm_vnpu_context_destroy d = { .ctx_id = 1, .pad = 1 };
	struct vc_client c;

	(void)state;
	vc_open(&c, DEV);
	assert_int_equal(vc_ctx_destroy(&c, 1), -ENOENT);
	assert_int_equal(ctx_or_fail(&c, VNPU_ENGINE_DMA), 1);
	assert_int_equal(vc_ctx_destroy(&c, 0), -ENOENT);
	assert_int_equal(vc_ctx_destroy(&c, 2), -ENOENT);
	assert_int_equal(vc_ctx_destroy(&c, VNPU_MAX_CONTEXTS + 1), -ENOENT);
	assert_int_equal(vc_ctx_destroy(&c, ~0u), -ENOENT);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VNPU_CONTEXT_DESTROY, &d), -EINVAL);
	/* the refused destroy left it */
	assert_int_equal(vc_ctx_destroy(&c, 1), 0);
	assert_int_equal(vc_ctx_destroy(&c, 1), -ENOENT);
	vc_close(&c);
}

/* ---------------------------------------------------------------- SUBMIT argument errors */

/* A client with a DMA context (1), a page-sized command object holding one FENCE_WRITE. */
struct argfix {
	struct vc_client c;
	struct vc_bo seq;
	uint32_t cmd;
	uint32_t ctx;
	struct vc_submit sub;
};

static void argfix_open(struct argfix *f)
{
	struct vnpu_stream s;

	vc_open(&f->c, DEV);
	f->ctx = (uint32_t)ctx_or_fail(&f->c, VNPU_ENGINE_DMA);
	vc_bo_new(&f->c, &f->seq, PG, 0);
	fence_stream(&s, f->seq.va, 1);
	f->cmd = vc_cmd_bo(&f->c, &s);
	f->sub = (struct vc_submit){ .ctx = f->ctx, .cmd_handle = f->cmd, .cmd_size = s.len };
}

/*
 * After refused SUBMITs: the context is as new, the next valid SUBMIT is its job 1 and it
 * runs.
 */
static void argfix_close(struct argfix *f)
{
	struct vc_submit sub = { .ctx = f->ctx, .cmd_handle = f->cmd, .cmd_size = 24 };
	uint32_t out = vc_syncobj(&f->c, 0);

	assert_int_equal(vc_load64(f->seq.p), 0xAAAAAAAAAAAAAAAAull);
	sub.out = out;
	assert_int_equal(vc_submit(&f->c, &sub), 0);
	assert_int_equal(sub.job_id, 1);
	vc_wait(&f->c, out, 0);
	assert_int_equal(vc_fence_status(&f->c, out), 1);
	assert_int_equal(vc_load64(f->seq.p), 1);
	vc_close(&f->c);
}

static int argfix_submit(struct argfix *f, struct vc_submit sub)
{
	return vc_submit(&f->c, &sub);
}

static void submit_to_unknown_context_is_enoent(void **state)
{
	struct argfix f;
	struct vc_submit s;

	(void)state;
	argfix_open(&f);
	s = f.sub;
	s.ctx = 0;
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	s.ctx = f.ctx + 1;
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	s.ctx = VNPU_MAX_CONTEXTS + 1;
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	s.ctx = ~0u;
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	argfix_close(&f);
}

static void submit_of_a_destroyed_context_is_enoent(void **state)
{
	struct argfix f;
	struct vc_submit s;

	(void)state;
	argfix_open(&f);
	s = f.sub;
	s.ctx = (uint32_t)ctx_or_fail(&f.c, VNPU_ENGINE_DMA);
	assert_int_equal(vc_ctx_destroy(&f.c, s.ctx), 0);
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	argfix_close(&f);
}

static void submit_with_unknown_command_object_is_enoent(void **state)
{
	struct argfix f;
	struct vc_submit s;

	(void)state;
	argfix_open(&f);
	s = f.sub;
	s.cmd_handle = 0;
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	s.cmd_handle = f.cmd + 1000;
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	argfix_close(&f);
}

static void submit_rejects_misaligned_empty_or_outside_command_ranges(void **state)
{
	struct argfix f;
	struct vc_submit s;

	(void)state;
	argfix_open(&f);
	s = f.sub;
	s.cmd_offset = 4;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	s.cmd_offset = 1;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	s.cmd_offset = 0;
	s.cmd_size = 12;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	s.cmd_size = 4;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	/* vc_submit passes 0 as "the stream's length" only with a stream: raw ioctl here */
	{
		struct drm_vnpu_submit a = { .ctx_id = f.ctx, .cmd_handle = f.cmd, .cmd_size = 0 };

		assert_int_equal(vc_ioctl(&f.c, DRM_IOCTL_VNPU_SUBMIT, &a), -EINVAL);
	}
	/* the object is one page */
	s.cmd_size = 2 * PG;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	s.cmd_offset = PG;
	s.cmd_size = 8;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	s.cmd_offset = PG - 8;
	s.cmd_size = 16;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	s.cmd_offset = 2 * PG;
	s.cmd_size = 8;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	s.cmd_offset = ~7ull;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	s.cmd_offset = 8;
	s.cmd_size = ~7ull;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	s.cmd_offset = 0;
	s.cmd_size = (uint64_t)VNPU_MAX_CMD_SIZE + 8;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	argfix_close(&f);
}

static void submit_rejects_nonzero_flags(void **state)
{
	struct drm_vnpu_submit a;
	struct argfix f;
	uint32_t out;

	(void)state;
	argfix_open(&f);
	out = vc_syncobj(&f.c, 0);
	a = (struct drm_vnpu_submit){ .ctx_id = f.ctx, .cmd_handle = f.cmd, .cmd_size = 24,
				      .flags = 1 };
	assert_int_equal(vc_ioctl(&f.c, DRM_IOCTL_VNPU_SUBMIT, &a), -EINVAL);
	a.flags = 1u << 31;
	assert_int_equal(vc_ioctl(&f.c, DRM_IOCTL_VNPU_SUBMIT, &a), -EINVAL);
	a.flags = 0;
	a.out_sync.handle = out;
	a.out_sync.flags = 1;
	assert_int_equal(vc_ioctl(&f.c, DRM_IOCTL_VNPU_SUBMIT, &a), -EINVAL);
	/* the refused submit did not touch the out-syncobj */
	assert_int_equal(vc_wait_timeout(&f.c, out, 0, 0), -EINVAL);
	argfix_close(&f);
}

static void submit_rejects_more_than_max_in_syncs(void **state)
{
	struct drm_vnpu_sync in[VNPU_MAX_IN_SYNCS + 1];
	struct argfix f;
	struct vc_submit s;
	uint32_t done;
	unsigned int i;

	(void)state;
	argfix_open(&f);
	done = vc_syncobj(&f.c, DRM_SYNCOBJ_CREATE_SIGNALED);
	for (i = 0; i < VNPU_MAX_IN_SYNCS + 1; i++)
		in[i] = (struct drm_vnpu_sync){ .handle = done };
	s = f.sub;
	s.in = in;
	s.num_in = VNPU_MAX_IN_SYNCS + 1;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	s.num_in = ~0u;
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	argfix_close(&f);
}

static void submit_takes_max_in_syncs(void **state)
{
	struct drm_vnpu_sync in[VNPU_MAX_IN_SYNCS];
	struct vc_client c;
	struct vc_bo seq;
	struct vnpu_stream st;
	struct vc_submit s;
	uint32_t out;
	unsigned int i;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &seq, PG, 0);
	for (i = 0; i < VNPU_MAX_IN_SYNCS; i++)
		in[i] = (struct drm_vnpu_sync){ .handle = vc_syncobj(&c, DRM_SYNCOBJ_CREATE_SIGNALED) };
	out = vc_syncobj(&c, 0);
	fence_stream(&st, seq.va, 64);
	s = (struct vc_submit){ .ctx = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA), .stream = &st,
				.in = in, .num_in = VNPU_MAX_IN_SYNCS, .out = out };
	assert_int_equal(vc_submit(&c, &s), 0);
	vc_wait(&c, out, 0);
	assert_int_equal(vc_fence_status(&c, out), 1);
	assert_int_equal(vc_load64(seq.p), 64);
	vc_close(&c);
}

static void submit_rejects_unknown_unsubmitted_or_flagged_in_syncs(void **state)
{
	struct drm_vnpu_sync in[2];
	struct argfix f;
	struct vc_submit s;
	uint32_t empty, timeline, done;

	(void)state;
	argfix_open(&f);
	empty = vc_syncobj(&f.c, 0);
	timeline = vc_syncobj(&f.c, 0);
	done = vc_syncobj(&f.c, DRM_SYNCOBJ_CREATE_SIGNALED);
	s = f.sub;
	s.in = in;
	s.num_in = 2;
	in[0] = (struct drm_vnpu_sync){ .handle = done };
	in[1] = (struct drm_vnpu_sync){ .handle = done + 1000 };
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	in[1] = (struct drm_vnpu_sync){ .handle = 0 };
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	/* a binary syncobj without a fence, and a timeline point nothing was submitted for */
	in[1] = (struct drm_vnpu_sync){ .handle = empty };
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	in[1] = (struct drm_vnpu_sync){ .handle = timeline, .point = 3 };
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	in[1] = (struct drm_vnpu_sync){ .handle = done, .flags = 1 };
	assert_int_equal(argfix_submit(&f, s), -EINVAL);
	argfix_close(&f);
}

static void submit_with_unknown_out_syncobj_is_enoent(void **state)
{
	struct argfix f;
	struct vc_submit s;

	(void)state;
	argfix_open(&f);
	s = f.sub;
	s.out = 4242;
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	s.out_point = 1;
	assert_int_equal(argfix_submit(&f, s), -ENOENT);
	argfix_close(&f);
}

static void submit_rejects_unaligned_profile_va(void **state)
{
	struct argfix f;
	struct vc_submit s;
	unsigned int i;

	(void)state;
	argfix_open(&f);
	s = f.sub;
	for (i = 1; i < 8; i++) {
		s.profile_va = f.seq.va + i;
		assert_int_equal(argfix_submit(&f, s), -EINVAL);
	}
	argfix_close(&f);
}

/* ---------------------------------------------------------------- jobs that work */

static void dma_job_copies_system_memory_through_vram_and_back(void **state)
{
	uint64_t rng = vc_seed();
	struct vc_bo src, vram, dst;
	struct vc_client c;
	struct vnpu_stream s = { .len = 0 };
	uint64_t n, off, fsz, i;
	uint32_t out, pattern;
	uint8_t *want;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &src, 64 << 10, 0);
	vc_bo_new(&c, &vram, 64 << 10, VNPU_BO_VRAM);
	vc_bo_new(&c, &dst, 64 << 10, 0);
	assert_null(vram.p);
	n = 8192 + xorshift64s(&rng) % (56 << 10);
	fsz = 4 * (1 + xorshift64s(&rng) % 1024);
	off = 4 * (xorshift64s(&rng) % ((n - fsz) / 4));
	pattern = (uint32_t)xorshift64s(&rng);
	for (i = 0; i < n; i++)
		src.p[i] = (uint8_t)xorshift64s(&rng);
	want = malloc(dst.size);
	assert_non_null(want);
	memset(want, VC_POISON, dst.size);
	memcpy(want, src.p, n);
	for (i = off; i < off + fsz; i += 4)
		memcpy(want + i, &pattern, 4);

	vc_dma_copy(&s, src.va, vram.va, n);
	vc_dma_fill(&s, vram.va + off, fsz, pattern | 0xdead000000000000ull, 4);
	vc_dma_copy(&s, vram.va, dst.va, n);
	out = vc_syncobj(&c, 0);
	assert_int_equal(vc_submit_simple(&c, (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA), &s, out, 0), 0);
	vc_wait(&c, out, 0);
	assert_int_equal(vc_fence_status(&c, out), 1);
	assert_memory_equal(dst.p, want, dst.size);
	assert_profile_ok(&c, 0, VNPU_ENGINE_DMA, 3);
	free(want);
	vc_close(&c);
}

static void matmul_f32_with_bias_and_relu_matches_a_float64_reference(void **state)
{
	enum { M = 64, N = 48, K = 80 };
	uint64_t rng = vc_seed();
	struct vnpu_pkt_matmul mm = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32,
				      .batch = 1, .m = M, .n = N, .k = K,
				      .act = VNPU_ACT_RELU };
	struct vc_bo a, b, bias, cbo;
	struct vc_client c;
	struct vnpu_stream s = { .len = 0 };
	float *pa, *pb, *pbias, *pc;
	uint32_t out;
	size_t i, j, l;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &a, M * K * 4, 0);
	vc_bo_new(&c, &b, K * N * 4, VNPU_BO_VRAM | VNPU_BO_MAPPABLE);
	vc_bo_new(&c, &bias, N * 4, 0);
	vc_bo_new(&c, &cbo, M * N * 4 + PG, 0);
	pa = (float *)a.p;
	pb = (float *)b.p;
	pbias = (float *)bias.p;
	pc = (float *)cbo.p;
	for (i = 0; i < M * K; i++)
		pa[i] = xorshift64s_unit(&rng);
	for (i = 0; i < K * N; i++)
		pb[i] = xorshift64s_unit(&rng);
	for (i = 0; i < N; i++)
		pbias[i] = xorshift64s_unit(&rng);
	mm.a_va = a.va;
	mm.b_va = b.va;
	mm.bias_va = bias.va;
	mm.c_va = cbo.va;
	VC_EMIT(&s, VNPU_OP_MATMUL, VNPU_MATMUL_F_BIAS, mm);
	out = vc_syncobj(&c, 0);
	assert_int_equal(vc_submit_simple(&c, (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_COMPUTE), &s, out, 0), 0);
	vc_wait(&c, out, 0);
	assert_int_equal(vc_fence_status(&c, out), 1);
	assert_profile_ok(&c, 0, VNPU_ENGINE_COMPUTE, 1);
	for (i = 0; i < M; i++) {
		for (j = 0; j < N; j++) {
			double acc = pbias[j], mag = fabs(pbias[j]), want, got = pc[i * N + j];

			for (l = 0; l < K; l++) {
				acc += (double)pa[i * K + l] * pb[l * N + j];
				mag += fabs((double)pa[i * K + l] * pb[l * N + j]);
			}
			want = acc > 0 ? acc : 0;
			if (!(fabs(got - want) <= 1e-4 * fmax(fabs(want), mag))) {
				print_error("C[%zu][%zu] = %.9g, want %.9g\n", i, j, got, want);
				fail();
			}
		}
	}
	/* nothing past C was written */
	for (i = M * N * 4; i < cbo.size; i++)
		assert_int_equal(cbo.p[i], VC_POISON);
	vc_close(&c);
}

/* ---------------------------------------------------------------- jobs that fail */

static void tensor_packet_on_a_dma_context_fails_the_job_with_einval(void **state)
{
	struct vnpu_pkt_activation act = { .dtype = VNPU_DT_F32, .act = VNPU_ACT_RELU,
					   .count = 16 };
	struct vc_client c;
	struct vc_bo buf;
	struct vnpu_stream s = { .len = 0 };
	struct vnpu_job_profile p;
	uint32_t out;
	size_t i;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &buf, PG, 0);
	for (i = 0; i < 16; i++)
		((float *)buf.p)[i] = -1.0f;
	act.src_va = buf.va;
	act.dst_va = buf.va + 1024;
	VC_EMIT(&s, VNPU_OP_ACTIVATION, 0, act);
	out = vc_syncobj(&c, 0);
	assert_int_equal(vc_submit_simple(&c, (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA), &s, out, 0), 0);
	vc_wait(&c, out, 0);
	p = vc_profile(&c, 0);
	assert_int_equal(p.error, -EINVAL);
	assert_int_equal(p.packets, 0);
	assert_int_equal(p.engine_class, VNPU_ENGINE_DMA);
	assert_int_equal(vc_fence_status(&c, out), -EINVAL);
	for (i = 1024; i < 1024 + 64; i++)
		assert_int_equal(buf.p[i], VC_POISON);
	vc_close(&c);
}

/*
 * Run the malformed stream @bad (its packets after the bad one write @seq) on a DMA
 * context: the job fails with -EINVAL after @good_packets packets, and the next job of the
 * same context runs.
 */
static void run_bad_stream(struct vc_client *c, struct vc_bo *seq, const struct vnpu_stream *bad,
			   uint32_t good_packets)
{
	uint32_t ctx = (uint32_t)ctx_or_fail(c, VNPU_ENGINE_DMA);
	uint32_t out = vc_syncobj(c, 0), out2 = vc_syncobj(c, 0);
	struct vnpu_job_profile p;
	struct vnpu_stream s;

	assert_int_equal(vc_submit_simple(c, ctx, bad, out, 0), 0);
	vc_wait(c, out, 0);
	p = vc_profile(c, 0);
	assert_int_equal(p.error, -EINVAL);
	assert_int_equal(p.packets, good_packets);
	assert_int_equal(vc_fence_status(c, out), -EINVAL);
	/* nothing after the bad packet ran */
	assert_int_equal(vc_load64(seq->p + 8), 0xAAAAAAAAAAAAAAAAull);

	fence_stream(&s, seq->va + 16, 7);
	assert_int_equal(vc_submit_simple(c, ctx, &s, out2, 1), 0);
	vc_wait(c, out2, 0);
	assert_int_equal(vc_fence_status(c, out2), 1);
	assert_profile_ok(c, 1, VNPU_ENGINE_DMA, 1);
	assert_int_equal(vc_load64(seq->p + 16), 7);
}

static void unknown_opcode_fails_the_job_and_the_device_runs_on(void **state)
{
	struct vnpu_pkt_fence_write bogus = { .va = 0, .value = 0 };
	struct vnpu_stream s = { .len = 0 };
	struct vc_client c;
	struct vc_bo seq;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &seq, PG, 0);
	vc_emit(&s, 0x7f, 0, &bogus, sizeof(bogus));
	vc_fence_write(&s, seq.va + 8, 1);
	run_bad_stream(&c, &seq, &s, 0);
	/* an opcode of the compute range that does not exist */
	s.len = 0;
	vc_emit(&s, 0x2f, 0, &bogus, sizeof(bogus));
	vc_fence_write(&s, seq.va + 8, 1);
	run_bad_stream(&c, &seq, &s, 0);
	vc_close(&c);
}

static void truncated_packet_fails_the_job_and_the_device_runs_on(void **state)
{
	/* a FENCE_WRITE header claiming 24 bytes, cut after 16 by the end of the stream */
	struct vnpu_pkt_header hdr = { .opcode = VNPU_OP_FENCE_WRITE, .length = 6 };
	uint64_t va;
	struct vnpu_stream s = { .len = 0 };
	struct vc_client c;
	struct vc_bo seq;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &seq, PG, 0);
	vc_fence_write(&s, seq.va, 1);
	va = seq.va + 8;
	vc_emit_raw(&s, &hdr, sizeof(hdr));
	vc_emit_raw(&s, &va, sizeof(va));
	run_bad_stream(&c, &seq, &s, 1);
	/* the packet before the truncated one completed */
	assert_int_equal(vc_load64(seq.p), 1);
	/* a header cut short: the stream ends 8 bytes into a 24-byte packet */
	s.len = 0;
	vc_emit_raw(&s, &hdr, sizeof(hdr));
	run_bad_stream(&c, &seq, &s, 0);
	vc_close(&c);
}

static void nonzero_pad_fails_the_job_and_the_device_runs_on(void **state)
{
	struct vnpu_pkt_dma_fill fill = { .size = 64, .value = 0x11, .width = 1, .pad = 1 };
	struct vnpu_stream s = { .len = 0 };
	struct vc_client c;
	struct vc_bo seq, dst;
	size_t i;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &seq, PG, 0);
	vc_bo_new(&c, &dst, PG, 0);
	fill.dst_va = dst.va;
	VC_EMIT(&s, VNPU_OP_DMA_FILL, 0, fill);
	vc_fence_write(&s, seq.va + 8, 1);
	run_bad_stream(&c, &seq, &s, 0);
	for (i = 0; i < 64; i++)
		assert_int_equal(dst.p[i], VC_POISON);
	vc_close(&c);
}

static void odd_packet_length_fails_the_job_and_the_device_runs_on(void **state)
{
	struct vnpu_pkt_fence_write fw = { 0 };
	struct vnpu_stream s = { .len = 0 };
	struct vc_client c;
	struct vc_bo seq;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &seq, PG, 0);
	fw.va = seq.va + 8;
	fw.value = 1;
	vc_emit(&s, VNPU_OP_FENCE_WRITE, 0, &fw, sizeof(fw));
	((struct vnpu_pkt_header *)s.buf)->length = 5;
	run_bad_stream(&c, &seq, &s, 0);
	vc_close(&c);
}

static void job_faulting_on_an_unmapped_va_fails_with_efault(void **state)
{
	struct vnpu_stream s = { .len = 0 };
	struct vc_client c;
	struct vc_bo seq, dst;
	struct vnpu_job_profile p;
	uint32_t out;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &seq, PG, 0);
	vc_bo_new(&c, &dst, PG, 0);
	vc_dma_copy(&s, VNPU_VA_START + (1ull << 32), dst.va, 64);
	vc_fence_write(&s, seq.va, 1);
	out = vc_syncobj(&c, 0);
	assert_int_equal(vc_submit_simple(&c, (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA), &s, out, 0), 0);
	vc_wait(&c, out, 0);
	p = vc_profile(&c, 0);
	assert_int_equal(p.error, -EFAULT);
	assert_int_equal(p.packets, 0);
	assert_int_equal(vc_fence_status(&c, out), -EFAULT);
	assert_int_equal(vc_load64(seq.p), 0xAAAAAAAAAAAAAAAAull);
	assert_int_equal(dst.p[0], VC_POISON);
	vc_close(&c);
}

/* ---------------------------------------------------------------- dependencies */

static void timeline_chain_runs_jobs_in_order_across_contexts(void **state)
{
	uint64_t rng = vc_seed();
	struct vc_client c;
	struct vc_bo gate, seq, buf[4];
	struct vnpu_stream s[3];
	struct drm_vnpu_sync in;
	struct vc_submit sub;
	uint32_t tl, ctx[2];
	uint64_t n, i;
	int j;

	(void)state;
	vc_open(&c, DEV);
	ctx[0] = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA);
	ctx[1] = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_COMPUTE);
	vc_bo_new(&c, &gate, PG, 0);
	vc_store64(gate.p, 0);
	vc_bo_new(&c, &seq, PG, 0);
	for (j = 0; j < 4; j++)
		vc_bo_new(&c, &buf[j], 16 << 10, 0);
	n = 1 + xorshift64s(&rng) % (16 << 10);
	for (i = 0; i < n; i++)
		buf[0].p[i] = (uint8_t)xorshift64s(&rng);
	tl = vc_syncobj(&c, 0);

	/* job N (1..3) copies buffer N-1 to N and writes N; job 1 waits for the CPU first */
	for (j = 0; j < 3; j++) {
		s[j].len = 0;
		if (j == 0)
			vc_sem_wait(&s[j], gate.va, 1, 0);
		vc_dma_copy(&s[j], buf[j].va, buf[j + 1].va, n);
		vc_fence_write(&s[j], seq.va + 8 * (uint64_t)j, (uint64_t)j + 1);
		sub = (struct vc_submit){ .ctx = ctx[j % 2], .stream = &s[j], .out = tl,
					  .out_point = (uint64_t)j + 1,
					  .profile_va = vc_profile_va(&c, (unsigned int)j) };
		if (j) {
			in = (struct drm_vnpu_sync){ .handle = tl, .point = (uint64_t)j };
			sub.in = &in;
			sub.num_in = 1;
		}
		assert_int_equal(vc_submit(&c, &sub), 0);
		assert_int_equal(sub.job_id, j < 2 ? 1 : 2);
	}
	/* job 1 is held: neither of the others may have run */
	assert_int_equal(vc_load64(seq.p + 8), 0xAAAAAAAAAAAAAAAAull);
	assert_int_equal(vc_load64(seq.p + 16), 0xAAAAAAAAAAAAAAAAull);
	assert_int_equal(buf[3].p[0], VC_POISON);
	vc_store64(gate.p, 1);
	vc_wait(&c, tl, 3);
	for (j = 0; j < 3; j++) {
		assert_int_equal(vc_load64(seq.p + 8 * j), (uint64_t)j + 1);
		assert_memory_equal(buf[j + 1].p, buf[0].p, n);
		assert_profile_ok(&c, (unsigned int)j, j % 2 ? VNPU_ENGINE_COMPUTE : VNPU_ENGINE_DMA,
				  j ? 2 : 3);
		if (j) {
			struct vnpu_job_profile prev = vc_profile(&c, (unsigned int)j - 1);
			struct vnpu_job_profile cur = vc_profile(&c, (unsigned int)j);

			assert_true(cur.start_ns >= prev.end_ns);
		}
	}
	vc_close(&c);
}

static void job_whose_in_fence_failed_does_not_run_and_carries_the_error(void **state)
{
	struct vnpu_stream s1 = { .len = 0 }, s2 = { .len = 0 };
	struct drm_vnpu_sync in;
	struct vc_client c;
	struct vc_bo seq, dst;
	struct vc_submit sub;
	uint32_t out1, out2;
	int fd;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &seq, PG, 0);
	vc_bo_new(&c, &dst, PG, 0);
	out1 = vc_syncobj(&c, 0);
	out2 = vc_syncobj(&c, 0);
	/* job 1 reads where nothing is mapped */
	vc_dma_copy(&s1, VNPU_VA_START + (1ull << 33), dst.va, 8);
	assert_int_equal(vc_submit_simple(&c, (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA), &s1, out1, 0), 0);
	/* job 2, on another context, waits for it */
	vc_fence_write(&s2, seq.va, 0x600d);
	in = (struct drm_vnpu_sync){ .handle = out1 };
	sub = (struct vc_submit){ .ctx = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_COMPUTE),
				  .stream = &s2, .in = &in, .num_in = 1, .out = out2,
				  .profile_va = vc_profile_va(&c, 1) };
	assert_int_equal(vc_submit(&c, &sub), 0);
	vc_wait(&c, out2, 0);
	fd = vc_export_sync_file(&c, out2);
	assert_int_equal(vc_sync_file_status(fd), -EFAULT);
	close(fd);
	assert_int_equal(vc_fence_status(&c, out1), -EFAULT);
	assert_int_equal(vc_profile(&c, 0).error, -EFAULT);
	/* the skipped job's record says it never ran, and why */
	assert_skipped_profile(&c, 1, -EFAULT);
	assert_int_equal(vc_load64(seq.p), 0xAAAAAAAAAAAAAAAAull);
	assert_int_equal(dst.p[0], VC_POISON);
	vc_close(&c);
}

static void failed_timeline_point_stops_every_job_after_it(void **state)
{
	struct vnpu_stream s[3];
	struct drm_vnpu_sync in;
	struct vc_client c;
	struct vc_bo seq, dst;
	struct vc_submit sub;
	uint32_t tl, ctx[2];
	int j;

	(void)state;
	vc_open(&c, DEV);
	ctx[0] = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA);
	ctx[1] = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_COMPUTE);
	vc_bo_new(&c, &seq, PG, 0);
	vc_bo_new(&c, &dst, PG, 0);
	tl = vc_syncobj(&c, 0);
	/* point 1 faults; points 2 and 3 each wait for the one before */
	for (j = 0; j < 3; j++) {
		s[j].len = 0;
		if (!j)
			vc_dma_copy(&s[j], VNPU_VA_START + (1ull << 34), dst.va, 8);
		vc_fence_write(&s[j], seq.va + 8 * (uint64_t)j, (uint64_t)j + 1);
		sub = (struct vc_submit){ .ctx = ctx[j % 2], .stream = &s[j], .out = tl,
					  .out_point = (uint64_t)j + 1,
					  .profile_va = vc_profile_va(&c, (unsigned int)j) };
		if (j) {
			in = (struct drm_vnpu_sync){ .handle = tl, .point = (uint64_t)j };
			sub.in = &in;
			sub.num_in = 1;
		}
		assert_int_equal(vc_submit(&c, &sub), 0);
	}
	vc_wait(&c, tl, 3);
	assert_int_equal(vc_profile(&c, 0).error, -EFAULT);
	assert_skipped_profile(&c, 1, -EFAULT);
	assert_skipped_profile(&c, 2, -EFAULT);
	for (j = 0; j < 3; j++)
		assert_int_equal(vc_load64(seq.p + 8 * j), 0xAAAAAAAAAAAAAAAAull);
	vc_close(&c);
}

/*
 * The scheduler does not wait for a context's own earlier jobs (their order holds), so a job
 * depending on a failed job of its own context is stopped on the engine: it does not run.
 */
static void job_depending_on_a_failed_job_of_its_own_context_does_not_run(void **state)
{
	struct vnpu_stream s1 = { .len = 0 }, s2 = { .len = 0 };
	struct drm_vnpu_sync in;
	struct vc_client c;
	struct vc_bo gate, seq, dst;
	struct vc_submit sub;
	uint32_t ctx, out1, out2;

	(void)state;
	vc_open(&c, DEV);
	ctx = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA);
	vc_bo_new(&c, &gate, PG, 0);
	vc_store64(gate.p, 0);
	vc_bo_new(&c, &seq, PG, 0);
	vc_bo_new(&c, &dst, PG, 0);
	out1 = vc_syncobj(&c, 0);
	out2 = vc_syncobj(&c, 0);
	/* job 1 is held until job 2 is queued behind it, then faults */
	vc_sem_wait(&s1, gate.va, 1, 0);
	vc_dma_copy(&s1, VNPU_VA_START + (1ull << 35), dst.va, 8);
	assert_int_equal(vc_submit_simple(&c, ctx, &s1, out1, 0), 0);
	vc_fence_write(&s2, seq.va, 0x600d);
	in = (struct drm_vnpu_sync){ .handle = out1 };
	sub = (struct vc_submit){ .ctx = ctx, .stream = &s2, .in = &in, .num_in = 1,
				  .out = out2, .profile_va = vc_profile_va(&c, 1) };
	assert_int_equal(vc_submit(&c, &sub), 0);
	vc_store64(gate.p, 1);
	vc_wait(&c, out2, 0);
	assert_int_equal(vc_fence_status(&c, out1), -EFAULT);
	assert_int_equal(vc_fence_status(&c, out2), -EFAULT);
	assert_int_equal(vc_profile(&c, 1).error, -EFAULT);
	assert_int_equal(vc_load64(seq.p), 0xAAAAAAAAAAAAAAAAull);
	vc_close(&c);
}

/* ---------------------------------------------------------------- isolation */

static void jobs_of_one_client_cannot_reach_another_clients_memory(void **state)
{
	const uint64_t x = VNPU_VA_START + (1ull << 30);
	uint64_t rng = vc_seed();
	struct vc_client a, b;
	struct vc_bo bbuf, abuf, adst;
	struct vnpu_stream s = { .len = 0 };
	uint32_t actx, out;
	uint8_t *bwant;
	char want[96], *t;
	size_t i;

	(void)state;
	vc_open(&a, DEV);
	vc_open(&b, DEV);
	assert_true(a.client_id != b.client_id);

	/* B: a buffer at X, filled by a job of its own */
	vc_bo_new_at(&b, &bbuf, PG, 0, x);
	vc_dma_fill(&s, x, PG, 0xb0b0b0b0b0b0b0b0ull, 8);
	out = vc_syncobj(&b, 0);
	assert_int_equal(vc_submit_simple(&b, (uint32_t)ctx_or_fail(&b, VNPU_ENGINE_DMA), &s, out, 0), 0);
	vc_wait(&b, out, 0);
	assert_profile_ok(&b, 0, VNPU_ENGINE_DMA, 1);
	bwant = malloc(PG);
	assert_non_null(bwant);
	memset(bwant, 0xb0, PG);
	assert_memory_equal(bbuf.p, bwant, PG);

	/* A: nothing at X; its jobs reading and writing X fault */
	actx = (uint32_t)ctx_or_fail(&a, VNPU_ENGINE_DMA);
	vc_bo_new(&a, &adst, PG, 0);
	assert_true(adst.va != x);
	s.len = 0;
	vc_dma_copy(&s, x, adst.va, 256);
	out = vc_syncobj(&a, 0);
	assert_int_equal(vc_submit_simple(&a, actx, &s, out, 0), 0);
	vc_wait(&a, out, 0);
	assert_int_equal(vc_fence_status(&a, out), -EFAULT);
	assert_int_equal(vc_profile(&a, 0).error, -EFAULT);
	s.len = 0;
	vc_dma_fill(&s, x, 256, 0xa0, 1);
	assert_int_equal(vc_submit_simple(&a, actx, &s, out, 1), 0);
	vc_wait(&a, out, 0);
	assert_int_equal(vc_fence_status(&a, out), -EFAULT);
	assert_int_equal(vc_profile(&a, 1).error, -EFAULT);
	assert_memory_equal(bbuf.p, bwant, PG);
	for (i = 0; i < PG; i++)
		assert_int_equal(adst.p[i], VC_POISON);

	/* the device's last fault is A's write at X */
	t = vc_debugfs_text(a.minor, "last_fault");
	assert_non_null(t);
	snprintf(want, sizeof(want), "client=%llu ", (unsigned long long)a.client_id);
	if (!strstr(t, want) || !strstr(t, "error=-14")) {
		print_error("last_fault: %s", t);
		fail();
	}
	snprintf(want, sizeof(want), "fault_va=0x%llx ", (unsigned long long)x);
	assert_non_null(strstr(t, want));
	assert_non_null(strstr(t, "write"));
	free(t);

	/* A maps a buffer of its own at X: its job reads A's data, not B's */
	vc_bo_new_at(&a, &abuf, PG, 0, x);
	for (i = 0; i < PG; i++) {
		abuf.p[i] = (uint8_t)xorshift64s(&rng);
		if (abuf.p[i] == 0xb0)
			abuf.p[i] = 0x4f;
	}
	s.len = 0;
	vc_dma_copy(&s, x, adst.va, PG);
	assert_int_equal(vc_submit_simple(&a, actx, &s, out, 2), 0);
	vc_wait(&a, out, 0);
	assert_int_equal(vc_fence_status(&a, out), 1);
	assert_memory_equal(adst.p, abuf.p, PG);
	assert_memory_equal(bbuf.p, bwant, PG);
	free(bwant);
	vc_close(&a);
	vc_close(&b);
}

/* ---------------------------------------------------------------- queue depth */

static void full_queue_refuses_another_job_with_ebusy_until_jobs_finish(void **state)
{
	struct drm_vnpu_get_param gp = { .param = VNPU_PARAM_QUEUE_DEPTH };
	struct vc_client c;
	struct vc_bo gate, seq;
	struct vnpu_stream s;
	struct vc_submit sub;
	uint32_t ctx, other, out[6];
	int i;

	(void)state;
	vc_open(&c, DEV);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VNPU_GET_PARAM, &gp), 0);
	assert_int_equal(gp.value, 4);
	ctx = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA);
	other = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA);
	vc_bo_new(&c, &gate, PG, 0);
	vc_store64(gate.p, 0);
	vc_bo_new(&c, &seq, PG, 0);
	for (i = 0; i < 6; i++)
		out[i] = vc_syncobj(&c, 0);
	for (i = 0; i < 4; i++) {
		s.len = 0;
		vc_sem_wait(&s, gate.va, 1, 0);
		vc_fence_write(&s, seq.va + 8 * (uint64_t)i, (uint64_t)i + 1);
		sub = (struct vc_submit){ .ctx = ctx, .stream = &s, .out = out[i] };
		assert_int_equal(vc_submit(&c, &sub), 0);
		assert_int_equal(sub.job_id, (uint64_t)i + 1);
	}
	fence_stream(&s, seq.va + 32, 5);
	sub = (struct vc_submit){ .ctx = ctx, .stream = &s, .out = out[4] };
	assert_int_equal(vc_submit(&c, &sub), -EBUSY);
	assert_int_equal(vc_submit(&c, &sub), -EBUSY);
	/* the depth is per context */
	fence_stream(&s, seq.va + 48, 6);
	sub = (struct vc_submit){ .ctx = other, .stream = &s, .out = out[5] };
	assert_int_equal(vc_submit(&c, &sub), 0);

	vc_store64(gate.p, 1);
	for (i = 0; i < 4; i++) {
		vc_wait(&c, out[i], 0);
		assert_int_equal(vc_fence_status(&c, out[i]), 1);
		assert_int_equal(vc_load64(seq.p + 8 * i), (uint64_t)i + 1);
	}
	vc_wait(&c, out[5], 0);
	assert_int_equal(vc_load64(seq.p + 48), 6);
	/* the refused job never ran; now there is room */
	assert_int_equal(vc_load64(seq.p + 32), 0xAAAAAAAAAAAAAAAAull);
	fence_stream(&s, seq.va + 32, 5);
	sub = (struct vc_submit){ .ctx = ctx, .stream = &s, .out = out[4] };
	assert_int_equal(vc_submit(&c, &sub), 0);
	assert_int_equal(sub.job_id, 5);
	vc_wait(&c, out[4], 0);
	assert_int_equal(vc_fence_status(&c, out[4]), 1);
	assert_int_equal(vc_load64(seq.p + 32), 5);
	vc_close(&c);
}

/* ---------------------------------------------------------------- closing with work queued */

#define CLOSE_JOBS 3

/*
 * A DMA context of @c: job 1 waits for @gate (never released here) and writes seq[0]; jobs
 * 2.. write seq[i]. Their out fences come back as sync_files in @fds; job i's profile goes
 * to slot i.
 */
static void submit_blocked_queue(struct vc_client *c, uint32_t ctx, struct vc_bo *gate,
				 struct vc_bo *seq, int fds[CLOSE_JOBS])
{
	struct vnpu_stream s;
	int i;

	for (i = 0; i < CLOSE_JOBS; i++) {
		uint32_t out = vc_syncobj(c, 0);

		s.len = 0;
		if (!i)
			vc_sem_wait(&s, gate->va, 1, 0);
		vc_fence_write(&s, seq->va + 8 * (uint64_t)i, (uint64_t)i + 1);
		assert_int_equal(vc_submit_simple(c, ctx, &s, out, i), 0);
		fds[i] = vc_export_sync_file(c, out);
	}
}

static void closing_the_file_flushes_its_queue_then_completes_the_rest_with_esrch(void **state)
{
	struct vc_client c;
	struct vc_bo gate, seq;
	uint64_t contexts;
	int fds[CLOSE_JOBS], st[CLOSE_JOBS], i;
	uint8_t *gp, *sp;

	(void)state;
	contexts = vc_sysfs_u64(DEV, "context_count");
	vc_open(&c, DEV);
	vc_bo_new(&c, &gate, PG, 0);
	vc_store64(gate.p, 0);
	vc_bo_new(&c, &seq, PG, 0);
	submit_blocked_queue(&c, (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA), &gate, &seq, fds);
	gp = gate.p;
	sp = seq.p;
	/* the CPU mappings outlive the file, as mmap()s of a closed device file do */
	assert_int_equal(accel_sys_close(c.fd), 0);
	assert_int_equal(vc_sysfs_u64(DEV, "context_count"), contexts);
	for (i = 1; i < CLOSE_JOBS; i++)
		assert_int_equal(vc_load64(sp + 8 * i), 0xAAAAAAAAAAAAAAAAull);
	/* the job on the engine completes once released */
	vc_store64(gp, 1);
	for (i = 0; i < CLOSE_JOBS; i++) {
		vc_sync_file_wait(fds[i]);
		st[i] = vc_sync_file_status(fds[i]);
		close(fds[i]);
	}
	assert_int_equal(st[0], 1);
	assert_int_equal(vc_load64(sp), 1);
	assert_profile_ok(&c, 0, VNPU_ENGINE_DMA, 2);
	/*
	 * The others: each either reached the engine within the flush (and ran) or was
	 * completed with -ESRCH without running; at least the last could not reach it, behind
	 * a job that held the engine for the whole second.
	 */
	for (i = 1; i < CLOSE_JOBS; i++) {
		if (st[i] == 1) {
			assert_int_equal(vc_load64(sp + 8 * i), (uint64_t)i + 1);
			assert_int_equal(st[i - 1], 1);
			assert_profile_ok(&c, (unsigned int)i, VNPU_ENGINE_DMA, 1);
		} else {
			assert_int_equal(st[i], -ESRCH);
			assert_int_equal(vc_load64(sp + 8 * i), 0xAAAAAAAAAAAAAAAAull);
			/* a job of a destroyed context that never ran writes no record */
			assert_true(vc_profile_untouched(&c, (unsigned int)i));
		}
	}
	assert_int_equal(st[CLOSE_JOBS - 1], -ESRCH);
	accel_sys_munmap(gp, gate.size);
	accel_sys_munmap(sp, seq.size);
	accel_sys_munmap(c.prof, VC_PROFILE_SLOTS * VC_PROFILE_STRIDE);
}

static void closing_the_file_with_a_hung_job_aborts_it_at_the_timeout(void **state)
{
	struct vc_client c;
	struct vc_bo gate, seq;
	uint64_t resets, deadline;
	int fds[CLOSE_JOBS], st, i;
	uint8_t *sp;

	(void)state;
	resets = vc_sysfs_u64(DEV_HANG, "reset_count");
	vc_open(&c, DEV_HANG);
	vc_bo_new(&c, &gate, PG, 0);
	vc_store64(gate.p, 0);
	vc_bo_new(&c, &seq, PG, 0);
	submit_blocked_queue(&c, (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA), &gate, &seq, fds);
	sp = seq.p;
	accel_sys_munmap(gate.p, gate.size);
	assert_int_equal(accel_sys_close(c.fd), 0);
	for (i = 0; i < CLOSE_JOBS; i++)
		vc_sync_file_wait(fds[i]);
	assert_int_equal(vc_sync_file_status(fds[0]), -ETIME);
	assert_int_equal(vc_load64(sp), 0xAAAAAAAAAAAAAAAAull);
	assert_int_equal(vc_profile(&c, 0).error, -ETIME);
	/*
	 * The jobs behind it never run: killed with the context (-ECANCELED) or, had the flush
	 * ended first, completed with -ESRCH.
	 */
	for (i = 1; i < CLOSE_JOBS; i++) {
		st = vc_sync_file_status(fds[i]);
		if (st != -ECANCELED && st != -ESRCH) {
			print_error("job %d behind the hung one: status %d\n", i + 1, st);
			fail();
		}
		if (vc_load64(sp + 8 * i) != 0xAAAAAAAAAAAAAAAAull ||
		    !vc_profile_untouched(&c, (unsigned int)i)) {
			print_error("job %d behind the hung one completed with %d, yet it ran\n",
				    i + 1, st);
			fail();
		}
	}
	for (i = 0; i < CLOSE_JOBS; i++)
		close(fds[i]);
	/* the engine was reset (counted once the timeout handler is done) */
	deadline = vc_now_ns() + VC_WAIT_S * 1000000000ull;
	while (vc_sysfs_u64(DEV_HANG, "reset_count") == resets && vc_now_ns() < deadline)
		usleep(1000);
	assert_int_equal(vc_sysfs_u64(DEV_HANG, "reset_count"), resets + 1);
	accel_sys_munmap(sp, seq.size);
	accel_sys_munmap(c.prof, VC_PROFILE_SLOTS * VC_PROFILE_STRIDE);
}

/*
 * A job that inherits -ESRCH from a job of a destroyed context fails, but its own context
 * is not killed: it takes new jobs (only a killed context refuses them, with -ECANCELED).
 */
static void context_whose_job_inherited_an_error_still_takes_jobs(void **state)
{
	struct drm_syncobj_handle imp = { 0 };
	struct drm_vnpu_sync in;
	struct vc_client c;
	struct vc_bo gate, seq;
	struct vnpu_stream s;
	struct vc_submit sub;
	uint32_t doomed, ctx, out;
	int fds[CLOSE_JOBS], i;

	(void)state;
	vc_open(&c, DEV);
	vc_bo_new(&c, &gate, PG, 0);
	vc_store64(gate.p, 0);
	vc_bo_new(&c, &seq, PG, 0);
	doomed = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA);
	ctx = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_DMA);
	submit_blocked_queue(&c, doomed, &gate, &seq, fds);
	/* a job of the other context waits for the doomed context's last job */
	imp.handle = vc_syncobj(&c, 0);
	imp.fd = fds[CLOSE_JOBS - 1];
	imp.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &imp), 0);
	in = (struct drm_vnpu_sync){ .handle = imp.handle };
	out = vc_syncobj(&c, 0);
	s.len = 0;
	vc_fence_write(&s, seq.va + 64, 0x1111);
	sub = (struct vc_submit){ .ctx = ctx, .stream = &s, .in = &in, .num_in = 1,
				  .out = out, .profile_va = vc_profile_va(&c, CLOSE_JOBS) };
	assert_int_equal(vc_submit(&c, &sub), 0);
	assert_int_equal(vc_ctx_destroy(&c, doomed), 0);
	vc_store64(gate.p, 1);
	for (i = 0; i < CLOSE_JOBS; i++) {
		vc_sync_file_wait(fds[i]);
		close(fds[i]);
	}
	vc_wait(&c, out, 0);
	assert_int_equal(vc_fence_status(&c, out), -ESRCH);
	assert_int_equal(vc_load64(seq.p + 64), 0xAAAAAAAAAAAAAAAAull);
	assert_skipped_profile(&c, CLOSE_JOBS, -ESRCH);

	s.len = 0;
	vc_fence_write(&s, seq.va + 72, 0x2222);
	sub = (struct vc_submit){ .ctx = ctx, .stream = &s, .out = out };
	assert_int_equal(vc_submit(&c, &sub), 0);
	assert_int_equal(sub.job_id, 2);
	vc_wait(&c, out, 0);
	assert_int_equal(vc_fence_status(&c, out), 1);
	assert_int_equal(vc_load64(seq.p + 72), 0x2222);
	vc_close(&c);
}

/* ---------------------------------------------------------------- telemetry */

/*
 * noinline: inlined into its callers, GCC 12 at -O2 takes @text for a pointer to
 * vc_fdinfo_text()'s local variable and warns (-Wdangling-pointer), wrongly.
 */
__attribute__((noinline)) static uint64_t fdinfo_value(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	if (!p) {
		print_error("no %s in fdinfo:\n%s", key, text);
		fail();
	}
	return strtoull(p + strlen(key), NULL, 10);
}

static void compute_job_shows_in_fdinfo_sysfs_engines_and_debugfs(void **state)
{
	enum { M = 32, N = 32, K = 64 };
	uint64_t rng = vc_seed();
	struct vnpu_pkt_matmul mm = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32,
				      .batch = 1, .m = M, .n = N, .k = K };
	struct vnpu_job_profile p;
	struct vc_client c;
	struct vc_bo a, b, cbo;
	struct vnpu_stream s = { .len = 0 };
	struct vc_submit sub;
	uint64_t jobs_before[16], v;
	char path[96], want[128], *t;
	uint32_t ctx, out;
	unsigned int i, engines;

	(void)state;
	vc_open(&c, DEV);
	engines = (unsigned int)vc_sysfs_u64(DEV, "compute_engines");
	assert_true(engines >= 1 && engines <= 16);
	for (i = 0; i < engines; i++) {
		snprintf(path, sizeof(path), "engines/compute%u/jobs", i);
		jobs_before[i] = vc_sysfs_u64(DEV, path);
	}
	t = vc_fdinfo_text(&c);
	assert_int_equal(fdinfo_value(t, "drm-engine-compute:\t"), 0);
	free(t);

	vc_bo_new(&c, &a, M * K * 4, 0);
	vc_bo_new(&c, &b, K * N * 4, 0);
	vc_bo_new(&c, &cbo, M * N * 4, 0);
	for (i = 0; i < M * K; i++)
		((float *)a.p)[i] = xorshift64s_unit(&rng);
	for (i = 0; i < K * N; i++)
		((float *)b.p)[i] = xorshift64s_unit(&rng);
	mm.a_va = a.va;
	mm.b_va = b.va;
	mm.c_va = cbo.va;
	VC_EMIT(&s, VNPU_OP_MATMUL, 0, mm);
	ctx = (uint32_t)ctx_or_fail(&c, VNPU_ENGINE_COMPUTE);
	out = vc_syncobj(&c, 0);
	sub = (struct vc_submit){ .ctx = ctx, .stream = &s, .out = out,
				  .profile_va = vc_profile_va(&c, 0) };
	assert_int_equal(vc_submit(&c, &sub), 0);
	vc_wait(&c, out, 0);
	assert_profile_ok(&c, 0, VNPU_ENGINE_COMPUTE, 1);
	p = vc_profile(&c, 0);
	assert_true(p.engine_instance < engines);

	/* fdinfo: the client's compute time, none on DMA */
	t = vc_fdinfo_text(&c);
	assert_true(fdinfo_value(t, "drm-engine-compute:\t") > 0);
	assert_int_equal(fdinfo_value(t, "drm-engine-dma:\t"), 0);
	assert_non_null(strstr(t, "drm-driver:\tvnpu\n"));
	free(t);

	/* sysfs: the engine that ran it counted it; every engine's busy time reads */
	for (i = 0; i < engines; i++) {
		snprintf(path, sizeof(path), "engines/compute%u/jobs", i);
		v = vc_sysfs_u64(DEV, path);
		assert_int_equal(v, jobs_before[i] + (i == p.engine_instance));
		snprintf(path, sizeof(path), "engines/compute%u/busy_us", i);
		(void)vc_sysfs_u64(DEV, path);
		snprintf(path, sizeof(path), "engines/compute%u/resets", i);
		(void)vc_sysfs_u64(DEV, path);
	}

	/* debugfs: the job among the last jobs, the context among the queues */
	t = vc_debugfs_text(c.minor, "jobs");
	assert_non_null(t);
	snprintf(want, sizeof(want), "client=%llu ctx=%u job=%llu engine=compute%u ",
		 (unsigned long long)c.client_id, ctx, (unsigned long long)sub.job_id,
		 p.engine_instance);
	if (!strstr(t, want)) {
		print_error("no \"%s\" in jobs:\n%s", want, t);
		fail();
	}
	free(t);
	t = vc_debugfs_text(c.minor, "queues");
	assert_non_null(t);
	snprintf(want, sizeof(want), "client=%llu ctx=%u class=compute priority=normal submitted=1 ",
		 (unsigned long long)c.client_id, ctx);
	if (!strstr(t, want)) {
		print_error("no \"%s\" in queues:\n%s", want, t);
		fail();
	}
	free(t);
	vc_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(context_ids_start_at_one_and_context_count_follows),
		cmocka_unit_test(context_ids_are_per_file),
		cmocka_unit_test(context_create_rejects_unknown_engine_priority_and_flags),
		cmocka_unit_test(high_priority_context_works_for_root),
		cmocka_unit_test(context_destroy_rejects_unknown_id_and_nonzero_pad),
		cmocka_unit_test(submit_to_unknown_context_is_enoent),
		cmocka_unit_test(submit_of_a_destroyed_context_is_enoent),
		cmocka_unit_test(submit_with_unknown_command_object_is_enoent),
		cmocka_unit_test(submit_rejects_misaligned_empty_or_outside_command_ranges),
		cmocka_unit_test(submit_rejects_nonzero_flags),
		cmocka_unit_test(submit_rejects_more_than_max_in_syncs),
		cmocka_unit_test(submit_takes_max_in_syncs),
		cmocka_unit_test(submit_rejects_unknown_unsubmitted_or_flagged_in_syncs),
		cmocka_unit_test(submit_with_unknown_out_syncobj_is_enoent),
		cmocka_unit_test(submit_rejects_unaligned_profile_va),
		cmocka_unit_test(dma_job_copies_system_memory_through_vram_and_back),
		cmocka_unit_test(matmul_f32_with_bias_and_relu_matches_a_float64_reference),
		cmocka_unit_test(tensor_packet_on_a_dma_context_fails_the_job_with_einval),
		cmocka_unit_test(unknown_opcode_fails_the_job_and_the_device_runs_on),
		cmocka_unit_test(truncated_packet_fails_the_job_and_the_device_runs_on),
		cmocka_unit_test(nonzero_pad_fails_the_job_and_the_device_runs_on),
		cmocka_unit_test(odd_packet_length_fails_the_job_and_the_device_runs_on),
		cmocka_unit_test(job_faulting_on_an_unmapped_va_fails_with_efault),
		cmocka_unit_test(timeline_chain_runs_jobs_in_order_across_contexts),
		cmocka_unit_test(job_whose_in_fence_failed_does_not_run_and_carries_the_error),
		cmocka_unit_test(failed_timeline_point_stops_every_job_after_it),
		cmocka_unit_test(job_depending_on_a_failed_job_of_its_own_context_does_not_run),
		cmocka_unit_test(jobs_of_one_client_cannot_reach_another_clients_memory),
		cmocka_unit_test(full_queue_refuses_another_job_with_ebusy_until_jobs_finish),
		cmocka_unit_test(closing_the_file_flushes_its_queue_then_completes_the_rest_with_esrch),
		cmocka_unit_test(closing_the_file_with_a_hung_job_aborts_it_at_the_timeout),
		cmocka_unit_test(context_whose_job_inherited_an_error_still_takes_jobs),
		cmocka_unit_test(compute_job_shows_in_fdinfo_sysfs_engines_and_debugfs),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
