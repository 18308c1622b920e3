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

/* Values in the typed field matching @t's type: their count, and copies into t->data. */
static int typed_values(const Onnx__TensorProto *tp, struct ir_tensor *t, size_t count)
{
	size_t have;

	switch (t->dtype) {
	case IR_DTYPE_FLOAT:
		have = tp->n_float_data;
		break;
	case IR_DTYPE_INT64:
		have = tp->n_int64_data;
		break;
	case IR_DTYPE_DOUBLE:
		have = tp->n_double_data;
		break;
	default:	/* the narrower types: one per int32_data entry (onnx.proto) */
		have = tp->n_int32_data;
		break;
	}
	if (have != count)
		return -EINVAL;
	for (size_t i = 0; i < count; i++) {
		switch (t->dtype) {
		case IR_DTYPE_FLOAT:
			((float *)t->data)[i] = tp->float_data[i];
			break;
		case IR_DTYPE_INT64:
			((int64_t *)t->data)[i] = tp->int64_data[i];
			break;
		case IR_DTYPE_DOUBLE:
			((double *)t->data)[i] = tp->double_data[i];
			break;
		case IR_DTYPE_INT32:
			((int32_t *)t->data)[i] = tp->int32_data[i];
			break;
		case IR_DTYPE_FLOAT16:
		case IR_DTYPE_BFLOAT16:
			((uint16_t *)t->data)[i] = (uint16_t)tp->int32_data[i];
			break;
		default:
			((uint8_t *)t->data)[i] = (uint8_t)tp->int32_data[i];
			break;
		}
	}
	return 0;
}

static int tensor_convert(const char *path, const Onnx__TensorProto *tp, struct ir_tensor *t,
			  char *err, size_t err_len)
{
	int64_t numel;
	size_t size;

	if (!tp->has_data_type || !ir_dtype_size(tp->data_type))
		return tensor_fail(err, err_len, -EOPNOTSUPP, "%s: unsupported data type %d", path,
				   (int)tp->data_type);
	if (tp->n_dims > IR_MAX_RANK)
		return tensor_fail(err, err_len, -EINVAL, "%s: rank %zu exceeds %d", path, tp->n_dims,
				   IR_MAX_RANK);
	if (tp->segment ||
	    (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL))
		return tensor_fail(err, err_len, -EOPNOTSUPP, "%s: segmented or external data", path);
	t->dtype = tp->data_type;
	t->rank = (int)tp->n_dims;
	for (size_t i = 0; i < tp->n_dims; i++) {
		if (tp->dims[i] < 0 || tp->dims[i] > IR_MAX_ELEMENTS)
			return tensor_fail(err, err_len, -EINVAL, "%s: bad dimension", path);
		t->dims[i] = tp->dims[i];
	}
	numel = ir_tensor_numel(t);
	if (numel < 0 || (uint64_t)numel > IR_MAX_ELEMENTS / ir_dtype_size(t->dtype))
		return tensor_fail(err, err_len, -EINVAL, "%s: tensor too large", path);
	size = (size_t)numel * ir_dtype_size(t->dtype);
	t->data = calloc(1, size ? size : 1);
	if (!t->data)
		return -ENOMEM;
	t->data_size = size;
	if (tp->has_raw_data) {
		if (tp->raw_data.len != size)
			return tensor_fail(err, err_len, -EINVAL,
					   "%s: raw_data holds %zu bytes, the shape needs %zu", path,
					   tp->raw_data.len, size);
		if (size)
			memcpy(t->data, tp->raw_data.data, size);
		return 0;
	}
	if (typed_values(tp, t, (size_t)numel))
		return tensor_fail(err, err_len, -EINVAL, "%s: value count does not match the shape",
				   path);
	return 0;
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
	ret = tensor_convert(path, tp, t, err, err_len);
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
