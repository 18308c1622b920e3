// SPDX-License-Identifier: MIT
/* Comparing a computed tensor with a reference (compiler/tensor_compare.h). */
#include "compiler/tensor_compare.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

float ir_half_to_float(uint16_t h)
{
	int e = (h >> 10) & 0x1f, m = h & 0x3ff;
	float v;

	if (e == 0)
		v = ldexpf((float)m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexpf((float)(m | 0x400), e - 25);
	return (h & 0x8000) ? -v : v;
}

float ir_bf16_to_float(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Element @i of a floating tensor as a double. */
static double float_at(enum ir_dtype dt, const void *p, size_t i)
{
	switch (dt) {
	case IR_DTYPE_FLOAT:
		return ((const float *)p)[i];
	case IR_DTYPE_DOUBLE:
		return ((const double *)p)[i];
	case IR_DTYPE_FLOAT16:
		return ir_half_to_float(((const uint16_t *)p)[i]);
	default:
		return ir_bf16_to_float(((const uint16_t *)p)[i]);
	}
}

static void compare_float(const struct ir_tensor *ref, const void *got, double rtol, double atol,
			  struct tensor_compare_result *r)
{
	for (size_t j = 0; j < r->numel; j++) {
		double a = float_at(ref->dtype, got, j), b = float_at(ref->dtype, ref->data, j);
		double d = fabs(a - b);

		if (isnan(a) && isnan(b))
			continue;
		if (isinf(a) && isinf(b) && (a > 0) == (b > 0))
			continue;
		if (isnan(d) || d > atol + rtol * fabs(b))
			r->mismatches++;
		if (isnan(d) || d > r->max_abs)
			r->max_abs = isnan(d) ? INFINITY : d;
		if (b != 0 && d / fabs(b) > r->max_rel)
			r->max_rel = d / fabs(b);
	}
}

static void compare_exact(const struct ir_tensor *ref, const void *got, size_t esize,
			  struct tensor_compare_result *r)
{
	const unsigned char *a = got, *b = ref->data;

	for (size_t j = 0; j < r->numel; j++)
		if (memcmp(a + j * esize, b + j * esize, esize)) {
			r->mismatches++;
			r->max_abs = INFINITY;
		}
}

int tensor_compare(const struct ir_tensor *ref, enum ir_dtype dtype, const void *got,
		   size_t numel, double rtol, double atol, struct tensor_compare_result *r)
{
	size_t esize = ir_dtype_size(dtype);

	memset(r, 0, sizeof(*r));
	if (!esize || ref->dtype != dtype || ir_tensor_numel(ref) != (int64_t)numel ||
	    (numel && !ref->data))
		return -EINVAL;
	r->numel = numel;
	if (dtype == IR_DTYPE_FLOAT || dtype == IR_DTYPE_DOUBLE || dtype == IR_DTYPE_FLOAT16 ||
	    dtype == IR_DTYPE_BFLOAT16)
		compare_float(ref, got, rtol, atol, r);
	else
		compare_exact(ref, got, esize, r);
	return 0;
}
