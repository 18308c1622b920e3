// SPDX-License-Identifier: MIT
/*
 * vnpu code generation: one packet (or a few) per node, one buffer slot per tensor a packet
 * or a host node touches; the nodes the vnpu cannot run go to host stages (their host
 * kernels, compiler/op.h), consecutive nodes of one kind sharing a stage. ONNX's image ops are
 * NCHW and the engine's NHWC: a Conv or a pool writes NHWC, the ops that do not care follow
 * their inputs, and a TRANSPOSE makes the NCHW copy only for a reader that needs it (the
 * layout section); conv weights are reordered on the host once, at compile time. Reshapes and the like are aliases: the output tensor is
 * given its input's slot, no packet. Once every node is placed, the intermediates and the
 * scratch buffers move into one arena slot, placed by liveness (plan_memory(), with
 * compiler/mem_plan.h); the graph's inputs, outputs and constants keep slots of their own.
 * Profiled programs (codegen_vnpu_opts()) also time each node: a TIMESTAMP at the start of
 * each device stage and after each node's packets, into a slot of their own.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/drm/vnpu_accel.h>

#include "compiler/codegen_vnpu.h"
#include "compiler/passes/passes.h"
#include "compiler/host_exec.h"
#include "compiler/mem_plan.h"
#include "compiler/op.h"

/* accelrt's slot limit (include/accelrt.h), without depending on the runtime. */
#define CODEGEN_MAX_SLOTS 4096

struct cg {
	const struct ir_graph *g;
	struct vnpu_prog *p;
	size_t stream_cap;
	unsigned int relocs_cap;
	unsigned int slots_cap;
	/* Each slot's size, alignment and uses (node positions), for plan_memory(). */
	struct mem_plan_buf *live;
	size_t pos;		/* the node being placed: the schedule position of its uses */
	size_t stage_start;	/* where the open device stage's packets start */
	const struct ir_node *node;	/* the node being lowered, for messages */
	size_t node_idx;
	bool profile;		/* codegen_vnpu_options.profile */
	/*
	 * The profile slot before plan_memory() renumbers the slots (-1 until the first
	 * timestamp), and whether the next packet opens a device stage, so that its start
	 * timestamp goes first: a node with no packets (an alias) opens none.
	 */
	int profile_slot;
	bool ts_pending;
	/*
	 * Per tensor, the slot holding it in NHWC order (-1: none): image ops' outputs stay
	 * NHWC, and an NCHW copy is made only for a reader that needs one (layout section).
	 */
	int *nhwc;
	/*
	 * Per node, whether its work is already done by an earlier node's packet: a residual
	 * Add summed by the convolution producing one of its terms (lower_conv_residual()).
	 */
	bool *fused_away;
	char *err;
	size_t err_len;
};

static int __attribute__((format(printf, 3, 4)))
cg_fail(struct cg *cg, int ret, const char *fmt, ...)
{
	char why[192];
	va_list ap;

	if (!cg->err_len)
		return ret;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (cg->node && cg->node->name[0])
		snprintf(cg->err, cg->err_len, "node '%s' (%s): %s", cg->node->name,
			 cg->node->op_type, why);
	else if (cg->node)
		snprintf(cg->err, cg->err_len, "node #%zu (%s): %s", cg->node_idx,
			 cg->node->op_type, why);
	else
		snprintf(cg->err, cg->err_len, "%s", why);
	return ret;
}

static const struct ir_tensor *cg_tensor(const struct cg *cg, int idx)
{
	return cg->g->tensors[idx];
}

static int64_t cg_numel(const struct cg *cg, int idx)
{
	return ir_tensor_numel(cg_tensor(cg, idx));
}

/* Slot @slot is used at the current position: its lifetime covers it. */
static void slot_use(struct cg *cg, int slot)
{
	struct mem_plan_buf *b = &cg->live[slot];

	if (b->first_use > cg->pos)
		b->first_use = cg->pos;
	if (b->last_use < cg->pos)
		b->last_use = cg->pos;
}

/* A new slot of @size bytes for @tensor (-1: scratch); its index or a negative errno. */
static int slot_new(struct cg *cg, int tensor, uint64_t size)
{
	struct vnpu_prog *p = cg->p;

	if (p->nslots >= CODEGEN_MAX_SLOTS)
		return cg_fail(cg, -E2BIG, "more than %d buffers", CODEGEN_MAX_SLOTS);
	if (p->nslots == cg->slots_cap) {
		unsigned int cap = cg->slots_cap ? cg->slots_cap * 2 : 16;
		struct vnpu_prog_slot *s = realloc(p->slots, cap * sizeof(*s));
		struct mem_plan_buf *l;

		if (!s)
			return -ENOMEM;
		p->slots = s;
		l = realloc(cg->live, cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		cg->live = l;
		cg->slots_cap = cap;
	}
	p->slots[p->nslots] = (struct vnpu_prog_slot){ .tensor = tensor, .size = size ? size : 1 };
	cg->live[p->nslots] = (struct mem_plan_buf){ .first_use = SIZE_MAX };
	slot_use(cg, (int)p->nslots);
	return (int)p->nslots++;
}

static int nchw_from_nhwc(struct cg *cg, int idx);
static bool follows_nhwc(const struct cg *cg, int in, int out);
static int nhwc_slot(struct cg *cg, int idx);
static int nhwc_out(struct cg *cg, int idx);
static int elementwise_slots(struct cg *cg, int in, int out, int *s, int *d);

/*
 * The slot of tensor @idx (in NCHW order, as ONNX has it), made on first use; constants get
 * their contents to upload. A tensor so far held only in NHWC is transposed into it here.
 */
static int slot_of(struct cg *cg, int idx)
{
	const struct ir_tensor *t = cg_tensor(cg, idx);
	int slot;

	if (cg->p->tensor_slot[idx] >= 0) {
		slot_use(cg, cg->p->tensor_slot[idx]);
		return cg->p->tensor_slot[idx];
	}
	if (cg->nhwc[idx] >= 0)
		return nchw_from_nhwc(cg, idx);
	slot = slot_new(cg, idx, t->data ? t->data_size :
			(uint64_t)cg_numel(cg, idx) * ir_dtype_size(t->dtype));
	if (slot < 0)
		return slot;
	if (t->data) {
		void *d = malloc(t->data_size ? t->data_size : 1);

		if (!d)
			return -ENOMEM;
		memcpy(d, t->data, t->data_size);
		cg->p->slots[slot].data = d;
	}
	cg->p->tensor_slot[idx] = slot;
	return slot;
}

/* A constant slot holding a copy of @size bytes at @data (a reordered or expanded constant). */
static int slot_const(struct cg *cg, const void *data, size_t size)
{
	int slot = slot_new(cg, -1, size);
	void *d;

	if (slot < 0)
		return slot;
	d = malloc(size ? size : 1);
	if (!d)
		return -ENOMEM;
	memcpy(d, data, size);
	cg->p->slots[slot].data = d;
	return slot;
}

static int emit_timestamp(struct cg *cg);

/* Append a packet of @size bytes (@pkt, its header filled here); its stream offset. */
static int64_t emit(struct cg *cg, uint16_t opcode, void *pkt, size_t size)
{
	struct vnpu_pkt_header *h = pkt;
	struct vnpu_prog *p = cg->p;
	size_t off;

	if (cg->ts_pending) {
		int ret;

		cg->ts_pending = false;
		ret = emit_timestamp(cg);
		if (ret)
			return ret;
	}
	off = p->len;
	if (p->len + size > VNPU_MAX_CMD_SIZE)
		return cg_fail(cg, -E2BIG, "command stream over %u bytes", VNPU_MAX_CMD_SIZE);
	if (p->len + size > cg->stream_cap) {
		size_t cap = cg->stream_cap ? cg->stream_cap * 2 : 4096;
		uint8_t *s;

		while (cap < p->len + size)
			cap *= 2;
		s = realloc(p->stream, cap);
		if (!s)
			return -ENOMEM;
		p->stream = s;
		cg->stream_cap = cap;
	}
	h->opcode = opcode;
	h->length = (uint16_t)(size / 4);
	memcpy(p->stream + off, pkt, size);
	p->len += size;
	p->n_packets++;
	return (int64_t)off;
}

/* Append relocation @r as it is. */
static int reloc_append(struct cg *cg, const struct vnpu_prog_reloc *r)
{
	struct vnpu_prog *p = cg->p;

	if (p->nrelocs == cg->relocs_cap) {
		unsigned int cap = cg->relocs_cap ? cg->relocs_cap * 2 : 64;
		struct vnpu_prog_reloc *n = realloc(p->relocs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->relocs = n;
		cg->relocs_cap = cap;
	}
	p->relocs[p->nrelocs++] = *r;
	return 0;
}

/* The u64 field at @field of the packet at @pkt is slot @slot's VA. */
static int reloc(struct cg *cg, int64_t pkt, size_t field, int slot)
{
	struct vnpu_prog *p = cg->p;

	if (p->nrelocs == cg->relocs_cap) {
		unsigned int cap = cg->relocs_cap ? cg->relocs_cap * 2 : 64;
		struct vnpu_prog_reloc *r = realloc(p->relocs, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		p->relocs = r;
		cg->relocs_cap = cap;
	}
	slot_use(cg, slot);
	/* Offsets are the stage's own: each device stage is a stream of its own at run time. */
	p->relocs[p->nrelocs++] = (struct vnpu_prog_reloc){
		.offset = (uint64_t)pkt - cg->stage_start + field, .slot = (uint32_t)slot };
	return 0;
}

/*
 * A TIMESTAMP into the next entry of the profile slot (made on the first one; its size is
 * set once the count is known): the device stores the time once every earlier packet of the
 * stage has completed.
 */
static int emit_timestamp(struct cg *cg)
{
	struct vnpu_pkt_timestamp ts = { 0 };
	struct vnpu_prog *p = cg->p;
	int64_t off;
	int ret;

	if (cg->profile_slot < 0) {
		ret = slot_new(cg, -1, sizeof(uint64_t));
		if (ret < 0)
			return ret;
		cg->profile_slot = ret;
	}
	off = emit(cg, VNPU_OP_TIMESTAMP, &ts, sizeof(ts));
	if (off < 0)
		return (int)off;
	ret = reloc(cg, off, offsetof(struct vnpu_pkt_timestamp, va), cg->profile_slot);
	if (ret)
		return ret;
	p->relocs[p->nrelocs - 1].addend = (uint64_t)p->n_timestamps * sizeof(uint64_t);
	p->n_timestamps++;
	return 0;
}

/* Emit @pkt and relocate its VA fields: @n pairs of (field offset, slot). */
static int emit_relocated(struct cg *cg, uint16_t opcode, void *pkt, size_t size, int n, ...)
{
	int64_t off = emit(cg, opcode, pkt, size);
	va_list ap;
	int ret = 0;

	if (off < 0)
		return (int)off;
	va_start(ap, n);
	for (int i = 0; i < n && !ret; i++) {
		size_t field = va_arg(ap, size_t);
		int slot = va_arg(ap, int);

		ret = reloc(cg, off, field, slot);
	}
	va_end(ap);
	return ret;
}

static int64_t attr_int(const struct ir_node *n, const char *name, int64_t def)
{
	const struct ir_attr *a = ir_node_find_attr(n, name);

	return a && a->type == IR_ATTR_INT ? a->i : def;
}

static float attr_float(const struct ir_node *n, const char *name, float def)
{
	const struct ir_attr *a = ir_node_find_attr(n, name);

	return a && a->type == IR_ATTR_FLOAT ? a->f : def;
}

static bool fits_u32(int64_t v)
{
	return v >= 1 && v <= UINT32_MAX;
}

/* Every data input (the first @n_data) and output present is a float tensor. */
static int check_f32(struct cg *cg, size_t n_data)
{
	const struct ir_node *n = cg->node;

	for (size_t i = 0; i < n->n_inputs && i < n_data; i++)
		if (n->inputs[i] >= 0 && cg_tensor(cg, n->inputs[i])->dtype != IR_DTYPE_FLOAT)
			return cg_fail(cg, -EOPNOTSUPP, "input %zu is %s, only float is supported", i,
				       ir_dtype_name(cg_tensor(cg, n->inputs[i])->dtype));
	for (size_t i = 0; i < n->n_outputs; i++)
		if (n->outputs[i] >= 0 && cg_tensor(cg, n->outputs[i])->dtype != IR_DTYPE_FLOAT)
			return cg_fail(cg, -EOPNOTSUPP, "output %zu is %s, only float is supported", i,
				       ir_dtype_name(cg_tensor(cg, n->outputs[i])->dtype));
	return 0;
}

static int lower_alias(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	int src = slot_of(cg, n->inputs[0]);

	if (src < 0)
		return src;
	cg->p->tensor_slot[n->outputs[0]] = src;
	cg->p->n_nodes_alias++;
	return 0;
}

/*
 * The packet epilogue for the activation fused onto node @n (IR_ATTR_FUSED_ACTIVATION,
 * compiler/passes/): a VNPU_ACT_*, or a negative errno.
 */
static int fused_act_of(struct cg *cg, const struct ir_node *n)
{
	switch (ir_node_fused_activation(n)) {
	case IR_ACTIVATION_NONE:
		return VNPU_ACT_NONE;
	case IR_ACTIVATION_RELU:
		return VNPU_ACT_RELU;
	case IR_ACTIVATION_SIGMOID:
		return VNPU_ACT_SIGMOID;
	case IR_ACTIVATION_TANH:
		return VNPU_ACT_TANH;
	case IR_ACTIVATION_CLIP:
		return VNPU_ACT_CLIP;
	default:
		return cg_fail(cg, -EOPNOTSUPP, "unknown fused activation");
	}
}

/* fused_act_of() the node being lowered. */
static int fused_act(struct cg *cg)
{
	return fused_act_of(cg, cg->node);
}

/*
 * The packet fields of epilogue @act's parameters, fused onto node @n: a fused Clip's
 * bounds as binary32 bit patterns (ir_node_fused_activation() checked them), 0 for every
 * other activation.
 */
static void fused_act_bounds_of(const struct ir_node *n, uint32_t act, uint32_t *alpha,
				uint32_t *beta)
{
	float lo = 0.0f, hi = 0.0f;

	if (act != VNPU_ACT_CLIP || ir_node_fused_clip_bounds(n, &lo, &hi))
		lo = hi = 0.0f;
	memcpy(alpha, &lo, sizeof(*alpha));
	memcpy(beta, &hi, sizeof(*beta));
}

/* fused_act_bounds_of() the node being lowered. */
static void fused_act_bounds(const struct cg *cg, uint32_t act, uint32_t *alpha, uint32_t *beta)
{
	fused_act_bounds_of(cg->node, act, alpha, beta);
}

static int emit_matmul(struct cg *cg, uint32_t flags, uint32_t batch, int64_t m, int64_t nn,
		       int64_t k, int a, int b, int bias, int c, uint32_t act)
{
	struct vnpu_pkt_matmul pk = { .hdr.flags = flags, .src_type = VNPU_DT_F32,
				      .dst_type = VNPU_DT_F32, .batch = batch };

	if (!fits_u32(m) || !fits_u32(nn) || !fits_u32(k))
		return cg_fail(cg, -EOPNOTSUPP, "matrix dimensions out of range");
	pk.m = (uint32_t)m;
	pk.n = (uint32_t)nn;
	pk.k = (uint32_t)k;
	pk.act = act;
	fused_act_bounds(cg, act, &pk.act_alpha, &pk.act_beta);
	if (bias >= 0)
		return emit_relocated(cg, VNPU_OP_MATMUL, &pk, sizeof(pk), 4,
				      offsetof(struct vnpu_pkt_matmul, a_va), a,
				      offsetof(struct vnpu_pkt_matmul, b_va), b,
				      offsetof(struct vnpu_pkt_matmul, bias_va), bias,
				      offsetof(struct vnpu_pkt_matmul, c_va), c);
	return emit_relocated(cg, VNPU_OP_MATMUL, &pk, sizeof(pk), 3,
			      offsetof(struct vnpu_pkt_matmul, a_va), a,
			      offsetof(struct vnpu_pkt_matmul, b_va), b,
			      offsetof(struct vnpu_pkt_matmul, c_va), c);
}

/*
 * MatMul: 2-D x 2-D, N-D x 2-D (the leading dimensions flattened into rows) or batched; a
 * fused bias row (IR_ATTR_FUSED_BIAS) as the BIAS epilogue.
 */
static int lower_matmul(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *ta = cg_tensor(cg, n->inputs[0]), *tb = cg_tensor(cg, n->inputs[1]);
	const struct ir_tensor *fb = ir_node_fused_bias(n);
	int64_t m, k, nn, batch = 1;
	int a, b, c, bias = -1, act = fused_act(cg);

	if (act < 0)
		return act;
	if (ta->rank < 2 || tb->rank < 2)
		return cg_fail(cg, -EOPNOTSUPP, "1-D operands are not supported");
	k = ta->dims[ta->rank - 1];
	nn = tb->dims[tb->rank - 1];
	if (tb->rank == 2) {
		m = cg_numel(cg, n->inputs[0]) / (k ? k : 1);
	} else {
		if (ta->rank != tb->rank)
			return cg_fail(cg, -EOPNOTSUPP, "broadcast batch dimensions are not supported");
		for (int i = 0; i < ta->rank - 2; i++) {
			if (ta->dims[i] != tb->dims[i])
				return cg_fail(cg, -EOPNOTSUPP,
					       "broadcast batch dimensions are not supported");
			batch *= ta->dims[i];
		}
		m = ta->dims[ta->rank - 2];
	}
	if (!fits_u32(batch))
		return cg_fail(cg, -EOPNOTSUPP, "batch out of range");
	a = slot_of(cg, n->inputs[0]);
	b = a < 0 ? a : slot_of(cg, n->inputs[1]);
	c = b < 0 ? b : slot_of(cg, n->outputs[0]);
	if (c < 0)
		return c;
	if (fb) {
		if (fb->dtype != IR_DTYPE_FLOAT || !fb->data || ir_tensor_numel(fb) != nn)
			return cg_fail(cg, -EOPNOTSUPP, "the fused bias is not %lld floats",
				       (long long)nn);
		bias = slot_const(cg, fb->data, fb->data_size);
		if (bias < 0)
			return bias;
	}
	return emit_matmul(cg, bias >= 0 ? VNPU_MATMUL_F_BIAS : 0, (uint32_t)batch, m, nn, k, a, b,
			   bias, c, (uint32_t)act);
}

/*
 * Gemm with alpha = beta = 1: op(A) x op(B) + C, where C (when present) is n values (a bias
 * epilogue), a constant that broadcasts to a row (expanded to n values here), or m x n
 * (a BINARY ADD after the product).
 */
static int lower_gemm(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *ta = cg_tensor(cg, n->inputs[0]), *tb = cg_tensor(cg, n->inputs[1]);
	const struct ir_tensor *to = cg_tensor(cg, n->outputs[0]);
	bool trans_a = attr_int(n, "transA", 0), trans_b = attr_int(n, "transB", 0);
	uint32_t flags = (trans_a ? VNPU_MATMUL_F_TRANS_A : 0) | (trans_b ? VNPU_MATMUL_F_TRANS_B : 0);
	int64_t m, k, nn;
	int a, b, c, bias = -1, full_c = -1;
	int ret, act = fused_act(cg);

	if (act < 0)
		return act;
	if (attr_float(n, "alpha", 1.0f) != 1.0f || attr_float(n, "beta", 1.0f) != 1.0f)
		return cg_fail(cg, -EOPNOTSUPP, "alpha and beta other than 1 are not supported");
	if (ta->rank != 2 || tb->rank != 2 || to->rank != 2)
		return cg_fail(cg, -EOPNOTSUPP, "operands must be 2-D");
	m = to->dims[0];
	nn = to->dims[1];
	k = trans_a ? ta->dims[0] : ta->dims[1];
	a = slot_of(cg, n->inputs[0]);
	b = a < 0 ? a : slot_of(cg, n->inputs[1]);
	c = b < 0 ? b : slot_of(cg, n->outputs[0]);
	if (c < 0)
		return c;
	if (n->n_inputs > 2 && n->inputs[2] >= 0) {
		const struct ir_tensor *tc = cg_tensor(cg, n->inputs[2]);
		int64_t cn = cg_numel(cg, n->inputs[2]);
		bool row = cn == nn && (tc->rank == 1 || (tc->rank == 2 && tc->dims[0] == 1));

		if (row) {
			bias = slot_of(cg, n->inputs[2]);
		} else if (cn == 1 && tc->data) {
			float *v = malloc((size_t)nn * sizeof(float));

			if (!v)
				return -ENOMEM;
			for (int64_t i = 0; i < nn; i++)
				v[i] = *(const float *)tc->data;
			bias = slot_const(cg, v, (size_t)nn * sizeof(float));
			free(v);
		} else if (cn == m * nn && tc->rank == 2) {
			full_c = slot_of(cg, n->inputs[2]);
			if (full_c < 0)
				return full_c;
		} else {
			return cg_fail(cg, -EOPNOTSUPP, "this broadcast of C is not supported");
		}
		if (bias < 0 && full_c < 0)
			return bias;
	}
	/* the activation applies after C is added: on the BINARY ADD when there is one */
	ret = emit_matmul(cg, flags | (bias >= 0 ? VNPU_MATMUL_F_BIAS : 0), 1, m, nn, k, a, b,
			  bias, c, full_c < 0 ? (uint32_t)act : VNPU_ACT_NONE);
	if (ret || full_c < 0)
		return ret;
	struct vnpu_pkt_binary pb = { .dtype = VNPU_DT_F32, .op = VNPU_BINARY_ADD,
				      .rows = (uint32_t)m, .cols = (uint32_t)nn,
				      .act = (uint32_t)act };
	fused_act_bounds(cg, pb.act, &pb.act_alpha, &pb.act_beta);
	return emit_relocated(cg, VNPU_OP_BINARY, &pb, sizeof(pb), 3,
			      offsetof(struct vnpu_pkt_binary, a_va), c,
			      offsetof(struct vnpu_pkt_binary, b_va), full_c,
			      offsetof(struct vnpu_pkt_binary, dst_va), c);
}

/*
 * Whether tensor @idx, a 4-D one held only in NHWC, has the same bytes in NCHW: a single
 * channel or a single position per image ([N, 1, H, W] or [N, C, 1, 1]).
 */
static bool nhwc_is_nchw(const struct cg *cg, int idx)
{
	const struct ir_tensor *t = cg_tensor(cg, idx);

	return cg->nhwc[idx] >= 0 && cg->p->tensor_slot[idx] < 0 && t->rank == 4 &&
	       (t->dims[1] == 1 || t->dims[2] * t->dims[3] == 1);
}

/* Tensor @idx's NCHW bytes: its NHWC slot when that is the same (nhwc_is_nchw()). */
static int slot_of_nchw_bytes(struct cg *cg, int idx)
{
	if (nhwc_is_nchw(cg, idx)) {
		slot_use(cg, cg->nhwc[idx]);
		return cg->nhwc[idx];
	}
	return slot_of(cg, idx);
}

/*
 * How B broadcasts over A (both of A's rank, B's missing leading dimensions taken as 1):
 * BCAST_ROW when B's dimensions are 1 then A's (a row repeated), BCAST_COL when they are A's
 * then 1 (one value per row of A's leading dimensions), both for one element; the rows and
 * columns of A in *@rows, *@cols. -EOPNOTSUPP for any other broadcast.
 */
static int broadcast_shape(const struct ir_tensor *ta, const struct ir_tensor *tb, int64_t *rows,
			   int64_t *cols, uint32_t *flags)
{
	int r = ta->rank, lead = r - tb->rank, k_row = 0, k_col = r;
	int64_t bd[IR_MAX_RANK];

	if (lead < 0)
		return -EOPNOTSUPP;
	for (int i = 0; i < r; i++)
		bd[i] = i < lead ? 1 : tb->dims[i - lead];
	/* B's dims are 1 on [0, k_row) and A's after: a row of A's trailing dimensions */
	while (k_row < r && bd[k_row] == 1)
		k_row++;
	for (int i = k_row; i < r; i++)
		if (bd[i] != ta->dims[i])
			k_row = -1;
	/* B's dims are A's on [0, k_col) and 1 after: a column of A's leading dimensions */
	while (k_col > 0 && bd[k_col - 1] == 1)
		k_col--;
	for (int i = 0; i < k_col; i++)
		if (bd[i] != ta->dims[i])
			k_col = -1;
	*flags = 0;
	*rows = 1;
	*cols = 1;
	if (k_row == r || k_col == 0) {
		/* one element */
		*flags = VNPU_BINARY_F_BCAST_ROW | VNPU_BINARY_F_BCAST_COL;
		k_row = r;
	} else if (k_row >= 0) {
		*flags = VNPU_BINARY_F_BCAST_ROW;
	} else if (k_col >= 0) {
		*flags = VNPU_BINARY_F_BCAST_COL;
		k_row = k_col;
	} else {
		return -EOPNOTSUPP;
	}
	for (int i = 0; i < r; i++)
		*(i < k_row ? rows : cols) *= ta->dims[i];
	return 0;
}

/*
 * Add, Sub, Mul, Div: operands of one shape; or B broadcast over A (broadcast_shape()): a
 * row repeating over A's trailing dimensions (BCAST_ROW), one value per row of A's leading
 * dimensions (BCAST_COL: a [N, C, H, W] tensor and a [N, C, 1, 1] one), one element (a
 * constant one expanded to a row of A's innermost dimension, a run-time one both flags). A
 * broadcast first operand of Add or Mul is swapped into B. A 4-D A held in NHWC with a
 * per-channel B of one image, or a one-element B, stays NHWC (B a row of C).
 */
static int lower_binary(struct cg *cg, uint32_t op)
{
	const struct ir_node *n = cg->node;
	int ia = n->inputs[0], ib = n->inputs[1];
	const struct ir_tensor *ta, *tb;
	int64_t na, nb, no = cg_numel(cg, n->outputs[0]), rows, cols;
	struct vnpu_pkt_binary pb = { .dtype = VNPU_DT_F32, .op = op };
	int a, b = -1, o, act = fused_act(cg);
	bool nhwc = false, b_nchw_bytes = false;
	uint32_t flags;

	if (act < 0)
		return act;
	pb.act = (uint32_t)act;
	fused_act_bounds(cg, pb.act, &pb.act_alpha, &pb.act_beta);
	if (cg_numel(cg, ia) != no && cg_numel(cg, ib) == no &&
	    (op == VNPU_BINARY_ADD || op == VNPU_BINARY_MUL)) {
		/* commutative: the broadcast operand becomes B */
		ia = n->inputs[1];
		ib = n->inputs[0];
	}
	ta = cg_tensor(cg, ia);
	tb = cg_tensor(cg, ib);
	na = cg_numel(cg, ia);
	nb = cg_numel(cg, ib);
	if (na != no)
		return cg_fail(cg, -EOPNOTSUPP, "broadcasting the first operand is not supported");
	if (nb == na && ta->rank == tb->rank && !memcmp(ta->dims, tb->dims, sizeof(int64_t) * ta->rank)) {
		pb.rows = 1;
		pb.cols = (uint32_t)na;
		if (!fits_u32(na))
			return cg_fail(cg, -EOPNOTSUPP, "tensor too large");
		/* operands of one shape, both held in NHWC (a residual Add): so is the sum */
		nhwc = cg->nhwc[ib] >= 0 && follows_nhwc(cg, ia, n->outputs[0]);
	} else {
		if (!na || !nb || broadcast_shape(ta, tb, &rows, &cols, &flags))
			return cg_fail(cg, -EOPNOTSUPP, "this broadcast is not supported");
		if (flags == VNPU_BINARY_F_BCAST_COL && ta->rank == 4 && rows == ta->dims[0] * ta->dims[1] &&
		    ta->dims[0] == 1 && follows_nhwc(cg, ia, n->outputs[0])) {
			/* [1, C, H, W] in NHWC by [1, C, 1, 1]: a row of C over H x W rows */
			flags = VNPU_BINARY_F_BCAST_ROW;
			rows = ta->dims[2] * ta->dims[3];
			cols = ta->dims[1];
			nhwc = b_nchw_bytes = true;
		} else if (flags == (VNPU_BINARY_F_BCAST_ROW | VNPU_BINARY_F_BCAST_COL)) {
			/* one element over A in either layout: A's own */
			nhwc = follows_nhwc(cg, ia, n->outputs[0]);
			b_nchw_bytes = true;
			rows = 1;
			cols = na;
			if (tb->data) {
				/*
				 * A constant: expanded to a row of A's innermost dimension (C in
				 * NHWC), repeated over the rows: oneDNN runs that broadcast on its
				 * fast path, and a one-element B on its reference one (40 ms where
				 * the row takes 0.1).
				 */
				int64_t inner = nhwc ? ta->dims[1] : ta->rank ? ta->dims[ta->rank - 1] : 1;
				float *v;

				if (!inner || na % inner)
					inner = na;
				v = malloc((size_t)inner * sizeof(float));
				if (!v)
					return -ENOMEM;
				for (int64_t i = 0; i < inner; i++)
					v[i] = *(const float *)tb->data;
				b = slot_const(cg, v, (size_t)inner * sizeof(float));
				free(v);
				if (b < 0)
					return b;
				rows = na / inner;
				cols = inner;
				flags = VNPU_BINARY_F_BCAST_ROW;
			}
		}
		if (!fits_u32(rows) || !fits_u32(cols))
			return cg_fail(cg, -EOPNOTSUPP, "tensor too large");
		pb.rows = (uint32_t)rows;
		pb.cols = (uint32_t)cols;
		/* a row of one row, a column of one column: the same as no broadcast */
		if (!(flags == VNPU_BINARY_F_BCAST_ROW && rows == 1) &&
		    !(flags == VNPU_BINARY_F_BCAST_COL && cols == 1))
			pb.hdr.flags = flags;
	}
	if (nhwc) {
		a = nhwc_slot(cg, ia);
		if (a >= 0 && b < 0)
			b = b_nchw_bytes ? slot_of_nchw_bytes(cg, ib) : nhwc_slot(cg, ib);
		o = b < 0 ? b : nhwc_out(cg, n->outputs[0]);
	} else {
		a = slot_of(cg, ia);
		if (a >= 0 && b < 0)
			b = b_nchw_bytes ? slot_of_nchw_bytes(cg, ib) : slot_of(cg, ib);
		o = b < 0 ? b : slot_of(cg, n->outputs[0]);
	}
	if (o < 0)
		return o;
	return emit_relocated(cg, VNPU_OP_BINARY, &pb, sizeof(pb), 3,
			      offsetof(struct vnpu_pkt_binary, a_va), a,
			      offsetof(struct vnpu_pkt_binary, b_va), b,
			      offsetof(struct vnpu_pkt_binary, dst_va), o);
}

/* Whether @n's ints attribute @name is absent, or @len values each @v[i] (@v NULL: all @fill). */
static bool attr_ints_are(const struct ir_node *n, const char *name, size_t len, const int64_t *v,
			  int64_t fill)
{
	const struct ir_attr *a = ir_node_find_attr(n, name);

	if (!a)
		return true;
	if (a->type != IR_ATTR_INTS || a->len != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (a->ints[i] != (v ? v[i] : fill))
			return false;
	return true;
}

/*
 * Pow by a constant exponent of 2 (a layer norm's variance written out): x * x, one BINARY
 * MUL with both operands x, in x's layout. Any other exponent stays on the host.
 */
static int lower_pow(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *te = cg_tensor(cg, n->inputs[1]);
	struct vnpu_pkt_binary pb = { .dtype = VNPU_DT_F32, .op = VNPU_BINARY_MUL };
	int64_t na = cg_numel(cg, n->inputs[0]);
	int x, y, ret, act = fused_act(cg);

	if (act < 0)
		return act;
	if (!te->data || ir_tensor_numel(te) != 1 || *(const float *)te->data != 2.0f)
		return cg_fail(cg, -EOPNOTSUPP, "only a constant exponent of 2");
	if (na != cg_numel(cg, n->outputs[0]) || !fits_u32(na))
		return cg_fail(cg, -EOPNOTSUPP, "unexpected shapes");
	ret = elementwise_slots(cg, n->inputs[0], n->outputs[0], &x, &y);
	if (ret)
		return ret;
	pb.act = (uint32_t)act;
	fused_act_bounds(cg, pb.act, &pb.act_alpha, &pb.act_beta);
	pb.rows = 1;
	pb.cols = (uint32_t)na;
	return emit_relocated(cg, VNPU_OP_BINARY, &pb, sizeof(pb), 3,
			      offsetof(struct vnpu_pkt_binary, a_va), x,
			      offsetof(struct vnpu_pkt_binary, b_va), x,
			      offsetof(struct vnpu_pkt_binary, dst_va), y);
}

static int lower_activation(struct cg *cg, uint32_t act)
{
	const struct ir_node *n = cg->node;
	struct vnpu_pkt_activation pk = { .dtype = VNPU_DT_F32, .act = act,
					  .count = (uint64_t)cg_numel(cg, n->inputs[0]) };
	int s, d, ret;

	if (!pk.count)
		return cg_fail(cg, -EOPNOTSUPP, "empty tensor");
	ret = elementwise_slots(cg, n->inputs[0], n->outputs[0], &s, &d);
	if (ret)
		return ret;
	return emit_relocated(cg, VNPU_OP_ACTIVATION, &pk, sizeof(pk), 2,
			      offsetof(struct vnpu_pkt_activation, src_va), s,
			      offsetof(struct vnpu_pkt_activation, dst_va), d);
}

/*
 * Softmax along one axis (opset 13): [outer, dim, inner] with the packet's axis 1. Before
 * opset 13 the input is coerced to 2-D at @axis and normalised along the second of
 * [outer, inner]: the same packet with dim = inner, inner = 1.
 */
static int lower_softmax(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *t = cg_tensor(cg, n->inputs[0]);
	int64_t axis = attr_int(n, "axis", cg->g->opset >= 13 ? -1 : 1);
	int64_t dim = 1, inner = 1, total = cg_numel(cg, n->inputs[0]);
	struct vnpu_pkt_softmax pk = { .dtype = VNPU_DT_F32, .ndims = 3, .axis = 1 };
	int s, d;

	if (axis < 0)
		axis += t->rank;
	if (axis < 0 || axis >= t->rank || !total)
		return cg_fail(cg, -EOPNOTSUPP, "bad axis or empty tensor");
	for (int i = (int)axis; i < t->rank; i++)
		dim *= t->dims[i];
	if (cg->g->opset >= 13) {
		for (int i = (int)axis + 1; i < t->rank; i++)
			inner *= t->dims[i];
		dim = t->dims[axis];
	}
	if (!fits_u32(dim) || !fits_u32(inner) || !fits_u32(total / dim / inner))
		return cg_fail(cg, -EOPNOTSUPP, "tensor too large");
	pk.dims[0] = (uint32_t)(total / dim / inner);
	pk.dims[1] = (uint32_t)dim;
	pk.dims[2] = (uint32_t)inner;
	s = slot_of(cg, n->inputs[0]);
	d = s < 0 ? s : slot_of(cg, n->outputs[0]);
	if (d < 0)
		return d;
	return emit_relocated(cg, VNPU_OP_SOFTMAX, &pk, sizeof(pk), 2,
			      offsetof(struct vnpu_pkt_softmax, src_va), s,
			      offsetof(struct vnpu_pkt_softmax, dst_va), d);
}

/*
 * LayerNormalization (opset 17): one LAYERNORM over [rows, cols], the axes from `axis` on
 * making a row. Scale and B (when present) must hold one value per element of a row (the
 * engine does not broadcast them), the statistics must be computed in float (stash_type 1),
 * and the training outputs Mean and InvStdDev must be absent; otherwise the host runs it.
 */
static int lower_layernorm(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *x = cg_tensor(cg, n->inputs[0]);
	int64_t axis = attr_int(n, "axis", -1), cols = 1, total = cg_numel(cg, n->inputs[0]);
	int scale = n->n_inputs > 1 ? n->inputs[1] : -1, shift = n->n_inputs > 2 ? n->inputs[2] : -1;
	float eps = attr_float(n, "epsilon", 1e-5f);
	struct vnpu_pkt_layernorm pk = { .dtype = VNPU_DT_F32 };
	int src, dst, gamma, beta = -1, ret;
	int64_t off;

	if (axis < 0)
		axis += x->rank;
	if (axis < 0 || axis >= x->rank || !total)
		return cg_fail(cg, -EOPNOTSUPP, "bad axis or empty tensor");
	if (attr_int(n, "stash_type", IR_DTYPE_FLOAT) != IR_DTYPE_FLOAT)
		return cg_fail(cg, -EOPNOTSUPP, "statistics in a type other than float");
	for (size_t i = 1; i < n->n_outputs; i++)
		if (n->outputs[i] >= 0)
			return cg_fail(cg, -EOPNOTSUPP, "Mean and InvStdDev outputs");
	for (int i = (int)axis; i < x->rank; i++)
		cols *= x->dims[i];
	if (!fits_u32(cols) || !fits_u32(total / cols))
		return cg_fail(cg, -EOPNOTSUPP, "tensor too large");
	if (scale < 0 || cg_numel(cg, scale) != cols || (shift >= 0 && cg_numel(cg, shift) != cols))
		return cg_fail(cg, -EOPNOTSUPP, "Scale or B broadcast over the normalised axes");
	if (!isfinite(eps) || eps < 0)
		return cg_fail(cg, -EOPNOTSUPP, "epsilon not finite and >= 0");
	memcpy(&pk.epsilon, &eps, sizeof(pk.epsilon));
	pk.rows = (uint32_t)(total / cols);
	pk.cols = (uint32_t)cols;
	pk.hdr.flags = VNPU_LAYERNORM_F_SCALE | (shift >= 0 ? VNPU_LAYERNORM_F_SHIFT : 0);
	src = slot_of(cg, n->inputs[0]);
	if (src < 0)
		return src;
	gamma = slot_of(cg, scale);
	if (gamma < 0)
		return gamma;
	if (shift >= 0) {
		beta = slot_of(cg, shift);
		if (beta < 0)
			return beta;
	}
	dst = slot_of(cg, n->outputs[0]);
	if (dst < 0)
		return dst;
	off = emit(cg, VNPU_OP_LAYERNORM, &pk, sizeof(pk));
	if (off < 0)
		return (int)off;
	ret = reloc(cg, off, offsetof(struct vnpu_pkt_layernorm, src_va), src) ?:
	      reloc(cg, off, offsetof(struct vnpu_pkt_layernorm, gamma_va), gamma) ?:
	      reloc(cg, off, offsetof(struct vnpu_pkt_layernorm, dst_va), dst);
	if (!ret && shift >= 0)
		ret = reloc(cg, off, offsetof(struct vnpu_pkt_layernorm, beta_va), beta);
	return ret;
}

/* TRANSPOSE a 4-D f32 tensor of @dims from slot @src to slot @dst with @perm. */
static int emit_transpose4(struct cg *cg, const int64_t *dims, const uint32_t *perm, int src,
			   int dst)
{
	struct vnpu_pkt_transpose pk = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32,
					 .ndims = 4 };

	for (int i = 0; i < 4; i++) {
		pk.dims[i] = (uint32_t)dims[i];
		pk.perm[i] = perm[i];
	}
	return emit_relocated(cg, VNPU_OP_TRANSPOSE, &pk, sizeof(pk), 2,
			      offsetof(struct vnpu_pkt_transpose, src_va), src,
			      offsetof(struct vnpu_pkt_transpose, dst_va), dst);
}

static const uint32_t nchw_to_nhwc[4] = { 0, 2, 3, 1 };
static const uint32_t nhwc_to_nchw[4] = { 0, 3, 1, 2 };

/*
 * ---- layout: activations kept in NHWC between device image ops ----------------------------
 *
 * The engine's image ops (CONV2D, POOL2D) are NHWC. A 2-D Conv or pool writes its output to an
 * NHWC slot only (cg->nhwc[]), and reads its input from the input's NHWC slot, transposing the
 * NCHW one in (once per tensor) when there is none. The elementwise ops and the global pools
 * follow their input's layout, so that chains of them need no transposes. Any other reader
 * (a lowering calling slot_of(), a host node, the caller for a graph output) gets the NCHW
 * copy, transposed out once, where it is first needed (nchw_from_nhwc(), nchw_for_host()).
 */

/* The NCHW [N][C][H][W] @dims as NHWC [N][H][W][C] in @out. */
static void dims_nhwc(const int64_t *dims, int64_t *out)
{
	out[0] = dims[0];
	out[1] = dims[2];
	out[2] = dims[3];
	out[3] = dims[1];
}

/* Tensor @idx's NCHW slot, made from its NHWC one by a TRANSPOSE at this point. */
static int nchw_from_nhwc(struct cg *cg, int idx)
{
	const struct ir_tensor *t = cg_tensor(cg, idx);
	int src = cg->nhwc[idx], dst;
	int64_t nhwc[4];
	int ret;

	dst = slot_new(cg, idx, (uint64_t)cg_numel(cg, idx) * sizeof(float));
	if (dst < 0)
		return dst;
	cg->p->tensor_slot[idx] = dst;
	slot_use(cg, src);
	dims_nhwc(t->dims, nhwc);
	ret = emit_transpose4(cg, nhwc, nhwc_to_nchw, src, dst);
	return ret ? ret : dst;
}

/* Tensor @idx's NHWC slot: its own, or one transposed in from its NCHW slot (and kept). */
static int nhwc_slot(struct cg *cg, int idx)
{
	int src, dst, ret;

	if (cg->nhwc[idx] >= 0) {
		slot_use(cg, cg->nhwc[idx]);
		return cg->nhwc[idx];
	}
	src = slot_of(cg, idx);
	dst = src < 0 ? src : slot_new(cg, -1, (uint64_t)cg_numel(cg, idx) * sizeof(float));
	if (dst < 0)
		return dst;
	ret = emit_transpose4(cg, cg_tensor(cg, idx)->dims, nchw_to_nhwc, src, dst);
	if (ret)
		return ret;
	cg->nhwc[idx] = dst;
	return dst;
}

/* A new NHWC slot for the output @idx, which then has no NCHW one until a reader needs it. */
static int nhwc_out(struct cg *cg, int idx)
{
	int s = slot_new(cg, -1, (uint64_t)cg_numel(cg, idx) * sizeof(float));

	if (s >= 0)
		cg->nhwc[idx] = s;
	return s;
}

/*
 * Whether an elementwise op from @in to @out works in NHWC: @in is held in NHWC and @out is
 * a 4-D float tensor of its shape with no slot yet.
 */
static bool follows_nhwc(const struct cg *cg, int in, int out)
{
	const struct ir_tensor *ti = cg_tensor(cg, in), *to = cg_tensor(cg, out);

	return cg->nhwc[in] >= 0 && cg->p->tensor_slot[out] < 0 && cg->nhwc[out] < 0 &&
	       to->rank == 4 && ti->rank == 4 && to->dtype == IR_DTYPE_FLOAT &&
	       !memcmp(ti->dims, to->dims, sizeof(int64_t) * 4);
}

/* The source and destination slots of an elementwise op of one input, in @in's layout. */
static int elementwise_slots(struct cg *cg, int in, int out, int *s, int *d)
{
	if (follows_nhwc(cg, in, out)) {
		*s = nhwc_slot(cg, in);
		*d = *s < 0 ? *s : nhwc_out(cg, out);
	} else {
		*s = slot_of(cg, in);
		*d = *s < 0 ? *s : slot_of(cg, out);
	}
	return *d < 0 ? *d : 0;
}

/*
 * The NHWC slots @xs, @ys of an image op's input and output: the tensors' own with @keep (a
 * 2-D op on 4-D tensors), else scratch ones, the input transposed in from @tx (NCHW, maybe a
 * 1-D op's 4-D view) and the output to be transposed out by image_io_end().
 */
static int image_io(struct cg *cg, bool keep, const struct ir_tensor *tx, int *xs, int *ys)
{
	const struct ir_node *n = cg->node;
	int x, y;

	if (keep) {
		*xs = nhwc_slot(cg, n->inputs[0]);
		*ys = *xs < 0 ? *xs : nhwc_out(cg, n->outputs[0]);
		return *ys < 0 ? *ys : 0;
	}
	x = slot_of(cg, n->inputs[0]);
	y = x < 0 ? x : slot_of(cg, n->outputs[0]);
	if (y < 0)
		return y;
	*xs = slot_new(cg, -1, (uint64_t)cg_numel(cg, n->inputs[0]) * sizeof(float));
	if (*xs < 0)
		return *xs;
	*ys = slot_new(cg, -1, (uint64_t)cg_numel(cg, n->outputs[0]) * sizeof(float));
	if (*ys < 0)
		return *ys;
	return emit_transpose4(cg, tx->dims, nchw_to_nhwc, x, *xs);
}

/* After the packet: a scratch NHWC output @ys (not @keep) transposed to its NCHW slot. */
static int image_io_end(struct cg *cg, bool keep, const struct ir_tensor *ty, int ys)
{
	int64_t nhwc[4];
	int y;

	if (keep)
		return 0;
	y = slot_of(cg, cg->node->outputs[0]);
	if (y < 0)
		return y;
	dims_nhwc(ty->dims, nhwc);
	return emit_transpose4(cg, nhwc, nhwc_to_nchw, ys, y);
}

/* Whether an image op's tensors may stay NHWC: a 2-D op on 4-D float tensors. */
static bool image_keeps_nhwc(const struct cg *cg, int nsp)
{
	const struct ir_node *n = cg->node;

	return nsp == 2 && cg_tensor(cg, n->inputs[0])->rank == 4 &&
	       cg_tensor(cg, n->outputs[0])->rank == 4 && cg->p->tensor_slot[n->outputs[0]] < 0;
}

/* The 2-D window attributes of a Conv or pool, pads resolved from auto_pad. */
struct window {
	int64_t k[2], stride[2], dil[2], pad_begin[2], pad_end[2];
};

/*
 * @nsp: the op's spatial dimensions, 2, or 1 for a 1-D op viewed as 2-D with H = 1 (its
 * attributes then describe W; H is a window of 1, no stride or padding).
 */
static int window_attrs(struct cg *cg, const int64_t *in_hw, const int64_t *out_hw,
			const int64_t *kernel, int nsp, struct window *w)
{
	const struct ir_node *n = cg->node;
	const struct ir_attr *st = ir_node_find_attr(n, "strides");
	const struct ir_attr *di = ir_node_find_attr(n, "dilations");
	const struct ir_attr *pa = ir_node_find_attr(n, "pads");
	const struct ir_attr *ap = ir_node_find_attr(n, "auto_pad");
	const char *auto_pad = ap && ap->type == IR_ATTR_STRING ? ap->s : "NOTSET";

	for (int i = 0; i < 2; i++) {
		int a = i - (2 - nsp); /* the attributes' index of dimension i; < 0: the added H */
		size_t ns = (size_t)nsp;

		w->k[i] = kernel[i];
		w->stride[i] = a >= 0 && st && st->type == IR_ATTR_INTS && st->len == ns ? st->ints[a] : 1;
		w->dil[i] = a >= 0 && di && di->type == IR_ATTR_INTS && di->len == ns ? di->ints[a] : 1;
		w->pad_begin[i] = a >= 0 && pa && pa->type == IR_ATTR_INTS && pa->len == 2 * ns ?
				  pa->ints[a] : 0;
		w->pad_end[i] = a >= 0 && pa && pa->type == IR_ATTR_INTS && pa->len == 2 * ns ?
				pa->ints[a + nsp] : 0;
		if (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
			int64_t total = (out_hw[i] - 1) * w->stride[i] + (w->k[i] - 1) * w->dil[i] + 1 -
					in_hw[i];

			if (total < 0)
				total = 0;
			w->pad_begin[i] = auto_pad[5] == 'U' ? total / 2 : total - total / 2;
			w->pad_end[i] = total - w->pad_begin[i];
		} else if (!strcmp(auto_pad, "VALID")) {
			w->pad_begin[i] = w->pad_end[i] = 0;
		}
		if (!fits_u32(w->k[i]) || !fits_u32(w->stride[i]) || !fits_u32(w->dil[i]) ||
		    w->pad_begin[i] < 0 || w->pad_end[i] < 0 || w->pad_begin[i] > UINT32_MAX ||
		    w->pad_end[i] > UINT32_MAX)
			return cg_fail(cg, -EOPNOTSUPP, "window attributes out of range");
		/* the device's rule: padding narrower than the dilated window */
		if (w->pad_begin[i] > (w->k[i] - 1) * w->dil[i] ||
		    w->pad_end[i] > (w->k[i] - 1) * w->dil[i])
			return cg_fail(cg, -EOPNOTSUPP, "padding as wide as the kernel's window");
	}
	return 0;
}

static bool dims_fit(const struct ir_tensor *t)
{
	for (int i = 0; i < t->rank; i++)
		if (!fits_u32(t->dims[i]))
			return false;
	return true;
}

/* @t, [N][C][W], as the 4-D [N][C][1][W] in @v (a shallow copy: the same name and data). */
static void view_1d_as_2d(const struct ir_tensor *t, struct ir_tensor *v)
{
	*v = *t;
	v->rank = 4;
	v->dims[2] = 1;
	v->dims[3] = t->dims[2];
}

/*
 * ---- residual sums fused into convolutions (CONV2D ACCUMULATE) ----------------------------
 *
 * A residual Add(conv(x), r) makes its sum in the convolution: the CONV2D writes onto r's
 * NHWC slot with ACCUMULATE (r + conv(x), then the Add's epilogue), the Add's output is that
 * slot, and the Add emits nothing. It saves the Add's pass over both terms and the
 * convolution's output buffer. Only where nothing can tell: r is overwritten in place, so no
 * node after the convolution but the Add may read it; the convolution's output is read by
 * the Add alone; the convolution has no epilogue of its own (the Add's runs after the sum).
 */

/* How many times node @n reads tensor @t. */
static int node_reads(const struct ir_node *n, int t)
{
	int k = 0;

	for (size_t i = 0; i < n->n_inputs; i++)
		k += n->inputs[i] == t;
	return k;
}

static bool is_graph_output(const struct cg *cg, int t)
{
	for (size_t i = 0; i < cg->g->n_outputs; i++)
		if (cg->g->outputs[i] == t)
			return true;
	return false;
}

static bool same_4d_float(const struct ir_tensor *a, const struct ir_tensor *b)
{
	return a->rank == 4 && b->rank == 4 && a->dtype == IR_DTYPE_FLOAT &&
	       b->dtype == IR_DTYPE_FLOAT && !memcmp(a->dims, b->dims, sizeof(int64_t) * 4);
}

/*
 * The residual Add the convolution being lowered (2-D, output kept NHWC) can make, as the
 * rules above allow: its node index, with its other term in @r; -1 when there is none.
 */
static long conv_residual_add(const struct cg *cg, int *r)
{
	const struct ir_node *conv = cg->node, *add = NULL;
	int y = conv->outputs[0];
	long at = -1;

	if (ir_node_fused_activation(conv) != IR_ACTIVATION_NONE || is_graph_output(cg, y))
		return -1;
	for (size_t j = 0; j < cg->g->n_nodes; j++) {
		int k = node_reads(cg->g->nodes[j], y);

		if (!k)
			continue;
		if (add || k != 1 || j <= cg->node_idx)
			return -1;
		add = cg->g->nodes[j];
		at = (long)j;
	}
	if (!add || strcmp(add->op_type, "Add") || add->domain[0] || add->n_inputs != 2 ||
	    add->n_outputs != 1 || add->outputs[0] < 0 || ir_node_fused_activation(add) < 0)
		return -1;
	*r = add->inputs[0] == y ? add->inputs[1] : add->inputs[0];
	if (*r < 0 || *r == y || cg->nhwc[*r] < 0 || cg_tensor(cg, *r)->data ||
	    is_graph_output(cg, *r) || cg->p->tensor_slot[add->outputs[0]] >= 0 ||
	    cg->nhwc[add->outputs[0]] >= 0 ||
	    !same_4d_float(cg_tensor(cg, y), cg_tensor(cg, *r)) ||
	    !same_4d_float(cg_tensor(cg, y), cg_tensor(cg, add->outputs[0])))
		return -1;
	/* r is overwritten here: every other reader must come before this convolution */
	for (size_t j = cg->node_idx; j < cg->g->n_nodes; j++)
		if ((long)j != at && node_reads(cg->g->nodes[j], *r))
			return -1;
	return at;
}

/*
 * Whether the convolution being lowered makes a residual Add (@keep: its output stays NHWC;
 * none otherwise): @add the Add's node index (-1: none) and @r its other term; @pk then takes
 * the Add's epilogue (the packing packet is made from it), ACCUMULATE being set only on the
 * convolution itself. Returns 0 or a negative errno.
 */
static int conv_residual(struct cg *cg, struct vnpu_pkt_conv2d *pk, bool keep, long *add, int *r)
{
	int act;

	*add = keep ? conv_residual_add(cg, r) : -1;
	if (*add < 0)
		return 0;
	act = fused_act_of(cg, cg->g->nodes[*add]);
	if (act < 0)
		return act;
	pk->act = (uint32_t)act;
	fused_act_bounds_of(cg->g->nodes[*add], pk->act, &pk->act_alpha, &pk->act_beta);
	return 0;
}

/* Conv, 1-D or 2-D, constant weights (reordered OIHW -> O,H,W,I/groups here). */
static int lower_conv(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]), *tw = cg_tensor(cg, n->inputs[1]);
	const struct ir_tensor *ty = cg_tensor(cg, n->outputs[0]);
	int64_t groups = attr_int(n, "group", 1);
	struct vnpu_pkt_conv2d pk = { .dtype = VNPU_DT_F32, .act = VNPU_ACT_NONE };
	int64_t oc, icg, kh, kw;
	struct ir_tensor vx, vw, vy;
	struct window w;
	int xs, ys, wei, bias = -1, nsp = 2, ohwi = -1, r = -1;
	long add = -1;
	bool keep;
	float *re;
	int ret = fused_act(cg);

	if (ret < 0)
		return ret;
	pk.act = (uint32_t)ret;
	fused_act_bounds(cg, pk.act, &pk.act_alpha, &pk.act_beta);
	if (tx->rank == 3 && tw->rank == 3 && ty->rank == 3) {
		/* 1-D: the same tensors viewed as 2-D images of one row */
		view_1d_as_2d(tx, &vx);
		view_1d_as_2d(tw, &vw);
		view_1d_as_2d(ty, &vy);
		tx = &vx;
		tw = &vw;
		ty = &vy;
		nsp = 1;
	}
	if (tx->rank != 4 || tw->rank != 4 || ty->rank != 4)
		return cg_fail(cg, -EOPNOTSUPP, "only 1-D and 2-D convolution are supported");
	if (!dims_fit(tx) || !dims_fit(ty) || !fits_u32(groups))
		return cg_fail(cg, -EOPNOTSUPP, "empty or oversized tensor");
	oc = tw->dims[0];
	icg = tw->dims[1];
	kh = tw->dims[2];
	kw = tw->dims[3];
	ret = window_attrs(cg, &tx->dims[2], &ty->dims[2], &tw->dims[2], nsp, &w);
	if (ret)
		return ret;
	if (!dims_fit(tw))
		return cg_fail(cg, -EOPNOTSUPP, "empty or oversized weights");
	if (tw->data) {
		/*
		 * Constant weights: reordered here to OHWI, once, and packed by the device into
		 * its engine's layout at load (a packed slot, made from the OHWI one): the
		 * convolution then reads them as they are, with no reorder per run.
		 */
		re = malloc((size_t)(oc * icg * kh * kw) * sizeof(float) + 1);
		if (!re)
			return -ENOMEM;
		for (int64_t o = 0; o < oc; o++)
			for (int64_t i = 0; i < icg; i++)
				for (int64_t r = 0; r < kh; r++)
					for (int64_t s = 0; s < kw; s++)
						re[((o * kh + r) * kw + s) * icg + i] =
							((const float *)tw->data)[((o * icg + i) * kh + r) * kw + s];
		ohwi = slot_const(cg, re, (size_t)(oc * icg * kh * kw) * sizeof(float));
		free(re);
		wei = ohwi < 0 ? ohwi : slot_new(cg, -1, (uint64_t)(oc * icg * kh * kw) * sizeof(float));
		if (wei < 0)
			return wei;
	} else {
		/* Weights computed or supplied at run time: reordered on the device, every run. */
		int src = slot_of(cg, n->inputs[1]);

		wei = src < 0 ? src : slot_new(cg, -1, (uint64_t)cg_numel(cg, n->inputs[1]) * sizeof(float));
		if (wei < 0)
			return wei;
		/* [oc][ic/g][kh][kw] -> [oc][kh][kw][ic/g]: the NCHW -> NHWC permutation. */
		ret = emit_transpose4(cg, tw->dims, nchw_to_nhwc, src, wei);
		if (ret)
			return ret;
	}
	if (n->n_inputs > 2 && n->inputs[2] >= 0) {
		bias = slot_of(cg, n->inputs[2]);
		if (bias < 0)
			return bias;
		pk.hdr.flags = VNPU_CONV2D_F_BIAS;
	}
	keep = image_keeps_nhwc(cg, nsp);
	ret = conv_residual(cg, &pk, keep, &add, &r);
	if (ret)
		return ret;
	if (add >= 0) {
		/* onto the residual's own slot, in place: no output slot of its own */
		xs = nhwc_slot(cg, n->inputs[0]);
		if (xs < 0)
			return xs;
		ys = cg->nhwc[r];
	} else {
		ret = image_io(cg, keep, tx, &xs, &ys);
		if (ret)
			return ret;
	}
	pk.n = (uint32_t)tx->dims[0];
	pk.c = (uint32_t)tx->dims[1];
	pk.h = (uint32_t)tx->dims[2];
	pk.w = (uint32_t)tx->dims[3];
	pk.oc = (uint32_t)oc;
	pk.kh = (uint32_t)kh;
	pk.kw = (uint32_t)kw;
	pk.groups = (uint32_t)groups;
	pk.stride_h = (uint32_t)w.stride[0];
	pk.stride_w = (uint32_t)w.stride[1];
	pk.dil_h = (uint32_t)w.dil[0];
	pk.dil_w = (uint32_t)w.dil[1];
	pk.pad_top = (uint32_t)w.pad_begin[0];
	pk.pad_left = (uint32_t)w.pad_begin[1];
	pk.pad_bottom = (uint32_t)w.pad_end[0];
	pk.pad_right = (uint32_t)w.pad_end[1];
	if (ohwi >= 0) {
		struct vnpu_prog_slot *ps = &cg->p->slots[wei];

		ps->packed = true;
		ps->pack_src = (unsigned int)ohwi;
		ps->pack = pk;
		ps->pack.hdr.opcode = VNPU_OP_CONV2D;
		ps->pack.hdr.length = sizeof(pk) / 4;
		pk.hdr.flags |= VNPU_CONV2D_F_WEI_PACKED;
	}
	if (add >= 0)
		pk.hdr.flags |= VNPU_CONV2D_F_ACCUMULATE;
	if (bias >= 0)
		ret = emit_relocated(cg, VNPU_OP_CONV2D, &pk, sizeof(pk), 4,
				     offsetof(struct vnpu_pkt_conv2d, src_va), xs,
				     offsetof(struct vnpu_pkt_conv2d, wei_va), wei,
				     offsetof(struct vnpu_pkt_conv2d, bias_va), bias,
				     offsetof(struct vnpu_pkt_conv2d, dst_va), ys);
	else
		ret = emit_relocated(cg, VNPU_OP_CONV2D, &pk, sizeof(pk), 3,
				     offsetof(struct vnpu_pkt_conv2d, src_va), xs,
				     offsetof(struct vnpu_pkt_conv2d, wei_va), wei,
				     offsetof(struct vnpu_pkt_conv2d, dst_va), ys);
	if (ret)
		return ret;
	if (add >= 0) {
		/* the Add's output is the sum just made; the Add has nothing left to do */
		cg->nhwc[cg->g->nodes[add]->outputs[0]] = ys;
		cg->fused_away[add] = true;
		return 0;
	}
	return image_io_end(cg, keep, ty, ys);
}

/*
 * ConvTranspose whose stride equals its kernel (no pads, dilation or output padding, one
 * group, constant weights): each input position makes its own kh x kw block of the output,
 * so the op is one product and a reordering. x in NHWC, [N x H x W, Ci], times the weights as
 * [Ci, kh x kw x Co] (columns ordered (i, j, co); the bias, repeated per (i, j), and a fused
 * activation as the product's epilogue) gives [N x H][W][kh][kw x Co]; a TRANSPOSE of its
 * middle two dimensions is [N x H][kh][W][kw x Co]: the output [N][H x kh][W x kw][Co] in NHWC.
 * Any other ConvTranspose stays on the host.
 */
static int lower_conv_transpose(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]), *tw = cg_tensor(cg, n->inputs[1]);
	const struct ir_tensor *ty = cg_tensor(cg, n->outputs[0]), *tb = NULL;
	const struct ir_attr *ap = ir_node_find_attr(n, "auto_pad");
	int64_t ci, co, kh, kw, cols, hw[2], tdims[4];
	const uint32_t mid_swap[4] = { 0, 2, 1, 3 };
	int xs, wei, bias = -1, tmp, ys, y, ret, act = fused_act(cg);
	float *v;

	if (act < 0)
		return act;
	if (tx->rank != 4 || tw->rank != 4 || ty->rank != 4 || !tw->data ||
	    tw->dtype != IR_DTYPE_FLOAT)
		return cg_fail(cg, -EOPNOTSUPP, "only 2-D ConvTranspose with constant weights");
	ci = tw->dims[0];
	co = tw->dims[1];
	kh = tw->dims[2];
	kw = tw->dims[3];
	hw[0] = kh;
	hw[1] = kw;
	if (attr_int(n, "group", 1) != 1 || !attr_ints_are(n, "strides", 2, hw, 0) ||
	    !ir_node_find_attr(n, "strides") || !attr_ints_are(n, "dilations", 2, NULL, 1) ||
	    !attr_ints_are(n, "pads", 4, NULL, 0) || !attr_ints_are(n, "output_padding", 2, NULL, 0) ||
	    !attr_ints_are(n, "kernel_shape", 2, hw, 0) ||
	    (ap && (ap->type != IR_ATTR_STRING || (strcmp(ap->s, "NOTSET") && strcmp(ap->s, "VALID")))))
		return cg_fail(cg, -EOPNOTSUPP, "only a stride equal to the kernel, no padding");
	if (!dims_fit(tx) || !dims_fit(ty) || !dims_fit(tw) || tx->dims[1] != ci ||
	    ty->dims[0] != tx->dims[0] || ty->dims[1] != co || ty->dims[2] != tx->dims[2] * kh ||
	    ty->dims[3] != tx->dims[3] * kw)
		return cg_fail(cg, -EOPNOTSUPP, "unexpected shapes");
	if (n->n_inputs > 2 && n->inputs[2] >= 0) {
		tb = cg_tensor(cg, n->inputs[2]);
		if (!tb->data || tb->dtype != IR_DTYPE_FLOAT || ir_tensor_numel(tb) != co)
			return cg_fail(cg, -EOPNOTSUPP, "the bias is not a constant of Co floats");
	}
	cols = kh * kw * co;
	/* [Ci][Co][kh][kw] -> [Ci][kh][kw][Co] */
	v = malloc((size_t)(ci * cols) * sizeof(float));
	if (!v)
		return -ENOMEM;
	for (int64_t c = 0; c < ci; c++)
		for (int64_t o = 0; o < co; o++)
			for (int64_t i = 0; i < kh; i++)
				for (int64_t j = 0; j < kw; j++)
					v[c * cols + (i * kw + j) * co + o] =
						((const float *)tw->data)[((c * co + o) * kh + i) * kw + j];
	wei = slot_const(cg, v, (size_t)(ci * cols) * sizeof(float));
	if (wei >= 0 && tb) {
		for (int64_t k = 0; k < kh * kw; k++)
			memcpy(v + k * co, tb->data, (size_t)co * sizeof(float));
		bias = slot_const(cg, v, (size_t)cols * sizeof(float));
	}
	free(v);
	if (wei < 0 || bias < -1)
		return wei < 0 ? wei : bias;
	xs = nhwc_slot(cg, n->inputs[0]);
	tmp = xs < 0 ? xs : slot_new(cg, -1, (uint64_t)cg_numel(cg, n->outputs[0]) * sizeof(float));
	if (tmp < 0)
		return tmp;
	ret = emit_matmul(cg, bias >= 0 ? VNPU_MATMUL_F_BIAS : 0, 1,
			  tx->dims[0] * tx->dims[2] * tx->dims[3], cols, ci, xs, wei, bias, tmp,
			  (uint32_t)act);
	if (ret)
		return ret;
	tdims[0] = tx->dims[0] * tx->dims[2];
	tdims[1] = tx->dims[3];
	tdims[2] = kh;
	tdims[3] = kw * co;
	if (image_keeps_nhwc(cg, 2)) {
		ys = nhwc_out(cg, n->outputs[0]);
		return ys < 0 ? ys : emit_transpose4(cg, tdims, mid_swap, tmp, ys);
	}
	/* the output already has its NCHW slot: through a scratch NHWC one */
	ys = slot_new(cg, -1, (uint64_t)cg_numel(cg, n->outputs[0]) * sizeof(float));
	if (ys < 0)
		return ys;
	ret = emit_transpose4(cg, tdims, mid_swap, tmp, ys);
	y = ret ? ret : slot_of(cg, n->outputs[0]);
	if (y < 0)
		return y;
	dims_nhwc(ty->dims, tdims);
	return emit_transpose4(cg, tdims, nhwc_to_nchw, ys, y);
}

/*
 * ceil_mode's extra windows as padding: the rows (columns) past the end of the padded input
 * that the last of @out windows of @w dimension @i reaches, added to its end padding. The
 * window size rule the caller enforces afterwards (end padding below the kernel) keeps every
 * window overlapping the input, so no output is made of padding alone. Returns the number of
 * positions added (0 when floor mode gives the same size).
 */
static int64_t pool_ceil_extra(struct window *w, int i, int64_t in, int64_t out)
{
	int64_t reach = (out - 1) * w->stride[i] + w->k[i];
	int64_t have = in + w->pad_begin[i] + w->pad_end[i];

	if (reach <= have)
		return 0;
	w->pad_end[i] += reach - have;
	return reach - have;
}

/*
 * MaxPool, AveragePool: 1-D (as 2-D with H = 1) or 2-D, no dilation. ceil_mode's extra
 * positions become end padding, which never wins a maximum and which an average that excludes
 * padding leaves out of its divisor, as ONNX does; an average that counts padding counts
 * only the explicit pads in ONNX, not the ceil positions, so that one stays on the host.
 */
static int lower_pool(struct cg *cg, uint32_t mode)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]), *ty = cg_tensor(cg, n->outputs[0]);
	struct vnpu_pkt_pool2d pk = { .dtype = VNPU_DT_F32, .mode = mode };
	const struct ir_attr *ks = ir_node_find_attr(n, "kernel_shape");
	struct ir_tensor vx, vy;
	int64_t kernel[2];
	struct window w;
	int xs, ys, ret, nsp = 2;
	bool keep;

	if (tx->rank == 3 && ty->rank == 3) {
		view_1d_as_2d(tx, &vx);
		view_1d_as_2d(ty, &vy);
		tx = &vx;
		ty = &vy;
		nsp = 1;
	}
	if (tx->rank != 4 || ty->rank != 4)
		return cg_fail(cg, -EOPNOTSUPP, "only 1-D and 2-D pooling are supported");
	if (!dims_fit(tx) || !dims_fit(ty))
		return cg_fail(cg, -EOPNOTSUPP, "empty or oversized tensor");
	if (n->n_outputs > 1 && n->outputs[1] >= 0)
		return cg_fail(cg, -EOPNOTSUPP, "the Indices output is not supported");
	if (attr_int(n, "storage_order", 0))
		return cg_fail(cg, -EOPNOTSUPP, "storage_order is not supported");
	if (!ks || ks->type != IR_ATTR_INTS || ks->len != (size_t)nsp)
		return cg_fail(cg, -EOPNOTSUPP, "kernel_shape must have %d entries", nsp);
	kernel[0] = nsp == 2 ? ks->ints[0] : 1;
	kernel[1] = ks->ints[nsp - 1];
	ret = window_attrs(cg, &tx->dims[2], &ty->dims[2], kernel, nsp, &w);
	if (ret)
		return ret;
	if (attr_int(n, "ceil_mode", 0)) {
		int64_t extra = pool_ceil_extra(&w, 0, tx->dims[2], ty->dims[2]) +
				pool_ceil_extra(&w, 1, tx->dims[3], ty->dims[3]);

		if (extra && mode == VNPU_POOL_AVG && attr_int(n, "count_include_pad", 0))
			return cg_fail(cg, -EOPNOTSUPP,
				       "ceil_mode positions in an average that counts padding");
	}
	for (int i = 0; i < 2; i++)
		if (w.dil[i] != 1 || w.pad_begin[i] >= w.k[i] || w.pad_end[i] >= w.k[i] ||
		    w.pad_end[i] > UINT32_MAX)
			return cg_fail(cg, -EOPNOTSUPP, "dilation or padding as large as the kernel");
	if (mode == VNPU_POOL_AVG && attr_int(n, "count_include_pad", 0))
		pk.hdr.flags = VNPU_POOL2D_F_AVG_INCLUDE_PAD;
	pk.n = (uint32_t)tx->dims[0];
	pk.c = (uint32_t)tx->dims[1];
	pk.h = (uint32_t)tx->dims[2];
	pk.w = (uint32_t)tx->dims[3];
	pk.kh = (uint32_t)w.k[0];
	pk.kw = (uint32_t)w.k[1];
	pk.stride_h = (uint32_t)w.stride[0];
	pk.stride_w = (uint32_t)w.stride[1];
	pk.pad_top = (uint32_t)w.pad_begin[0];
	pk.pad_left = (uint32_t)w.pad_begin[1];
	pk.pad_bottom = (uint32_t)w.pad_end[0];
	pk.pad_right = (uint32_t)w.pad_end[1];
	if ((pk.h + pk.pad_top + pk.pad_bottom - pk.kh) / pk.stride_h + 1 != ty->dims[2] ||
	    (pk.w + pk.pad_left + pk.pad_right - pk.kw) / pk.stride_w + 1 != ty->dims[3])
		return cg_fail(cg, -EOPNOTSUPP, "output shape needs a mode the engine lacks");
	keep = image_keeps_nhwc(cg, nsp);
	ret = image_io(cg, keep, tx, &xs, &ys);
	if (!ret)
		ret = emit_relocated(cg, VNPU_OP_POOL2D, &pk, sizeof(pk), 2,
				     offsetof(struct vnpu_pkt_pool2d, src_va), xs,
				     offsetof(struct vnpu_pkt_pool2d, dst_va), ys);
	return ret ? ret : image_io_end(cg, keep, ty, ys);
}

/* ---- data movement: DMA_COPY_ND ------------------------------------------------------ */

/* The element size of tensor @idx when DMA_COPY_ND can move it (1, 2, 4 or 8), else 0. */
static uint32_t copy_es(const struct cg *cg, int idx)
{
	size_t es = ir_dtype_size(cg_tensor(cg, idx)->dtype);

	return es == 1 || es == 2 || es == 4 || es == 8 ? (uint32_t)es : 0;
}

/* Dense row-major strides (in elements) of @rank @dims. */
static void dense_strides(int rank, const int64_t *dims, int64_t *strides)
{
	int64_t s = 1;

	for (int i = rank; i-- > 0;) {
		strides[i] = s;
		s *= dims[i] ? dims[i] : 1;
	}
}

/*
 * One DMA_COPY_ND of @es-byte elements over @dims (@nd of them): source element at slot @src
 * + @src_off + sum(i * sstr), destination at slot @dst + @dst_off + sum(i * dstr), offsets
 * in elements. Dimensions of one index are dropped and neighbours that are contiguous on both
 * sides merged, so that up to VNPU_COPY_ND_MAX_DIMS of them remain; an empty copy emits
 * nothing.
 */
static int emit_copy_nd(struct cg *cg, uint32_t es, int nd, const int64_t *dims,
			const int64_t *sstr, const int64_t *dstr, int src, int64_t src_off, int dst,
			int64_t dst_off)
{
	struct vnpu_pkt_dma_copy_nd pk = { .elem_size = es };
	int64_t d[2 * IR_MAX_RANK], ss[2 * IR_MAX_RANK], ds[2 * IR_MAX_RANK];
	int n = 0, ret;
	int64_t off;

	for (int i = 0; i < nd; i++) {
		if (!dims[i])
			return 0;
		if (dims[i] == 1)
			continue;
		/* the previous (outer) dimension steps exactly over this one on both sides */
		if (n && ss[n - 1] == sstr[i] * dims[i] && ds[n - 1] == dstr[i] * dims[i]) {
			d[n - 1] *= dims[i];
			ss[n - 1] = sstr[i];
			ds[n - 1] = dstr[i];
			continue;
		}
		d[n] = dims[i];
		ss[n] = sstr[i];
		ds[n] = dstr[i];
		n++;
	}
	if (!n) {
		d[0] = 1;
		ss[0] = ds[0] = 1;
		n = 1;
	}
	if (n > VNPU_COPY_ND_MAX_DIMS)
		return cg_fail(cg, -EOPNOTSUPP, "a copy of more than %d dimensions",
			       VNPU_COPY_ND_MAX_DIMS);
	pk.ndims = (uint32_t)n;
	for (int i = 0; i < n; i++) {
		if (!fits_u32(d[i]) || ss[i] < 0 || ds[i] < 0)
			return cg_fail(cg, -EOPNOTSUPP, "copy dimensions out of range");
		pk.dims[i] = (uint32_t)d[i];
		pk.src_stride[i] = (uint64_t)ss[i];
		pk.dst_stride[i] = (uint64_t)ds[i];
	}
	off = emit(cg, VNPU_OP_DMA_COPY_ND, &pk, sizeof(pk));
	if (off < 0)
		return (int)off;
	ret = reloc(cg, off, offsetof(struct vnpu_pkt_dma_copy_nd, src_va), src);
	if (ret)
		return ret;
	cg->p->relocs[cg->p->nrelocs - 1].addend = (uint64_t)src_off * es;
	ret = reloc(cg, off, offsetof(struct vnpu_pkt_dma_copy_nd, dst_va), dst);
	if (ret)
		return ret;
	cg->p->relocs[cg->p->nrelocs - 1].addend = (uint64_t)dst_off * es;
	return 0;
}

/* The slots of input 0 and output 0, and their common element size. */
static int copy_slots(struct cg *cg, uint32_t *es, int *x, int *y)
{
	const struct ir_node *n = cg->node;

	*es = copy_es(cg, n->inputs[0]);
	if (!*es || copy_es(cg, n->outputs[0]) != *es)
		return cg_fail(cg, -EOPNOTSUPP, "element type not movable");
	*x = slot_of(cg, n->inputs[0]);
	*y = *x < 0 ? *x : slot_of(cg, n->outputs[0]);
	return *y < 0 ? *y : 0;
}

/* Copy the @rank-D tensor of @dims in slot @src to slot @dst, dimension i of dst being @perm[i]. */
static int emit_permute(struct cg *cg, uint32_t es, int rank, const int64_t *dims,
			const int64_t *perm, int src, int dst)
{
	int64_t in_str[IR_MAX_RANK], odims[IR_MAX_RANK], ostr[IR_MAX_RANK], sstr[IR_MAX_RANK];

	dense_strides(rank, dims, in_str);
	for (int i = 0; i < rank; i++) {
		odims[i] = dims[perm[i]];
		sstr[i] = in_str[perm[i]];
	}
	dense_strides(rank, odims, ostr);
	return emit_copy_nd(cg, es, rank, odims, sstr, ostr, src, 0, dst, 0);
}

/* Transpose of any rank: a permuted copy (perm defaults to reversing the dimensions). */
static int lower_transpose(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *t = cg_tensor(cg, n->inputs[0]);
	const struct ir_attr *pa = ir_node_find_attr(n, "perm");
	int64_t perm[IR_MAX_RANK];
	uint32_t es;
	int x, y, ret;

	for (int i = 0; i < t->rank; i++)
		perm[i] = t->rank - 1 - i;
	if (pa && pa->type == IR_ATTR_INTS) {
		if ((int)pa->len != t->rank)
			return cg_fail(cg, -EOPNOTSUPP, "perm does not match the rank");
		for (int i = 0; i < t->rank; i++) {
			if (pa->ints[i] < 0 || pa->ints[i] >= t->rank)
				return cg_fail(cg, -EOPNOTSUPP, "bad perm");
			perm[i] = pa->ints[i];
		}
	}
	ret = copy_slots(cg, &es, &x, &y);
	if (ret)
		return ret;
	return emit_permute(cg, es, t->rank, t->dims, perm, x, y);
}

/* An axis attribute, negative counted from the end, checked against @rank. */
static int node_axis(struct cg *cg, const char *name, int64_t def, int rank, int *axis)
{
	int64_t a = attr_int(cg->node, name, def);

	if (a < 0)
		a += rank;
	if (a < 0 || a >= rank)
		return cg_fail(cg, -EOPNOTSUPP, "axis out of range");
	*axis = (int)a;
	return 0;
}

/*
 * Concat along the channels of float images all held in NHWC: the output too, each input
 * copied into its channel range (a strided copy along the innermost axis); -ENOENT when the
 * inputs are not all NHWC.
 */
static int lower_concat_nhwc(struct cg *cg, int axis)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *ty = cg_tensor(cg, n->outputs[0]);
	int64_t od[4], ostr[4], id[4], istr[4], at = 0;
	int y, ret;

	if (ty->rank != 4 || axis != 1 || ty->dtype != IR_DTYPE_FLOAT ||
	    cg->p->tensor_slot[n->outputs[0]] >= 0 || cg->nhwc[n->outputs[0]] >= 0)
		return -ENOENT;
	for (size_t i = 0; i < n->n_inputs; i++) {
		const struct ir_tensor *t;

		if (n->inputs[i] < 0)
			continue;
		t = cg_tensor(cg, n->inputs[i]);
		if (cg->nhwc[n->inputs[i]] < 0 || t->rank != 4 || t->dtype != IR_DTYPE_FLOAT)
			return -ENOENT;
	}
	dims_nhwc(ty->dims, od);
	dense_strides(4, od, ostr);
	y = nhwc_out(cg, n->outputs[0]);
	if (y < 0)
		return y;
	for (size_t i = 0; i < n->n_inputs; i++) {
		int x;

		if (n->inputs[i] < 0)
			continue;
		dims_nhwc(cg_tensor(cg, n->inputs[i])->dims, id);
		dense_strides(4, id, istr);
		x = nhwc_slot(cg, n->inputs[i]);
		if (x < 0)
			return x;
		ret = emit_copy_nd(cg, sizeof(float), 4, id, istr, ostr, x, 0, y, at);
		if (ret)
			return ret;
		at += id[3];
	}
	return 0;
}

/* Concat: each input copied into its place along the axis of the output. */
static int lower_concat(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *ty = cg_tensor(cg, n->outputs[0]);
	int64_t ostr[IR_MAX_RANK], istr[IR_MAX_RANK], at = 0;
	uint32_t es = copy_es(cg, n->outputs[0]);
	int axis = 0, y, ret;

	ret = node_axis(cg, "axis", 0, ty->rank, &axis);
	if (ret)
		return ret;
	ret = lower_concat_nhwc(cg, axis);
	if (ret != -ENOENT)
		return ret;
	if (!es)
		return cg_fail(cg, -EOPNOTSUPP, "element type not movable");
	dense_strides(ty->rank, ty->dims, ostr);
	y = slot_of(cg, n->outputs[0]);
	if (y < 0)
		return y;
	for (size_t i = 0; i < n->n_inputs; i++) {
		const struct ir_tensor *t;
		int x;

		if (n->inputs[i] < 0)
			continue;
		t = cg_tensor(cg, n->inputs[i]);
		if (t->rank != ty->rank || copy_es(cg, n->inputs[i]) != es)
			return cg_fail(cg, -EOPNOTSUPP, "input %zu does not match the output", i);
		if (!ir_tensor_numel(t))
			continue;
		x = slot_of(cg, n->inputs[i]);
		if (x < 0)
			return x;
		dense_strides(t->rank, t->dims, istr);
		ret = emit_copy_nd(cg, es, t->rank, t->dims, istr, ostr, x, 0, y, at * ostr[axis]);
		if (ret)
			return ret;
		at += t->dims[axis];
	}
	return 0;
}

/* Split: each output a slab of the input along the axis, its size the output's. */
static int lower_split(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]);
	int64_t istr[IR_MAX_RANK], ostr[IR_MAX_RANK], at = 0;
	uint32_t es = copy_es(cg, n->inputs[0]);
	int axis = 0, x, ret;

	ret = node_axis(cg, "axis", 0, tx->rank, &axis);
	if (ret)
		return ret;
	if (!es)
		return cg_fail(cg, -EOPNOTSUPP, "element type not movable");
	dense_strides(tx->rank, tx->dims, istr);
	x = slot_of(cg, n->inputs[0]);
	if (x < 0)
		return x;
	for (size_t i = 0; i < n->n_outputs; i++) {
		const struct ir_tensor *t;
		int y;

		if (n->outputs[i] < 0)
			return cg_fail(cg, -EOPNOTSUPP, "an omitted output");
		t = cg_tensor(cg, n->outputs[i]);
		if (t->rank != tx->rank || copy_es(cg, n->outputs[i]) != es)
			return cg_fail(cg, -EOPNOTSUPP, "output %zu does not match the input", i);
		y = slot_of(cg, n->outputs[i]);
		if (y < 0)
			return y;
		dense_strides(t->rank, t->dims, ostr);
		ret = emit_copy_nd(cg, es, t->rank, t->dims, istr, ostr, x, at * istr[axis], y, 0);
		if (ret)
			return ret;
		at += t->dims[axis];
	}
	if (at != tx->dims[axis])
		return cg_fail(cg, -EOPNOTSUPP, "the outputs do not cover the input");
	return 0;
}

/*
 * The int64 values of constant input @i (int32 or int64), or of INTS attribute @attr when
 * the input is absent; -ENOENT when neither is there.
 */
static int const_ints(struct cg *cg, size_t i, const char *attr, int64_t *v, int *count)
{
	const struct ir_node *n = cg->node;
	const struct ir_attr *a;

	if (i < n->n_inputs && n->inputs[i] >= 0) {
		const struct ir_tensor *t = cg_tensor(cg, n->inputs[i]);
		int64_t num = ir_tensor_numel(t);

		if (!t->data || num > IR_MAX_RANK || t->rank > 1)
			return cg_fail(cg, -EOPNOTSUPP, "input %zu is not a small constant", i);
		for (int64_t k = 0; k < num; k++) {
			if (t->dtype == IR_DTYPE_INT64)
				v[k] = ((const int64_t *)t->data)[k];
			else if (t->dtype == IR_DTYPE_INT32)
				v[k] = ((const int32_t *)t->data)[k];
			else
				return cg_fail(cg, -EOPNOTSUPP, "input %zu is not integer", i);
		}
		*count = (int)num;
		return 0;
	}
	a = attr ? ir_node_find_attr(n, attr) : NULL;
	if (!a || a->type != IR_ATTR_INTS)
		return -ENOENT;
	if (a->len > IR_MAX_RANK)
		return cg_fail(cg, -EOPNOTSUPP, "attribute %s too long", attr);
	for (size_t k = 0; k < a->len; k++)
		v[k] = a->ints[k];
	*count = (int)a->len;
	return 0;
}

/*
 * Slice with positive steps: a strided copy from the first selected element. The output's
 * shape (from inference) gives the counts; only the starts need resolving here.
 */
static int lower_slice(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]), *ty = cg_tensor(cg, n->outputs[0]);
	int64_t starts[IR_MAX_RANK], axes[IR_MAX_RANK], steps[IR_MAX_RANK];
	int64_t first[IR_MAX_RANK] = { 0 }, step[IR_MAX_RANK], istr[IR_MAX_RANK],
		ostr[IR_MAX_RANK], sstr[IR_MAX_RANK], off = 0;
	bool old = cg->g->opset < 10;
	int ns, na, nst, ret;
	uint32_t es;
	int x, y;

	if (ty->rank != tx->rank)
		return cg_fail(cg, -EOPNOTSUPP, "rank changes");
	ret = const_ints(cg, old ? 99 : 1, old ? "starts" : NULL, starts, &ns);
	if (ret)
		return ret == -ENOENT ? cg_fail(cg, -EOPNOTSUPP, "no starts") : ret;
	ret = const_ints(cg, old ? 99 : 3, old ? "axes" : NULL, axes, &na);
	if (ret == -ENOENT) {
		for (int i = 0; i < ns; i++)
			axes[i] = i;
		na = ns;
	} else if (ret) {
		return ret;
	}
	ret = old ? -ENOENT : const_ints(cg, 4, NULL, steps, &nst);
	if (ret == -ENOENT) {
		for (int i = 0; i < ns; i++)
			steps[i] = 1;
		nst = ns;
	} else if (ret) {
		return ret;
	}
	if (na != ns || nst != ns)
		return cg_fail(cg, -EOPNOTSUPP, "starts, axes and steps differ in length");
	for (int i = 0; i < tx->rank; i++)
		step[i] = 1;
	for (int i = 0; i < ns; i++) {
		int64_t a = axes[i] < 0 ? axes[i] + tx->rank : axes[i], s = starts[i];
		int64_t dim = tx->dims[a < 0 || a >= tx->rank ? 0 : a];

		if (a < 0 || a >= tx->rank || steps[i] < 1)
			return cg_fail(cg, -EOPNOTSUPP, "bad axis or a non-positive step");
		if (s < 0)
			s += dim;
		s = s < 0 ? 0 : s > dim ? dim : s;
		first[a] = s;
		step[a] = steps[i];
	}
	ret = copy_slots(cg, &es, &x, &y);
	if (ret)
		return ret;
	dense_strides(tx->rank, tx->dims, istr);
	dense_strides(ty->rank, ty->dims, ostr);
	for (int i = 0; i < tx->rank; i++) {
		if (ty->dims[i] && first[i] + (ty->dims[i] - 1) * step[i] >= tx->dims[i])
			return cg_fail(cg, -EOPNOTSUPP, "the output does not fit the input");
		sstr[i] = istr[i] * step[i];
		off += first[i] * istr[i];
	}
	return emit_copy_nd(cg, es, tx->rank, ty->dims, sstr, ostr, x, off, y, 0);
}

/* Expand: the input's dimensions of 1 read with stride 0 (numpy broadcast, right-aligned). */
static int lower_expand(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]), *ty = cg_tensor(cg, n->outputs[0]);
	int64_t istr[IR_MAX_RANK], ostr[IR_MAX_RANK], sstr[IR_MAX_RANK];
	int lead = ty->rank - tx->rank, x, y, ret;
	uint32_t es;

	if (lead < 0)
		return cg_fail(cg, -EOPNOTSUPP, "the output has fewer dimensions");
	ret = copy_slots(cg, &es, &x, &y);
	if (ret)
		return ret;
	dense_strides(tx->rank, tx->dims, istr);
	dense_strides(ty->rank, ty->dims, ostr);
	for (int i = 0; i < ty->rank; i++) {
		int j = i - lead;

		if (j < 0 || tx->dims[j] == 1)
			sstr[i] = 0;
		else if (tx->dims[j] == ty->dims[i])
			sstr[i] = istr[j];
		else
			return cg_fail(cg, -EOPNOTSUPP, "shapes do not broadcast");
	}
	return emit_copy_nd(cg, es, ty->rank, ty->dims, sstr, ostr, x, 0, y, 0);
}

/*
 * Tile: output dimension d as [repeat, in_d]: the repeat reads the input again (stride 0)
 * and writes one input extent further.
 */
static int lower_tile(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]), *ty = cg_tensor(cg, n->outputs[0]);
	int64_t istr[IR_MAX_RANK], ostr[IR_MAX_RANK];
	int64_t d[2 * IR_MAX_RANK], ss[2 * IR_MAX_RANK], ds[2 * IR_MAX_RANK];
	int x, y, ret, k = 0;
	uint32_t es;

	if (ty->rank != tx->rank)
		return cg_fail(cg, -EOPNOTSUPP, "rank changes");
	ret = copy_slots(cg, &es, &x, &y);
	if (ret)
		return ret;
	dense_strides(tx->rank, tx->dims, istr);
	dense_strides(ty->rank, ty->dims, ostr);
	for (int i = 0; i < tx->rank; i++) {
		if (!tx->dims[i])
			return 0;
		if (ty->dims[i] % tx->dims[i])
			return cg_fail(cg, -EOPNOTSUPP, "the output is not a tiling of the input");
		d[k] = ty->dims[i] / tx->dims[i];
		ss[k] = 0;
		ds[k++] = tx->dims[i] * ostr[i];
		d[k] = tx->dims[i];
		ss[k] = istr[i];
		ds[k++] = ostr[i];
	}
	return emit_copy_nd(cg, es, k, d, ss, ds, x, 0, y, 0);
}

/* Pad, constant mode, pads >= 0: a DMA_FILL of the constant, the input copied inside. */
static int lower_pad(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]), *ty = cg_tensor(cg, n->outputs[0]);
	const struct ir_attr *mode = ir_node_find_attr(n, "mode");
	bool old = cg->g->opset < 11;
	int64_t pads[2 * IR_MAX_RANK], istr[IR_MAX_RANK], ostr[IR_MAX_RANK], off = 0;
	struct vnpu_pkt_dma_fill fill = { 0 };
	int np, x, y, ret;
	uint32_t es;

	if (mode && mode->type == IR_ATTR_STRING && strcmp(mode->s, "constant"))
		return cg_fail(cg, -EOPNOTSUPP, "only constant padding");
	if (n->n_inputs > 3 && n->inputs[3] >= 0)
		return cg_fail(cg, -EOPNOTSUPP, "the axes input is not supported");
	if (2 * tx->rank > 2 * IR_MAX_RANK || ty->rank != tx->rank)
		return cg_fail(cg, -EOPNOTSUPP, "rank changes");
	ret = const_ints(cg, old ? 99 : 1, old ? (ir_node_find_attr(n, "pads") ? "pads" : "paddings") :
			 NULL, pads, &np);
	if (ret)
		return ret == -ENOENT ? cg_fail(cg, -EOPNOTSUPP, "no pads") : ret;
	if (np != 2 * tx->rank)
		return cg_fail(cg, -EOPNOTSUPP, "pads do not match the rank");
	ret = copy_slots(cg, &es, &x, &y);
	if (ret)
		return ret;
	if (!old && n->n_inputs > 2 && n->inputs[2] >= 0) {
		const struct ir_tensor *tv = cg_tensor(cg, n->inputs[2]);

		if (!tv->data || tv->data_size != es)
			return cg_fail(cg, -EOPNOTSUPP, "the pad value is not a constant");
		memcpy(&fill.value, tv->data, es);
	} else if (old) {
		float v = attr_float(n, "value", 0.0f);

		if (tx->dtype != IR_DTYPE_FLOAT)
			return cg_fail(cg, -EOPNOTSUPP, "value attribute on a non-float tensor");
		memcpy(&fill.value, &v, 4);
	}
	for (int i = 0; i < 2 * tx->rank; i++)
		if (pads[i] < 0)
			return cg_fail(cg, -EOPNOTSUPP, "negative pads");
	if (!cg_numel(cg, n->outputs[0]))
		return 0;
	dense_strides(tx->rank, tx->dims, istr);
	dense_strides(ty->rank, ty->dims, ostr);
	for (int i = 0; i < tx->rank; i++)
		off += pads[i] * ostr[i];
	fill.width = es;
	fill.size = (uint64_t)cg_numel(cg, n->outputs[0]) * es;
	ret = emit_relocated(cg, VNPU_OP_DMA_FILL, &fill, sizeof(fill), 1,
			     offsetof(struct vnpu_pkt_dma_fill, dst_va), y);
	if (ret)
		return ret;
	return emit_copy_nd(cg, es, tx->rank, tx->dims, istr, ostr, x, 0, y, off);
}

/* Gather along one axis with constant indices: one copy of a slab per index (at most 64). */
static int lower_gather(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]), *ti = cg_tensor(cg, n->inputs[1]);
	int64_t outer = 1, inner = 1, nidx = ir_tensor_numel(ti), dim;
	int axis = 0, x, y, ret;
	uint32_t es;

	if (!ti->data || (ti->dtype != IR_DTYPE_INT64 && ti->dtype != IR_DTYPE_INT32))
		return cg_fail(cg, -EOPNOTSUPP, "the indices are not a constant");
	if (nidx > 64)
		return cg_fail(cg, -EOPNOTSUPP, "more than 64 indices");
	ret = node_axis(cg, "axis", 0, tx->rank, &axis);
	if (!ret)
		ret = copy_slots(cg, &es, &x, &y);
	if (ret)
		return ret;
	for (int i = 0; i < axis; i++)
		outer *= tx->dims[i];
	for (int i = axis + 1; i < tx->rank; i++)
		inner *= tx->dims[i];
	dim = tx->dims[axis];
	for (int64_t j = 0; j < nidx; j++) {
		int64_t k = ti->dtype == IR_DTYPE_INT64 ? ((const int64_t *)ti->data)[j] :
							  ((const int32_t *)ti->data)[j];
		int64_t dims[2] = { outer, inner }, ss[2] = { dim * inner, 1 },
			ds[2] = { nidx * inner, 1 };

		if (k < 0)
			k += dim;
		if (k < 0 || k >= dim)
			return cg_fail(cg, -EOPNOTSUPP, "index out of range");
		ret = emit_copy_nd(cg, es, 2, dims, ss, ds, x, k * inner, y, j * inner);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * DepthToSpace and SpaceToDepth: a reshape to 6-D, a permutation, a reshape back; @to_space
 * picks which, the mode (DCR or CRD) the order of the block dimensions.
 */
static int lower_depth_space(struct cg *cg, bool to_space)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]);
	const struct ir_attr *mode = ir_node_find_attr(n, "mode");
	bool crd = mode && mode->type == IR_ATTR_STRING && !strcmp(mode->s, "CRD");
	int64_t bs = attr_int(n, "blocksize", 0), dims[6];
	static const int64_t dcr[6] = { 0, 3, 4, 1, 5, 2 }, crdp[6] = { 0, 1, 4, 2, 5, 3 };
	static const int64_t s2d[6] = { 0, 3, 5, 1, 2, 4 };
	uint32_t es;
	int x, y, ret;

	if (tx->rank != 4 || bs < 1)
		return cg_fail(cg, -EOPNOTSUPP, "not 4-D");
	ret = copy_slots(cg, &es, &x, &y);
	if (ret)
		return ret;
	if (to_space) {
		int64_t c = tx->dims[1] / (bs * bs);

		dims[0] = tx->dims[0];
		dims[1] = crd ? c : bs;
		dims[2] = bs;
		dims[3] = crd ? bs : c;
		dims[4] = tx->dims[2];
		dims[5] = tx->dims[3];
		return emit_permute(cg, es, 6, dims, crd ? crdp : dcr, x, y);
	}
	if (tx->dims[2] % bs || tx->dims[3] % bs)
		return cg_fail(cg, -EOPNOTSUPP, "not a multiple of the block");
	dims[0] = tx->dims[0];
	dims[1] = tx->dims[1];
	dims[2] = tx->dims[2] / bs;
	dims[3] = bs;
	dims[4] = tx->dims[3] / bs;
	dims[5] = bs;
	return emit_permute(cg, es, 6, dims, s2d, x, y);
}

/* ---- UNARY, REDUCE ----------------------------------------------------------------------- */

static uint32_t f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static int emit_unary(struct cg *cg, uint32_t op, float alpha, float beta)
{
	const struct ir_node *n = cg->node;
	struct vnpu_pkt_unary pk = { .dtype = VNPU_DT_F32, .op = op,
				     .count = (uint64_t)cg_numel(cg, n->inputs[0]),
				     .alpha = f32_bits(alpha), .beta = f32_bits(beta) };
	int s, d, ret;

	if (!pk.count)
		return cg_fail(cg, -EOPNOTSUPP, "empty tensor");
	ret = elementwise_slots(cg, n->inputs[0], n->outputs[0], &s, &d);
	if (ret)
		return ret;
	return emit_relocated(cg, VNPU_OP_UNARY, &pk, sizeof(pk), 2,
			      offsetof(struct vnpu_pkt_unary, src_va), s,
			      offsetof(struct vnpu_pkt_unary, dst_va), d);
}

/* A scalar float constant input @i, or @def when absent; -EOPNOTSUPP when not constant. */
static int const_float(struct cg *cg, size_t i, float def, float *v)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *t;

	*v = def;
	if (i >= n->n_inputs || n->inputs[i] < 0)
		return 0;
	t = cg_tensor(cg, n->inputs[i]);
	if (!t->data || t->dtype != IR_DTYPE_FLOAT || t->data_size != 4)
		return cg_fail(cg, -EOPNOTSUPP, "input %zu is not a float constant", i);
	memcpy(v, t->data, 4);
	return 0;
}

/*
 * Clip with a bound computed at run time (a one-element tensor): BINARY MAX with the lower
 * bound, then MIN with the upper, the bound broadcast as a row of one column.
 */
static int lower_clip_runtime(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	int64_t count = cg_numel(cg, n->inputs[0]);
	struct vnpu_pkt_binary pb = { .hdr.flags = VNPU_BINARY_F_BCAST_ROW, .dtype = VNPU_DT_F32,
				      .cols = 1 };
	int x, y, src, ret;

	if (!fits_u32(count))
		return cg_fail(cg, -EOPNOTSUPP, "empty or too large");
	for (size_t i = 1; i < 3 && i < n->n_inputs; i++)
		if (n->inputs[i] >= 0 && (cg_numel(cg, n->inputs[i]) != 1 ||
					  cg_tensor(cg, n->inputs[i])->dtype != IR_DTYPE_FLOAT))
			return cg_fail(cg, -EOPNOTSUPP, "a bound not one float");
	pb.rows = (uint32_t)count;
	x = slot_of(cg, n->inputs[0]);
	y = x < 0 ? x : slot_of(cg, n->outputs[0]);
	if (y < 0)
		return y;
	src = x;
	for (size_t i = 1; i < 3 && i < n->n_inputs; i++) {
		int b;

		if (n->inputs[i] < 0)
			continue;
		b = slot_of(cg, n->inputs[i]);
		if (b < 0)
			return b;
		pb.op = i == 1 ? VNPU_BINARY_MAX : VNPU_BINARY_MIN;
		ret = emit_relocated(cg, VNPU_OP_BINARY, &pb, sizeof(pb), 3,
				     offsetof(struct vnpu_pkt_binary, a_va), src,
				     offsetof(struct vnpu_pkt_binary, b_va), b,
				     offsetof(struct vnpu_pkt_binary, dst_va), y);
		if (ret)
			return ret;
		src = y;
	}
	if (src == x)
		return emit_unary(cg, VNPU_UNARY_LINEAR, 1.0f, 0.0f);
	return 0;
}

/*
 * Clip: min and max as attributes before opset 11, optional inputs after: constants become
 * the UNARY CLIP's parameters, others lower_clip_runtime().
 */
static int lower_clip(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	float lo = -3.402823466e38f, hi = 3.402823466e38f;
	int ret = 0;

	for (size_t i = 1; cg->g->opset >= 11 && i < 3 && i < n->n_inputs; i++)
		if (n->inputs[i] >= 0 && !cg_tensor(cg, n->inputs[i])->data)
			return lower_clip_runtime(cg);
	if (cg->g->opset < 11) {
		lo = attr_float(cg->node, "min", lo);
		hi = attr_float(cg->node, "max", hi);
	} else {
		ret = const_float(cg, 1, lo, &lo);
		if (!ret)
			ret = const_float(cg, 2, hi, &hi);
	}
	if (ret)
		return ret;
	if (!(lo <= hi) || lo != lo || hi != hi || lo - lo != 0 || hi - hi != 0)
		return cg_fail(cg, -EOPNOTSUPP, "min above max, or not finite");
	return emit_unary(cg, VNPU_UNARY_CLIP, lo, hi);
}

/*
 * The reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
 * ReduceSumSquare. Dimensions of one element are dropped and neighbours both reduced or both
 * kept merged, so that 4 suffice for most shapes; keepdims does not change the data.
 */
static int lower_reduce(struct cg *cg, uint32_t op)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]);
	struct vnpu_pkt_reduce pk = { .dtype = VNPU_DT_F32, .op = op };
	bool from_input = !strcmp(n->op_type, "ReduceSum") ? cg->g->opset >= 13 : cg->g->opset >= 18;
	int64_t axes[IR_MAX_RANK], d[IR_MAX_RANK];
	bool red[IR_MAX_RANK] = { false }, rd[IR_MAX_RANK];
	int na = 0, k = 0, ret, s, o;

	if (!cg_numel(cg, n->inputs[0]))
		return cg_fail(cg, -EOPNOTSUPP, "empty tensor");
	ret = const_ints(cg, from_input ? 1 : 99, from_input ? NULL : "axes", axes, &na);
	if (ret && ret != -ENOENT)
		return ret;
	if (ret == -ENOENT || !na) {
		if (attr_int(n, "noop_with_empty_axes", 0))
			return cg_fail(cg, -EOPNOTSUPP, "no axes: an identity");
		for (int i = 0; i < tx->rank; i++)
			red[i] = true;
	}
	for (int i = 0; i < na; i++) {
		int64_t a = axes[i] < 0 ? axes[i] + tx->rank : axes[i];

		if (a < 0 || a >= tx->rank)
			return cg_fail(cg, -EOPNOTSUPP, "axis out of range");
		red[a] = true;
	}
	for (int i = 0; i < tx->rank; i++) {
		if (tx->dims[i] == 1)
			continue;
		if (k && rd[k - 1] == red[i]) {
			d[k - 1] *= tx->dims[i];
			continue;
		}
		d[k] = tx->dims[i];
		rd[k++] = red[i];
	}
	if (k > 4)
		return cg_fail(cg, -EOPNOTSUPP, "more than 4 dimensions after merging");
	pk.ndims = (uint32_t)k;
	for (int i = 0; i < k; i++) {
		if (!fits_u32(d[i]))
			return cg_fail(cg, -EOPNOTSUPP, "tensor too large");
		pk.dims[i] = (uint32_t)d[i];
		if (rd[i])
			pk.axes |= 1u << i;
	}
	if (!pk.axes)
		return cg_fail(cg, -EOPNOTSUPP, "nothing to reduce: an elementwise op");
	s = slot_of(cg, n->inputs[0]);
	o = s < 0 ? s : slot_of(cg, n->outputs[0]);
	if (o < 0)
		return o;
	return emit_relocated(cg, VNPU_OP_REDUCE, &pk, sizeof(pk), 2,
			      offsetof(struct vnpu_pkt_reduce, src_va), s,
			      offsetof(struct vnpu_pkt_reduce, dst_va), o);
}

/*
 * GlobalAveragePool or GlobalMaxPool (@op VNPU_REDUCE_MEAN or _MAX) of an NHWC image: one
 * POOL2D whose window is the whole image. Its [N][1][1][C] output is already the output's
 * NCHW [N][C][1][1]. A pool, not a REDUCE over the middle axis of [N][H*W][C]: the engine has
 * a vectorised kernel for the one (channels innermost) and only a scalar loop for the other
 * (100 to 500 times slower: 0.9 ms for SqueezeNet's 13x13x1000 at batch 1, 26 ms at 8).
 */
static int lower_global_pool_nhwc(struct cg *cg, uint32_t op)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]);
	struct vnpu_pkt_pool2d pk = { .dtype = VNPU_DT_F32, .stride_h = 1, .stride_w = 1 };
	int s, o;

	pk.mode = op == VNPU_REDUCE_MAX ? VNPU_POOL_MAX : VNPU_POOL_AVG;
	pk.n = (uint32_t)tx->dims[0];
	pk.c = (uint32_t)tx->dims[1];
	pk.h = pk.kh = (uint32_t)tx->dims[2];
	pk.w = pk.kw = (uint32_t)tx->dims[3];
	s = nhwc_slot(cg, n->inputs[0]);
	o = s < 0 ? s : slot_of(cg, n->outputs[0]);
	if (o < 0)
		return o;
	return emit_relocated(cg, VNPU_OP_POOL2D, &pk, sizeof(pk), 2,
			      offsetof(struct vnpu_pkt_pool2d, src_va), s,
			      offsetof(struct vnpu_pkt_pool2d, dst_va), o);
}

/* GlobalAveragePool and GlobalMaxPool of any rank >= 3: a REDUCE over the spatial dims. */
static int lower_global_pool(struct cg *cg, uint32_t op)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]);
	int64_t nc, sp;
	struct vnpu_pkt_reduce pk = { .dtype = VNPU_DT_F32, .op = op, .ndims = 2, .axes = 2 };
	int s, o;

	if (tx->rank < 3 || !cg_numel(cg, n->inputs[0]))
		return cg_fail(cg, -EOPNOTSUPP, "not an image");
	nc = tx->dims[0] * tx->dims[1];
	sp = cg_numel(cg, n->inputs[0]) / nc;
	if (!fits_u32(nc) || !fits_u32(sp))
		return cg_fail(cg, -EOPNOTSUPP, "tensor too large");
	pk.dims[0] = (uint32_t)nc;
	pk.dims[1] = (uint32_t)sp;
	if (tx->rank == 4 && cg->nhwc[n->inputs[0]] >= 0 && dims_fit(tx))
		return lower_global_pool_nhwc(cg, op);
	if (tx->rank == 4 && cg->nhwc[n->inputs[0]] >= 0) {
		/*
		 * An NHWC input, [N][H*W][C]: reduced over its middle axis, the [N][C] left is
		 * already the output's NCHW [N][C][1][1].
		 */
		pk.ndims = 3;
		pk.axes = 2;
		pk.dims[0] = (uint32_t)tx->dims[0];
		pk.dims[1] = (uint32_t)sp;
		pk.dims[2] = (uint32_t)tx->dims[1];
		s = nhwc_slot(cg, n->inputs[0]);
	} else {
		s = slot_of(cg, n->inputs[0]);
	}
	o = s < 0 ? s : slot_of(cg, n->outputs[0]);
	if (o < 0)
		return o;
	return emit_relocated(cg, VNPU_OP_REDUCE, &pk, sizeof(pk), 2,
			      offsetof(struct vnpu_pkt_reduce, src_va), s,
			      offsetof(struct vnpu_pkt_reduce, dst_va), o);
}

/*
 * BatchNormalization (inference) with constant parameters: y = x * a + b per channel, a and b
 * folded here and expanded to one [C x spatial] row, applied to each of the N images by two
 * BINARY packets (MUL, then ADD in place); x held in NHWC stays so, a and b rows of C.
 */
static int lower_batchnorm(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]);
	const struct ir_tensor *p[4];
	float eps = attr_float(n, "epsilon", 1e-5f);
	int64_t c, sp, row;
	float *a, *b;
	int sa, sb, x, y, ret;
	bool nhwc;

	if (n->n_inputs < 5 || n->n_outputs > 1 || tx->rank < 2)
		return cg_fail(cg, -EOPNOTSUPP, "training outputs or a missing parameter");
	for (int i = 0; i < 4; i++) {
		if (n->inputs[i + 1] < 0)
			return cg_fail(cg, -EOPNOTSUPP, "a missing parameter");
		p[i] = cg_tensor(cg, n->inputs[i + 1]);
		if (!p[i]->data || p[i]->dtype != IR_DTYPE_FLOAT ||
		    ir_tensor_numel(p[i]) != tx->dims[1])
			return cg_fail(cg, -EOPNOTSUPP, "parameters are not constant per-channel floats");
	}
	c = tx->dims[1];
	row = cg_numel(cg, n->inputs[0]) / (tx->dims[0] ? tx->dims[0] : 1);
	if (!c || !row || row > (16 << 20) || !fits_u32(tx->dims[0]))
		return cg_fail(cg, -EOPNOTSUPP, "empty or too large");
	/* x held in NHWC (a device image op's output): a row of C over every position */
	nhwc = follows_nhwc(cg, n->inputs[0], n->outputs[0]);
	if (nhwc && !fits_u32(cg_numel(cg, n->inputs[0]) / c))
		return cg_fail(cg, -EOPNOTSUPP, "too large");
	sp = nhwc ? 1 : row / c;
	if (nhwc)
		row = c;
	a = malloc((size_t)row * sizeof(float));
	b = malloc((size_t)row * sizeof(float));
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	for (int64_t ch = 0; ch < c; ch++) {
		const float *scale = p[0]->data, *bias = p[1]->data, *mean = p[2]->data,
			    *var = p[3]->data;
		float k = scale[ch] / sqrtf(var[ch] + eps);

		for (int64_t i = 0; i < sp; i++) {
			a[ch * sp + i] = k;
			b[ch * sp + i] = bias[ch] - mean[ch] * k;
		}
	}
	sa = slot_const(cg, a, (size_t)row * sizeof(float));
	sb = sa < 0 ? sa : slot_const(cg, b, (size_t)row * sizeof(float));
	free(a);
	free(b);
	if (sb < 0)
		return sb;
	ret = elementwise_slots(cg, n->inputs[0], n->outputs[0], &x, &y);
	if (ret)
		return ret;
	struct vnpu_pkt_binary pb = { .dtype = VNPU_DT_F32, .op = VNPU_BINARY_MUL,
				      .rows = (uint32_t)(cg_numel(cg, n->inputs[0]) / row),
				      .cols = (uint32_t)row };
	if (pb.rows > 1)
		pb.hdr.flags = VNPU_BINARY_F_BCAST_ROW;
	ret = emit_relocated(cg, VNPU_OP_BINARY, &pb, sizeof(pb), 3,
			     offsetof(struct vnpu_pkt_binary, a_va), x,
			     offsetof(struct vnpu_pkt_binary, b_va), sa,
			     offsetof(struct vnpu_pkt_binary, dst_va), y);
	if (ret)
		return ret;
	pb.op = VNPU_BINARY_ADD;
	ret = fused_act(cg);
	if (ret < 0)
		return ret;
	pb.act = (uint32_t)ret;
	fused_act_bounds(cg, pb.act, &pb.act_alpha, &pb.act_beta);
	return emit_relocated(cg, VNPU_OP_BINARY, &pb, sizeof(pb), 3,
			      offsetof(struct vnpu_pkt_binary, a_va), y,
			      offsetof(struct vnpu_pkt_binary, b_va), sb,
			      offsetof(struct vnpu_pkt_binary, dst_va), y);
}

/* The ops that only move data, of any element type DMA_COPY_ND handles; -ENOENT: not one. */
/* Whether @n's string attribute @name is @want, or absent with @want its default @def. */
static bool attr_str_is(const struct ir_node *n, const char *name, const char *def,
			const char *want)
{
	const struct ir_attr *a = ir_node_find_attr(n, name);

	if (!a)
		return !strcmp(def, want);
	return a->type == IR_ATTR_STRING && !strcmp(a->s, want);
}

/*
 * Resize, nearest, asymmetric, floor, by whole factors (output dimension k x the input's,
 * and the scales input, when given, k too): output element o reads input o / k along each
 * dimension, a copy that reads each input element k times (stride 0 over a dimension of k).
 * A 4-D float input held in NHWC (a device image op's output) is copied in NHWC. Anything
 * else stays on the host.
 */
static int lower_resize(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const struct ir_tensor *tx = cg_tensor(cg, n->inputs[0]), *ty = cg_tensor(cg, n->outputs[0]);
	const struct ir_tensor *tsc = n->n_inputs > 2 && n->inputs[2] >= 0 ?
				      cg_tensor(cg, n->inputs[2]) : NULL;
	int64_t f[IR_MAX_RANK], xd[IR_MAX_RANK], istr[IR_MAX_RANK];
	int64_t d[2 * IR_MAX_RANK], ss[2 * IR_MAX_RANK], ds[2 * IR_MAX_RANK], od[2 * IR_MAX_RANK];
	const uint32_t *perm = NULL;
	int r = tx->rank, k = 0, x, y;
	bool nhwc;
	uint32_t es;

	if (!attr_str_is(n, "mode", "nearest", "nearest") ||
	    !attr_str_is(n, "coordinate_transformation_mode", "half_pixel", "asymmetric") ||
	    !attr_str_is(n, "nearest_mode", "round_prefer_floor", "floor") || ty->rank != r ||
	    !r || r > 4)
		return cg_fail(cg, -EOPNOTSUPP, "only nearest, asymmetric, floor Resize");
	if (tsc && ir_tensor_numel(tsc) && (!tsc->data || tsc->dtype != IR_DTYPE_FLOAT ||
					    ir_tensor_numel(tsc) != r))
		return cg_fail(cg, -EOPNOTSUPP, "scales not constant");
	for (int i = 0; i < r; i++) {
		if (!tx->dims[i] || ty->dims[i] % tx->dims[i])
			return cg_fail(cg, -EOPNOTSUPP, "not a whole factor");
		f[i] = ty->dims[i] / tx->dims[i];
		if (tsc && ir_tensor_numel(tsc) && ((const float *)tsc->data)[i] != (float)f[i])
			return cg_fail(cg, -EOPNOTSUPP, "scales are not the output's whole factors");
	}
	es = copy_es(cg, n->inputs[0]);
	if (!es || copy_es(cg, n->outputs[0]) != es)
		return cg_fail(cg, -EOPNOTSUPP, "element type not movable");
	nhwc = r == 4 && f[0] == 1 && f[1] == 1 && cg->nhwc[n->inputs[0]] >= 0 &&
	       cg->p->tensor_slot[n->outputs[0]] < 0 && cg->nhwc[n->outputs[0]] < 0 &&
	       ty->dtype == IR_DTYPE_FLOAT;
	for (int i = 0; i < r; i++)
		xd[i] = tx->dims[i];
	if (nhwc) {
		static const uint32_t to_nhwc[4] = { 0, 2, 3, 1 };

		perm = to_nhwc;
		dims_nhwc(tx->dims, xd);
		x = nhwc_slot(cg, n->inputs[0]);
		y = x < 0 ? x : nhwc_out(cg, n->outputs[0]);
	} else {
		x = slot_of(cg, n->inputs[0]);
		y = x < 0 ? x : slot_of(cg, n->outputs[0]);
	}
	if (y < 0)
		return y;
	dense_strides(r, xd, istr);
	/* each (input) dimension as [in_d, f_d]: the input's stride, then 0 over the repeat */
	for (int i = 0; i < r; i++) {
		int64_t fi = f[perm ? perm[i] : (uint32_t)i];

		d[k] = xd[i];
		ss[k++] = istr[i];
		d[k] = fi;
		ss[k++] = 0;
	}
	for (int i = 0; i < k; i++)
		od[i] = d[i];
	dense_strides(k, od, ds);
	return emit_copy_nd(cg, es, k, d, ss, ds, x, 0, y, 0);
}

static int lower_data_movement(struct cg *cg)
{
	const char *op = cg->node->op_type;

	if (ir_node_fused_activation(cg->node) != IR_ACTIVATION_NONE)
		return -ENOENT;
	if (!strcmp(op, "Transpose"))
		return lower_transpose(cg);
	if (!strcmp(op, "Concat"))
		return lower_concat(cg);
	if (!strcmp(op, "Split"))
		return lower_split(cg);
	if (!strcmp(op, "Slice"))
		return lower_slice(cg);
	if (!strcmp(op, "Expand"))
		return lower_expand(cg);
	if (!strcmp(op, "Tile"))
		return lower_tile(cg);
	if (!strcmp(op, "Pad"))
		return lower_pad(cg);
	if (!strcmp(op, "Gather"))
		return lower_gather(cg);
	if (!strcmp(op, "DepthToSpace"))
		return lower_depth_space(cg, true);
	if (!strcmp(op, "SpaceToDepth"))
		return lower_depth_space(cg, false);
	if (!strcmp(op, "Resize"))
		return lower_resize(cg);
	return -ENOENT;
}

/* The UNARY functions by ONNX op type, with their parameters' attribute defaults. */
static const struct unary_op {
	const char *op_type;
	uint32_t op;
	const char *alpha_attr, *beta_attr;
	float alpha, beta;
} unary_ops[] = {
	{ "Exp", VNPU_UNARY_EXP },
	{ "Log", VNPU_UNARY_LOG },
	{ "Sqrt", VNPU_UNARY_SQRT },
	{ "Abs", VNPU_UNARY_ABS },
	{ "Neg", VNPU_UNARY_NEG },
	{ "Reciprocal", VNPU_UNARY_RECIPROCAL },
	{ "Erf", VNPU_UNARY_ERF },
	{ "Floor", VNPU_UNARY_FLOOR },
	{ "Ceil", VNPU_UNARY_CEIL },
	{ "Round", VNPU_UNARY_ROUND },
	{ "Sign", VNPU_UNARY_SIGN },
	{ "Sin", VNPU_UNARY_SIN },
	{ "Cos", VNPU_UNARY_COS },
	{ "LeakyRelu", VNPU_UNARY_LEAKY_RELU, "alpha", NULL, 0.01f, 0 },
	{ "Elu", VNPU_UNARY_ELU, "alpha", NULL, 1.0f, 0 },
	{ "Selu", VNPU_UNARY_SELU, "alpha", "gamma", 1.67326319217681884765625f,
	  1.05070102214813232421875f },
	{ "HardSigmoid", VNPU_UNARY_HARDSIGMOID, "alpha", "beta", 0.2f, 0.5f },
	{ "HardSwish", VNPU_UNARY_HARDSWISH },
	{ "Softplus", VNPU_UNARY_SOFTPLUS },
	{ "Softsign", VNPU_UNARY_SOFTSIGN },
};

/* The unary functions and reductions on float tensors; -ENOENT: not one of them. */
static int lower_float_op(struct cg *cg)
{
	const char *op = cg->node->op_type;

	if (!strcmp(op, "BatchNormalization"))
		return lower_batchnorm(cg);
	/* the others carry no epilogue: a fused activation leaves them to the next lowerings */
	if (ir_node_fused_activation(cg->node) != IR_ACTIVATION_NONE)
		return -ENOENT;
	for (size_t i = 0; i < sizeof(unary_ops) / sizeof(unary_ops[0]); i++) {
		const struct unary_op *u = &unary_ops[i];

		if (strcmp(op, u->op_type))
			continue;
		return emit_unary(cg, u->op,
				  u->alpha_attr ? attr_float(cg->node, u->alpha_attr, u->alpha) : 0,
				  u->beta_attr ? attr_float(cg->node, u->beta_attr, u->beta) : 0);
	}
	if (!strcmp(op, "Clip"))
		return lower_clip(cg);
	if (!strcmp(op, "ReduceSum"))
		return lower_reduce(cg, VNPU_REDUCE_SUM);
	if (!strcmp(op, "ReduceMean"))
		return lower_reduce(cg, VNPU_REDUCE_MEAN);
	if (!strcmp(op, "ReduceMax"))
		return lower_reduce(cg, VNPU_REDUCE_MAX);
	if (!strcmp(op, "ReduceMin"))
		return lower_reduce(cg, VNPU_REDUCE_MIN);
	if (!strcmp(op, "ReduceProd"))
		return lower_reduce(cg, VNPU_REDUCE_PROD);
	if (!strcmp(op, "ReduceL1"))
		return lower_reduce(cg, VNPU_REDUCE_L1);
	if (!strcmp(op, "ReduceL2"))
		return lower_reduce(cg, VNPU_REDUCE_L2);
	if (!strcmp(op, "ReduceSumSquare"))
		return lower_reduce(cg, VNPU_REDUCE_SUM_SQUARE);
	return -ENOENT;
}

/* A node all of whose outputs the importer already computed (Constant, folded shapes). */
static bool node_is_constant(const struct cg *cg, const struct ir_node *n)
{
	for (size_t i = 0; i < n->n_outputs; i++)
		if (n->outputs[i] >= 0 && !cg_tensor(cg, n->outputs[i])->data)
			return false;
	return true;
}

static int lower_node(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	const char *op = n->op_type;
	int ret;

	if (n->domain[0])
		return cg_fail(cg, -EOPNOTSUPP, "domain '%s' is not supported", n->domain);
	if (!n->n_inputs || n->inputs[0] < 0 || !n->n_outputs || n->outputs[0] < 0)
		return cg_fail(cg, -EOPNOTSUPP, "missing input or output");
	if (cg->fused_away[cg->node_idx]) {
		/* done by an earlier node's packet, its output already in a slot */
		cg->p->n_nodes_device++;
		return 0;
	}
	if (!strcmp(op, "Identity") || !strcmp(op, "Reshape") || !strcmp(op, "Flatten") ||
	    !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze")) {
		/* Their other inputs (shape, axes) are integer constants; any type is a copy. */
		return lower_alias(cg);
	}
	ret = lower_data_movement(cg);
	if (ret != -ENOENT)
		goto done;
	/* the data input: the other inputs of these (axes, bounds) are checked by each */
	ret = check_f32(cg, 1);
	if (ret)
		return ret;
	ret = lower_float_op(cg);
	if (ret != -ENOENT)
		goto done;
	ret = check_f32(cg, n->n_inputs);
	if (ret)
		return ret;
	if (!strcmp(op, "MatMul"))
		ret = lower_matmul(cg);
	else if (!strcmp(op, "Gemm"))
		ret = lower_gemm(cg);
	else if (!strcmp(op, "Add"))
		ret = lower_binary(cg, VNPU_BINARY_ADD);
	else if (!strcmp(op, "Sub"))
		ret = lower_binary(cg, VNPU_BINARY_SUB);
	else if (!strcmp(op, "Mul"))
		ret = lower_binary(cg, VNPU_BINARY_MUL);
	else if (!strcmp(op, "Div"))
		ret = lower_binary(cg, VNPU_BINARY_DIV);
	else if (!strcmp(op, "Pow"))
		ret = lower_pow(cg);
	else if (!strcmp(op, "Relu"))
		ret = lower_activation(cg, VNPU_ACT_RELU);
	else if (!strcmp(op, "Sigmoid"))
		ret = lower_activation(cg, VNPU_ACT_SIGMOID);
	else if (!strcmp(op, "Tanh"))
		ret = lower_activation(cg, VNPU_ACT_TANH);
	else if (!strcmp(op, "Softmax"))
		ret = lower_softmax(cg);
	else if (!strcmp(op, "LayerNormalization"))
		ret = lower_layernorm(cg);
	else if (!strcmp(op, "Conv"))
		ret = lower_conv(cg);
	else if (!strcmp(op, "ConvTranspose"))
		ret = lower_conv_transpose(cg);
	else if (!strcmp(op, "MaxPool"))
		ret = lower_pool(cg, VNPU_POOL_MAX);
	else if (!strcmp(op, "AveragePool"))
		ret = lower_pool(cg, VNPU_POOL_AVG);
	else if (!strcmp(op, "GlobalMaxPool"))
		ret = lower_global_pool(cg, VNPU_REDUCE_MAX);
	else if (!strcmp(op, "GlobalAveragePool"))
		ret = lower_global_pool(cg, VNPU_REDUCE_MEAN);
	else
		return cg_fail(cg, -EOPNOTSUPP, "operator not supported on the vnpu");
done:
	if (!ret)
		cg->p->n_nodes_device++;
	return ret;
}

void codegen_vnpu_free(struct vnpu_prog *p)
{
	if (!p)
		return;
	for (unsigned int i = 0; i < p->nslots; i++)
		free(p->slots[i].data);
	for (unsigned int i = 0; i < p->nstages; i++)
		free(p->stages[i].nodes);
	free(p->stages);
	free(p->slots);
	free(p->relocs);
	free(p->stream);
	free(p->tensor_slot);
	free(p->tensor_offset);
	free(p->node_ts);
	free(p);
}

/* The product of dims [from, rank) of @t (1 when empty). */
static double dims_product(const struct ir_tensor *t, int from)
{
	double v = 1;

	for (int d = from; d < t->rank; d++)
		v *= (double)t->dims[d];
	return v;
}

double vnpu_node_flops(const struct ir_graph *g, size_t idx)
{
	const struct ir_node *n = g->nodes[idx];
	const struct ir_tensor *y = n->n_outputs && n->outputs[0] >= 0 ? g->tensors[n->outputs[0]] :
				    NULL;
	const struct ir_tensor *a = n->n_inputs && n->inputs[0] >= 0 ? g->tensors[n->inputs[0]] :
				    NULL;
	const struct ir_tensor *b = n->n_inputs > 1 && n->inputs[1] >= 0 ?
				    g->tensors[n->inputs[1]] : NULL;
	double v = 0;

	if (!n->domain[0] && y && a && b && a->rank >= 1) {
		/* Every output element of a product is K multiply-adds. */
		if (!strcmp(n->op_type, "MatMul"))
			return 2 * dims_product(y, 0) * (double)a->dims[a->rank - 1];
		if (!strcmp(n->op_type, "Gemm") && a->rank == 2) {
			const struct ir_attr *ta = ir_node_find_attr(n, "transA");
			bool trans = ta && ta->type == IR_ATTR_INT && ta->i;

			return 2 * dims_product(y, 0) * (double)a->dims[trans ? 0 : 1];
		}
		/* W is [O, I / groups, k...]: each output element is I / groups * k... MACs. */
		if (!strcmp(n->op_type, "Conv") && b->rank >= 2)
			return 2 * dims_product(y, 0) * dims_product(b, 1);
		if (!strcmp(n->op_type, "ConvTranspose") && b->rank >= 2)
			return 2 * dims_product(a, 0) * dims_product(b, 1);
	}
	for (size_t o = 0; o < n->n_outputs; o++)
		if (n->outputs[o] >= 0)
			v += dims_product(g->tensors[n->outputs[o]], 0);
	return v;
}

/* A new stage (host or device) after the current ones; NULL when out of memory. */
static struct vnpu_prog_stage *stage_push(struct cg *cg, bool host)
{
	struct vnpu_prog *p = cg->p;
	struct vnpu_prog_stage *st = realloc(p->stages, (p->nstages + 1) * sizeof(*st));

	if (!st)
		return NULL;
	p->stages = st;
	st = &st[p->nstages++];
	*st = (struct vnpu_prog_stage){ .host = host, .offset = p->len, .reloc_first = p->nrelocs,
					.ts_first = -1 };
	return st;
}

/* The last stage, or NULL before the first. */
static struct vnpu_prog_stage *stage_last(struct cg *cg)
{
	return cg->p->nstages ? &cg->p->stages[cg->p->nstages - 1] : NULL;
}

/*
 * What a lowering attempt may change, so that a node the device refuses midway (after its
 * first slots or packets) leaves no trace before it goes to the host.
 */
struct cg_mark {
	size_t len;
	unsigned int nrelocs, nslots, n_packets, n_nodes_alias, n_timestamps;
};

static void cg_mark(const struct cg *cg, struct cg_mark *m)
{
	*m = (struct cg_mark){ cg->p->len, cg->p->nrelocs, cg->p->nslots, cg->p->n_packets,
			       cg->p->n_nodes_alias, cg->p->n_timestamps };
}

static void cg_rollback(struct cg *cg, const struct cg_mark *m)
{
	struct vnpu_prog *p = cg->p;

	for (unsigned int i = m->nslots; i < p->nslots; i++)
		free(p->slots[i].data);
	for (size_t t = 0; t < p->n_tensors; t++) {
		if (p->tensor_slot[t] >= (int)m->nslots)
			p->tensor_slot[t] = -1;
		if (cg->nhwc[t] >= (int)m->nslots)
			cg->nhwc[t] = -1;
	}
	p->len = m->len;
	p->nrelocs = m->nrelocs;
	p->nslots = m->nslots;
	p->n_packets = m->n_packets;
	p->n_nodes_alias = m->n_nodes_alias;
	p->n_timestamps = m->n_timestamps;
	if (cg->profile_slot >= (int)m->nslots)
		cg->profile_slot = -1;
	cg->ts_pending = false;
}

/* Node cg->node on the host: into the open host stage (or a new one), its tensors in slots. */
static int place_on_host(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	struct vnpu_prog_stage *st = stage_last(cg);
	size_t *nodes;

	for (size_t i = 0; i < n->n_inputs + n->n_outputs; i++) {
		int t = i < n->n_inputs ? n->inputs[i] : n->outputs[i - n->n_inputs];
		int ret;

		/* Constants are read from the graph, not from a slot. */
		if (t < 0 || cg_tensor(cg, t)->data)
			continue;
		ret = slot_of(cg, t);
		if (ret < 0)
			return ret;
	}
	if (!st || !st->host) {
		st = stage_push(cg, true);
		if (!st)
			return -ENOMEM;
	}
	nodes = realloc(st->nodes, (st->n_nodes + 1) * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	st->nodes = nodes;
	st->nodes[st->n_nodes++] = cg->node_idx;
	cg->p->n_nodes_host++;
	cg->p->flops_host += vnpu_node_flops(cg->g, cg->node_idx);
	return 0;
}

/*
 * The NCHW slots of the @n tensors @t (-1s skipped) that are so far only NHWC, for a reader
 * outside the device stream (a host node, the caller): their TRANSPOSEs go to the open device
 * stage, or a new one. Timed, when profiling, as a span of no node.
 */
static int nchw_for_readers(struct cg *cg, const int *t, size_t n)
{
	struct vnpu_prog_stage *st = stage_last(cg);
	struct cg_mark m;
	int ret = 0;

	cg_mark(cg, &m);
	if (!st || st->host) {
		cg->stage_start = cg->p->len;
		cg->ts_pending = cg->profile;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		int s;

		if (t[i] < 0 || cg->p->tensor_slot[t[i]] >= 0 || cg->nhwc[t[i]] < 0)
			continue;
		s = slot_of(cg, t[i]);
		ret = s < 0 ? s : 0;
	}
	cg->ts_pending = false;
	if (ret || cg->p->len == m.len)
		return ret;
	if (!st || st->host) {
		st = stage_push(cg, false);
		if (!st)
			return -ENOMEM;
		st->offset = m.len;
		st->reloc_first = m.nrelocs;
		st->ts_first = (int)m.n_timestamps;
	}
	return cg->profile ? emit_timestamp(cg) : 0;
}

/* RNN, GRU or LSTM: a recurrence, which runs on the host (compiler/ops/nn_rnn.c). */
static bool node_is_recurrent(const struct ir_node *n)
{
	return !n->domain[0] && (!strcmp(n->op_type, "LSTM") || !strcmp(n->op_type, "GRU") ||
				 !strcmp(n->op_type, "RNN"));
}

/* At most this many FLOPs (vnpu_node_flops()): a node not worth a device stage of its own. */
#define CG_RECURRENT_NEIGHBOUR_FLOPS (1 << 20)

/*
 * Whether node cg->node, which the device could run, should rather join the host stage of a
 * recurrence: it is cheap, and either that stage is the open one (what follows an LSTM: the
 * Transpose back to batch major, the last step's Gather, a small classifier Gemm) or a
 * recurrence later reads its output (the Transpose to time major before one). On the device
 * it would cost a stage of its own, a submission and a wait for a few microseconds of work;
 * on the host a model of recurrences and such neighbours is one host stage.
 */
static bool joins_recurrence(struct cg *cg)
{
	const struct ir_graph *g = cg->g;
	const struct ir_node *n = cg->node;
	const struct vnpu_prog_stage *st = stage_last(cg);
	const struct op_def *op = op_find(n->domain, n->op_type);

	/* (a Conv may mark a residual Add as done by its packet: it stays where it lowered) */
	if (!op || !op->host || ir_node_fused_activation(n) < 0 || !strcmp(n->op_type, "Conv") ||
	    vnpu_node_flops(g, cg->node_idx) > CG_RECURRENT_NEIGHBOUR_FLOPS)
		return false;
	if (st && st->host)
		for (size_t i = 0; i < st->n_nodes; i++)
			if (node_is_recurrent(g->nodes[st->nodes[i]]))
				return true;
	for (size_t j = cg->node_idx + 1; j < g->n_nodes; j++) {
		const struct ir_node *r = g->nodes[j];

		if (!node_is_recurrent(r) || !r->n_inputs)
			continue;
		for (size_t o = 0; o < n->n_outputs; o++)
			if (n->outputs[o] >= 0 && n->outputs[o] == r->inputs[0])
				return true;
	}
	return false;
}

/*
 * Node cg->node on the device when it lowers, else on the host when its op has a kernel.
 * Packets go to the open device stage, or a new one after a host stage; a cheap neighbour of
 * a recurrence goes to the recurrence's host stage (joins_recurrence()).
 */
static int place_node(struct cg *cg)
{
	const struct ir_node *n = cg->node;
	struct vnpu_prog_stage *st = stage_last(cg);
	const struct op_def *op;
	unsigned int dev_before = cg->p->n_nodes_device;
	struct cg_mark m;
	size_t len;
	int ret;

	if (node_is_constant(cg, n)) {
		cg->p->n_nodes_const++;
		return 0;
	}
	cg_mark(cg, &m);
	/*
	 * Packets of this node start a new device stage unless one is open, with the stage's
	 * start timestamp before the first (emit()).
	 */
	if (!st || st->host) {
		cg->stage_start = cg->p->len;
		cg->ts_pending = cg->profile;
	}
	ret = lower_node(cg);
	cg->ts_pending = false;
	if (ret == -EOPNOTSUPP) {
		op = op_find(n->domain, n->op_type);
		cg_rollback(cg, &m);
		if (!op || !op->host) {
			len = strlen(cg->err);
			if (cg->err_len > len + 1)
				snprintf(cg->err + len, cg->err_len - len, ", and the host has no kernel for it");
			return ret;
		}
		/* The host applies a fused epilogue (host_exec.c) only when it knows it. */
		if (ir_node_fused_activation(n) < 0)
			return ret;
		ret = nchw_for_readers(cg, n->inputs, n->n_inputs);
		return ret ? ret : place_on_host(cg);
	}
	if (ret)
		return ret;
	if (cg->p->len != m.len && joins_recurrence(cg)) {
		cg->p->n_nodes_device = dev_before;
		cg_rollback(cg, &m);
		ret = nchw_for_readers(cg, n->inputs, n->n_inputs);
		return ret ? ret : place_on_host(cg);
	}
	if (cg->p->n_nodes_device != dev_before)
		cg->p->flops_device += vnpu_node_flops(cg->g, cg->node_idx);
	if (cg->p->len == m.len)
		return 0;
	if (!st || st->host) {
		st = stage_push(cg, false);
		if (!st)
			return -ENOMEM;
		st->offset = m.len;
		st->reloc_first = m.nrelocs;
		st->ts_first = (int)m.n_timestamps;
	}
	if (!cg->profile)
		return 0;
	/* The node's end: its time is this timestamp less the one before it in the stage. */
	ret = emit_timestamp(cg);
	if (ret)
		return ret;
	cg->p->node_ts[cg->node_idx] = (int)cg->p->n_timestamps - 1;
	return 0;
}

/*
 * Every device stage's extent: up to the next device stage's start, or the stream's end; its
 * timestamps likewise (none for the NOP of a program without device nodes).
 */
static void stages_close(struct vnpu_prog *p)
{
	size_t end = p->len;
	unsigned int rend = p->nrelocs, tend = p->n_timestamps;

	for (unsigned int i = p->nstages; i-- > 0;) {
		struct vnpu_prog_stage *st = &p->stages[i];

		if (st->host)
			continue;
		st->len = end - st->offset;
		st->nrelocs = rend - st->reloc_first;
		end = st->offset;
		rend = st->reloc_first;
		if (st->ts_first < 0)
			continue;
		st->n_ts = tend - (unsigned int)st->ts_first;
		tend = (unsigned int)st->ts_first;
	}
}

/*
 * The alignment of a planned buffer in the arena: the element's for small ones, so that the
 * many tiny tensors of small models pack without padding, a cache line for the rest.
 */
static uint64_t plan_align(const struct cg *cg, const struct vnpu_prog_slot *s)
{
	size_t es = s->tensor >= 0 ? ir_dtype_size(cg_tensor(cg, s->tensor)->dtype) : sizeof(float);

	if (s->size >= 4096)
		return 64;
	/* Element sizes are powers of two; 8 covers any the device checks. */
	return es >= 8 ? 8 : es >= 4 ? 4 : es >= 2 ? 2 : 1;
}

/*
 * Place the intermediates and the scratch buffers (the slots neither a graph input or
 * output nor holding contents to upload) by liveness in one arena slot, after the others;
 * relocations against them become relocations against the arena with their offsets as
 * addends, and @tensor_offset says where each tensor lies in its slot.
 */
static int plan_memory(struct cg *cg)
{
	const struct ir_graph *g = cg->g;
	struct vnpu_prog *p = cg->p;
	unsigned int n = p->nslots, nfixed = 0, nplan = 0, *newidx = NULL;
	struct mem_plan_buf *bufs = NULL;
	struct mem_plan_result res = { 0 };
	uint64_t *offset = NULL;
	bool *fixed = NULL;
	int ret = -ENOMEM;

	p->arena_slot = -1;
	p->tensor_offset = calloc(p->n_tensors ? p->n_tensors : 1, sizeof(*p->tensor_offset));
	fixed = calloc(n ? n : 1, sizeof(*fixed));
	newidx = calloc(n ? n : 1, sizeof(*newidx));
	offset = calloc(n ? n : 1, sizeof(*offset));
	bufs = calloc(n ? n : 1, sizeof(*bufs));
	if (!p->tensor_offset || !fixed || !newidx || !offset || !bufs)
		goto out;
	for (size_t i = 0; i < g->n_inputs; i++)
		if (p->tensor_slot[g->inputs[i]] >= 0)
			fixed[p->tensor_slot[g->inputs[i]]] = true;
	/* The runtime zeroes the semaphores at each run: a host-visible slot of their own. */
	if (p->sem_slot >= 0)
		fixed[p->sem_slot] = true;
	for (size_t i = 0; i < g->n_outputs; i++)
		if (p->tensor_slot[g->outputs[i]] >= 0)
			fixed[p->tensor_slot[g->outputs[i]]] = true;
	/* The host reads the timestamps: a slot of its own, which loaders keep host-visible. */
	if (cg->profile_slot >= 0)
		fixed[cg->profile_slot] = true;
	for (unsigned int s = 0; s < n; s++) {
		/* a packed slot is made at load, like a constant: it lives as long as the program */
		if (p->slots[s].data || p->slots[s].packed)
			fixed[s] = true;
		if (fixed[s]) {
			newidx[s] = nfixed++;
			continue;
		}
		bufs[nplan] = cg->live[s];
		bufs[nplan].size = p->slots[s].size;
		bufs[nplan].align = plan_align(cg, &p->slots[s]);
		nplan++;
	}
	ret = 0;
	if (!nplan)
		goto out;
	if (p->sem_slot >= 0)
		p->sem_slot = (int)newidx[p->sem_slot];
	ret = mem_plan(bufs, nplan, &res);
	if (ret)
		goto out;
	for (unsigned int s = 0, k = 0; s < n; s++) {
		if (fixed[s])
			continue;
		newidx[s] = nfixed;
		offset[s] = bufs[k++].offset;
	}
	for (unsigned int i = 0; i < p->nrelocs; i++) {
		p->relocs[i].addend += offset[p->relocs[i].slot];
		p->relocs[i].slot = newidx[p->relocs[i].slot];
	}
	for (size_t t = 0; t < p->n_tensors; t++) {
		if (p->tensor_slot[t] < 0)
			continue;
		p->tensor_offset[t] = offset[p->tensor_slot[t]];
		p->tensor_slot[t] = (int)newidx[p->tensor_slot[t]];
	}
	if (cg->profile_slot >= 0)
		p->profile_slot = (int)newidx[cg->profile_slot];
	/* The fixed slots keep their order (the inputs first), the arena comes last. */
	for (unsigned int s = 0; s < n; s++) {
		if (!fixed[s])
			continue;
		if (p->slots[s].packed)
			p->slots[s].pack_src = newidx[p->slots[s].pack_src];
		p->slots[newidx[s]] = p->slots[s];
	}
	p->slots[nfixed] = (struct vnpu_prog_slot){ .tensor = -1, .size = res.peak ? res.peak : 1 };
	p->nslots = nfixed + 1;
	p->arena_slot = (int)nfixed;
	p->mem_peak = res.peak;
	p->mem_lower_bound = res.lower_bound;
out:
	free(bufs);
	free(offset);
	free(newidx);
	free(fixed);
	return ret;
}

/* Append @len bytes of packets at @data to the stream as they are (counted already). */
static int emit_raw(struct cg *cg, const void *data, size_t len)
{
	struct vnpu_prog *p = cg->p;

	if (p->len + len > VNPU_MAX_CMD_SIZE)
		return cg_fail(cg, -E2BIG, "command stream over %u bytes", VNPU_MAX_CMD_SIZE);
	if (p->len + len > cg->stream_cap) {
		size_t cap = cg->stream_cap ? cg->stream_cap * 2 : 4096;
		uint8_t *n;

		while (cap < p->len + len)
			cap *= 2;
		n = realloc(p->stream, cap);
		if (!n)
			return -ENOMEM;
		p->stream = n;
		cg->stream_cap = cap;
	}
	memcpy(p->stream + p->len, data, len);
	p->len += len;
	return 0;
}

/* A FENCE_WRITE of @value (or a SEM_WAIT for it, @wait) on semaphore @sem of the sem slot. */
static int emit_sem(struct cg *cg, bool wait, unsigned int sem, uint64_t value)
{
	struct vnpu_pkt_sem_wait w = { .value = value };
	struct vnpu_pkt_fence_write f = { .value = value };
	int ret;

	if (wait)
		ret = emit_relocated(cg, VNPU_OP_SEM_WAIT, &w, sizeof(w), 1,
				     offsetof(struct vnpu_pkt_sem_wait, va), cg->p->sem_slot);
	else
		ret = emit_relocated(cg, VNPU_OP_FENCE_WRITE, &f, sizeof(f), 1,
				     offsetof(struct vnpu_pkt_fence_write, va), cg->p->sem_slot);
	if (!ret)
		cg->p->relocs[cg->p->nrelocs - 1].addend = sem * sizeof(uint64_t);
	return ret;
}

/* A DMA_COPY of slot @src's bytes to slot @dst, both of slot @src's size. */
static int emit_slot_copy(struct cg *cg, int src, int dst)
{
	struct vnpu_pkt_dma_copy c = { .size = cg->p->slots[src].size };

	return emit_relocated(cg, VNPU_OP_DMA_COPY, &c, sizeof(c), 2,
			      offsetof(struct vnpu_pkt_dma_copy, src_va), src,
			      offsetof(struct vnpu_pkt_dma_copy, dst_va), dst);
}

/*
 * codegen_vnpu_options.dma_io on a program of one device stage (before plan_memory()): a
 * staging slot for each graph input and output slot, with that slot's lifetime (so the arena
 * places it), the compute stream's relocations moved onto them, and the stream rebuilt as
 * three chained stages: DMA-in (inputs to staging; sem[0] = 1), compute (wait sem[0]; the
 * packets; sem[1] = 1), DMA-out (wait sem[1]; staging to outputs). Constants stay where they
 * are: they are uploaded once, not per run.
 */
static int dma_io_wrap(struct cg *cg)
{
	const struct ir_graph *g = cg->g;
	struct vnpu_prog *p = cg->p;
	unsigned int nslots = p->nslots, body_nrelocs = p->nrelocs;
	struct vnpu_prog_reloc *body_relocs = NULL;
	struct vnpu_prog_stage *st;
	uint8_t *body = NULL, *io = NULL;
	size_t body_off = p->stages[0].offset, body_len = p->len - body_off;
	/* The body's timestamps (profiled programs) stay the compute stage's. */
	int ts_first = p->stages[0].ts_first;
	unsigned int n_ts = p->stages[0].n_ts;
	int *staging = NULL, slot, ret = -ENOMEM;

	staging = malloc((nslots ? nslots : 1) * sizeof(*staging));
	/* bit 0: an input's slot, bit 1: an output's */
	io = calloc(nslots ? nslots : 1, sizeof(*io));
	body = malloc(body_len);
	body_relocs = malloc((body_nrelocs ? body_nrelocs : 1) * sizeof(*body_relocs));
	if (!staging || !io || !body || !body_relocs)
		goto out;
	for (size_t i = 0; i < g->n_inputs + g->n_outputs; i++) {
		int t = i < g->n_inputs ? g->inputs[i] : g->outputs[i - g->n_inputs];
		int s = p->tensor_slot[t];

		if (s >= 0 && !p->slots[s].data)
			io[s] |= i < g->n_inputs ? 1 : 2;
	}
	for (unsigned int s = 0; s < nslots; s++) {
		staging[s] = -1;
		if (!io[s])
			continue;
		slot = slot_new(cg, p->slots[s].tensor, p->slots[s].size);
		if (slot < 0) {
			ret = slot;
			goto out;
		}
		/* The copy is live where the slot is: from the DMA-in or its writer to its end. */
		cg->live[slot] = cg->live[s];
		staging[s] = slot;
	}
	slot = slot_new(cg, -1, 2 * sizeof(uint64_t));
	if (slot < 0) {
		ret = slot;
		goto out;
	}
	p->sem_slot = slot;
	memcpy(body, p->stream + body_off, body_len);
	if (body_nrelocs)	/* a lone NOP (a graph of aliases) has none, and no array */
		memcpy(body_relocs, p->relocs, body_nrelocs * sizeof(*body_relocs));
	for (unsigned int i = 0; i < body_nrelocs; i++)
		if (body_relocs[i].slot < nslots && staging[body_relocs[i].slot] >= 0)
			body_relocs[i].slot = (uint32_t)staging[body_relocs[i].slot];

	/* Stage 0, DMA-in: before every node. */
	p->len = 0;
	p->nrelocs = 0;
	p->nstages = 0;
	cg->pos = 0;
	cg->stage_start = 0;
	ret = -ENOMEM;
	st = stage_push(cg, false);
	if (!st)
		goto out;
	st->flags = VNPU_STAGE_DMA | VNPU_STAGE_NO_WAIT;
	ret = 0;
	for (unsigned int s = 0; s < nslots && !ret; s++)
		if (io[s] & 1)
			ret = emit_slot_copy(cg, (int)s, staging[s]);
	if (!ret)
		ret = emit_sem(cg, false, 0, 1);
	if (ret)
		goto out;

	/* Stage 1, compute: the packets as they were, their relocations shifted past the wait. */
	cg->stage_start = p->len;
	ret = -ENOMEM;
	st = stage_push(cg, false);
	if (!st)
		goto out;
	st->flags = VNPU_STAGE_NO_WAIT;
	st->ts_first = ts_first;
	st->n_ts = n_ts;
	ret = emit_sem(cg, true, 0, 1);
	for (unsigned int i = 0; i < body_nrelocs && !ret; i++) {
		struct vnpu_prog_reloc r = body_relocs[i];

		/* The lifetimes stay those the nodes gave: no reloc(), which would extend them. */
		r.offset += p->len - cg->stage_start;
		ret = reloc_append(cg, &r);
	}
	if (!ret)
		ret = emit_raw(cg, body, body_len);
	if (!ret)
		ret = emit_sem(cg, false, 1, 1);
	if (ret)
		goto out;

	/* Stage 2, DMA-out: after every node. */
	cg->pos = g->n_nodes;
	cg->stage_start = p->len;
	ret = -ENOMEM;
	st = stage_push(cg, false);
	if (!st)
		goto out;
	st->flags = VNPU_STAGE_DMA;
	ret = emit_sem(cg, true, 1, 1);
	for (unsigned int s = 0; s < nslots && !ret; s++)
		if (io[s] & 2)
			ret = emit_slot_copy(cg, staging[s], (int)s);
out:
	free(body_relocs);
	free(body);
	free(io);
	free(staging);
	return ret;
}

int vnpu_host_stage_run(void *ctx, void *const *maps, unsigned int nmaps)
{
	struct vnpu_host_stage *hs = ctx;
	const struct vnpu_prog_stage *st = &hs->p->stages[hs->stage];

	return host_exec_nodes(hs->g, st->nodes, st->n_nodes, hs->p->tensor_slot,
			       hs->p->tensor_offset, maps, nmaps, hs->err, sizeof(hs->err));
}

int codegen_vnpu(const struct ir_graph *g, struct vnpu_prog **out, char *err, size_t err_len)
{
	return codegen_vnpu_opts(g, NULL, out, err, err_len);
}

int codegen_vnpu_opts(const struct ir_graph *g, const struct codegen_vnpu_options *o,
		      struct vnpu_prog **out, char *err, size_t err_len)
{
	struct cg cg = { .g = g, .err = err, .err_len = err_len, .profile = o && o->profile,
			 .profile_slot = -1 };
	struct vnpu_prog *p;
	int ret = 0;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	cg.p = p;
	p->sem_slot = -1;
	p->n_tensors = g->n_tensors;
	p->tensor_slot = malloc((g->n_tensors ? g->n_tensors : 1) * sizeof(int));
	if (!p->tensor_slot) {
		ret = -ENOMEM;
		goto fail;
	}
	cg.nhwc = malloc((g->n_tensors ? g->n_tensors : 1) * sizeof(int));
	cg.fused_away = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(bool));
	if (!cg.nhwc || !cg.fused_away) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < g->n_tensors; i++)
		p->tensor_slot[i] = cg.nhwc[i] = -1;
	p->n_graph_nodes = g->n_nodes;
	p->node_ts = malloc((g->n_nodes ? g->n_nodes : 1) * sizeof(int));
	if (!p->node_ts) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < g->n_nodes; i++)
		p->node_ts[i] = -1;
	/* The inputs first, so that their slots are 0..n_inputs-1 whatever the nodes use. */
	for (size_t i = 0; i < g->n_inputs && !ret; i++) {
		ret = slot_of(&cg, g->inputs[i]);
		ret = ret < 0 ? ret : 0;
	}
	for (size_t i = 0; i < g->n_nodes && !ret; i++) {
		cg.node = g->nodes[i];
		cg.node_idx = i;
		cg.pos = i;
		ret = place_node(&cg);
	}
	cg.node = NULL;
	cg.pos = g->n_nodes;
	if (!ret)
		ret = nchw_for_readers(&cg, g->outputs, g->n_outputs);
	for (size_t i = 0; i < g->n_outputs && !ret; i++) {
		ret = slot_of(&cg, g->outputs[i]);
		ret = ret < 0 ? ret : 0;
	}
	if (!ret && !p->nstages) {
		/* A graph of aliases and constants only: one NOP, so that a program has a stage. */
		struct vnpu_pkt_nop nop = { 0 };

		cg.stage_start = 0;
		ret = emit(&cg, VNPU_OP_NOP, &nop, sizeof(nop)) < 0 ? -ENOMEM : 0;
		if (!ret && !stage_push(&cg, false))
			ret = -ENOMEM;
		if (!ret)
			p->stages[0].offset = 0;
	}
	/* One u64 per timestamp; the slot numbered as plan_memory() leaves it. */
	p->profile_slot = cg.profile_slot;
	if (!ret && cg.profile_slot >= 0)
		p->slots[cg.profile_slot].size = (uint64_t)p->n_timestamps * sizeof(uint64_t);
	/* I/O pipelining: programs of one device stage (docs/compiler.md). */
	if (!ret && o && o->dma_io && p->nstages == 1 && !p->stages[0].host)
		ret = dma_io_wrap(&cg);
	if (!ret)
		ret = plan_memory(&cg);
	free(cg.live);
	if (ret)
		goto fail;
	stages_close(p);
	free(cg.nhwc);
	free(cg.fused_away);
	*out = p;
	return 0;
fail:
	free(cg.nhwc);
	free(cg.fused_away);
	codegen_vnpu_free(p);
	return ret;
}
