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
	void *buf = read_all((snprintf(src, sizeof(src), "%s/node/%s/model.onnx", ONNX_TESTDATA_DIR,
				       name), src), &len);
	int ret = -EINVAL;

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
