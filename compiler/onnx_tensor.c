// SPDX-License-Identifier: MIT
/*
 * TensorProto files: ONNX's test data keeps every input and expected output of a model as one
 * serialized TensorProto (test_data_set_N/input_N.pb).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "onnx.pb-c.h"
#include "compiler/onnx_import.h"
#include "compiler/onnx_tensor.h"

static int __attribute__((format(printf, 4, 5)))
tensor_fail(char *err, size_t err_len, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int read_whole(const char *path, uint8_t **buf, size_t *len, char *err, size_t err_len)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	int ret;

	if (!f)
		return tensor_fail(err, err_len, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st)) {
		ret = tensor_fail(err, err_len, -errno, "%s: %s", path, strerror(errno));
		goto out_close;
	}
	if (st.st_size > ONNX_TENSOR_MAX_FILE) {
		ret = tensor_fail(err, err_len, -EFBIG, "%s: file too large", path);
		goto out_close;
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len ? *len : 1);
	if (!*buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	if (fread(*buf, 1, *len, f) != *len) {
		free(*buf);
		ret = tensor_fail(err, err_len, -EIO, "%s: short read", path);
		goto out_close;
	}
	ret = 0;
out_close:
	fclose(f);
	return ret;
}

int onnx_tensor_read_file(const char *path, struct ir_tensor **out, char *err, size_t err_len)
{
	Onnx__TensorProto *tp;
	struct ir_tensor *t;
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret;

	ret = read_whole(path, &buf, &len, err, err_len);
	if (ret)
		return ret;
	tp = onnx__tensor_proto__unpack(NULL, len, buf);
	free(buf);
	if (!tp)
		return tensor_fail(err, err_len, -EINVAL, "%s: not a TensorProto", path);
	t = calloc(1, sizeof(*t));
	if (!t) {
		ret = -ENOMEM;
		goto out_unpack;
	}
	t->name = strdup(tp->name ? tp->name : "");
	if (!t->name) {
		ret = -ENOMEM;
		goto out_tensor;
	}
	/* The same decoding as the model's initializers. */
	ret = onnx_import_tensor_proto(tp, path, t, err, err_len);
	if (ret)
		goto out_tensor;
	*out = t;
	onnx__tensor_proto__free_unpacked(tp, NULL);
	return 0;
out_tensor:
	ir_tensor_free(t);
out_unpack:
	onnx__tensor_proto__free_unpacked(tp, NULL);
	return ret;
}

void onnx_tensor_as_declared(struct ir_tensor *t, enum ir_dtype declared)
{
	if (t->dtype == IR_DTYPE_UINT16 && declared == IR_DTYPE_BFLOAT16)
		t->dtype = IR_DTYPE_BFLOAT16;
}

const struct ir_tensor *onnx_data_set_input(void *set, size_t input)
{
	struct onnx_data_set *ds = set;
	char path[4096], err[256];

	if (input >= ONNX_DATA_SET_MAX_INPUTS)
		return NULL;
	if (!ds->tried[input]) {
		ds->tried[input] = true;
		if (snprintf(path, sizeof(path), "%s/input_%zu.pb", ds->dir, input) <
		    (int)sizeof(path))
			onnx_tensor_read_file(path, &ds->inputs[input], err, sizeof(err));
	}
	return ds->inputs[input];
}

void onnx_data_set_free(struct onnx_data_set *set)
{
	for (size_t i = 0; i < ONNX_DATA_SET_MAX_INPUTS; i++) {
		ir_tensor_free(set->inputs[i]);
		set->inputs[i] = NULL;
		set->tried[i] = false;
	}
}
