// SPDX-License-Identifier: MIT
/*
 * The tensor-layout op family (compiler/ops/tensor*.c): every ONNX node test of its ops on the
 * host interpreter, the attribute forms of older opsets on graphs built here, and inference's
 * refusals. One behaviour per test.
 *
 * The node tests feed a Reshape's shape, a Slice's starts, a Resize's scales... as graph
 * inputs; the compiler's shapes are static, so such values must be constants. bound_check()
 * rewrites a test's model with those inputs (from index @first on) turned into initializers
 * holding the test's input values, as a deployed model has them, then runs it as it is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compiler/host_exec.h"
#include "compiler/op.h"
#include "compiler/shape_infer.h"
#include "onnx.pb-c.h"
#include "testdata_host.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_ops_tensor_XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

/* The whole of file @path (malloc'd) into *@buf, or NULL. */
static void *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc(n ? n : 1);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static int write_all(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(buf, 1, len, f) == len;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -EIO;
}

static int copy_file(const char *from, const char *to)
{
	size_t len;
	void *buf = read_all(from, &len);
	int ret;

	if (!buf)
		return -ENOENT;
	ret = write_all(to, buf, len);
	free(buf);
	return ret;
}

/*
 * Node test @name with graph inputs @first.. made initializers of their test values: written
 * as a test directory under tmpdir (the remaining inputs renumbered), then
 * testdata_host_check()ed and removed. Return: testdata_host_check()'s, or -errno.
 */
static int bound_check(const char *name, size_t first, char *err, size_t err_len)
{
	char src[4096], dst[4096], data[4096];
	Onnx__ModelProto *mp = NULL;
	size_t len, n_in = 0, kept = 0;
	void *buf;
	int ret = -EINVAL;

	snprintf(src, sizeof(src), "%s/node/%s/model.onnx", ONNX_TESTDATA_DIR, name);
	buf = read_all(src, &len);
	snprintf(err, err_len, "cannot rewrite %s", name);
	snprintf(data, sizeof(data), "%s/test_data_set_0", tmpdir);
	if (!buf || mkdir(data, 0700))
		goto out;
	mp = onnx__model_proto__unpack(NULL, len, buf);
	free(buf);
	buf = NULL;
	if (!mp || !mp->graph)
		goto out;
	n_in = mp->graph->n_input;
	for (size_t i = 0; i < n_in; i++) {
		snprintf(src, sizeof(src), "%s/node/%s/test_data_set_0/input_%zu.pb", ONNX_TESTDATA_DIR,
			 name, i);
		if (i < first) {
			snprintf(dst, sizeof(dst), "%s/input_%zu.pb", data, kept++);
			if (copy_file(src, dst))
				goto out;
		} else {
			Onnx__TensorProto *tp, **grown;
			void *raw = read_all(src, &len);

			tp = raw ? onnx__tensor_proto__unpack(NULL, len, raw) : NULL;
			free(raw);
			grown = tp ? realloc(mp->graph->initializer,
					     (mp->graph->n_initializer + 1) * sizeof(*grown)) : NULL;
			if (!grown) {
				if (tp)
					onnx__tensor_proto__free_unpacked(tp, NULL);
				goto out;
			}
			free(tp->name);
			tp->name = strdup(mp->graph->input[i]->name);
			mp->graph->initializer = grown;
			grown[mp->graph->n_initializer++] = tp;
			if (!tp->name)
				goto out;
		}
	}
	for (size_t i = 0; i < 16; i++) {
		snprintf(src, sizeof(src), "%s/node/%s/test_data_set_0/output_%zu.pb",
			 ONNX_TESTDATA_DIR, name, i);
		snprintf(dst, sizeof(dst), "%s/output_%zu.pb", data, i);
		if (access(src, F_OK))
			break;
		if (copy_file(src, dst))
			goto out;
	}
	len = onnx__model_proto__get_packed_size(mp);
	buf = malloc(len ? len : 1);
	snprintf(dst, sizeof(dst), "%s/model.onnx", tmpdir);
	if (!buf || write_all(dst, buf, onnx__model_proto__pack(mp, buf)))
		goto out;
	ret = testdata_host_check(tmpdir, err, err_len);
out:
	free(buf);
	if (mp)
		onnx__model_proto__free_unpacked(mp, NULL);
	for (size_t i = 0; i < 16; i++) {
		snprintf(dst, sizeof(dst), "%s/input_%zu.pb", data, i);
		unlink(dst);
		snprintf(dst, sizeof(dst), "%s/output_%zu.pb", data, i);
		unlink(dst);
	}
	snprintf(dst, sizeof(dst), "%s/model.onnx", tmpdir);
	unlink(dst);
	rmdir(data);
	return ret;
}

/* bound_check() each of @names (NULL-terminated); prints each failure. Return: the failures. */
static int bound_check_list(const char *const *names, size_t first)
{
	char err[512];
	int failed = 0;

	for (size_t i = 0; names[i]; i++) {
		int ret = bound_check(names[i], first, err, sizeof(err));

		if (ret) {
			printf("# node/%s: %s (%d)\n", names[i], err, ret);
			failed++;
		}
	}
	return failed;
}

/* ---- The node tests ---- */

static void test_node_reshape(void **state)
{
	static const char *const names[] = {
		"test_reshape_allowzero_reordered", "test_reshape_extended_dims",
		"test_reshape_negative_dim", "test_reshape_negative_extended_dims",
		"test_reshape_one_dim", "test_reshape_reduced_dims",
		"test_reshape_reordered_all_dims", "test_reshape_reordered_last_dims",
		"test_reshape_zero_and_negative_dim", "test_reshape_zero_dim", NULL,
	};

	(void)state;
	assert_int_equal(bound_check_list(names, 1), 0);
}

static void test_node_flatten(void **state)
{
	static const char *const names[] = {
		"test_flatten_axis0", "test_flatten_axis1", "test_flatten_axis2",
		"test_flatten_axis3", "test_flatten_default_axis", "test_flatten_negative_axis1",
		"test_flatten_negative_axis2", "test_flatten_negative_axis3",
		"test_flatten_negative_axis4", NULL,
	};

	(void)state;
	assert_int_equal(testdata_host_check_list("node", names), 0);
}

static void test_node_squeeze_unsqueeze(void **state)
{
	static const char *const names[] = {
		"test_squeeze", "test_squeeze_negative_axes", "test_unsqueeze_axis_0",
		"test_unsqueeze_axis_1", "test_unsqueeze_axis_2", "test_unsqueeze_axis_3",
		"test_unsqueeze_negative_axes", "test_unsqueeze_three_axes",
		"test_unsqueeze_two_axes", "test_unsqueeze_unsorted_axes", NULL,
	};

	(void)state;
	assert_int_equal(bound_check_list(names, 1), 0);
}

static void test_node_transpose(void **state)
{
	static const char *const names[] = {
		"test_transpose_all_permutations_0", "test_transpose_all_permutations_1",
		"test_transpose_all_permutations_2", "test_transpose_all_permutations_3",
		"test_transpose_all_permutations_4", "test_transpose_all_permutations_5",
		"test_transpose_default", NULL,
	};

	(void)state;
	assert_int_equal(testdata_host_check_list("node", names), 0);
}

static void test_node_concat(void **state)
{
	static const char *const names[] = {
		"test_concat_1d_axis_0", "test_concat_1d_axis_negative_1", "test_concat_2d_axis_0",
		"test_concat_2d_axis_1", "test_concat_2d_axis_negative_1",
		"test_concat_2d_axis_negative_2", "test_concat_3d_axis_0", "test_concat_3d_axis_1",
		"test_concat_3d_axis_2", "test_concat_3d_axis_negative_1",
		"test_concat_3d_axis_negative_2", "test_concat_3d_axis_negative_3", NULL,
	};

	(void)state;
	assert_int_equal(testdata_host_check_list("node", names), 0);
}

static void test_node_split(void **state)
{
	static const char *const names[] = {
		"test_split_equal_parts_1d", "test_split_equal_parts_2d",
		"test_split_equal_parts_default_axis", "test_split_variable_parts_1d",
		"test_split_variable_parts_2d", "test_split_variable_parts_default_axis",
		"test_split_zero_size_splits", NULL,
	};

	(void)state;
	assert_int_equal(bound_check_list(names, 1), 0);
}

static void test_node_slice(void **state)
{
	static const char *const names[] = {
		"test_slice", "test_slice_default_axes", "test_slice_default_steps",
		"test_slice_end_out_of_bounds", "test_slice_neg", "test_slice_neg_steps",
		"test_slice_negative_axes", "test_slice_start_out_of_bounds", NULL,
	};

	(void)state;
	assert_int_equal(bound_check_list(names, 1), 0);
}

static void test_node_pad(void **state)
{
	static const char *const names[] = {
		"test_constant_pad", "test_edge_pad", "test_reflect_pad", NULL,
	};

	(void)state;
	assert_int_equal(bound_check_list(names, 1), 0);
}

static void test_node_tile_expand(void **state)
{
	static const char *const names[] = {
		"test_tile", "test_tile_precomputed", "test_expand_dim_changed",
		"test_expand_dim_unchanged", NULL,
	};

	(void)state;
	assert_int_equal(bound_check_list(names, 1), 0);
}

static void test_node_constant_shape_size(void **state)
{
	static const char *const names[] = {
		"test_constant", "test_shape", "test_shape_clip_end", "test_shape_clip_start",
		"test_shape_end_1", "test_shape_end_negative_1", "test_shape_example",
		"test_shape_start_1", "test_shape_start_1_end_2", "test_shape_start_1_end_negative_1",
		"test_shape_start_negative_1", "test_size", "test_size_example", NULL,
	};

	(void)state;
	assert_int_equal(testdata_host_check_list("node", names), 0);
}

static void test_node_constant_of_shape_range(void **state)
{
	static const char *const names[] = {
		"test_constantofshape_float_ones", "test_constantofshape_int_shape_zero",
		"test_constantofshape_int_zeros", "test_range_float_type_positive_delta",
		"test_range_int32_type_negative_delta", NULL,
	};

	(void)state;
	assert_int_equal(bound_check_list(names, 0), 0);
}

static void test_node_trilu(void **state)
{
	static const char *const names[] = {
		"test_tril", "test_tril_neg", "test_tril_one_row_neg", "test_tril_out_neg",
		"test_tril_out_pos", "test_tril_pos", "test_tril_square", "test_tril_square_neg",
		"test_tril_zero", "test_triu", "test_triu_neg", "test_triu_one_row",
		"test_triu_out_neg_out", "test_triu_out_pos", "test_triu_pos", "test_triu_square",
		"test_triu_square_neg", "test_triu_zero", NULL,
	};

	(void)state;
	assert_int_equal(testdata_host_check_list("node", names), 0);
}

static void test_node_eyelike(void **state)
{
	static const char *const names[] = {
		"test_eyelike_populate_off_main_diagonal", "test_eyelike_with_dtype",
		"test_eyelike_without_dtype", NULL,
	};

	(void)state;
	assert_int_equal(testdata_host_check_list("node", names), 0);
}

static void test_node_depth_space(void **state)
{
	static const char *const names[] = {
		"test_depthtospace_crd_mode", "test_depthtospace_crd_mode_example",
		"test_depthtospace_dcr_mode", "test_depthtospace_example", "test_spacetodepth",
		"test_spacetodepth_example", NULL,
	};

	(void)state;
	assert_int_equal(testdata_host_check_list("node", names), 0);
}

static void test_node_resize(void **state)
{
	static const char *const names[] = {
		"test_resize_downsample_scales_cubic",
		"test_resize_downsample_scales_cubic_A_n0p5_exclude_outside",
		"test_resize_downsample_scales_cubic_align_corners",
		"test_resize_downsample_scales_linear",
		"test_resize_downsample_scales_linear_align_corners",
		"test_resize_downsample_scales_nearest", "test_resize_downsample_sizes_cubic",
		"test_resize_downsample_sizes_linear_pytorch_half_pixel",
		"test_resize_downsample_sizes_nearest",
		"test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn",
		"test_resize_tf_crop_and_resize", "test_resize_upsample_scales_cubic",
		"test_resize_upsample_scales_cubic_A_n0p5_exclude_outside",
		"test_resize_upsample_scales_cubic_align_corners",
		"test_resize_upsample_scales_cubic_asymmetric", "test_resize_upsample_scales_linear",
		"test_resize_upsample_scales_linear_align_corners",
		"test_resize_upsample_scales_nearest", "test_resize_upsample_sizes_cubic",
		"test_resize_upsample_sizes_nearest", "test_resize_upsample_sizes_nearest_ceil_half_pixel",
		"test_resize_upsample_sizes_nearest_floor_align_corners",
		"test_resize_upsample_sizes_nearest_round_prefer_ceil_asymmetric", NULL,
	};

	(void)state;
	assert_int_equal(bound_check_list(names, 1), 0);
}

static void test_node_upsample(void **state)
{
	static const char *const names[] = { "test_upsample_nearest", NULL };

	(void)state;
	assert_int_equal(bound_check_list(names, 1), 0);
}

/* ---- Graphs built here: the forms of older opsets, types, and inference's refusals ---- */

/* Tensor @name of @dt and @dims in @g; @data (copied) makes it a constant. Return: its index. */
static int add_tensor(struct ir_graph *g, const char *name, enum ir_dtype dt, int rank,
		      const int64_t *dims, const void *data)
{
	int t = ir_graph_add_tensor(g, name);
	struct ir_tensor *x;

	assert_true(t >= 0);
	x = g->tensors[t];
	x->dtype = dt;
	x->rank = rank;
	if (rank)
		memcpy(x->dims, dims, rank * sizeof(*dims));
	if (data) {
		x->data_size = (size_t)ir_tensor_numel(x) * ir_dtype_size(dt);
		x->data = malloc(x->data_size ? x->data_size : 1);
		assert_non_null(x->data);
		memcpy(x->data, data, x->data_size);
	}
	return t;
}

/* A node of @op in a graph of @opset: inputs @ins (-1: omitted), outputs "y0", "y1"... */
static struct ir_node *add_node(struct ir_graph *g, int64_t opset, const char *op,
				const int *ins, size_t n_in, size_t n_out)
{
	struct ir_node *n = ir_graph_add_node(g, "n", op, "");

	assert_non_null(n);
	g->opset = opset;
	for (size_t i = 0; i < n_in; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, ins[i]), 0);
	for (size_t i = 0; i < n_out; i++) {
		char name[16];
		int t;

		snprintf(name, sizeof(name), "y%zu", i);
		t = ir_graph_add_tensor(g, name);
		assert_true(t >= 0);
		assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, t), 0);
	}
	return n;
}

static void attr_int(struct ir_node *n, const char *name, int64_t v)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_INT);

	assert_non_null(a);
	a->i = v;
}

static void attr_float(struct ir_node *n, const char *name, float v)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_FLOAT);

	assert_non_null(a);
	a->f = v;
}

static void attr_ints(struct ir_node *n, const char *name, const int64_t *v, size_t len)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_INTS);

	assert_non_null(a);
	a->ints = malloc(len * sizeof(*v) + 1);
	assert_non_null(a->ints);
	memcpy(a->ints, v, len * sizeof(*v));
	a->len = len;
}

static void attr_floats(struct ir_node *n, const char *name, const float *v, size_t len)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_FLOATS);

	assert_non_null(a);
	a->floats = malloc(len * sizeof(*v) + 1);
	assert_non_null(a->floats);
	memcpy(a->floats, v, len * sizeof(*v));
	a->len = len;
}

static void attr_str(struct ir_node *n, const char *name, const char *v)
{
	struct ir_attr *a = ir_node_add_attr(n, name, IR_ATTR_STRING);

	assert_non_null(a);
	a->s = strdup(v);
	assert_non_null(a->s);
	a->len = strlen(v);
}

/* Infer @g, run it on the host (every input a constant) and compare output @o with @want. */
static void run_and_expect(struct ir_graph *g, size_t o, enum ir_dtype dt, int rank,
			   const int64_t *dims, const void *want)
{
	const struct ir_node *n = g->nodes[0];
	const struct ir_tensor *y = g->tensors[n->outputs[o]];
	struct host_values v;
	char err[512] = "";

	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), 0);
	assert_int_equal(y->dtype, dt);
	assert_int_equal(y->rank, rank);
	assert_memory_equal(y->dims, dims, rank * sizeof(*dims));
	assert_int_equal(host_values_create(g, &v), 0);
	assert_int_equal(host_exec_graph(g, &v, err, sizeof(err)), 0);
	assert_memory_equal(v.ptr[n->outputs[o]], want, (size_t)ir_tensor_numel(y) * ir_dtype_size(dt));
	host_values_free(&v);
	ir_graph_destroy(g);
}

/* Infer @g and return the errno (the graph is destroyed). */
static int infer_errno(struct ir_graph *g)
{
	char err[512] = "";
	int ret = ir_infer_shapes(g, err, sizeof(err));

	if (ret)
		printf("# %s\n", err);
	ir_graph_destroy(g);
	return ret;
}

static void test_slice_opset9_takes_attributes(void **state)
{
	static const int32_t x[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	static const int64_t starts[] = { 0, 1 }, ends[] = { 2, -1 }, axes[] = { 0, 1 };
	static const int32_t want[] = { 1, 2, 5, 6 };
	struct ir_graph *g = ir_graph_create();
	int in;
	struct ir_node *n;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_INT32, 2, (int64_t[]){ 3, 4 }, x);
	n = add_node(g, 9, "Slice", &in, 1, 1);
	attr_ints(n, "starts", starts, 2);
	attr_ints(n, "ends", ends, 2);
	attr_ints(n, "axes", axes, 2);
	run_and_expect(g, 0, IR_DTYPE_INT32, 2, (int64_t[]){ 2, 2 }, want);
}

static void test_pad_opset2_takes_pads_and_value_attributes(void **state)
{
	static const float x[] = { 1, 2 }, want[] = { 9.5f, 1, 2, 9.5f, 9.5f };
	static const int64_t pads[] = { 0, 1, 0, 2 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, (int64_t[]){ 1, 2 }, x);
	n = add_node(g, 2, "Pad", &in, 1, 1);
	attr_ints(n, "pads", pads, 4);
	attr_float(n, "value", 9.5f);
	run_and_expect(g, 0, IR_DTYPE_FLOAT, 2, (int64_t[]){ 1, 5 }, want);
}

static void test_pad_reflect_repeats_beyond_one_reflection(void **state)
{
	static const int64_t x[] = { 1, 2, 3 }, pads[] = { 4, 1 }, want[] = { 1, 2, 3, 2, 1, 2, 3, 2 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_INT64, 1, (int64_t[]){ 3 }, x);
	in[1] = add_tensor(g, "pads", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, pads);
	n = add_node(g, 13, "Pad", in, 2, 1);
	attr_str(n, "mode", "reflect");
	run_and_expect(g, 0, IR_DTYPE_INT64, 1, (int64_t[]){ 8 }, want);
}

static void test_pad_constant_value_input_of_int8(void **state)
{
	static const int8_t x[] = { 5, 6 }, value = -3, want[] = { -3, 5, 6 };
	static const int64_t pads[] = { 1, 0 };
	struct ir_graph *g = ir_graph_create();
	int in[3];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_INT8, 1, (int64_t[]){ 2 }, x);
	in[1] = add_tensor(g, "pads", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, pads);
	in[2] = add_tensor(g, "v", IR_DTYPE_INT8, 0, NULL, &value);
	add_node(g, 13, "Pad", in, 3, 1);
	run_and_expect(g, 0, IR_DTYPE_INT8, 1, (int64_t[]){ 3 }, want);
}

static void test_split_opset11_takes_split_attribute(void **state)
{
	static const int64_t x[] = { 7, 8, 9 }, split[] = { 1, 2 }, want1[] = { 8, 9 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_INT64, 1, (int64_t[]){ 3 }, x);
	n = add_node(g, 11, "Split", &in, 1, 2);
	attr_ints(n, "split", split, 2);
	run_and_expect(g, 1, IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, want1);
}

static void test_concat_before_opset4_defaults_to_axis_1(void **state)
{
	static const float a[] = { 1, 2 }, b[] = { 3, 4 }, want[] = { 1, 3, 2, 4 };
	struct ir_graph *g = ir_graph_create();
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "a", IR_DTYPE_FLOAT, 2, (int64_t[]){ 2, 1 }, a);
	in[1] = add_tensor(g, "b", IR_DTYPE_FLOAT, 2, (int64_t[]){ 2, 1 }, b);
	add_node(g, 3, "Concat", in, 2, 1);
	run_and_expect(g, 0, IR_DTYPE_FLOAT, 2, (int64_t[]){ 2, 2 }, want);
}

static void test_reshape_opset4_takes_shape_attribute(void **state)
{
	static const uint8_t x[] = { 1, 2, 3, 4 };
	static const int64_t shape[] = { 2, -1 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_UINT8, 1, (int64_t[]){ 4 }, x);
	n = add_node(g, 4, "Reshape", &in, 1, 1);
	attr_ints(n, "shape", shape, 2);
	run_and_expect(g, 0, IR_DTYPE_UINT8, 2, (int64_t[]){ 2, 2 }, x);
}

static void test_squeeze_opset11_takes_axes_attribute(void **state)
{
	static const uint8_t x[] = { 1, 0, 1 };
	static const int64_t axes[] = { -1 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_BOOL, 3, (int64_t[]){ 1, 3, 1 }, x);
	n = add_node(g, 11, "Squeeze", &in, 1, 1);
	attr_ints(n, "axes", axes, 1);
	run_and_expect(g, 0, IR_DTYPE_BOOL, 2, (int64_t[]){ 1, 3 }, x);
}

static void test_upsample_opset7_takes_scales_attribute(void **state)
{
	static const float x[] = { 1, 2, 3, 4 }, scales[] = { 1, 2 };
	static const float want[] = { 1, 1, 2, 2, 3, 3, 4, 4 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, (int64_t[]){ 2, 2 }, x);
	n = add_node(g, 7, "Upsample", &in, 1, 1);
	attr_floats(n, "scales", scales, 2);
	run_and_expect(g, 0, IR_DTYPE_FLOAT, 2, (int64_t[]){ 2, 4 }, want);
}

static void test_resize_opset10_linear_is_asymmetric(void **state)
{
	static const float x[] = { 0, 4 }, scales[] = { 1, 2 }, want[] = { 0, 2, 4, 4 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, (int64_t[]){ 1, 2 }, x);
	in[1] = add_tensor(g, "scales", IR_DTYPE_FLOAT, 1, (int64_t[]){ 2 }, scales);
	n = add_node(g, 10, "Resize", in, 2, 1);
	attr_str(n, "mode", "linear");
	run_and_expect(g, 0, IR_DTYPE_FLOAT, 2, (int64_t[]){ 1, 4 }, want);
}

static void test_resize_nearest_of_uint8_by_sizes(void **state)
{
	static const uint8_t x[] = { 10, 20, 30 }, want[] = { 10, 10, 20, 20, 30, 30 };
	static const int64_t sizes[] = { 1, 6 };
	struct ir_graph *g = ir_graph_create();
	int in[4];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_UINT8, 2, (int64_t[]){ 1, 3 }, x);
	in[1] = in[2] = -1;
	in[3] = add_tensor(g, "sizes", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, sizes);
	add_node(g, 13, "Resize", in, 4, 1);
	run_and_expect(g, 0, IR_DTYPE_UINT8, 2, (int64_t[]){ 1, 6 }, want);
}

static void test_resize_tf_crop_nan_roi_extrapolates(void **state)
{
	static const float x[] = { 1, 2 }, roi[] = { 0, NAN, 1, 1 }, want[] = { 7, 7, 7 };
	static const int64_t sizes[] = { 1, 3 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in[4];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, (int64_t[]){ 1, 2 }, x);
	in[1] = add_tensor(g, "roi", IR_DTYPE_FLOAT, 1, (int64_t[]){ 4 }, roi);
	in[2] = -1;
	in[3] = add_tensor(g, "sizes", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, sizes);
	n = add_node(g, 13, "Resize", in, 4, 1);
	attr_str(n, "coordinate_transformation_mode", "tf_crop_and_resize");
	attr_float(n, "extrapolation_value", 7);
	run_and_expect(g, 0, IR_DTYPE_FLOAT, 2, (int64_t[]){ 1, 3 }, want);
}

static void test_transpose_of_float16_moves_bit_patterns(void **state)
{
	static const uint16_t x[] = { 0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600 };
	static const uint16_t want[] = { 0x3c00, 0x4400, 0x4000, 0x4500, 0x4200, 0x4600 };
	struct ir_graph *g = ir_graph_create();
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_FLOAT16, 2, (int64_t[]){ 2, 3 }, x);
	add_node(g, 13, "Transpose", &in, 1, 1);
	run_and_expect(g, 0, IR_DTYPE_FLOAT16, 2, (int64_t[]){ 3, 2 }, want);
}

static void test_expand_of_bool_broadcasts_both_ways(void **state)
{
	static const uint8_t x[] = { 1, 0 }, want[] = { 1, 1, 1, 0, 0, 0 };
	static const int64_t shape[] = { 1, 3 };
	struct ir_graph *g = ir_graph_create();
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_BOOL, 2, (int64_t[]){ 2, 1 }, x);
	in[1] = add_tensor(g, "shape", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, shape);
	add_node(g, 13, "Expand", in, 2, 1);
	run_and_expect(g, 0, IR_DTYPE_BOOL, 2, (int64_t[]){ 2, 3 }, want);
}

static void test_tile_of_int8(void **state)
{
	static const int8_t x[] = { -1, 2 }, want[] = { -1, 2, -1, 2, -1, 2 };
	static const int64_t rep[] = { 3 };
	struct ir_graph *g = ir_graph_create();
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_INT8, 1, (int64_t[]){ 2 }, x);
	in[1] = add_tensor(g, "r", IR_DTYPE_INT64, 1, (int64_t[]){ 1 }, rep);
	add_node(g, 6, "Tile", in, 2, 1);
	run_and_expect(g, 0, IR_DTYPE_INT8, 1, (int64_t[]){ 6 }, want);
}

static void test_range_of_int64_counts_down(void **state)
{
	static const int64_t start = 10, limit = 3, delta = -3, want[] = { 10, 7, 4 };
	struct ir_graph *g = ir_graph_create();
	int in[3];

	(void)state;
	in[0] = add_tensor(g, "s", IR_DTYPE_INT64, 0, NULL, &start);
	in[1] = add_tensor(g, "l", IR_DTYPE_INT64, 0, NULL, &limit);
	in[2] = add_tensor(g, "d", IR_DTYPE_INT64, 0, NULL, &delta);
	add_node(g, 11, "Range", in, 3, 1);
	run_and_expect(g, 0, IR_DTYPE_INT64, 1, (int64_t[]){ 3 }, want);
}

static void test_eyelike_diagonal_outside_is_all_zero(void **state)
{
	static const double x[6], want[6];
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_DOUBLE, 2, (int64_t[]){ 2, 3 }, x);
	n = add_node(g, 9, "EyeLike", &in, 1, 1);
	attr_int(n, "k", INT64_MIN);
	run_and_expect(g, 0, IR_DTYPE_DOUBLE, 2, (int64_t[]){ 2, 3 }, want);
}

static void test_constant_value_floats_is_a_float_list(void **state)
{
	static const float v[] = { 1.5f, -2 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n = add_node(g, 13, "Constant", NULL, 0, 1);
	struct host_values hv;
	char err[256];

	(void)state;
	attr_floats(n, "value_floats", v, 2);
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(g, &hv), 0);
	/* The kernel too, not only the reader's folded value. */
	hv.ptr[n->outputs[0]] = NULL;
	assert_int_equal(host_exec_node(g, 0, &hv, err, sizeof(err)), 0);
	assert_int_equal(g->tensors[n->outputs[0]]->dims[0], 2);
	assert_memory_equal(hv.ptr[n->outputs[0]], v, sizeof(v));
	host_values_free(&hv);
	ir_graph_destroy(g);
}

static void test_constant_value_int_is_an_int64_scalar(void **state)
{
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n = add_node(g, 13, "Constant", NULL, 0, 1);
	const struct ir_tensor *y;
	char err[256];

	(void)state;
	attr_int(n, "value_int", -7);
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), 0);
	y = g->tensors[n->outputs[0]];
	assert_int_equal(y->dtype, IR_DTYPE_INT64);
	assert_int_equal(y->rank, 0);
	assert_int_equal(*(const int64_t *)y->data, -7);
	ir_graph_destroy(g);
}

/* Inference's refusals. */

static void test_reshape_two_minus_ones_is_einval(void **state)
{
	static const int64_t shape[] = { -1, -1 };
	struct ir_graph *g = ir_graph_create();
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 1, (int64_t[]){ 4 }, NULL);
	in[1] = add_tensor(g, "s", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, shape);
	add_node(g, 14, "Reshape", in, 2, 1);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_reshape_shape_computed_at_run_time_is_eopnotsupp(void **state)
{
	struct ir_graph *g = ir_graph_create();
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 1, (int64_t[]){ 4 }, NULL);
	in[1] = add_tensor(g, "s", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, NULL);
	add_node(g, 14, "Reshape", in, 2, 1);
	assert_int_equal(infer_errno(g), -EOPNOTSUPP);
}

/* A Slice of x[4, 4] with these starts, ends, axes and steps (n of each). */
static struct ir_graph *slice_graph(const int64_t *starts, const int64_t *ends,
				    const int64_t *axes, const int64_t *steps, int64_t n)
{
	struct ir_graph *g = ir_graph_create();
	int in[5];

	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, (int64_t[]){ 4, 4 }, NULL);
	in[1] = add_tensor(g, "starts", IR_DTYPE_INT64, 1, &n, starts);
	in[2] = add_tensor(g, "ends", IR_DTYPE_INT64, 1, &n, ends);
	in[3] = add_tensor(g, "axes", IR_DTYPE_INT64, 1, &n, axes);
	in[4] = add_tensor(g, "steps", IR_DTYPE_INT64, 1, &n, steps);
	add_node(g, 13, "Slice", in, 5, 1);
	return g;
}

static void test_slice_axis_out_of_range_is_einval(void **state)
{
	(void)state;
	assert_int_equal(infer_errno(slice_graph((int64_t[]){ 0 }, (int64_t[]){ 1 },
						 (int64_t[]){ 2 }, (int64_t[]){ 1 }, 1)), -EINVAL);
}

static void test_slice_step_zero_is_einval(void **state)
{
	(void)state;
	assert_int_equal(infer_errno(slice_graph((int64_t[]){ 0 }, (int64_t[]){ 1 },
						 (int64_t[]){ 0 }, (int64_t[]){ 0 }, 1)), -EINVAL);
}

static void test_slice_huge_steps_take_one_element(void **state)
{
	struct ir_graph *g = slice_graph((int64_t[]){ 0, 3 }, (int64_t[]){ 4, -5 },
					 (int64_t[]){ 0, 1 }, (int64_t[]){ INT64_MAX, INT64_MIN }, 2);
	char err[256];

	(void)state;
	assert_int_equal(ir_infer_shapes(g, err, sizeof(err)), 0);
	assert_int_equal(g->tensors[g->nodes[0]->outputs[0]]->dims[0], 1);
	assert_int_equal(g->tensors[g->nodes[0]->outputs[0]]->dims[1], 1);
	ir_graph_destroy(g);
}

static void test_split_sizes_not_adding_up_is_einval(void **state)
{
	static const int64_t split[] = { 1, 1 };
	struct ir_graph *g = ir_graph_create();
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 1, (int64_t[]){ 3 }, NULL);
	in[1] = add_tensor(g, "split", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, split);
	add_node(g, 13, "Split", in, 2, 2);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_concat_of_other_ranks_is_einval(void **state)
{
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "a", IR_DTYPE_FLOAT, 1, (int64_t[]){ 3 }, NULL);
	in[1] = add_tensor(g, "b", IR_DTYPE_FLOAT, 2, (int64_t[]){ 1, 3 }, NULL);
	n = add_node(g, 13, "Concat", in, 2, 1);
	attr_int(n, "axis", 0);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_pad_wrap_mode_is_eopnotsupp(void **state)
{
	static const int64_t pads[] = { 1, 1 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 1, (int64_t[]){ 3 }, NULL);
	in[1] = add_tensor(g, "pads", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, pads);
	n = add_node(g, 13, "Pad", in, 2, 1);
	attr_str(n, "mode", "wrap");
	assert_int_equal(infer_errno(g), -EOPNOTSUPP);
}

static void test_pad_cropping_below_zero_is_einval(void **state)
{
	static const int64_t pads[] = { -2, -2 };
	struct ir_graph *g = ir_graph_create();
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 1, (int64_t[]){ 3 }, NULL);
	in[1] = add_tensor(g, "pads", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, pads);
	add_node(g, 13, "Pad", in, 2, 1);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_tile_repeats_of_another_rank_is_einval(void **state)
{
	static const int64_t rep[] = { 2, 2 };
	struct ir_graph *g = ir_graph_create();
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 1, (int64_t[]){ 3 }, NULL);
	in[1] = add_tensor(g, "r", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, rep);
	add_node(g, 13, "Tile", in, 2, 1);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_expand_to_an_incompatible_shape_is_einval(void **state)
{
	static const int64_t shape[] = { 4 };
	struct ir_graph *g = ir_graph_create();
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 1, (int64_t[]){ 3 }, NULL);
	in[1] = add_tensor(g, "shape", IR_DTYPE_INT64, 1, (int64_t[]){ 1 }, shape);
	add_node(g, 13, "Expand", in, 2, 1);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_transpose_perm_not_a_permutation_is_einval(void **state)
{
	static const int64_t perm[] = { 0, 0 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, (int64_t[]){ 2, 3 }, NULL);
	n = add_node(g, 13, "Transpose", &in, 1, 1);
	attr_ints(n, "perm", perm, 2);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_depthtospace_channels_not_divisible_is_einval(void **state)
{
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_FLOAT, 4, (int64_t[]){ 1, 6, 2, 2 }, NULL);
	n = add_node(g, 13, "DepthToSpace", &in, 1, 1);
	attr_int(n, "blocksize", 2);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_resize_scales_and_sizes_both_is_einval(void **state)
{
	static const float scales[] = { 1, 2 };
	static const int64_t sizes[] = { 1, 4 };
	struct ir_graph *g = ir_graph_create();
	int in[4];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, (int64_t[]){ 1, 2 }, NULL);
	in[1] = -1;
	in[2] = add_tensor(g, "scales", IR_DTYPE_FLOAT, 1, (int64_t[]){ 2 }, scales);
	in[3] = add_tensor(g, "sizes", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, sizes);
	add_node(g, 13, "Resize", in, 4, 1);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_resize_linear_of_int32_is_eopnotsupp(void **state)
{
	static const float scales[] = { 1, 2 };
	struct ir_graph *g = ir_graph_create();
	struct ir_node *n;
	int in[3];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_INT32, 2, (int64_t[]){ 1, 2 }, NULL);
	in[1] = -1;
	in[2] = add_tensor(g, "scales", IR_DTYPE_FLOAT, 1, (int64_t[]){ 2 }, scales);
	n = add_node(g, 13, "Resize", in, 3, 1);
	attr_str(n, "mode", "linear");
	assert_int_equal(infer_errno(g), -EOPNOTSUPP);
}

static void test_upsample_from_opset10_is_eopnotsupp(void **state)
{
	static const float scales[] = { 1, 2 };
	struct ir_graph *g = ir_graph_create();
	int in[2];

	(void)state;
	in[0] = add_tensor(g, "x", IR_DTYPE_FLOAT, 2, (int64_t[]){ 1, 2 }, NULL);
	in[1] = add_tensor(g, "scales", IR_DTYPE_FLOAT, 1, (int64_t[]){ 2 }, scales);
	add_node(g, 10, "Upsample", in, 2, 1);
	assert_int_equal(infer_errno(g), -EOPNOTSUPP);
}

static void test_range_delta_zero_is_einval(void **state)
{
	static const float start = 0, limit = 1, delta = 0;
	struct ir_graph *g = ir_graph_create();
	int in[3];

	(void)state;
	in[0] = add_tensor(g, "s", IR_DTYPE_FLOAT, 0, NULL, &start);
	in[1] = add_tensor(g, "l", IR_DTYPE_FLOAT, 0, NULL, &limit);
	in[2] = add_tensor(g, "d", IR_DTYPE_FLOAT, 0, NULL, &delta);
	add_node(g, 11, "Range", in, 3, 1);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_constantofshape_negative_dimension_is_einval(void **state)
{
	static const int64_t shape[] = { 2, -1 };
	struct ir_graph *g = ir_graph_create();
	int in;

	(void)state;
	in = add_tensor(g, "shape", IR_DTYPE_INT64, 1, (int64_t[]){ 2 }, shape);
	add_node(g, 9, "ConstantOfShape", &in, 1, 1);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_eyelike_of_rank3_is_einval(void **state)
{
	struct ir_graph *g = ir_graph_create();
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_FLOAT, 3, (int64_t[]){ 2, 2, 2 }, NULL);
	add_node(g, 9, "EyeLike", &in, 1, 1);
	assert_int_equal(infer_errno(g), -EINVAL);
}

static void test_trilu_of_rank1_is_einval(void **state)
{
	struct ir_graph *g = ir_graph_create();
	int in;

	(void)state;
	in = add_tensor(g, "x", IR_DTYPE_FLOAT, 1, (int64_t[]){ 3 }, NULL);
	add_node(g, 14, "Trilu", &in, 1, 1);
	assert_int_equal(infer_errno(g), -EINVAL);
}

/*
 * Other ops' expanded forms (function bodies) whose every op has a host kernel and which lean
 * on this family: LayerNormalization's (Shape, Size, Slice, Concat, ConstantOfShape, Reshape,
 * Flatten), NegativeLogLikelihoodLoss's (Slice, Squeeze, Unsqueeze) and
 * SoftmaxCrossEntropyLoss's (Shape, Reshape, Transpose).
 */
static void test_node_expanded_graphs_of_other_ops(void **state)
{
	static const char *const names[] = {
		"test_layer_normalization_2d_axis0_expanded", "test_layer_normalization_2d_axis1_expanded",
		"test_layer_normalization_2d_axis_negative_1_expanded",
		"test_layer_normalization_2d_axis_negative_2_expanded",
		"test_layer_normalization_3d_axis0_epsilon_expanded",
		"test_layer_normalization_3d_axis1_epsilon_expanded",
		"test_layer_normalization_3d_axis2_epsilon_expanded",
		"test_layer_normalization_3d_axis_negative_1_epsilon_expanded",
		"test_layer_normalization_3d_axis_negative_2_epsilon_expanded",
		"test_layer_normalization_3d_axis_negative_3_epsilon_expanded",
		"test_layer_normalization_4d_axis0_expanded", "test_layer_normalization_4d_axis1_expanded",
		"test_layer_normalization_4d_axis2_expanded", "test_layer_normalization_4d_axis3_expanded",
		"test_layer_normalization_4d_axis_negative_1_expanded",
		"test_layer_normalization_4d_axis_negative_2_expanded",
		"test_layer_normalization_4d_axis_negative_3_expanded",
		"test_layer_normalization_4d_axis_negative_4_expanded",
		"test_layer_normalization_default_axis_expanded", "test_nllloss_NC_expanded",
		"test_nllloss_NCd1_expanded", "test_nllloss_NCd1_ii_expanded",
		"test_nllloss_NCd1_mean_weight_negative_ii_expanded", "test_nllloss_NCd1_weight_expanded",
		"test_nllloss_NCd1_weight_ii_expanded", "test_nllloss_NCd1d2_expanded",
		"test_nllloss_NCd1d2_no_weight_reduction_mean_ii_expanded",
		"test_nllloss_NCd1d2_reduction_mean_expanded", "test_nllloss_NCd1d2_reduction_sum_expanded",
		"test_nllloss_NCd1d2_with_weight_expanded",
		"test_nllloss_NCd1d2_with_weight_reduction_mean_expanded",
		"test_nllloss_NCd1d2_with_weight_reduction_sum_expanded",
		"test_nllloss_NCd1d2_with_weight_reduction_sum_ii_expanded",
		"test_nllloss_NCd1d2d3_none_no_weight_negative_ii_expanded",
		"test_nllloss_NCd1d2d3_sum_weight_high_ii_expanded",
		"test_nllloss_NCd1d2d3d4d5_mean_weight_expanded",
		"test_nllloss_NCd1d2d3d4d5_none_no_weight_expanded",
		"test_sce_NCd1_mean_weight_negative_ii_expanded",
		"test_sce_NCd1_mean_weight_negative_ii_log_prob_expanded",
		"test_sce_NCd1d2d3_none_no_weight_negative_ii_expanded",
		"test_sce_NCd1d2d3_none_no_weight_negative_ii_log_prob_expanded",
		"test_sce_NCd1d2d3_sum_weight_high_ii_expanded",
		"test_sce_NCd1d2d3_sum_weight_high_ii_log_prob_expanded",
		"test_sce_NCd1d2d3d4d5_mean_weight_expanded",
		"test_sce_NCd1d2d3d4d5_mean_weight_log_prob_expanded",
		"test_sce_NCd1d2d3d4d5_none_no_weight_expanded",
		"test_sce_NCd1d2d3d4d5_none_no_weight_log_prob_expanded", "test_sce_mean_3d_expanded",
		"test_sce_mean_3d_log_prob_expanded", "test_sce_mean_expanded",
		"test_sce_mean_log_prob_expanded", "test_sce_mean_no_weight_ii_3d_expanded",
		"test_sce_mean_no_weight_ii_3d_log_prob_expanded", "test_sce_mean_no_weight_ii_4d_expanded",
		"test_sce_mean_no_weight_ii_4d_log_prob_expanded", "test_sce_mean_no_weight_ii_expanded",
		"test_sce_mean_no_weight_ii_log_prob_expanded", "test_sce_mean_weight_expanded",
		"test_sce_mean_weight_ii_3d_expanded", "test_sce_mean_weight_ii_3d_log_prob_expanded",
		"test_sce_mean_weight_ii_4d_expanded", "test_sce_mean_weight_ii_4d_log_prob_expanded",
		"test_sce_mean_weight_ii_expanded", "test_sce_mean_weight_ii_log_prob_expanded",
		"test_sce_mean_weight_log_prob_expanded", "test_sce_none_expanded",
		"test_sce_none_log_prob_expanded", "test_sce_none_weights_expanded",
		"test_sce_none_weights_log_prob_expanded", "test_sce_sum_expanded",
		"test_sce_sum_log_prob_expanded", NULL,
	};

	(void)state;
	assert_int_equal(testdata_host_check_list("node", names), 0);
}

/* The window functions' expanded forms: a Range up to the window size (made a constant). */
static void test_node_expanded_window_functions(void **state)
{
	static const char *const names[] = {
		"test_blackmanwindow_expanded", "test_blackmanwindow_symmetric_expanded",
		"test_hammingwindow_expanded", "test_hammingwindow_symmetric_expanded",
		"test_hannwindow_expanded", "test_hannwindow_symmetric_expanded", NULL,
	};

	(void)state;
	assert_int_equal(bound_check_list(names, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_node_reshape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_flatten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_squeeze_unsqueeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_transpose, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_concat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_slice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_pad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_tile_expand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_constant_shape_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_constant_of_shape_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_trilu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_eyelike, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_depth_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_resize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_upsample, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_expanded_graphs_of_other_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_expanded_window_functions, setup, teardown),
		cmocka_unit_test(test_slice_opset9_takes_attributes),
		cmocka_unit_test(test_pad_opset2_takes_pads_and_value_attributes),
		cmocka_unit_test(test_pad_reflect_repeats_beyond_one_reflection),
		cmocka_unit_test(test_pad_constant_value_input_of_int8),
		cmocka_unit_test(test_split_opset11_takes_split_attribute),
		cmocka_unit_test(test_concat_before_opset4_defaults_to_axis_1),
		cmocka_unit_test(test_reshape_opset4_takes_shape_attribute),
		cmocka_unit_test(test_squeeze_opset11_takes_axes_attribute),
		cmocka_unit_test(test_upsample_opset7_takes_scales_attribute),
		cmocka_unit_test(test_resize_opset10_linear_is_asymmetric),
		cmocka_unit_test(test_resize_nearest_of_uint8_by_sizes),
		cmocka_unit_test(test_resize_tf_crop_nan_roi_extrapolates),
		cmocka_unit_test(test_transpose_of_float16_moves_bit_patterns),
		cmocka_unit_test(test_expand_of_bool_broadcasts_both_ways),
		cmocka_unit_test(test_tile_of_int8),
		cmocka_unit_test(test_range_of_int64_counts_down),
		cmocka_unit_test(test_eyelike_diagonal_outside_is_all_zero),
		cmocka_unit_test(test_constant_value_floats_is_a_float_list),
		cmocka_unit_test(test_constant_value_int_is_an_int64_scalar),
		cmocka_unit_test(test_reshape_two_minus_ones_is_einval),
		cmocka_unit_test(test_reshape_shape_computed_at_run_time_is_eopnotsupp),
		cmocka_unit_test(test_slice_axis_out_of_range_is_einval),
		cmocka_unit_test(test_slice_step_zero_is_einval),
		cmocka_unit_test(test_slice_huge_steps_take_one_element),
		cmocka_unit_test(test_split_sizes_not_adding_up_is_einval),
		cmocka_unit_test(test_concat_of_other_ranks_is_einval),
		cmocka_unit_test(test_pad_wrap_mode_is_eopnotsupp),
		cmocka_unit_test(test_pad_cropping_below_zero_is_einval),
		cmocka_unit_test(test_tile_repeats_of_another_rank_is_einval),
		cmocka_unit_test(test_expand_to_an_incompatible_shape_is_einval),
		cmocka_unit_test(test_transpose_perm_not_a_permutation_is_einval),
		cmocka_unit_test(test_depthtospace_channels_not_divisible_is_einval),
		cmocka_unit_test(test_resize_scales_and_sizes_both_is_einval),
		cmocka_unit_test(test_resize_linear_of_int32_is_eopnotsupp),
		cmocka_unit_test(test_upsample_from_opset10_is_eopnotsupp),
		cmocka_unit_test(test_range_delta_zero_is_einval),
		cmocka_unit_test(test_constantofshape_negative_dimension_is_einval),
		cmocka_unit_test(test_eyelike_of_rank3_is_einval),
		cmocka_unit_test(test_trilu_of_rank1_is_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
