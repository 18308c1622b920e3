// SPDX-License-Identifier: MIT
/*
 * LayerNormalization's lowering (compiler/codegen_vnpu.c, lower_layernorm()): one LAYERNORM
 * packet over [rows, cols] with its scale and shift, and the host for what the packet cannot
 * express. One behaviour per test; the numbers on the device are the transformer encoder's
 * check (tests/scripts/model-run.sh).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <uapi/drm/vnpu_accel.h>

#include "compiler/codegen_vnpu.h"

static int add_f32(struct ir_graph *g, const char *name, int rank, const int64_t *dims,
		   bool constant)
{
	int t = ir_graph_add_tensor(g, name);
	struct ir_tensor *tt;

	assert_true(t >= 0);
	tt = g->tensors[t];
	tt->dtype = IR_DTYPE_FLOAT;
	tt->rank = rank;
	memcpy(tt->dims, dims, sizeof(int64_t) * (size_t)rank);
	if (constant) {
		tt->data_size = (size_t)ir_tensor_numel(tt) * sizeof(float);
		tt->data = calloc(1, tt->data_size);
		assert_non_null(tt->data);
	}
	return t;
}

/*
 * X [2, 3, 8] -> LayerNormalization(axis @axis, epsilon 1e-3; Scale and B of @pdims) -> Y,
 * with the Mean output too when @mean.
 */
static struct ir_graph *layernorm_graph(int64_t axis, int prank, const int64_t *pdims, bool mean)
{
	static const int64_t dx[] = { 2, 3, 8 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	struct ir_attr *a;
	int x, s, b, y;

	assert_non_null(g);
	g->opset = 17;
	x = add_f32(g, "x", 3, dx, false);
	s = add_f32(g, "scale", prank, pdims, true);
	b = add_f32(g, "b", prank, pdims, true);
	y = add_f32(g, "y", 3, dx, false);
	n = ir_graph_add_node(g, "ln", "LayerNormalization", "");
	assert_non_null(n);
	assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, s), 0);
	assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, b), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, y), 0);
	if (mean) {
		const int64_t dm[] = { 2, 3, 1 };
		int m = add_f32(g, "mean", 3, dm, false);

		assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, m), 0);
		assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, m), 0);
	}
	a = ir_node_add_attr(n, "axis", IR_ATTR_INT);
	assert_non_null(a);
	a->i = axis;
	a = ir_node_add_attr(n, "epsilon", IR_ATTR_FLOAT);
	assert_non_null(a);
	a->f = 1e-3f;
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	return g;
}

static bool relocated(const struct vnpu_prog *p, uint64_t offset)
{
	for (unsigned int i = 0; i < p->nrelocs; i++)
		if (p->relocs[i].offset == offset)
			return true;
	return false;
}

/* The first packet of the stream that is not a TIMESTAMP, and its offset. */
static const struct vnpu_pkt_layernorm *first_compute(const struct vnpu_prog *p, uint64_t *off)
{
	for (uint64_t o = 0; o < p->len;) {
		const struct vnpu_pkt_header *h = (const void *)(p->stream + o);

		if (h->opcode == VNPU_OP_LAYERNORM) {
			*off = o;
			return (const void *)h;
		}
		o += (uint64_t)h->length * 4;
	}
	return NULL;
}

/* Axis 1 of [2, 3, 8]: rows 2 of cols 24, Scale and B [3, 8] read as 24 values each. */
static void test_layernorm_is_one_packet_over_rows_and_cols(void **state)
{
	static const int64_t dp[] = { 3, 8 };
	struct ir_graph *g = layernorm_graph(1, 2, dp, false);
	const struct vnpu_pkt_layernorm *pk;
	struct vnpu_prog *p = NULL;
	char err[256] = "";
	uint64_t off = 0;
	float eps;

	(void)state;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->n_nodes_device, 1);
	assert_int_equal(p->n_nodes_host, 0);
	pk = first_compute(p, &off);
	assert_non_null(pk);
	assert_int_equal(pk->rows, 2);
	assert_int_equal(pk->cols, 24);
	assert_int_equal(pk->hdr.flags, VNPU_LAYERNORM_F_SCALE | VNPU_LAYERNORM_F_SHIFT);
	memcpy(&eps, &pk->epsilon, sizeof(eps));
	assert_true(eps == 1e-3f);
	assert_true(relocated(p, off + offsetof(struct vnpu_pkt_layernorm, src_va)));
	assert_true(relocated(p, off + offsetof(struct vnpu_pkt_layernorm, gamma_va)));
	assert_true(relocated(p, off + offsetof(struct vnpu_pkt_layernorm, beta_va)));
	assert_true(relocated(p, off + offsetof(struct vnpu_pkt_layernorm, dst_va)));
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* Scale [1] broadcast over the 8 values of a row: the engine takes one value per column. */
static void test_layernorm_with_broadcast_scale_runs_on_the_host(void **state)
{
	static const int64_t dp[] = { 1 };
	struct ir_graph *g = layernorm_graph(-1, 1, dp, false);
	struct vnpu_prog *p = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->n_nodes_device, 0);
	assert_int_equal(p->n_nodes_host, 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* The training output Mean: the packet writes none. */
static void test_layernorm_with_mean_output_runs_on_the_host(void **state)
{
	static const int64_t dp[] = { 8 };
	struct ir_graph *g = layernorm_graph(-1, 1, dp, true);
	struct vnpu_prog *p = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p->n_nodes_device, 0);
	assert_int_equal(p->n_nodes_host, 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layernorm_is_one_packet_over_rows_and_cols),
		cmocka_unit_test(test_layernorm_with_broadcast_scale_runs_on_the_host),
		cmocka_unit_test(test_layernorm_with_mean_output_runs_on_the_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
