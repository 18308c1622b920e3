/* SPDX-License-Identifier: MIT */
/*
 * Single-precision vector kernels for the host kernels whose speed matters (a model's node the
 * device does not run, such as a recurrence): a matrix product accumulated into its output,
 * and the logistic and hyperbolic tangent functions in place. Written with the compiler's
 * vector extensions, 16 floats at a time, and built for each x86-64 level the CPU may have
 * (SSE2, AVX2 with FMA, AVX-512: one chosen at load time), so that they run at the machine's
 * width without a library. Private to compiler/ops/.
 */
#ifndef ACCEL_COMPILER_OPS_VEC_F32_H
#define ACCEL_COMPILER_OPS_VEC_F32_H

#include <stdint.h>

/**
 * vec_f32_matmul_nt_acc() - C += A x B^T: C [m][n] (rows @ldc floats apart), A [m][k] (rows
 * @lda apart), B [n][k] (rows contiguous: a weight matrix in its own layout, ONNX's W and R);
 * each element's products summed in 16 interleaved partial sums, then those, after the value
 * C held (results agree with a sum in order to float's rounding)
 */
void vec_f32_matmul_nt_acc(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
			   const float *b, float *c, int64_t ldc);

/**
 * vec_f32_sigmoid() - v[i] = 1 / (1 + e^-v[i]) for @n elements, within a few units in the last
 * place (e^x by a degree-7 polynomial on a range-reduced argument; NaN stays NaN)
 */
void vec_f32_sigmoid(float *v, int64_t n);

/**
 * vec_f32_tanh() - v[i] = tanh(v[i]) for @n elements, as 1 - 2 / (e^2x + 1): within 1e-7 of
 * the exact value (absolute; relative near 0 it is coarser, as the difference cancels)
 */
void vec_f32_tanh(float *v, int64_t n);

#endif
