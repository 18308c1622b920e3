// SPDX-License-Identifier: MIT
/*
 * vnpu: exact int8 x int8 -> s32 matrix products on CPUs without VNNI.
 *
 * The ISA promises exact s32 accumulation. oneDNN's int8 kernels for CPUs without VNNI
 * (plain AVX2, AVX-512 before Cascade Lake) multiply through vpmaddubsw, whose 16-bit
 * pair sums saturate (255 * -128 * 2 does not fit), so their results can be off; oneDNN
 * documents this and leaves it to the user. There the engine runs this loop instead: 32-bit
 * accumulators, rows of B streamed so that the inner loop is a contiguous, vectorisable
 * multiply-add. Sums wrap modulo 2^32 (unsigned arithmetic, never undefined behaviour);
 * the ISA defines results only where the exact value fits s32.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vnpu_units.h"

/**
 * vnpu_int8_matmul() - C = relu?(op(A) x op(B) + bias) in exact integer arithmetic.
 * @p: the checked MATMUL packet (S8 sources, S32 destination, leading dimensions resolved).
 * @a, @b, @bias, @dst: the operands (@bias NULL without VNPU_MATMUL_F_BIAS).
 *
 * Return: 0, or -ENOMEM for the row accumulator.
 */
int vnpu_int8_matmul(const struct vnpu_pkt_matmul *p, const void *a, const void *b,
		     const void *bias, void *dst)
{
	bool ta = p->hdr.flags & VNPU_MATMUL_F_TRANS_A, tb = p->hdr.flags & VNPU_MATMUL_F_TRANS_B;
	uint64_t a_bstride = (uint64_t)(ta ? p->k : p->m) * p->lda;
	uint64_t b_bstride = (uint64_t)(tb ? p->n : p->k) * p->ldb;
	uint64_t c_bstride = (uint64_t)p->m * p->ldc;
	const uint32_t *bi = bias;
	uint32_t *acc;
	uint32_t batch, i, j, kk;

	acc = malloc((size_t)p->n * sizeof(*acc));
	if (!acc)
		return -ENOMEM;
	for (batch = 0; batch < p->batch; batch++) {
		const int8_t *ab = (const int8_t *)a + batch * a_bstride;
		const int8_t *bb = (const int8_t *)b + batch * b_bstride;
		uint32_t *cb = (uint32_t *)dst + batch * c_bstride;

		for (i = 0; i < p->m; i++) {
			if (bi)
				memcpy(acc, bi, (size_t)p->n * sizeof(*acc));
			else
				memset(acc, 0, (size_t)p->n * sizeof(*acc));
			if (!tb) {
				for (kk = 0; kk < p->k; kk++) {
					int32_t av = ta ? ab[(uint64_t)kk * p->lda + i] :
							  ab[(uint64_t)i * p->lda + kk];
					const int8_t *brow = bb + (uint64_t)kk * p->ldb;

					for (j = 0; j < p->n; j++)
						acc[j] += (uint32_t)(av * brow[j]);
				}
			} else {
				for (j = 0; j < p->n; j++) {
					const int8_t *bcol = bb + (uint64_t)j * p->ldb;
					uint32_t s = 0;

					for (kk = 0; kk < p->k; kk++) {
						int32_t av = ta ? ab[(uint64_t)kk * p->lda + i] :
								  ab[(uint64_t)i * p->lda + kk];

						s += (uint32_t)(av * bcol[kk]);
					}
					acc[j] += s;
				}
			}
			if (p->act == VNPU_ACT_RELU) {
				for (j = 0; j < p->n; j++)
					acc[j] = (int32_t)acc[j] > 0 ? acc[j] : 0;
			}
			memcpy(cb + (uint64_t)i * p->ldc, acc, (size_t)p->n * sizeof(*acc));
		}
	}
	free(acc);
	return 0;
}

/**
 * vnpu_int8_epilogue() - add the bias and apply RELU to an S32 result in place.
 * @p: the checked MATMUL packet (S8 sources, leading dimensions resolved).
 * @bias: n S32 values, or NULL.
 * @dst: C, as oneDNN's int8 kernel wrote it (plain accumulators).
 *
 * oneDNN applies bias and post-ops to int8 results in f32, which rounds values beyond 2^24;
 * done here in integers the epilogue stays exact on every CPU.
 */
void vnpu_int8_epilogue(const struct vnpu_pkt_matmul *p, const void *bias, void *dst)
{
	const uint32_t *bi = bias;
	uint64_t rows = (uint64_t)p->batch * p->m, r;
	uint32_t j;

	for (r = 0; r < rows; r++) {
		uint32_t *row = (uint32_t *)dst + r * p->ldc;

		for (j = 0; j < p->n; j++) {
			uint32_t v = row[j] + (bi ? bi[j] : 0);

			row[j] = (p->act == VNPU_ACT_RELU && (int32_t)v < 0) ? 0 : v;
		}
	}
}
