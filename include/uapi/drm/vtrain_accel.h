/* SPDX-License-Identifier: MIT */
/**
 * DOC: vtrain_accel.h - uAPI of drivers/vtrain, the training data-centre card.
 *
 * A vtrain card has device memory of HBM class (VTRAIN_PARAM_HBM_SIZE bytes, backed lazily
 * by host pages as it is first touched), compute engines, DMA engines and link ports that
 * join it to the other cards of its host (scale-up, `links = mesh|ring` in the device's
 * configuration section) and, later, to cards of other hosts (scale-out over libfabric).
 *
 * The header has three parts:
 *
 * - the command-stream format: packets executed in order by the card's command processor,
 *   with the same framing rules as vnpu's (include/uapi/drm/vnpu_accel.h, docs/vnpu-isa.md),
 *   so that the framing and validation code is shared;
 * - communicators: groups of ranks, each rank a (host, card) pair, that collective and
 *   point-to-point packets name;
 * - the ioctls.
 *
 * docs/vtrain.md describes every packet, its semantics and its errors.
 */
#ifndef VTRAIN_ACCEL_H
#define VTRAIN_ACCEL_H

#include <drm/drm.h>

#if defined(__cplusplus)
extern "C" {
#endif

/*
 * ==========================================================================================
 * Command stream
 * ==========================================================================================
 *
 * Framing is vnpu's: every packet starts with a struct vtrain_pkt_header (same layout as
 * struct vnpu_pkt_header); @length counts dwords, header included, and is even; a packet
 * shorter than its opcode's struct is rejected, a longer one only with an all-zero tail;
 * unknown opcodes, unknown flag bits, non-zero pads and out-of-range enums are -EINVAL and
 * a stream with one such packet does not execute at all (it is validated before it runs).
 *
 * Addresses are device addresses: BO_INFO gives each buffer object's @dev_addr, the start
 * of its range in the card's HBM aperture. A packet operand must lie entirely inside one
 * buffer object the submitting file holds a handle to (-EFAULT otherwise). Tensors are dense
 * and row-major unless a packet says otherwise; every tensor address is 4-byte aligned.
 * All elements are IEEE-754 binary32 (VTRAIN_DT_F32) unless a packet says otherwise.
 */

/**
 * struct vtrain_pkt_header - the first 8 bytes of every packet.
 * @opcode: one of VTRAIN_OP_*.
 * @length: packet length in dwords, this header included; even, at least 2.
 * @flags: opcode-specific flags (VTRAIN_<OP>_F_*); bits not defined for the opcode must be 0.
 */
struct vtrain_pkt_header {
	__u16 opcode;
	__u16 length;
	__u32 flags;
};

/*
 * Opcodes: 0x0x command processor, 0x1x DMA engines, 0x2x forward compute, 0x3x backward
 * compute and optimizers, 0x4x links (point-to-point and collectives).
 */
#define VTRAIN_OP_NOP			0x00
#define VTRAIN_OP_FENCE_WRITE		0x01
#define VTRAIN_OP_DMA_COPY		0x10
#define VTRAIN_OP_DMA_FILL		0x11
#define VTRAIN_OP_MATMUL		0x20
#define VTRAIN_OP_ELEMENTWISE		0x21
#define VTRAIN_OP_ACTIVATION		0x22
#define VTRAIN_OP_REDUCE		0x23
#define VTRAIN_OP_SOFTMAX_XENT		0x24
#define VTRAIN_OP_ACTIVATION_GRAD	0x30
#define VTRAIN_OP_SOFTMAX_XENT_GRAD	0x31
#define VTRAIN_OP_SGD_MOMENTUM		0x32
#define VTRAIN_OP_ADAM			0x33
#define VTRAIN_OP_P2P_SEND		0x40
#define VTRAIN_OP_P2P_RECV		0x41
#define VTRAIN_OP_ALL_REDUCE		0x42
#define VTRAIN_OP_REDUCE_SCATTER	0x43
#define VTRAIN_OP_ALL_GATHER		0x44
#define VTRAIN_OP_BROADCAST		0x45
#define VTRAIN_OP_BARRIER		0x46

/* Element data types (0 is invalid, so that a zeroed packet is rejected). */
#define VTRAIN_DT_F32	1 /* IEEE-754 binary32 */
#define VTRAIN_DT_BF16	2 /* bfloat16: the upper half of a binary32 (MATMUL sources only) */

/** struct vtrain_pkt_nop - does nothing; any @length (the tail is not checked for zero). */
struct vtrain_pkt_nop {
	struct vtrain_pkt_header hdr;
};

/**
 * struct vtrain_pkt_fence_write - write @value (8 bytes) at @addr once every packet before
 * this one has completed. @addr: 8-byte aligned.
 */
struct vtrain_pkt_fence_write {
	struct vtrain_pkt_header hdr;
	__u64 addr;
	__u64 value;
};

/**
 * struct vtrain_pkt_dma_copy - copy @size bytes from @src to @dst on this card.
 * @size: >= 1. The ranges must not overlap (-EINVAL).
 */
struct vtrain_pkt_dma_copy {
	struct vtrain_pkt_header hdr;
	__u64 src;
	__u64 dst;
	__u64 size;
};

/**
 * struct vtrain_pkt_dma_fill - write the 32-bit @pattern over @size bytes at @dst.
 * @size: >= 4, a multiple of 4.  @pad: must be 0.
 */
struct vtrain_pkt_dma_fill {
	struct vtrain_pkt_header hdr;
	__u64 dst;
	__u64 size;
	__u32 pattern;
	__u32 pad;
};

#define VTRAIN_MATMUL_F_TRANS_A		(1u << 0) /* A is stored k x m: use its transpose */
#define VTRAIN_MATMUL_F_TRANS_B		(1u << 1) /* B is stored n x k: use its transpose */
#define VTRAIN_MATMUL_F_ACCUMULATE	(1u << 2) /* C += product (gradient accumulation) */
#define VTRAIN_MATMUL_F_BIAS		(1u << 3) /* add bias[j] to every row of C */

/**
 * struct vtrain_pkt_matmul - C = op(A) x op(B) (+ bias) (+ C with ACCUMULATE).
 * @src_type: type of A and B: F32 or BF16.  @dst_type: type of C: F32.
 * @m: rows of C; @n: columns of C; @k: the reduced dimension (all >= 1).
 * @lda, @ldb, @ldc: elements between rows as stored; 0 = tight.
 * @a, @b, @c: the matrices; @bias: n F32 elements with VTRAIN_MATMUL_F_BIAS, else must be 0.
 * @pad: must be 0.
 *
 * The backward pass of Y = X W is dX = dY W^T (TRANS_B) and dW = X^T dY (TRANS_A).
 */
struct vtrain_pkt_matmul {
	struct vtrain_pkt_header hdr;
	__u32 src_type;
	__u32 dst_type;
	__u32 m;
	__u32 n;
	__u32 k;
	__u32 lda;
	__u32 ldb;
	__u32 ldc;
	__u64 a;
	__u64 b;
	__u64 bias;
	__u64 c;
};

/* Element-wise binary operations: dst[i] = a[i] op b[i]. */
#define VTRAIN_EW_ADD		1
#define VTRAIN_EW_SUB		2
#define VTRAIN_EW_MUL		3
#define VTRAIN_EW_DIV		4
#define VTRAIN_EW_MAX		5
#define VTRAIN_EW_MIN		6
#define VTRAIN_EW_AXPBY		7 /* dst = alpha * a + beta * b */

#define VTRAIN_EW_F_BROADCAST_ROW	(1u << 0) /* b has @cols elements, reused for every row */

/**
 * struct vtrain_pkt_elementwise - @rows x @cols element-wise operation.
 * @op: VTRAIN_EW_*.  @rows, @cols: >= 1.
 * @a, @b, @dst: the operands; @dst may equal @a or @b.  @pad: must be 0.
 * @alpha, @beta: binary32 bit patterns read only by VTRAIN_EW_AXPBY, 0 otherwise.
 */
struct vtrain_pkt_elementwise {
	struct vtrain_pkt_header hdr;
	__u32 op;
	__u32 rows;
	__u32 cols;
	__u32 pad;
	__u64 a;
	__u64 b;
	__u64 dst;
	__u32 alpha;
	__u32 beta;
};

/* Activations (and, in ACTIVATION_GRAD, their derivatives). */
#define VTRAIN_ACT_RELU		1 /* max(x, 0); derivative 1 for x > 0, else 0 */
#define VTRAIN_ACT_SIGMOID	2 /* 1 / (1 + exp(-x)) */
#define VTRAIN_ACT_TANH		3 /* tanh(x) */
#define VTRAIN_ACT_GELU_TANH	4 /* x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) */

/**
 * struct vtrain_pkt_activation - dst[i] = act(src[i]) over @count elements.
 * @act: VTRAIN_ACT_*.  @pad: must be 0.  @count: >= 1.  @src, @dst: may be equal.
 */
struct vtrain_pkt_activation {
	struct vtrain_pkt_header hdr;
	__u32 act;
	__u32 pad;
	__u64 count;
	__u64 src;
	__u64 dst;
};

/**
 * struct vtrain_pkt_activation_grad - dx[i] = dy[i] * act'(x[i]) over @count elements.
 * @act: VTRAIN_ACT_*.  @x: the forward input; @dy: the gradient of the output;
 * @dx: the gradient of the input (may equal @dy).
 */
struct vtrain_pkt_activation_grad {
	struct vtrain_pkt_header hdr;
	__u32 act;
	__u32 pad;
	__u64 count;
	__u64 x;
	__u64 dy;
	__u64 dx;
};

/* Reductions over the last dimension (@cols) of a @rows x @cols tensor. */
#define VTRAIN_REDUCE_SUM	1
#define VTRAIN_REDUCE_MEAN	2
#define VTRAIN_REDUCE_MAX	3
#define VTRAIN_REDUCE_MIN	4

#define VTRAIN_REDUCE_F_ROWS	(1u << 0) /* reduce over rows instead: @cols results */

/**
 * struct vtrain_pkt_reduce - dst[r] = op over c of src[r][c] (@rows results), or with
 * VTRAIN_REDUCE_F_ROWS dst[c] = op over r of src[r][c] (@cols results: the bias gradient).
 * @op: VTRAIN_REDUCE_*.  @rows, @cols: >= 1.
 */
struct vtrain_pkt_reduce {
	struct vtrain_pkt_header hdr;
	__u32 op;
	__u32 rows;
	__u32 cols;
	__u32 pad;
	__u64 src;
	__u64 dst;
};

/**
 * struct vtrain_pkt_softmax_xent - softmax cross-entropy of @rows rows of @classes logits.
 * @labels: @rows 32-bit class indices (each < @classes: -EDOM otherwise, found at run time).
 * @probs: out, @rows x @classes softmax probabilities (kept for the gradient).
 * @loss: out, one F32: the mean over rows of -log(probs[r][labels[r]]).
 */
struct vtrain_pkt_softmax_xent {
	struct vtrain_pkt_header hdr;
	__u32 rows;
	__u32 classes;
	__u64 logits;
	__u64 labels;
	__u64 probs;
	__u64 loss;
};

/**
 * struct vtrain_pkt_softmax_xent_grad - dlogits = (probs - onehot(labels)) * @scale.
 * @scale: binary32 bit pattern; 1/@rows gives the gradient of the mean loss of this batch,
 *	1/(global batch) the per-rank share that a SUM all-reduce then completes.
 */
struct vtrain_pkt_softmax_xent_grad {
	struct vtrain_pkt_header hdr;
	__u32 rows;
	__u32 classes;
	__u64 probs;
	__u64 labels;
	__u64 dlogits;
	__u32 scale;
	__u32 pad;
};

/**
 * struct vtrain_pkt_sgd_momentum - for each i: v = @momentum * v + g + @weight_decay * w;
 * w -= @lr * v. Floats are binary32 bit patterns; @momentum 0 is plain SGD (@vel then unused
 * and must be 0).
 */
struct vtrain_pkt_sgd_momentum {
	struct vtrain_pkt_header hdr;
	__u32 lr;
	__u32 momentum;
	__u32 weight_decay;
	__u32 pad;
	__u64 count;
	__u64 weights;
	__u64 grads;
	__u64 vel;
};

/**
 * struct vtrain_pkt_adam - one Adam step (Kingma & Ba) over @count parameters:
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 * @step: t, >= 1 (the caller counts steps).  Floats are binary32 bit patterns.
 */
struct vtrain_pkt_adam {
	struct vtrain_pkt_header hdr;
	__u32 lr;
	__u32 beta1;
	__u32 beta2;
	__u32 eps;
	__u32 step;
	__u32 pad;
	__u64 count;
	__u64 weights;
	__u64 grads;
	__u64 m;
	__u64 v;
};

/*
 * Link packets. Each names a communicator (COMM_CREATE) by @comm and a rank of it. Packets of
 * the ranks of one communicator are matched in the order each rank submits them (like NCCL):
 * every rank must issue the same collectives in the same order, and the n-th P2P_SEND from
 * rank a to rank b with a @tag meets the n-th P2P_RECV of b from a with that @tag. A link
 * packet waits for its partners on the device, not in the submitting thread; it fails with
 * -ENOLINK when a link its data needs is down, -ETIMEDOUT when its partners do not come
 * within the job timeout, and -ECONNRESET when a peer card is reset or its host is gone.
 * The data moves by DMA over the link (a memcpy for cards of the same host).
 */

/**
 * struct vtrain_pkt_p2p - VTRAIN_OP_P2P_SEND / P2P_RECV: send @size bytes at @addr to rank
 * @peer of @comm, or receive them into @addr. @size must be equal on both sides (-EMSGSIZE).
 */
struct vtrain_pkt_p2p {
	struct vtrain_pkt_header hdr;
	__u32 comm;
	__u32 peer;
	__u32 tag;
	__u32 pad;
	__u64 addr;
	__u64 size;
};

/* Reduction operators of ALL_REDUCE and REDUCE_SCATTER. */
#define VTRAIN_RED_SUM	1
#define VTRAIN_RED_MAX	2
#define VTRAIN_RED_MIN	3
#define VTRAIN_RED_AVG	4 /* the sum divided by the communicator's size */

/* Algorithm of a collective; AUTO lets the device choose by size (docs/vtrain.md). */
#define VTRAIN_ALGO_AUTO	0
#define VTRAIN_ALGO_RING	1
#define VTRAIN_ALGO_TREE	2 /* recursive halving-doubling (power-of-two sizes) */

/**
 * struct vtrain_pkt_collective - ALL_REDUCE, REDUCE_SCATTER, ALL_GATHER, BROADCAST, BARRIER.
 * @comm: the communicator.  @op: VTRAIN_RED_* for the reductions, 0 otherwise.
 * @count: F32 elements of each rank's contribution: ALL_REDUCE and BROADCAST: the buffer;
 *	REDUCE_SCATTER: the output (the input is @count x size); ALL_GATHER: the input (the
 *	output is @count x size). 0 for BARRIER.
 * @root: BROADCAST's source rank; 0 otherwise.
 * @algo: VTRAIN_ALGO_*.
 * @src, @dst: the buffers; @src may equal @dst for ALL_REDUCE and BROADCAST (in place).
 *	Both 0 for BARRIER.
 */
struct vtrain_pkt_collective {
	struct vtrain_pkt_header hdr;
	__u32 comm;
	__u32 op;
	__u64 count;
	__u32 root;
	__u32 algo;
	__u64 src;
	__u64 dst;
};

/*
 * ==========================================================================================
 * Ioctls
 * ==========================================================================================
 */
#define DRM_VTRAIN_GET_PARAM		0x00
#define DRM_VTRAIN_BO_CREATE		0x01
#define DRM_VTRAIN_BO_INFO		0x02
#define DRM_VTRAIN_SUBMIT		0x03
#define DRM_VTRAIN_COMM_CREATE		0x04
#define DRM_VTRAIN_COMM_DESTROY		0x05

/* Parameters of GET_PARAM (0 is invalid, so that a zeroed struct fails). */
#define VTRAIN_PARAM_HBM_SIZE		1 /* bytes of device memory */
#define VTRAIN_PARAM_HBM_USED		2 /* bytes held by buffer objects, device-wide */
#define VTRAIN_PARAM_COMPUTE_ENGINES	3
#define VTRAIN_PARAM_DMA_ENGINES	4
#define VTRAIN_PARAM_LINKS		5 /* link ports wired to a peer card */
#define VTRAIN_PARAM_CARD_INDEX		6 /* this card's index among the cards of its host */
#define VTRAIN_PARAM_HOST_CARDS		7 /* cards in this host's scale-up domain */
#define VTRAIN_PARAM_HOST_RANK		8 /* this host's rank among hosts (0 when alone) */
#define VTRAIN_PARAM_JOB_TIMEOUT_MS	9

/**
 * struct drm_vtrain_get_param - read one device parameter.
 * @param: in, VTRAIN_PARAM_* (-EINVAL when unknown).  @pad: must be 0.  @value: out.
 */
struct drm_vtrain_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/**
 * struct drm_vtrain_bo_create - make a buffer object in device memory.
 * @size: in, bytes (>= 1), rounded up to 64 KiB. -ENOMEM when HBM has no free range.
 *	The memory reads as zero: host pages back it as it is first touched.
 * @flags: must be 0.
 * @handle: out, the GEM handle.
 */
struct drm_vtrain_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/**
 * struct drm_vtrain_bo_info - describe a buffer object.
 * @handle: in (-ENOENT when unknown).  @pad: must be 0.
 * @size: out, bytes.  @mmap_offset: out, the fake offset for mmap() on the device file.
 * @dev_addr: out, the object's device address, which packets use.
 */
struct drm_vtrain_bo_info {
	__u32 handle;
	__u32 pad;
	__u64 size;
	__u64 mmap_offset;
	__u64 dev_addr;
};

/**
 * struct drm_vtrain_sync - a syncobj and a point on it (0: binary syncobj).
 * @handle: the syncobj.  @flags: must be 0.  @point: the timeline point.
 */
struct drm_vtrain_sync {
	__u32 handle;
	__u32 flags;
	__u64 point;
};

#define VTRAIN_MAX_IN_SYNCS	64
#define VTRAIN_MAX_CMD_SIZE	(16u << 20)

/**
 * struct drm_vtrain_submit - queue a job: a command stream in a buffer object.
 * @cmd_handle: the object holding the stream.  @num_in_syncs: at most VTRAIN_MAX_IN_SYNCS.
 * @cmd_offset: a multiple of 8.  @cmd_size: a multiple of 8, 8 to VTRAIN_MAX_CMD_SIZE.
 * @in_syncs: pointer to @num_in_syncs struct drm_vtrain_sync the job waits for.
 * @out_sync: gets the job's fence (@out_sync.handle 0: none).
 * @flags: must be 0.  @pad: must be 0.
 * @job_id: out, the job's sequence number on this file (1, 2, ...).
 *
 * Jobs of one file run in submission order. A job's fence signals with the first error of
 * its packets (docs/vtrain.md lists them); the jobs after it still run.
 */
struct drm_vtrain_submit {
	__u32 cmd_handle;
	__u32 num_in_syncs;
	__u64 cmd_offset;
	__u64 cmd_size;
	__u64 in_syncs;
	struct drm_vtrain_sync out_sync;
	__u32 flags;
	__u32 pad;
	__u64 job_id;
};

#define VTRAIN_COMM_MAX_RANKS	1024

/**
 * struct vtrain_rank - one member of a communicator.
 * @host: the host's rank (0 for a communicator inside one host).
 * @card: the card's index in its host (VTRAIN_PARAM_CARD_INDEX).
 */
struct vtrain_rank {
	__u32 host;
	__u32 card;
};

/**
 * struct drm_vtrain_comm_create - make a communicator on this card.
 * @key: in, a non-zero id chosen by the application, equal on every rank of the group:
 *	the cards match their link packets by it.
 * @num_ranks: in, 1..VTRAIN_COMM_MAX_RANKS.
 * @ranks: in, pointer to @num_ranks struct vtrain_rank, in rank order, all different; this
 *	card must be one of them (-EINVAL otherwise); a card not reachable over a configured
 *	link or fabric is -ENOLINK.
 * @my_rank: out, this card's rank in the group.
 * @comm: out, the id packets name (per file).
 */
struct drm_vtrain_comm_create {
	__u64 key;
	__u32 num_ranks;
	__u32 my_rank;
	__u64 ranks;
	__u32 comm;
	__u32 pad;
};

/** struct drm_vtrain_comm_destroy - @comm: the id (-ENOENT when unknown).  @pad: must be 0. */
struct drm_vtrain_comm_destroy {
	__u32 comm;
	__u32 pad;
};

#define DRM_IOCTL_VTRAIN_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VTRAIN_GET_PARAM, struct drm_vtrain_get_param)
#define DRM_IOCTL_VTRAIN_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VTRAIN_BO_CREATE, struct drm_vtrain_bo_create)
#define DRM_IOCTL_VTRAIN_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VTRAIN_BO_INFO, struct drm_vtrain_bo_info)
#define DRM_IOCTL_VTRAIN_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VTRAIN_SUBMIT, struct drm_vtrain_submit)
#define DRM_IOCTL_VTRAIN_COMM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VTRAIN_COMM_CREATE, struct drm_vtrain_comm_create)
#define DRM_IOCTL_VTRAIN_COMM_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VTRAIN_COMM_DESTROY, struct drm_vtrain_comm_destroy)

#if defined(__cplusplus)
}
#endif

#endif
