// SPDX-License-Identifier: MIT
/*
 * vnpu: the command parser. Walks a command stream, checks every packet completely (framing,
 * flags, pads, enums, shapes, and every size computation for overflow), translates its
 * operands through the job's address space, and only then hands it to an engine. A packet
 * either fails before anything of it has run, or runs whole; a bad stream fails its job with
 * an errno and the packet's position, and never reaches memory outside its operands.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "vnpu_units.h"

_Static_assert(sizeof(struct vnpu_pkt_header) == 8, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_fence_write) == 24, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_sem_wait) == 32, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_timestamp) == 16, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_dma_copy) == 32, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_dma_fill) == 40, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_matmul) == 88, "vnpu uAPI layout");
_Static_assert(offsetof(struct vnpu_pkt_matmul, act_alpha) == VNPU_PKT_MATMUL_SIZE_V1, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_conv2d) == 120, "vnpu uAPI layout");
_Static_assert(offsetof(struct vnpu_pkt_conv2d, act_alpha) == VNPU_PKT_CONV2D_SIZE_V1, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_pool2d) == 80, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_binary) == 64, "vnpu uAPI layout");
_Static_assert(offsetof(struct vnpu_pkt_binary, act_alpha) == 56, "vnpu uAPI layout");
_Static_assert(offsetof(struct vnpu_pkt_binary, act) == VNPU_PKT_BINARY_SIZE_V1, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_activation) == 40, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_softmax) == 56, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_layernorm) == 56, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_transpose) == 72, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_dma_copy_nd) == 152, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_unary) == 48, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_pkt_reduce) == 56, "vnpu uAPI layout");

const char *const vnpu_engine_class_name[VNPU_EXEC_NR] = {
	[VNPU_EXEC_DMA] = "dma",
	[VNPU_EXEC_COMPUTE] = "compute",
};

/* Private copy of one packet: the stream may live in memory the client still writes. */
union vnpu_pkt {
	struct vnpu_pkt_header hdr;
	struct vnpu_pkt_fence_write fence;
	struct vnpu_pkt_sem_wait sem;
	struct vnpu_pkt_timestamp ts;
	struct vnpu_pkt_dma_copy copy;
	struct vnpu_pkt_dma_fill fill;
	struct vnpu_pkt_matmul mm;
	struct vnpu_pkt_conv2d conv;
	struct vnpu_pkt_pool2d pool;
	struct vnpu_pkt_binary bin;
	struct vnpu_pkt_activation act;
	struct vnpu_pkt_softmax sm;
	struct vnpu_pkt_layernorm ln;
	struct vnpu_pkt_transpose tr;
	struct vnpu_pkt_dma_copy_nd cnd;
	struct vnpu_pkt_unary un;
	struct vnpu_pkt_reduce red;
};

/*
 * Per opcode: the packet's size, the flags it defines, the engine class it occupies, and
 * min_size: the size of its first version when fields were appended since (0: @size), so
 * that streams written before an extension still run, reading the new fields as zero.
 */
struct vnpu_op_info {
	uint32_t size;
	uint32_t flags;
	int engine; /* -1: the command processor, not accounted */
	uint32_t min_size;
};

static const struct vnpu_op_info vnpu_ops[] = {
	[VNPU_OP_NOP] = { sizeof(struct vnpu_pkt_nop), 0, -1 },
	[VNPU_OP_FENCE_WRITE] = { sizeof(struct vnpu_pkt_fence_write), 0, -1 },
	[VNPU_OP_SEM_WAIT] = { sizeof(struct vnpu_pkt_sem_wait), 0, -1 },
	[VNPU_OP_TIMESTAMP] = { sizeof(struct vnpu_pkt_timestamp), 0, -1 },
	[VNPU_OP_DMA_COPY] = { sizeof(struct vnpu_pkt_dma_copy), 0, VNPU_EXEC_DMA },
	[VNPU_OP_DMA_FILL] = { sizeof(struct vnpu_pkt_dma_fill), 0, VNPU_EXEC_DMA },
	[VNPU_OP_MATMUL] = { sizeof(struct vnpu_pkt_matmul),
			     VNPU_MATMUL_F_TRANS_A | VNPU_MATMUL_F_TRANS_B | VNPU_MATMUL_F_BIAS,
			     VNPU_EXEC_COMPUTE, VNPU_PKT_MATMUL_SIZE_V1 },
	[VNPU_OP_CONV2D] = { sizeof(struct vnpu_pkt_conv2d),
			     VNPU_CONV2D_F_BIAS | VNPU_CONV2D_F_PACK_SIZE |
			     VNPU_CONV2D_F_PACK_WEIGHTS | VNPU_CONV2D_F_WEI_PACKED |
			     VNPU_CONV2D_F_ACCUMULATE,
			     VNPU_EXEC_COMPUTE, VNPU_PKT_CONV2D_SIZE_V1 },
	[VNPU_OP_POOL2D] = { sizeof(struct vnpu_pkt_pool2d), VNPU_POOL2D_F_AVG_INCLUDE_PAD,
			     VNPU_EXEC_COMPUTE },
	[VNPU_OP_BINARY] = { sizeof(struct vnpu_pkt_binary),
			     VNPU_BINARY_F_BCAST_ROW | VNPU_BINARY_F_BCAST_COL,
			     VNPU_EXEC_COMPUTE, VNPU_PKT_BINARY_SIZE_V1 },
	[VNPU_OP_ACTIVATION] = { sizeof(struct vnpu_pkt_activation), 0, VNPU_EXEC_COMPUTE },
	[VNPU_OP_SOFTMAX] = { sizeof(struct vnpu_pkt_softmax), 0, VNPU_EXEC_COMPUTE },
	[VNPU_OP_LAYERNORM] = { sizeof(struct vnpu_pkt_layernorm),
				VNPU_LAYERNORM_F_SCALE | VNPU_LAYERNORM_F_SHIFT, VNPU_EXEC_COMPUTE },
	[VNPU_OP_TRANSPOSE] = { sizeof(struct vnpu_pkt_transpose), 0, VNPU_EXEC_COMPUTE },
	[VNPU_OP_DMA_COPY_ND] = { sizeof(struct vnpu_pkt_dma_copy_nd), 0, VNPU_EXEC_DMA },
	[VNPU_OP_UNARY] = { sizeof(struct vnpu_pkt_unary), 0, VNPU_EXEC_COMPUTE },
	[VNPU_OP_REDUCE] = { sizeof(struct vnpu_pkt_reduce), 0, VNPU_EXEC_COMPUTE },
};

/* The state of one stream: its context, where its result goes. */
struct vnpu_stream {
	const struct vnpu_exec_ctx *ctx;
	struct vnpu_exec_result *res;
};

static uint32_t vnpu_dt_size(uint32_t dt)
{
	switch (dt) {
	case VNPU_DT_F32:
	case VNPU_DT_S32:
		return 4;
	case VNPU_DT_BF16:
		return 2;
	case VNPU_DT_S8:
		return 1;
	default:
		return 0;
	}
}

/* The floating-point types that the tensor operations other than MATMUL accept. */
static bool vnpu_dt_float(uint32_t dt)
{
	return dt == VNPU_DT_F32 || dt == VNPU_DT_BF16;
}

static bool vnpu_f32_finite(uint32_t bits)
{
	return (bits & 0x7f800000u) != 0x7f800000u;
}

/* An ACTIVATION packet's function: any epilogue but CLIP, whose bounds it has no room for. */
static bool vnpu_act_valid(uint32_t act)
{
	return act <= VNPU_ACT_TANH;
}

/*
 * An epilogue and its bounds: CLIP's finite and ordered, the other activations' zero (the
 * fields were appended; zero is what a packet written before them holds).
 */
static bool vnpu_epilogue_valid(uint32_t act, uint32_t alpha, uint32_t beta)
{
	float lo, hi;

	if (act != VNPU_ACT_CLIP)
		return act <= VNPU_ACT_TANH && !alpha && !beta;
	if (!vnpu_f32_finite(alpha) || !vnpu_f32_finite(beta))
		return false;
	memcpy(&lo, &alpha, 4);
	memcpy(&hi, &beta, 4);
	return lo <= hi;
}

/*
 * The byte size of a dense tensor of @n dimensions of @es-byte elements. Every product is
 * checked: a shape whose size wraps 64 bits, or exceeds the address space, is invalid rather
 * than small.
 */
static int vnpu_tensor_bytes(const uint64_t *dims, int n, uint64_t es, uint64_t *out)
{
	uint64_t v = es;
	int i;

	for (i = 0; i < n; i++) {
		if (!dims[i] || __builtin_mul_overflow(v, dims[i], &v))
			return -EINVAL;
	}
	if (v > VNPU_MAX_OPERAND_BYTES)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * The byte extent of @count rows of @cols elements, @ld elements apart: the last row ends
 * (count - 1) * ld + cols elements from the start.
 */
static int vnpu_rows_bytes(uint64_t count, uint64_t cols, uint64_t ld, uint64_t es,
			   uint64_t *out)
{
	uint64_t v;

	if (!count || !cols || ld < cols)
		return -EINVAL;
	if (__builtin_mul_overflow(count - 1, ld, &v) || __builtin_add_overflow(v, cols, &v) ||
	    __builtin_mul_overflow(v, es, &v) || v > VNPU_MAX_OPERAND_BYTES)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * Translate one operand. Misalignment is the packet's fault (-EINVAL); a range the address
 * space refuses, or one that wraps the 64-bit VA space, is a memory fault (-EFAULT) and its
 * VA is reported.
 */
static int vnpu_map(struct vnpu_stream *st, uint64_t va, uint64_t len, int write, uint32_t align,
		    void **out)
{
	const struct vnpu_exec_ctx *ctx = st->ctx;
	uint64_t end;
	void *p = NULL;

	if (align > 1 && (va & (align - 1)))
		return -EINVAL;
	if (!__builtin_add_overflow(va, len, &end))
		p = ctx->mem->map(ctx->mem_ctx, va, len, write);
	if (!p) {
		st->res->fault_va = va;
		st->res->fault_len = len;
		st->res->fault_write = write;
		return -EFAULT;
	}
	*out = p;
	return 0;
}

static bool vnpu_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int vnpu_exec_fence(struct vnpu_stream *st, const struct vnpu_pkt_fence_write *p)
{
	void *dst;
	int ret;

	ret = vnpu_map(st, p->va, 8, 1, 8, &dst);
	if (ret)
		return ret;
	vnpu_sync_fence_write(dst, p->value);
	return 0;
}

static int vnpu_exec_sem(struct vnpu_stream *st, const struct vnpu_pkt_sem_wait *p)
{
	void *sem;
	int ret;

	ret = vnpu_map(st, p->va, 8, 0, 8, &sem);
	if (ret)
		return ret;
	return vnpu_sync_sem_wait(st->ctx, sem, p->value, p->timeout_ns);
}

static int vnpu_exec_timestamp(struct vnpu_stream *st, const struct vnpu_pkt_timestamp *p)
{
	void *dst;
	int ret;

	ret = vnpu_map(st, p->va, 8, 1, 8, &dst);
	if (ret)
		return ret;
	vnpu_sync_timestamp(dst);
	return 0;
}

static int vnpu_exec_copy(struct vnpu_stream *st, const struct vnpu_pkt_dma_copy *p)
{
	void *src, *dst;
	int ret;

	if (!p->size || p->size > VNPU_MAX_OPERAND_BYTES)
		return -EINVAL;
	ret = vnpu_map(st, p->src_va, p->size, 0, 1, &src);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, p->size, 1, 1, &dst);
	if (ret)
		return ret;
	vnpu_dma_copy(dst, src, p->size);
	return 0;
}

static int vnpu_exec_fill(struct vnpu_stream *st, const struct vnpu_pkt_dma_fill *p)
{
	void *dst;
	int ret;

	if (p->pad || (p->width != 1 && p->width != 2 && p->width != 4 && p->width != 8))
		return -EINVAL;
	if (!p->size || p->size % p->width || p->size > VNPU_MAX_OPERAND_BYTES)
		return -EINVAL;
	ret = vnpu_map(st, p->dst_va, p->size, 1, p->width, &dst);
	if (ret)
		return ret;
	vnpu_dma_fill(dst, p->size, p->value, p->width);
	return 0;
}

/* @p is the private copy: zero leading dimensions are resolved here for the engine. */
static int vnpu_exec_matmul(struct vnpu_stream *st, struct vnpu_pkt_matmul *p)
{
	bool ta = p->hdr.flags & VNPU_MATMUL_F_TRANS_A, tb = p->hdr.flags & VNPU_MATMUL_F_TRANS_B;
	bool has_bias = p->hdr.flags & VNPU_MATMUL_F_BIAS;
	uint64_t a_bytes, b_bytes, c_bytes, bias_bytes;
	uint32_t a_rows, a_cols, b_rows, b_cols, ses, des;
	void *a, *b, *c, *bias = NULL;
	int ret;

	switch (p->src_type) {
	case VNPU_DT_F32:
		if (p->dst_type != VNPU_DT_F32)
			return -EINVAL;
		break;
	case VNPU_DT_BF16:
		if (p->dst_type != VNPU_DT_BF16 && p->dst_type != VNPU_DT_F32)
			return -EINVAL;
		break;
	case VNPU_DT_S8:
		/* integer results are exact only without the f32 epilogues */
		if (p->dst_type != VNPU_DT_S32 || (p->act != VNPU_ACT_NONE && p->act != VNPU_ACT_RELU))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (!vnpu_epilogue_valid(p->act, p->act_alpha, p->act_beta) || !p->batch || !p->m ||
	    !p->n || !p->k)
		return -EINVAL;
	if (!has_bias && p->bias_va)
		return -EINVAL;
	a_rows = ta ? p->k : p->m;
	a_cols = ta ? p->m : p->k;
	b_rows = tb ? p->n : p->k;
	b_cols = tb ? p->k : p->n;
	if (!p->lda)
		p->lda = a_cols;
	if (!p->ldb)
		p->ldb = b_cols;
	if (!p->ldc)
		p->ldc = p->n;
	ses = vnpu_dt_size(p->src_type);
	des = vnpu_dt_size(p->dst_type);
	if (vnpu_rows_bytes((uint64_t)p->batch * a_rows, a_cols, p->lda, ses, &a_bytes) ||
	    vnpu_rows_bytes((uint64_t)p->batch * b_rows, b_cols, p->ldb, ses, &b_bytes) ||
	    vnpu_rows_bytes((uint64_t)p->batch * p->m, p->n, p->ldc, des, &c_bytes))
		return -EINVAL;
	bias_bytes = (uint64_t)p->n * 4;

	ret = vnpu_map(st, p->a_va, a_bytes, 0, ses, &a);
	if (!ret)
		ret = vnpu_map(st, p->b_va, b_bytes, 0, ses, &b);
	if (!ret && has_bias)
		ret = vnpu_map(st, p->bias_va, bias_bytes, 0, 4, &bias);
	if (!ret)
		ret = vnpu_map(st, p->c_va, c_bytes, 1, des, &c);
	if (ret)
		return ret;
	return vnpu_compute_matmul(st->ctx->compute, p, a, b, bias, c);
}

/*
 * Output size of a sliding window: (in + pads - ((k - 1) * dil + 1)) / stride + 1, which
 * must be >= 1. Done in 64 bits from 32-bit inputs, so nothing here can wrap.
 */
static int vnpu_window_out(uint32_t in, uint32_t pad_lo, uint32_t pad_hi, uint32_t k,
			   uint32_t dil, uint32_t stride, uint64_t *out)
{
	uint64_t span, ext;

	if (!k || !dil || !stride)
		return -EINVAL;
	ext = (uint64_t)(k - 1) * dil + 1;
	/*
	 * Padding as wide as the window adds outputs made of padding alone; the engine
	 * refuses it (oneDNN's kernel generation also grows with the padding: a pad of 2^30
	 * kept an engine busy past every timeout).
	 */
	if (pad_lo >= ext || pad_hi >= ext)
		return -EINVAL;
	span = (uint64_t)in + pad_lo + pad_hi;
	if (span < ext)
		return -EINVAL;
	*out = (span - ext) / stride + 1;
	return 0;
}

/* The bytes of @p's packed weights, as the compute engine lays them out. */
static int vnpu_conv2d_packed_bytes(struct vnpu_stream *st, const struct vnpu_pkt_conv2d *p,
				    uint64_t *bytes)
{
	int ret = vnpu_compute_conv2d_packed_size(st->ctx->compute, p, bytes);

	if (!ret && *bytes > VNPU_MAX_OPERAND_BYTES)
		ret = -EINVAL;
	return ret;
}

/*
 * CONV2D: a convolution, or with a PACK_* flag the packing of its weights (the uAPI header).
 * The packed operand's extent is the compute engine's: it builds the convolution's primitive
 * to learn it, so packed weights are checked by size like every operand, whatever they were
 * packed for.
 */
static int vnpu_exec_conv2d(struct vnpu_stream *st, const struct vnpu_pkt_conv2d *p)
{
	const uint32_t pack_flags = VNPU_CONV2D_F_PACK_SIZE | VNPU_CONV2D_F_PACK_WEIGHTS |
				    VNPU_CONV2D_F_WEI_PACKED;
	uint32_t packing = p->hdr.flags & pack_flags;
	bool has_bias = p->hdr.flags & VNPU_CONV2D_F_BIAS;
	bool pack = packing & (VNPU_CONV2D_F_PACK_SIZE | VNPU_CONV2D_F_PACK_WEIGHTS);
	uint64_t oh, ow, src_b, wei_b, dst_b, packed_b = 0, dims[5];
	void *src, *wei, *dst, *bias = NULL;
	uint32_t es = vnpu_dt_size(p->dtype);
	int ret;

	if (!vnpu_dt_float(p->dtype) || !vnpu_epilogue_valid(p->act, p->act_alpha, p->act_beta))
		return -EINVAL;
	if (!p->groups || !p->c || !p->oc || p->c % p->groups || p->oc % p->groups)
		return -EINVAL;
	if (!has_bias && p->bias_va)
		return -EINVAL;
	/* at most one packing flag; packing reads no source and no bias */
	if (packing & (packing - 1))
		return -EINVAL;
	if (pack && (p->src_va || p->bias_va))
		return -EINVAL;
	if ((packing & VNPU_CONV2D_F_PACK_SIZE) && p->wei_va)
		return -EINVAL;
	/* packing convolves nothing, so has nothing to accumulate into */
	if (pack && (p->hdr.flags & VNPU_CONV2D_F_ACCUMULATE))
		return -EINVAL;
	if (vnpu_window_out(p->h, p->pad_top, p->pad_bottom, p->kh, p->dil_h, p->stride_h, &oh) ||
	    vnpu_window_out(p->w, p->pad_left, p->pad_right, p->kw, p->dil_w, p->stride_w, &ow))
		return -EINVAL;
	dims[0] = p->n, dims[1] = p->h, dims[2] = p->w, dims[3] = p->c;
	if (vnpu_tensor_bytes(dims, 4, es, &src_b))
		return -EINVAL;
	dims[0] = p->oc, dims[1] = p->kh, dims[2] = p->kw, dims[3] = p->c / p->groups;
	if (vnpu_tensor_bytes(dims, 4, es, &wei_b))
		return -EINVAL;
	dims[0] = p->n, dims[1] = oh, dims[2] = ow, dims[3] = p->oc;
	if (vnpu_tensor_bytes(dims, 4, es, &dst_b))
		return -EINVAL;

	/* the operands the job names are mapped before the engine builds anything for them */
	switch (packing) {
	case VNPU_CONV2D_F_PACK_SIZE:
		ret = vnpu_map(st, p->dst_va, 8, 1, 8, &dst);
		if (!ret)
			ret = vnpu_conv2d_packed_bytes(st, p, &packed_b);
		if (ret)
			return ret;
		memcpy(dst, &packed_b, sizeof(packed_b));
		return 0;
	case VNPU_CONV2D_F_PACK_WEIGHTS:
		ret = vnpu_map(st, p->wei_va, wei_b, 0, es, &wei);
		if (!ret)
			ret = vnpu_conv2d_packed_bytes(st, p, &packed_b);
		if (ret)
			return ret;
		/* a reorder onto its own source would read what it already wrote */
		if (vnpu_ranges_overlap(p->wei_va, wei_b, p->dst_va, packed_b))
			return -EINVAL;
		ret = vnpu_map(st, p->dst_va, packed_b, 1, VNPU_CONV2D_PACK_ALIGN, &dst);
		if (ret)
			return ret;
		return vnpu_compute_conv2d_pack(st->ctx->compute, p, wei, dst, packed_b);
	case VNPU_CONV2D_F_WEI_PACKED:
		ret = vnpu_map(st, p->src_va, src_b, 0, es, &src);
		if (!ret)
			ret = vnpu_conv2d_packed_bytes(st, p, &packed_b);
		if (!ret)
			ret = vnpu_map(st, p->wei_va, packed_b, 0, VNPU_CONV2D_PACK_ALIGN, &wei);
		break;
	default:
		ret = vnpu_map(st, p->src_va, src_b, 0, es, &src);
		if (!ret)
			ret = vnpu_map(st, p->wei_va, wei_b, 0, es, &wei);
		break;
	}
	if (!ret && has_bias)
		ret = vnpu_map(st, p->bias_va, (uint64_t)p->oc * 4, 0, 4, &bias);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, dst_b, 1, es, &dst);
	if (ret)
		return ret;
	/* the engine reads the destination as it writes it: a source there would be clobbered */
	if ((p->hdr.flags & VNPU_CONV2D_F_ACCUMULATE) &&
	    vnpu_ranges_overlap(p->src_va, src_b, p->dst_va, dst_b))
		return -EINVAL;
	return vnpu_compute_conv2d(st->ctx->compute, p, src, wei, packing ? packed_b : wei_b, bias,
				   dst);
}

static int vnpu_exec_pool2d(struct vnpu_stream *st, const struct vnpu_pkt_pool2d *p)
{
	uint64_t oh, ow, src_b, dst_b, dims[4];
	uint32_t es = vnpu_dt_size(p->dtype);
	void *src, *dst;
	int ret;

	if (!vnpu_dt_float(p->dtype) || (p->mode != VNPU_POOL_MAX && p->mode != VNPU_POOL_AVG))
		return -EINVAL;
	if ((p->hdr.flags & VNPU_POOL2D_F_AVG_INCLUDE_PAD) && p->mode != VNPU_POOL_AVG)
		return -EINVAL;
	/* a window wholly in the padding would have no value to take */
	if (p->pad_top >= p->kh || p->pad_bottom >= p->kh || p->pad_left >= p->kw ||
	    p->pad_right >= p->kw)
		return -EINVAL;
	if (vnpu_window_out(p->h, p->pad_top, p->pad_bottom, p->kh, 1, p->stride_h, &oh) ||
	    vnpu_window_out(p->w, p->pad_left, p->pad_right, p->kw, 1, p->stride_w, &ow))
		return -EINVAL;
	dims[0] = p->n, dims[1] = p->h, dims[2] = p->w, dims[3] = p->c;
	if (vnpu_tensor_bytes(dims, 4, es, &src_b))
		return -EINVAL;
	dims[1] = oh, dims[2] = ow;
	if (vnpu_tensor_bytes(dims, 4, es, &dst_b))
		return -EINVAL;

	ret = vnpu_map(st, p->src_va, src_b, 0, es, &src);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, dst_b, 1, es, &dst);
	if (ret)
		return ret;
	return vnpu_compute_pool2d(st->ctx->compute, p, src, dst);
}

static int vnpu_exec_binary(struct vnpu_stream *st, const struct vnpu_pkt_binary *p)
{
	bool bcast_row = p->hdr.flags & VNPU_BINARY_F_BCAST_ROW;
	bool bcast_col = p->hdr.flags & VNPU_BINARY_F_BCAST_COL;
	uint32_t es = vnpu_dt_size(p->dtype);
	uint64_t bytes, b_bytes, dims[2] = { p->rows, p->cols };
	void *a, *b, *dst;
	int ret;

	if (!vnpu_dt_float(p->dtype) || p->op < VNPU_BINARY_ADD || p->op > VNPU_BINARY_DIV ||
	    !vnpu_epilogue_valid(p->act, p->act_alpha, p->act_beta) || p->pad)
		return -EINVAL;
	if (vnpu_tensor_bytes(dims, 2, es, &bytes))
		return -EINVAL;
	/* b's extent: a row of cols, a column of rows, one element, or a's (bytes, checked) */
	b_bytes = (uint64_t)(bcast_row ? 1 : p->rows) * (bcast_col ? 1 : p->cols) * es;

	ret = vnpu_map(st, p->a_va, bytes, 0, es, &a);
	if (!ret)
		ret = vnpu_map(st, p->b_va, b_bytes, 0, es, &b);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, bytes, 1, es, &dst);
	if (ret)
		return ret;
	return vnpu_compute_binary(st->ctx->compute, p, a, b, dst);
}

static int vnpu_exec_activation(struct vnpu_stream *st, const struct vnpu_pkt_activation *p)
{
	uint32_t es = vnpu_dt_size(p->dtype);
	uint64_t bytes, dims[1] = { p->count };
	void *src, *dst;
	int ret;

	if (!vnpu_dt_float(p->dtype) || p->act == VNPU_ACT_NONE || !vnpu_act_valid(p->act))
		return -EINVAL;
	if (vnpu_tensor_bytes(dims, 1, es, &bytes))
		return -EINVAL;

	ret = vnpu_map(st, p->src_va, bytes, 0, es, &src);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, bytes, 1, es, &dst);
	if (ret)
		return ret;
	return vnpu_compute_activation(st->ctx->compute, p, src, dst);
}

/* Shapes of SOFTMAX and TRANSPOSE: @ndims (1..4) entries >= 1, the rest 0. */
static int vnpu_check_shape(uint32_t ndims, const uint32_t *dims, uint64_t *dims64)
{
	uint32_t i;

	if (ndims < 1 || ndims > 4)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		if ((i < ndims) != (dims[i] != 0))
			return -EINVAL;
		dims64[i] = dims[i];
	}
	return 0;
}

static int vnpu_exec_softmax(struct vnpu_stream *st, const struct vnpu_pkt_softmax *p)
{
	uint32_t es = vnpu_dt_size(p->dtype);
	uint64_t bytes, dims[4];
	void *src, *dst;
	int ret;

	if (!vnpu_dt_float(p->dtype) || p->pad)
		return -EINVAL;
	if (vnpu_check_shape(p->ndims, p->dims, dims) || p->axis >= p->ndims)
		return -EINVAL;
	if (vnpu_tensor_bytes(dims, p->ndims, es, &bytes))
		return -EINVAL;

	ret = vnpu_map(st, p->src_va, bytes, 0, es, &src);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, bytes, 1, es, &dst);
	if (ret)
		return ret;
	return vnpu_compute_softmax(st->ctx->compute, p, src, dst);
}

static int vnpu_exec_layernorm(struct vnpu_stream *st, const struct vnpu_pkt_layernorm *p)
{
	bool scale = p->hdr.flags & VNPU_LAYERNORM_F_SCALE;
	bool shift = p->hdr.flags & VNPU_LAYERNORM_F_SHIFT;
	uint32_t es = vnpu_dt_size(p->dtype);
	uint64_t bytes, dims[2] = { p->rows, p->cols };
	void *src, *dst, *gamma = NULL, *beta = NULL;
	int ret;

	if (!vnpu_dt_float(p->dtype))
		return -EINVAL;
	/* a finite, non-negative binary32: sign clear, exponent not all ones */
	if ((p->epsilon & 0x80000000u) || (p->epsilon & 0x7f800000u) == 0x7f800000u)
		return -EINVAL;
	if ((!scale && p->gamma_va) || (!shift && p->beta_va))
		return -EINVAL;
	if (vnpu_tensor_bytes(dims, 2, es, &bytes))
		return -EINVAL;

	ret = vnpu_map(st, p->src_va, bytes, 0, es, &src);
	if (!ret && scale)
		ret = vnpu_map(st, p->gamma_va, (uint64_t)p->cols * 4, 0, 4, &gamma);
	if (!ret && shift)
		ret = vnpu_map(st, p->beta_va, (uint64_t)p->cols * 4, 0, 4, &beta);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, bytes, 1, es, &dst);
	if (ret)
		return ret;
	return vnpu_compute_layernorm(st->ctx->compute, p, src, gamma, beta, dst);
}

static int vnpu_exec_transpose(struct vnpu_stream *st, const struct vnpu_pkt_transpose *p)
{
	uint32_t ses = vnpu_dt_size(p->src_type), des = vnpu_dt_size(p->dst_type);
	uint64_t src_b, dst_b, dims[4];
	unsigned int seen = 0;
	void *src, *dst;
	uint32_t i;
	int ret;

	if (!ses || !des || p->pad)
		return -EINVAL;
	if (p->src_type != p->dst_type &&
	    !(vnpu_dt_float(p->src_type) && vnpu_dt_float(p->dst_type)))
		return -EINVAL;
	if (vnpu_check_shape(p->ndims, p->dims, dims))
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		if (i >= p->ndims) {
			if (p->perm[i])
				return -EINVAL;
			continue;
		}
		if (p->perm[i] >= p->ndims || (seen & (1u << p->perm[i])))
			return -EINVAL;
		seen |= 1u << p->perm[i];
	}
	if (vnpu_tensor_bytes(dims, p->ndims, ses, &src_b) ||
	    vnpu_tensor_bytes(dims, p->ndims, des, &dst_b))
		return -EINVAL;
	if (vnpu_ranges_overlap(p->src_va, src_b, p->dst_va, dst_b))
		return -EINVAL;

	ret = vnpu_map(st, p->src_va, src_b, 0, ses, &src);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, dst_b, 1, des, &dst);
	if (ret)
		return ret;
	return vnpu_compute_transpose(st->ctx->compute, p, src, dst);
}

/*
 * The byte extent of one side of a DMA_COPY_ND: the last element sits at sum((dims - 1) *
 * stride), every product checked.
 */
static int vnpu_strided_extent(const struct vnpu_pkt_dma_copy_nd *p, const __u64 *stride,
			       uint64_t *out)
{
	uint64_t last = 0, v;
	uint32_t i;

	for (i = 0; i < p->ndims; i++) {
		if (__builtin_mul_overflow((uint64_t)p->dims[i] - 1, stride[i], &v) ||
		    __builtin_add_overflow(last, v, &last))
			return -EINVAL;
	}
	if (__builtin_add_overflow(last, 1, &v) || __builtin_mul_overflow(v, p->elem_size, &v) ||
	    v > VNPU_MAX_OPERAND_BYTES)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * No two indices of a DMA_COPY_ND write one element: taken by increasing destination stride,
 * each dimension (of more than one index) steps over everything the inner ones span.
 */
static bool vnpu_strided_dst_distinct(const struct vnpu_pkt_dma_copy_nd *p)
{
	uint32_t order[VNPU_COPY_ND_MAX_DIMS], n = 0, i, j;
	uint64_t span = 0;

	for (i = 0; i < p->ndims; i++)
		if (p->dims[i] > 1)
			order[n++] = i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && p->dst_stride[order[j]] < p->dst_stride[order[j - 1]]; j--) {
			uint32_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		uint64_t st = p->dst_stride[order[i]];

		/* span fits: the extent check bounded every (dims - 1) * stride sum */
		if (st <= span)
			return false;
		span += ((uint64_t)p->dims[order[i]] - 1) * st;
	}
	return true;
}

static int vnpu_exec_copy_nd(struct vnpu_stream *st, const struct vnpu_pkt_dma_copy_nd *p)
{
	uint32_t es = p->elem_size, i;
	uint64_t src_b, dst_b;
	void *src, *dst;
	int ret;

	if (es != 1 && es != 2 && es != 4 && es != 8)
		return -EINVAL;
	if (p->ndims < 1 || p->ndims > VNPU_COPY_ND_MAX_DIMS)
		return -EINVAL;
	for (i = 0; i < VNPU_COPY_ND_MAX_DIMS; i++) {
		if (i < p->ndims ? !p->dims[i] :
				   p->dims[i] || p->src_stride[i] || p->dst_stride[i])
			return -EINVAL;
	}
	if (vnpu_strided_extent(p, p->src_stride, &src_b) ||
	    vnpu_strided_extent(p, p->dst_stride, &dst_b) || !vnpu_strided_dst_distinct(p))
		return -EINVAL;
	if (vnpu_ranges_overlap(p->src_va, src_b, p->dst_va, dst_b))
		return -EINVAL;

	ret = vnpu_map(st, p->src_va, src_b, 0, es, &src);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, dst_b, 1, es, &dst);
	if (ret)
		return ret;
	vnpu_dma_copy_nd(dst, src, p);
	return 0;
}

/* A finite binary32 bit pattern. */
static int vnpu_exec_unary(struct vnpu_stream *st, const struct vnpu_pkt_unary *p)
{
	uint32_t es = vnpu_dt_size(p->dtype);
	uint64_t bytes, dims[1] = { p->count };
	bool has_alpha, has_beta;
	void *src, *dst;
	int ret;

	if (!vnpu_dt_float(p->dtype) || p->op < 1 || p->op > VNPU_UNARY_MAX)
		return -EINVAL;
	has_alpha = p->op == VNPU_UNARY_LEAKY_RELU || p->op == VNPU_UNARY_ELU ||
		    p->op == VNPU_UNARY_SELU || p->op == VNPU_UNARY_CLIP ||
		    p->op == VNPU_UNARY_HARDSIGMOID || p->op == VNPU_UNARY_LINEAR;
	has_beta = p->op == VNPU_UNARY_SELU || p->op == VNPU_UNARY_CLIP ||
		   p->op == VNPU_UNARY_HARDSIGMOID || p->op == VNPU_UNARY_LINEAR;
	if ((!has_alpha && p->alpha) || (!has_beta && p->beta) || !vnpu_f32_finite(p->alpha) ||
	    !vnpu_f32_finite(p->beta))
		return -EINVAL;
	if (p->op == VNPU_UNARY_CLIP) {
		float lo, hi;

		memcpy(&lo, &p->alpha, 4);
		memcpy(&hi, &p->beta, 4);
		if (lo > hi)
			return -EINVAL;
	}
	if (vnpu_tensor_bytes(dims, 1, es, &bytes))
		return -EINVAL;

	ret = vnpu_map(st, p->src_va, bytes, 0, es, &src);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, bytes, 1, es, &dst);
	if (ret)
		return ret;
	return vnpu_compute_unary(st->ctx->compute, p, src, dst);
}

static int vnpu_exec_reduce(struct vnpu_stream *st, const struct vnpu_pkt_reduce *p)
{
	uint32_t es = vnpu_dt_size(p->dtype), i;
	uint64_t src_b, dst_b, dims[4], rdims[4];
	void *src, *dst;
	int ret;

	if (!vnpu_dt_float(p->dtype) || p->op < VNPU_REDUCE_SUM || p->op > VNPU_REDUCE_SUM_SQUARE)
		return -EINVAL;
	if (vnpu_check_shape(p->ndims, p->dims, dims))
		return -EINVAL;
	if (!p->axes || (p->axes >> p->ndims))
		return -EINVAL;
	for (i = 0; i < p->ndims; i++)
		rdims[i] = (p->axes & (1u << i)) ? 1 : dims[i];
	if (vnpu_tensor_bytes(dims, p->ndims, es, &src_b) ||
	    vnpu_tensor_bytes(rdims, p->ndims, es, &dst_b))
		return -EINVAL;
	if (vnpu_ranges_overlap(p->src_va, src_b, p->dst_va, dst_b))
		return -EINVAL;

	ret = vnpu_map(st, p->src_va, src_b, 0, es, &src);
	if (!ret)
		ret = vnpu_map(st, p->dst_va, dst_b, 1, es, &dst);
	if (ret)
		return ret;
	return vnpu_compute_reduce(st->ctx->compute, p, src, dst);
}

/* Check the packet's flags and run it; @p is the private copy. */
static int vnpu_exec_packet(struct vnpu_stream *st, union vnpu_pkt *p)
{
	const struct vnpu_op_info *info = &vnpu_ops[p->hdr.opcode];

	if (p->hdr.flags & ~info->flags)
		return -EINVAL;
	if (info->engine == VNPU_EXEC_COMPUTE && !st->ctx->compute)
		return -EINVAL;

	switch (p->hdr.opcode) {
	case VNPU_OP_NOP:
		return 0;
	case VNPU_OP_FENCE_WRITE:
		return vnpu_exec_fence(st, &p->fence);
	case VNPU_OP_SEM_WAIT:
		return vnpu_exec_sem(st, &p->sem);
	case VNPU_OP_TIMESTAMP:
		return vnpu_exec_timestamp(st, &p->ts);
	case VNPU_OP_DMA_COPY:
		return vnpu_exec_copy(st, &p->copy);
	case VNPU_OP_DMA_FILL:
		return vnpu_exec_fill(st, &p->fill);
	case VNPU_OP_MATMUL:
		return vnpu_exec_matmul(st, &p->mm);
	case VNPU_OP_CONV2D:
		return vnpu_exec_conv2d(st, &p->conv);
	case VNPU_OP_POOL2D:
		return vnpu_exec_pool2d(st, &p->pool);
	case VNPU_OP_BINARY:
		return vnpu_exec_binary(st, &p->bin);
	case VNPU_OP_ACTIVATION:
		return vnpu_exec_activation(st, &p->act);
	case VNPU_OP_SOFTMAX:
		return vnpu_exec_softmax(st, &p->sm);
	case VNPU_OP_LAYERNORM:
		return vnpu_exec_layernorm(st, &p->ln);
	case VNPU_OP_TRANSPOSE:
		return vnpu_exec_transpose(st, &p->tr);
	case VNPU_OP_DMA_COPY_ND:
		return vnpu_exec_copy_nd(st, &p->cnd);
	case VNPU_OP_UNARY:
		return vnpu_exec_unary(st, &p->un);
	case VNPU_OP_REDUCE:
		return vnpu_exec_reduce(st, &p->red);
	}
	return -EINVAL;
}

/*
 * Frame the packet at @off: header readable, opcode known, length even and within the
 * stream, no shorter than the opcode's struct, and any tail beyond the struct all zero.
 * Copies the packet into @p.
 */
static int vnpu_read_packet(const uint8_t *cmds, size_t len, size_t off, union vnpu_pkt *p,
			    size_t *pkt_len)
{
	struct vnpu_pkt_header hdr;
	const struct vnpu_op_info *info;
	size_t bytes, i, min_size, copy;

	if (len - off < sizeof(hdr))
		return -EINVAL;
	memcpy(&hdr, cmds + off, sizeof(hdr));
	if (hdr.opcode >= sizeof(vnpu_ops) / sizeof(vnpu_ops[0]) || !vnpu_ops[hdr.opcode].size)
		return -EINVAL;
	info = &vnpu_ops[hdr.opcode];
	bytes = (size_t)hdr.length * 4;
	min_size = info->min_size ? info->min_size : info->size;
	if (hdr.length < 2 || (hdr.length & 1) || bytes > len - off || bytes < min_size)
		return -EINVAL;
	/* NOP's payload is free-form; every other packet's extension tail must be zero */
	if (hdr.opcode != VNPU_OP_NOP) {
		for (i = info->size; i < bytes; i++)
			if (cmds[off + i])
				return -EINVAL;
	}
	/* a packet of an earlier version leaves its appended fields zero: "as before" */
	copy = bytes < info->size ? bytes : info->size;
	memset(p, 0, sizeof(*p));
	memcpy(p, cmds + off, copy);
	p->hdr = hdr;
	*pkt_len = bytes;
	return 0;
}

int vnpu_exec_stream(const struct vnpu_exec_ctx *ctx, const void *cmds, size_t len,
		     struct vnpu_exec_result *res)
{
	struct vnpu_exec_result scratch;
	struct vnpu_stream st = { .ctx = ctx, .res = res ? res : &scratch };
	const uint8_t *bytes = cmds;
	size_t off = 0, pkt_len = 0;
	union vnpu_pkt pkt;
	uint32_t index = 0;
	int ret = 0;

	memset(st.res, 0, sizeof(*st.res));
	if (!ctx || !ctx->mem || !ctx->mem->map || (!cmds && len))
		return st.res->error = -EINVAL;

	while (off < len) {
		uint64_t t0;
		int engine;

		memset(&pkt.hdr, 0, sizeof(pkt.hdr));
		ret = vnpu_sync_check_abort(ctx);
		if (ret)
			break;
		ret = vnpu_read_packet(bytes, len, off, &pkt, &pkt_len);
		if (ret) {
			/* the opcode of a truncated header is whatever part of it is there */
			if (len - off >= sizeof(pkt.hdr.opcode))
				memcpy(&pkt.hdr.opcode, bytes + off, sizeof(pkt.hdr.opcode));
			break;
		}
		engine = vnpu_ops[pkt.hdr.opcode].engine;
		if (engine >= 0 && ctx->inject) {
			ret = ctx->inject(ctx->abort_ctx, (enum vnpu_engine_class)engine);
			if (ret)
				break;
		}
		/* Command-processor packets are not accounted: spare them the clock reads. */
		t0 = engine >= 0 ? vnpu_now_ns() : 0;
		ret = vnpu_exec_packet(&st, &pkt);
		if (engine >= 0)
			st.res->busy_ns[engine] += vnpu_now_ns() - t0;
		if (ret)
			break;
		off += pkt_len;
		index++;
	}
	st.res->packets = index;
	st.res->error = ret;
	if (ret) {
		st.res->fail_index = index;
		st.res->fail_offset = off;
		st.res->fail_opcode = pkt.hdr.opcode;
	}
	return ret;
}
