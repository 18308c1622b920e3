// SPDX-License-Identifier: MIT
/*
 * vedge's int8 CONV2D (drivers/vedge/vedge_ops.h, what the edge NPU's device model runs)
 * against oneDNN's int8 convolution called directly on the same data:
 *
 *   3x3 56x56x64 -> 64, padding 1 (a ResNet stage);
 *   1x1 28x28x128 -> 256 (a pointwise layer);
 *   3x3 28x28x1 -> 32, padding 1 (the Fashion-MNIST CNN's first layer).
 *
 * vedge: NHWC int8 input, OHWI weights, per-channel bias and (M, s) requantization, exact
 * integer arithmetic (docs/vedge-arith.md). Baseline: oneDNN's convolution primitive with s8
 * source, s8 weights (reordered once, before timing, into the layout it prefers) and s8
 * destination with per-channel output scales, NHWC: what a direct oneDNN user writes. The
 * two compute the same layer up to the rounding of the scales (oneDNN's are f32), which the
 * first run of each checks on every output element (within 1). Rounds of the two sides
 * alternate, and so does which goes first.
 *
 * The ratio printed is vedge's throughput relative to the baseline (baseline time / vedge
 * time); the goal is >= 0.5 (issue 17). Lines starting with '#' are comments.
 *
 * Both sides run on the same threads: oneDNN's OpenMP team (vedge's gemm path runs inside
 * it too), sized by OMP_NUM_THREADS; without it set, the bench sets it to 1 and starts
 * itself again (libgomp reads it once, at load), so that a busy machine does not decide
 * how many threads each side gets. The first line says how many.
 *
 *   bench_vedge_conv [NAME]   (only the layers whose name contains NAME, e.g. 28x28x1)
 */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <oneapi/dnnl/dnnl.h>

#include "drivers/vedge/vedge_ops.h"
#include "drivers/vedge/vedge_ops_internal.h"

#define ROUNDS 7
#define TRIAL_MS 60.0
/* A case stops its rounds past this (a loaded machine), so the whole bench stays short. */
#define CASE_BUDGET_NS 5000000000ull

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static dnnl_engine_t eng;
static dnnl_stream_t strm;

/* One layer: its operands on both sides. */
struct conv_case {
	const char *name;
	uint32_t h, w, c, oc, k, pad;
	struct vedge_fmap ifm, ofm;
	struct vedge_window win;
	struct vedge_scale_entry *scales;
	struct vedge_act act;
	int8_t *src, *wei, *dst, *base_dst;
	float *oscales;
	dnnl_primitive_t prim;
	dnnl_memory_t m_src, m_wei, m_dst;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fprintf(stderr, "bench_vedge_conv: out of memory for %zu bytes\n", n);
		exit(1);
	}
	return p;
}

static void run_vedge(void *arg, long iters)
{
	struct conv_case *cc = arg;

	for (long i = 0; i < iters; i++)
		if (vedge_op_conv2d(&cc->ifm, &cc->ofm, &cc->win, cc->wei, cc->scales, &cc->act))
			abort();
}

static void run_dnnl(void *arg, long iters)
{
	struct conv_case *cc = arg;
	dnnl_exec_arg_t args[3] = { { DNNL_ARG_SRC, cc->m_src }, { DNNL_ARG_WEIGHTS, cc->m_wei },
				    { DNNL_ARG_DST, cc->m_dst } };

	for (long i = 0; i < iters; i++)
		if (dnnl_primitive_execute(cc->prim, strm, 3, args) || dnnl_stream_wait(strm))
			abort();
}

/* The baseline primitive and its weights, reordered once from OHWI. */
static void dnnl_setup(struct conv_case *cc)
{
	dnnl_memory_desc_t s_md, w_md, d_md, ohwi;
	dnnl_primitive_desc_t pd, rpd;
	dnnl_convolution_desc_t cvd;
	dnnl_primitive_attr_t attr;
	const dnnl_memory_desc_t *want;
	dnnl_primitive_t reorder;
	dnnl_memory_t user;
	int64_t p = cc->pad;

	dnnl_memory_desc_init_by_tag(&s_md, 4, (dnnl_dims_t){ 1, cc->c, cc->h, cc->w }, dnnl_s8,
				     dnnl_nhwc);
	dnnl_memory_desc_init_by_tag(&w_md, 4, (dnnl_dims_t){ cc->oc, cc->c, cc->k, cc->k },
				     dnnl_s8, dnnl_format_tag_any);
	dnnl_memory_desc_init_by_tag(&d_md, 4, (dnnl_dims_t){ 1, cc->oc, cc->h, cc->w }, dnnl_s8,
				     dnnl_nhwc);
	if (dnnl_convolution_forward_desc_init(&cvd, dnnl_forward_inference,
					       dnnl_convolution_direct, &s_md, &w_md, NULL, &d_md,
					       (dnnl_dims_t){ 1, 1 }, (dnnl_dims_t){ p, p },
					       (dnnl_dims_t){ p, p }) ||
	    dnnl_primitive_attr_create(&attr) ||
	    dnnl_primitive_attr_set_output_scales(attr, cc->oc, 1 << 1, cc->oscales) ||
	    dnnl_primitive_desc_create(&pd, &cvd, attr, eng, NULL) ||
	    dnnl_primitive_create(&cc->prim, pd))
		abort();
	want = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
	dnnl_memory_desc_init_by_tag(&ohwi, 4, w_md.dims, dnnl_s8, dnnl_ohwi);
	if (dnnl_memory_create(&user, &ohwi, eng, cc->wei) ||
	    dnnl_memory_create(&cc->m_wei, want, eng, DNNL_MEMORY_ALLOCATE) ||
	    dnnl_reorder_primitive_desc_create(&rpd, &ohwi, eng, want, eng, NULL) ||
	    dnnl_primitive_create(&reorder, rpd) ||
	    dnnl_primitive_execute(reorder, strm, 2,
				   (dnnl_exec_arg_t[]){ { DNNL_ARG_FROM, user },
							{ DNNL_ARG_TO, cc->m_wei } }) ||
	    dnnl_stream_wait(strm) ||
	    dnnl_memory_create(&cc->m_src, &s_md, eng, cc->src) ||
	    dnnl_memory_create(&cc->m_dst, &d_md, eng, cc->base_dst))
		abort();
	dnnl_primitive_destroy(reorder);
	dnnl_primitive_desc_destroy(rpd);
	dnnl_memory_destroy(user);
	dnnl_primitive_desc_destroy(pd);
	dnnl_primitive_attr_destroy(attr);
}

static void case_setup(struct conv_case *cc)
{
	size_t in = (size_t)cc->h * cc->w * cc->c, out = (size_t)cc->h * cc->w * cc->oc;
	size_t wn = (size_t)cc->oc * cc->k * cc->k * cc->c, i;
	/* Scales that keep outputs spread over int8: about 1 / (4 sqrt(taps) * 64 * 64). */
	double taps = (double)cc->k * cc->k * cc->c, scale = 1.0 / (sqrt(taps) * 64.0 * 16.0);

	cc->src = xmalloc(in);
	cc->dst = xmalloc(out);
	cc->base_dst = xmalloc(out);
	cc->wei = xmalloc(wn);
	cc->scales = xmalloc(cc->oc * sizeof(*cc->scales));
	cc->oscales = xmalloc(cc->oc * sizeof(*cc->oscales));
	for (i = 0; i < in; i++)
		cc->src[i] = (int8_t)rnd();
	for (i = 0; i < wn; i++)
		cc->wei[i] = (int8_t)rnd();
	for (i = 0; i < cc->oc; i++) {
		double f = scale * (0.75 + (rnd() % 512) / 1024.0);
		int e;
		double m = frexp(f, &e); /* f = m * 2^e, m in [0.5, 1) */

		cc->scales[i].bias = 0;
		cc->scales[i].multiplier = (int32_t)llround(m * 2147483648.0);
		cc->scales[i].shift = e;
		/* The baseline's f32 scale is the same factor, M * 2^(s - 31). */
		cc->oscales[i] = (float)ldexp((double)cc->scales[i].multiplier, e - 31);
	}
	cc->ifm = (struct vedge_fmap){ cc->src, cc->h, cc->w, cc->c, cc->w * cc->c, cc->c, 0, 0, 0 };
	cc->ofm = (struct vedge_fmap){ cc->dst, cc->h, cc->w, cc->oc, cc->w * cc->oc, cc->oc, 0, 0, 0 };
	cc->win = (struct vedge_window){ cc->k, cc->k, 1, 1, 1, 1, cc->pad, cc->pad, cc->pad,
					 cc->pad };
	cc->act = (struct vedge_act){ -128, 127, NULL };
	dnnl_setup(cc);
}

static void case_free(struct conv_case *cc)
{
	dnnl_primitive_destroy(cc->prim);
	dnnl_memory_destroy(cc->m_src);
	dnnl_memory_destroy(cc->m_wei);
	dnnl_memory_destroy(cc->m_dst);
	free(cc->src);
	free(cc->dst);
	free(cc->base_dst);
	free(cc->wei);
	free(cc->scales);
	free(cc->oscales);
}

/* Both sides computed the layer: every output within 1 (the scales' rounding differs). */
static void case_check(struct conv_case *cc)
{
	size_t out = (size_t)cc->h * cc->w * cc->oc, i, spread = 0;

	run_vedge(cc, 1);
	run_dnnl(cc, 1);
	for (i = 0; i < out; i++) {
		if (abs(cc->dst[i] - cc->base_dst[i]) > 1) {
			fprintf(stderr, "bench_vedge_conv: %s: element %zu: vedge %d, oneDNN %d\n",
				cc->name, i, cc->dst[i], cc->base_dst[i]);
			exit(1);
		}
		spread += cc->dst[i] != 0;
	}
	if (spread < out / 2) {
		fprintf(stderr, "bench_vedge_conv: %s: outputs mostly 0, the check proves little\n",
			cc->name);
		exit(1);
	}
}

static double trial_ms(void (*fn)(void *arg, long iters), void *arg, long iters)
{
	uint64_t t0 = bench_now_ns();

	fn(arg, iters);
	return (double)(bench_now_ns() - t0) / 1e6 / (double)iters;
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

static void compare(struct conv_case *cc)
{
	double tv[ROUNDS], tb[ROUNDS], one;
	uint64_t deadline = bench_now_ns() + CASE_BUDGET_NS;
	struct bench_result v, b;
	int i, rounds = 0;
	long iters;

	/* Operations per trial from the best of a few warm runs of the slower side. */
	one = trial_ms(run_vedge, cc, 1);
	for (i = 0; i < 3; i++) {
		double t = trial_ms(run_vedge, cc, 1), u = trial_ms(run_dnnl, cc, 1);

		one = t < one ? t : one;
		one = u > one ? u : one;
	}
	iters = one > 0 ? (long)(TRIAL_MS / one) + 1 : 1;
	for (i = 0; i < ROUNDS && (i < 1 || bench_now_ns() < deadline); i++, rounds++) {
		if (i & 1) {
			tb[i] = trial_ms(run_dnnl, cc, iters);
			tv[i] = trial_ms(run_vedge, cc, iters);
		} else {
			tv[i] = trial_ms(run_vedge, cc, iters);
			tb[i] = trial_ms(run_dnnl, cc, iters);
		}
	}
	v = stats(tv, rounds);
	b = stats(tb, rounds);
	printf("BENCH %s|ms|%.3f|%.3f|%.3f|oneDNN int8 conv direct|%.3f|%.3f|>= 0.5\n", cc->name,
	       v.median, v.min, v.max, b.median, v.median > 0 ? b.median / v.median : 0.0);
	/* On a loaded machine the medians carry the load; the best trials show the code. */
	printf("# %s: best trials vedge %.3f ms, oneDNN %.3f ms, ratio %.3f\n", cc->name, v.min,
	       b.min, v.min > 0 ? b.min / v.min : 0.0);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct conv_case cases[] = {
		{ .name = "vedge conv3x3 56x56x64->64 s8", .h = 56, .w = 56, .c = 64, .oc = 64,
		  .k = 3, .pad = 1 },
		{ .name = "vedge conv1x1 28x28x128->256 s8", .h = 28, .w = 28, .c = 128, .oc = 256,
		  .k = 1, .pad = 0 },
		{ .name = "vedge conv3x3 28x28x1->32 s8", .h = 28, .w = 28, .c = 1, .oc = 32, .k = 3,
		  .pad = 1 },
	};
	size_t i;

	if (!getenv("OMP_NUM_THREADS")) {
		if (setenv("OMP_NUM_THREADS", "1", 1))
			abort();
		execv("/proc/self/exe", argv);
		fprintf(stderr, "bench_vedge_conv: cannot restart with OMP_NUM_THREADS=1\n");
		return 1;
	}
	printf("# threads: OMP_NUM_THREADS=%s on both sides\n", getenv("OMP_NUM_THREADS"));
	if (dnnl_engine_create(&eng, dnnl_cpu, 0) ||
	    dnnl_stream_create(&strm, eng, dnnl_stream_default_flags))
		abort();
	printf("# vedge CONV2D runs %s; patches up to %d bytes %s\n", vedge_gemm_available() ?
	       "im2col + oneDNN's exact int8 gemm (VNNI) + its own integer output stage" :
	       "its portable loops (no VNNI: oneDNN's int8 sums could saturate)",
	       VEDGE_DIRECT_MAX_K, vedge_direct_available() ?
	       "the direct AVX-512 path (no gemm)" : "the same (no AVX-512)");
	fflush(stdout);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (argc > 1 && !strstr(cases[i].name, argv[1]))
			continue;
		case_setup(&cases[i]);
		case_check(&cases[i]);
		compare(&cases[i]);
		case_free(&cases[i]);
	}
	dnnl_stream_destroy(strm);
	dnnl_engine_destroy(eng);
	return 0;
}
