// SPDX-License-Identifier: MIT
/*
 * The ONNX reader: ModelProto -> IR (compiler/onnx_import.h, docs/compiler.md).
 *
 * protobuf-c parses the whole file (its parser bounds every length against the buffer: a
 * truncated or corrupt file is a NULL message, not a crash); this file then checks what the
 * wire format cannot say (types, shapes, sizes, references) before anything reaches the IR.
 */
#define _GNU_SOURCE	/* asprintf */
#include "compiler/onnx_import.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/shape_infer.h"
#include "onnx.pb-c.h"

/* The IR holds constants little-endian, as ONNX's raw_data: a big-endian host would swap. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ONNX reader assumes a little-endian host"
#endif

struct import_ctx {
	const char *base_dir;
	const struct onnx_import_options *opts;
	struct ir_graph *g;
	char *err;
	size_t err_len;
};

static int __attribute__((format(printf, 3, 4)))
import_fail(struct import_ctx *ctx, int ret, const char *fmt, ...)
{
	va_list ap;

	if (ctx->err_len) {
		va_start(ap, fmt);
		vsnprintf(ctx->err, ctx->err_len, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* A type ONNX defines (string, uint16, complex...) is unsupported; any other is corrupt. */
static int dtype_error(int32_t dt)
{
	return dt >= 1 && dt <= 23 ? -EOPNOTSUPP : -EINVAL;
}

static bool dtype_supported(int32_t dt)
{
	switch (dt) {
	case IR_DTYPE_FLOAT: case IR_DTYPE_UINT8: case IR_DTYPE_INT8: case IR_DTYPE_INT32:
	case IR_DTYPE_INT64: case IR_DTYPE_BOOL: case IR_DTYPE_FLOAT16: case IR_DTYPE_DOUBLE:
	case IR_DTYPE_BFLOAT16: case IR_DTYPE_UINT16: case IR_DTYPE_INT16: case IR_DTYPE_UINT32:
	case IR_DTYPE_UINT64:
		return true;
	default:
		return false;
	}
}

/*
 * Open @location relative to ctx->base_dir, refusing any path that leaves it: absolute paths,
 * ".." and symbolic links out of the directory (the resolved path must stay under the resolved
 * base). A model is data from anywhere; its external data must not read /etc/shadow.
 */
static int external_open(struct import_ctx *ctx, const char *what, const char *location)
{
	char base[PATH_MAX], full[PATH_MAX], *joined = NULL;
	size_t blen;
	int fd, ret;

	if (!ctx->base_dir)
		return import_fail(ctx, -EINVAL, "%s: external data, but the model has no directory", what);
	if (!location[0] || location[0] == '/')
		return import_fail(ctx, -EINVAL, "%s: external data location '%s' is not relative",
				   what, location);
	if (!realpath(ctx->base_dir, base))
		return import_fail(ctx, -errno, "%s: model directory: %s", what, strerror(errno));
	if (asprintf(&joined, "%s/%s", base, location) < 0)
		return -ENOMEM;
	if (!realpath(joined, full)) {
		ret = import_fail(ctx, -errno, "%s: external data '%s': %s", what, location,
				  strerror(errno));
		goto out;
	}
	blen = strlen(base);
	if (strncmp(full, base, blen) || (full[blen] != '/' && strcmp(base, "/"))) {
		ret = import_fail(ctx, -EINVAL, "%s: external data '%s' is outside the model's directory",
				  what, location);
		goto out;
	}
	fd = open(full, O_RDONLY | O_CLOEXEC);
	ret = fd >= 0 ? fd : import_fail(ctx, -errno, "%s: external data '%s': %s", what, location,
					 strerror(errno));
out:
	free(joined);
	return ret;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int external_read(struct import_ctx *ctx, const char *what, const Onnx__TensorProto *tp,
			 void *data, size_t size)
{
	const char *location = NULL;
	uint64_t offset = 0, length = size;
	ssize_t n;
	size_t done = 0;
	int fd, ret = 0;

	for (size_t i = 0; i < tp->n_external_data; i++) {
		const Onnx__StringStringEntryProto *e = tp->external_data[i];

		if (!e->key || !e->value)
			continue;
		if (!strcmp(e->key, "location"))
			location = e->value;
		else if (!strcmp(e->key, "offset") && parse_u64(e->value, &offset))
			return import_fail(ctx, -EINVAL, "%s: bad external data offset '%s'", what, e->value);
		else if (!strcmp(e->key, "length") && parse_u64(e->value, &length))
			return import_fail(ctx, -EINVAL, "%s: bad external data length '%s'", what, e->value);
	}
	if (!location)
		return import_fail(ctx, -EINVAL, "%s: external data without a location", what);
	if (length != size)
		return import_fail(ctx, -EINVAL, "%s: external data length %llu, the shape needs %zu bytes",
				   what, (unsigned long long)length, size);
	if (offset > (uint64_t)INT64_MAX - size)
		return import_fail(ctx, -EINVAL, "%s: bad external data offset", what);
	fd = external_open(ctx, what, location);
	if (fd < 0)
		return fd;
	while (done < size) {
		n = pread(fd, (char *)data + done, size - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = import_fail(ctx, -errno, "%s: reading '%s': %s", what, location, strerror(errno));
			break;
		}
		if (n == 0) {
			ret = import_fail(ctx, -EINVAL, "%s: external data '%s' is truncated", what, location);
			break;
		}
		done += (size_t)n;
	}
	close(fd);
	return ret;
}

/* How many values the typed field of @dtype holds in @tp. */
static size_t typed_count(const Onnx__TensorProto *tp, enum ir_dtype dtype)
{
	switch (dtype) {
	case IR_DTYPE_FLOAT:
		return tp->n_float_data;
	case IR_DTYPE_INT64:
		return tp->n_int64_data;
	case IR_DTYPE_DOUBLE:
		return tp->n_double_data;
	case IR_DTYPE_UINT32:
	case IR_DTYPE_UINT64:
		return tp->n_uint64_data;
	default:	/* int32, int16, int8, uint16, uint8, bool, float16, bfloat16: int32_data */
		return tp->n_int32_data;
	}
}

/* Typed fields into little-endian elements of @t->dtype; @count elements must be given. */
static int typed_copy(struct import_ctx *ctx, const char *what, const Onnx__TensorProto *tp,
		      struct ir_tensor *t, size_t count)
{
	size_t have = typed_count(tp, t->dtype);

	if (have != count)
		return import_fail(ctx, -EINVAL, "%s: %zu values for %zu elements", what, have, count);
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
		case IR_DTYPE_UINT32:
			((uint32_t *)t->data)[i] = (uint32_t)tp->uint64_data[i];
			break;
		case IR_DTYPE_UINT64:
			((uint64_t *)t->data)[i] = tp->uint64_data[i];
			break;
		case IR_DTYPE_INT16:
		case IR_DTYPE_UINT16:
		case IR_DTYPE_FLOAT16:
		case IR_DTYPE_BFLOAT16:
			/* The 16 bits of the value, in the low half of the int32 (onnx.proto). */
			((uint16_t *)t->data)[i] = (uint16_t)tp->int32_data[i];
			break;
		default:
			((uint8_t *)t->data)[i] = (uint8_t)tp->int32_data[i];
			break;
		}
	}
	return 0;
}

/**
 * tensor_from_proto() - the type, shape and contents of a TensorProto into @t
 * @what: names the tensor in error messages
 */
static int tensor_from_proto(struct import_ctx *ctx, const char *what,
			     const Onnx__TensorProto *tp, struct ir_tensor *t)
{
	int64_t numel;
	size_t size;
	int ret;

	if (!tp->has_data_type || !dtype_supported(tp->data_type))
		return import_fail(ctx, dtype_error(tp->data_type), "%s: unknown or unsupported data type %d", what,
				   (int)tp->data_type);
	if (tp->n_dims > IR_MAX_RANK)
		return import_fail(ctx, -EINVAL, "%s: rank %zu exceeds %d", what, tp->n_dims, IR_MAX_RANK);
	if (tp->segment)
		return import_fail(ctx, -EOPNOTSUPP, "%s: segmented tensors are not supported", what);
	t->dtype = tp->data_type;
	t->rank = (int)tp->n_dims;
	for (size_t i = 0; i < tp->n_dims; i++) {
		if (tp->dims[i] < 0)
			return import_fail(ctx, -EINVAL, "%s: negative dimension", what);
		t->dims[i] = tp->dims[i];
	}
	numel = ir_tensor_numel(t);
	/* IR_MAX_ELEMENTS bytes: far above any model, and far from overflowing size_t. */
	if (numel < 0 || (uint64_t)numel > IR_MAX_ELEMENTS / ir_dtype_size(t->dtype))
		return import_fail(ctx, -EINVAL, "%s: tensor too large", what);
	size = (size_t)numel * ir_dtype_size(t->dtype);
	/*
	 * The bytes are taken only once the file is seen to hold them: a shape alone (a few bytes
	 * of a hostile file) must not make the reader allocate gigabytes.
	 */
	if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
		if (!ctx->base_dir)
			return import_fail(ctx, -EINVAL, "%s: external data, but the model has no "
					   "directory", what);
	} else if (tp->has_raw_data) {
		if (tp->raw_data.len != size)
			return import_fail(ctx, -EINVAL, "%s: raw_data holds %zu bytes, the shape needs %zu",
					   what, tp->raw_data.len, size);
	} else if (typed_count(tp, t->dtype) != (size_t)numel) {
		return import_fail(ctx, -EINVAL, "%s: %zu values for %zu elements", what,
				   typed_count(tp, t->dtype), (size_t)numel);
	}
	free(t->data);
	/* One byte at least: a constant of no element still has data (it is not a runtime value). */
	t->data = calloc(1, size ? size : 1);
	if (!t->data)
		return -ENOMEM;
	t->data_size = size;

	if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return external_read(ctx, what, tp, t->data, size);
	if (tp->has_raw_data) {
		if (tp->raw_data.len != size)
			return import_fail(ctx, -EINVAL, "%s: raw_data holds %zu bytes, the shape needs %zu",
					   what, tp->raw_data.len, size);
		if (size)
			memcpy(t->data, tp->raw_data.data, size);
		return 0;
	}
	ret = typed_copy(ctx, what, tp, t, (size_t)numel);
	return ret;
}

int onnx_import_tensor_proto(const Onnx__TensorProto *tp, const char *what, struct ir_tensor *t,
			     char *err, size_t err_len)
{
	/* No model directory: external data is refused, as onnx_import_buffer() with NULL. */
	struct import_ctx ctx = { .err = err, .err_len = err_len };

	if (err_len)
		err[0] = 0;
	return tensor_from_proto(&ctx, what, tp, t);
}

/* The shape @opts->shapes gives the input named @name, or NULL. */
static const struct onnx_input_shape *given_shape(const struct onnx_import_options *opts,
						 const char *name)
{
	for (size_t i = 0; i < opts->n_shapes; i++)
		if (opts->shapes[i].name && !strcmp(opts->shapes[i].name, name))
			return &opts->shapes[i];
	return NULL;
}

/*
 * Dimension @i of graph input @index where the model leaves it symbolic (no shape given for
 * it): the batch for the first dimension, else the known value's. 0 when neither says.
 */
static int64_t symbolic_dim(struct import_ctx *ctx, size_t index, size_t rank, size_t i)
{
	const struct onnx_import_options *o = ctx->opts;
	const struct ir_tensor *v;

	if (i == 0 && o->batch > 0)
		return o->batch;
	if (o->shapes_from_values && o->input_value) {
		v = o->input_value(o->input_value_ctx, index);
		if (v && v->rank == (int)rank && v->dims[i] >= 1 && v->dims[i] <= IR_MAX_ELEMENTS)
			return v->dims[i];
	}
	return 0;
}

/*
 * A graph input's declared type: a tensor of a known element type and a shape made static by
 * the options (a given shape, the known value's, the batch) where the model's is symbolic.
 * @index: its place among the graph's inputs (for @input_value).
 */
static int value_info_type(struct import_ctx *ctx, const Onnx__ValueInfoProto *vi,
			   struct ir_tensor *t, size_t index)
{
	const Onnx__TypeProto__Tensor *tt;
	const Onnx__TensorShapeProto *shape;
	const struct onnx_input_shape *given;

	if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
		return import_fail(ctx, -EOPNOTSUPP, "input '%s': not a tensor", t->name);
	tt = vi->type->tensor_type;
	if (!tt->has_elem_type || !dtype_supported(tt->elem_type))
		return import_fail(ctx, dtype_error(tt->elem_type), "input '%s': unknown or unsupported data type %d",
				   t->name, (int)tt->elem_type);
	shape = tt->shape;
	if (!shape)
		return import_fail(ctx, -EINVAL, "input '%s': no shape", t->name);
	if (shape->n_dim > IR_MAX_RANK)
		return import_fail(ctx, -EINVAL, "input '%s': rank %zu exceeds %d", t->name,
				   shape->n_dim, IR_MAX_RANK);
	given = given_shape(ctx->opts, t->name);
	if (given && given->rank != (int)shape->n_dim)
		return import_fail(ctx, -EINVAL, "input '%s': the shape given has rank %d, the "
				   "model's has rank %zu", t->name, given->rank, shape->n_dim);
	t->dtype = tt->elem_type;
	for (size_t i = 0; i < shape->n_dim; i++) {
		const Onnx__TensorShapeProto__Dimension *d = shape->dim[i];
		bool fixed = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
			     d->dim_value >= 0 && d->dim_value <= IR_MAX_ELEMENTS;

		if (given) {
			int64_t v = given->dims[i];

			if (v < 1 || v > IR_MAX_ELEMENTS)
				return import_fail(ctx, -EINVAL, "input '%s': dimension %zu of the "
						   "shape given is %lld, not 1 or more", t->name, i,
						   (long long)v);
			if (fixed && v != d->dim_value)
				return import_fail(ctx, -EINVAL, "input '%s': dimension %zu is %lld "
						   "in the model, the shape given says %lld", t->name,
						   i, (long long)d->dim_value, (long long)v);
			t->dims[i] = v;
		} else if (fixed) {
			t->dims[i] = d->dim_value;
		} else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
			   symbolic_dim(ctx, index, shape->n_dim, i)) {
			t->dims[i] = symbolic_dim(ctx, index, shape->n_dim, i);
		} else {
			return import_fail(ctx, -EINVAL,
					   "input '%s': dimension %zu ('%s') is not static%s", t->name, i,
					   d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
						   ? d->dim_param : "",
					   i == 0 ? " (set the batch or the input's shape)" :
						    " (set the input's shape)");
		}
	}
	t->rank = (int)shape->n_dim;
	if ((uint64_t)ir_tensor_numel(t) > IR_MAX_ELEMENTS)
		return import_fail(ctx, -EINVAL, "input '%s': too many elements", t->name);
	return 0;
}

/*
 * Every shape given names a graph input (one that is not also an initializer, which IR
 * versions < 4 list among the inputs): checked before the inputs are read, so that a
 * misspelt name is reported as such rather than as the dimension it left symbolic.
 */
static int check_given_shapes(struct import_ctx *ctx, const Onnx__GraphProto *gp)
{
	for (size_t i = 0; i < ctx->opts->n_shapes; i++) {
		const char *name = ctx->opts->shapes[i].name;
		bool found = false;

		if (!name)
			return import_fail(ctx, -EINVAL, "a shape given names no input");
		for (size_t k = 0; k < gp->n_input && !found; k++) {
			found = gp->input[k]->name && !strcmp(gp->input[k]->name, name);
			for (size_t j = 0; found && j < gp->n_initializer; j++)
				if (gp->initializer[j]->name && !strcmp(gp->initializer[j]->name, name))
					found = false;
		}
		if (!found)
			return import_fail(ctx, -EINVAL, "a shape is given for '%s', which is not "
					   "an input of the model (its first input: '%s')", name,
					   gp->n_input && gp->input[0]->name ? gp->input[0]->name : "none");
	}
	return 0;
}

/*
 * Add and Mul whose first operand is the one broadcast (a scalar weight times a feature map,
 * as Paddle's exporter writes PP-OCR's learnable scales: Mul(w[1], x)) get their operands
 * swapped, so that the broadcast operand comes second as the vnpu's BINARY packet takes it.
 * Exact: IEEE addition and multiplication are commutative.
 */
static void commute_broadcast_operands(struct ir_graph *g)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct ir_node *n = g->nodes[i];
		const struct ir_tensor *a, *b, *y;
		int tmp;

		if ((strcmp(n->op_type, "Add") && strcmp(n->op_type, "Mul")) ||
		    (n->domain && n->domain[0]) || n->n_inputs != 2 || n->n_outputs != 1 ||
		    n->inputs[0] < 0 || n->inputs[1] < 0 || n->outputs[0] < 0)
			continue;
		a = g->tensors[n->inputs[0]];
		b = g->tensors[n->inputs[1]];
		y = g->tensors[n->outputs[0]];
		if (a->rank < 0 || b->rank < 0 || y->rank != b->rank ||
		    ir_tensor_numel(a) >= ir_tensor_numel(b) ||
		    memcmp(y->dims, b->dims, sizeof(y->dims[0]) * (size_t)y->rank))
			continue;
		tmp = n->inputs[0];
		n->inputs[0] = n->inputs[1];
		n->inputs[1] = tmp;
	}
}

/* "node 'conv1' (Conv)" or "node #3 (Conv)": how every message names a node. */
static void node_label(const Onnx__NodeProto *np, size_t idx, char *buf, size_t len)
{
	if (np->name && np->name[0])
		snprintf(buf, len, "node '%s' (%s)", np->name, np->op_type ? np->op_type : "?");
	else
		snprintf(buf, len, "node #%zu (%s)", idx, np->op_type ? np->op_type : "?");
}

static int attr_from_proto(struct import_ctx *ctx, const char *label, const Onnx__AttributeProto *ap,
			   struct ir_node *node)
{
	struct ir_attr *a;
	char what[512];

	if (!ap->name || !ap->name[0])
		return import_fail(ctx, -EINVAL, "%s: attribute without a name", label);
	switch (ap->type) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
		a = ir_node_add_attr(node, ap->name, IR_ATTR_INT);
		if (!a)
			return -ENOMEM;
		a->i = ap->i;
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
		a = ir_node_add_attr(node, ap->name, IR_ATTR_FLOAT);
		if (!a)
			return -ENOMEM;
		a->f = ap->f;
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
		a = ir_node_add_attr(node, ap->name, IR_ATTR_STRING);
		if (!a)
			return -ENOMEM;
		a->s = malloc(ap->s.len + 1);
		if (!a->s)
			return -ENOMEM;
		if (ap->s.len)
			memcpy(a->s, ap->s.data, ap->s.len);
		a->s[ap->s.len] = 0;
		a->len = ap->s.len;
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
		a = ir_node_add_attr(node, ap->name, IR_ATTR_INTS);
		if (!a)
			return -ENOMEM;
		a->ints = malloc((ap->n_ints ? ap->n_ints : 1) * sizeof(int64_t));
		if (!a->ints)
			return -ENOMEM;
		if (ap->n_ints)
			memcpy(a->ints, ap->ints, ap->n_ints * sizeof(int64_t));
		a->len = ap->n_ints;
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
		a = ir_node_add_attr(node, ap->name, IR_ATTR_FLOATS);
		if (!a)
			return -ENOMEM;
		a->floats = malloc((ap->n_floats ? ap->n_floats : 1) * sizeof(float));
		if (!a->floats)
			return -ENOMEM;
		if (ap->n_floats)
			memcpy(a->floats, ap->floats, ap->n_floats * sizeof(float));
		a->len = ap->n_floats;
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
		if (!ap->t)
			return import_fail(ctx, -EINVAL, "%s: attribute '%s' has no tensor", label, ap->name);
		a = ir_node_add_attr(node, ap->name, IR_ATTR_TENSOR);
		if (!a)
			return -ENOMEM;
		a->t = calloc(1, sizeof(*a->t));
		if (!a->t)
			return -ENOMEM;
		a->t->rank = -1;
		a->t->name = strdup(ap->name);
		if (!a->t->name)
			return -ENOMEM;
		snprintf(what, sizeof(what), "%s: attribute '%s'", label, ap->name);
		return tensor_from_proto(ctx, what, ap->t, a->t);
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED:
		return import_fail(ctx, -EINVAL, "%s: bad attribute type for '%s' (undefined)", label,
				   ap->name);
	default:
		return import_fail(ctx, -EOPNOTSUPP, "%s: attribute '%s' has an unsupported type %d",
				   label, ap->name, (int)ap->type);
	}
}

static int import_node(struct import_ctx *ctx, const Onnx__NodeProto *np, size_t idx)
{
	struct ir_graph *g = ctx->g;
	struct ir_node *node;
	char label[256];
	int ret;

	node_label(np, idx, label, sizeof(label));
	if (!np->op_type || !np->op_type[0])
		return import_fail(ctx, -EINVAL, "%s: no op_type", label);
	node = ir_graph_add_node(g, np->name, np->op_type, np->domain);
	if (!node)
		return -ENOMEM;
	for (size_t i = 0; i < np->n_input; i++) {
		int t = -1;

		/* "" is an omitted optional input. */
		if (np->input[i][0]) {
			t = ir_graph_find_tensor(g, np->input[i]);
			if (t < 0)
				return import_fail(ctx, -EINVAL, "%s: missing input '%s' (not produced before)",
						   label, np->input[i]);
		}
		ret = ir_index_append(&node->inputs, &node->n_inputs, t);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < np->n_output; i++) {
		int t = -1;

		if (np->output[i][0]) {
			t = ir_graph_add_tensor(g, np->output[i]);
			if (t == -EEXIST)
				return import_fail(ctx, -EINVAL, "%s: output '%s' is already defined", label,
						   np->output[i]);
			if (t < 0)
				return t;
		}
		ret = ir_index_append(&node->outputs, &node->n_outputs, t);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < np->n_attribute; i++) {
		ret = attr_from_proto(ctx, label, np->attribute[i], node);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A graph output's declared type and static shape, set before inference: what an operator
 * whose output shape depends on run-time values (TopK's k input, ReduceSum's axes input...)
 * keeps, its kernel checking the values against it. Every other operator sets its own, which
 * check_output() then compares with the declaration.
 */
static void declare_output(const Onnx__ValueInfoProto *vi, struct ir_tensor *t)
{
	const Onnx__TensorShapeProto *shape;

	if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
	    !vi->type->tensor_type->has_elem_type || !dtype_supported(vi->type->tensor_type->elem_type))
		return;
	shape = vi->type->tensor_type->shape;
	if (!shape || shape->n_dim > IR_MAX_RANK)
		return;
	for (size_t i = 0; i < shape->n_dim; i++)
		if (shape->dim[i]->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
		    shape->dim[i]->dim_value < 0 || shape->dim[i]->dim_value > IR_MAX_ELEMENTS)
			return;
	for (size_t i = 0; i < shape->n_dim; i++)
		t->dims[i] = shape->dim[i]->dim_value;
	t->dtype = vi->type->tensor_type->elem_type;
	t->rank = (int)shape->n_dim;
	if ((uint64_t)ir_tensor_numel(t) > IR_MAX_ELEMENTS)
		t->rank = -1;
}

/* A declared output shape, when fully static, must be what inference found. */
static int check_output(struct import_ctx *ctx, const Onnx__ValueInfoProto *vi, const struct ir_tensor *t)
{
	const Onnx__TensorShapeProto *shape;

	if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
		return 0;
	if (vi->type->tensor_type->has_elem_type && vi->type->tensor_type->elem_type &&
	    vi->type->tensor_type->elem_type != (int32_t)t->dtype)
		return import_fail(ctx, -EINVAL, "output '%s': declared %d, inferred %s", t->name,
				   (int)vi->type->tensor_type->elem_type, ir_dtype_name(t->dtype));
	shape = vi->type->tensor_type->shape;
	if (!shape)
		return 0;
	for (size_t i = 0; i < shape->n_dim; i++)
		if (shape->dim[i]->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
			return 0;
	if ((int)shape->n_dim != t->rank)
		return import_fail(ctx, -EINVAL, "output '%s': declared rank %zu, inferred %d", t->name,
				   shape->n_dim, t->rank);
	for (size_t i = 0; i < shape->n_dim; i++)
		if (shape->dim[i]->dim_value != t->dims[i])
			return import_fail(ctx, -EINVAL,
					   "output '%s': dimension %zu declared %lld, inferred %lld",
					   t->name, i, (long long)shape->dim[i]->dim_value,
					   (long long)t->dims[i]);
	return 0;
}

static int import_model(struct import_ctx *ctx, const Onnx__ModelProto *mp)
{
	const Onnx__GraphProto *gp = mp->graph;
	struct ir_graph *g = ctx->g;
	int64_t opset = -1;
	char what[512];
	int ret, t;

	for (size_t i = 0; i < mp->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *os = mp->opset_import[i];

		if (!os->domain || !os->domain[0] || !strcmp(os->domain, "ai.onnx"))
			opset = os->has_version ? os->version : -1;
	}
	if (opset < 0)
		return import_fail(ctx, -EOPNOTSUPP, "model: no opset for the default domain");
	if (opset < ONNX_IMPORT_OPSET_MIN || opset > ONNX_IMPORT_OPSET_MAX)
		return import_fail(ctx, -EOPNOTSUPP, "model: opset %lld is not supported (%d to %d)",
				   (long long)opset, ONNX_IMPORT_OPSET_MIN, ONNX_IMPORT_OPSET_MAX);
	g->opset = opset;
	if (!gp)
		return import_fail(ctx, -EINVAL, "model: no graph");

	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *tp = gp->initializer[i];

		if (!tp->name || !tp->name[0])
			return import_fail(ctx, -EINVAL, "initializer #%zu: no name", i);
		t = ir_graph_add_tensor(g, tp->name);
		if (t == -EEXIST)
			return import_fail(ctx, -EINVAL, "initializer '%s': defined twice", tp->name);
		if (t < 0)
			return t;
		snprintf(what, sizeof(what), "initializer '%s'", tp->name);
		ret = tensor_from_proto(ctx, what, tp, g->tensors[t]);
		if (ret)
			return ret;
		ret = ir_index_append(&g->initializers, &g->n_initializers, t);
		if (ret)
			return ret;
	}
	ret = check_given_shapes(ctx, gp);
	if (ret)
		return ret;
	for (size_t i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];

		if (!vi->name || !vi->name[0])
			return import_fail(ctx, -EINVAL, "input #%zu: no name", i);
		/* IR versions < 4 list the initializers among the inputs too: a default value. */
		if (ir_graph_find_tensor(g, vi->name) >= 0)
			continue;
		t = ir_graph_add_tensor(g, vi->name);
		if (t < 0)
			return t;
		ret = value_info_type(ctx, vi, g->tensors[t], g->n_inputs);
		if (ret)
			return ret;
		ret = ir_index_append(&g->inputs, &g->n_inputs, t);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < gp->n_node; i++) {
		ret = import_node(ctx, gp->node[i], i);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < gp->n_output; i++) {
		const char *name = gp->output[i]->name;

		t = name ? ir_graph_find_tensor(g, name) : -ENOENT;
		if (t < 0)
			return import_fail(ctx, -EINVAL, "output '%s': not produced by any node",
					   name ? name : "");
		ret = ir_index_append(&g->outputs, &g->n_outputs, t);
		if (ret)
			return ret;
		/* A graph input or an initializer named as an output keeps its own. */
		if (g->tensors[t]->rank < 0)
			declare_output(gp->output[i], g->tensors[t]);
	}
	ret = ir_infer_shapes_bound(g, ctx->opts->input_value, ctx->opts->input_value_ctx,
				    ctx->err, ctx->err_len);
	if (ret)
		return ret;
	commute_broadcast_operands(g);
	for (size_t i = 0; i < gp->n_output; i++) {
		ret = check_output(ctx, gp->output[i], g->tensors[g->outputs[i]]);
		if (ret)
			return ret;
	}
	return 0;
}

int onnx_import_buffer(const void *buf, size_t len, const char *base_dir,
		       const struct onnx_import_options *opts, struct ir_graph **out,
		       char *err, size_t err_len)
{
	static const struct onnx_import_options defaults;
	struct import_ctx ctx = {
		.base_dir = base_dir, .opts = opts ? opts : &defaults, .err = err, .err_len = err_len,
	};
	Onnx__ModelProto *mp;
	int ret;

	if (err_len)
		err[0] = 0;
	if (ctx.opts->batch < 0)
		return import_fail(&ctx, -EINVAL, "options: negative batch");
	if (ctx.opts->n_shapes && !ctx.opts->shapes)
		return import_fail(&ctx, -EINVAL, "options: shapes counted but not given");
	for (size_t i = 0; i < ctx.opts->n_shapes; i++)
		if (ctx.opts->shapes[i].rank < 0 || ctx.opts->shapes[i].rank > IR_MAX_RANK ||
		    (ctx.opts->shapes[i].rank && !ctx.opts->shapes[i].dims))
			return import_fail(&ctx, -EINVAL, "options: shape %zu has a bad rank", i);
	mp = onnx__model_proto__unpack(NULL, len, buf);
	if (!mp)
		return import_fail(&ctx, -EINVAL, "model: truncated or corrupt file (not a ModelProto)");
	ctx.g = ir_graph_create();
	if (!ctx.g) {
		ret = -ENOMEM;
		goto out_unpack;
	}
	ret = import_model(&ctx, mp);
	if (ret)
		goto out_graph;
	*out = ctx.g;
	onnx__model_proto__free_unpacked(mp, NULL);
	return 0;

out_graph:
	if (ret == -ENOMEM && err_len && !err[0])
		import_fail(&ctx, ret, "out of memory");
	ir_graph_destroy(ctx.g);
out_unpack:
	onnx__model_proto__free_unpacked(mp, NULL);
	return ret;
}

int onnx_import_file(const char *path, const struct onnx_import_options *opts,
		     struct ir_graph **out, char *err, size_t err_len)
{
	char *buf = NULL, *dir = NULL, *slash;
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(-ret));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > ONNX_IMPORT_MAX_FILE) {
		ret = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		snprintf(err, err_len, "%s: %s", path, S_ISREG(st.st_mode) ? "file too large" :
			 "not a regular file");
		goto out_close;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n ? -errno : -EIO;
			snprintf(err, err_len, "%s: read: %s", path, strerror(-ret));
			goto out_free;
		}
		done += (size_t)n;
	}
	dir = strdup(path);
	if (!dir) {
		ret = -ENOMEM;
		goto out_free;
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash == dir ? (void)(slash[1] = 0) : (void)(*slash = 0);
	else
		strcpy(dir, ".");	/* fits: strlen(path) >= 1 when open() succeeded */
	ret = onnx_import_buffer(buf, done, dir, opts, out, err, err_len);
	free(dir);
out_free:
	free(buf);
out_close:
	close(fd);
	return ret;
}
