// SPDX-License-Identifier: MIT
/*
 * Linear algebra: MatMul, Gemm.
 * Shape inference follows the ONNX operator specification for opsets 1 to 17 (compiler/op.h):
 * MatMul is unchanged since 1; Gemm before 7 took a `broadcast` attribute, not read here since
 * a C that broadcasts is a superset of one that need not.
 * The host kernels accumulate floating types in double (float16 and bfloat16 converted on
 * load and rounded to nearest even on store) and integer types in int64 (wrapping like the
 * two's-complement arithmetic of other runtimes).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/op.h"
#include "compiler/tensor_compare.h"

/* A float as IEEE binary16, rounded to nearest even (overflow to infinity, NaN kept). */
static uint16_t float_to_half(float f)
{
	uint32_t u, sign, mant;
	int exp;

	memcpy(&u, &f, sizeof(u));
	sign = (u >> 16) & 0x8000;
	exp = (int)((u >> 23) & 0xff) - 127 + 15;
	mant = u & 0x7fffff;
	if (((u >> 23) & 0xff) == 0xff)
		return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
	if (exp >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (exp <= 0) {
		/* Subnormal (or zero): shift the implicit 1 in, then round. */
		uint32_t shift, half, m;

		if (exp < -10)
			return (uint16_t)sign;
		mant |= 0x800000;
		shift = (uint32_t)(14 - exp);
		half = 1u << (shift - 1);
		m = mant >> shift;
		if ((mant & ((1u << shift) - 1)) > half ||
		    ((mant & ((1u << shift) - 1)) == half && (m & 1)))
			m++;
		return (uint16_t)(sign | m);
	}
	{
		uint32_t h = sign | ((uint32_t)exp << 10) | (mant >> 13);
		uint32_t rest = mant & 0x1fff;

		/* A carry out of the mantissa rightly bumps the exponent (to infinity at most). */
		if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
			h++;
		return (uint16_t)h;
	}
}

/* A float as bfloat16, rounded to nearest even (NaN kept a NaN). */
static uint16_t float_to_bf16(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	if ((u & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((u >> 16) | 0x40);
	u += 0x7fff + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

static bool linalg_type_ok(enum ir_dtype dt)
{
	return op_dtype_is_float(dt) || dt == IR_DTYPE_INT32 || dt == IR_DTYPE_INT64;
}

/* Element @i of @p (of @dt, a floating type) as a double. */
static double load_f(enum ir_dtype dt, const void *p, size_t i)
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

static void store_f(enum ir_dtype dt, void *p, size_t i, double v)
{
	switch (dt) {
	case IR_DTYPE_FLOAT:
		((float *)p)[i] = (float)v;
		break;
	case IR_DTYPE_DOUBLE:
		((double *)p)[i] = v;
		break;
	case IR_DTYPE_FLOAT16:
		((uint16_t *)p)[i] = float_to_half((float)v);
		break;
	default:
		((uint16_t *)p)[i] = float_to_bf16((float)v);
		break;
	}
}

/* Element @i of @p (int32 or int64) as an int64. */
static int64_t load_i(enum ir_dtype dt, const void *p, size_t i)
{
	return dt == IR_DTYPE_INT32 ? ((const int32_t *)p)[i] : ((const int64_t *)p)[i];
}

static void store_i(enum ir_dtype dt, void *p, size_t i, int64_t v)
{
	if (dt == IR_DTYPE_INT32)
		((int32_t *)p)[i] = (int32_t)(uint32_t)(uint64_t)v;
	else
		((int64_t *)p)[i] = v;
}

/* Wrapping multiply-add, so that integer overflow is defined. */
static int64_t mac_i(int64_t acc, int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)acc + (uint64_t)a * (uint64_t)b);
}

/*
 * One [m, k] x [k, n] product: element (i, j) of A at @a + i * @as_m + l * @as_k, of B at
 * @b + l * @bs_k + j * @bs_n; the result row-major at @y (element offsets, not bytes).
 */
struct gemm_view {
	enum ir_dtype dt;
	const void *a, *b;
	size_t a0, b0, y0;
	size_t as_m, as_k, bs_k, bs_n;
	int64_t m, n, k;
};

static void gemm_f(const struct gemm_view *v, void *y, double alpha, const void *c, enum ir_dtype cdt,
		   const size_t *c_stride, double beta)
{
	for (int64_t i = 0; i < v->m; i++)
		for (int64_t j = 0; j < v->n; j++) {
			double acc = 0;

			for (int64_t l = 0; l < v->k; l++)
				acc += load_f(v->dt, v->a, v->a0 + i * v->as_m + l * v->as_k) *
				       load_f(v->dt, v->b, v->b0 + l * v->bs_k + j * v->bs_n);
			acc *= alpha;
			if (c)
				acc += beta * load_f(cdt, c, i * c_stride[0] + j * c_stride[1]);
			store_f(v->dt, y, v->y0 + i * v->n + j, acc);
		}
}

static void gemm_i(const struct gemm_view *v, void *y, int64_t alpha, const void *c,
		   enum ir_dtype cdt, const size_t *c_stride, int64_t beta)
{
	for (int64_t i = 0; i < v->m; i++)
		for (int64_t j = 0; j < v->n; j++) {
			int64_t acc = 0;

			for (int64_t l = 0; l < v->k; l++)
				acc = mac_i(acc, load_i(v->dt, v->a, v->a0 + i * v->as_m + l * v->as_k),
					    load_i(v->dt, v->b, v->b0 + l * v->bs_k + j * v->bs_n));
			acc = (int64_t)((uint64_t)acc * (uint64_t)alpha);
			if (c)
				acc = mac_i(acc, beta, load_i(cdt, c, i * c_stride[0] + j * c_stride[1]));
			store_i(v->dt, y, v->y0 + i * v->n + j, acc);
		}
}

static int infer_matmul(struct op_ctx *c)
{
	struct ir_tensor a, b;
	int64_t dims[IR_MAX_RANK];
	int rank, ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	a = *op_in(c, 0);
	b = *op_in(c, 1);
	if (a.rank < 1 || b.rank < 1)
		return op_fail(c, -EINVAL, "MatMul of a scalar");
	if (a.dtype != b.dtype)
		return op_fail(c, -EINVAL, "inputs of different types");
	/* 1-D operands: [K] is [1,K] on the left, [K,1] on the right; the 1 is dropped after. */
	if (a.rank == 1) {
		a.dims[1] = a.dims[0];
		a.dims[0] = 1;
		a.rank = 2;
	}
	if (b.rank == 1) {
		b.dims[1] = 1;
		b.rank = 2;
	}
	if (a.dims[a.rank - 1] != b.dims[b.rank - 2])
		return op_fail(c, -EINVAL, "inner dimensions differ (%lld vs %lld)",
				  (long long)a.dims[a.rank - 1], (long long)b.dims[b.rank - 2]);
	{
		struct ir_tensor ba = a, bb = b;

		ba.rank -= 2;
		bb.rank -= 2;
		ret = op_broadcast(c, &ba, &bb, dims, &rank);
		if (ret)
			return ret;
	}
	if (op_in(c, 0)->rank > 1)
		dims[rank++] = a.dims[a.rank - 2];
	if (op_in(c, 1)->rank > 1)
		dims[rank++] = b.dims[b.rank - 1];
	op_set_shape(op_out(c, 0), a.dtype, rank, dims);
	return 0;
}

static int infer_gemm(struct op_ctx *c)
{
	const struct ir_tensor *a, *b, *bias;
	int64_t ta, tb, m, k, k2, n, dims[2];
	int ret = op_need_inputs(c, 2);

	if (ret)
		return ret;
	ret = op_attr_int(c, "transA", 0, &ta) ?: op_attr_int(c, "transB", 0, &tb);
	if (ret)
		return ret;
	a = op_in(c, 0);
	b = op_in(c, 1);
	if (a->rank != 2 || b->rank != 2)
		return op_fail(c, -EINVAL, "A and B must be 2-D (ranks %d, %d)", a->rank, b->rank);
	m = ta ? a->dims[1] : a->dims[0];
	k = ta ? a->dims[0] : a->dims[1];
	k2 = tb ? b->dims[1] : b->dims[0];
	n = tb ? b->dims[0] : b->dims[1];
	if (k != k2)
		return op_fail(c, -EINVAL, "inner dimensions differ (%lld vs %lld)", (long long)k,
				  (long long)k2);
	dims[0] = m;
	dims[1] = n;
	bias = op_in(c, 2);
	if (bias) {
		/* C broadcasts unidirectionally to [M, N]. */
		if (bias->rank < 0 || bias->rank > 2)
			return op_fail(c, -EINVAL, "C of rank %d", bias->rank);
		for (int i = 0; i < bias->rank; i++) {
			int64_t d = bias->dims[i], want = dims[2 - bias->rank + i];

			if (d != 1 && d != want)
				return op_fail(c, -EINVAL, "C does not broadcast to [%lld, %lld]",
						  (long long)m, (long long)n);
		}
	}
	op_set_shape(op_out(c, 0), a->dtype, 2, dims);
	return 0;
}

/*
 * MatMul: numpy's matmul. A 1-D A is a row [1, K], a 1-D B a column [K, 1]; the batch
 * dimensions (all but the last two) broadcast; the output's shape is the inference's.
 */
static int host_matmul(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *ta = op_in(c, 0), *tb = op_in(c, 1);
	int64_t a_dims[IR_MAX_RANK], b_dims[IR_MAX_RANK];
	int ar = ta->rank, br = tb->rank, batch_rank;
	size_t a_stride[IR_MAX_RANK], b_stride[IR_MAX_RANK], batches = 1;
	int64_t batch_dims[IR_MAX_RANK];
	struct gemm_view v = { .dt = ta->dtype, .a = in[0], .b = in[1] };

	if (!linalg_type_ok(ta->dtype))
		return op_fail(c, -EOPNOTSUPP, "no host MatMul for %s", ir_dtype_name(ta->dtype));
	memcpy(a_dims, ta->dims, sizeof(a_dims));
	memcpy(b_dims, tb->dims, sizeof(b_dims));
	if (ar == 1) {
		a_dims[1] = a_dims[0];
		a_dims[0] = 1;
		ar = 2;
	}
	if (br == 1) {
		b_dims[1] = 1;
		br = 2;
	}
	v.m = a_dims[ar - 2];
	v.k = a_dims[ar - 1];
	v.n = b_dims[br - 1];
	v.as_m = (size_t)v.k;
	v.as_k = 1;
	v.bs_k = (size_t)v.n;
	v.bs_n = 1;
	/* The broadcast batch shape, right-aligned, and each operand's stride per batch dim. */
	batch_rank = (ar > br ? ar : br) - 2;
	for (int d = 0; d < batch_rank; d++) {
		int ad = d - (batch_rank - (ar - 2)), bd = d - (batch_rank - (br - 2));
		int64_t da = ad >= 0 ? a_dims[ad] : 1, db = bd >= 0 ? b_dims[bd] : 1;

		batch_dims[d] = da == 1 ? db : da;
		batches *= (size_t)batch_dims[d];
	}
	{
		size_t sa = (size_t)(v.m * v.k), sb = (size_t)(v.k * v.n);

		for (int d = batch_rank - 1; d >= 0; d--) {
			int ad = d - (batch_rank - (ar - 2)), bd = d - (batch_rank - (br - 2));
			int64_t da = ad >= 0 ? a_dims[ad] : 1, db = bd >= 0 ? b_dims[bd] : 1;

			a_stride[d] = da == 1 ? 0 : sa;
			b_stride[d] = db == 1 ? 0 : sb;
			sa *= (size_t)da;
			sb *= (size_t)db;
		}
	}
	for (size_t bi = 0; bi < batches; bi++) {
		size_t rest = bi;

		v.a0 = 0;
		v.b0 = 0;
		for (int d = batch_rank - 1; d >= 0; d--) {
			size_t idx = rest % (size_t)batch_dims[d];

			rest /= (size_t)batch_dims[d];
			v.a0 += idx * a_stride[d];
			v.b0 += idx * b_stride[d];
		}
		v.y0 = bi * (size_t)(v.m * v.n);
		if (op_dtype_is_float(v.dt))
			gemm_f(&v, out[0], 1.0, NULL, v.dt, NULL, 0);
		else
			gemm_i(&v, out[0], 1, NULL, v.dt, NULL, 0);
	}
	return 0;
}

/* Gemm: Y = alpha * A' B' + beta * C, A' and B' transposed by transA / transB. */
static int host_gemm(struct op_ctx *c, const void *const *in, void *const *out)
{
	const struct ir_tensor *ta = op_in(c, 0), *tb = op_in(c, 1), *tc = op_in(c, 2);
	struct gemm_view v = { .dt = ta->dtype, .a = in[0], .b = in[1] };
	size_t c_stride[2] = { 0, 0 };
	int64_t trans_a, trans_b;
	float alpha, beta;
	int ret;

	ret = op_attr_int(c, "transA", 0, &trans_a) ?: op_attr_int(c, "transB", 0, &trans_b) ?:
	      op_attr_float(c, "alpha", 1.0f, &alpha) ?: op_attr_float(c, "beta", 1.0f, &beta);
	if (ret)
		return ret;
	if (!linalg_type_ok(v.dt) || tb->dtype != v.dt || (tc && tc->dtype != v.dt))
		return op_fail(c, -EOPNOTSUPP, "no host Gemm for these types (%s)",
			       ir_dtype_name(v.dt));
	v.m = trans_a ? ta->dims[1] : ta->dims[0];
	v.k = trans_a ? ta->dims[0] : ta->dims[1];
	v.n = trans_b ? tb->dims[0] : tb->dims[1];
	/* A is [M, K] (or [K, M] transposed), B [K, N] (or [N, K]). */
	if (trans_a) {
		v.as_m = 1;
		v.as_k = (size_t)v.m;
	} else {
		v.as_m = (size_t)v.k;
		v.as_k = 1;
	}
	if (trans_b) {
		v.bs_k = 1;
		v.bs_n = (size_t)v.k;
	} else {
		v.bs_k = (size_t)v.n;
		v.bs_n = 1;
	}
	/* C broadcasts to [M, N]: a stride of 0 along each dimension of size 1 (or absent). */
	if (tc && tc->rank == 2) {
		c_stride[0] = tc->dims[0] == 1 ? 0 : (size_t)tc->dims[1];
		c_stride[1] = tc->dims[1] == 1 ? 0 : 1;
	} else if (tc && tc->rank == 1) {
		c_stride[1] = tc->dims[0] == 1 ? 0 : 1;
	}
	if (op_dtype_is_float(v.dt))
		gemm_f(&v, out[0], alpha, tc ? in[2] : NULL, v.dt, c_stride, beta);
	else
		gemm_i(&v, out[0], (int64_t)alpha, tc ? in[2] : NULL, v.dt, c_stride, (int64_t)beta);
	return 0;
}

const struct op_def op_defs_linalg[] = {
	{ "MatMul", infer_matmul, host_matmul },
	{ "Gemm", infer_gemm, host_gemm },
	{ NULL, NULL, NULL },
};
