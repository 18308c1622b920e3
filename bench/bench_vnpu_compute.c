// SPDX-License-Identifier: MIT
/*
 * The vnpu compute engine against oneDNN called directly on the same data: a 1024^3 f32
 * MATMUL and a 3x3 CONV2D 56x56x64 -> 64 (batch 1, NHWC, padding 1). The vnpu figure is a
 * whole one-packet command stream (parse, check, translate, cached primitive, run); the
 * baseline is the same primitive built once by hand and executed, the convolution's weights
 * reordered once to the primitive's preferred layout (the vnpu engine, which cannot know
 * that they are constant, reorders them on every run). Rounds of the two
 * alternate so that drift in the machine's load falls on both alike.
 *
 * The ratio printed is the vnpu throughput relative to the baseline (baseline time / vnpu
 * time); the goal is >= 0.95.
 *
 *   bench_vnpu_compute [ignored]
 */
#include "bench.h"

#include <oneapi/dnnl/dnnl.h>

#include <uapi/drm/vnpu_accel.h>
#include "../drivers/vnpu/vnpu_cmd.h"

#define ARENA_BASE 0x100000000ull
#define ROUNDS 9

static uint8_t *arena;
static size_t arena_size;

static void *map_flat(void *ctx, uint64_t va, uint64_t len, int write)
{
	(void)ctx;
	(void)write;
	if (va < ARENA_BASE || len > arena_size || va - ARENA_BASE > arena_size - len)
		return NULL;
	return arena + (va - ARENA_BASE);
}

static const struct vnpu_mem_ops flat_ops = { .map = map_flat };

struct vnpu_case {
	struct vnpu_exec_ctx ctx;
	const void *cmds;
	size_t len;
};

struct dnnl_case {
	dnnl_stream_t stream;
	dnnl_primitive_t prim;
	int nargs;
	dnnl_exec_arg_t args[4];
};

static void run_vnpu(void *arg, long iters)
{
	struct vnpu_case *vc = arg;

	for (long i = 0; i < iters; i++)
		if (vnpu_exec_stream(&vc->ctx, vc->cmds, vc->len, NULL))
			abort();
}

static void run_dnnl(void *arg, long iters)
{
	struct dnnl_case *dc = arg;

	for (long i = 0; i < iters; i++) {
		if (dnnl_primitive_execute(dc->prim, dc->stream, dc->nargs, dc->args) ||
		    dnnl_stream_wait(dc->stream))
			abort();
	}
}

static struct bench_result stats(double *t, int n)
{
	struct bench_result r;

	qsort(t, n, sizeof(t[0]), bench_cmp);
	r.median = t[n / 2];
	r.min = t[0];
	r.max = t[n - 1];
	return r;
}

/* One figure in bench.h's line format, in milliseconds, the ratio as throughput. */
static void compare(const char *name, const char *base_name, struct vnpu_case *vc,
		    struct dnnl_case *dc, long iters)
{
	double tv[ROUNDS], tb[ROUNDS];
	struct bench_result v, b;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		tv[i] = bench_run(run_vnpu, vc, iters, 1).median / 1e6;
		tb[i] = bench_run(run_dnnl, dc, iters, 1).median / 1e6;
	}
	v = stats(tv, ROUNDS);
	b = stats(tb, ROUNDS);
	printf("BENCH %s|ms|%.3f|%.3f|%.3f|%s|%.3f|%.3f|>= 0.95\n", name, v.median, v.min, v.max,
	       base_name, b.median, v.median > 0 ? b.median / v.median : 0.0);
	fflush(stdout);
}

static void fill(float *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
}

static dnnl_primitive_t make_prim(const void *desc, dnnl_engine_t eng)
{
	dnnl_primitive_desc_t pd;
	dnnl_primitive_t prim;

	if (dnnl_primitive_desc_create(&pd, desc, NULL, eng, NULL) || dnnl_primitive_create(&prim, pd))
		abort();
	dnnl_primitive_desc_destroy(pd);
	return prim;
}

static dnnl_memory_t make_mem(const dnnl_memory_desc_t *md, dnnl_engine_t eng, uint64_t va)
{
	dnnl_memory_t m;

	if (dnnl_memory_create(&m, md, eng, arena + (va - ARENA_BASE)))
		abort();
	return m;
}

/*
 * The baseline as a direct oneDNN user writes it: weights in the layout the primitive
 * prefers, reordered once from OHWI before the timing (they are constant in inference).
 */
static dnnl_memory_t conv_weights(const dnnl_convolution_desc_t *cvd, dnnl_engine_t eng,
				  dnnl_stream_t stream, uint64_t va)
{
	dnnl_memory_desc_t ohwi;
	dnnl_primitive_desc_t pd, rpd;
	const dnnl_memory_desc_t *want;
	dnnl_memory_t user, blocked;
	dnnl_primitive_t reorder;

	if (dnnl_primitive_desc_create(&pd, cvd, NULL, eng, NULL))
		abort();
	want = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
	dnnl_memory_desc_init_by_tag(&ohwi, 4, cvd->weights_desc.dims, dnnl_f32, dnnl_ohwi);
	user = make_mem(&ohwi, eng, va);
	if (dnnl_memory_create(&blocked, want, eng, DNNL_MEMORY_ALLOCATE) ||
	    dnnl_reorder_primitive_desc_create(&rpd, &ohwi, eng, want, eng, NULL) ||
	    dnnl_primitive_create(&reorder, rpd))
		abort();
	if (dnnl_primitive_execute(reorder, stream, 2,
				   (dnnl_exec_arg_t[]){ { DNNL_ARG_FROM, user }, { DNNL_ARG_TO, blocked } }) ||
	    dnnl_stream_wait(stream))
		abort();
	dnnl_primitive_destroy(reorder);
	dnnl_primitive_desc_destroy(rpd);
	dnnl_primitive_desc_destroy(pd);
	dnnl_memory_destroy(user);
	return blocked;
}

int main(void)
{
	const int64_t M = 1024, N = 1024, K = 1024;
	const int64_t H = 56, W = 56, C = 64, OC = 64;
	struct vnpu_compute *compute;
	struct vnpu_pkt_matmul mm = { .hdr = { VNPU_OP_MATMUL, sizeof(mm) / 4, 0 },
				      .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32, .batch = 1,
				      .m = M, .n = N, .k = K };
	struct vnpu_pkt_conv2d cv = { .hdr = { VNPU_OP_CONV2D, sizeof(cv) / 4, 0 },
				      .dtype = VNPU_DT_F32, .n = 1, .h = H, .w = W, .c = C, .oc = OC,
				      .kh = 3, .kw = 3, .groups = 1, .stride_h = 1, .stride_w = 1,
				      .pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
				      .dil_h = 1, .dil_w = 1 };
	struct vnpu_case vc = { .ctx = { .mem = &flat_ops } };
	struct dnnl_case dc = { 0 };
	dnnl_memory_desc_t a_md, b_md, c_md, s_md, w_md, d_md;
	dnnl_matmul_desc_t mmd;
	dnnl_convolution_desc_t cvd;
	dnnl_engine_t eng;
	uint64_t va = ARENA_BASE;

	arena_size = (size_t)(M * K + K * N + M * N + H * W * C + OC * 9 * C + H * W * OC) * 4 + 4096;
	arena = aligned_alloc(4096, arena_size);
	if (!arena || vnpu_compute_create(&compute) || dnnl_engine_create(&eng, dnnl_cpu, 0) ||
	    dnnl_stream_create(&dc.stream, eng, dnnl_stream_default_flags))
		abort();
	vc.ctx.compute = compute;
	mm.a_va = va, va += M * K * 4;
	mm.b_va = va, va += K * N * 4;
	mm.c_va = va, va += M * N * 4;
	cv.src_va = va, va += H * W * C * 4;
	cv.wei_va = va, va += OC * 9 * C * 4;
	cv.dst_va = va;
	fill((float *)(arena + (mm.a_va - ARENA_BASE)), M * K);
	fill((float *)(arena + (mm.b_va - ARENA_BASE)), K * N);
	fill((float *)(arena + (cv.src_va - ARENA_BASE)), H * W * C);
	fill((float *)(arena + (cv.wei_va - ARENA_BASE)), OC * 9 * C);

	/* matmul: the same row-major f32 matrices */
	dnnl_memory_desc_init_by_tag(&a_md, 2, (dnnl_dims_t){ M, K }, dnnl_f32, dnnl_ab);
	dnnl_memory_desc_init_by_tag(&b_md, 2, (dnnl_dims_t){ K, N }, dnnl_f32, dnnl_ab);
	dnnl_memory_desc_init_by_tag(&c_md, 2, (dnnl_dims_t){ M, N }, dnnl_f32, dnnl_ab);
	if (dnnl_matmul_desc_init(&mmd, &a_md, &b_md, NULL, &c_md))
		abort();
	dc.prim = make_prim(&mmd, eng);
	dc.nargs = 3;
	dc.args[0] = (dnnl_exec_arg_t){ DNNL_ARG_SRC, make_mem(&a_md, eng, mm.a_va) };
	dc.args[1] = (dnnl_exec_arg_t){ DNNL_ARG_WEIGHTS, make_mem(&b_md, eng, mm.b_va) };
	dc.args[2] = (dnnl_exec_arg_t){ DNNL_ARG_DST, make_mem(&c_md, eng, mm.c_va) };
	vc.cmds = &mm;
	vc.len = sizeof(mm);
	compare("vnpu matmul 1024^3 f32", "oneDNN matmul direct", &vc, &dc, 5);
	for (int i = 0; i < 3; i++)
		dnnl_memory_destroy(dc.args[i].memory);
	dnnl_primitive_destroy(dc.prim);

	/* conv: NHWC source and destination, OHWI weights, as the ISA lays them out */
	dnnl_memory_desc_init_by_tag(&s_md, 4, (dnnl_dims_t){ 1, C, H, W }, dnnl_f32, dnnl_nhwc);
	dnnl_memory_desc_init_by_tag(&w_md, 4, (dnnl_dims_t){ OC, C, 3, 3 }, dnnl_f32,
				     dnnl_format_tag_any);
	dnnl_memory_desc_init_by_tag(&d_md, 4, (dnnl_dims_t){ 1, OC, H, W }, dnnl_f32, dnnl_nhwc);
	if (dnnl_dilated_convolution_forward_desc_init(&cvd, dnnl_forward_inference,
						       dnnl_convolution_direct, &s_md, &w_md, NULL,
						       &d_md, (dnnl_dims_t){ 1, 1 },
						       (dnnl_dims_t){ 0, 0 }, (dnnl_dims_t){ 1, 1 },
						       (dnnl_dims_t){ 1, 1 }))
		abort();
	dc.prim = make_prim(&cvd, eng);
	dc.args[0] = (dnnl_exec_arg_t){ DNNL_ARG_SRC, make_mem(&s_md, eng, cv.src_va) };
	dc.args[1] = (dnnl_exec_arg_t){ DNNL_ARG_WEIGHTS, conv_weights(&cvd, eng, dc.stream,
									 cv.wei_va) };
	dc.args[2] = (dnnl_exec_arg_t){ DNNL_ARG_DST, make_mem(&d_md, eng, cv.dst_va) };
	vc.cmds = &cv;
	vc.len = sizeof(cv);
	compare("vnpu conv3x3 56x56x64->64 f32", "oneDNN conv direct", &vc, &dc, 20);
	for (int i = 0; i < 3; i++)
		dnnl_memory_destroy(dc.args[i].memory);
	dnnl_primitive_destroy(dc.prim);

	dnnl_stream_destroy(dc.stream);
	dnnl_engine_destroy(eng);
	vnpu_compute_destroy(compute);
	free(arena);
	return 0;
}
