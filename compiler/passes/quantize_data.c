// SPDX-License-Identifier: MIT
/*
 * Calibration sets on disk (compiler/passes/quantize.h): ONNX's test-data layout, one
 * directory of input_N.pb files per sample.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/onnx_tensor.h"
#include "compiler/passes/quantize.h"

/* Whether @dir holds input_0.pb. */
static bool is_sample(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/input_0.pb", dir);
	return access(path, R_OK) == 0;
}

static int add_path(char ***paths, size_t *n, const char *a, const char *b)
{
	char **p = realloc(*paths, (*n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	*paths = p;
	if (b ? asprintf(&p[*n], "%s/%s", a, b) < 0 : !(p[*n] = strdup(a)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

int quant_calibration_list(const char *dir, char ***paths, size_t *n)
{
	struct dirent **ents = NULL;
	int count, ret = 0;

	*paths = NULL;
	*n = 0;
	if (is_sample(dir))
		return add_path(paths, n, dir, NULL);
	count = scandir(dir, &ents, NULL, alphasort);
	if (count < 0)
		return -errno;
	for (int i = 0; i < count; i++) {
		char sub[4096];

		snprintf(sub, sizeof(sub), "%s/%s", dir, ents[i]->d_name);
		if (!ret && ents[i]->d_name[0] != '.' && is_sample(sub))
			ret = add_path(paths, n, dir, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	if (!ret && !*n)
		ret = -ENOENT;
	if (ret) {
		quant_calibration_list_free(*paths, *n);
		*paths = NULL;
		*n = 0;
	}
	return ret;
}

void quant_calibration_list_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int quant_calibrate_sample(struct ir_graph *g, struct quant_calibration *cal,
			   const char *sample_dir, char *err, size_t err_len)
{
	struct ir_tensor **loaded = calloc(g->n_inputs + 1, sizeof(*loaded));
	void **in = calloc(g->n_inputs + 1, sizeof(*in));
	char path[4096];
	int ret = -ENOMEM;

	if (!loaded || !in)
		goto out;
	for (size_t i = 0; i < g->n_inputs; i++) {
		const struct ir_tensor *t = g->tensors[g->inputs[i]];

		if (t->data)
			continue;
		snprintf(path, sizeof(path), "%s/input_%zu.pb", sample_dir, i);
		ret = onnx_tensor_read_file(path, &loaded[i], err, err_len);
		if (ret)
			goto out;
		if (loaded[i]->dtype != t->dtype || ir_tensor_numel(loaded[i]) != ir_tensor_numel(t)) {
			snprintf(err, err_len, "%s: %s of %lld elements, input '%s' wants %s of %lld",
				 path, ir_dtype_name(loaded[i]->dtype),
				 (long long)ir_tensor_numel(loaded[i]), t->name, ir_dtype_name(t->dtype),
				 (long long)ir_tensor_numel(t));
			ret = -EINVAL;
			goto out;
		}
		in[i] = loaded[i]->data;
	}
	ret = quant_calibrate(g, cal, in, err, err_len);
out:
	for (size_t i = 0; loaded && i < g->n_inputs; i++)
		ir_tensor_free(loaded[i]);
	free(loaded);
	free(in);
	return ret;
}
