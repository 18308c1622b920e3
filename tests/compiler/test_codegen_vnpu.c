// SPDX-License-Identifier: MIT
/*
 * vnpu code generation (compiler/codegen_vnpu.h) on tiny graphs built in code: the packets,
 * relocations and slots it produces, and what it refuses. One behaviour per test; running the
 * programs on the device is tests/scripts/accel-run.sh's part.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <uapi/drm/vnpu_accel.h>

#include "compiler/codegen_vnpu.h"
#include "compiler/passes/passes.h"

/* Add a float tensor of @rank dims to @g; its index. */
static int add_f32(struct ir_graph *g, const char *name, int rank, const int64_t *dims)
{
	int t = ir_graph_add_tensor(g, name);

	assert_true(t >= 0);
	g->tensors[t]->dtype = IR_DTYPE_FLOAT;
	g->tensors[t]->rank = rank;
	memcpy(g->tensors[t]->dims, dims, sizeof(int64_t) * (size_t)rank);
	return t;
}

/* A graph of one node @op: inputs @in (@nin, the first a graph input, the rest too unless
 * constant), output @out (a graph output). */
static struct ir_graph *one_node(const char *op, const int *in, size_t nin, int out,
				 struct ir_graph *g)
{
	struct ir_node *n = ir_graph_add_node(g, "n0", op, "");

	assert_non_null(n);
	for (size_t i = 0; i < nin; i++) {
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
		if (!g->tensors[in[i]]->data)
			assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, in[i]), 0);
	}
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, out), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, out), 0);
	g->opset = 13;
	return g;
}

static const struct vnpu_prog_reloc *reloc_at(const struct vnpu_prog *p, uint64_t offset)
{
	for (unsigned int i = 0; i < p->nrelocs; i++)
		if (p->relocs[i].offset == offset)
			return &p->relocs[i];
	return NULL;
}

static void test_matmul_is_one_packet_relocated_to_its_tensors_slots(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t da[] = { 3, 4 }, db[] = { 4, 5 }, dc[] = { 3, 5 };
	int a = add_f32(g, "a", 2, da), b = add_f32(g, "b", 2, db), c = add_f32(g, "c", 2, dc);
	const int in[] = { a, b };
	const struct vnpu_pkt_matmul *pk;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	one_node("MatMul", in, 2, c, g);
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->n_packets, 1);
	assert_int_equal(p->len, sizeof(*pk));
	pk = (const void *)p->stream;
	assert_int_equal(pk->hdr.opcode, VNPU_OP_MATMUL);
	assert_int_equal(pk->m, 3);
	assert_int_equal(pk->n, 5);
	assert_int_equal(pk->k, 4);
	assert_int_equal(pk->batch, 1);
	assert_int_equal(p->nrelocs, 3);
	assert_int_equal(reloc_at(p, offsetof(struct vnpu_pkt_matmul, a_va))->slot, p->tensor_slot[a]);
	assert_int_equal(reloc_at(p, offsetof(struct vnpu_pkt_matmul, b_va))->slot, p->tensor_slot[b]);
	assert_int_equal(reloc_at(p, offsetof(struct vnpu_pkt_matmul, c_va))->slot, p->tensor_slot[c]);
	assert_int_equal(p->slots[p->tensor_slot[c]].size, 3 * 5 * sizeof(float));
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_unsupported_op_is_refused_naming_node_and_op(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t d[] = { 2, 2 };
	int a = add_f32(g, "a", 2, d), b = add_f32(g, "b", 2, d), c = add_f32(g, "c", 2, d);
	const int in[] = { a, b };
	struct vnpu_prog *p = NULL;
	char err[256] = "";

	(void)state;
	/* An op neither the vnpu nor the host can run. */
	one_node("NoSuchOp", in, 2, c, g);
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), -EOPNOTSUPP);
	assert_null(p);
	assert_non_null(strstr(err, "'n0' (NoSuchOp)"));
	assert_non_null(strstr(err, "no kernel"));
	ir_graph_destroy(g);
}

static void test_reshape_output_shares_its_input_slot(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 3 }, dy[] = { 6 }, ds[] = { 1 };
	int x = add_f32(g, "x", 2, dx), y = add_f32(g, "y", 1, dy);
	int s = add_f32(g, "s", 1, ds);
	const int in[] = { x, s };
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	g->tensors[s]->dtype = IR_DTYPE_INT64;
	g->tensors[s]->data = calloc(1, sizeof(int64_t));
	g->tensors[s]->data_size = sizeof(int64_t);
	*(int64_t *)g->tensors[s]->data = 6;
	one_node("Reshape", in, 2, y, g);
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->tensor_slot[y], p->tensor_slot[x]);
	assert_int_equal(p->n_nodes_alias, 1);
	assert_int_equal(p->n_nodes_device, 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_constant_conv_weights_are_packed_at_load_from_ohwi(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 2, 3, 3 }, dw[] = { 1, 2, 1, 2 }, dy[] = { 1, 1, 3, 2 };
	int x = add_f32(g, "x", 4, dx), w = add_f32(g, "w", 4, dw), y = add_f32(g, "y", 4, dy);
	const int in[] = { x, w };
	/* OIHW [1][2][1][2]: ic 0 = {1, 2}, ic 1 = {3, 4}; OHWI interleaves them. */
	const float oihw[] = { 1, 2, 3, 4 }, ohwi[] = { 1, 3, 2, 4 };
	const struct vnpu_pkt_conv2d *pk = NULL;
	const struct vnpu_prog_slot *ps;
	struct vnpu_prog *p;
	char err[256];
	size_t off;

	(void)state;
	g->tensors[w]->data = malloc(sizeof(oihw));
	memcpy(g->tensors[w]->data, oihw, sizeof(oihw));
	g->tensors[w]->data_size = sizeof(oihw);
	one_node("Conv", in, 2, y, g);
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	for (off = 0; off < p->len; off += ((const struct vnpu_pkt_header *)(p->stream + off))->length * 4)
		if (((const struct vnpu_pkt_header *)(p->stream + off))->opcode == VNPU_OP_CONV2D)
			pk = (const void *)(p->stream + off);
	assert_non_null(pk);
	off = (size_t)((const uint8_t *)pk - p->stream) + offsetof(struct vnpu_pkt_conv2d, wei_va);
	assert_non_null(reloc_at(p, off));
	/* the convolution reads a packed slot, made at load from the OHWI constant */
	assert_true(pk->hdr.flags & VNPU_CONV2D_F_WEI_PACKED);
	ps = &p->slots[reloc_at(p, off)->slot];
	assert_true(ps->packed);
	assert_null(ps->data);
	assert_memory_equal(p->slots[ps->pack_src].data, ohwi, sizeof(ohwi));
	/* its packing packet is the convolution's, less the addresses and the packed flag */
	assert_int_equal(ps->pack.hdr.opcode, VNPU_OP_CONV2D);
	assert_int_equal(ps->pack.hdr.flags, pk->hdr.flags & ~VNPU_CONV2D_F_WEI_PACKED);
	assert_memory_equal(&ps->pack.dtype, &pk->dtype,
			    offsetof(struct vnpu_pkt_conv2d, src_va) - offsetof(struct vnpu_pkt_conv2d, dtype));
	assert_int_equal(ps->pack.wei_va, 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Append node @op (@in -> @out), named @name, to @g. */
static struct ir_node *chain_node(struct ir_graph *g, const char *name, const char *op,
				  const int *in, size_t nin, int out)
{
	struct ir_node *n = ir_graph_add_node(g, name, op, "");

	assert_non_null(n);
	for (size_t i = 0; i < nin; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, out), 0);
	return n;
}

/*
 * x[2,3] -> Relu -> Gemm(alpha 2, w[3,4]) -> Relu -> y[2,4]: the Gemm's alpha has no device
 * lowering, so it is a host stage between two device stages.
 */
static void test_node_without_device_lowering_is_a_host_stage_between_device_stages(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 3 }, dw[] = { 3, 4 }, dy[] = { 2, 4 };
	int x = add_f32(g, "x", 2, dx), r = add_f32(g, "r", 2, dx), w = add_f32(g, "w", 2, dw);
	int m = add_f32(g, "m", 2, dy), y = add_f32(g, "y", 2, dy);
	const int in_gemm[] = { r, w };
	const struct vnpu_prog_stage *st;
	struct ir_attr *alpha;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	g->tensors[w]->data = calloc(12, sizeof(float));
	g->tensors[w]->data_size = 12 * sizeof(float);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, w), 0);
	chain_node(g, "relu0", "Relu", &x, 1, r);
	alpha = ir_node_add_attr(chain_node(g, "gemm", "Gemm", in_gemm, 2, m), "alpha",
				 IR_ATTR_FLOAT);
	alpha->f = 2;
	chain_node(g, "relu1", "Relu", &m, 1, y);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	g->opset = 13;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 3);
	assert_false(p->stages[0].host);
	assert_true(p->stages[1].host);
	assert_false(p->stages[2].host);
	assert_int_equal(p->stages[1].n_nodes, 1);
	assert_int_equal(p->stages[1].nodes[0], 1);
	/* The host reads r and writes m through slots; the constant w it reads from the graph. */
	assert_true(p->tensor_slot[r] >= 0);
	assert_true(p->tensor_slot[m] >= 0);
	assert_int_equal(p->tensor_slot[w], -1);
	/* Each device stage is a stream of its own: its relocations are relative to it. */
	st = &p->stages[2];
	assert_int_equal(st->offset, p->stages[0].len);
	assert_int_equal(st->offset + st->len, p->len);
	for (unsigned int i = 0; i < st->nrelocs; i++)
		assert_true(p->relocs[st->reloc_first + i].offset < st->len);
	assert_int_equal(st->nrelocs, 2);	/* the second Relu's m and y */
	assert_int_equal(p->n_nodes_device, 2);
	assert_int_equal(p->n_nodes_host, 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/*
 * x[4,2,3] -> Transpose(1,0,2) -> LSTM(W, R as inputs) -> Relu -> y: the Transpose to time
 * major, which the LSTM reads, and the Relu after it are cheap enough to join the LSTM's host
 * stage, so that the program is that one stage and no device submission.
 */
static void test_cheap_neighbours_of_an_lstm_join_its_host_stage(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 4, 2, 3 }, dt[] = { 2, 4, 3 }, dw[] = { 1, 20, 3 },
		      dr[] = { 1, 20, 5 }, dy[] = { 2, 1, 4, 5 }, perm[] = { 1, 0, 2 };
	int x = add_f32(g, "x", 3, dx), t = add_f32(g, "t", 3, dt), w = add_f32(g, "w", 3, dw);
	int r = add_f32(g, "r", 3, dr), h = add_f32(g, "h", 4, dy), y = add_f32(g, "y", 4, dy);
	const int in_lstm[] = { t, w, r };
	struct ir_attr *a;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, w), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, r), 0);
	a = ir_node_add_attr(chain_node(g, "transpose", "Transpose", &x, 1, t), "perm",
			     IR_ATTR_INTS);
	assert_non_null(a);
	a->ints = malloc(sizeof(perm));
	assert_non_null(a->ints);
	memcpy(a->ints, perm, sizeof(perm));
	a->len = 3;
	chain_node(g, "lstm", "LSTM", in_lstm, 3, h);
	chain_node(g, "relu", "Relu", &h, 1, y);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	g->opset = 14;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 1);
	assert_true(p->stages[0].host);
	assert_int_equal(p->stages[0].n_nodes, 3);
	assert_int_equal(p->n_nodes_device, 0);
	assert_int_equal(p->n_nodes_host, 3);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/*
 * An LSTM, then a Relu of 2^21 elements: past the cost a neighbour may have, the Relu keeps
 * its device stage after the LSTM's host stage.
 */
static void test_costly_node_after_an_lstm_stays_on_the_device(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 4, 3 }, dw[] = { 1, 20, 3 }, dr[] = { 1, 20, 5 },
		      dh[] = { 2, 1, 4, 5 }, db[] = { 1 << 21 };
	int x = add_f32(g, "x", 3, dx), w = add_f32(g, "w", 3, dw), r = add_f32(g, "r", 3, dr);
	int h = add_f32(g, "h", 4, dh), big = add_f32(g, "big", 1, db);
	int y = add_f32(g, "y", 1, db);
	const int in_lstm[] = { x, w, r };
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, w), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, r), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, big), 0);
	chain_node(g, "lstm", "LSTM", in_lstm, 3, h);
	chain_node(g, "relu", "Relu", &big, 1, y);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, h), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	g->opset = 14;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 2);
	assert_true(p->stages[0].host);
	assert_false(p->stages[1].host);
	assert_int_equal(p->n_nodes_device, 1);
	assert_int_equal(p->n_nodes_host, 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_flops_count_products_by_macs_and_the_rest_by_elements(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 3 }, dw[] = { 3, 4 }, dy[] = { 2, 4 };
	int x = add_f32(g, "x", 2, dx), w = add_f32(g, "w", 2, dw), m = add_f32(g, "m", 2, dy);
	int y = add_f32(g, "y", 2, dy);
	const int in_gemm[] = { x, w };
	struct ir_attr *alpha;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, w), 0);
	alpha = ir_node_add_attr(chain_node(g, "gemm", "Gemm", in_gemm, 2, m), "alpha",
				 IR_ATTR_FLOAT);
	alpha->f = 2;
	chain_node(g, "relu", "Relu", &m, 1, y);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	g->opset = 13;
	/* Gemm: 2 * M * N * K = 2 * 2 * 4 * 3 on the host; Relu: its 8 elements on the device. */
	assert_true(vnpu_node_flops(g, 0) == 48);
	assert_true(vnpu_node_flops(g, 1) == 8);
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_true(p->flops_host == 48);
	assert_true(p->flops_device == 8);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* int64 has no device lowering: an int64 MatMul is a program of one host stage. */
static void test_graph_of_integers_is_all_host(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t da[] = { 2, 2 };
	int a = add_f32(g, "a", 2, da), b = add_f32(g, "b", 2, da), c = add_f32(g, "c", 2, da);
	const int in[] = { a, b };
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	g->tensors[a]->dtype = g->tensors[b]->dtype = g->tensors[c]->dtype = IR_DTYPE_INT64;
	one_node("MatMul", in, 2, c, g);
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 1);
	assert_true(p->stages[0].host);
	assert_int_equal(p->n_nodes_device, 0);
	assert_int_equal(p->n_nodes_host, 1);
	assert_int_equal(p->len, 0);
	assert_int_equal(p->slots[p->tensor_slot[c]].size, 4 * sizeof(int64_t));
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* ---- the lowerings onto DMA_COPY_ND, UNARY and REDUCE ---- */

/* A constant int64 tensor of @n values (a 1-D shape, axes or pads input). */
static int add_i64_const(struct ir_graph *g, const char *name, size_t n, const int64_t *v)
{
	const int64_t dims[1] = { (int64_t)n };
	int t = add_f32(g, name, 1, dims);

	g->tensors[t]->dtype = IR_DTYPE_INT64;
	g->tensors[t]->data = calloc(n ? n : 1, sizeof(int64_t));
	assert_non_null(g->tensors[t]->data);
	memcpy(g->tensors[t]->data, v, n * sizeof(int64_t));
	g->tensors[t]->data_size = n * sizeof(int64_t);
	return t;
}

/* A constant float tensor of @rank @dims holding @v. */
static int add_f32_const(struct ir_graph *g, const char *name, int rank, const int64_t *dims,
			 const float *v, size_t n)
{
	int t = add_f32(g, name, rank, dims);

	g->tensors[t]->data = malloc(n * sizeof(float));
	assert_non_null(g->tensors[t]->data);
	memcpy(g->tensors[t]->data, v, n * sizeof(float));
	g->tensors[t]->data_size = n * sizeof(float);
	return t;
}

/* Packet @i of the stream (each packet's length is in its header). */
static const void *packet_at(const struct vnpu_prog *p, unsigned int i, uint64_t *offset)
{
	uint64_t off = 0;
	const struct vnpu_pkt_header *h;

	for (;;) {
		assert_true(off < p->len);
		h = (const void *)(p->stream + off);
		if (!i--)
			break;
		off += (uint64_t)h->length * 4;
	}
	if (offset)
		*offset = off;
	return h;
}

static struct vnpu_prog *compile_ok(struct ir_graph *g)
{
	struct vnpu_prog *p = NULL;
	char err[256] = "";
	int ret = codegen_vnpu(g, &p, err, sizeof(err));

	if (ret)
		print_error("codegen: %d %s\n", ret, err);
	assert_int_equal(ret, 0);
	assert_int_equal(p->n_nodes_host, 0);
	assert_int_equal(p->n_nodes_device, 1);
	return p;
}

static void test_transpose_5d_is_one_copy_nd_with_permuted_source_strides(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 3, 4, 5, 6 }, dy[] = { 6, 2, 3, 4, 5 }, perm[] = { 4, 0, 1, 2, 3 };
	int x = add_f32(g, "x", 5, dx), y = add_f32(g, "y", 5, dy);
	const struct vnpu_pkt_dma_copy_nd *pk;
	struct ir_attr *a;
	struct vnpu_prog *p;

	(void)state;
	one_node("Transpose", &x, 1, y, g);
	a = ir_node_add_attr(g->nodes[0], "perm", IR_ATTR_INTS);
	assert_non_null(a);
	a->ints = malloc(sizeof(perm));
	memcpy(a->ints, perm, sizeof(perm));
	a->len = 5;
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 1);
	pk = packet_at(p, 0, NULL);
	assert_int_equal(pk->hdr.opcode, VNPU_OP_DMA_COPY_ND);
	assert_int_equal(pk->elem_size, 4);
	/* dims 2..5 of x stay in order (one run of 120 elements, every 6th): 2-D */
	assert_int_equal(pk->ndims, 2);
	assert_int_equal(pk->dims[0], 6);
	assert_int_equal(pk->dims[1], 120);
	assert_int_equal(pk->src_stride[0], 1);
	assert_int_equal(pk->src_stride[1], 6);
	assert_int_equal(pk->dst_stride[0], 120);
	assert_int_equal(pk->dst_stride[1], 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_concat_copies_each_input_to_its_offset_in_the_output(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t da[] = { 2, 3 }, db[] = { 2, 5 }, dy[] = { 2, 8 };
	int a = add_f32(g, "a", 2, da), b = add_f32(g, "b", 2, db), y = add_f32(g, "y", 2, dy);
	const int in[] = { a, b };
	const struct vnpu_pkt_dma_copy_nd *pk;
	struct ir_attr *at;
	struct vnpu_prog *p;
	uint64_t off;

	(void)state;
	one_node("Concat", in, 2, y, g);
	at = ir_node_add_attr(g->nodes[0], "axis", IR_ATTR_INT);
	at->i = 1;
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 2);
	pk = packet_at(p, 1, &off);
	assert_int_equal(pk->dims[0], 2);
	assert_int_equal(pk->dims[1], 5);
	assert_int_equal(pk->dst_stride[0], 8);
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_dma_copy_nd, src_va))->slot,
			 p->tensor_slot[b]);
	/* b starts 3 floats into each row of y */
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_dma_copy_nd, dst_va))->addend,
			 3 * sizeof(float));
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_slice_with_steps_reads_from_its_first_element(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 10 }, dy[] = { 3 };
	const int64_t starts[] = { -9 }, ends[] = { 9 }, axes[] = { 0 }, steps[] = { 3 };
	int x = add_f32(g, "x", 1, dx), y = add_f32(g, "y", 1, dy);
	int in[5];
	const struct vnpu_pkt_dma_copy_nd *pk;
	struct vnpu_prog *p;

	(void)state;
	in[0] = x;
	in[1] = add_i64_const(g, "starts", 1, starts);
	in[2] = add_i64_const(g, "ends", 1, ends);
	in[3] = add_i64_const(g, "axes", 1, axes);
	in[4] = add_i64_const(g, "steps", 1, steps);
	one_node("Slice", in, 5, y, g);
	p = compile_ok(g);
	pk = packet_at(p, 0, NULL);
	assert_int_equal(pk->dims[0], 3);
	assert_int_equal(pk->src_stride[0], 3);
	/* -9 of 10 is element 1 */
	assert_int_equal(reloc_at(p, offsetof(struct vnpu_pkt_dma_copy_nd, src_va))->addend,
			 1 * sizeof(float));
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_pad_fills_the_constant_then_copies_the_input_inside(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 3 }, dy[] = { 3, 6 }, pads[] = { 1, 2, 0, 1 }, dv[] = { 1 };
	const float value = 1.5f;
	int x = add_f32(g, "x", 2, dx), y = add_f32(g, "y", 2, dy);
	int in[3];
	const struct vnpu_pkt_dma_fill *fill;
	const struct vnpu_pkt_dma_copy_nd *pk;
	struct vnpu_prog *p;
	uint64_t off;
	float got;

	(void)state;
	in[0] = x;
	in[1] = add_i64_const(g, "pads", 4, pads);
	in[2] = add_f32_const(g, "v", 0, dv, &value, 1);
	one_node("Pad", in, 3, y, g);
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 2);
	fill = packet_at(p, 0, NULL);
	assert_int_equal(fill->hdr.opcode, VNPU_OP_DMA_FILL);
	assert_int_equal(fill->size, 18 * sizeof(float));
	memcpy(&got, &fill->value, 4);
	assert_true(got == 1.5f);
	pk = packet_at(p, 1, &off);
	assert_int_equal(pk->dst_stride[0], 6);
	/* row 1, column 2 */
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_dma_copy_nd, dst_va))->addend,
			 8 * sizeof(float));
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_expand_reads_broadcast_dimensions_with_stride_zero(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 3, 1 }, dy[] = { 2, 3, 4 }, shape[] = { 2, 3, 4 };
	int x = add_f32(g, "x", 2, dx), y = add_f32(g, "y", 3, dy);
	int in[2];
	const struct vnpu_pkt_dma_copy_nd *pk;
	struct vnpu_prog *p;

	(void)state;
	in[0] = x;
	in[1] = add_i64_const(g, "shape", 3, shape);
	one_node("Expand", in, 2, y, g);
	p = compile_ok(g);
	pk = packet_at(p, 0, NULL);
	assert_int_equal(pk->ndims, 3);
	assert_int_equal(pk->src_stride[0], 0);
	assert_int_equal(pk->src_stride[1], 1);
	assert_int_equal(pk->src_stride[2], 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_int64_concat_moves_8_byte_elements_on_the_device(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t d[] = { 4 }, dy[] = { 8 };
	int a = add_f32(g, "a", 1, d), b = add_f32(g, "b", 1, d), y = add_f32(g, "y", 1, dy);
	const int in[] = { a, b };
	const struct vnpu_pkt_dma_copy_nd *pk;
	struct vnpu_prog *p;

	(void)state;
	g->tensors[a]->dtype = g->tensors[b]->dtype = g->tensors[y]->dtype = IR_DTYPE_INT64;
	one_node("Concat", in, 2, y, g);
	ir_node_add_attr(g->nodes[0], "axis", IR_ATTR_INT)->i = 0;
	p = compile_ok(g);
	pk = packet_at(p, 0, NULL);
	assert_int_equal(pk->elem_size, 8);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_leaky_relu_is_a_unary_packet_carrying_alpha(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t d[] = { 3, 7 };
	int x = add_f32(g, "x", 2, d), y = add_f32(g, "y", 2, d);
	const struct vnpu_pkt_unary *pk;
	struct vnpu_prog *p;
	float alpha;

	(void)state;
	one_node("LeakyRelu", &x, 1, y, g);
	ir_node_add_attr(g->nodes[0], "alpha", IR_ATTR_FLOAT)->f = 0.25f;
	p = compile_ok(g);
	pk = packet_at(p, 0, NULL);
	assert_int_equal(pk->hdr.opcode, VNPU_OP_UNARY);
	assert_int_equal(pk->op, VNPU_UNARY_LEAKY_RELU);
	assert_int_equal(pk->count, 21);
	memcpy(&alpha, &pk->alpha, 4);
	assert_true(alpha == 0.25f);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_reduce_merges_neighbouring_axes(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 3, 4, 5 }, dy[] = { 2, 1, 1, 5 }, axes[] = { 1, -2 };
	int x = add_f32(g, "x", 4, dx), y = add_f32(g, "y", 4, dy);
	int in[2];
	const struct vnpu_pkt_reduce *pk;
	struct vnpu_prog *p;

	(void)state;
	in[0] = x;
	in[1] = add_i64_const(g, "axes", 2, axes);
	one_node("ReduceSum", in, 2, y, g);
	p = compile_ok(g);
	pk = packet_at(p, 0, NULL);
	assert_int_equal(pk->hdr.opcode, VNPU_OP_REDUCE);
	assert_int_equal(pk->op, VNPU_REDUCE_SUM);
	assert_int_equal(pk->ndims, 3);
	assert_int_equal(pk->dims[1], 12);
	assert_int_equal(pk->axes, 1u << 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_global_average_pool_is_one_reduce_mean(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 3, 4, 5 }, dy[] = { 2, 3, 1, 1 };
	int x = add_f32(g, "x", 4, dx), y = add_f32(g, "y", 4, dy);
	const struct vnpu_pkt_reduce *pk;
	struct vnpu_prog *p;

	(void)state;
	one_node("GlobalAveragePool", &x, 1, y, g);
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 1);
	pk = packet_at(p, 0, NULL);
	assert_int_equal(pk->op, VNPU_REDUCE_MEAN);
	assert_int_equal(pk->dims[0], 6);
	assert_int_equal(pk->dims[1], 20);
	assert_int_equal(pk->axes, 1u << 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_clip_with_runtime_bounds_is_binary_max_then_min(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t d[] = { 5 }, ds[] = { 1 };
	int x = add_f32(g, "x", 1, d), lo = add_f32(g, "lo", 0, ds), hi = add_f32(g, "hi", 0, ds);
	int y = add_f32(g, "y", 1, d);
	const int in[] = { x, lo, hi };
	const struct vnpu_pkt_binary *pk;
	struct vnpu_prog *p;

	(void)state;
	one_node("Clip", in, 3, y, g);
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 2);
	pk = packet_at(p, 0, NULL);
	assert_int_equal(pk->op, VNPU_BINARY_MAX);
	assert_int_equal(pk->rows, 5);
	assert_int_equal(pk->cols, 1);
	pk = packet_at(p, 1, NULL);
	assert_int_equal(pk->op, VNPU_BINARY_MIN);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_batchnorm_with_constant_parameters_is_mul_then_add(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 2, 3 }, dc[] = { 2 };
	const float scale[] = { 2, 4 }, bias[] = { 1, -1 }, mean[] = { 0, 1 }, var[] = { 3, 3 };
	int x = add_f32(g, "x", 3, dx), y = add_f32(g, "y", 3, dx);
	int in[5];
	const struct vnpu_pkt_binary *pk;
	struct vnpu_prog *p;
	uint64_t off;
	const float *a;

	(void)state;
	in[0] = x;
	in[1] = add_f32_const(g, "s", 1, dc, scale, 2);
	in[2] = add_f32_const(g, "b", 1, dc, bias, 2);
	in[3] = add_f32_const(g, "m", 1, dc, mean, 2);
	in[4] = add_f32_const(g, "v", 1, dc, var, 2);
	one_node("BatchNormalization", in, 5, y, g);
	ir_node_add_attr(g->nodes[0], "epsilon", IR_ATTR_FLOAT)->f = 1.0f;
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 2);
	pk = packet_at(p, 0, &off);
	assert_int_equal(pk->op, VNPU_BINARY_MUL);
	assert_int_equal(pk->rows, 2);
	assert_int_equal(pk->cols, 6);
	assert_int_equal(pk->hdr.flags, VNPU_BINARY_F_BCAST_ROW);
	/* the factors 2 / sqrt(3 + 1) = 1 and 4 / sqrt(3 + 1) = 2, each over its 3 positions */
	a = p->slots[reloc_at(p, off + offsetof(struct vnpu_pkt_binary, b_va))->slot].data;
	assert_true(a[0] == 1.0f && a[3] == 2.0f && a[5] == 2.0f);
	assert_int_equal(((const struct vnpu_pkt_binary *)packet_at(p, 1, NULL))->op,
			 VNPU_BINARY_ADD);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_1d_max_pool_is_a_pool2d_of_one_row(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 3, 32 }, dy[] = { 1, 3, 15 }, k[] = { 3 }, st[] = { 2 };
	int x = add_f32(g, "x", 3, dx), y = add_f32(g, "y", 3, dy);
	const struct vnpu_pkt_pool2d *pk;
	struct ir_attr *a;
	struct vnpu_prog *p;

	(void)state;
	one_node("MaxPool", &x, 1, y, g);
	a = ir_node_add_attr(g->nodes[0], "kernel_shape", IR_ATTR_INTS);
	a->ints = malloc(sizeof(k));
	memcpy(a->ints, k, sizeof(k));
	a->len = 1;
	a = ir_node_add_attr(g->nodes[0], "strides", IR_ATTR_INTS);
	a->ints = malloc(sizeof(st));
	memcpy(a->ints, st, sizeof(st));
	a->len = 1;
	p = compile_ok(g);
	/* TRANSPOSE in, POOL2D, TRANSPOSE out */
	pk = packet_at(p, 1, NULL);
	assert_int_equal(pk->hdr.opcode, VNPU_OP_POOL2D);
	assert_int_equal(pk->h, 1);
	assert_int_equal(pk->w, 32);
	assert_int_equal(pk->kh, 1);
	assert_int_equal(pk->kw, 3);
	assert_int_equal(pk->stride_h, 1);
	assert_int_equal(pk->stride_w, 2);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Set the ints attribute @name of @n to @v (@len of them). */
static void set_ints(struct ir_node *n, const char *name, const int64_t *v, size_t len)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_INTS);

	a->ints = malloc(sizeof(*v) * len);
	memcpy(a->ints, v, sizeof(*v) * len);
	a->len = len;
}

/* A 2-D @op of kernel 3, stride 2 in ceil mode over [1][2][6][5] to [1][2][3][2]: floor mode
 * would give [2][2]; ceil adds one row (3 windows of 3 from 6 rows reach 7). */
static struct ir_graph *ceil_pool(const char *op, int64_t count_include_pad)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 2, 6, 5 }, dy[] = { 1, 2, 3, 2 }, k[] = { 3, 3 },
		      st[] = { 2, 2 };
	int x = add_f32(g, "x", 4, dx), y = add_f32(g, "y", 4, dy);

	one_node(op, &x, 1, y, g);
	set_ints(g->nodes[0], "kernel_shape", k, 2);
	set_ints(g->nodes[0], "strides", st, 2);
	ir_node_add_attr(g->nodes[0], "ceil_mode", IR_ATTR_INT)->i = 1;
	if (count_include_pad)
		ir_node_add_attr(g->nodes[0], "count_include_pad", IR_ATTR_INT)->i = 1;
	return g;
}

static void test_ceil_mode_max_pool_pads_the_extra_rows_at_the_end(void **state)
{
	struct ir_graph *g = ceil_pool("MaxPool", 0);
	const struct vnpu_pkt_pool2d *pk;
	struct vnpu_prog *p;

	(void)state;
	p = compile_ok(g);
	pk = packet_at(p, 1, NULL);
	assert_int_equal(pk->hdr.opcode, VNPU_OP_POOL2D);
	assert_int_equal(pk->mode, VNPU_POOL_MAX);
	assert_int_equal(pk->pad_top, 0);
	assert_int_equal(pk->pad_bottom, 1);
	/* 5 columns: 2 windows of 3 at stride 2 end at column 5, floor and ceil agree */
	assert_int_equal(pk->pad_left, 0);
	assert_int_equal(pk->pad_right, 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_ceil_mode_average_excluding_padding_runs_on_the_device(void **state)
{
	struct ir_graph *g = ceil_pool("AveragePool", 0);
	const struct vnpu_pkt_pool2d *pk;
	struct vnpu_prog *p;

	(void)state;
	p = compile_ok(g);
	pk = packet_at(p, 1, NULL);
	assert_int_equal(pk->mode, VNPU_POOL_AVG);
	assert_int_equal(pk->hdr.flags, 0);
	assert_int_equal(pk->pad_bottom, 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* ONNX counts the explicit pads but not the ceil positions; the engine would count both. */
static void test_ceil_mode_average_counting_padding_stays_on_the_host(void **state)
{
	struct ir_graph *g = ceil_pool("AveragePool", 1);
	struct vnpu_prog *p = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->n_nodes_host, 1);
	assert_int_equal(p->n_nodes_device, 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* The copy's shape and strides are exactly @dims, @ss, @ds (@n of each). */
static void assert_copy(const struct vnpu_pkt_dma_copy_nd *pk, uint32_t n, const uint32_t *dims,
			const uint64_t *ss, const uint64_t *ds)
{
	assert_int_equal(pk->hdr.opcode, VNPU_OP_DMA_COPY_ND);
	assert_int_equal(pk->ndims, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(pk->dims[i], dims[i]);
		assert_int_equal(pk->src_stride[i], ss[i]);
		assert_int_equal(pk->dst_stride[i], ds[i]);
	}
}

static void test_split_copies_each_output_from_its_offset_along_the_axis(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 6 }, d0[] = { 2, 2 }, d1[] = { 2, 4 };
	int x = add_f32(g, "x", 2, dx), y0 = add_f32(g, "y0", 2, d0), y1 = add_f32(g, "y1", 2, d1);
	static const uint32_t dims[] = { 2, 4 };
	static const uint64_t ss[] = { 6, 1 }, ds[] = { 4, 1 };
	struct vnpu_prog *p;
	uint64_t off;

	(void)state;
	one_node("Split", &x, 1, y0, g);
	assert_int_equal(ir_index_append(&g->nodes[0]->outputs, &g->nodes[0]->n_outputs, y1), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y1), 0);
	ir_node_add_attr(g->nodes[0], "axis", IR_ATTR_INT)->i = 1;
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 2);
	assert_copy(packet_at(p, 1, &off), 2, dims, ss, ds);
	/* the second output starts 2 floats into each row */
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_dma_copy_nd, src_va))->addend,
			 2 * sizeof(float));
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_dma_copy_nd, dst_va))->slot,
			 p->tensor_slot[y1]);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_tile_rereads_the_input_for_each_repeat(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 2, 3 }, dy[] = { 4, 6 }, reps[] = { 2, 2 };
	int x = add_f32(g, "x", 2, dx), y = add_f32(g, "y", 2, dy);
	static const uint32_t dims[] = { 2, 2, 2, 3 };
	static const uint64_t ss[] = { 0, 3, 0, 1 }, ds[] = { 12, 6, 3, 1 };
	int in[2];
	struct vnpu_prog *p;

	(void)state;
	in[0] = x;
	in[1] = add_i64_const(g, "reps", 2, reps);
	one_node("Tile", in, 2, y, g);
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 1);
	assert_copy(packet_at(p, 0, NULL), 4, dims, ss, ds);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_gather_of_constant_indices_copies_one_slab_per_index(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 3, 4 }, dy[] = { 2, 4 }, idx[] = { 2, -3 };
	int x = add_f32(g, "x", 2, dx), y = add_f32(g, "y", 2, dy);
	int in[2];
	struct vnpu_prog *p;
	uint64_t off0, off1;

	(void)state;
	in[0] = x;
	in[1] = add_i64_const(g, "idx", 2, idx);
	one_node("Gather", in, 2, y, g);
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 2);
	packet_at(p, 0, &off0);
	packet_at(p, 1, &off1);
	/* row 2 to row 0; row -3 (= 0) to row 1 */
	assert_int_equal(reloc_at(p, off0 + offsetof(struct vnpu_pkt_dma_copy_nd, src_va))->addend,
			 8 * sizeof(float));
	assert_int_equal(reloc_at(p, off1 + offsetof(struct vnpu_pkt_dma_copy_nd, src_va))->addend, 0);
	assert_int_equal(reloc_at(p, off1 + offsetof(struct vnpu_pkt_dma_copy_nd, dst_va))->addend,
			 4 * sizeof(float));
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_depth_to_space_dcr_is_one_permuted_copy(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 8, 2, 3 }, dy[] = { 1, 2, 4, 6 };
	int x = add_f32(g, "x", 4, dx), y = add_f32(g, "y", 4, dy);
	/* [1][bs][bs][C'][H][W] -> [1][C'][H][bs][W][bs]; C' and H merge */
	static const uint32_t dims[] = { 4, 2, 3, 2 };
	static const uint64_t ss[] = { 3, 24, 1, 12 }, ds[] = { 12, 6, 2, 1 };
	struct vnpu_prog *p;

	(void)state;
	one_node("DepthToSpace", &x, 1, y, g);
	ir_node_add_attr(g->nodes[0], "blocksize", IR_ATTR_INT)->i = 2;
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 1);
	assert_copy(packet_at(p, 0, NULL), 4, dims, ss, ds);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* ---- layout: activations kept in NHWC between image ops ---------------------------------- */

/* How many packets of @opcode the stream holds. */
static unsigned int count_packets(const struct vnpu_prog *p, uint16_t opcode)
{
	unsigned int n = 0;

	for (uint64_t off = 0; off < p->len;) {
		const struct vnpu_pkt_header *h = (const void *)(p->stream + off);

		n += h->opcode == opcode;
		off += (uint64_t)h->length * 4;
	}
	return n;
}

/* A 1x1 Conv of @x into the new tensor @name, [1][2][4][4], constant weights; its index. */
static int conv_1x1(struct ir_graph *g, const char *name, int x)
{
	const int64_t dw[] = { 2, 2, 1, 1 }, dy[] = { 1, 2, 4, 4 };
	const float wv[] = { 1, -1, 0.5f, 2 };
	char wname[32];
	int w, y, in[2];

	snprintf(wname, sizeof(wname), "%s_w", name);
	w = add_f32_const(g, wname, 4, dw, wv, 4);
	y = add_f32(g, name, 4, dy);
	in[0] = x;
	in[1] = w;
	chain_node(g, name, "Conv", in, 2, y);
	return y;
}

static struct ir_graph *image_graph(int *x)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 2, 4, 4 };

	assert_non_null(g);
	g->opset = 13;
	*x = add_f32(g, "x", 4, dx);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, *x), 0);
	return g;
}

static struct vnpu_prog *compile_all_device(struct ir_graph *g)
{
	struct vnpu_prog *p = NULL;
	char err[256] = "";
	int ret = codegen_vnpu(g, &p, err, sizeof(err));

	if (ret)
		print_error("codegen: %d %s\n", ret, err);
	assert_int_equal(ret, 0);
	assert_int_equal(p->n_nodes_host, 0);
	return p;
}

static void test_conv_relu_conv_transposes_only_at_the_graph_edges(void **state)
{
	int x, c0, r, y;
	struct ir_graph *g = image_graph(&x);
	const int64_t d[] = { 1, 2, 4, 4 };
	struct vnpu_prog *p;

	(void)state;
	c0 = conv_1x1(g, "c0", x);
	r = add_f32(g, "r", 4, d);
	chain_node(g, "relu", "Relu", &c0, 1, r);
	y = conv_1x1(g, "c1", r);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	p = compile_all_device(g);
	/* the input in, the output out: c0 and r live in NHWC only, with no NCHW slot */
	assert_int_equal(count_packets(p, VNPU_OP_TRANSPOSE), 2);
	assert_int_equal(count_packets(p, VNPU_OP_CONV2D), 2);
	assert_int_equal(p->tensor_slot[c0], -1);
	assert_int_equal(p->tensor_slot[r], -1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_residual_add_between_convs_stays_nhwc(void **state)
{
	int x, c0, c1, s, y;
	struct ir_graph *g = image_graph(&x);
	const int64_t d[] = { 1, 2, 4, 4 };
	int in[2];
	struct vnpu_prog *p;

	(void)state;
	c0 = conv_1x1(g, "c0", x);
	c1 = conv_1x1(g, "c1", c0);
	s = add_f32(g, "s", 4, d);
	in[0] = c1;
	in[1] = c0;
	chain_node(g, "add", "Add", in, 2, s);
	y = conv_1x1(g, "c2", s);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	p = compile_all_device(g);
	assert_int_equal(count_packets(p, VNPU_OP_TRANSPOSE), 2);
	assert_int_equal(count_packets(p, VNPU_OP_BINARY), 1);
	assert_int_equal(p->tensor_slot[s], -1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/*
 * The @k-th CONV2D packet, and where it writes: its destination's slot and offset in it
 * (intermediates share the arena slot), as one number.
 */
static const struct vnpu_pkt_conv2d *conv_packet(const struct vnpu_prog *p, unsigned int k,
						 uint64_t *dst_at)
{
	for (unsigned int i = 0;; i++) {
		uint64_t off;
		const struct vnpu_pkt_header *h = packet_at(p, i, &off);
		const struct vnpu_prog_reloc *r;

		if (h->opcode != VNPU_OP_CONV2D || k--)
			continue;
		r = reloc_at(p, off + offsetof(struct vnpu_pkt_conv2d, dst_va));
		assert_non_null(r);
		*dst_at = ((uint64_t)r->slot << 48) + r->addend;
		return (const void *)h;
	}
}

/*
 * A residual block: c0 = conv(x), c1 = conv(c0), c2 = conv(c1), s = relu(c2 + c0), y =
 * conv(s), y the graph output; c0 is read by nothing after c2 but the Add.
 */
static struct ir_graph *residual_graph(int *c0, int *s, int *c2)
{
	int x, c1, y, in[2];
	struct ir_graph *g = image_graph(&x);
	const int64_t d[] = { 1, 2, 4, 4 };
	struct ir_attr *a;

	*c0 = conv_1x1(g, "c0", x);
	c1 = conv_1x1(g, "c1", *c0);
	*c2 = conv_1x1(g, "c2", c1);
	*s = add_f32(g, "s", 4, d);
	in[0] = *c2;
	in[1] = *c0;
	a = ir_node_add_attr(chain_node(g, "add", "Add", in, 2, *s), IR_ATTR_FUSED_ACTIVATION,
			     IR_ATTR_STRING);
	assert_non_null(a);
	a->s = strdup("Relu");
	assert_non_null(a->s);
	a->len = strlen(a->s);
	y = conv_1x1(g, "c3", *s);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	return g;
}

static void test_residual_add_is_summed_by_the_conv_making_its_last_term(void **state)
{
	int c0, s, c2;
	uint64_t d0, d2, d3;
	struct ir_graph *g = residual_graph(&c0, &s, &c2);
	const struct vnpu_pkt_conv2d *k0, *k2, *k3;
	const struct vnpu_prog_reloc *src3;
	struct vnpu_prog *p;

	(void)state;
	p = compile_all_device(g);
	assert_int_equal(count_packets(p, VNPU_OP_BINARY), 0);
	assert_int_equal(count_packets(p, VNPU_OP_CONV2D), 4);
	k0 = conv_packet(p, 0, &d0);
	k2 = conv_packet(p, 2, &d2);
	k3 = conv_packet(p, 3, &d3);
	/* c2 accumulates onto c0's slot with the Add's Relu; the next conv reads that slot */
	assert_false(k0->hdr.flags & VNPU_CONV2D_F_ACCUMULATE);
	assert_true(k2->hdr.flags & VNPU_CONV2D_F_ACCUMULATE);
	assert_int_equal(k2->act, VNPU_ACT_RELU);
	assert_int_equal(d2, d0);
	assert_int_not_equal(d3, d0);
	src3 = reloc_at(p, (uint64_t)((const uint8_t *)k3 - p->stream) +
			       offsetof(struct vnpu_pkt_conv2d, src_va));
	assert_non_null(src3);
	assert_int_equal(((uint64_t)src3->slot << 48) + src3->addend, d0);
	assert_int_equal(p->tensor_slot[s], -1);
	assert_int_equal(p->tensor_slot[c2], -1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* The packing packet is the convolution's without ACCUMULATE, its epilogue the Add's. */
static void test_residual_conv_packs_its_weights_without_accumulate(void **state)
{
	int c0, s, c2;
	uint64_t d2;
	struct ir_graph *g = residual_graph(&c0, &s, &c2);
	const struct vnpu_pkt_conv2d *k2;
	const struct vnpu_prog_reloc *wei;
	struct vnpu_prog *p;

	(void)state;
	p = compile_all_device(g);
	k2 = conv_packet(p, 2, &d2);
	wei = reloc_at(p, (uint64_t)((const uint8_t *)k2 - p->stream) +
			      offsetof(struct vnpu_pkt_conv2d, wei_va));
	assert_non_null(wei);
	assert_true(p->slots[wei->slot].packed);
	assert_false(p->slots[wei->slot].pack.hdr.flags & VNPU_CONV2D_F_ACCUMULATE);
	assert_int_equal(p->slots[wei->slot].pack.act, VNPU_ACT_RELU);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* A term read again after the Add is not overwritten: the Add stays a BINARY. */
static void test_residual_read_after_the_add_keeps_the_add(void **state)
{
	int c0, s, c2, y2, in[2];
	struct ir_graph *g = residual_graph(&c0, &s, &c2);
	const int64_t d[] = { 1, 2, 4, 4 };
	struct vnpu_prog *p;

	(void)state;
	y2 = add_f32(g, "y2", 4, d);
	in[0] = c0;
	in[1] = s;
	chain_node(g, "again", "Add", in, 2, y2);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y2), 0);
	p = compile_all_device(g);
	assert_int_equal(count_packets(p, VNPU_OP_BINARY), 2);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* x [1,2,3,4] (NCHW, a graph input) times s [1,2,1,1]: one BINARY, a value per channel row. */
static void test_mul_by_a_per_channel_tensor_is_a_column_broadcast(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 2, 3, 4 }, ds[] = { 1, 2, 1, 1 };
	int x = add_f32(g, "x", 4, dx), sc = add_f32(g, "s", 4, ds), y = add_f32(g, "y", 4, dx);
	const int in[] = { x, sc };
	const struct vnpu_pkt_binary *pk;
	struct vnpu_prog *p;
	uint64_t off;

	(void)state;
	one_node("Mul", in, 2, y, g);
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 1);
	pk = packet_at(p, 0, &off);
	assert_int_equal(pk->op, VNPU_BINARY_MUL);
	assert_int_equal(pk->hdr.flags, VNPU_BINARY_F_BCAST_COL);
	assert_int_equal(pk->rows, 2);
	assert_int_equal(pk->cols, 12);
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_binary, b_va))->slot,
			 p->tensor_slot[sc]);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Add(s, x) with s the broadcast one: the operands swap, s is B. */
static void test_add_with_the_broadcast_operand_first_swaps_them(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 2, 3, 4 }, ds[] = { 1, 2, 1, 1 };
	int x = add_f32(g, "x", 4, dx), sc = add_f32(g, "s", 4, ds), y = add_f32(g, "y", 4, dx);
	const int in[] = { sc, x };
	const struct vnpu_pkt_binary *pk;
	struct vnpu_prog *p;
	uint64_t off;

	(void)state;
	one_node("Add", in, 2, y, g);
	p = compile_ok(g);
	pk = packet_at(p, 0, &off);
	assert_int_equal(pk->hdr.flags, VNPU_BINARY_F_BCAST_COL);
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_binary, a_va))->slot,
			 p->tensor_slot[x]);
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_binary, b_va))->slot,
			 p->tensor_slot[sc]);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Sub(s, x) is not commutative: a broadcast first operand stays refused. */
static void test_sub_with_the_broadcast_operand_first_is_refused(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 2, 3, 4 }, ds[] = { 1, 2, 1, 1 };
	int x = add_f32(g, "x", 4, dx), sc = add_f32(g, "s", 4, ds), y = add_f32(g, "y", 4, dx);
	const int in[] = { sc, x };
	struct vnpu_prog *p = NULL;
	char err[256] = "";

	(void)state;
	one_node("Sub", in, 2, y, g);
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	/* the host runs it */
	assert_int_equal(p->n_nodes_host, 1);
	assert_int_equal(count_packets(p, VNPU_OP_BINARY), 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/*
 * A Conv's NHWC output times its channels' scales [1,2,1,1] (a squeeze-excitation block):
 * the Mul stays NHWC, a row of C over the H x W positions, with no transpose between.
 */
static void test_channel_scale_of_a_conv_output_stays_nhwc(void **state)
{
	int x, c0, sc, y, in[2];
	struct ir_graph *g = image_graph(&x);
	const int64_t d[] = { 1, 2, 4, 4 }, ds[] = { 1, 2, 1, 1 };
	const float sv[] = { 0.5f, 2.0f };
	const struct vnpu_pkt_binary *pk = NULL;
	struct vnpu_prog *p;

	(void)state;
	c0 = conv_1x1(g, "c0", x);
	sc = add_f32_const(g, "s", 4, ds, sv, 2);
	y = add_f32(g, "y", 4, d);
	in[0] = c0;
	in[1] = sc;
	chain_node(g, "scale", "Mul", in, 2, y);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	p = compile_all_device(g);
	for (unsigned int i = 0; i < p->n_packets; i++) {
		const struct vnpu_pkt_header *h = packet_at(p, i, NULL);

		if (h->opcode == VNPU_OP_BINARY)
			pk = (const void *)h;
	}
	assert_non_null(pk);
	assert_int_equal(pk->hdr.flags, VNPU_BINARY_F_BCAST_ROW);
	assert_int_equal(pk->rows, 16);
	assert_int_equal(pk->cols, 2);
	/* x in, y out: nothing between the Conv and the Mul */
	assert_int_equal(count_packets(p, VNPU_OP_TRANSPOSE), 2);
	assert_int_equal(p->tensor_slot[c0], -1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* ConvTranspose x [1,3,2,2] by w [3,2,2,2], stride 2 = kernel, bias [2]. */
static struct ir_graph *conv_transpose_graph(int64_t stride, int *y)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 3, 2, 2 }, dw[] = { 3, 2, 2, 2 }, db[] = { 2 };
	const int64_t dy[] = { 1, 2, 4, 4 }, k[] = { 2, 2 }, st[] = { stride, stride };
	float wv[24];
	const float bv[] = { 0.25f, -1.0f };
	int x = add_f32(g, "x", 4, dx), in[3];

	for (int i = 0; i < 24; i++)
		wv[i] = (float)i;
	in[0] = x;
	in[1] = add_f32_const(g, "w", 4, dw, wv, 24);
	in[2] = add_f32_const(g, "b", 1, db, bv, 2);
	*y = add_f32(g, "y", 4, dy);
	one_node("ConvTranspose", in, 3, *y, g);
	set_ints(g->nodes[0], "kernel_shape", k, 2);
	set_ints(g->nodes[0], "strides", st, 2);
	return g;
}

/*
 * Stride equal to the kernel: one MATMUL of x (NHWC) by the weights as [Ci][kh][kw][Co], the
 * bias repeated per kernel position, then a TRANSPOSE of the product's middle dimensions.
 */
static void test_conv_transpose_with_stride_of_its_kernel_is_a_matmul(void **state)
{
	int y;
	struct ir_graph *g = conv_transpose_graph(2, &y);
	const struct vnpu_pkt_matmul *mm = NULL;
	const struct vnpu_pkt_transpose *tr = NULL;
	const float *w, *b;
	struct vnpu_prog *p;
	uint64_t off = 0;

	(void)state;
	p = compile_ok(g);
	for (unsigned int i = 0; i < p->n_packets; i++) {
		uint64_t o;
		const struct vnpu_pkt_header *h = packet_at(p, i, &o);

		if (h->opcode == VNPU_OP_MATMUL) {
			mm = (const void *)h;
			off = o;
		}
		if (h->opcode == VNPU_OP_TRANSPOSE && mm && !tr)
			tr = (const void *)h;
	}
	assert_non_null(mm);
	assert_int_equal(mm->m, 4);
	assert_int_equal(mm->k, 3);
	assert_int_equal(mm->n, 8);
	assert_int_equal(mm->hdr.flags, VNPU_MATMUL_F_BIAS);
	/* column (i * kw + j) * Co + co of row ci is w[ci][co][i][j] */
	w = p->slots[reloc_at(p, off + offsetof(struct vnpu_pkt_matmul, b_va))->slot].data;
	assert_true(w[0] == 0.0f && w[1] == 4.0f && w[2] == 1.0f && w[7] == 7.0f);
	assert_true(w[8] == 8.0f && w[9] == 12.0f);
	b = p->slots[reloc_at(p, off + offsetof(struct vnpu_pkt_matmul, bias_va))->slot].data;
	assert_true(b[0] == 0.25f && b[1] == -1.0f && b[6] == 0.25f && b[7] == -1.0f);
	assert_non_null(tr);
	assert_int_equal(tr->ndims, 4);
	assert_int_equal(tr->dims[0], 2);	/* N x H */
	assert_int_equal(tr->dims[1], 2);	/* W */
	assert_int_equal(tr->dims[2], 2);	/* kh */
	assert_int_equal(tr->dims[3], 4);	/* kw x Co */
	assert_true(tr->perm[0] == 0 && tr->perm[1] == 2 && tr->perm[2] == 1 && tr->perm[3] == 3);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Any other stride (overlapping blocks) stays on the host. */
static void test_conv_transpose_with_another_stride_stays_on_the_host(void **state)
{
	int y;
	struct ir_graph *g = conv_transpose_graph(1, &y);
	struct vnpu_prog *p = NULL;
	char err[256] = "";

	(void)state;
	/* stride 1: [1,2,3,3]; the declared output is wrong for it, so give it the right one */
	g->tensors[y]->dims[2] = g->tensors[y]->dims[3] = 3;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->n_nodes_host, 1);
	assert_int_equal(count_packets(p, VNPU_OP_MATMUL), 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Pow(x, 2) is x * x: one BINARY MUL reading x as both operands. */
static void test_pow_by_two_is_a_mul_of_x_by_itself(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 3, 5 }, de[] = { 1 };
	const float two = 2.0f;
	int x = add_f32(g, "x", 2, dx), y = add_f32(g, "y", 2, dx), in[2];
	const struct vnpu_pkt_binary *pk;
	struct vnpu_prog *p;
	uint64_t off;

	(void)state;
	in[0] = x;
	in[1] = add_f32_const(g, "e", 1, de, &two, 1);
	one_node("Pow", in, 2, y, g);
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 1);
	pk = packet_at(p, 0, &off);
	assert_int_equal(pk->op, VNPU_BINARY_MUL);
	assert_int_equal(pk->cols, 15);
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_binary, a_va))->slot,
			 p->tensor_slot[x]);
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_binary, b_va))->slot,
			 p->tensor_slot[x]);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Pow(x, 3) stays on the host. */
static void test_pow_by_another_exponent_stays_on_the_host(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 3, 5 }, de[] = { 1 };
	const float three = 3.0f;
	int x = add_f32(g, "x", 2, dx), y = add_f32(g, "y", 2, dx), in[2];
	struct vnpu_prog *p = NULL;
	char err[256] = "";

	(void)state;
	in[0] = x;
	in[1] = add_f32_const(g, "e", 1, de, &three, 1);
	one_node("Pow", in, 2, y, g);
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->n_nodes_host, 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* A constant one-element B over a large A: expanded to a row of A's last dimension. */
static void test_constant_scalar_operand_is_a_row_of_the_last_dimension(void **state)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 4, 6, 8 }, de[] = { 1 };
	const float k = 0.5f;
	int x = add_f32(g, "x", 4, dx), y = add_f32(g, "y", 4, dx), in[2];
	const struct vnpu_pkt_binary *pk;
	struct vnpu_prog *p;
	uint64_t off;
	const float *b;

	(void)state;
	in[0] = add_f32_const(g, "k", 1, de, &k, 1);
	in[1] = x;
	one_node("Mul", in, 2, y, g);
	p = compile_ok(g);
	pk = packet_at(p, 0, &off);
	assert_int_equal(pk->hdr.flags, VNPU_BINARY_F_BCAST_ROW);
	assert_int_equal(pk->rows, 24);
	assert_int_equal(pk->cols, 8);
	b = p->slots[reloc_at(p, off + offsetof(struct vnpu_pkt_binary, b_va))->slot].data;
	assert_true(b[0] == 0.5f && b[7] == 0.5f);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void set_str(struct ir_node *n, const char *name, const char *v)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_STRING);

	assert_non_null(a);
	a->s = strdup(v);
	assert_non_null(a->s);
	a->len = strlen(v);
}

/* Resize x [1,2,2,3] to [1,2,4,6] with scales (1,1,2,2), nearest, asymmetric, floor. */
static struct ir_graph *resize_graph(const char *nearest_mode)
{
	struct ir_graph *g = ir_graph_create();
	const int64_t dx[] = { 1, 2, 2, 3 }, dy[] = { 1, 2, 4, 6 }, ds[] = { 4 }, dr[] = { 8 };
	/* roi: read only by tf_crop_and_resize */
	const float sc[] = { 1, 1, 2, 2 }, roi[8] = { 0, 0, 0, 0, 1, 1, 1, 1 };
	int in[3], y;

	in[0] = add_f32(g, "x", 4, dx);
	in[1] = add_f32_const(g, "roi", 1, dr, roi, 8);
	in[2] = add_f32_const(g, "scales", 1, ds, sc, 4);
	y = add_f32(g, "y", 4, dy);
	one_node("Resize", in, 3, y, g);
	set_str(g->nodes[0], "mode", "nearest");
	set_str(g->nodes[0], "coordinate_transformation_mode", "asymmetric");
	set_str(g->nodes[0], "nearest_mode", nearest_mode);
	return g;
}

/* Each input element read twice along H and W: stride 0 over the repeats, one copy. */
static void test_nearest_resize_by_whole_factors_is_one_copy(void **state)
{
	struct ir_graph *g = resize_graph("floor");
	const struct vnpu_pkt_dma_copy_nd *pk;
	struct vnpu_prog *p;

	(void)state;
	p = compile_ok(g);
	assert_int_equal(p->n_packets, 1);
	pk = packet_at(p, 0, NULL);
	assert_int_equal(pk->hdr.opcode, VNPU_OP_DMA_COPY_ND);
	assert_int_equal(pk->ndims, 4);
	/* [N x C x H][2][W][2]: N, C and H merged */
	assert_true(pk->dims[0] == 4 && pk->dims[1] == 2 && pk->dims[2] == 3 && pk->dims[3] == 2);
	assert_true(pk->src_stride[0] == 3 && pk->src_stride[1] == 0 && pk->src_stride[2] == 1 &&
		    pk->src_stride[3] == 0);
	assert_true(pk->dst_stride[0] == 12 && pk->dst_stride[1] == 6 && pk->dst_stride[2] == 2 &&
		    pk->dst_stride[3] == 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Another rounding (round_prefer_ceil reads o / 2 rounded up) stays on the host. */
static void test_nearest_resize_rounding_up_stays_on_the_host(void **state)
{
	struct ir_graph *g = resize_graph("round_prefer_ceil");
	struct vnpu_prog *p = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->n_nodes_host, 1);
	assert_int_equal(count_packets(p, VNPU_OP_DMA_COPY_ND), 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_conv_feeding_flatten_transposes_back_before_it(void **state)
{
	int x, c0, f, y;
	struct ir_graph *g = image_graph(&x);
	const int64_t df[] = { 1, 32 };
	const struct vnpu_pkt_transpose *t;
	uint64_t off;
	struct vnpu_prog *p;

	(void)state;
	c0 = conv_1x1(g, "c0", x);
	f = add_f32(g, "f", 2, df);
	chain_node(g, "flatten", "Flatten", &c0, 1, f);
	y = add_f32(g, "y", 2, df);
	chain_node(g, "relu", "Relu", &f, 1, y);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	p = compile_all_device(g);
	/* TRANSPOSE in, CONV2D, TRANSPOSE back to NCHW (Flatten reads it, an alias), the Relu */
	assert_int_equal(count_packets(p, VNPU_OP_TRANSPOSE), 2);
	t = packet_at(p, 2, &off);
	assert_int_equal(t->hdr.opcode, VNPU_OP_TRANSPOSE);
	assert_int_equal(t->perm[1], 3);
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_transpose, dst_va))->slot,
			 p->tensor_slot[c0]);
	assert_int_equal(p->tensor_slot[f], p->tensor_slot[c0]);
	assert_int_equal(((const struct vnpu_pkt_header *)packet_at(p, 3, NULL))->opcode,
			 VNPU_OP_ACTIVATION);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_graph_output_of_a_conv_is_transposed_to_nchw_last(void **state)
{
	int x, y;
	struct ir_graph *g = image_graph(&x);
	const struct vnpu_pkt_transpose *t;
	uint64_t off;
	struct vnpu_prog *p;

	(void)state;
	y = conv_1x1(g, "c0", x);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	p = compile_all_device(g);
	assert_int_equal(p->n_packets, 3);
	t = packet_at(p, 2, &off);
	assert_int_equal(t->hdr.opcode, VNPU_OP_TRANSPOSE);
	/* [N][H][W][C] -> [N][C][H][W], into the output's own slot */
	assert_int_equal(t->dims[3], 2);
	assert_int_equal(t->perm[0], 0);
	assert_int_equal(t->perm[1], 3);
	assert_int_equal(t->perm[2], 1);
	assert_int_equal(t->perm[3], 2);
	assert_int_equal(reloc_at(p, off + offsetof(struct vnpu_pkt_transpose, dst_va))->slot,
			 p->tensor_slot[y]);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_host_node_after_a_conv_reads_nchw_made_in_the_device_stage(void **state)
{
	int x, c0, y;
	struct ir_graph *g = image_graph(&x);
	const int64_t d[] = { 1, 2, 4, 4 };
	struct ir_attr *a;
	struct vnpu_prog *p;
	char err[256];

	(void)state;
	c0 = conv_1x1(g, "c0", x);
	y = add_f32(g, "y", 4, d);
	/* LRN has a host kernel and no device lowering */
	a = ir_node_add_attr(chain_node(g, "lrn", "LRN", &c0, 1, y), "size", IR_ATTR_INT);
	a->i = 3;
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->nstages, 2);
	assert_false(p->stages[0].host);
	assert_true(p->stages[1].host);
	/* the device stage ends with the TRANSPOSE back, into the slot the host reads */
	assert_int_equal(p->stages[0].len, p->len);
	assert_int_equal(count_packets(p, VNPU_OP_TRANSPOSE), 2);
	assert_true(p->tensor_slot[c0] >= 0);
	assert_int_equal(((const struct vnpu_pkt_header *)packet_at(p, 2, NULL))->opcode,
			 VNPU_OP_TRANSPOSE);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* A pool whose window is the image: its NHWC [N][1][1][C] is already the NCHW [N][C][1][1] */
static void assert_global_pool_of_nhwc_is_one_pool(const char *op, uint32_t mode)
{
	int x, c0, y;
	struct ir_graph *g = image_graph(&x);
	const int64_t dy[] = { 1, 2, 1, 1 };
	const struct vnpu_pkt_pool2d *pk;
	struct vnpu_prog *p;

	c0 = conv_1x1(g, "c0", x);
	y = add_f32(g, "y", 4, dy);
	chain_node(g, "gap", op, &c0, 1, y);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	p = compile_all_device(g);
	/* only the input's TRANSPOSE */
	assert_int_equal(count_packets(p, VNPU_OP_TRANSPOSE), 1);
	assert_int_equal(count_packets(p, VNPU_OP_REDUCE), 0);
	pk = packet_at(p, 2, NULL);
	assert_int_equal(pk->hdr.opcode, VNPU_OP_POOL2D);
	assert_int_equal(pk->mode, mode);
	assert_int_equal(pk->n, 1);
	assert_int_equal(pk->c, 2);
	assert_int_equal(pk->h, 4);
	assert_int_equal(pk->kh, 4);
	assert_int_equal(pk->w, 4);
	assert_int_equal(pk->kw, 4);
	assert_int_equal(pk->stride_h, 1);
	assert_int_equal(pk->pad_bottom + pk->pad_right + pk->pad_top + pk->pad_left, 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_global_average_pool_of_nhwc_is_a_pool_of_the_whole_image(void **state)
{
	(void)state;
	assert_global_pool_of_nhwc_is_one_pool("GlobalAveragePool", VNPU_POOL_AVG);
}

static void test_global_max_pool_of_nhwc_is_a_pool_of_the_whole_image(void **state)
{
	(void)state;
	assert_global_pool_of_nhwc_is_one_pool("GlobalMaxPool", VNPU_POOL_MAX);
}

static void test_channel_concat_of_nhwc_images_copies_into_channel_ranges(void **state)
{
	int x, c0, c1, y;
	struct ir_graph *g = image_graph(&x);
	const int64_t dy[] = { 1, 4, 4, 4 };
	const uint32_t dims[] = { 16, 2 };
	const uint64_t ss[] = { 2, 1 }, ds[] = { 4, 1 };
	const struct vnpu_prog_reloc *r;
	struct ir_attr *a;
	int in[2];
	uint64_t off;
	struct vnpu_prog *p;

	(void)state;
	c0 = conv_1x1(g, "c0", x);
	c1 = conv_1x1(g, "c1", x);
	y = add_f32(g, "y", 4, dy);
	in[0] = c0;
	in[1] = c1;
	a = ir_node_add_attr(chain_node(g, "cat", "Concat", in, 2, y), "axis", IR_ATTR_INT);
	a->i = 1;
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	p = compile_all_device(g);
	/* TRANSPOSE x in once (both convs read its NHWC copy), 2 CONV2D, 2 copies, y out */
	assert_int_equal(count_packets(p, VNPU_OP_TRANSPOSE), 2);
	assert_int_equal(count_packets(p, VNPU_OP_DMA_COPY_ND), 2);
	/* the second input: [N*H*W][2] into channels 2..3 of rows of 4 */
	assert_copy(packet_at(p, 4, &off), 2, dims, ss, ds);
	r = reloc_at(p, off + offsetof(struct vnpu_pkt_dma_copy_nd, dst_va));
	assert_int_equal(r->addend - reloc_at(p, (uint64_t)((const uint8_t *)packet_at(p, 3, NULL) -
			 p->stream) + offsetof(struct vnpu_pkt_dma_copy_nd, dst_va))->addend,
			 2 * sizeof(float));
	assert_int_equal(p->tensor_slot[c0], -1);
	assert_int_equal(p->tensor_slot[c1], -1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matmul_is_one_packet_relocated_to_its_tensors_slots),
		cmocka_unit_test(test_unsupported_op_is_refused_naming_node_and_op),
		cmocka_unit_test(test_node_without_device_lowering_is_a_host_stage_between_device_stages),
		cmocka_unit_test(test_cheap_neighbours_of_an_lstm_join_its_host_stage),
		cmocka_unit_test(test_costly_node_after_an_lstm_stays_on_the_device),
		cmocka_unit_test(test_flops_count_products_by_macs_and_the_rest_by_elements),
		cmocka_unit_test(test_graph_of_integers_is_all_host),
		cmocka_unit_test(test_reshape_output_shares_its_input_slot),
		cmocka_unit_test(test_constant_conv_weights_are_packed_at_load_from_ohwi),
		cmocka_unit_test(test_transpose_5d_is_one_copy_nd_with_permuted_source_strides),
		cmocka_unit_test(test_concat_copies_each_input_to_its_offset_in_the_output),
		cmocka_unit_test(test_slice_with_steps_reads_from_its_first_element),
		cmocka_unit_test(test_pad_fills_the_constant_then_copies_the_input_inside),
		cmocka_unit_test(test_expand_reads_broadcast_dimensions_with_stride_zero),
		cmocka_unit_test(test_int64_concat_moves_8_byte_elements_on_the_device),
		cmocka_unit_test(test_leaky_relu_is_a_unary_packet_carrying_alpha),
		cmocka_unit_test(test_reduce_merges_neighbouring_axes),
		cmocka_unit_test(test_global_average_pool_is_one_reduce_mean),
		cmocka_unit_test(test_clip_with_runtime_bounds_is_binary_max_then_min),
		cmocka_unit_test(test_batchnorm_with_constant_parameters_is_mul_then_add),
		cmocka_unit_test(test_1d_max_pool_is_a_pool2d_of_one_row),
		cmocka_unit_test(test_ceil_mode_max_pool_pads_the_extra_rows_at_the_end),
		cmocka_unit_test(test_ceil_mode_average_excluding_padding_runs_on_the_device),
		cmocka_unit_test(test_ceil_mode_average_counting_padding_stays_on_the_host),
		cmocka_unit_test(test_split_copies_each_output_from_its_offset_along_the_axis),
		cmocka_unit_test(test_tile_rereads_the_input_for_each_repeat),
		cmocka_unit_test(test_gather_of_constant_indices_copies_one_slab_per_index),
		cmocka_unit_test(test_depth_to_space_dcr_is_one_permuted_copy),
		cmocka_unit_test(test_conv_relu_conv_transposes_only_at_the_graph_edges),
		cmocka_unit_test(test_residual_add_between_convs_stays_nhwc),
		cmocka_unit_test(test_residual_add_is_summed_by_the_conv_making_its_last_term),
		cmocka_unit_test(test_residual_conv_packs_its_weights_without_accumulate),
		cmocka_unit_test(test_residual_read_after_the_add_keeps_the_add),
		cmocka_unit_test(test_mul_by_a_per_channel_tensor_is_a_column_broadcast),
		cmocka_unit_test(test_add_with_the_broadcast_operand_first_swaps_them),
		cmocka_unit_test(test_sub_with_the_broadcast_operand_first_is_refused),
		cmocka_unit_test(test_channel_scale_of_a_conv_output_stays_nhwc),
		cmocka_unit_test(test_conv_transpose_with_stride_of_its_kernel_is_a_matmul),
		cmocka_unit_test(test_conv_transpose_with_another_stride_stays_on_the_host),
		cmocka_unit_test(test_nearest_resize_by_whole_factors_is_one_copy),
		cmocka_unit_test(test_nearest_resize_rounding_up_stays_on_the_host),
		cmocka_unit_test(test_pow_by_two_is_a_mul_of_x_by_itself),
		cmocka_unit_test(test_pow_by_another_exponent_stays_on_the_host),
		cmocka_unit_test(test_constant_scalar_operand_is_a_row_of_the_last_dimension),
		cmocka_unit_test(test_conv_feeding_flatten_transposes_back_before_it),
		cmocka_unit_test(test_graph_output_of_a_conv_is_transposed_to_nchw_last),
		cmocka_unit_test(test_host_node_after_a_conv_reads_nchw_made_in_the_device_stage),
		cmocka_unit_test(test_global_average_pool_of_nhwc_is_a_pool_of_the_whole_image),
		cmocka_unit_test(test_global_max_pool_of_nhwc_is_a_pool_of_the_whole_image),
		cmocka_unit_test(test_channel_concat_of_nhwc_images_copies_into_channel_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
