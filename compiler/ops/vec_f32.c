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

/*
 * One row of C (@n columns; B's rows @ldb apart): four vectors of columns (64) at a time held
 * in registers across the whole k loop, so that each step is four loads of B and four
 * multiply-adds; then single vectors, then single columns.
 */
VEC_INLINE void row_acc(int64_t n, int64_t k, const float *a, const float *b, float *c,
			int64_t ldb)
{
	int64_t j = 0;

	for (; j + 64 <= n; j += 64) {
		v16f c0 = vload(c + j), c1 = vload(c + j + 16), c2 = vload(c + j + 32),
		     c3 = vload(c + j + 48);

		for (int64_t kk = 0; kk < k; kk++) {
			const float *bk = b + kk * ldb + j;
			v16f s = vsplat(a[kk]);

			c0 += s * vload(bk);
			c1 += s * vload(bk + 16);
			c2 += s * vload(bk + 32);
			c3 += s * vload(bk + 48);
		}
		vstore(c + j, c0);
		vstore(c + j + 16, c1);
		vstore(c + j + 32, c2);
		vstore(c + j + 48, c3);
	}
	for (; j + 16 <= n; j += 16) {
		v16f c0 = vload(c + j);

		for (int64_t kk = 0; kk < k; kk++)
			c0 += vsplat(a[kk]) * vload(b + kk * ldb + j);
		vstore(c + j, c0);
	}
	for (; j < n; j++) {
		float acc = c[j];

		for (int64_t kk = 0; kk < k; kk++)
			acc += a[kk] * b[kk * ldb + j];
		c[j] = acc;
	}
}

/*
 * Four rows of C at once, two vectors of columns (32) each: every load of B serves four rows
 * (eight accumulators in registers); the columns past the last 32 go row by row.
 */
VEC_INLINE void rows4_acc(int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
			  float *c, int64_t ldc)
{
	int64_t j = 0;

	for (; j + 32 <= n; j += 32) {
		v16f acc[4][2];

		for (int r = 0; r < 4; r++) {
			acc[r][0] = vload(c + r * ldc + j);
			acc[r][1] = vload(c + r * ldc + j + 16);
		}
		for (int64_t kk = 0; kk < k; kk++) {
			v16f b0 = vload(b + kk * n + j), b1 = vload(b + kk * n + j + 16);

			for (int r = 0; r < 4; r++) {
				v16f s = vsplat(a[r * lda + kk]);

				acc[r][0] += s * b0;
				acc[r][1] += s * b1;
			}
		}
		for (int r = 0; r < 4; r++) {
			vstore(c + r * ldc + j, acc[r][0]);
			vstore(c + r * ldc + j + 16, acc[r][1]);
		}
	}
	if (j < n)
		for (int r = 0; r < 4; r++)
			row_acc(n - j, k, a + r * lda, b + j, c + r * ldc + j, n);
}

VEC_F32_CLONES void vec_f32_matmul_acc(int64_t m, int64_t n, int64_t k, const float *a,
				       int64_t lda, const float *b, float *c, int64_t ldc)
{
	int64_t i = 0;

	for (; i + 4 <= m; i += 4)
		rows4_acc(n, k, a + i * lda, lda, b, c + i * ldc, ldc);
	for (; i < m; i++)
		row_acc(n, k, a + i * lda, b, c + i * ldc, n);
}
