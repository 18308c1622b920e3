// SPDX-License-Identifier: MIT
/*
 * Single-precision vector kernels (vec_f32.h). Each loop works on 16 floats (one v16f) at a
 * time; the remainder of a row goes through the same vector code (the functions, padded into
 * one vector) or the same sums in the same order (the product). The compiler lowers a v16f to one AVX-512
 * register, two AVX ones or four SSE ones; with GCC on x86-64 each kernel is cloned for those
 * three levels and the dynamic loader picks the CPU's (target_clones), elsewhere it is built
 * once for the target's baseline. Not under ThreadSanitizer: the clones' resolvers run while
 * the loader relocates, before TSan's runtime is initialised, and GCC instruments them (a
 * crash at start-up of every program linking the compiler).
 */
#include <string.h>

#include "compiler/ops/vec_f32.h"

/*
 * The v16f helpers below are static and always inlined, so no call passes a vector across an
 * ABI boundary: clang's -Wpsabi (an AVX-512 vector passed by value without avx512f) does not
 * apply to them, and would fail a -Werror build of the fuzzers.
 */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef uint32_t v16u __attribute__((vector_size(64)));

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) && \
	!defined(__SANITIZE_THREAD__)
#define VEC_F32_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VEC_F32_CLONES
#endif
#define VEC_INLINE static inline __attribute__((always_inline))
#if defined(__GNUC__) && !defined(__clang__)
/*
 * GCC warns that a v16f passed by value has another ABI without AVX-512: the helpers taking
 * one are always inlined, so no call passes one.
 */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

VEC_INLINE v16f vload(const float *p)
{
	v16f v;

	memcpy(&v, p, sizeof(v));
	return v;
}

VEC_INLINE void vstore(float *p, v16f v)
{
	memcpy(p, &v, sizeof(v));
}

VEC_INLINE v16f vsplat(float s)
{
	return (v16f){ 0 } + s;
}

/* Lane by lane @m ? @a : @b, @m all ones or all zeros per lane (a vector comparison). */
VEC_INLINE v16f vselect(v16i m, v16f a, v16f b)
{
	return (v16f)((m & (v16i)a) | (~m & (v16i)b));
}

/*
 * e^x: x clamped to [-87, 88] (e^x stays a normal float, and NaN is kept by the clamps'
 * comparisons, which are false for it), then x = n ln 2 + r with |r| <= ln 2 / 2 (n rounded
 * to nearest by the 1.5 * 2^23 shift, ln 2 in two parts so that r is exact to float), e^r by
 * its Taylor polynomial to degree 7 (truncation below 1e-8 relative), and 2^n put into the
 * exponent field.
 */
VEC_INLINE v16f vexp(v16f x)
{
	const v16f shift = vsplat(12582912.0f);
	v16f t, n, r, p;
	v16u e;

	x = vselect(x > 88.0f, vsplat(88.0f), x);
	x = vselect(x < -87.0f, vsplat(-87.0f), x);
	t = x * 1.44269504088896341f;
	n = (t + shift) - shift;
	r = x - n * 0.693145751953125f;
	r = r - n * 1.428606765330187045e-06f;
	p = vsplat(1.0f / 5040);
	p = p * r + 1.0f / 720;
	p = p * r + 1.0f / 120;
	p = p * r + 1.0f / 24;
	p = p * r + 1.0f / 6;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	/* unsigned: a NaN's conversion may be negative, which a signed shift must not see */
	e = (v16u)(__builtin_convertvector(n, v16i) + 127) << 23;
	return p * (v16f)e;
}

VEC_INLINE v16f vsigmoid(v16f x)
{
	return 1.0f / (1.0f + vexp(-x));
}

VEC_INLINE v16f vtanh(v16f x)
{
	return 1.0f - 2.0f / (vexp(x + x) + 1.0f);
}

/* The last @n (< 16) elements at @v, padded with zeros into one vector and back. */
VEC_INLINE v16f tail_load(const float *v, int64_t n)
{
	float buf[16] = { 0 };

	memcpy(buf, v, (size_t)n * sizeof(*v));
	return vload(buf);
}

VEC_INLINE void tail_store(float *v, int64_t n, v16f x)
{
	float buf[16];

	vstore(buf, x);
	memcpy(v, buf, (size_t)n * sizeof(*v));
}

VEC_F32_CLONES void vec_f32_sigmoid(float *v, int64_t n)
{
	int64_t i = 0;

	for (; i + 16 <= n; i += 16)
		vstore(v + i, vsigmoid(vload(v + i)));
	if (i < n)
		tail_store(v + i, n - i, vsigmoid(tail_load(v + i, n - i)));
}

VEC_F32_CLONES void vec_f32_tanh(float *v, int64_t n)
{
	int64_t i = 0;

	for (; i + 16 <= n; i += 16)
		vstore(v + i, vtanh(vload(v + i)));
	if (i < n)
		tail_store(v + i, n - i, vtanh(tail_load(v + i, n - i)));
}

/* Lanes @... of the 32 of @a then @b (both v16f): __builtin_shufflevector (GCC 12, clang). */
#define VSHUF(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)

/*
 * The sums of the 16 lanes of each of @a[0..15], as one vector (lane r: the sum of @a[r]):
 * halving trees that add a pair of vectors' halves at each level, so that 15 shuffle pairs
 * and adds replace 16 lane-by-lane reductions.
 */
VEC_INLINE v16f hsum16(const v16f *a)
{
	v16f b[8], c[4], d[2];

	for (int i = 0; i < 8; i++)
		b[i] = VSHUF(a[2 * i], a[2 * i + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21,
			     22, 23) +
		       VSHUF(a[2 * i], a[2 * i + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27,
			     28, 29, 30, 31);
	for (int i = 0; i < 4; i++)
		c[i] = VSHUF(b[2 * i], b[2 * i + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24,
			     25, 26, 27) +
		       VSHUF(b[2 * i], b[2 * i + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28,
			     29, 30, 31);
	for (int i = 0; i < 2; i++)
		d[i] = VSHUF(c[2 * i], c[2 * i + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24,
			     25, 28, 29) +
		       VSHUF(c[2 * i], c[2 * i + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26,
			     27, 30, 31);
	return VSHUF(d[0], d[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
	       VSHUF(d[0], d[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/*
 * C += A B^T, B's rows contiguous: 16 rows of B (16 columns of C) at a time, whose block stays
 * in the first-level cache while every row of A goes over it: each of the 16 products' lanes
 * in an accumulator of its own while one load of A's row serves all 16, then their 16 lane
 * sums at once (hsum16()); B's rows past the last 16 one by one, their lanes summed in order.
 */
VEC_F32_CLONES void vec_f32_matmul_nt_acc(int64_t m, int64_t n, int64_t k, const float *a,
					  int64_t lda, const float *b, float *c, int64_t ldc)
{
	int64_t j0 = 0, kv = k & ~(int64_t)15;

	for (; j0 + 16 <= n; j0 += 16) {
		const float *bj = b + j0 * k;

		for (int64_t i = 0; i < m; i++) {
			const float *ai = a + i * lda;
			v16f acc[16];

			/* unrolled, so that the accumulators stay in registers */
#pragma GCC unroll 16
			for (int j = 0; j < 16; j++)
				acc[j] = vsplat(0);
			for (int64_t kk = 0; kk < kv; kk += 16) {
				v16f av = vload(ai + kk);
				/* one pointer stepped down the rows: no register per row */
				const float *bk = bj + kk;

#pragma GCC unroll 16
				for (int j = 0; j < 16; j++, bk += k)
					acc[j] += vload(bk) * av;
			}
			if (kv < k) {
				v16f av = tail_load(ai + kv, k - kv);

				for (int j = 0; j < 16; j++)
					acc[j] += tail_load(bj + j * k + kv, k - kv) * av;
			}
			vstore(c + i * ldc + j0, vload(c + i * ldc + j0) + hsum16(acc));
		}
	}
	for (; j0 < n; j0++) {
		const float *bj = b + j0 * k;

		for (int64_t i = 0; i < m; i++) {
			const float *ai = a + i * lda;
			v16f acc = vsplat(0);
			float sum = 0;

			for (int64_t kk = 0; kk < kv; kk += 16)
				acc += vload(bj + kk) * vload(ai + kk);
			if (kv < k)
				acc += tail_load(bj + kv, k - kv) * tail_load(ai + kv, k - kv);
			for (int l = 0; l < 16; l++)
				sum += acc[l];
			c[i * ldc + j0] += sum;
		}
	}
}
