/* SPDX-License-Identifier: MIT */
/*
 * Running ONNX's own node tests (Debian libonnx-testdata) on the host interpreter
 * (compiler/host_exec.h): import DIR/model.onnx, feed DIR/test_data_set_0/input_N.pb, compare
 * every output with output_N.pb (compiler/tensor_compare.h). Header-only, for the op-family
 * tests; ONNX_TESTDATA_DIR comes from compiler/CMakeLists.txt.
 */
#ifndef ACCEL_TESTS_TESTDATA_HOST_H
#define ACCEL_TESTS_TESTDATA_HOST_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compiler/host_exec.h"
#include "compiler/onnx_import.h"
#include "compiler/onnx_tensor.h"
#include "compiler/tensor_compare.h"

/* The tolerances of `accel run`'s defaults. */
#define TESTDATA_RTOL 1e-3
#define TESTDATA_ATOL 1e-4

/**
 * testdata_host_check() - run one test directory (e.g. ".../data/node/test_abs") on the host
 * Return: 0 when every output matches; 1 on a mismatch (which output in @err); a negative
 * errno when the test could not run (import, missing kernel, bad data; why in @err).
 */
static inline int testdata_host_check(const char *dir, char *err, size_t err_len)
{
	struct host_values v = { 0 };
	struct ir_graph *g = NULL;
	struct ir_tensor *loaded[64] = { 0 };
	char path[4096];
	int ret;

	err[0] = '\0';
	snprintf(path, sizeof(path), "%s/model.onnx", dir);
	ret = onnx_import_file(path, NULL, &g, err, err_len);
	if (ret)
		return ret;
	ret = host_values_create(g, &v);
	if (ret)
		goto out;
	for (size_t i = 0; i < g->n_inputs && i < 64; i++) {
		const struct ir_tensor *t = g->tensors[g->inputs[i]];

		snprintf(path, sizeof(path), "%s/test_data_set_0/input_%zu.pb", dir, i);
		ret = onnx_tensor_read_file(path, &loaded[i], err, err_len);
		if (ret)
			goto out;
		onnx_tensor_as_declared(loaded[i], t->dtype);
		if (loaded[i]->dtype != t->dtype || ir_tensor_numel(loaded[i]) != ir_tensor_numel(t)) {
			snprintf(err, err_len, "input %zu: %s of %lld elements, the graph wants %s of %lld",
				 i, ir_dtype_name(loaded[i]->dtype), (long long)ir_tensor_numel(loaded[i]),
				 ir_dtype_name(t->dtype), (long long)ir_tensor_numel(t));
			ret = -EINVAL;
			goto out;
		}
		v.ptr[g->inputs[i]] = loaded[i]->data;
	}
	ret = host_exec_graph(g, &v, err, err_len);
	if (ret)
		goto out;
	for (size_t i = 0; i < g->n_outputs; i++) {
		const struct ir_tensor *t = g->tensors[g->outputs[i]];
		struct tensor_compare_result r;
		struct ir_tensor *ref;

		snprintf(path, sizeof(path), "%s/test_data_set_0/output_%zu.pb", dir, i);
		if (access(path, F_OK))
			continue;
		ret = onnx_tensor_read_file(path, &ref, err, err_len);
		if (ret)
			goto out;
		onnx_tensor_as_declared(ref, t->dtype);
		ret = tensor_compare(ref, t->dtype, v.ptr[g->outputs[i]], (size_t)ir_tensor_numel(t),
				     TESTDATA_RTOL, TESTDATA_ATOL, &r);
		ir_tensor_free(ref);
		if (ret) {
			snprintf(err, err_len, "output %zu '%s': reference of another type or size",
				 i, t->name);
			goto out;
		}
		if (r.mismatches) {
			snprintf(err, err_len, "output %zu '%s': %zu of %zu mismatch, max_abs_err=%g",
				 i, t->name, r.mismatches, r.numel, r.max_abs);
			ret = 1;
			goto out;
		}
	}
out:
	for (size_t i = 0; i < 64; i++)
		ir_tensor_free(loaded[i]);
	host_values_free(&v);
	ir_graph_destroy(g);
	return ret;
}

/**
 * testdata_host_check_list() - testdata_host_check() each of @names (directory names under
 * ONNX_TESTDATA_DIR/@kind, NULL-terminated), printing one line per failure
 * Return: how many did not pass.
 */
static inline int testdata_host_check_list(const char *kind, const char *const *names)
{
	char dir[4096], err[512];
	int failed = 0;

	for (size_t i = 0; names[i]; i++) {
		int ret;

		snprintf(dir, sizeof(dir), "%s/%s/%s", ONNX_TESTDATA_DIR, kind, names[i]);
		ret = testdata_host_check(dir, err, sizeof(err));
		if (ret) {
			printf("# %s/%s: %s (%d)\n", kind, names[i], err, ret);
			failed++;
		}
	}
	return failed;
}

/**
 * TESTDATA_HOST_TESTS() - define cmocka test @fn asserting that every named test directory
 * under ONNX_TESTDATA_DIR/@kind ("node", "pytorch-converted"...) passes on the host
 * interpreter (testdata_host_check_list()); skipped when the test data is not installed
 */
#define TESTDATA_HOST_TESTS(fn, kind, ...)                                         \
	static void fn(void **state)                                               \
	{                                                                          \
		static const char *const names[] = { __VA_ARGS__, NULL };          \
                                                                                   \
		(void)state;                                                       \
		if (access(ONNX_TESTDATA_DIR "/" kind, R_OK))                      \
			skip();                                                    \
		assert_int_equal(testdata_host_check_list(kind, names), 0);        \
	}

#endif
