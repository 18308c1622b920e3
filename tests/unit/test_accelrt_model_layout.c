// SPDX-License-Identifier: MIT
/*
 * Activations kept in NHWC between device image ops (docs/compiler.md, "Layout"), end to
 * end: a small CNN built in code (convs, a Relu, a residual Add, a pool, a host node
 * between device stages, a channel Concat, a global pool, an NHWC tensor that is also a graph
 * output) compiled and run on the embedded vnpu, its outputs checked against the host
 * interpreter (compiler/host_exec.h) on the same graph.
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
#include "compiler/host_exec.h"
#include "runtime/model/model_pack.h"

static struct accelrt_device *dev;

static int setup(void **state)
{
	(void)state;
	if (test_embedded_start("accelrt-model-layout", NULL))
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

/* A float tensor of @rank @dims; with @random, a constant of seeded values in [-0.5, 0.5). */
static int add_f32(struct ir_graph *g, const char *name, int rank, const int64_t *dims,
		   bool random)
{
	int t = ir_graph_add_tensor(g, name);
	int64_t n = 1;

	assert_true(t >= 0);
	g->tensors[t]->dtype = IR_DTYPE_FLOAT;
	g->tensors[t]->rank = rank;
	memcpy(g->tensors[t]->dims, dims, sizeof(int64_t) * (size_t)rank);
	if (!random)
		return t;
	for (int i = 0; i < rank; i++)
		n *= dims[i];
	g->tensors[t]->data = malloc((size_t)n * sizeof(float));
	assert_non_null(g->tensors[t]->data);
	for (int64_t i = 0; i < n; i++)
		((float *)g->tensors[t]->data)[i] = (float)rand() / RAND_MAX - 0.5f;
	g->tensors[t]->data_size = (size_t)n * sizeof(float);
	return t;
}

static struct ir_node *add_node(struct ir_graph *g, const char *name, const char *op,
				const int *in, size_t nin, int out)
{
	struct ir_node *n = ir_graph_add_node(g, name, op, "");

	assert_non_null(n);
	for (size_t i = 0; i < nin; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, out), 0);
	return n;
}

static void set_ints(struct ir_node *n, const char *name, const int64_t *v, size_t len)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_INTS);

	assert_non_null(a);
	a->ints = malloc(len * sizeof(int64_t));
	assert_non_null(a->ints);
	memcpy(a->ints, v, len * sizeof(int64_t));
	a->len = len;
}

/* Conv of @x (@c channels) to @oc channels with a @k x @k kernel, pads k / 2, into @name. */
static int conv(struct ir_graph *g, const char *name, int x, int64_t oc, int64_t k)
{
	const struct ir_tensor *tx = g->tensors[x];
	const int64_t dw[] = { oc, tx->dims[1], k, k }, db[] = { oc };
	const int64_t dy[] = { tx->dims[0], oc, tx->dims[2], tx->dims[3] };
	const int64_t pads[] = { k / 2, k / 2, k / 2, k / 2 };
	char wn[32], bn[32];
	int in[3], y;

	snprintf(wn, sizeof(wn), "%s_w", name);
	snprintf(bn, sizeof(bn), "%s_b", name);
	in[0] = x;
	in[1] = add_f32(g, wn, 4, dw, true);
	in[2] = add_f32(g, bn, 1, db, true);
	y = add_f32(g, name, 4, dy, false);
	set_ints(add_node(g, name, "Conv", in, 3, y), "pads", pads, 4);
	return y;
}

/*
 * x [1,3,8,6] -> conv (3x3) -> Relu = a -> conv b (1x1) -> Add(b, a) = s (an output too)
 * -> MaxPool 2x2 = m -> LRN (host) = l -> conv c (1x1) -> Concat(c, m) along channels
 * -> GlobalAveragePool = gap (an output).
 */
static void test_cnn_with_nhwc_activations_matches_the_host_interpreter(void **state)
{
	const int64_t dx[] = { 1, 3, 8, 6 }, ds[] = { 1, 4, 8, 6 }, dm[] = { 1, 4, 4, 3 };
	const int64_t dcat[] = { 1, 8, 4, 3 }, dgap[] = { 1, 8, 1, 1 }, k2[] = { 2, 2 };
	struct ir_graph *g = ir_graph_create();
	struct accelrt_buffer **bufs;
	struct accelrt_program *prog;
	struct host_values hv;
	struct ir_attr *at;
	struct vnpu_prog *p;
	char err[256] = "";
	int x, a, b, s, m, l, c, cat, gap, in[2];
	int outs[2];
	void *map;

	(void)state;
	srand(11);
	assert_non_null(g);
	g->opset = 13;
	x = add_f32(g, "x", 4, dx, false);
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	c = conv(g, "a0", x, 4, 3);
	a = add_f32(g, "a", 4, ds, false);
	add_node(g, "relu", "Relu", &c, 1, a);
	b = conv(g, "b", a, 4, 1);
	s = add_f32(g, "s", 4, ds, false);
	in[0] = b;
	in[1] = a;
	add_node(g, "add", "Add", in, 2, s);
	m = add_f32(g, "m", 4, dm, false);
	at = ir_node_add_attr(add_node(g, "pool", "MaxPool", &s, 1, m), "kernel_shape",
			      IR_ATTR_INTS);
	at->ints = malloc(sizeof(k2));
	memcpy(at->ints, k2, sizeof(k2));
	at->len = 2;
	set_ints(g->nodes[g->n_nodes - 1], "strides", k2, 2);
	l = add_f32(g, "l", 4, dm, false);
	at = ir_node_add_attr(add_node(g, "lrn", "LRN", &m, 1, l), "size", IR_ATTR_INT);
	at->i = 3;
	c = conv(g, "c", l, 4, 1);
	cat = add_f32(g, "cat", 4, dcat, false);
	in[0] = c;
	in[1] = m;
	at = ir_node_add_attr(add_node(g, "cat", "Concat", in, 2, cat), "axis", IR_ATTR_INT);
	at->i = 1;
	gap = add_f32(g, "gap", 4, dgap, false);
	add_node(g, "gap", "GlobalAveragePool", &cat, 1, gap);
	outs[0] = gap;
	outs[1] = s;
	for (int i = 0; i < 2; i++)
		assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, outs[i]), 0);

	/* the reference, on the host, with the input's values */
	assert_int_equal(host_values_create(g, &hv), 0);
	hv.ptr[x] = malloc(1 * 3 * 8 * 6 * sizeof(float));
	assert_non_null(hv.ptr[x]);
	hv.owned[x] = 1;
	for (int i = 0; i < 3 * 8 * 6; i++)
		((float *)hv.ptr[x])[i] = (float)rand() / RAND_MAX - 0.5f;
	assert_int_equal(host_exec_graph(g, &hv, err, sizeof(err)), 0);

	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), 0);
	/* only LRN runs on the host; its input is NCHW, made on the device before it */
	assert_int_equal(p->n_nodes_host, 1);
	assert_int_equal(p->nstages, 3);
	bufs = calloc(p->nslots, sizeof(*bufs));
	assert_non_null(bufs);
	for (unsigned int i = 0; i < p->nslots; i++) {
		if (p->slots[i].packed)
			continue;
		assert_int_equal(accelrt_buffer_alloc(dev, p->slots[i].size, ACCELRT_BUFFER_HOST,
						      &bufs[i]), 0);
		assert_int_equal(accelrt_buffer_map(bufs[i], &map), 0);
		if (p->slots[i].data)
			memcpy(map, p->slots[i].data, p->slots[i].size);
	}
	assert_int_equal(vnpu_prog_pack_slots(dev, p, bufs), 0);
	struct vnpu_host_stage *hs = calloc(p->nstages, sizeof(*hs));

	assert_non_null(hs);
	assert_int_equal(accelrt_program_new(dev, &prog), 0);
	for (unsigned int i = 0; i < p->nstages; i++) {
		const struct vnpu_prog_stage *st = &p->stages[i];

		if (st->host) {
			hs[i] = (struct vnpu_host_stage){ .g = g, .p = p, .stage = i };
			assert_int_equal(accelrt_program_add_host(prog, vnpu_host_stage_run, &hs[i],
								  p->nslots), 0);
		} else {
			assert_int_equal(accelrt_program_add_stream(prog, p->stream + st->offset,
				st->len, (const struct accelrt_reloc *)p->relocs + st->reloc_first,
				st->nrelocs), 0);
		}
	}
	assert_int_equal(accelrt_buffer_map(bufs[p->tensor_slot[x]], &map), 0);
	memcpy((uint8_t *)map + p->tensor_offset[x], hv.ptr[x], 3 * 8 * 6 * sizeof(float));
	assert_int_equal(accelrt_run_sync(prog, bufs, p->nslots, 0), 0);
	for (int o = 0; o < 2; o++) {
		int t = outs[o];
		int64_t n = ir_tensor_numel(g->tensors[t]);
		const float *got, *want = hv.ptr[t];

		assert_int_equal(accelrt_buffer_map(bufs[p->tensor_slot[t]], &map), 0);
		got = (const float *)((uint8_t *)map + p->tensor_offset[t]);
		for (int64_t i = 0; i < n; i++)
			assert_true(fabsf(got[i] - want[i]) <= 1e-4f + 1e-4f * fabsf(want[i]));
	}
	accelrt_program_free(prog);
	for (unsigned int i = 0; i < p->nslots; i++)
		accelrt_buffer_free(bufs[i]);
	free(bufs);
	free(hs);
	host_values_free(&hv);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cnn_with_nhwc_activations_matches_the_host_interpreter),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
