// SPDX-License-Identifier: MIT
/*
 * The graph passes (compiler/passes/passes.h) on small graphs built in code: what each pass
 * rewrites, what it must leave alone, and that the graph's outputs keep their names and
 * values. Values are checked with a tiny float evaluator below (naive loops for the handful
 * of ops these graphs use, fused activations included), run before and after the passes;
 * and the code generator's lowering of a fused activation and of Div is read off its packets.
 */
#include <errno.h>
#include <math.h>
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
#include "compiler/host_exec.h"
#include "compiler/passes/passes.h"

/* ---- graph building ---- */

/* A float tensor named @name of shape @dims; a constant when @data (numel floats). */
static int f32(struct ir_graph *g, const char *name, int rank, const int64_t *dims,
	       const float *data)
{
	int t = ir_graph_add_tensor(g, name);
	struct ir_tensor *tt;
	int64_t numel;

	assert_true(t >= 0);
	tt = g->tensors[t];
	tt->dtype = IR_DTYPE_FLOAT;
	tt->rank = rank;
	memcpy(tt->dims, dims, sizeof(int64_t) * (size_t)rank);
	if (data) {
		numel = ir_tensor_numel(tt);
		tt->data_size = (size_t)numel * sizeof(float);
		tt->data = malloc(tt->data_size);
		assert_non_null(tt->data);
		memcpy(tt->data, data, tt->data_size);
		assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, t), 0);
	}
	return t;
}

static int input(struct ir_graph *g, const char *name, int rank, const int64_t *dims)
{
	int t = f32(g, name, rank, dims, NULL);

	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, t), 0);
	return t;
}

static void output(struct ir_graph *g, int t)
{
	assert_int_equal(ir_index_append(&g->outputs, &g->n_outputs, t), 0);
}

static struct ir_node *node(struct ir_graph *g, const char *op, int nin, const int *in, int out)
{
	struct ir_node *n = ir_graph_add_node(g, "", op, "");

	assert_non_null(n);
	for (int i = 0; i < nin; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, out), 0);
	return n;
}

static struct ir_graph *graph(void)
{
	struct ir_graph *g = ir_graph_create();

	assert_non_null(g);
	g->opset = 13;
	return g;
}

/* Deterministic "random" floats in [-1, 1). */
static void fill(float *v, size_t n, unsigned int seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x = x * 1664525u + 1013904223u;
		v[i] = (float)((x >> 8) / 8388608.0 - 1.0);
	}
}

/* ---- the evaluator ---- */

static void apply_act(const struct ir_node *n, float *y, size_t count)
{
	assert_int_equal(ir_node_activation_apply_f32(n, y, count), 0);
}

static float bin(const char *op, float a, float b)
{
	if (!strcmp(op, "Add"))
		return a + b;
	if (!strcmp(op, "Sub"))
		return a - b;
	if (!strcmp(op, "Mul"))
		return a * b;
	return a / b;
}

/* Conv, NCHW, stride 1, no padding, one group. */
static void eval_conv(float **v, const struct ir_graph *g, const struct ir_node *n, float *y)
{
	const struct ir_tensor *tx = g->tensors[n->inputs[0]], *tw = g->tensors[n->inputs[1]];
	const float *x = v[n->inputs[0]], *w = v[n->inputs[1]];
	const float *b = n->n_inputs > 2 && n->inputs[2] >= 0 ? v[n->inputs[2]] : NULL;
	int64_t N = tx->dims[0], C = tx->dims[1], H = tx->dims[2], W = tx->dims[3];
	int64_t M = tw->dims[0], KH = tw->dims[2], KW = tw->dims[3], OH = H - KH + 1,
		OW = W - KW + 1;

	for (int64_t bn = 0; bn < N; bn++)
	for (int64_t m = 0; m < M; m++)
	for (int64_t oy = 0; oy < OH; oy++)
	for (int64_t ox = 0; ox < OW; ox++) {
		double s = b ? b[m] : 0;

		for (int64_t c = 0; c < C; c++)
			for (int64_t ky = 0; ky < KH; ky++)
				for (int64_t kx = 0; kx < KW; kx++)
					s += (double)x[((bn * C + c) * H + oy + ky) * W + ox + kx] *
					     w[((m * C + c) * KH + ky) * KW + kx];
		y[((bn * M + m) * OH + oy) * OW + ox] = (float)s;
	}
}

/* Clip @y in place: bounds from the inputs min and max (opset 11) or the attributes. */
static void eval_clip(const struct ir_node *n, float **v, float *y, size_t count)
{
	const struct ir_attr *mn = ir_node_find_attr(n, "min"), *mx = ir_node_find_attr(n, "max");
	float lo = mn ? mn->f : -INFINITY, hi = mx ? mx->f : INFINITY;

	if (n->n_inputs > 1 && n->inputs[1] >= 0)
		lo = v[n->inputs[1]][0];
	if (n->n_inputs > 2 && n->inputs[2] >= 0)
		hi = v[n->inputs[2]][0];
	for (size_t j = 0; j < count; j++)
		y[j] = y[j] < lo ? lo : y[j] > hi ? hi : y[j];
}

/* Run @g's nodes on @v (a buffer per tensor; inputs and constants set). */
static void eval(const struct ir_graph *g, float **v)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ir_node *n = g->nodes[i];
		const struct ir_tensor *to = g->tensors[n->outputs[0]];
		size_t count = (size_t)ir_tensor_numel(to);
		float *y = calloc(count, sizeof(float));
		const char *op = n->op_type;

		assert_non_null(y);
		if (!strcmp(op, "Conv")) {
			eval_conv(v, g, n, y);
		} else if (!strcmp(op, "BatchNormalization")) {
			const float *x = v[n->inputs[0]], *sc = v[n->inputs[1]], *bi = v[n->inputs[2]];
			const float *mu = v[n->inputs[3]], *var = v[n->inputs[4]];
			const struct ir_attr *e = ir_node_find_attr(n, "epsilon");
			int64_t C = to->dims[1], inner = (int64_t)count / to->dims[0] / C;

			for (size_t j = 0; j < count; j++) {
				int64_t c = ((int64_t)j / inner) % C;

				y[j] = (float)((x[j] - mu[c]) / sqrt(var[c] + (e ? e->f : 1e-5f)) *
					       sc[c] + bi[c]);
			}
		} else if (!strcmp(op, "MatMul") || !strcmp(op, "Gemm")) {
			/* B 2-D, A's leading dimensions folded into rows; C or a fused bias row */
			const struct ir_tensor *ta = g->tensors[n->inputs[0]];
			const struct ir_tensor *fb = ir_node_fused_bias(n);
			int64_t K = ta->dims[ta->rank - 1], N = to->dims[to->rank - 1];
			int64_t M = ir_tensor_numel(ta) / K;
			const float *a = v[n->inputs[0]], *b = v[n->inputs[1]];
			const float *c = n->n_inputs > 2 ? v[n->inputs[2]] : fb ? fb->data : NULL;

			for (int64_t r = 0; r < M; r++)
				for (int64_t col = 0; col < N; col++) {
					double s = c ? c[col] : 0;

					for (int64_t k = 0; k < K; k++)
						s += (double)a[r * K + k] * b[k * N + col];
					y[r * N + col] = (float)s;
				}
		} else if (!strcmp(op, "Add") || !strcmp(op, "Sub") || !strcmp(op, "Mul") ||
			   !strcmp(op, "Div")) {
			/* equal shapes, or either operand a row repeating over the other */
			size_t na = (size_t)ir_tensor_numel(g->tensors[n->inputs[0]]);
			size_t nb = (size_t)ir_tensor_numel(g->tensors[n->inputs[1]]);

			for (size_t j = 0; j < count; j++)
				y[j] = bin(op, v[n->inputs[0]][j % na], v[n->inputs[1]][j % nb]);
		} else {
			const float *x = v[n->inputs[0]];

			for (size_t j = 0; j < count; j++)
				y[j] = x[j];
			if (!strcmp(op, "Relu"))
				ir_activation_apply_f32(IR_ACTIVATION_RELU, y, count);
			else if (!strcmp(op, "Sigmoid"))
				ir_activation_apply_f32(IR_ACTIVATION_SIGMOID, y, count);
			else if (!strcmp(op, "Tanh"))
				ir_activation_apply_f32(IR_ACTIVATION_TANH, y, count);
			else if (!strcmp(op, "Clip"))
				eval_clip(n, v, y, count);
			else
				assert_string_equal(op, "Identity");
		}
		apply_act(n, y, count);
		free(v[n->outputs[0]]);
		v[n->outputs[0]] = y;
	}
}

/*
 * struct run - the graph's outputs by name, for comparing a graph before and after passes.
 */
struct run {
	size_t n;
	char *name[4];
	float *val[4];
	size_t count[4];
};

/* Evaluate @g on inputs made from @seed; its outputs into @r. */
static void run_graph(const struct ir_graph *g, unsigned int seed, struct run *r)
{
	float **v = calloc(g->n_tensors, sizeof(float *));

	assert_non_null(v);
	for (size_t i = 0; i < g->n_tensors; i++) {
		const struct ir_tensor *t = g->tensors[i];

		if (t->data) {
			v[i] = malloc(t->data_size);
			assert_non_null(v[i]);
			memcpy(v[i], t->data, t->data_size);
		}
	}
	for (size_t i = 0; i < g->n_inputs; i++) {
		size_t count = (size_t)ir_tensor_numel(g->tensors[g->inputs[i]]);

		v[g->inputs[i]] = malloc(count * sizeof(float));
		assert_non_null(v[g->inputs[i]]);
		fill(v[g->inputs[i]], count, seed + (unsigned int)i);
	}
	eval(g, v);
	memset(r, 0, sizeof(*r));
	assert_true(g->n_outputs <= 4);
	for (size_t i = 0; i < g->n_outputs; i++) {
		int t = g->outputs[i];

		r->name[i] = strdup(g->tensors[t]->name);
		r->count[i] = (size_t)ir_tensor_numel(g->tensors[t]);
		r->val[i] = malloc(r->count[i] * sizeof(float));
		assert_non_null(r->val[i]);
		memcpy(r->val[i], v[t], r->count[i] * sizeof(float));
	}
	r->n = g->n_outputs;
	for (size_t i = 0; i < g->n_tensors; i++)
		free(v[i]);
	free(v);
}

/* The same output names, in order, and values within float rounding. */
static void assert_same_outputs(const struct run *a, const struct run *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->name[i], b->name[i]);
		assert_int_equal(a->count[i], b->count[i]);
		for (size_t j = 0; j < a->count[i]; j++)
			assert_true(fabsf(a->val[i][j] - b->val[i][j]) <=
				    1e-5f + 1e-4f * fabsf(a->val[i][j]));
	}
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->name[i]);
		free(r->val[i]);
	}
}

/* Run the passes @bits on @g, checking the outputs before and after agree. */
static void passes_keep_outputs(struct ir_graph *g, unsigned int bits, struct ir_pass_report *rep)
{
	struct ir_pass_options o = { .passes = bits };
	struct run before, after;
	char err[128] = "";

	run_graph(g, 7, &before);
	assert_int_equal(ir_passes_run(g, &o, rep, err, sizeof(err)), 0);
	run_graph(g, 7, &after);
	assert_same_outputs(&before, &after);
	run_free(&before);
	run_free(&after);
}

static const char *out_name(const struct ir_graph *g, size_t i)
{
	return g->tensors[g->outputs[i]]->name;
}

/* ---- dead-node removal ---- */

static void test_dce_removes_node_reaching_no_output(void **state)
{
	int64_t d[2] = { 2, 3 };
	struct ir_graph *g = graph();
	int x = input(g, "x", 2, d), y = f32(g, "y", 2, d, NULL), z = f32(g, "z", 2, d, NULL);
	struct ir_pass_report r;

	(void)state;
	node(g, "Relu", 1, &x, y);
	node(g, "Sigmoid", 1, &x, z);
	output(g, y);
	passes_keep_outputs(g, IR_PASS_DCE, &r);
	assert_int_equal(g->n_nodes, 1);
	assert_string_equal(g->nodes[0]->op_type, "Relu");
	assert_int_equal(r.nodes_removed, 1);
	assert_int_equal(r.tensors_removed, 1);
	assert_int_equal(ir_graph_find_tensor(g, "z"), -ENOENT);
	ir_graph_destroy(g);
}

/* A chain feeding only a dead node dies with it, however long. */
static void test_dce_removes_dead_chain(void **state)
{
	int64_t d[1] = { 4 };
	struct ir_graph *g = graph();
	int x = input(g, "x", 1, d), a = f32(g, "a", 1, d, NULL), b = f32(g, "b", 1, d, NULL);
	int c = f32(g, "c", 1, d, NULL), y = f32(g, "y", 1, d, NULL);
	struct ir_pass_report r;

	(void)state;
	node(g, "Relu", 1, &x, a);
	node(g, "Tanh", 1, &a, b);
	node(g, "Sigmoid", 1, &b, c);
	node(g, "Identity", 1, &x, y);
	output(g, y);
	passes_keep_outputs(g, IR_PASS_DCE, &r);
	assert_int_equal(g->n_nodes, 1);
	assert_int_equal(r.nodes_removed, 3);
	ir_graph_destroy(g);
}

static void test_dce_drops_unused_initializers(void **state)
{
	int64_t d[1] = { 3 };
	float w[3] = { 1, 2, 3 };
	struct ir_graph *g = graph();
	int x = input(g, "x", 1, d), used = f32(g, "used", 1, d, w);
	int y = f32(g, "y", 1, d, NULL), dead_out = f32(g, "dead_out", 1, d, NULL);
	int in[2] = { x, used }, in2[2];
	struct ir_pass_report r;

	(void)state;
	f32(g, "never_read", 1, d, w);
	in2[0] = x;
	in2[1] = f32(g, "read_by_dead", 1, d, w);
	node(g, "Add", 2, in, y);
	node(g, "Mul", 2, in2, dead_out);
	output(g, y);
	passes_keep_outputs(g, IR_PASS_DCE, &r);
	assert_int_equal(r.initializers_removed, 2);
	assert_int_equal(g->n_initializers, 1);
	assert_string_equal(g->tensors[g->initializers[0]]->name, "used");
	assert_int_equal(ir_graph_find_tensor(g, "never_read"), -ENOENT);
	assert_int_equal(ir_graph_find_tensor(g, "read_by_dead"), -ENOENT);
	ir_graph_destroy(g);
}

/* Graph inputs are the signature: kept even when nothing reads them. */
static void test_dce_keeps_unused_graph_inputs(void **state)
{
	int64_t d[1] = { 2 };
	struct ir_graph *g = graph();
	int x = input(g, "x", 1, d), y = f32(g, "y", 1, d, NULL);

	(void)state;
	input(g, "unused", 1, d);
	node(g, "Relu", 1, &x, y);
	output(g, y);
	assert_int_equal(ir_pass_dce(g, NULL), 0);
	assert_int_equal(g->n_inputs, 2);
	assert_string_equal(g->tensors[g->inputs[1]]->name, "unused");
	ir_graph_destroy(g);
}

/* After tensors are dropped, every index still names the same tensor. */
static void test_dce_renumbers_every_reference(void **state)
{
	int64_t d[1] = { 2 };
	struct ir_graph *g = graph();
	int x = input(g, "x", 1, d), dead = f32(g, "dead", 1, d, NULL);
	int y, z;

	(void)state;
	node(g, "Relu", 1, &x, dead);
	y = f32(g, "y", 1, d, NULL);
	z = f32(g, "z", 1, d, NULL);
	node(g, "Tanh", 1, &x, y);
	node(g, "Sigmoid", 1, &y, z);
	output(g, z);
	output(g, y);
	assert_int_equal(ir_pass_dce(g, NULL), 0);
	assert_int_equal(g->n_tensors, 3);
	assert_string_equal(g->tensors[g->nodes[0]->outputs[0]]->name, "y");
	assert_string_equal(g->tensors[g->nodes[1]->inputs[0]]->name, "y");
	assert_string_equal(g->tensors[g->nodes[1]->outputs[0]]->name, "z");
	assert_string_equal(out_name(g, 0), "z");
	assert_string_equal(out_name(g, 1), "y");
	assert_string_equal(g->tensors[g->inputs[0]]->name, "x");
	ir_graph_destroy(g);
}

/* ---- BatchNormalization folding ---- */

/* x[1,2,4,4] -> Conv(w[3,2,2,2], b?) -> c -> BN -> y; returns the conv node. */
static struct ir_node *conv_bn(struct ir_graph *g, bool conv_bias, bool const_weights)
{
	int64_t dx[4] = { 1, 2, 4, 4 }, dw[4] = { 3, 2, 2, 2 }, dc[4] = { 1, 3, 3, 3 };
	int64_t d3[1] = { 3 };
	float w[24], b[3], sc[3], sh[3], mu[3], var[3] = { 0.5f, 1.5f, 2.0f };
	int x, wt, c, y, in[3], bn_in[5];
	struct ir_node *conv, *bn;
	struct ir_attr *eps;

	fill(w, 24, 1);
	fill(b, 3, 2);
	fill(sc, 3, 3);
	fill(sh, 3, 4);
	fill(mu, 3, 5);
	x = input(g, "x", 4, dx);
	wt = const_weights ? f32(g, "w", 4, dw, w) : input(g, "w", 4, dw);
	c = f32(g, "c", 4, dc, NULL);
	y = f32(g, "y", 4, dc, NULL);
	in[0] = x;
	in[1] = wt;
	in[2] = f32(g, "b", 1, d3, b);
	conv = node(g, "Conv", conv_bias ? 3 : 2, in, c);
	bn_in[0] = c;
	bn_in[1] = f32(g, "scale", 1, d3, sc);
	bn_in[2] = f32(g, "shift", 1, d3, sh);
	bn_in[3] = f32(g, "mean", 1, d3, mu);
	bn_in[4] = f32(g, "var", 1, d3, var);
	bn = node(g, "BatchNormalization", 5, bn_in, y);
	eps = ir_node_add_attr(bn, "epsilon", IR_ATTR_FLOAT);
	assert_non_null(eps);
	eps->f = 1e-3f;
	output(g, y);
	return conv;
}

static void test_fold_batchnorm_into_conv_keeps_values(void **state)
{
	struct ir_graph *g = graph();
	struct ir_pass_report r;

	(void)state;
	conv_bn(g, true, true);
	passes_keep_outputs(g, IR_PASS_FOLD_BATCHNORM | IR_PASS_DCE, &r);
	assert_int_equal(r.batchnorms_folded, 1);
	assert_int_equal(g->n_nodes, 1);
	assert_string_equal(g->nodes[0]->op_type, "Conv");
	assert_string_equal(out_name(g, 0), "y");
	/* old weights, old bias and the four BN parameters dropped; new weights and bias */
	assert_int_equal(r.initializers_removed, 6);
	assert_int_equal(g->n_initializers, 2);
	ir_graph_destroy(g);
}

static void test_fold_batchnorm_gives_biasless_conv_a_bias(void **state)
{
	struct ir_graph *g = graph();
	struct ir_pass_report r;

	(void)state;
	conv_bn(g, false, true);
	passes_keep_outputs(g, IR_PASS_FOLD_BATCHNORM, &r);
	assert_int_equal(r.batchnorms_folded, 1);
	assert_int_equal(g->nodes[0]->n_inputs, 3);
	assert_non_null(g->tensors[g->nodes[0]->inputs[2]]->data);
	ir_graph_destroy(g);
}

static void test_fold_batchnorm_skips_runtime_weights(void **state)
{
	struct ir_graph *g = graph();
	struct ir_pass_report r;

	(void)state;
	conv_bn(g, true, false);
	passes_keep_outputs(g, IR_PASS_FOLD_BATCHNORM, &r);
	assert_int_equal(r.batchnorms_folded, 0);
	assert_int_equal(g->n_nodes, 2);
	ir_graph_destroy(g);
}

/* The conv's output read elsewhere too: the unnormalised values are needed, no fold. */
static void test_fold_batchnorm_skips_conv_output_with_other_reader(void **state)
{
	struct ir_graph *g = graph();
	struct ir_node *conv = conv_bn(g, true, true);
	int c = conv->outputs[0], extra;
	struct ir_pass_report r;

	(void)state;
	extra = f32(g, "extra", 4, g->tensors[c]->dims, NULL);
	node(g, "Relu", 1, &c, extra);
	output(g, extra);
	passes_keep_outputs(g, IR_PASS_FOLD_BATCHNORM, &r);
	assert_int_equal(r.batchnorms_folded, 0);
	assert_int_equal(g->n_nodes, 3);
	ir_graph_destroy(g);
}

/* Weights shared with another Conv: that one keeps the original values. */
static void test_fold_batchnorm_leaves_shared_weights_intact(void **state)
{
	struct ir_graph *g = graph();
	struct ir_node *conv = conv_bn(g, true, true);
	int in[2] = { conv->inputs[0], conv->inputs[1] }, other;
	struct ir_pass_report r;

	(void)state;
	other = f32(g, "other", 4, g->tensors[conv->outputs[0]]->dims, NULL);
	node(g, "Conv", 2, in, other);
	output(g, other);
	passes_keep_outputs(g, IR_PASS_FOLD_BATCHNORM | IR_PASS_DCE, &r);
	assert_int_equal(r.batchnorms_folded, 1);
	assert_int_equal(g->n_nodes, 2);
	ir_graph_destroy(g);
}

/* ---- activation fusion ---- */

static void test_fuse_relu_into_conv(void **state)
{
	int64_t dx[4] = { 1, 1, 3, 3 }, dw[4] = { 2, 1, 2, 2 }, dy[4] = { 1, 2, 2, 2 };
	float w[8];
	struct ir_graph *g = graph();
	int in[2], c, y;
	struct ir_pass_report r;

	(void)state;
	fill(w, 8, 9);
	in[0] = input(g, "x", 4, dx);
	in[1] = f32(g, "w", 4, dw, w);
	c = f32(g, "c", 4, dy, NULL);
	y = f32(g, "y", 4, dy, NULL);
	node(g, "Conv", 2, in, c);
	node(g, "Relu", 1, &c, y);
	output(g, y);
	passes_keep_outputs(g, IR_PASS_FUSE_ACTIVATION, &r);
	assert_int_equal(r.activations_fused, 1);
	assert_int_equal(g->n_nodes, 1);
	assert_int_equal(ir_node_fused_activation(g->nodes[0]), IR_ACTIVATION_RELU);
	assert_string_equal(g->tensors[g->nodes[0]->outputs[0]]->name, "y");
	ir_graph_destroy(g);
}

/* The residual pattern: Add(x, skip) then Sigmoid. */
static void test_fuse_sigmoid_into_residual_add(void **state)
{
	int64_t d[2] = { 2, 5 };
	struct ir_graph *g = graph();
	int in[2], s, y;
	struct ir_pass_report r;

	(void)state;
	in[0] = input(g, "x", 2, d);
	in[1] = input(g, "skip", 2, d);
	s = f32(g, "s", 2, d, NULL);
	y = f32(g, "y", 2, d, NULL);
	node(g, "Add", 2, in, s);
	node(g, "Sigmoid", 1, &s, y);
	output(g, y);
	passes_keep_outputs(g, IR_PASS_FUSE_ACTIVATION, &r);
	assert_int_equal(r.activations_fused, 1);
	assert_int_equal(ir_node_fused_activation(g->nodes[0]), IR_ACTIVATION_SIGMOID);
	ir_graph_destroy(g);
}

/* Conv then Clip(c, min, max): the graph of ReLU6, bounds @lo and @hi (NULL: that input is
 * a graph input, known only at run time); opset 13, the bounds as inputs. */
static struct ir_graph *conv_clip(const float *lo, const float *hi)
{
	int64_t dx[4] = { 1, 1, 3, 3 }, dw[4] = { 2, 1, 2, 2 }, dy[4] = { 1, 2, 2, 2 };
	struct ir_graph *g = graph();
	int in[3], c, y;
	float w[8];

	fill(w, 8, 9);
	in[0] = input(g, "x", 4, dx);
	in[1] = f32(g, "w", 4, dw, w);
	c = f32(g, "c", 4, dy, NULL);
	y = f32(g, "y", 4, dy, NULL);
	node(g, "Conv", 2, in, c);
	in[0] = c;
	in[1] = lo ? f32(g, "min", 0, dx, lo) : input(g, "min", 0, dx);
	in[2] = hi ? f32(g, "max", 0, dx, hi) : input(g, "max", 0, dx);
	node(g, "Clip", 3, in, y);
	output(g, y);
	return g;
}

static void test_fuse_clip_with_constant_bounds_into_conv(void **state)
{
	const float zero = 0.0f, six = 6.0f;
	struct ir_graph *g = conv_clip(&zero, &six);
	struct ir_pass_report r;
	float lo, hi;

	(void)state;
	passes_keep_outputs(g, IR_PASS_FUSE_ACTIVATION, &r);
	assert_int_equal(r.activations_fused, 1);
	assert_int_equal(g->n_nodes, 1);
	assert_int_equal(ir_node_fused_activation(g->nodes[0]), IR_ACTIVATION_CLIP);
	assert_int_equal(ir_node_fused_clip_bounds(g->nodes[0], &lo, &hi), 0);
	assert_true(lo == 0.0f && hi == 6.0f);
	assert_string_equal(g->tensors[g->nodes[0]->outputs[0]]->name, "y");
	ir_graph_destroy(g);
}

/* A bound that is a graph input is known only at run time: no epilogue can hold it. */
static void test_clip_with_runtime_bound_is_not_fused(void **state)
{
	const float zero = 0.0f;
	struct ir_graph *g = conv_clip(&zero, NULL);
	struct ir_pass_report r;

	(void)state;
	passes_keep_outputs(g, IR_PASS_FUSE_ACTIVATION, &r);
	assert_int_equal(r.activations_fused, 0);
	assert_int_equal(g->n_nodes, 2);
	assert_int_equal(ir_node_fused_activation(g->nodes[0]), IR_ACTIVATION_NONE);
	ir_graph_destroy(g);
}

/* Before opset 11 the bounds are the attributes min and max. */
static void test_fuse_clip_attributes_before_opset_11(void **state)
{
	int64_t d[2] = { 2, 3 };
	struct ir_graph *g = graph();
	struct ir_pass_report r;
	struct ir_node *clip;
	int in[2], s, y;
	float lo, hi;

	(void)state;
	g->opset = 6;
	in[0] = input(g, "a", 2, d);
	in[1] = input(g, "b", 2, d);
	s = f32(g, "s", 2, d, NULL);
	y = f32(g, "y", 2, d, NULL);
	node(g, "Mul", 2, in, s);
	clip = node(g, "Clip", 1, &s, y);
	ir_node_add_attr(clip, "min", IR_ATTR_FLOAT)->f = -0.5f;
	ir_node_add_attr(clip, "max", IR_ATTR_FLOAT)->f = 0.25f;
	output(g, y);
	passes_keep_outputs(g, IR_PASS_FUSE_ACTIVATION, &r);
	assert_int_equal(r.activations_fused, 1);
	assert_int_equal(ir_node_fused_clip_bounds(g->nodes[0], &lo, &hi), 0);
	assert_true(lo == -0.5f && hi == 0.25f);
	ir_graph_destroy(g);
}

/* The host's epilogue: the bounds clamp, NaN goes through as ONNX's Clip lets it. */
static void test_fused_clip_epilogue_clamps_and_keeps_nan(void **state)
{
	const float zero = 0.0f, six = 6.0f;
	struct ir_graph *g = conv_clip(&zero, &six);
	float v[4] = { -1.0f, 3.0f, 7.0f, NAN };

	(void)state;
	passes_keep_outputs(g, IR_PASS_FUSE_ACTIVATION, NULL);
	assert_int_equal(ir_node_activation_apply_f32(g->nodes[0], v, 4), 0);
	assert_true(v[0] == 0.0f && v[1] == 3.0f && v[2] == 6.0f && isnan(v[3]));
	ir_graph_destroy(g);
}

/* The host interpreter runs a node with a fused Clip through its epilogue too. */
static void test_host_exec_applies_fused_clip(void **state)
{
	const float a[4] = { -3.0f, 1.0f, 4.0f, 9.0f }, b[4] = { 1.0f, 1.0f, 1.0f, 1.0f };
	const float zero = 0.0f, six = 6.0f;
	int64_t d[1] = { 4 };
	struct ir_graph *g = graph();
	struct host_values v;
	char err[160] = "";
	int in[3], s, y;
	const float *out;

	(void)state;
	in[0] = f32(g, "a", 1, d, a);
	in[1] = f32(g, "b", 1, d, b);
	s = f32(g, "s", 1, d, NULL);
	y = f32(g, "y", 1, d, NULL);
	node(g, "Add", 2, in, s);
	in[0] = s;
	in[1] = f32(g, "min", 0, d, &zero);
	in[2] = f32(g, "max", 0, d, &six);
	node(g, "Clip", 3, in, y);
	output(g, y);
	assert_int_equal(ir_pass_fuse_activation(g, NULL), 0);
	assert_int_equal(g->n_nodes, 1);
	assert_int_equal(host_values_create(g, &v), 0);
	assert_int_equal(host_exec_graph(g, &v, err, sizeof(err)), 0);
	out = v.ptr[y];
	assert_true(out[0] == 0.0f && out[1] == 2.0f && out[2] == 5.0f && out[3] == 6.0f);
	host_values_free(&v);
	ir_graph_destroy(g);
}

/* The intermediate is itself a graph output: it must still be produced, no fusion. */
static void test_fuse_activation_skips_intermediate_graph_output(void **state)
{
	int64_t d[1] = { 4 };
	struct ir_graph *g = graph();
	int in[2], s, y;
	struct ir_pass_report r;

	(void)state;
	in[0] = input(g, "a", 1, d);
	in[1] = input(g, "b", 1, d);
	s = f32(g, "s", 1, d, NULL);
	y = f32(g, "y", 1, d, NULL);
	node(g, "Mul", 2, in, s);
	node(g, "Tanh", 1, &s, y);
	output(g, y);
	output(g, s);
	passes_keep_outputs(g, IR_PASS_FUSE_ACTIVATION, &r);
	assert_int_equal(r.activations_fused, 0);
	assert_int_equal(g->n_nodes, 2);
	ir_graph_destroy(g);
}

static void test_fuse_activation_skips_intermediate_with_two_readers(void **state)
{
	int64_t d[1] = { 4 };
	struct ir_graph *g = graph();
	int in[2], s, y, z;
	struct ir_pass_report r;

	(void)state;
	in[0] = input(g, "a", 1, d);
	in[1] = input(g, "b", 1, d);
	s = f32(g, "s", 1, d, NULL);
	y = f32(g, "y", 1, d, NULL);
	z = f32(g, "z", 1, d, NULL);
	node(g, "Sub", 2, in, s);
	node(g, "Relu", 1, &s, y);
	node(g, "Tanh", 1, &s, z);
	output(g, y);
	output(g, z);
	passes_keep_outputs(g, IR_PASS_FUSE_ACTIVATION, &r);
	assert_int_equal(r.activations_fused, 0);
	assert_int_equal(g->n_nodes, 3);
	ir_graph_destroy(g);
}

/* ---- MatMul + Add -> Gemm ---- */

/* x[3,4] @ w[4,5] + bias[5] (or [1,5]); @bias_first puts the bias as Add's first operand. */
static void matmul_add(struct ir_graph *g, int a_rank, bool bias_first, int bias_rank)
{
	int64_t dx3[3] = { 2, 3, 4 }, dx[2] = { 3, 4 }, dw[2] = { 4, 5 }, dy[2] = { 3, 5 };
	int64_t dy3[3] = { 2, 3, 5 }, db[2] = { 1, 5 };
	float w[20], b[5];
	int in[2], m, y, add_in[2];

	fill(w, 20, 11);
	fill(b, 5, 12);
	in[0] = a_rank == 3 ? input(g, "x", 3, dx3) : input(g, "x", 2, dx);
	in[1] = f32(g, "w", 2, dw, w);
	m = f32(g, "m", a_rank, a_rank == 3 ? dy3 : dy, NULL);
	y = f32(g, "y", a_rank, a_rank == 3 ? dy3 : dy, NULL);
	node(g, "MatMul", 2, in, m);
	add_in[bias_first ? 1 : 0] = m;
	add_in[bias_first ? 0 : 1] = f32(g, "bias", bias_rank, bias_rank == 1 ? &db[1] : db, b);
	node(g, "Add", 2, add_in, y);
	output(g, y);
}

static void test_fuse_matmul_add_into_gemm(void **state)
{
	struct ir_graph *g = graph();
	struct ir_pass_report r;

	(void)state;
	matmul_add(g, 2, false, 1);
	passes_keep_outputs(g, IR_PASS_FUSE_MATMUL_ADD, &r);
	assert_int_equal(r.matmul_adds_fused, 1);
	assert_int_equal(g->n_nodes, 1);
	assert_string_equal(g->nodes[0]->op_type, "Gemm");
	assert_int_equal(g->nodes[0]->n_inputs, 3);
	assert_string_equal(g->tensors[g->nodes[0]->inputs[2]]->name, "bias");
	assert_string_equal(out_name(g, 0), "y");
	ir_graph_destroy(g);
}

static void test_fuse_matmul_add_bias_first_row_shaped(void **state)
{
	struct ir_graph *g = graph();
	struct ir_pass_report r;

	(void)state;
	matmul_add(g, 2, true, 2);
	passes_keep_outputs(g, IR_PASS_FUSE_MATMUL_ADD, &r);
	assert_int_equal(r.matmul_adds_fused, 1);
	assert_string_equal(g->nodes[0]->op_type, "Gemm");
	ir_graph_destroy(g);
}

/* Gemm is 2-D only: an N-D MatMul stays one, carrying the bias as accel.bias. */
static void test_fuse_matmul_add_3d_product_carries_bias(void **state)
{
	struct ir_graph *g = graph();
	const struct ir_tensor *fb;
	struct ir_pass_report r;

	(void)state;
	matmul_add(g, 3, false, 1);
	passes_keep_outputs(g, IR_PASS_FUSE_MATMUL_ADD, &r);
	assert_int_equal(r.matmul_adds_fused, 1);
	assert_int_equal(g->n_nodes, 1);
	assert_string_equal(g->nodes[0]->op_type, "MatMul");
	assert_int_equal(g->nodes[0]->n_inputs, 2);
	fb = ir_node_fused_bias(g->nodes[0]);
	assert_non_null(fb);
	assert_int_equal(fb->rank, 1);
	assert_int_equal(fb->dims[0], 5);
	assert_string_equal(out_name(g, 0), "y");
	ir_graph_destroy(g);
}

/* A bias computed at run time is no constant row: the Add stays. */
static void test_fuse_matmul_add_skips_runtime_bias(void **state)
{
	int64_t dx[2] = { 3, 4 }, dw[2] = { 4, 5 }, dy[2] = { 3, 5 }, db[1] = { 5 };
	float w[20];
	struct ir_graph *g = graph();
	int in[2], m, y;
	struct ir_pass_report r;

	(void)state;
	fill(w, 20, 13);
	in[0] = input(g, "x", 2, dx);
	in[1] = f32(g, "w", 2, dw, w);
	m = f32(g, "m", 2, dy, NULL);
	y = f32(g, "y", 2, dy, NULL);
	node(g, "MatMul", 2, in, m);
	in[0] = m;
	in[1] = input(g, "bias", 1, db);
	node(g, "Add", 2, in, y);
	output(g, y);
	passes_keep_outputs(g, IR_PASS_FUSE_MATMUL_ADD, &r);
	assert_int_equal(r.matmul_adds_fused, 0);
	assert_int_equal(g->n_nodes, 2);
	ir_graph_destroy(g);
}

/* ---- all passes together ---- */

/* A two-layer MLP: (x W1 + b1) -> Relu -> (. W2 + b2) -> Tanh, and a dead branch. */
static void test_all_passes_on_mlp(void **state)
{
	int64_t dx[2] = { 2, 6 }, dw1[2] = { 6, 8 }, db1[1] = { 8 }, dh[2] = { 2, 8 };
	int64_t dw2[2] = { 8, 3 }, db2[1] = { 3 }, dy[2] = { 2, 3 };
	float w1[48], b1[8], w2[24], b2[3];
	struct ir_graph *g = graph();
	int x, t[6], in[2];
	struct ir_pass_report r;

	(void)state;
	fill(w1, 48, 21);
	fill(b1, 8, 22);
	fill(w2, 24, 23);
	fill(b2, 3, 24);
	x = input(g, "x", 2, dx);
	in[0] = x;
	in[1] = f32(g, "w1", 2, dw1, w1);
	t[0] = f32(g, "h0", 2, dh, NULL);
	node(g, "MatMul", 2, in, t[0]);
	in[0] = t[0];
	in[1] = f32(g, "b1", 1, db1, b1);
	t[1] = f32(g, "h1", 2, dh, NULL);
	node(g, "Add", 2, in, t[1]);
	t[2] = f32(g, "h2", 2, dh, NULL);
	node(g, "Relu", 1, &t[1], t[2]);
	in[0] = t[2];
	in[1] = f32(g, "w2", 2, dw2, w2);
	t[3] = f32(g, "o0", 2, dy, NULL);
	node(g, "MatMul", 2, in, t[3]);
	in[0] = t[3];
	in[1] = f32(g, "b2", 1, db2, b2);
	t[4] = f32(g, "o1", 2, dy, NULL);
	node(g, "Add", 2, in, t[4]);
	t[5] = f32(g, "y", 2, dy, NULL);
	node(g, "Tanh", 1, &t[4], t[5]);
	in[0] = f32(g, "unused", 2, dy, NULL);
	node(g, "Sigmoid", 1, &t[3], in[0]); /* dead, but a second reader of o0 until dce */
	output(g, t[5]);
	passes_keep_outputs(g, IR_PASS_ALL, &r);
	print_message("mlp: nodes %zu -> %zu: matmul+add %zu, activations %zu, dead %zu, "
		      "initializers dropped %zu\n", r.nodes_before, r.nodes_after,
		      r.matmul_adds_fused, r.activations_fused, r.nodes_removed,
		      r.initializers_removed);
	assert_int_equal(r.nodes_before, 7);
	/* dce ran first: the dead Sigmoid no longer blocks the second MatMul + Add */
	assert_int_equal(r.matmul_adds_fused, 2);
	assert_int_equal(r.activations_fused, 2);
	assert_int_equal(r.nodes_removed, 1);
	assert_int_equal(r.nodes_after, 2);
	assert_string_equal(g->nodes[0]->op_type, "Gemm");
	assert_string_equal(g->nodes[1]->op_type, "Gemm");
	assert_int_equal(ir_node_fused_activation(g->nodes[0]), IR_ACTIVATION_RELU);
	assert_int_equal(ir_node_fused_activation(g->nodes[1]), IR_ACTIVATION_TANH);
	ir_graph_destroy(g);
}

static void test_all_passes_on_conv_bn_relu(void **state)
{
	struct ir_graph *g = graph();
	int y, z;
	struct ir_pass_report r;

	(void)state;
	conv_bn(g, true, true);
	y = g->outputs[0];
	g->n_outputs = 0;
	z = f32(g, "z", 4, g->tensors[y]->dims, NULL);
	node(g, "Relu", 1, &y, z);
	output(g, z);
	passes_keep_outputs(g, IR_PASS_ALL, &r);
	print_message("conv+bn+relu: nodes %zu -> %zu: bn folded %zu, activations %zu, "
		      "initializers dropped %zu, tensors dropped %zu\n", r.nodes_before,
		      r.nodes_after, r.batchnorms_folded, r.activations_fused,
		      r.initializers_removed, r.tensors_removed);
	assert_int_equal(r.nodes_after, 1);
	assert_int_equal(r.batchnorms_folded, 1);
	assert_int_equal(r.activations_fused, 1);
	assert_int_equal(ir_node_fused_activation(g->nodes[0]), IR_ACTIVATION_RELU);
	assert_string_equal(out_name(g, 0), "z");
	ir_graph_destroy(g);
}

/* ---- the fused-activation attribute ---- */

static void test_unknown_fused_activation_is_einval(void **state)
{
	struct ir_graph *g = graph();
	struct ir_node *n = ir_graph_add_node(g, "", "Add", "");
	struct ir_attr *a;

	(void)state;
	assert_int_equal(ir_node_fused_activation(n), IR_ACTIVATION_NONE);
	a = ir_node_add_attr(n, IR_ATTR_FUSED_ACTIVATION, IR_ATTR_STRING);
	assert_non_null(a);
	a->s = strdup("Softplus");
	assert_non_null(a->s);
	a->len = 8;
	assert_int_equal(ir_node_fused_activation(n), -EINVAL);
	ir_graph_destroy(g);
}

/* ---- what the code generator makes of it ---- */

/* The packets of opcode @op in @p: how many, and a copy of the last one in @out. */
static int find_packets(const struct vnpu_prog *p, uint16_t op, void *out, size_t size)
{
	int count = 0;

	for (size_t off = 0; off < p->len;) {
		struct vnpu_pkt_header h;

		memcpy(&h, p->stream + off, sizeof(h));
		if (h.opcode == op) {
			count++;
			memcpy(out, p->stream + off, size);
		}
		off += (size_t)h.length * 4;
	}
	return count;
}

static struct vnpu_prog *lower(struct ir_graph *g)
{
	struct vnpu_prog *p = NULL;
	char err[160] = "";

	assert_int_equal(ir_passes_run(g, NULL, NULL, err, sizeof(err)), 0);
	if (codegen_vnpu(g, &p, err, sizeof(err)))
		fail_msg("codegen: %s", err);
	return p;
}

static void test_codegen_conv_fused_relu_is_conv2d_epilogue(void **state)
{
	struct ir_graph *g = graph();
	struct vnpu_pkt_conv2d conv;
	struct vnpu_pkt_activation act;
	struct vnpu_prog *p;
	int y, z;

	(void)state;
	conv_bn(g, true, true);
	y = g->outputs[0];
	g->n_outputs = 0;
	z = f32(g, "z", 4, g->tensors[y]->dims, NULL);
	node(g, "Relu", 1, &y, z);
	output(g, z);
	p = lower(g);
	assert_int_equal(find_packets(p, VNPU_OP_CONV2D, &conv, sizeof(conv)), 1);
	assert_int_equal(conv.act, VNPU_ACT_RELU);
	assert_int_equal(find_packets(p, VNPU_OP_ACTIVATION, &act, sizeof(act)), 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_codegen_gemm_fused_tanh_is_matmul_epilogue(void **state)
{
	struct ir_graph *g = graph();
	struct vnpu_pkt_matmul mm;
	struct vnpu_prog *p;
	int y, z;

	(void)state;
	matmul_add(g, 2, false, 1);
	y = g->outputs[0];
	g->n_outputs = 0;
	z = f32(g, "z", 2, g->tensors[y]->dims, NULL);
	node(g, "Tanh", 1, &y, z);
	output(g, z);
	p = lower(g);
	assert_int_equal(find_packets(p, VNPU_OP_MATMUL, &mm, sizeof(mm)), 1);
	assert_int_equal(mm.act, VNPU_ACT_TANH);
	assert_true(mm.hdr.flags & VNPU_MATMUL_F_BIAS);
	assert_int_equal(p->n_packets, 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* An N-D MatMul + bias + Relu: one MATMUL with the bias and the activation as epilogues. */
static void test_codegen_matmul_fused_bias_and_relu_is_one_packet(void **state)
{
	struct ir_graph *g = graph();
	struct vnpu_pkt_matmul mm;
	struct vnpu_prog *p;
	int y, z;

	(void)state;
	matmul_add(g, 3, true, 2);
	y = g->outputs[0];
	g->n_outputs = 0;
	z = f32(g, "z", 3, g->tensors[y]->dims, NULL);
	node(g, "Relu", 1, &y, z);
	output(g, z);
	p = lower(g);
	assert_int_equal(p->n_packets, 1);
	assert_int_equal(find_packets(p, VNPU_OP_MATMUL, &mm, sizeof(mm)), 1);
	assert_true(mm.hdr.flags & VNPU_MATMUL_F_BIAS);
	assert_int_equal(mm.act, VNPU_ACT_RELU);
	assert_int_equal(mm.m, 6);
	assert_int_equal(mm.n, 5);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_codegen_add_fused_relu_is_binary_epilogue(void **state)
{
	int64_t d[2] = { 2, 5 };
	struct ir_graph *g = graph();
	struct vnpu_pkt_binary b;
	struct vnpu_prog *p;
	int in[2], s, y;

	(void)state;
	in[0] = input(g, "x", 2, d);
	in[1] = input(g, "skip", 2, d);
	s = f32(g, "s", 2, d, NULL);
	y = f32(g, "y", 2, d, NULL);
	node(g, "Add", 2, in, s);
	node(g, "Relu", 1, &s, y);
	output(g, y);
	p = lower(g);
	assert_int_equal(find_packets(p, VNPU_OP_BINARY, &b, sizeof(b)), 1);
	assert_int_equal(b.op, VNPU_BINARY_ADD);
	assert_int_equal(b.act, VNPU_ACT_RELU);
	assert_int_equal(b.hdr.length * 4, sizeof(b));
	assert_int_equal(p->n_packets, 1);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* ReLU6 after a Conv is the CONV2D's CLIP epilogue, its bounds in the packet: no pass of its own. */
static void test_codegen_conv_fused_clip_is_conv2d_epilogue(void **state)
{
	const float zero = 0.0f, six = 6.0f;
	struct ir_graph *g = conv_clip(&zero, &six);
	struct vnpu_pkt_conv2d conv;
	struct vnpu_pkt_binary b;
	struct vnpu_prog *p;
	float lo, hi;

	(void)state;
	p = lower(g);
	assert_int_equal(find_packets(p, VNPU_OP_CONV2D, &conv, sizeof(conv)), 1);
	assert_int_equal(conv.act, VNPU_ACT_CLIP);
	memcpy(&lo, &conv.act_alpha, sizeof(lo));
	memcpy(&hi, &conv.act_beta, sizeof(hi));
	assert_true(lo == 0.0f && hi == 6.0f);
	assert_int_equal(find_packets(p, VNPU_OP_BINARY, &b, sizeof(b)), 0);
	assert_int_equal(find_packets(p, VNPU_OP_UNARY, &b, sizeof(b)), 0);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

static void test_codegen_div_is_binary_div(void **state)
{
	int64_t d[2] = { 3, 4 }, db[1] = { 4 };
	float b[4] = { 1, 2, 4, 8 };
	struct ir_graph *g = graph();
	struct vnpu_pkt_binary pb;
	struct vnpu_prog *p;
	int in[2], y;

	(void)state;
	in[0] = input(g, "x", 2, d);
	in[1] = f32(g, "b", 1, db, b);
	y = f32(g, "y", 2, d, NULL);
	node(g, "Div", 2, in, y);
	output(g, y);
	p = lower(g);
	assert_int_equal(find_packets(p, VNPU_OP_BINARY, &pb, sizeof(pb)), 1);
	assert_int_equal(pb.op, VNPU_BINARY_DIV);
	assert_int_equal(pb.act, VNPU_ACT_NONE);
	assert_int_equal(pb.rows, 3);
	assert_int_equal(pb.cols, 4);
	assert_true(pb.hdr.flags & VNPU_BINARY_F_BCAST_ROW);
	codegen_vnpu_free(p);
	ir_graph_destroy(g);
}

/* A fused activation the code generator does not know is refused, never dropped. */
static void test_codegen_refuses_unknown_fused_activation(void **state)
{
	int64_t d[1] = { 4 };
	struct ir_graph *g = graph();
	struct vnpu_prog *p = NULL;
	struct ir_node *n;
	struct ir_attr *a;
	char err[160] = "";
	int in[2], y;

	(void)state;
	in[0] = input(g, "a", 1, d);
	in[1] = input(g, "b", 1, d);
	y = f32(g, "y", 1, d, NULL);
	n = node(g, "Mul", 2, in, y);
	output(g, y);
	a = ir_node_add_attr(n, IR_ATTR_FUSED_ACTIVATION, IR_ATTR_STRING);
	assert_non_null(a);
	a->s = strdup("Elu");
	assert_non_null(a->s);
	a->len = 3;
	assert_int_equal(codegen_vnpu(g, &p, err, sizeof(err)), -EOPNOTSUPP);
	assert_null(p);
	assert_non_null(strstr(err, "fused activation"));
	ir_graph_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dce_removes_node_reaching_no_output),
		cmocka_unit_test(test_dce_removes_dead_chain),
		cmocka_unit_test(test_dce_drops_unused_initializers),
		cmocka_unit_test(test_dce_keeps_unused_graph_inputs),
		cmocka_unit_test(test_dce_renumbers_every_reference),
		cmocka_unit_test(test_fold_batchnorm_into_conv_keeps_values),
		cmocka_unit_test(test_fold_batchnorm_gives_biasless_conv_a_bias),
		cmocka_unit_test(test_fold_batchnorm_skips_runtime_weights),
		cmocka_unit_test(test_fold_batchnorm_skips_conv_output_with_other_reader),
		cmocka_unit_test(test_fold_batchnorm_leaves_shared_weights_intact),
		cmocka_unit_test(test_fuse_relu_into_conv),
		cmocka_unit_test(test_fuse_sigmoid_into_residual_add),
		cmocka_unit_test(test_fuse_clip_with_constant_bounds_into_conv),
		cmocka_unit_test(test_clip_with_runtime_bound_is_not_fused),
		cmocka_unit_test(test_fuse_clip_attributes_before_opset_11),
		cmocka_unit_test(test_fused_clip_epilogue_clamps_and_keeps_nan),
		cmocka_unit_test(test_host_exec_applies_fused_clip),
		cmocka_unit_test(test_fuse_activation_skips_intermediate_graph_output),
		cmocka_unit_test(test_fuse_activation_skips_intermediate_with_two_readers),
		cmocka_unit_test(test_fuse_matmul_add_into_gemm),
		cmocka_unit_test(test_fuse_matmul_add_bias_first_row_shaped),
		cmocka_unit_test(test_fuse_matmul_add_3d_product_carries_bias),
		cmocka_unit_test(test_fuse_matmul_add_skips_runtime_bias),
		cmocka_unit_test(test_all_passes_on_mlp),
		cmocka_unit_test(test_all_passes_on_conv_bn_relu),
		cmocka_unit_test(test_unknown_fused_activation_is_einval),
		cmocka_unit_test(test_codegen_conv_fused_relu_is_conv2d_epilogue),
		cmocka_unit_test(test_codegen_gemm_fused_tanh_is_matmul_epilogue),
		cmocka_unit_test(test_codegen_matmul_fused_bias_and_relu_is_one_packet),
		cmocka_unit_test(test_codegen_add_fused_relu_is_binary_epilogue),
		cmocka_unit_test(test_codegen_div_is_binary_div),
		cmocka_unit_test(test_codegen_conv_fused_clip_is_conv2d_epilogue),
		cmocka_unit_test(test_codegen_refuses_unknown_fused_activation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
