// SPDX-License-Identifier: MIT
/*
 * vedge's int8 operations (drivers/vedge/vedge_ops.h): requantization's edge cases by hand,
 * small cases computed by hand, and every operation bit-exact against the independent
 * reference (vedge_ref.c) on random shapes: strides, padding, dilation, zero points, strided
 * feature maps, broadcasting, clamp and tables. The CONV2D and FULLY_CONNECTED tests run
 * both the fast path (vedge_op_*) and the portable one (vedge_*_plain).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "drivers/vedge/vedge_ops.h"
#include "drivers/vedge/vedge_ops_internal.h"
#include "vedge_ref.h"

/* ---------------------------------------------------------------------------------------- */
/* Deterministic random numbers (xorshift64*), so that a failure reproduces. */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Uniform in [lo, hi]. */
static int32_t rnd_in(int32_t lo, int32_t hi)
{
	return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

static void rnd_bytes(int8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (int8_t)rnd();
}

/* A multiplier in the valid range [2^30, 2^31), or 0 now and then. */
static int32_t rnd_mult(void)
{
	if (rnd() % 16 == 0)
		return 0;
	return (int32_t)((1u << 30) | (rnd() & ((1u << 30) - 1)));
}

/* ---------------------------------------------------------------------------------------- */
/* Feature maps: dense or with padding between pixels and rows (a slice of a larger map). */

struct map {
	struct vedge_fmap f;
	int8_t *mem;
	size_t size;
};

static void map_make(struct map *m, uint32_t h, uint32_t w, uint32_t c, int strided)
{
	uint32_t sx = c + (strided ? (uint32_t)rnd_in(0, 5) : 0);
	uint32_t sy = w * sx + (strided ? (uint32_t)rnd_in(0, 9) : 0);

	memset(m, 0, sizeof(*m));
	m->size = (size_t)(h - 1) * sy + (size_t)(w - 1) * sx + c;
	m->mem = malloc(m->size);
	assert_non_null(m->mem);
	rnd_bytes(m->mem, m->size);
	m->f.base = m->mem;
	m->f.h = h;
	m->f.w = w;
	m->f.c = c;
	m->f.stride_y = sy;
	m->f.stride_x = sx;
	m->f.zero_point = rnd_in(-128, 127);
	m->f.mult = rnd_mult();
	m->f.shift = rnd_in(-31, 31);
}

/* A copy of @m's layout over fresh memory holding the same bytes (gaps included). */
static void map_twin(struct map *t, const struct map *m)
{
	*t = *m;
	t->mem = malloc(m->size);
	assert_non_null(t->mem);
	memcpy(t->mem, m->mem, m->size);
	t->f.base = t->mem;
}

static void map_free(struct map *m)
{
	free(m->mem);
}

/* Outputs equal byte for byte, the gaps between elements untouched by both. */
static void assert_maps_equal(const struct map *a, const struct map *b)
{
	assert_int_equal(a->size, b->size);
	assert_memory_equal(a->mem, b->mem, a->size);
}

/*
 * Per-channel scales: with @right_only, the right shifts (s <= 0) real layers use (the
 * fast output stage's case); else now and then any shift (the general one's).
 */
static void scales_make(struct vedge_scale_entry *s, uint32_t n, int32_t bias_range,
			int right_only)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		s[i].bias = rnd_in(-bias_range, bias_range);
		s[i].multiplier = rnd_mult();
		s[i].shift = right_only || rnd() % 4 ? rnd_in(-31, 0) : rnd_in(-31, 31);
	}
}

/* An output stage: no clamp, a clamp, sometimes a table. */
static void act_make(struct vedge_act *act, int8_t *lut)
{
	int32_t a = rnd_in(-128, 127), b = rnd_in(-128, 127);

	act->min = -128;
	act->max = 127;
	act->lut = NULL;
	if (rnd() % 2) {
		act->min = a < b ? a : b;
		act->max = a < b ? b : a;
	}
	if (rnd() % 3 == 0) {
		rnd_bytes(lut, 256);
		act->lut = lut;
	}
}

static uint32_t out_size(uint32_t in, uint32_t k, uint32_t s, uint32_t d, uint32_t p0, uint32_t p1)
{
	return (in + p0 + p1 - ((k - 1) * d + 1)) / s + 1;
}

/* A random window whose output is at least 1x1 for an @h x @w input. */
static void window_make(struct vedge_window *win, uint32_t h, uint32_t w, int dilate)
{
	do {
		win->kh = (uint32_t)rnd_in(1, 5);
		win->kw = (uint32_t)rnd_in(1, 5);
		win->sy = (uint32_t)rnd_in(1, 3);
		win->sx = (uint32_t)rnd_in(1, 3);
		win->dy = dilate ? (uint32_t)rnd_in(1, 3) : 1;
		win->dx = dilate ? (uint32_t)rnd_in(1, 3) : 1;
		win->pad_top = (uint32_t)rnd_in(0, (int32_t)((win->kh - 1) * win->dy));
		win->pad_bottom = (uint32_t)rnd_in(0, (int32_t)((win->kh - 1) * win->dy));
		win->pad_left = (uint32_t)rnd_in(0, (int32_t)((win->kw - 1) * win->dx));
		win->pad_right = (uint32_t)rnd_in(0, (int32_t)((win->kw - 1) * win->dx));
	} while (h + win->pad_top + win->pad_bottom < (win->kh - 1) * win->dy + 1 ||
		 w + win->pad_left + win->pad_right < (win->kw - 1) * win->dx + 1);
}

static const struct vedge_act no_act = { -128, 127, NULL };

/* ---------------------------------------------------------------------------------------- */
/* Requantization. */

static void high_mul_rounds_a_positive_tie_up(void **state)
{
	(void)state;
	/* 1 * 2^30 / 2^31 = 0.5 and 3 * 2^30 / 2^31 = 1.5. */
	assert_int_equal(vedge_doubling_high_mul(1, 1 << 30), 1);
	assert_int_equal(vedge_doubling_high_mul(3, 1 << 30), 2);
}

static void high_mul_rounds_a_negative_tie_up_as_tflite(void **state)
{
	(void)state;
	/* -0.5 -> 0 and -1.5 -> -1: gemmlowp's nudge rounds ties towards +infinity. */
	assert_int_equal(vedge_doubling_high_mul(-1, 1 << 30), 0);
	assert_int_equal(vedge_doubling_high_mul(-3, 1 << 30), -1);
	/* Just past the tie goes down. */
	assert_int_equal(vedge_doubling_high_mul(-1, (1 << 30) + 1), -1);
}

static void high_mul_saturates_int32_min_squared(void **state)
{
	(void)state;
	assert_int_equal(vedge_doubling_high_mul(INT32_MIN, INT32_MIN), INT32_MAX);
	/* Its neighbours fit and are exact. */
	assert_int_equal(vedge_doubling_high_mul(INT32_MIN, INT32_MAX), INT32_MIN + 1);
	assert_int_equal(vedge_doubling_high_mul(INT32_MAX, INT32_MAX), INT32_MAX - 1);
}

static void divide_rounds_a_positive_tie_away_from_zero(void **state)
{
	(void)state;
	assert_int_equal(vedge_rounding_divide_pot(1, 1), 1);
	assert_int_equal(vedge_rounding_divide_pot(3, 1), 2);
	assert_int_equal(vedge_rounding_divide_pot(5, 2), 1);
	assert_int_equal(vedge_rounding_divide_pot(6, 2), 2);
}

static void divide_rounds_a_negative_tie_away_from_zero(void **state)
{
	(void)state;
	assert_int_equal(vedge_rounding_divide_pot(-1, 1), -1);
	assert_int_equal(vedge_rounding_divide_pot(-3, 1), -2);
	assert_int_equal(vedge_rounding_divide_pot(-5, 2), -1);
	assert_int_equal(vedge_rounding_divide_pot(-6, 2), -2);
}

static void divide_by_2_to_the_31(void **state)
{
	(void)state;
	assert_int_equal(vedge_rounding_divide_pot(INT32_MAX, 31), 1);
	assert_int_equal(vedge_rounding_divide_pot(INT32_MIN, 31), -1);
	assert_int_equal(vedge_rounding_divide_pot((1 << 30) - 1, 31), 0);
	assert_int_equal(vedge_rounding_divide_pot(-(1 << 30), 31), -1);
	assert_int_equal(vedge_rounding_divide_pot(-(1 << 30) + 1, 31), 0);
}

static void requant_factor_one_is_identity(void **state)
{
	static const int32_t accs[] = { 0, 1, -1, 127, -128, 123456, -987654, INT32_MAX / 2,
					INT32_MIN / 2 };
	size_t i;

	(void)state;
	/* M = 2^30, s = 1: the SCALE register's default, the factor 1.0. */
	for (i = 0; i < sizeof(accs) / sizeof(accs[0]); i++)
		assert_int_equal(vedge_requant(accs[i], 1 << 30, 1), accs[i]);
}

static void requant_by_a_half_rounds_both_signs_by_hand(void **state)
{
	(void)state;
	/* M = 2^30, s = 0: the factor 0.5. The high multiply's tie goes up. */
	assert_int_equal(vedge_requant(3, 1 << 30, 0), 2);
	assert_int_equal(vedge_requant(-3, 1 << 30, 0), -1);
	/* M = 2^30, s = -1: the factor 0.25; ties left to the shift go away from zero. */
	assert_int_equal(vedge_requant(6, 1 << 30, -1), 2);
	assert_int_equal(vedge_requant(-6, 1 << 30, -1), -2);
	assert_int_equal(vedge_requant(-2, 1 << 30, -1), -1);
}

static void requant_mult_zero_is_zero(void **state)
{
	int32_t s;

	(void)state;
	for (s = -31; s <= 31; s++) {
		assert_int_equal(vedge_requant(INT32_MAX, 0, s), 0);
		assert_int_equal(vedge_requant(INT32_MIN, 0, s), 0);
		assert_int_equal(vedge_requant(12345, 0, s), 0);
	}
}

static void requant_left_shift_saturates(void **state)
{
	(void)state;
	/* 2^30 << 31 saturates to INT32_MAX, then times 2^30 / 2^31: (2^31 - 1) / 2 rounds up. */
	assert_int_equal(vedge_requant(1 << 30, 1 << 30, 31), 1 << 30);
	assert_int_equal(vedge_requant(-(1 << 30), 1 << 30, 31), -(1 << 30));
	assert_int_equal(vedge_requant(INT32_MAX, INT32_MAX, 31), INT32_MAX - 1);
}

static void requant_every_shift_matches_reference(void **state)
{
	static const int32_t accs[] = { 0, 1, -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN,
					INT32_MIN + 1, 1 << 30, -(1 << 30), 65535, -65536 };
	static const int32_t mults[] = { 0, 1 << 30, (1 << 30) + 1, INT32_MAX, 1518500250 };
	size_t i, j;
	int32_t s;

	(void)state;
	for (s = -31; s <= 31; s++)
		for (i = 0; i < sizeof(accs) / sizeof(accs[0]); i++)
			for (j = 0; j < sizeof(mults) / sizeof(mults[0]); j++)
				assert_int_equal(vedge_requant(accs[i], mults[j], s),
						 ref_requant(accs[i], mults[j], s));
}

static void requant_random_matches_reference(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		/* Small accumulators make ties likely; large ones exercise saturation. */
		int32_t acc = rnd() % 2 ? (int32_t)rnd() : rnd_in(-4096, 4096);
		int32_t m = rnd() % 4 ? rnd_mult() : (int32_t)(rnd() & 0x7fffffff);
		int32_t s = rnd_in(-31, 31);

		assert_int_equal(vedge_requant(acc, m, s), ref_requant(acc, m, s));
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Small cases by hand. */

static void conv2d_one_pixel_by_hand(void **state)
{
	int8_t in[2] = { 3, -1 }, w[2] = { 2, 3 }, out[1] = { 0 };
	struct vedge_fmap ifm = { in, 1, 1, 2, 2, 2, 1, 0, 0 };
	struct vedge_fmap ofm = { out, 1, 1, 1, 1, 1, -3, 0, 0 };
	struct vedge_window win = { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 };
	struct vedge_scale_entry sc = { 10, 1 << 30, 1 };

	(void)state;
	/* 10 + (3 - 1) * 2 + (-1 - 1) * 3 = 8; factor 1; + (-3) = 5. */
	assert_int_equal(vedge_op_conv2d(&ifm, &ofm, &win, w, &sc, &no_act), 0);
	assert_int_equal(out[0], 5);
	out[0] = 0;
	assert_int_equal(vedge_conv2d_plain(&ifm, &ofm, &win, w, &sc, &no_act), 0);
	assert_int_equal(out[0], 5);
}

static void conv2d_padding_reads_the_zero_point(void **state)
{
	/* A 1x1 input under a 3x3 kernel with padding 1: only the centre tap counts. */
	int8_t in[1] = { 7 }, w[9] = { 100, 100, 100, 100, 2, 100, 100, 100, 100 }, out[1];
	struct vedge_fmap ifm = { in, 1, 1, 1, 1, 1, 5, 0, 0 };
	struct vedge_fmap ofm = { out, 1, 1, 1, 1, 1, 0, 0, 0 };
	struct vedge_window win = { 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 };
	struct vedge_scale_entry sc = { 0, 1 << 30, 1 };

	(void)state;
	assert_int_equal(vedge_op_conv2d(&ifm, &ofm, &win, w, &sc, &no_act), 0);
	assert_int_equal(out[0], (7 - 5) * 2);
}

static void output_clamps_then_applies_the_table(void **state)
{
	int8_t in[1] = { 100 }, w[1] = { 1 }, out[1], lut[256];
	struct vedge_fmap ifm = { in, 1, 1, 1, 1, 1, 0, 0, 0 };
	struct vedge_fmap ofm = { out, 1, 1, 1, 1, 1, 0, 0, 0 };
	struct vedge_window win = { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 };
	struct vedge_scale_entry sc = { 0, 1 << 30, 1 };
	struct vedge_act act = { -10, 20, lut };
	int i;

	(void)state;
	for (i = 0; i < 256; i++)
		lut[i] = (int8_t)(i - 128 - 1);
	/* 100 clamps to 20; the table maps 20 to 19. */
	assert_int_equal(vedge_op_conv2d(&ifm, &ofm, &win, w, &sc, &act), 0);
	assert_int_equal(out[0], 19);
}

static void accumulator_wraps_modulo_2_to_the_32(void **state)
{
	/* A 3x3x8000 input under a 3x3 kernel: 72 000 taps of 255 * 127 overflow 32 bits. */
	const uint32_t c = 8000;
	size_t k = 9 * (size_t)c;
	int8_t *in = malloc(k), *w = malloc(2 * k), out[2], ref[2];
	struct vedge_fmap ifm = { in, 3, 3, c, 3 * c, c, -128, 0, 0 };
	struct vedge_fmap ofm = { out, 1, 1, 2, 2, 2, 0, 0, 0 };
	struct vedge_fmap rfm = { ref, 1, 1, 2, 2, 2, 0, 0, 0 };
	struct vedge_window win = { 3, 3, 1, 1, 1, 1, 0, 0, 0, 0 };
	struct vedge_scale_entry sc[2] = { { 0, 1 << 30, -24 }, { 5, 1 << 30, -20 } };

	(void)state;
	assert_non_null(in);
	assert_non_null(w);
	memset(in, 127, k);
	memset(w, 127, 2 * k);
	ref_conv2d(&ifm, &rfm, &win, w, sc, &no_act);
	/* 72 000 * 255 * 127 = 2 331 720 000 wraps to -1 963 247 296; / 2^25 = -58.5 -> -59. */
	assert_int_equal(ref[0], -59);
	assert_int_equal(vedge_op_conv2d(&ifm, &ofm, &win, w, sc, &no_act), 0);
	assert_memory_equal(out, ref, 2);
	memset(out, 0, 2);
	assert_int_equal(vedge_conv2d_plain(&ifm, &ofm, &win, w, sc, &no_act), 0);
	assert_memory_equal(out, ref, 2);
	free(in);
	free(w);
}

static void avgpool_rounds_ties_away_from_zero(void **state)
{
	int8_t in[4] = { 1, -1, 2, -2 }, out[2];
	/* 1x2x2: channel 0 holds 1, 2 (mean 1.5), channel 1 holds -1, -2 (mean -1.5). */
	struct vedge_fmap ifm = { in, 1, 2, 2, 4, 2, 0, 0, 0 };
	struct vedge_fmap ofm = { out, 1, 1, 2, 2, 2, 0, 0, 0 };
	struct vedge_window win = { 1, 2, 1, 1, 1, 1, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(vedge_op_avgpool(&ifm, &ofm, &win, &no_act), 0);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], -2);
}

static void pooling_excludes_padding(void **state)
{
	int8_t in[1] = { -100 }, out[1];
	struct vedge_fmap ifm = { in, 1, 1, 1, 1, 1, 50, 0, 0 };
	struct vedge_fmap ofm = { out, 1, 1, 1, 1, 1, 50, 0, 0 };
	struct vedge_window win = { 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 };

	(void)state;
	/* Padding is neither a larger maximum nor part of the mean. */
	assert_int_equal(vedge_op_maxpool(&ifm, &ofm, &win, &no_act), 0);
	assert_int_equal(out[0], -100);
	assert_int_equal(vedge_op_avgpool(&ifm, &ofm, &win, &no_act), 0);
	assert_int_equal(out[0], -100);
}

static void add_by_hand(void **state)
{
	int8_t a[1] = { 10 }, b[1] = { -4 }, out[1];
	/* Inputs scaled by 2^-20 (M = 2^30, s = -19) undo the << 20; output factor 1. */
	struct vedge_fmap ifm = { a, 1, 1, 1, 1, 1, 2, 1 << 30, -19 };
	struct vedge_fmap ifm2 = { b, 1, 1, 1, 1, 1, -1, 1 << 30, -19 };
	struct vedge_fmap ofm = { out, 1, 1, 1, 1, 1, 3, 1 << 30, 1 };

	(void)state;
	/* (10 - 2) + (-4 + 1) + 3 = 8. */
	assert_int_equal(vedge_op_add(&ifm, &ifm2, &ofm, &no_act), 0);
	assert_int_equal(out[0], 8);
}

static void mul_by_hand_with_a_scalar(void **state)
{
	int8_t a[3] = { 1, 2, 3 }, b[1] = { 5 }, out[3];
	struct vedge_fmap ifm = { a, 1, 1, 3, 3, 3, 0, 0, 0 };
	struct vedge_fmap ifm2 = { b, 1, 1, 1, 1, 1, 1, 0, 0 };
	/* Output factor 0.5 (M = 2^30, s = 0): 4, 8, 12 halved. */
	struct vedge_fmap ofm = { out, 1, 1, 3, 3, 3, -1, 1 << 30, 0 };

	(void)state;
	assert_int_equal(vedge_op_mul(&ifm, &ifm2, &ofm, &no_act), 0);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 3);
	assert_int_equal(out[2], 5);
}

static void lut_maps_every_byte(void **state)
{
	int8_t in[256], out[256], lut[256];
	struct vedge_fmap ifm = { in, 1, 256, 1, 256, 1, 0, 0, 0 };
	struct vedge_fmap ofm = { out, 1, 256, 1, 256, 1, 0, 0, 0 };
	int i;

	(void)state;
	for (i = 0; i < 256; i++) {
		in[i] = (int8_t)(i - 128);
		lut[i] = (int8_t)(127 - i);
	}
	assert_int_equal(vedge_op_lut(&ifm, &ofm, lut), 0);
	for (i = 0; i < 256; i++)
		assert_int_equal(out[i], (int8_t)(127 - i));
}

/* ---------------------------------------------------------------------------------------- */
/* Random shapes against the reference. */

typedef int (*conv_fn)(const struct vedge_fmap *, const struct vedge_fmap *,
		       const struct vedge_window *, const int8_t *,
		       const struct vedge_scale_entry *, const struct vedge_act *);

static void conv_random(conv_fn fn, int depthwise, int iterations)
{
	int it;

	for (it = 0; it < iterations; it++) {
		uint32_t h = (uint32_t)rnd_in(1, 12), w = (uint32_t)rnd_in(1, 12);
		uint32_t ci = (uint32_t)rnd_in(1, 40), co = depthwise ? ci : (uint32_t)rnd_in(1, 40);
		struct vedge_window win;
		struct vedge_scale_entry *sc;
		struct map in, out, ref;
		struct vedge_act act;
		int8_t lut[256], *wt;
		size_t wn;

		window_make(&win, h, w, 1);
		map_make(&in, h, w, ci, rnd() % 2);
		map_make(&out, out_size(h, win.kh, win.sy, win.dy, win.pad_top, win.pad_bottom),
			 out_size(w, win.kw, win.sx, win.dx, win.pad_left, win.pad_right), co,
			 rnd() % 2);
		map_twin(&ref, &out);
		wn = (size_t)win.kh * win.kw * ci * (depthwise ? 1 : co);
		wt = malloc(wn);
		sc = malloc(co * sizeof(*sc));
		assert_non_null(wt);
		assert_non_null(sc);
		rnd_bytes(wt, wn);
		scales_make(sc, co, 1 << 16, it % 2);
		act_make(&act, lut);
		assert_int_equal(fn(&in.f, &out.f, &win, wt, sc, &act), 0);
		if (depthwise)
			ref_depthwise_conv2d(&in.f, &ref.f, &win, wt, sc, &act);
		else
			ref_conv2d(&in.f, &ref.f, &win, wt, sc, &act);
		assert_maps_equal(&out, &ref);
		free(wt);
		free(sc);
		map_free(&in);
		map_free(&out);
		map_free(&ref);
	}
}

static void conv2d_random_matches_reference(void **state)
{
	(void)state;
	conv_random(vedge_op_conv2d, 0, 150);
}

static void conv2d_plain_random_matches_reference(void **state)
{
	(void)state;
	conv_random(vedge_conv2d_plain, 0, 100);
}

/* The im2col + oneDNN gemm path on every shape (vedge_op_conv2d() sends small patches to
 * the direct path). */
static void conv2d_gemm_random_matches_reference(void **state)
{
	(void)state;
	if (!vedge_gemm_available())
		skip();
	conv_random(vedge_conv2d_gemm, 0, 100);
}

/* The direct (vpmaddwd) path on every shape, small patches or not. */
static void conv2d_direct_random_matches_reference(void **state)
{
	(void)state;
	if (!vedge_direct_available())
		skip();
	conv_random(vedge_conv2d_direct, 0, 100);
}

/* A first layer larger than one block of the direct path (several blocks, odd patch). */
static void conv2d_direct_in_blocks_matches_reference(void **state)
{
	int it;

	(void)state;
	if (!vedge_direct_available())
		skip();
	for (it = 0; it < 6; it++) {
		uint32_t h = (uint32_t)rnd_in(17, 40), w = (uint32_t)rnd_in(17, 40);
		uint32_t ci = (uint32_t)rnd_in(1, 3), co = (uint32_t)rnd_in(1, 40);
		struct vedge_window win = { 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 };
		struct vedge_scale_entry *sc = malloc(co * sizeof(*sc));
		size_t wn = 9 * (size_t)ci * co;
		int8_t *wt = malloc(wn), lut[256];
		struct map in, out, ref;
		struct vedge_act act;

		assert_non_null(sc);
		assert_non_null(wt);
		assert_true((uint64_t)h * w > VEDGE_DIRECT_ROWS);
		map_make(&in, h, w, ci, rnd() % 2);
		map_make(&out, h, w, co, rnd() % 2);
		map_twin(&ref, &out);
		rnd_bytes(wt, wn);
		scales_make(sc, co, 1 << 16, it % 2);
		act_make(&act, lut);
		assert_int_equal(vedge_op_conv2d(&in.f, &out.f, &win, wt, sc, &act), 0);
		ref_conv2d(&in.f, &ref.f, &win, wt, sc, &act);
		assert_maps_equal(&out, &ref);
		free(wt);
		free(sc);
		map_free(&in);
		map_free(&out);
		map_free(&ref);
	}
}

static void depthwise_random_matches_reference(void **state)
{
	(void)state;
	conv_random(vedge_op_depthwise_conv2d, 1, 150);
}

/* 1x1, stride 1, no padding: the gemm reads the IFM in place when its rows are dense. */
static void conv2d_pointwise_random_matches_reference(void **state)
{
	int it;

	(void)state;
	for (it = 0; it < 60; it++) {
		uint32_t h = (uint32_t)rnd_in(1, 12), w = (uint32_t)rnd_in(1, 12);
		uint32_t ci = (uint32_t)rnd_in(1, 70), co = (uint32_t)rnd_in(1, 70);
		struct vedge_window win = { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 };
		struct vedge_scale_entry *sc = malloc(co * sizeof(*sc));
		int8_t *wt = malloc((size_t)ci * co), lut[256];
		struct map in, out, ref;
		struct vedge_act act;

		assert_non_null(sc);
		assert_non_null(wt);
		/* Dense, pixels apart (rows still follow rows), or rows apart too. */
		map_make(&in, h, w, ci, it % 3 != 0);
		if (it % 3 == 1) {
			in.f.stride_y = w * in.f.stride_x;
			in.size = (size_t)(h - 1) * in.f.stride_y + (size_t)(w - 1) * in.f.stride_x + ci;
		}
		map_make(&out, h, w, co, rnd() % 2);
		map_twin(&ref, &out);
		rnd_bytes(wt, (size_t)ci * co);
		scales_make(sc, co, 1 << 16, it % 2);
		act_make(&act, lut);
		assert_int_equal(vedge_op_conv2d(&in.f, &out.f, &win, wt, sc, &act), 0);
		ref_conv2d(&in.f, &ref.f, &win, wt, sc, &act);
		assert_maps_equal(&out, &ref);
		free(wt);
		free(sc);
		map_free(&in);
		map_free(&out);
		map_free(&ref);
	}
}

/* A layer split into several products (small blocks) gives the same bytes. */
static void conv2d_in_blocks_matches_reference(void **state)
{
	size_t saved = vedge_gemm_block_bytes;
	int it;

	(void)state;
	for (it = 0; it < 20; it++) {
		uint32_t h = (uint32_t)rnd_in(4, 14), w = (uint32_t)rnd_in(4, 14);
		uint32_t ci = (uint32_t)rnd_in(1, 20), co = (uint32_t)rnd_in(1, 40);
		struct vedge_scale_entry *sc = malloc(co * sizeof(*sc));
		struct vedge_window win;
		struct map in, out, ref;
		int8_t *wt;
		size_t wn;

		assert_non_null(sc);
		window_make(&win, h, w, 0);
		if (it % 2)
			win = (struct vedge_window){ 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 };
		map_make(&in, h, w, ci, 0);
		map_make(&out, out_size(h, win.kh, win.sy, win.dy, win.pad_top, win.pad_bottom),
			 out_size(w, win.kw, win.sx, win.dx, win.pad_left, win.pad_right), co, 0);
		map_twin(&ref, &out);
		wn = (size_t)win.kh * win.kw * ci * co;
		wt = malloc(wn);
		assert_non_null(wt);
		rnd_bytes(wt, wn);
		scales_make(sc, co, 1 << 16, 1);
		/* A few pixels per block: 3..7 rows of A and accumulators. */
		vedge_gemm_block_bytes = (size_t)rnd_in(3, 7) * (win.kh * win.kw * ci + 4 * co);
		assert_int_equal(vedge_op_conv2d(&in.f, &out.f, &win, wt, sc, &no_act), 0);
		vedge_gemm_block_bytes = saved;
		ref_conv2d(&in.f, &ref.f, &win, wt, sc, &no_act);
		assert_maps_equal(&out, &ref);
		free(wt);
		free(sc);
		map_free(&in);
		map_free(&out);
		map_free(&ref);
	}
}

/* Accumulators beyond 2^24 (where a float epilogue would round) stay exact. */
static void conv2d_large_accumulators_match_reference(void **state)
{
	int it;

	(void)state;
	for (it = 0; it < 6; it++) {
		uint32_t ci = (uint32_t)rnd_in(200, 300), co = (uint32_t)rnd_in(1, 70);
		struct vedge_window win = { 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 };
		struct vedge_scale_entry *sc = malloc(co * sizeof(*sc));
		size_t wn = 9 * (size_t)ci * co, i;
		int8_t *wt = malloc(wn);
		struct map in, out, ref;

		assert_non_null(sc);
		assert_non_null(wt);
		map_make(&in, 5, 6, ci, 0);
		map_make(&out, 5, 6, co, 0);
		map_twin(&ref, &out);
		/* Extreme values: products near 255 * 128, sums near 2^26. */
		in.f.zero_point = it % 2 ? 127 : -128;
		for (i = 0; i < in.size; i++)
			in.mem[i] = (int8_t)(rnd() % 8 ? -in.f.zero_point - 1 : (int8_t)rnd());
		for (i = 0; i < wn; i++)
			wt[i] = (int8_t)(rnd() % 8 ? (it % 2 ? -128 : 127) : (int8_t)rnd());
		for (i = 0; i < co; i++) {
			sc[i].bias = rnd_in(-100, 100);
			sc[i].multiplier = rnd_mult() | (1 << 30);
			/* Keep one unit of the accumulator visible: s = -20 leaves 2^26 / 2^21. */
			sc[i].shift = rnd() % 2 ? -20 : 0;
		}
		assert_int_equal(vedge_op_conv2d(&in.f, &out.f, &win, wt, sc, &no_act), 0);
		ref_conv2d(&in.f, &ref.f, &win, wt, sc, &no_act);
		assert_maps_equal(&out, &ref);
		free(wt);
		free(sc);
		map_free(&in);
		map_free(&out);
		map_free(&ref);
	}
}

static void fc_random(int plain)
{
	int it;

	for (it = 0; it < 100; it++) {
		uint32_t ci = (uint32_t)rnd_in(1, 600), co = (uint32_t)rnd_in(1, 90);
		struct vedge_scale_entry *sc = malloc(co * sizeof(*sc));
		int8_t *wt = malloc((size_t)ci * co), lut[256];
		struct map in, out, ref;
		struct vedge_act act;

		assert_non_null(sc);
		assert_non_null(wt);
		map_make(&in, 1, 1, ci, 0);
		map_make(&out, 1, 1, co, 0);
		map_twin(&ref, &out);
		rnd_bytes(wt, (size_t)ci * co);
		scales_make(sc, co, 1 << 20, it % 2);
		act_make(&act, lut);
		if (plain)
			assert_int_equal(vedge_fully_connected_plain(&in.f, &out.f, wt, sc, &act), 0);
		else
			assert_int_equal(vedge_op_fully_connected(&in.f, &out.f, wt, sc, &act), 0);
		ref_fully_connected(&in.f, &ref.f, wt, sc, &act);
		assert_maps_equal(&out, &ref);
		free(wt);
		free(sc);
		map_free(&in);
		map_free(&out);
		map_free(&ref);
	}
}

static void fully_connected_random_matches_reference(void **state)
{
	(void)state;
	fc_random(0);
}

static void fully_connected_plain_random_matches_reference(void **state)
{
	(void)state;
	fc_random(1);
}

static void pool_random(int avg)
{
	int it;

	for (it = 0; it < 200; it++) {
		uint32_t h = (uint32_t)rnd_in(1, 12), w = (uint32_t)rnd_in(1, 12);
		uint32_t c = (uint32_t)rnd_in(1, 20);
		struct vedge_window win;
		struct map in, out, ref;
		struct vedge_act act;
		int8_t lut[256];

		window_make(&win, h, w, 1);
		map_make(&in, h, w, c, rnd() % 2);
		map_make(&out, out_size(h, win.kh, win.sy, win.dy, win.pad_top, win.pad_bottom),
			 out_size(w, win.kw, win.sx, win.dx, win.pad_left, win.pad_right), c,
			 rnd() % 2);
		map_twin(&ref, &out);
		act_make(&act, lut);
		if (avg)
			assert_int_equal(vedge_op_avgpool(&in.f, &out.f, &win, &act), 0);
		else
			assert_int_equal(vedge_op_maxpool(&in.f, &out.f, &win, &act), 0);
		ref_pool(&in.f, &ref.f, &win, &act, avg);
		assert_maps_equal(&out, &ref);
		map_free(&in);
		map_free(&out);
		map_free(&ref);
	}
}

static void maxpool_random_matches_reference(void **state)
{
	(void)state;
	pool_random(0);
}

static void avgpool_random_matches_reference(void **state)
{
	(void)state;
	pool_random(1);
}

enum bcast { BCAST_FULL, BCAST_CHANNEL, BCAST_SCALAR };

static void elementwise_random(int mul, enum bcast mode)
{
	int it;

	for (it = 0; it < 200; it++) {
		uint32_t h = (uint32_t)rnd_in(1, 9), w = (uint32_t)rnd_in(1, 9);
		uint32_t c = (uint32_t)rnd_in(1, 33);
		struct map a, b, out, ref;
		struct vedge_act act;
		int8_t lut[256];

		map_make(&a, h, w, c, rnd() % 2);
		if (mode == BCAST_FULL)
			map_make(&b, h, w, c, rnd() % 2);
		else
			map_make(&b, 1, 1, mode == BCAST_CHANNEL ? c : 1, 0);
		map_make(&out, h, w, c, rnd() % 2);
		/* Input scales near 2^-20 (what the << 20 asks for) keep sums in range. */
		if (!mul) {
			a.f.shift = rnd_in(-24, -14);
			b.f.shift = rnd_in(-24, -14);
			out.f.shift = rnd_in(-4, 6);
		} else {
			out.f.shift = rnd_in(-14, 0);
		}
		map_twin(&ref, &out);
		act_make(&act, lut);
		if (mul) {
			assert_int_equal(vedge_op_mul(&a.f, &b.f, &out.f, &act), 0);
			ref_mul(&a.f, &b.f, &ref.f, &act);
		} else {
			assert_int_equal(vedge_op_add(&a.f, &b.f, &out.f, &act), 0);
			ref_add(&a.f, &b.f, &ref.f, &act);
		}
		assert_maps_equal(&out, &ref);
		map_free(&a);
		map_free(&b);
		map_free(&out);
		map_free(&ref);
	}
}

static void add_full_random_matches_reference(void **state)
{
	(void)state;
	elementwise_random(0, BCAST_FULL);
}

static void add_per_channel_random_matches_reference(void **state)
{
	(void)state;
	elementwise_random(0, BCAST_CHANNEL);
}

static void add_scalar_random_matches_reference(void **state)
{
	(void)state;
	elementwise_random(0, BCAST_SCALAR);
}

static void add_saturating_scales_match_reference(void **state)
{
	int it;

	(void)state;
	/* Any shift: inputs that saturate, sums that saturate. */
	for (it = 0; it < 20; it++) {
		struct map a, b, out, ref;

		map_make(&a, 3, 4, 7, 1);
		map_make(&b, 3, 4, 7, 1);
		map_make(&out, 3, 4, 7, 1);
		a.f.shift = 31;
		b.f.shift = rnd_in(20, 31);
		map_twin(&ref, &out);
		assert_int_equal(vedge_op_add(&a.f, &b.f, &out.f, &no_act), 0);
		ref_add(&a.f, &b.f, &ref.f, &no_act);
		assert_maps_equal(&out, &ref);
		map_free(&a);
		map_free(&b);
		map_free(&out);
		map_free(&ref);
	}
}

static void mul_full_random_matches_reference(void **state)
{
	(void)state;
	elementwise_random(1, BCAST_FULL);
}

static void mul_per_channel_random_matches_reference(void **state)
{
	(void)state;
	elementwise_random(1, BCAST_CHANNEL);
}

static void mul_scalar_random_matches_reference(void **state)
{
	(void)state;
	elementwise_random(1, BCAST_SCALAR);
}

static void lut_random_matches_reference(void **state)
{
	int it;

	(void)state;
	for (it = 0; it < 100; it++) {
		uint32_t h = (uint32_t)rnd_in(1, 9), w = (uint32_t)rnd_in(1, 9);
		uint32_t c = (uint32_t)rnd_in(1, 33);
		struct map in, out, ref;
		int8_t lut[256];

		map_make(&in, h, w, c, rnd() % 2);
		map_make(&out, h, w, c, rnd() % 2);
		map_twin(&ref, &out);
		rnd_bytes(lut, sizeof(lut));
		assert_int_equal(vedge_op_lut(&in.f, &out.f, lut), 0);
		ref_lut(&in.f, &ref.f, lut);
		assert_maps_equal(&out, &ref);
		map_free(&in);
		map_free(&out);
		map_free(&ref);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(high_mul_rounds_a_positive_tie_up),
		cmocka_unit_test(high_mul_rounds_a_negative_tie_up_as_tflite),
		cmocka_unit_test(high_mul_saturates_int32_min_squared),
		cmocka_unit_test(divide_rounds_a_positive_tie_away_from_zero),
		cmocka_unit_test(divide_rounds_a_negative_tie_away_from_zero),
		cmocka_unit_test(divide_by_2_to_the_31),
		cmocka_unit_test(requant_factor_one_is_identity),
		cmocka_unit_test(requant_by_a_half_rounds_both_signs_by_hand),
		cmocka_unit_test(requant_mult_zero_is_zero),
		cmocka_unit_test(requant_left_shift_saturates),
		cmocka_unit_test(requant_every_shift_matches_reference),
		cmocka_unit_test(requant_random_matches_reference),
		cmocka_unit_test(conv2d_one_pixel_by_hand),
		cmocka_unit_test(conv2d_padding_reads_the_zero_point),
		cmocka_unit_test(output_clamps_then_applies_the_table),
		cmocka_unit_test(accumulator_wraps_modulo_2_to_the_32),
		cmocka_unit_test(avgpool_rounds_ties_away_from_zero),
		cmocka_unit_test(pooling_excludes_padding),
		cmocka_unit_test(add_by_hand),
		cmocka_unit_test(mul_by_hand_with_a_scalar),
		cmocka_unit_test(lut_maps_every_byte),
		cmocka_unit_test(conv2d_random_matches_reference),
		cmocka_unit_test(conv2d_plain_random_matches_reference),
		cmocka_unit_test(conv2d_gemm_random_matches_reference),
		cmocka_unit_test(conv2d_direct_random_matches_reference),
		cmocka_unit_test(conv2d_direct_in_blocks_matches_reference),
		cmocka_unit_test(conv2d_pointwise_random_matches_reference),
		cmocka_unit_test(conv2d_in_blocks_matches_reference),
		cmocka_unit_test(conv2d_large_accumulators_match_reference),
		cmocka_unit_test(depthwise_random_matches_reference),
		cmocka_unit_test(fully_connected_random_matches_reference),
		cmocka_unit_test(fully_connected_plain_random_matches_reference),
		cmocka_unit_test(maxpool_random_matches_reference),
		cmocka_unit_test(avgpool_random_matches_reference),
		cmocka_unit_test(add_full_random_matches_reference),
		cmocka_unit_test(add_per_channel_random_matches_reference),
		cmocka_unit_test(add_scalar_random_matches_reference),
		cmocka_unit_test(add_saturating_scales_match_reference),
		cmocka_unit_test(mul_full_random_matches_reference),
		cmocka_unit_test(mul_per_channel_random_matches_reference),
		cmocka_unit_test(mul_scalar_random_matches_reference),
		cmocka_unit_test(lut_random_matches_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
