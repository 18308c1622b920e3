// SPDX-License-Identifier: MIT
/*
 * The host fallback end to end: graphs built in code, compiled (compiler/codegen_vnpu.h) into
 * device and host stages, run through accelrt on the embedded vnpu, their outputs checked
 * against C references: a node without a device lowering between device nodes, a graph
 * of integers all on the host, its int64 output exact, and intermediates placed in the
 * arena by liveness (compiler/mem_plan.h), by device and host stages alike.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libaccel.h>
#include "helpers.h"
#include "test_accelrt.h"

#include "compiler/codegen_vnpu.h"

static struct accelrt_device *dev;

static int setup(void **state)
{
	(void)state;
	if (test_embedded_start("accelrt-fallback", NULL))
		return -1;
	return accelrt_device_open(NULL, &dev) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	accelrt_device_close(dev);
	dev = NULL;
	return test_embedded_stop();
}

/* A tensor of @dt and shape @dims (@rank of them); its index. */
static int add_tensor(struct ir_graph *g, const char *name, enum ir_dtype dt, int rank,
		      const int64_t *dims)
{
	int t = ir_graph_add_tensor(g, name);

	assert_true(t >= 0);
	g->tensors[t]->dtype = dt;
	g->tensors[t]->rank = rank;
	memcpy(g->tensors[t]->dims, dims, sizeof(int64_t) * (size_t)rank);
	return t;
}

static struct ir_node *add_node(struct ir_graph *g, const char *op, const int *in, size_t nin,
				int out)
{
	struct ir_node *n = ir_graph_add_node(g, "", op, "");

	assert_non_null(n);
	for (size_t i = 0; i < nin; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, out), 0);
	return n;
}

/* A compiled graph on the device: its slots' buffers, its accelrt program. */
struct compiled {
	struct vnpu_prog *p;
	struct accelrt_buffer **bufs;
	struct vnpu_host_stage *hs;
	struct accelrt_program *prog;
};

/* Compile @g, place every slot in a host-visible buffer (constants uploaded), make the program. */
static void compile(struct ir_graph *g, struct compiled *c)
{
	char err[256] = "";

	assert_int_equal(codegen_vnpu(g, &c->p, err, sizeof(err)), 0);
	c->bufs = calloc(c->p->nslots, sizeof(*c->bufs));
	c->hs = calloc(c->p->nstages, sizeof(*c->hs));
	assert_non_null(c->bufs);
	assert_non_null(c->hs);
	for (unsigned int i = 0; i < c->p->nslots; i++) {
		void *map;

		assert_int_equal(accelrt_buffer_alloc(dev, c->p->slots[i].size, ACCELRT_BUFFER_HOST,
						      &c->bufs[i]), 0);
		assert_int_equal(accelrt_buffer_map(c->bufs[i], &map), 0);
		if (c->p->slots[i].data)
			memcpy(map, c->p->slots[i].data, c->p->slots[i].size);
	}
	assert_int_equal(accelrt_program_new(dev, &c->prog), 0);
	for (unsigned int i = 0; i < c->p->nstages; i++) {
		const struct vnpu_prog_stage *s = &c->p->stages[i];

		if (s->host) {
			c->hs[i] = (struct vnpu_host_stage){ .g = g, .p = c->p, .stage = i };
			assert_int_equal(accelrt_program_add_host(c->prog, vnpu_host_stage_run,
								  &c->hs[i], c->p->nslots), 0);
		} else {
			assert_int_equal(accelrt_program_add_stream(c->prog, c->p->stream + s->offset,
				s->len, (const struct accelrt_reloc *)c->p->relocs + s->reloc_first,
				s->nrelocs), 0);
		}
	}
}

/* The CPU address of tensor @t's slot. */
static void *tensor_map(const struct compiled *c, int t)
{
	void *map;

	assert_true(c->p->tensor_slot[t] >= 0);
	assert_int_equal(accelrt_buffer_map(c->bufs[c->p->tensor_slot[t]], &map), 0);
	return map;
}

static void compiled_free(struct compiled *c)
{
	accelrt_program_free(c->prog);
	for (unsigned int i = 0; i < c->p->nslots; i++)
		accelrt_buffer_free(c->bufs[i]);
	free(c->bufs);
	free(c->hs);
	codegen_vnpu_free(c->p);
}

/*
 * x[2,3] -> Relu -> Gemm(alpha 0.5, w[3,4]) -> Sigmoid -> y: the Gemm (its alpha has no device
 * lowering) runs on the host between the two device nodes, and y is right.
 */
static void node_without_device_lowering_runs_on_the_host_between_device_stages(void **state)
{
	static const float xv[6] = { -1, 2, 3, 4, -5, 6 };
	const int64_t dx[2] = { 2, 3 }, dw[2] = { 3, 4 }, dy[2] = { 2, 4 };
	struct ir_graph *g = ir_graph_create();
	struct compiled c = { 0 };
	int x, r, w, m, y;
	float *wv, *out;

	(void)state;
	x = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, dx);
	r = add_tensor(g, "r", IR_DTYPE_FLOAT, 2, dx);
	w = add_tensor(g, "w", IR_DTYPE_FLOAT, 2, dw);
	m = add_tensor(g, "m", IR_DTYPE_FLOAT, 2, dy);
	y = add_tensor(g, "y", IR_DTYPE_FLOAT, 2, dy);
	wv = malloc(12 * sizeof(float));
	assert_non_null(wv);
	for (int i = 0; i < 12; i++)
		wv[i] = (float)(i - 6) / 4;
	g->tensors[w]->data = wv;
	g->tensors[w]->data_size = 12 * sizeof(float);
	assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, w), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	add_node(g, "Relu", &x, 1, r);
	ir_node_add_attr(add_node(g, "Gemm", (const int[]){ r, w }, 2, m), "alpha",
			 IR_ATTR_FLOAT)->f = 0.5f;
	add_node(g, "Sigmoid", &m, 1, y);
	g->opset = 13;
	compile(g, &c);
	assert_int_equal(c.p->nstages, 3);
	assert_true(c.p->stages[1].host);
	memcpy(tensor_map(&c, x), xv, sizeof(xv));
	assert_int_equal(accelrt_run_sync(c.prog, c.bufs, c.p->nslots, 0), 0);
	out = tensor_map(&c, y);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 4; j++) {
			double acc = 0;

			for (int k = 0; k < 3; k++)
				acc += fmax(xv[i * 3 + k], 0) * wv[k * 4 + j];
			assert_float_equal(out[i * 4 + j], 1 / (1 + exp(-0.5 * acc)), 1e-5);
		}
	compiled_free(&c);
	ir_graph_destroy(g);
}

/*
 * x[4,8] -> Relu -> t1 -> Sigmoid -> t2 -> Relu -> t3 -> Tanh -> y: the intermediates live in
 * the arena, t1 and t3 (whose lifetimes do not meet) at the same bytes, so the arena is the
 * liveness bound (two tensors), and y is still right.
 */
static void chain_intermediates_share_arena_bytes_and_the_output_is_right(void **state)
{
	const int64_t d[2] = { 4, 8 };
	struct ir_graph *g = ir_graph_create();
	struct compiled c = { 0 };
	int x, t1, t2, t3, y;
	float *in, *out;

	(void)state;
	x = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, d);
	t1 = add_tensor(g, "t1", IR_DTYPE_FLOAT, 2, d);
	t2 = add_tensor(g, "t2", IR_DTYPE_FLOAT, 2, d);
	t3 = add_tensor(g, "t3", IR_DTYPE_FLOAT, 2, d);
	y = add_tensor(g, "y", IR_DTYPE_FLOAT, 2, d);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	add_node(g, "Relu", &x, 1, t1);
	add_node(g, "Sigmoid", &t1, 1, t2);
	add_node(g, "Relu", &t2, 1, t3);
	add_node(g, "Tanh", &t3, 1, y);
	g->opset = 13;
	compile(g, &c);
	/* x, y and the arena */
	assert_int_equal(c.p->nslots, 3);
	assert_int_equal(c.p->arena_slot, 2);
	assert_int_equal(c.p->tensor_slot[t1], 2);
	assert_int_equal(c.p->tensor_slot[t3], 2);
	assert_int_equal(c.p->tensor_offset[t1], c.p->tensor_offset[t3]);
	assert_int_equal(c.p->mem_lower_bound, 2 * 32 * sizeof(float));
	assert_int_equal(c.p->mem_peak, c.p->mem_lower_bound);
	in = tensor_map(&c, x);
	for (int i = 0; i < 32; i++)
		in[i] = (float)(i - 16) / 4;
	assert_int_equal(accelrt_run_sync(c.prog, c.bufs, c.p->nslots, 0), 0);
	out = tensor_map(&c, y);
	for (int i = 0; i < 32; i++)
		assert_float_equal(out[i], tanh(1 / (1 + exp(-fmax((i - 16) / 4.0, 0)))), 1e-5);
	compiled_free(&c);
	ir_graph_destroy(g);
}

/*
 * x -> Relu -> r -> Gemm (host) -> m -> Sigmoid -> y: r and m, both live at the host node,
 * are at different offsets of the arena, and the host stage finds each at its own.
 */
static void host_stage_uses_its_tensors_at_their_arena_offsets(void **state)
{
	const int64_t d[2] = { 2, 3 };
	struct ir_graph *g = ir_graph_create();
	struct compiled c = { 0 };
	int x, r, m, y;
	float *out;

	(void)state;
	x = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, d);
	r = add_tensor(g, "r", IR_DTYPE_FLOAT, 2, d);
	m = add_tensor(g, "m", IR_DTYPE_FLOAT, 2, d);
	y = add_tensor(g, "y", IR_DTYPE_FLOAT, 2, d);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	add_node(g, "Relu", &x, 1, r);
	/* Gemm with alpha has no device lowering: m = 2 * r x I on the host. */
	{
		int w = add_tensor(g, "w", IR_DTYPE_FLOAT, 2, (const int64_t[]){ 3, 3 });
		float *wv = calloc(9, sizeof(float));

		assert_non_null(wv);
		wv[0] = wv[4] = wv[8] = 1;
		g->tensors[w]->data = wv;
		g->tensors[w]->data_size = 9 * sizeof(float);
		assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, w), 0);
		ir_node_add_attr(add_node(g, "Gemm", (const int[]){ r, w }, 2, m), "alpha",
				 IR_ATTR_FLOAT)->f = 2.0f;
	}
	add_node(g, "Sigmoid", &m, 1, y);
	g->opset = 13;
	compile(g, &c);
	assert_true(c.p->stages[1].host);
	assert_int_equal(c.p->tensor_slot[r], c.p->arena_slot);
	assert_int_equal(c.p->tensor_slot[m], c.p->arena_slot);
	assert_int_not_equal(c.p->tensor_offset[r], c.p->tensor_offset[m]);
	for (int i = 0; i < 6; i++)
		((float *)tensor_map(&c, x))[i] = (float)(i - 3);
	assert_int_equal(accelrt_run_sync(c.prog, c.bufs, c.p->nslots, 0), 0);
	out = tensor_map(&c, y);
	for (int i = 0; i < 6; i++)
		assert_float_equal(out[i], 1 / (1 + exp(-2 * fmax(i - 3, 0))), 1e-5);
	compiled_free(&c);
	ir_graph_destroy(g);
}

/* An int64 MatMul: no device lowering at all, one host stage; the int64 result is exact. */
static void graph_of_integers_runs_all_on_the_host_exactly(void **state)
{
	static const int64_t av[4] = { (1LL << 60) + 1, 3, -2, 5 }, bv[4] = { 1, 0, 2, 1 };
	const int64_t d[2] = { 2, 2 };
	struct ir_graph *g = ir_graph_create();
	struct compiled c = { 0 };
	int a, b, y;
	int64_t *out;

	(void)state;
	a = add_tensor(g, "a", IR_DTYPE_INT64, 2, d);
	b = add_tensor(g, "b", IR_DTYPE_INT64, 2, d);
	y = add_tensor(g, "y", IR_DTYPE_INT64, 2, d);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, a), 0);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, b), 0);
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, y), 0);
	add_node(g, "MatMul", (const int[]){ a, b }, 2, y);
	g->opset = 13;
	compile(g, &c);
	assert_int_equal(c.p->nstages, 1);
	assert_true(c.p->stages[0].host);
	memcpy(tensor_map(&c, a), av, sizeof(av));
	memcpy(tensor_map(&c, b), bv, sizeof(bv));
	assert_int_equal(accelrt_run_sync(c.prog, c.bufs, c.p->nslots, 0), 0);
	out = tensor_map(&c, y);
	assert_int_equal(out[0], (1LL << 60) + 1 + 6);
	assert_int_equal(out[1], 3);
	assert_int_equal(out[2], -2 + 10);
	assert_int_equal(out[3], 5);
	compiled_free(&c);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(node_without_device_lowering_runs_on_the_host_between_device_stages),
		cmocka_unit_test(graph_of_integers_runs_all_on_the_host_exactly),
		cmocka_unit_test(chain_intermediates_share_arena_bytes_and_the_output_is_right),
		cmocka_unit_test(host_stage_uses_its_tensors_at_their_arena_offsets),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
