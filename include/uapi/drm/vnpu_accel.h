/* SPDX-License-Identifier: MIT */
/**
 * DOC: vnpu_accel.h - uAPI of drivers/vnpu, the inference data-centre NPU.
 *
 * The header has two parts:
 *
 * - the command-stream format (below): the packets a job's command buffer holds, executed
 *   in order by the device's command processor, DMA engines and compute engines;
 * - the ioctl interface (buffer objects, VM_BIND, submission, queues), in its own section
 *   at the end of this file.
 *
 * docs/vnpu-isa.md is the full description of every packet, its semantics and its errors.
 */
#ifndef VNPU_ACCEL_H
#define VNPU_ACCEL_H

#include <drm/drm.h>

#if defined(__cplusplus)
extern "C" {
#endif

/*
 * ==========================================================================================
 * Command stream
 * ==========================================================================================
 *
 * A command stream is a sequence of packets, each starting with a struct vnpu_pkt_header.
 * Rules common to every packet:
 *
 * - @length counts 32-bit dwords, header included, and is even: every packet is a multiple
 *   of 8 bytes, so that the 64-bit fields of the next packet stay naturally aligned. The
 *   stream's length is a multiple of 8 bytes and ends exactly at a packet boundary.
 * - A packet shorter than its opcode's struct is rejected. A longer one is accepted only
 *   when the extra tail is all zero: fields added to a packet later go at its end and their
 *   zero value keeps the old meaning, so an old executor runs a new stream that does not use
 *   them and refuses one that does.
 * - Unknown opcodes, unknown flag bits, non-zero pads and out-of-range enum values are
 *   rejected (-EINVAL); nothing in a rejected packet has executed.
 * - Addresses are GPU virtual addresses (VAs) of the job's address space; every operand is
 *   translated, with the access the packet needs, before the packet starts.
 * - Tensors are dense, row-major (the last dimension varies fastest) unless a packet says
 *   otherwise; a tensor VA is aligned to its element size.
 */

/**
 * struct vnpu_pkt_header - the first 8 bytes of every packet.
 * @opcode: one of VNPU_OP_*.
 * @length: packet length in dwords, this header included; even, at least 2.
 * @flags: opcode-specific flags (VNPU_<OP>_F_*); bits not defined for the opcode must be 0.
 */
struct vnpu_pkt_header {
	__u16 opcode;
	__u16 length;
	__u32 flags;
};

/* Opcodes: 0x0x command processor, 0x1x DMA engines, 0x2x compute engines. */
#define VNPU_OP_NOP		0x00
#define VNPU_OP_FENCE_WRITE	0x01
#define VNPU_OP_SEM_WAIT	0x02
#define VNPU_OP_TIMESTAMP	0x03
#define VNPU_OP_DMA_COPY	0x10
#define VNPU_OP_DMA_FILL	0x11
#define VNPU_OP_DMA_COPY_ND	0x12
#define VNPU_OP_MATMUL		0x20
#define VNPU_OP_CONV2D		0x21
#define VNPU_OP_POOL2D		0x22
#define VNPU_OP_BINARY		0x23
#define VNPU_OP_ACTIVATION	0x24
#define VNPU_OP_SOFTMAX		0x25
#define VNPU_OP_LAYERNORM	0x26
#define VNPU_OP_TRANSPOSE	0x27
#define VNPU_OP_UNARY		0x28
#define VNPU_OP_REDUCE		0x29

/* Element data types (0 is invalid, so that a zeroed packet is rejected). */
#define VNPU_DT_F32	1 /* IEEE-754 binary32 */
#define VNPU_DT_BF16	2 /* bfloat16: the upper half of a binary32 */
#define VNPU_DT_S8	3 /* signed 8-bit integer */
#define VNPU_DT_S32	4 /* signed 32-bit integer */

/* Activation functions: the ACTIVATION packet and the epilogue of MATMUL and CONV2D. */
#define VNPU_ACT_NONE		0 /* identity (epilogue only) */
#define VNPU_ACT_RELU		1 /* max(x, 0) */
#define VNPU_ACT_GELU_ERF	2 /* x * 0.5 * (1 + erf(x / sqrt(2))) */
#define VNPU_ACT_GELU_TANH	3 /* x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) */
#define VNPU_ACT_SIGMOID	4 /* 1 / (1 + exp(-x)) */
#define VNPU_ACT_TANH		5 /* tanh(x) */
/*
 * min(max(x, lo), hi), lo and hi the packet's act_alpha and act_beta (binary32 bit patterns,
 * finite, lo <= hi); NaN stays NaN. Epilogue only (CONV2D, MATMUL, BINARY): not ACTIVATION.
 */
#define VNPU_ACT_CLIP		6

/* Largest byte size of one operand: the width of the device's virtual address space. */
#define VNPU_MAX_OPERAND_BYTES	(1ull << 48)

/**
 * struct vnpu_pkt_nop - does nothing; @length may be any even value >= 2 and the payload
 * after the header is ignored (streams use it to pad, or to carry markers for debuggers).
 * @hdr.flags must be 0.
 */
struct vnpu_pkt_nop {
	struct vnpu_pkt_header hdr;
};

/**
 * struct vnpu_pkt_fence_write - user fence: store @value at @va (8-byte aligned) once every
 * earlier packet of the stream has completed, with release ordering.
 */
struct vnpu_pkt_fence_write {
	struct vnpu_pkt_header hdr;
	__u64 va;
	__u64 value;
};

/**
 * struct vnpu_pkt_sem_wait - stall the stream until the 64-bit unsigned value at @va
 * (8-byte aligned) is >= @value (acquire ordering).
 * @timeout_ns: give up after this many nanoseconds with -ETIME; 0 = no limit of its own
 *	(the job's deadline and abort still apply).
 */
struct vnpu_pkt_sem_wait {
	struct vnpu_pkt_header hdr;
	__u64 va;
	__u64 value;
	__u64 timeout_ns;
};

/**
 * struct vnpu_pkt_timestamp - store the CLOCK_MONOTONIC time in nanoseconds at @va
 * (8-byte aligned) once every earlier packet has completed.
 */
struct vnpu_pkt_timestamp {
	struct vnpu_pkt_header hdr;
	__u64 va;
};

/**
 * struct vnpu_pkt_dma_copy - copy @size bytes (>= 1) from @src_va to @dst_va; no alignment
 * requirement. Overlapping ranges copy as if through a temporary buffer.
 */
struct vnpu_pkt_dma_copy {
	struct vnpu_pkt_header hdr;
	__u64 src_va;
	__u64 dst_va;
	__u64 size;
};

/**
 * struct vnpu_pkt_dma_fill - fill @size bytes at @dst_va with the low @width bytes of
 * @value, repeated (little-endian).
 * @width: 1, 2, 4 or 8; @size (>= 1) and @dst_va are multiples of it.
 * @pad: must be 0.
 */
struct vnpu_pkt_dma_fill {
	struct vnpu_pkt_header hdr;
	__u64 dst_va;
	__u64 size;
	__u64 value;
	__u32 width;
	__u32 pad;
};

/* Most dimensions of a DMA_COPY_ND. */
#define VNPU_COPY_ND_MAX_DIMS	6

/**
 * struct vnpu_pkt_dma_copy_nd - strided N-D copy of @elem_size-byte elements: for every
 * index (i0, .., i{ndims-1}) below @dims, the element at @src_va + elem_size * sum(i_d *
 * src_stride[d]) is copied to @dst_va + elem_size * sum(i_d * dst_stride[d]).
 * @elem_size: 1, 2, 4 or 8; @src_va and @dst_va are multiples of it.
 * @ndims: 1 to VNPU_COPY_ND_MAX_DIMS; @dims: >= 1 each; entries past @ndims are 0.
 * @src_stride: elements between neighbours of each dimension; 0 reads one element for
 *	every index of that dimension (broadcast).
 * @dst_stride: likewise for the destination, >= 1 where @dims > 1. Distinct indices must
 *	write distinct elements (the strides of the dimensions, taken from the innermost,
 *	each at least the extent of the ones inside: no two writes alias).
 * Strides past @ndims are 0. The source and destination extents must not overlap.
 * Concat, Split, Slice, Pad (after a DMA_FILL), Expand, Tile and any permutation are one or
 * a few of these.
 */
struct vnpu_pkt_dma_copy_nd {
	struct vnpu_pkt_header hdr;
	__u32 elem_size;
	__u32 ndims;
	__u32 dims[VNPU_COPY_ND_MAX_DIMS];
	__u64 src_stride[VNPU_COPY_ND_MAX_DIMS];
	__u64 dst_stride[VNPU_COPY_ND_MAX_DIMS];
	__u64 src_va;
	__u64 dst_va;
};

#define VNPU_MATMUL_F_TRANS_A	(1u << 0) /* A is stored k x m */
#define VNPU_MATMUL_F_TRANS_B	(1u << 1) /* B is stored n x k */
#define VNPU_MATMUL_F_BIAS	(1u << 2) /* add bias[n] to every row of C */

/**
 * struct vnpu_pkt_matmul - C = act(op(A) x op(B) + bias), @batch times.
 * @src_type: type of A and B: F32, BF16 or S8.
 * @dst_type: type of C: F32 for F32 sources; BF16 or F32 for BF16; S32 for S8.
 * @batch: number of products (>= 1); matrix i starts i * (rows x leading dimension)
 *	elements after matrix 0, for A, B and C alike.
 * @m: rows of C; @n: columns of C; @k: the reduced dimension (all >= 1).
 * @lda: elements between rows of A as stored (m x k, or k x m with TRANS_A); 0 = tight.
 * @ldb: likewise for B (k x n, or n x k with TRANS_B); @ldc: for C (m x n).
 * @act: VNPU_ACT_*; with S8 sources only NONE and RELU.
 * @a_va, @b_va, @c_va: the matrices; @bias_va: n elements, F32 (S32 for S8 sources),
 *	read only with VNPU_MATMUL_F_BIAS and must be 0 without it.
 * @act_alpha, @act_beta: the bounds of VNPU_ACT_CLIP (binary32 bit patterns), 0 with any
 *	other @act. Appended: a packet of VNPU_PKT_MATMUL_SIZE_V1 bytes reads them as 0.
 */
struct vnpu_pkt_matmul {
	struct vnpu_pkt_header hdr;
	__u32 src_type;
	__u32 dst_type;
	__u32 batch;
	__u32 m;
	__u32 n;
	__u32 k;
	__u32 lda;
	__u32 ldb;
	__u32 ldc;
	__u32 act;
	__u64 a_va;
	__u64 b_va;
	__u64 bias_va;
	__u64 c_va;
	__u32 act_alpha;
	__u32 act_beta;
};

/* The size of the first MATMUL packet, before @act_alpha and @act_beta were appended. */
#define VNPU_PKT_MATMUL_SIZE_V1	80

#define VNPU_CONV2D_F_BIAS	(1u << 0) /* add bias[oc] to every output pixel */
/*
 * Packed weights (docs/vnpu-isa.md, "Packed convolution weights"): the engine's own weight
 * layout for one convolution, which depends on the device (the CPU its engine runs on) and
 * is opaque: programs pack their weights at load time, never ship packed bytes. The three
 * flags below exclude one another.
 *
 * PACK_SIZE: the packet does not convolve; it writes the byte size (u64) of the packed
 * weights of the convolution its other fields describe (F_BIAS and @act included) to
 * @dst_va (8-aligned). @src_va, @wei_va and @bias_va must be 0.
 * PACK_WEIGHTS: the packet does not convolve; it packs the weights at @wei_va ([groups][oc /
 * groups][kh][kw][c / groups], @dtype) into @dst_va (VNPU_CONV2D_PACK_ALIGN-aligned, the
 * PACK_SIZE bytes). @src_va and @bias_va must be 0.
 * WEI_PACKED: a convolution whose @wei_va (VNPU_CONV2D_PACK_ALIGN-aligned, the PACK_SIZE
 * bytes) holds weights packed for a packet with the same fields and flags but for the
 * addresses and this flag. Weights packed for another packet give undefined results.
 */
#define VNPU_CONV2D_F_PACK_SIZE		(1u << 1)
#define VNPU_CONV2D_F_PACK_WEIGHTS	(1u << 2)
#define VNPU_CONV2D_F_WEI_PACKED	(1u << 3)
#define VNPU_CONV2D_PACK_ALIGN		64
/*
 * ACCUMULATE: the destination's prior contents are added to the convolution before the
 * epilogue, dst = act(conv(src) + bias + dst): a residual sum fused into the convolution
 * that produces one of its terms. @dst_va must not overlap @src_va's extent. Not with
 * PACK_SIZE or PACK_WEIGHTS; with WEI_PACKED it reads weights packed for the same packet
 * without this flag (the flag does not change the packed layout).
 */
#define VNPU_CONV2D_F_ACCUMULATE	(1u << 4)

/**
 * struct vnpu_pkt_conv2d - 2-D convolution (cross-correlation), NHWC.
 * @dtype: F32 or BF16, for source, weights and destination.
 * @act: VNPU_ACT_* epilogue.
 * @n, @h, @w, @c: source shape, [n][h][w][c].
 * @oc: output channels; @kh, @kw: kernel size; @groups: divides @c and @oc.
 * @stride_h, @stride_w: >= 1.  @dil_h, @dil_w: dilation, >= 1 (1 = dense kernel).
 * @pad_top, @pad_left, @pad_bottom, @pad_right: implicit zero padding, each smaller than
 *	the dilated kernel's extent in its dimension, (k - 1) * dil + 1.
 *
 * Weights are [groups][oc/groups][kh][kw][c/groups]; bias is oc F32 values; destination is
 * [n][oh][ow][oc] with oh = (h + pad_top + pad_bottom - ((kh - 1) * dil_h + 1)) / stride_h
 * + 1 (>= 1), and ow likewise. @bias_va must be 0 without VNPU_CONV2D_F_BIAS.
 * @act_alpha, @act_beta: the bounds of VNPU_ACT_CLIP (binary32 bit patterns), 0 with any
 *	other @act. Appended: a packet of VNPU_PKT_CONV2D_SIZE_V1 bytes reads them as 0.
 */
struct vnpu_pkt_conv2d {
	struct vnpu_pkt_header hdr;
	__u32 dtype;
	__u32 act;
	__u32 n;
	__u32 h;
	__u32 w;
	__u32 c;
	__u32 oc;
	__u32 kh;
	__u32 kw;
	__u32 groups;
	__u32 stride_h;
	__u32 stride_w;
	__u32 pad_top;
	__u32 pad_left;
	__u32 pad_bottom;
	__u32 pad_right;
	__u32 dil_h;
	__u32 dil_w;
	__u64 src_va;
	__u64 wei_va;
	__u64 bias_va;
	__u64 dst_va;
	__u32 act_alpha;
	__u32 act_beta;
};

/* The size of the first CONV2D packet, before @act_alpha and @act_beta were appended. */
#define VNPU_PKT_CONV2D_SIZE_V1	112

#define VNPU_POOL_MAX	1
#define VNPU_POOL_AVG	2

#define VNPU_POOL2D_F_AVG_INCLUDE_PAD	(1u << 0) /* AVG divides by kh * kw, padding included */

/**
 * struct vnpu_pkt_pool2d - 2-D max or average pooling, NHWC.
 * @dtype: F32 or BF16.  @mode: VNPU_POOL_MAX or VNPU_POOL_AVG.
 * @n, @h, @w, @c: source shape; @kh, @kw, @stride_h, @stride_w: >= 1.
 * @pad_*: implicit padding, each smaller than the kernel in its dimension; padded
 *	positions never win a max and, without AVG_INCLUDE_PAD, do not count in an average.
 * Destination [n][oh][ow][c], oh = (h + pad_top + pad_bottom - kh) / stride_h + 1.
 */
struct vnpu_pkt_pool2d {
	struct vnpu_pkt_header hdr;
	__u32 dtype;
	__u32 mode;
	__u32 n;
	__u32 h;
	__u32 w;
	__u32 c;
	__u32 kh;
	__u32 kw;
	__u32 stride_h;
	__u32 stride_w;
	__u32 pad_top;
	__u32 pad_left;
	__u32 pad_bottom;
	__u32 pad_right;
	__u64 src_va;
	__u64 dst_va;
};

#define VNPU_BINARY_ADD	1
#define VNPU_BINARY_SUB	2 /* a - b */
#define VNPU_BINARY_MUL	3
#define VNPU_BINARY_MAX	4
#define VNPU_BINARY_MIN	5
#define VNPU_BINARY_DIV	6 /* a / b, IEEE (x / 0 is +-inf or NaN) */

#define VNPU_BINARY_F_BCAST_ROW	(1u << 0) /* b is one row of @cols, applied to every row */
/*
 * b is one column of @rows, b[r] applied to every element of row r (a [N, C, H, W] tensor
 * scaled per channel by a [N, C, 1, 1] one: rows N x C, cols H x W). With BCAST_ROW too, b
 * is a single element applied to every element.
 */
#define VNPU_BINARY_F_BCAST_COL	(1u << 1)

/* The size of the first BINARY packet, before @act was appended: still a valid length. */
#define VNPU_PKT_BINARY_SIZE_V1	48

/**
 * struct vnpu_pkt_binary - dst = act(a op b), elementwise over a @rows x @cols matrix.
 * @dtype: F32 or BF16 (a, b and dst).  @op: VNPU_BINARY_*.
 * @act: VNPU_ACT_* epilogue applied to each result (NONE: as before the field existed).
 *	Appended: a packet of VNPU_PKT_BINARY_SIZE_V1 bytes reads it as NONE.
 * @pad: must be 0.
 * @act_alpha, @act_beta: the bounds of VNPU_ACT_CLIP (binary32 bit patterns), 0 with any
 *	other @act. Appended after @act: a packet of 56 bytes reads them as 0.
 * Flags: VNPU_BINARY_F_BCAST_ROW, VNPU_BINARY_F_BCAST_COL (both: b is one element); b is
 * read for its own extent.
 * dst may be a, or b when b is not broadcast (in place); partial overlap is undefined.
 */
struct vnpu_pkt_binary {
	struct vnpu_pkt_header hdr;
	__u32 dtype;
	__u32 op;
	__u32 rows;
	__u32 cols;
	__u64 a_va;
	__u64 b_va;
	__u64 dst_va;
	__u32 act;
	__u32 pad;
	__u32 act_alpha;
	__u32 act_beta;
};

/**
 * struct vnpu_pkt_activation - dst = act(src) over @count (>= 1) elements.
 * @dtype: F32 or BF16.  @act: VNPU_ACT_*, not NONE.  dst may equal src.
 */
struct vnpu_pkt_activation {
	struct vnpu_pkt_header hdr;
	__u32 dtype;
	__u32 act;
	__u64 count;
	__u64 src_va;
	__u64 dst_va;
};

/**
 * struct vnpu_pkt_softmax - dst = exp(x - max) / sum(exp(x - max)) along one axis.
 * @dtype: F32 or BF16.  @ndims: 1 to 4.  @dims: the shape, entries past @ndims are 0.
 * @axis: < @ndims.  @pad: must be 0.  dst may equal src.
 */
struct vnpu_pkt_softmax {
	struct vnpu_pkt_header hdr;
	__u32 dtype;
	__u32 ndims;
	__u32 dims[4];
	__u32 axis;
	__u32 pad;
	__u64 src_va;
	__u64 dst_va;
};

#define VNPU_LAYERNORM_F_SCALE	(1u << 0) /* multiply by gamma[cols] */
#define VNPU_LAYERNORM_F_SHIFT	(1u << 1) /* add beta[cols] */

/**
 * struct vnpu_pkt_layernorm - normalise each row of a @rows x @cols matrix:
 * dst = (x - mean) / sqrt(var + eps) [* gamma] [+ beta], the variance biased (divided by
 * @cols).
 * @dtype: F32 or BF16 (src and dst); gamma and beta are F32.
 * @epsilon: the binary32 bit pattern of eps: finite, >= 0.
 * @gamma_va, @beta_va: must be 0 unless the matching flag is set.  dst may equal src.
 */
struct vnpu_pkt_layernorm {
	struct vnpu_pkt_header hdr;
	__u32 dtype;
	__u32 epsilon;
	__u32 rows;
	__u32 cols;
	__u64 src_va;
	__u64 gamma_va;
	__u64 beta_va;
	__u64 dst_va;
};

/**
 * struct vnpu_pkt_transpose - copy a tensor with its dimensions permuted (and optionally
 * converted): dst dimension i is src dimension @perm[i]. A 2-D transpose is @ndims 2,
 * @perm {1, 0}. (A reshape is a plain DMA_COPY: the data is dense either way.)
 * @src_type, @dst_type: equal, or F32 and BF16 either way (round to nearest even).
 * @ndims: 1 to 4; @dims: source shape; @perm: a permutation of 0..ndims-1. Entries past
 *	@ndims, and @pad, are 0. The ranges must not overlap.
 */
struct vnpu_pkt_transpose {
	struct vnpu_pkt_header hdr;
	__u32 src_type;
	__u32 dst_type;
	__u32 ndims;
	__u32 pad;
	__u32 dims[4];
	__u32 perm[4];
	__u64 src_va;
	__u64 dst_va;
};

/* UNARY functions; @alpha and @beta as noted (unused ones must be 0). */
#define VNPU_UNARY_EXP		1  /* e^x */
#define VNPU_UNARY_LOG		2  /* ln x */
#define VNPU_UNARY_SQRT		3
#define VNPU_UNARY_ABS		4
#define VNPU_UNARY_NEG		5  /* -x */
#define VNPU_UNARY_RECIPROCAL	6  /* 1 / x */
#define VNPU_UNARY_ERF		7
#define VNPU_UNARY_FLOOR	8
#define VNPU_UNARY_CEIL		9
#define VNPU_UNARY_ROUND	10 /* to nearest, ties to even */
#define VNPU_UNARY_SIGN		11 /* -1, 0 or 1 (NaN stays NaN) */
#define VNPU_UNARY_SIN		12
#define VNPU_UNARY_COS		13
#define VNPU_UNARY_LEAKY_RELU	14 /* x >= 0 ? x : alpha * x */
#define VNPU_UNARY_ELU		15 /* x >= 0 ? x : alpha * (e^x - 1) */
#define VNPU_UNARY_SELU		16 /* beta * (x > 0 ? x : alpha * (e^x - 1)) */
#define VNPU_UNARY_CLIP		17 /* min(max(x, alpha), beta); alpha <= beta */
#define VNPU_UNARY_HARDSIGMOID	18 /* max(0, min(1, alpha * x + beta)) */
#define VNPU_UNARY_HARDSWISH	19 /* x * max(0, min(1, x / 6 + 1 / 2)) */
#define VNPU_UNARY_SOFTPLUS	20 /* ln(1 + e^x) */
#define VNPU_UNARY_SOFTSIGN	21 /* x / (1 + |x|) */
#define VNPU_UNARY_LINEAR	22 /* alpha * x + beta */
#define VNPU_UNARY_MAX		VNPU_UNARY_LINEAR

/**
 * struct vnpu_pkt_unary - dst = f(src) over @count (>= 1) elements, f one of VNPU_UNARY_*.
 * @dtype: F32 or BF16.  @op: VNPU_UNARY_*.
 * @alpha, @beta: binary32 bit patterns of the parameters of @op (finite); 0 for the
 *	functions that take none.  dst may equal src; partial overlap is undefined.
 */
struct vnpu_pkt_unary {
	struct vnpu_pkt_header hdr;
	__u32 dtype;
	__u32 op;
	__u64 count;
	__u32 alpha;
	__u32 beta;
	__u64 src_va;
	__u64 dst_va;
};

#define VNPU_REDUCE_SUM		1
#define VNPU_REDUCE_MEAN	2
#define VNPU_REDUCE_MAX		3
#define VNPU_REDUCE_MIN		4
#define VNPU_REDUCE_PROD	5
#define VNPU_REDUCE_L1		6 /* sum |x| */
#define VNPU_REDUCE_L2		7 /* sqrt(sum x^2) */
#define VNPU_REDUCE_SUM_SQUARE	8 /* sum x^2 */

/**
 * struct vnpu_pkt_reduce - reduce a tensor over a set of its dimensions.
 * @dtype: F32 or BF16 (source and destination).  @op: VNPU_REDUCE_*.
 * @ndims: 1 to 4; @dims: the source shape, entries past @ndims 0.
 * @axes: bit d set reduces dimension d; not 0, no bit at or above @ndims.
 * The destination is dense with the source's shape, reduced dimensions 1. The ranges must not
 * overlap.
 */
struct vnpu_pkt_reduce {
	struct vnpu_pkt_header hdr;
	__u32 dtype;
	__u32 op;
	__u32 ndims;
	__u32 axes;
	__u32 dims[4];
	__u64 src_va;
	__u64 dst_va;
};

/*
 * ==========================================================================================
 * ioctl interface
 * ==========================================================================================
 *
 * Buffer objects, address spaces (VM_BIND), submission and queues are added here, numbered
 * from DRM_COMMAND_BASE; a submitted job's command buffer holds the packets above.
 */

/*
 * Rules common to every ioctl below: fields are fixed-width and naturally aligned so that
 * 32- and 64-bit callers share one layout; every pad must be 0 and every unknown flag bit
 * must be clear (-EINVAL otherwise), so that a later kernel can give them a meaning. A
 * struct only ever grows at its end; the core zero-fills the tail an old caller does not pass.
 *
 * Numbers: 0x00 GET_PARAM, 0x01 BO_CREATE, 0x02 BO_INFO, 0x03 VM_BIND, 0x04 CONTEXT_CREATE,
 * 0x05 CONTEXT_DESTROY, 0x06 SUBMIT, 0x07 QUEUE_CREATE, 0x08 QUEUE_DESTROY, 0x09 QUEUE_SIGNAL.
 */
#define DRM_VNPU_GET_PARAM		0x00
#define DRM_VNPU_BO_CREATE		0x01
#define DRM_VNPU_BO_INFO		0x02
#define DRM_VNPU_VM_BIND		0x03
#define DRM_VNPU_CONTEXT_CREATE		0x04
#define DRM_VNPU_CONTEXT_DESTROY	0x05
#define DRM_VNPU_SUBMIT			0x06
#define DRM_VNPU_QUEUE_CREATE		0x07
#define DRM_VNPU_QUEUE_DESTROY		0x08
#define DRM_VNPU_QUEUE_SIGNAL		0x09

/* Parameters of DRM_IOCTL_VNPU_GET_PARAM (0 is invalid, so that a zeroed struct fails). */
#define VNPU_PARAM_COMPUTE_ENGINES	1 /* number of compute engines (1..16) */
#define VNPU_PARAM_DMA_ENGINES		2 /* number of DMA engines (1..16) */
#define VNPU_PARAM_VRAM_SIZE		3 /* bytes of on-board memory */
#define VNPU_PARAM_SRAM_SIZE		4 /* bytes of on-chip scratch memory */
#define VNPU_PARAM_QUEUE_DEPTH		5 /* jobs a queue holds (1..4096) */
#define VNPU_PARAM_JOB_TIMEOUT_MS	6 /* a job running longer is aborted (milliseconds) */
#define VNPU_PARAM_VRAM_USED		7 /* bytes of VRAM held by buffer objects, device-wide */
#define VNPU_PARAM_VRAM_FREE		8 /* VRAM_SIZE - VRAM_USED (not necessarily contiguous) */

/**
 * struct drm_vnpu_get_param - DRM_IOCTL_VNPU_GET_PARAM: read one device parameter.
 * @param: in, VNPU_PARAM_*; an unknown value is -EINVAL.
 * @pad: must be 0.
 * @value: out, the parameter's value.
 */
struct drm_vnpu_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/*
 * Buffer-object placement. Without VNPU_BO_VRAM the object is in system memory and always
 * mappable. With it, the object also takes a range of the device's VRAM (64 KiB aligned;
 * -ENOMEM when no range is free) and is CPU-mappable only with VNPU_BO_MAPPABLE: mmap() of
 * a VRAM object created without it fails with -EACCES (the object exists, this kind of
 * access to it is not granted). The backing pages are host memory in every case.
 */
#define VNPU_BO_VRAM		(1u << 0)
#define VNPU_BO_MAPPABLE	(1u << 1)
#define VNPU_BO_FLAGS_ALL	(VNPU_BO_VRAM | VNPU_BO_MAPPABLE)

/**
 * struct drm_vnpu_bo_create - DRM_IOCTL_VNPU_BO_CREATE: make a buffer object.
 * @size: in, bytes (>= 1), rounded up to the page size; out: unchanged (BO_INFO gives the
 *	rounded size).
 * @flags: in, VNPU_BO_*; unknown bits are -EINVAL.
 * @handle: out, the new GEM handle of the calling client.
 */
struct drm_vnpu_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/**
 * struct drm_vnpu_bo_info - DRM_IOCTL_VNPU_BO_INFO: describe a buffer object.
 * @handle: in, a GEM handle of the caller (-ENOENT when unknown).
 * @pad: must be 0.
 * @size: out, bytes (a multiple of the page size).
 * @mmap_offset: out, the fake offset to pass to mmap() on the device file.
 * @flags: out, the VNPU_BO_* the object was created with (0 for imported objects).
 * @pad2: must be 0.
 */
struct drm_vnpu_bo_info {
	__u32 handle;
	__u32 pad;
	__u64 size;
	__u64 mmap_offset;
	__u32 flags;
	__u32 pad2;
};

/*
 * Address space. Every open file of the device has its own GPU virtual address space: the
 * VAs of its jobs' packets. The usable range is [VNPU_VA_START, VNPU_VA_START + VNPU_VA_SIZE),
 * managed in pages of VNPU_VA_PAGE_SIZE bytes; it starts empty at open and everything
 * still mapped is unmapped when the file is closed. A mapping holds its buffer object:
 * closing the handle does not free an object that is still mapped.
 */
#define VNPU_VA_START		0x10000000ull
#define VNPU_VA_SIZE		(1ull << 40)
#define VNPU_VA_PAGE_SIZE	4096ull

#define VNPU_VM_BIND_MAP	1 /* map [bo_offset, bo_offset + size) of handle at va */
#define VNPU_VM_BIND_UNMAP	2 /* unmap [va, va + size) */

#define VNPU_VM_BIND_READONLY	(1u << 0) /* MAP: engines may read, a write faults */
#define VNPU_VM_BIND_FLAGS_ALL	VNPU_VM_BIND_READONLY

/**
 * struct drm_vnpu_vm_bind - DRM_IOCTL_VNPU_VM_BIND: change the caller's address space.
 * @op: VNPU_VM_BIND_MAP or VNPU_VM_BIND_UNMAP; anything else is -EINVAL.
 * @flags: VNPU_VM_BIND_* (MAP only; 0 for UNMAP); unknown bits are -EINVAL.
 * @handle: MAP: a GEM handle of the caller (-ENOENT when unknown); UNMAP: must be 0.
 * @pad: must be 0.
 * @va: first address; a multiple of VNPU_VA_PAGE_SIZE.
 * @size: bytes; non-zero, a multiple of VNPU_VA_PAGE_SIZE, and [@va, @va + @size) inside the
 *	address space.
 * @bo_offset: MAP: where in the object the range starts (page multiple; the range must
 *	fit in the object); UNMAP: must be 0.
 *
 * The kernel's split semantics: a MAP replaces whatever it overlaps (mappings it covers go,
 * mappings it cuts keep their parts outside the new range, each still backed by the object
 * pages it had); an UNMAP removes [@va, @va + @size) the same way, and unmapping a range
 * where nothing is mapped succeeds. Every argument error is -EINVAL and changes nothing.
 */
struct drm_vnpu_vm_bind {
	__u32 op;
	__u32 flags;
	__u32 handle;
	__u32 pad;
	__u64 va;
	__u64 size;
	__u64 bo_offset;
};

/*
 * Contexts and submission. A context is a queue of jobs on one engine class, at one
 * priority; the device's scheduler runs the jobs of all contexts on the class's engines
 * (highest priority first, oldest first within a priority; a context's jobs run one after
 * the other, in submission order). A job is a command stream (the packets above) in a buffer
 * object, executed in the submitting client's address space.
 *
 * A job's fence (its out-syncobj) signals when the job is over, with an error when it
 * failed: the executor's errno (-EINVAL for a malformed packet, -EFAULT for an access
 * outside the client's mappings, -ETIME for a semaphore wait that timed out), -EIO for a DMA
 * error or an engine reset, -ETIME when the job ran past the device's job timeout, and
 * -ECANCELED for a job of a context that was killed. A job whose in-fence carries an error
 * does not run: its fence gets the same error. A job that runs past the timeout is aborted,
 * the engine reset, and its context killed: the context's queued jobs complete with
 * -ECANCELED and later SUBMITs on it fail with -ECANCELED; other contexts go on unaffected.
 * Closing the file lets each context's queued jobs start for up to a second, then completes
 * the rest with -ESRCH without running them; jobs already running complete.
 */
#define VNPU_ENGINE_COMPUTE	0 /* compute engines: every packet */
#define VNPU_ENGINE_DMA		1 /* DMA engines: command-processor and DMA packets only */

#define VNPU_PRIORITY_NORMAL	0
#define VNPU_PRIORITY_LOW	1
#define VNPU_PRIORITY_HIGH	2 /* only for callers with CAP_SYS_ADMIN (-EACCES otherwise) */

/**
 * struct drm_vnpu_context_create - DRM_IOCTL_VNPU_CONTEXT_CREATE: make a context.
 * @engine: in, VNPU_ENGINE_*.  @priority: in, VNPU_PRIORITY_*.  @flags: in, must be 0.
 * @ctx_id: out, the context's id in this file (lowest free from 1).
 *
 * A file holds at most VNPU_MAX_CONTEXTS contexts (-ENOSPC beyond).
 */
struct drm_vnpu_context_create {
	__u32 engine;
	__u32 priority;
	__u32 flags;
	__u32 ctx_id;
};

#define VNPU_MAX_CONTEXTS	256

/**
 * struct drm_vnpu_context_destroy - DRM_IOCTL_VNPU_CONTEXT_DESTROY: as closing the file
 * does for all of them: queued jobs get up to a second to start, the rest complete with
 * -ESRCH. @ctx_id: the context (-ENOENT when unknown).  @pad: must be 0.
 */
struct drm_vnpu_context_destroy {
	__u32 ctx_id;
	__u32 pad;
};

/**
 * struct drm_vnpu_sync - a syncobj and a point on it.
 * @handle: the syncobj (-ENOENT when unknown).  @flags: must be 0.
 * @point: the timeline point; 0 for a binary syncobj (its current fence).
 */
struct drm_vnpu_sync {
	__u32 handle;
	__u32 flags;
	__u64 point;
};

#define VNPU_MAX_IN_SYNCS	64
#define VNPU_MAX_CMD_SIZE	(16u << 20)

/**
 * struct vnpu_job_profile - what the device writes at @profile_va of a SUBMIT when the job is
 * over (before its fence signals), for profilers. Times are CLOCK_MONOTONIC nanoseconds.
 * @submit_ns: the SUBMIT; @start_ns: the job reached its engine; @end_ns: it left it.
 * @busy_ns: time in packets per engine class: [0] DMA, [1] compute.
 * @engine_class, @engine_instance: the engine that ran the job (VNPU_ENGINE_*, index).
 * @error: the job's result (0 or a negative errno).  @packets: packets completed.
 */
struct vnpu_job_profile {
	__u64 submit_ns;
	__u64 start_ns;
	__u64 end_ns;
	__u64 busy_ns[2];
	__u32 engine_class;
	__u32 engine_instance;
	__s32 error;
	__u32 packets;
};

/**
 * struct drm_vnpu_submit - DRM_IOCTL_VNPU_SUBMIT: queue a job on a context.
 * @ctx_id: the context (-ENOENT when unknown).  @flags: must be 0.
 * @cmd_handle: the buffer object holding the command stream (-ENOENT when unknown).
 * @num_in_syncs: entries of @in_syncs, at most VNPU_MAX_IN_SYNCS.
 * @cmd_offset: where the stream starts in the object, a multiple of 8.
 * @cmd_size: its length in bytes: a multiple of 8, 8 to VNPU_MAX_CMD_SIZE, and within the
 *	object. The device reads the stream when the job runs (not at SUBMIT).
 * @in_syncs: pointer to @num_in_syncs struct drm_vnpu_sync: the job starts once all of
 *	their fences have signalled. A point with no fence yet is -EINVAL (submit in order, or
 *	wait with DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT first).
 * @out_sync: the syncobj that gets the job's fence (replacing its fence, or as timeline
 *	point @out_sync.point when non-zero); @out_sync.handle 0 for none.
 * @profile_va: 0, or an 8-byte aligned VA of the client's address space, mapped writable,
 *	where the device writes a struct vnpu_job_profile when the job is over. A job that
 *	does not run because an in-fence failed writes it too, with @start_ns and @end_ns 0
 *	and that error; a job of a killed or destroyed context that never ran writes none.
 * @job_id: out, the job's sequence number on its context (1, 2, ...).
 *
 * Return: 0; -EINVAL for bad arguments; -ENOENT; -EBUSY when the context already holds
 * VNPU_PARAM_QUEUE_DEPTH jobs that are not over; -ECANCELED on a killed context; -ENODEV
 * after unplug; -ENOMEM.
 */
struct drm_vnpu_submit {
	__u32 ctx_id;
	__u32 flags;
	__u32 cmd_handle;
	__u32 num_in_syncs;
	__u64 cmd_offset;
	__u64 cmd_size;
	__u64 in_syncs;
	struct drm_vnpu_sync out_sync;
	__u64 profile_va;
	__u64 job_id;
};

/*
 * User-space queues. A queue is a ring in memory shared by the client and the device: the
 * client writes entries (packets, or a pointer to a command stream) and rings a doorbell with
 * plain stores; the device's queue engine executes entries in order and publishes how far it
 * got in the same memory. No system call is on the submission or the completion path.
 * docs/vnpu-uq.md describes the protocol; libaccel's include/libaccel_vnpu.h implements it.
 *
 * The queue object (QUEUE_CREATE's @handle, mapped with BO_INFO's mmap offset) holds
 * struct vnpu_uq_control at offset 0 and the ring at VNPU_UQ_RING_OFFSET. The device reads
 * the ring directly (it need not be VM_BOUND); the packets in it reach memory only through
 * the client's address space, as a SUBMITted job's do.
 *
 * An entry that fails (a malformed entry or packet, an MMU fault, a packet running past the
 * device's job timeout) stops its queue: @status becomes VNPU_UQ_STATUS_ERROR with @error,
 * @error_seqno and @fault_va set, later entries are not executed, and fences attached with
 * QUEUE_SIGNAL past the last completed entry signal with the error. Other queues go on.
 * Closing the file (or the client's death) destroys its queues.
 */
#define VNPU_UQ_RING_OFFSET	4096u
#define VNPU_UQ_RING_MIN	4096u
#define VNPU_UQ_RING_MAX	(1u << 20)
#define VNPU_MAX_QUEUES		64	/* per open file */

#define VNPU_UQ_STATUS_RUNNING	0
#define VNPU_UQ_STATUS_ERROR	1

/**
 * struct vnpu_uq_control - the first page of a queue object. Each half is written by one side
 * only; 64-bit counters are read and written whole (naturally aligned atomics).
 *
 * Written by the client:
 * @wptr: bytes of entries written to the ring since creation (offset = @wptr % ring size);
 *	advanced with release ordering after the entry's bytes.
 * @doorbell: incremented after @wptr moved; a futex word the device sleeps on when
 *	@device_sleeping says so (wake it with FUTEX_WAKE on this word).
 * @waiters: non-zero while a client thread sleeps on @completed_futex or @rptr_futex, so
 *	that the device calls FUTEX_WAKE.
 *
 * Written by the device:
 * @rptr: bytes consumed (entries completed or skipped); the space before it is free.
 * @completed: seqno of the last completed entry (release ordering after its results).
 * @completed_futex: the low 32 bits of @completed, a futex word.
 * @rptr_futex: incremented whenever @rptr moves, a futex word for a writer waiting for space.
 * @device_sleeping: the device is (about to be) asleep on @doorbell.
 * @status: VNPU_UQ_STATUS_*.  @error: the errno that stopped the queue.
 * @error_seqno: the entry that failed.  @fault_va: the VA an MMU fault refused (-EFAULT).
 */
struct vnpu_uq_control {
	__u64 wptr;
	__u32 doorbell;
	__u32 waiters;
	__u8 client_pad[48];

	__u64 rptr;
	__u64 completed;
	__u32 completed_futex;
	__u32 rptr_futex;
	__u32 device_sleeping;
	__u32 status;
	__s32 error;
	__u32 device_pad0;
	__u64 error_seqno;
	__u64 fault_va;
	__u8 device_pad[8];
};

#define VNPU_UQ_ENTRY_PAD	(1u << 0) /* skip @length bytes (fills the ring to its end) */
#define VNPU_UQ_ENTRY_INDIRECT	(1u << 1) /* the body is a struct vnpu_uq_indirect */

/**
 * struct vnpu_uq_entry - the header of one ring entry, followed by its body: packets of the
 * command-stream format, or with VNPU_UQ_ENTRY_INDIRECT one struct vnpu_uq_indirect.
 * @length: bytes of the entry, header included: a multiple of 8, at least 16, and the entry
 *	lies wholly before the ring's end (a PAD entry fills the rest of the ring first; when
 *	fewer than 16 bytes are left before the end they are skipped without one).
 * @flags: VNPU_UQ_ENTRY_*; other bits are -EINVAL.
 * @seqno: the previous entry's seqno + 1 (the first is 1); PAD entries carry 0 and do not
 *	count. A wrong seqno stops the queue with -EINVAL.
 */
struct vnpu_uq_entry {
	__u32 length;
	__u32 flags;
	__u64 seqno;
};

/**
 * struct vnpu_uq_indirect - an entry's command stream elsewhere in the client's address space.
 * @va: 8-byte aligned; @size: bytes, a multiple of 8, 8 to VNPU_MAX_CMD_SIZE.
 */
struct vnpu_uq_indirect {
	__u64 va;
	__u64 size;
};

/**
 * struct drm_vnpu_queue_create - DRM_IOCTL_VNPU_QUEUE_CREATE: make a user queue.
 * @ring_size: in, bytes: a power of two, VNPU_UQ_RING_MIN to VNPU_UQ_RING_MAX.
 * @flags: in, must be 0.
 * @handle: out, the queue object's GEM handle (control page and ring, zeroed).
 * @queue_id: out, the queue's id in this file (lowest free from 1; -ENOSPC past
 *	VNPU_MAX_QUEUES).
 */
struct drm_vnpu_queue_create {
	__u32 ring_size;
	__u32 flags;
	__u32 handle;
	__u32 queue_id;
};

/**
 * struct drm_vnpu_queue_destroy - DRM_IOCTL_VNPU_QUEUE_DESTROY: stop the queue (an entry in
 * progress is aborted) and free it; fences attached past its last completed entry signal
 * with -ECANCELED. The queue object lives on while the client holds its handle or mapping.
 * @queue_id: -ENOENT when unknown.  @pad: must be 0.
 */
struct drm_vnpu_queue_destroy {
	__u32 queue_id;
	__u32 pad;
};

/**
 * struct drm_vnpu_queue_signal - DRM_IOCTL_VNPU_QUEUE_SIGNAL: put into a syncobj a fence that
 * signals once the queue has completed entry @seqno (at once if it has), with the queue's
 * error if it stops first, so that syncobj waits, sync_files and eventfds see user-queue
 * work. @queue_id: -ENOENT when unknown.  @flags: must be 0.  @seqno: >= 1.
 * @out_sync: the syncobj (replacing its fence, or as point @out_sync.point when non-zero).
 */
struct drm_vnpu_queue_signal {
	__u32 queue_id;
	__u32 flags;
	__u64 seqno;
	struct drm_vnpu_sync out_sync;
};

#define DRM_IOCTL_VNPU_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VNPU_GET_PARAM, struct drm_vnpu_get_param)
#define DRM_IOCTL_VNPU_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VNPU_BO_CREATE, struct drm_vnpu_bo_create)
#define DRM_IOCTL_VNPU_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VNPU_BO_INFO, struct drm_vnpu_bo_info)
#define DRM_IOCTL_VNPU_VM_BIND \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VNPU_VM_BIND, struct drm_vnpu_vm_bind)

#define DRM_IOCTL_VNPU_CONTEXT_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VNPU_CONTEXT_CREATE, struct drm_vnpu_context_create)
#define DRM_IOCTL_VNPU_CONTEXT_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VNPU_CONTEXT_DESTROY, struct drm_vnpu_context_destroy)
#define DRM_IOCTL_VNPU_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VNPU_SUBMIT, struct drm_vnpu_submit)

#define DRM_IOCTL_VNPU_QUEUE_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VNPU_QUEUE_CREATE, struct drm_vnpu_queue_create)
#define DRM_IOCTL_VNPU_QUEUE_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VNPU_QUEUE_DESTROY, struct drm_vnpu_queue_destroy)
#define DRM_IOCTL_VNPU_QUEUE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VNPU_QUEUE_SIGNAL, struct drm_vnpu_queue_signal)

#if defined(__cplusplus)
}
#endif

#endif
