// SPDX-License-Identifier: MIT
/*
 * vtrain command processor: framing and static validation of a whole stream before any packet
 * runs, then in-order execution of the compute, optimizer and DMA packets on host memory
 * (matmul through oneDNN's sgemm), link packets handed to the device.
 */
#include "drivers/vtrain/vtrain_exec.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

/* Largest element count one operand may have: keeps every byte size far from overflow. */
#define VTRAIN_EXEC_MAX_ELEMS (1ull << 40)

static float f32_of(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static size_t vtrain_pkt_min_bytes(uint16_t opcode)
{
	switch (opcode) {
	case VTRAIN_OP_NOP: return sizeof(struct vtrain_pkt_nop);
	case VTRAIN_OP_FENCE_WRITE: return sizeof(struct vtrain_pkt_fence_write);
	case VTRAIN_OP_DMA_COPY: return sizeof(struct vtrain_pkt_dma_copy);
	case VTRAIN_OP_DMA_FILL: return sizeof(struct vtrain_pkt_dma_fill);
	case VTRAIN_OP_MATMUL: return sizeof(struct vtrain_pkt_matmul);
	case VTRAIN_OP_ELEMENTWISE: return sizeof(struct vtrain_pkt_elementwise);
	case VTRAIN_OP_ACTIVATION: return sizeof(struct vtrain_pkt_activation);
	case VTRAIN_OP_REDUCE: return sizeof(struct vtrain_pkt_reduce);
	case VTRAIN_OP_SOFTMAX_XENT: return sizeof(struct vtrain_pkt_softmax_xent);
	case VTRAIN_OP_ACTIVATION_GRAD: return sizeof(struct vtrain_pkt_activation_grad);
	case VTRAIN_OP_SOFTMAX_XENT_GRAD: return sizeof(struct vtrain_pkt_softmax_xent_grad);
	case VTRAIN_OP_SGD_MOMENTUM: return sizeof(struct vtrain_pkt_sgd_momentum);
	case VTRAIN_OP_ADAM: return sizeof(struct vtrain_pkt_adam);
	case VTRAIN_OP_P2P_SEND:
	case VTRAIN_OP_P2P_RECV: return sizeof(struct vtrain_pkt_p2p);
	case VTRAIN_OP_ALL_REDUCE:
	case VTRAIN_OP_REDUCE_SCATTER:
	case VTRAIN_OP_ALL_GATHER:
	case VTRAIN_OP_BROADCAST:
	case VTRAIN_OP_BARRIER: return sizeof(struct vtrain_pkt_collective);
	default: return 0;
	}
}

static uint32_t vtrain_pkt_allowed_flags(uint16_t opcode)
{
	switch (opcode) {
	case VTRAIN_OP_MATMUL:
		return VTRAIN_MATMUL_F_TRANS_A | VTRAIN_MATMUL_F_TRANS_B |
		       VTRAIN_MATMUL_F_ACCUMULATE | VTRAIN_MATMUL_F_BIAS;
	case VTRAIN_OP_ELEMENTWISE: return VTRAIN_EW_F_BROADCAST_ROW;
	case VTRAIN_OP_REDUCE: return VTRAIN_REDUCE_F_ROWS;
	default: return 0;
	}
}

static bool count_ok(uint64_t n)
{
	return n >= 1 && n <= VTRAIN_EXEC_MAX_ELEMS;
}

static bool act_ok(uint32_t act)
{
	return act >= VTRAIN_ACT_RELU && act <= VTRAIN_ACT_GELU_TANH;
}

/* The layout of a matmul operand as stored: rows x cols with leading dimension ld. */
static void matmul_shapes(const struct vtrain_pkt_matmul *p, uint64_t *ar, uint64_t *ac,
			  uint64_t *br, uint64_t *bc)
{
	bool ta = p->hdr.flags & VTRAIN_MATMUL_F_TRANS_A, tb = p->hdr.flags & VTRAIN_MATMUL_F_TRANS_B;

	*ar = ta ? p->k : p->m;
	*ac = ta ? p->m : p->k;
	*br = tb ? p->n : p->k;
	*bc = tb ? p->k : p->n;
}

static int validate_matmul(const struct vtrain_pkt_matmul *p)
{
	uint64_t ar, ac, br, bc;

	if (p->src_type != VTRAIN_DT_F32 && p->src_type != VTRAIN_DT_BF16)
		return -EINVAL;
	if (p->dst_type != VTRAIN_DT_F32 || !p->m || !p->n || !p->k)
		return -EINVAL;
	if (!(p->hdr.flags & VTRAIN_MATMUL_F_BIAS) && p->bias)
		return -EINVAL;
	matmul_shapes(p, &ar, &ac, &br, &bc);
	if ((p->lda && p->lda < ac) || (p->ldb && p->ldb < bc) || (p->ldc && p->ldc < p->n))
		return -EINVAL;
	if (ar * (p->lda ? p->lda : ac) > VTRAIN_EXEC_MAX_ELEMS ||
	    br * (p->ldb ? p->ldb : bc) > VTRAIN_EXEC_MAX_ELEMS ||
	    (uint64_t)p->m * (p->ldc ? p->ldc : p->n) > VTRAIN_EXEC_MAX_ELEMS)
		return -EINVAL;
	return 0;
}

static int validate_packet(const struct vtrain_pkt_header *h)
{
	switch (h->opcode) {
	case VTRAIN_OP_NOP:
		return 0;
	case VTRAIN_OP_FENCE_WRITE: {
		const struct vtrain_pkt_fence_write *p = (const void *)h;

		return p->addr % 8 ? -EINVAL : 0;
	}
	case VTRAIN_OP_DMA_COPY: {
		const struct vtrain_pkt_dma_copy *p = (const void *)h;

		if (!p->size || p->size > VTRAIN_EXEC_MAX_ELEMS ||
		    p->src > UINT64_MAX - p->size || p->dst > UINT64_MAX - p->size)
			return -EINVAL;
		if (p->src < p->dst + p->size && p->dst < p->src + p->size)
			return -EINVAL;
		return 0;
	}
	case VTRAIN_OP_DMA_FILL: {
		const struct vtrain_pkt_dma_fill *p = (const void *)h;

		return p->pad || p->size < 4 || p->size % 4 || p->size > VTRAIN_EXEC_MAX_ELEMS ?
		       -EINVAL : 0;
	}
	case VTRAIN_OP_MATMUL:
		return validate_matmul((const void *)h);
	case VTRAIN_OP_ELEMENTWISE: {
		const struct vtrain_pkt_elementwise *p = (const void *)h;

		if (p->pad || p->op < VTRAIN_EW_ADD || p->op > VTRAIN_EW_AXPBY)
			return -EINVAL;
		if (p->op != VTRAIN_EW_AXPBY && (p->alpha || p->beta))
			return -EINVAL;
		return count_ok((uint64_t)p->rows * p->cols) ? 0 : -EINVAL;
	}
	case VTRAIN_OP_ACTIVATION: {
		const struct vtrain_pkt_activation *p = (const void *)h;

		return p->pad || !act_ok(p->act) || !count_ok(p->count) ? -EINVAL : 0;
	}
	case VTRAIN_OP_ACTIVATION_GRAD: {
		const struct vtrain_pkt_activation_grad *p = (const void *)h;

		return p->pad || !act_ok(p->act) || !count_ok(p->count) ? -EINVAL : 0;
	}
	case VTRAIN_OP_REDUCE: {
		const struct vtrain_pkt_reduce *p = (const void *)h;

		if (p->pad || p->op < VTRAIN_REDUCE_SUM || p->op > VTRAIN_REDUCE_MIN)
			return -EINVAL;
		return count_ok((uint64_t)p->rows * p->cols) ? 0 : -EINVAL;
	}
	case VTRAIN_OP_SOFTMAX_XENT: {
		const struct vtrain_pkt_softmax_xent *p = (const void *)h;

		return count_ok((uint64_t)p->rows * p->classes) ? 0 : -EINVAL;
	}
	case VTRAIN_OP_SOFTMAX_XENT_GRAD: {
		const struct vtrain_pkt_softmax_xent_grad *p = (const void *)h;

		return p->pad || !count_ok((uint64_t)p->rows * p->classes) ? -EINVAL : 0;
	}
	case VTRAIN_OP_SGD_MOMENTUM: {
		const struct vtrain_pkt_sgd_momentum *p = (const void *)h;

		if (p->pad || !count_ok(p->count))
			return -EINVAL;
		return !p->momentum && p->vel ? -EINVAL : 0;
	}
	case VTRAIN_OP_ADAM: {
		const struct vtrain_pkt_adam *p = (const void *)h;

		return p->pad || !p->step || !count_ok(p->count) ? -EINVAL : 0;
	}
	case VTRAIN_OP_P2P_SEND:
	case VTRAIN_OP_P2P_RECV: {
		const struct vtrain_pkt_p2p *p = (const void *)h;

		return p->pad || !p->size ? -EINVAL : 0;
	}
	default: {
		const struct vtrain_pkt_collective *p = (const void *)h;
		bool reduction = h->opcode == VTRAIN_OP_ALL_REDUCE ||
				 h->opcode == VTRAIN_OP_REDUCE_SCATTER;

		if (p->algo > VTRAIN_ALGO_TREE)
			return -EINVAL;
		if (reduction != (p->op != 0) || (reduction && p->op > VTRAIN_RED_AVG))
			return -EINVAL;
		if (h->opcode != VTRAIN_OP_BROADCAST && p->root)
			return -EINVAL;
		if (h->opcode == VTRAIN_OP_BARRIER)
			return p->count || p->src || p->dst ? -EINVAL : 0;
		return count_ok(p->count) ? 0 : -EINVAL;
	}
	}
}

int vtrain_exec_validate(const void *cmds, size_t size)
{
	const uint8_t *pos = cmds, *end = pos + size;

	if (!cmds || size < 8 || size % 8)
		return -EINVAL;
	while (pos < end) {
		const struct vtrain_pkt_header *h = (const void *)pos;
		size_t bytes = (size_t)h->length * 4, need = vtrain_pkt_min_bytes(h->opcode);
		int ret;

		if (h->length < 2 || h->length % 2 || bytes > (size_t)(end - pos) || !need)
			return -EINVAL;
		if (h->flags & ~vtrain_pkt_allowed_flags(h->opcode))
			return -EINVAL;
		if (h->opcode != VTRAIN_OP_NOP) {
			if (bytes < need)
				return -EINVAL;
			for (size_t i = need; i < bytes; i++)
				if (pos[i])
					return -EINVAL;
			ret = validate_packet(h);
			if (ret)
				return ret;
		}
		pos += bytes;
	}
	return 0;
}

/* Operands: map an array of @n elements of @esize bytes, NULL when outside the job's BOs. */
static void *map_elems(const struct vtrain_exec_ops *ops, void *priv, uint64_t addr, uint64_t n,
		       size_t esize)
{
	if (addr % 4)
		return NULL;
	return ops->map(priv, addr, n * esize);
}

/* A stored rows x cols matrix with leading dimension ld spans (rows - 1) * ld + cols. */
static uint64_t matrix_elems(uint64_t rows, uint64_t cols, uint64_t ld)
{
	return (rows - 1) * ld + cols;
}

static float *bf16_to_f32(const uint16_t *src, uint64_t rows, uint64_t cols, uint64_t ld)
{
	float *out = malloc(rows * cols * sizeof(float));

	if (!out)
		return NULL;
	for (uint64_t r = 0; r < rows; r++)
		for (uint64_t c = 0; c < cols; c++) {
			uint32_t bits = (uint32_t)src[r * ld + c] << 16;

			memcpy(&out[r * cols + c], &bits, sizeof(float));
		}
	return out;
}

static void sgemm_ref(bool ta, bool tb, uint64_t m, uint64_t n, uint64_t k, const float *a,
		      uint64_t lda, const float *b, uint64_t ldb, float beta, float *c, uint64_t ldc)
{
	for (uint64_t i = 0; i < m; i++)
		for (uint64_t j = 0; j < n; j++) {
			float acc = 0.0f;

			for (uint64_t l = 0; l < k; l++)
				acc += (ta ? a[l * lda + i] : a[i * lda + l]) *
				       (tb ? b[j * ldb + l] : b[l * ldb + j]);
			c[i * ldc + j] = acc + (beta != 0.0f ? c[i * ldc + j] : 0.0f);
		}
}

static int run_matmul(const struct vtrain_exec_ops *ops, void *priv,
		      const struct vtrain_pkt_matmul *p)
{
	bool ta = p->hdr.flags & VTRAIN_MATMUL_F_TRANS_A, tb = p->hdr.flags & VTRAIN_MATMUL_F_TRANS_B;
	size_t es = p->src_type == VTRAIN_DT_BF16 ? 2 : 4;
	uint64_t ar, ac, br, bc, lda, ldb, ldc;
	float *a, *b, *c, *bias = NULL, *a32 = NULL, *b32 = NULL;
	float beta = p->hdr.flags & VTRAIN_MATMUL_F_ACCUMULATE ? 1.0f : 0.0f;
	int ret = 0;

	matmul_shapes(p, &ar, &ac, &br, &bc);
	lda = p->lda ? p->lda : ac;
	ldb = p->ldb ? p->ldb : bc;
	ldc = p->ldc ? p->ldc : p->n;
	a = ops->map(priv, p->a, matrix_elems(ar, ac, lda) * es);
	b = ops->map(priv, p->b, matrix_elems(br, bc, ldb) * es);
	c = map_elems(ops, priv, p->c, matrix_elems(p->m, p->n, ldc), 4);
	if (p->hdr.flags & VTRAIN_MATMUL_F_BIAS) {
		bias = map_elems(ops, priv, p->bias, p->n, 4);
		if (!bias)
			return -EFAULT;
	}
	if (!a || !b || !c || p->a % es || p->b % es)
		return -EFAULT;
	if (es == 2) {
		a32 = bf16_to_f32((const uint16_t *)a, ar, ac, lda);
		b32 = bf16_to_f32((const uint16_t *)b, br, bc, ldb);
		if (!a32 || !b32) {
			ret = -ENOMEM;
			goto out;
		}
		a = a32;
		b = b32;
		lda = ac;
		ldb = bc;
	}
	if (dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', (dnnl_dim_t)p->m, (dnnl_dim_t)p->n,
		       (dnnl_dim_t)p->k, 1.0f, a, (dnnl_dim_t)lda, b, (dnnl_dim_t)ldb, beta, c,
		       (dnnl_dim_t)ldc) != dnnl_success)
		sgemm_ref(ta, tb, p->m, p->n, p->k, a, lda, b, ldb, beta, c, ldc);
	if (bias)
		for (uint64_t i = 0; i < p->m; i++)
			for (uint64_t j = 0; j < p->n; j++)
				c[i * ldc + j] += bias[j];
out:
	free(a32);
	free(b32);
	return ret;
}

static int run_elementwise(const struct vtrain_exec_ops *ops, void *priv,
			   const struct vtrain_pkt_elementwise *p)
{
	bool bcast = p->hdr.flags & VTRAIN_EW_F_BROADCAST_ROW;
	uint64_t n = (uint64_t)p->rows * p->cols;
	const float *a = map_elems(ops, priv, p->a, n, 4);
	const float *b = map_elems(ops, priv, p->b, bcast ? p->cols : n, 4);
	float *dst = map_elems(ops, priv, p->dst, n, 4);
	float alpha = f32_of(p->alpha), beta = f32_of(p->beta);

	if (!a || !b || !dst)
		return -EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		float x = a[i], y = b[bcast ? i % p->cols : i];

		switch (p->op) {
		case VTRAIN_EW_ADD: dst[i] = x + y; break;
		case VTRAIN_EW_SUB: dst[i] = x - y; break;
		case VTRAIN_EW_MUL: dst[i] = x * y; break;
		case VTRAIN_EW_DIV: dst[i] = x / y; break;
		case VTRAIN_EW_MAX: dst[i] = fmaxf(x, y); break;
		case VTRAIN_EW_MIN: dst[i] = fminf(x, y); break;
		default: dst[i] = alpha * x + beta * y; break;
		}
	}
	return 0;
}

#define GELU_C 0.7978845608028654f /* sqrt(2 / pi) */

static float act_fwd(uint32_t act, float x)
{
	switch (act) {
	case VTRAIN_ACT_RELU: return x > 0.0f ? x : 0.0f;
	case VTRAIN_ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
	case VTRAIN_ACT_TANH: return tanhf(x);
	default: return 0.5f * x * (1.0f + tanhf(GELU_C * (x + 0.044715f * x * x * x)));
	}
}

static float act_deriv(uint32_t act, float x)
{
	switch (act) {
	case VTRAIN_ACT_RELU: return x > 0.0f ? 1.0f : 0.0f;
	case VTRAIN_ACT_SIGMOID: {
		float s = 1.0f / (1.0f + expf(-x));

		return s * (1.0f - s);
	}
	case VTRAIN_ACT_TANH: {
		float t = tanhf(x);

		return 1.0f - t * t;
	}
	default: {
		float u = GELU_C * (x + 0.044715f * x * x * x);
		float t = tanhf(u), du = GELU_C * (1.0f + 3.0f * 0.044715f * x * x);

		return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du;
	}
	}
}

static int run_activation(const struct vtrain_exec_ops *ops, void *priv,
			  const struct vtrain_pkt_activation *p)
{
	const float *src = map_elems(ops, priv, p->src, p->count, 4);
	float *dst = map_elems(ops, priv, p->dst, p->count, 4);

	if (!src || !dst)
		return -EFAULT;
	for (uint64_t i = 0; i < p->count; i++)
		dst[i] = act_fwd(p->act, src[i]);
	return 0;
}

static int run_activation_grad(const struct vtrain_exec_ops *ops, void *priv,
			       const struct vtrain_pkt_activation_grad *p)
{
	const float *x = map_elems(ops, priv, p->x, p->count, 4);
	const float *dy = map_elems(ops, priv, p->dy, p->count, 4);
	float *dx = map_elems(ops, priv, p->dx, p->count, 4);

	if (!x || !dy || !dx)
		return -EFAULT;
	for (uint64_t i = 0; i < p->count; i++)
		dx[i] = dy[i] * act_deriv(p->act, x[i]);
	return 0;
}

static float reduce_step(uint32_t op, float acc, float v)
{
	if (op == VTRAIN_REDUCE_MAX)
		return v > acc ? v : acc;
	if (op == VTRAIN_REDUCE_MIN)
		return v < acc ? v : acc;
	return acc + v;
}

static int run_reduce(const struct vtrain_exec_ops *ops, void *priv,
		      const struct vtrain_pkt_reduce *p)
{
	bool over_rows = p->hdr.flags & VTRAIN_REDUCE_F_ROWS;
	uint64_t outer = over_rows ? p->cols : p->rows, inner = over_rows ? p->rows : p->cols;
	const float *src = map_elems(ops, priv, p->src, (uint64_t)p->rows * p->cols, 4);
	float *dst = map_elems(ops, priv, p->dst, outer, 4);

	if (!src || !dst)
		return -EFAULT;
	for (uint64_t o = 0; o < outer; o++) {
		float acc = 0.0f;

		for (uint64_t i = 0; i < inner; i++) {
			float v = over_rows ? src[i * p->cols + o] : src[o * p->cols + i];

			acc = i ? reduce_step(p->op, acc, v) : v;
		}
		dst[o] = p->op == VTRAIN_REDUCE_MEAN ? acc / (float)inner : acc;
	}
	return 0;
}

static int run_softmax_xent(const struct vtrain_exec_ops *ops, void *priv,
			    const struct vtrain_pkt_softmax_xent *p)
{
	uint64_t n = (uint64_t)p->rows * p->classes;
	const float *logits = map_elems(ops, priv, p->logits, n, 4);
	const uint32_t *labels = map_elems(ops, priv, p->labels, p->rows, 4);
	float *probs = map_elems(ops, priv, p->probs, n, 4);
	float *loss = map_elems(ops, priv, p->loss, 1, 4);
	double total = 0.0;

	if (!logits || !labels || !probs || !loss)
		return -EFAULT;
	for (uint32_t r = 0; r < p->rows; r++)
		if (labels[r] >= p->classes)
			return -EDOM;
	for (uint32_t r = 0; r < p->rows; r++) {
		const float *x = logits + (uint64_t)r * p->classes;
		float *pr = probs + (uint64_t)r * p->classes;
		float mx = x[0];
		double sum = 0.0;

		for (uint32_t c = 1; c < p->classes; c++)
			mx = x[c] > mx ? x[c] : mx;
		for (uint32_t c = 0; c < p->classes; c++)
			sum += exp((double)x[c] - mx);
		for (uint32_t c = 0; c < p->classes; c++)
			pr[c] = (float)(exp((double)x[c] - mx) / sum);
		total += log(sum) + mx - x[labels[r]];
	}
	*loss = (float)(total / p->rows);
	return 0;
}

static int run_softmax_xent_grad(const struct vtrain_exec_ops *ops, void *priv,
				 const struct vtrain_pkt_softmax_xent_grad *p)
{
	uint64_t n = (uint64_t)p->rows * p->classes;
	const float *probs = map_elems(ops, priv, p->probs, n, 4);
	const uint32_t *labels = map_elems(ops, priv, p->labels, p->rows, 4);
	float *dl = map_elems(ops, priv, p->dlogits, n, 4);
	float scale = f32_of(p->scale);

	if (!probs || !labels || !dl)
		return -EFAULT;
	for (uint32_t r = 0; r < p->rows; r++)
		if (labels[r] >= p->classes)
			return -EDOM;
	for (uint32_t r = 0; r < p->rows; r++)
		for (uint32_t c = 0; c < p->classes; c++) {
			uint64_t i = (uint64_t)r * p->classes + c;

			dl[i] = (probs[i] - (c == labels[r] ? 1.0f : 0.0f)) * scale;
		}
	return 0;
}

static int run_sgd(const struct vtrain_exec_ops *ops, void *priv,
		   const struct vtrain_pkt_sgd_momentum *p)
{
	float lr = f32_of(p->lr), mom = f32_of(p->momentum), wd = f32_of(p->weight_decay);
	float *w = map_elems(ops, priv, p->weights, p->count, 4);
	const float *g = map_elems(ops, priv, p->grads, p->count, 4);
	float *v = p->momentum ? map_elems(ops, priv, p->vel, p->count, 4) : NULL;

	if (!w || !g || (p->momentum && !v))
		return -EFAULT;
	for (uint64_t i = 0; i < p->count; i++) {
		float step = g[i] + wd * w[i];

		if (v) {
			v[i] = mom * v[i] + step;
			step = v[i];
		}
		w[i] -= lr * step;
	}
	return 0;
}

static int run_adam(const struct vtrain_exec_ops *ops, void *priv, const struct vtrain_pkt_adam *p)
{
	float lr = f32_of(p->lr), b1 = f32_of(p->beta1), b2 = f32_of(p->beta2), eps = f32_of(p->eps);
	float *w = map_elems(ops, priv, p->weights, p->count, 4);
	const float *g = map_elems(ops, priv, p->grads, p->count, 4);
	float *m = map_elems(ops, priv, p->m, p->count, 4);
	float *v = map_elems(ops, priv, p->v, p->count, 4);
	float c1 = 1.0f - powf(b1, (float)p->step), c2 = 1.0f - powf(b2, (float)p->step);

	if (!w || !g || !m || !v)
		return -EFAULT;
	for (uint64_t i = 0; i < p->count; i++) {
		m[i] = b1 * m[i] + (1.0f - b1) * g[i];
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		w[i] -= lr * (m[i] / c1) / (sqrtf(v[i] / c2) + eps);
	}
	return 0;
}

static int run_packet(const struct vtrain_exec_ops *ops, void *priv,
		      const struct vtrain_pkt_header *h)
{
	switch (h->opcode) {
	case VTRAIN_OP_NOP:
		return 0;
	case VTRAIN_OP_FENCE_WRITE: {
		const struct vtrain_pkt_fence_write *p = (const void *)h;
		uint64_t *dst = ops->map(priv, p->addr, 8);

		if (!dst)
			return -EFAULT;
		__atomic_store_n(dst, p->value, __ATOMIC_RELEASE);
		return 0;
	}
	case VTRAIN_OP_DMA_COPY: {
		const struct vtrain_pkt_dma_copy *p = (const void *)h;
		const void *src = ops->map(priv, p->src, p->size);
		void *dst = ops->map(priv, p->dst, p->size);

		if (!src || !dst)
			return -EFAULT;
		memcpy(dst, src, p->size);
		return 0;
	}
	case VTRAIN_OP_DMA_FILL: {
		const struct vtrain_pkt_dma_fill *p = (const void *)h;
		uint32_t *dst = map_elems(ops, priv, p->dst, p->size / 4, 4);

		if (!dst)
			return -EFAULT;
		for (uint64_t i = 0; i < p->size / 4; i++)
			dst[i] = p->pattern;
		return 0;
	}
	case VTRAIN_OP_MATMUL: return run_matmul(ops, priv, (const void *)h);
	case VTRAIN_OP_ELEMENTWISE: return run_elementwise(ops, priv, (const void *)h);
	case VTRAIN_OP_ACTIVATION: return run_activation(ops, priv, (const void *)h);
	case VTRAIN_OP_ACTIVATION_GRAD: return run_activation_grad(ops, priv, (const void *)h);
	case VTRAIN_OP_REDUCE: return run_reduce(ops, priv, (const void *)h);
	case VTRAIN_OP_SOFTMAX_XENT: return run_softmax_xent(ops, priv, (const void *)h);
	case VTRAIN_OP_SOFTMAX_XENT_GRAD: return run_softmax_xent_grad(ops, priv, (const void *)h);
	case VTRAIN_OP_SGD_MOMENTUM: return run_sgd(ops, priv, (const void *)h);
	case VTRAIN_OP_ADAM: return run_adam(ops, priv, (const void *)h);
	default:
		return ops->link ? ops->link(priv, h) : -EOPNOTSUPP;
	}
}

int vtrain_exec_run(const struct vtrain_exec_ops *ops, void *priv, const void *cmds, size_t size)
{
	const uint8_t *pos = cmds, *end;
	int ret = vtrain_exec_validate(cmds, size);

	if (ret)
		return ret;
	for (end = pos + size; pos < end;) {
		const struct vtrain_pkt_header *h = (const void *)pos;

		ret = run_packet(ops, priv, h);
		if (ret)
			return ret;
		pos += (size_t)h->length * 4;
	}
	return 0;
}
