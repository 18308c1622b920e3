// SPDX-License-Identifier: MIT
/*
 * The IR back into an ONNX ModelProto (compiler/onnx_export.h): what a compiled program file
 * carries for its host stages, and what `accel compile --emit-onnx` writes. The message is
 * built from pointers into the graph (names, attribute arrays, tensor bytes) plus a few
 * allocations of our own, each recorded in an arena and freed together after packing.
 */
#include "compiler/onnx_export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/op.h"
#include "onnx.pb-c.h"

struct export_arena {
	void **ptr;
	size_t n, cap;
	bool failed;
};

/* A zeroed allocation owned by the arena, or NULL (and the arena marked failed). */
static void *arena_alloc(struct export_arena *a, size_t size)
{
	void *p;

	if (a->failed)
		return NULL;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		void **np = realloc(a->ptr, cap * sizeof(*np));

		if (!np) {
			a->failed = true;
			return NULL;
		}
		a->ptr = np;
		a->cap = cap;
	}
	p = calloc(1, size ? size : 1);
	if (!p) {
		a->failed = true;
		return NULL;
	}
	a->ptr[a->n++] = p;
	return p;
}

static void arena_free(struct export_arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->ptr[i]);
	free(a->ptr);
}

static Onnx__TensorProto *export_tensor(struct export_arena *a, const struct ir_tensor *t)
{
	Onnx__TensorProto *tp = arena_alloc(a, sizeof(*tp));

	if (!tp)
		return NULL;
	onnx__tensor_proto__init(tp);
	tp->name = t->name;
	tp->has_data_type = 1;
	tp->data_type = t->dtype;
	tp->n_dims = (size_t)t->rank;
	tp->dims = (int64_t *)t->dims;
	tp->has_raw_data = 1;
	tp->raw_data.len = t->data_size;
	tp->raw_data.data = t->data;
	return tp;
}

static Onnx__ValueInfoProto *export_value_info(struct export_arena *a, const struct ir_tensor *t)
{
	Onnx__ValueInfoProto *vi = arena_alloc(a, sizeof(*vi));
	Onnx__TypeProto *type = arena_alloc(a, sizeof(*type));
	Onnx__TypeProto__Tensor *tt = arena_alloc(a, sizeof(*tt));
	Onnx__TensorShapeProto *shape = arena_alloc(a, sizeof(*shape));
	Onnx__TensorShapeProto__Dimension **dims =
		arena_alloc(a, (size_t)(t->rank > 0 ? t->rank : 1) * sizeof(*dims));

	if (!vi || !type || !tt || !shape || !dims)
		return NULL;
	onnx__value_info_proto__init(vi);
	onnx__type_proto__init(type);
	onnx__type_proto__tensor__init(tt);
	onnx__tensor_shape_proto__init(shape);
	for (int d = 0; d < t->rank; d++) {
		dims[d] = arena_alloc(a, sizeof(*dims[d]));
		if (!dims[d])
			return NULL;
		onnx__tensor_shape_proto__dimension__init(dims[d]);
		dims[d]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
		dims[d]->dim_value = t->dims[d];
	}
	shape->n_dim = (size_t)(t->rank > 0 ? t->rank : 0);
	shape->dim = dims;
	tt->has_elem_type = 1;
	tt->elem_type = t->dtype;
	tt->shape = t->rank >= 0 ? shape : NULL;
	type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	type->tensor_type = tt;
	vi->name = t->name;
	vi->type = type;
	return vi;
}

static int export_attr(struct export_arena *a, const struct ir_attr *at, Onnx__AttributeProto **out)
{
	Onnx__AttributeProto *ap = arena_alloc(a, sizeof(*ap));

	if (!ap)
		return -ENOMEM;
	onnx__attribute_proto__init(ap);
	ap->name = at->name;
	ap->has_type = 1;
	switch (at->type) {
	case IR_ATTR_INT:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
		ap->has_i = 1;
		ap->i = at->i;
		break;
	case IR_ATTR_FLOAT:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
		ap->has_f = 1;
		ap->f = at->f;
		break;
	case IR_ATTR_STRING:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
		ap->has_s = 1;
		ap->s.len = at->len;
		ap->s.data = (uint8_t *)at->s;
		break;
	case IR_ATTR_INTS:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
		ap->n_ints = at->len;
		ap->ints = at->ints;
		break;
	case IR_ATTR_FLOATS:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
		ap->n_floats = at->len;
		ap->floats = at->floats;
		break;
	case IR_ATTR_TENSOR:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
		ap->t = export_tensor(a, at->t);
		if (!ap->t)
			return -ENOMEM;
		break;
	default:
		return -EINVAL;
	}
	*out = ap;
	return 0;
}

/* A node the reader already computed (every output a constant) is not written: its outputs are. */
static bool node_folded(const struct ir_graph *g, const struct ir_node *n)
{
	for (size_t o = 0; o < n->n_outputs; o++)
		if (n->outputs[o] >= 0 && !g->tensors[n->outputs[o]]->data)
			return false;
	return n->n_outputs > 0;
}

static int export_node(struct export_arena *a, const struct ir_graph *g, const struct ir_node *n,
		       Onnx__NodeProto **out)
{
	Onnx__NodeProto *np = arena_alloc(a, sizeof(*np));
	char **ins = arena_alloc(a, (n->n_inputs + 1) * sizeof(char *));
	char **outs = arena_alloc(a, (n->n_outputs + 1) * sizeof(char *));
	Onnx__AttributeProto **attrs = arena_alloc(a, (n->n_attrs + 1) * sizeof(*attrs));

	if (!np || !ins || !outs || !attrs)
		return -ENOMEM;
	onnx__node_proto__init(np);
	/* An omitted optional input or output is the empty name, as in ONNX. */
	for (size_t i = 0; i < n->n_inputs; i++)
		ins[i] = n->inputs[i] < 0 ? "" : g->tensors[n->inputs[i]]->name;
	for (size_t o = 0; o < n->n_outputs; o++)
		outs[o] = n->outputs[o] < 0 ? "" : g->tensors[n->outputs[o]]->name;
	for (size_t k = 0; k < n->n_attrs; k++) {
		int ret = export_attr(a, &n->attrs[k], &attrs[k]);

		if (ret)
			return ret;
	}
	np->n_input = n->n_inputs;
	np->input = ins;
	np->n_output = n->n_outputs;
	np->output = outs;
	np->n_attribute = n->n_attrs;
	np->attribute = attrs;
	np->name = n->name;
	np->op_type = n->op_type;
	np->domain = n->domain;
	*out = np;
	return 0;
}

/* Graph inputs, not written as initializers even when a test or a caller gave them data. */
static bool is_graph_input(const struct ir_graph *g, size_t t)
{
	for (size_t i = 0; i < g->n_inputs; i++)
		if ((size_t)g->inputs[i] == t)
			return true;
	return false;
}

static int export_graph(struct export_arena *a, const struct ir_graph *g, Onnx__GraphProto *gp)
{
	size_t n_init = 0, n_nodes = 0, n_vi = 0;

	gp->node = arena_alloc(a, (g->n_nodes + 1) * sizeof(*gp->node));
	gp->initializer = arena_alloc(a, (g->n_tensors + 1) * sizeof(*gp->initializer));
	gp->input = arena_alloc(a, (g->n_inputs + 1) * sizeof(*gp->input));
	gp->output = arena_alloc(a, (g->n_outputs + 1) * sizeof(*gp->output));
	gp->value_info = arena_alloc(a, (g->n_tensors + 1) * sizeof(*gp->value_info));
	if (a->failed)
		return -ENOMEM;
	gp->name = "accel";
	for (size_t i = 0; i < g->n_nodes; i++) {
		int ret;

		if (node_folded(g, g->nodes[i]))
			continue;
		ret = export_node(a, g, g->nodes[i], &gp->node[n_nodes]);
		if (ret)
			return ret;
		n_nodes++;
	}
	for (size_t t = 0; t < g->n_tensors; t++) {
		const struct ir_tensor *ten = g->tensors[t];

		if (ten->data && !is_graph_input(g, t)) {
			gp->initializer[n_init] = export_tensor(a, ten);
			if (!gp->initializer[n_init++])
				return -ENOMEM;
		} else if (!ten->data && ten->rank >= 0 && ten->dtype != IR_DTYPE_UNDEFINED) {
			/* Intermediate shapes, so that a reader can check its own inference. */
			gp->value_info[n_vi] = export_value_info(a, ten);
			if (!gp->value_info[n_vi++])
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < g->n_inputs; i++) {
		gp->input[i] = export_value_info(a, g->tensors[g->inputs[i]]);
		if (!gp->input[i])
			return -ENOMEM;
	}
	for (size_t i = 0; i < g->n_outputs; i++) {
		gp->output[i] = export_value_info(a, g->tensors[g->outputs[i]]);
		if (!gp->output[i])
			return -ENOMEM;
	}
	gp->n_node = n_nodes;
	gp->n_initializer = n_init;
	gp->n_input = g->n_inputs;
	gp->n_output = g->n_outputs;
	gp->n_value_info = n_vi;
	return 0;
}

int onnx_export_buffer(const struct ir_graph *g, void **buf, size_t *len)
{
	struct export_arena a = { 0 };
	Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
	Onnx__GraphProto gp = ONNX__GRAPH_PROTO__INIT;
	Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
	Onnx__OperatorSetIdProto ms = ONNX__OPERATOR_SET_ID_PROTO__INIT;
	Onnx__OperatorSetIdProto *opsets[2] = { &opset, &ms };
	bool uses_ms = false;
	size_t size;
	void *out;
	int ret;

	ret = export_graph(&a, g, &gp);
	if (ret)
		goto out;
	opset.domain = "";
	opset.has_version = 1;
	opset.version = g->opset;
	m.has_ir_version = 1;
	m.ir_version = ONNX_EXPORT_IR_VERSION;
	m.producer_name = "accel";
	/* ONNX Runtime's contrib ops (the quantizer's QLinearAdd, ...) need their domain's opset. */
	for (size_t i = 0; i < g->n_nodes; i++)
		if (g->nodes[i]->domain && !strcmp(g->nodes[i]->domain, OP_DOMAIN_MS))
			uses_ms = true;
	ms.domain = OP_DOMAIN_MS;
	ms.has_version = 1;
	ms.version = 1;
	m.n_opset_import = uses_ms ? 2 : 1;
	m.opset_import = opsets;
	m.graph = &gp;
	size = onnx__model_proto__get_packed_size(&m);
	out = malloc(size ? size : 1);
	if (!out) {
		ret = -ENOMEM;
		goto out;
	}
	onnx__model_proto__pack(&m, out);
	*buf = out;
	*len = size;
out:
	arena_free(&a);
	return ret;
}

int onnx_export_file(const struct ir_graph *g, const char *path)
{
	size_t len, done = 0;
	void *buf;
	int fd, ret = onnx_export_buffer(g, &buf, &len);

	if (ret)
		return ret;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, (char *)buf + done, len - done);

		if (n < 0) {
			ret = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (close(fd) && !ret)
		ret = -errno;
out:
	free(buf);
	return ret;
}
