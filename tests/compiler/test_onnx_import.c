// SPDX-License-Identifier: MIT
/*
 * The ONNX reader (compiler/onnx_import.h): real models of Debian's libonnx-testdata, and
 * models built here with the generated protobuf-c structs, serialized into a temporary
 * directory. One behaviour per test.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compiler/onnx_import.h"
#include "compiler/onnx_tensor.h"
#include "compiler/shape_infer.h"
#include "onnx.pb-c.h"

#define CONV_MODEL ONNX_TESTDATA_DIR "/node/test_conv_with_strides_padding/model.onnx"

/* Everything a built model points to, freed at the end of each test. */
static void *arena[512];
static size_t arena_n;
static char tmpdir[64];
static char errbuf[512];

static void *talloc(size_t size)
{
	void *p = calloc(1, size);

	assert_non_null(p);
	assert_true(arena_n < sizeof(arena) / sizeof(arena[0]));
	arena[arena_n++] = p;
	return p;
}

static char *tstr(const char *s)
{
	char *p = talloc(strlen(s) + 1);

	return strcpy(p, s);
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_onnx_XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	while (arena_n)
		free(arena[--arena_n]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

/* A tensor value_info; a dimension of -1 is the symbolic "N". */
static Onnx__ValueInfoProto *value_info(const char *name, int dtype, int rank, const int64_t *dims)
{
	Onnx__ValueInfoProto *vi = talloc(sizeof(*vi));
	Onnx__TypeProto *tp = talloc(sizeof(*tp));
	Onnx__TypeProto__Tensor *tt = talloc(sizeof(*tt));
	Onnx__TensorShapeProto *sh = talloc(sizeof(*sh));

	onnx__value_info_proto__init(vi);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	onnx__tensor_shape_proto__init(sh);
	sh->n_dim = rank;
	sh->dim = talloc(sizeof(*sh->dim) * (rank ? rank : 1));
	for (int i = 0; i < rank; i++) {
		Onnx__TensorShapeProto__Dimension *d = talloc(sizeof(*d));

		onnx__tensor_shape_proto__dimension__init(d);
		if (dims[i] < 0) {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			d->dim_param = tstr("N");
		} else {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			d->dim_value = dims[i];
		}
		sh->dim[i] = d;
	}
	tt->has_elem_type = 1;
	tt->elem_type = dtype;
	tt->shape = sh;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	vi->name = tstr(name);
	vi->type = tp;
	return vi;
}

static Onnx__NodeProto *node(const char *name, const char *op, const char *in0, const char *in1,
			     const char *out0)
{
	Onnx__NodeProto *n = talloc(sizeof(*n));

	onnx__node_proto__init(n);
	n->name = tstr(name);
	n->op_type = tstr(op);
	n->input = talloc(2 * sizeof(char *));
	n->input[n->n_input++] = tstr(in0);
	if (in1)
		n->input[n->n_input++] = tstr(in1);
	n->output = talloc(sizeof(char *));
	n->output[n->n_output++] = tstr(out0);
	return n;
}

static void node_attr_int(Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = talloc(sizeof(*a));

	onnx__attribute_proto__init(a);
	a->name = tstr(name);
	a->has_type = 1;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	a->has_i = 1;
	a->i = v;
	n->attribute = talloc(sizeof(*n->attribute));
	n->attribute[0] = a;
	n->n_attribute = 1;
}

static Onnx__TensorProto *tensor(const char *name, int dtype, int rank, const int64_t *dims)
{
	Onnx__TensorProto *t = talloc(sizeof(*t));

	onnx__tensor_proto__init(t);
	t->name = tstr(name);
	t->has_data_type = 1;
	t->data_type = dtype;
	t->n_dims = rank;
	t->dims = talloc(sizeof(int64_t) * (rank ? rank : 1));
	memcpy(t->dims, dims, sizeof(int64_t) * rank);
	return t;
}

static void tensor_external(Onnx__TensorProto *t, const char *location, const char *offset,
			    const char *length)
{
	const char *kv[3][2] = { { "location", location }, { "offset", offset }, { "length", length } };

	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	t->external_data = talloc(3 * sizeof(*t->external_data));
	for (int i = 0; i < 3; i++) {
		Onnx__StringStringEntryProto *e = talloc(sizeof(*e));

		onnx__string_string_entry_proto__init(e);
		e->key = tstr(kv[i][0]);
		e->value = tstr(kv[i][1]);
		t->external_data[t->n_external_data++] = e;
	}
}

/*
 * A one-graph model of @n_nodes nodes, the inputs and outputs given, at @opset, serialized
 * to tmpdir/@file; returns the path (in the arena).
 */
static char *model_write(const char *file, int64_t opset, Onnx__NodeProto **nodes, size_t n_nodes,
			 Onnx__ValueInfoProto **ins, size_t n_ins, Onnx__ValueInfoProto **outs,
			 size_t n_outs, Onnx__TensorProto **inits, size_t n_inits)
{
	Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
	Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
	Onnx__OperatorSetIdProto os = ONNX__OPERATOR_SET_ID_PROTO__INIT;
	Onnx__OperatorSetIdProto *osp = &os;
	char *path = talloc(256);
	size_t len;
	uint8_t *buf;
	FILE *f;

	os.domain = tstr("");
	os.has_version = 1;
	os.version = opset;
	g.name = tstr("g");
	g.node = nodes;
	g.n_node = n_nodes;
	g.input = ins;
	g.n_input = n_ins;
	g.output = outs;
	g.n_output = n_outs;
	g.initializer = inits;
	g.n_initializer = n_inits;
	m.has_ir_version = 1;
	m.ir_version = 8;
	m.graph = &g;
	m.opset_import = &osp;
	m.n_opset_import = 1;
	len = onnx__model_proto__get_packed_size(&m);
	buf = talloc(len);
	onnx__model_proto__pack(&m, buf);
	snprintf(path, 256, "%s/%s", tmpdir, file);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	return path;
}

/* x[2,3] -> Relu -> y: the smallest model, at @opset, with x's first dimension @d0. */
static char *relu_model(int64_t opset, int64_t d0)
{
	int64_t dims[2] = { d0, 3 };
	Onnx__ValueInfoProto *in = value_info("x", 1, 2, dims), *out = value_info("y", 1, 0, NULL);
	Onnx__NodeProto *n = node("relu0", "Relu", "x", NULL, "y");

	/* The output's declared shape left empty: nothing to check it against. */
	out->type->tensor_type->shape = NULL;
	return model_write("relu.onnx", opset, &n, 1, &in, 1, &out, 1, NULL, 0);
}

static bool have_testdata(void)
{
	return access(CONV_MODEL, R_OK) == 0;
}

static void test_conv_model_imports_with_shapes(void **state)
{
	struct ir_graph *g = NULL;
	const struct ir_tensor *y;
	const int64_t want[4] = { 1, 1, 4, 3 };

	(void)state;
	if (!have_testdata())
		skip();
	assert_int_equal(onnx_import_file(CONV_MODEL, NULL, &g, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(g->n_nodes, 1);
	assert_string_equal(g->nodes[0]->op_type, "Conv");
	assert_int_equal(g->n_inputs, 2);
	assert_int_equal(g->tensors[g->inputs[0]]->rank, 4);
	assert_int_equal(g->tensors[g->inputs[0]]->dims[2], 7);
	assert_int_equal(g->tensors[g->inputs[0]]->dims[3], 5);
	assert_int_equal(g->n_outputs, 1);
	y = g->tensors[g->outputs[0]];
	assert_int_equal(y->dtype, IR_DTYPE_FLOAT);
	assert_int_equal(y->rank, 4);
	assert_memory_equal(y->dims, want, sizeof(want));
	ir_graph_destroy(g);
}

static void test_truncated_model_is_einval(void **state)
{
	char path[128], *buf;
	struct ir_graph *g = NULL;
	FILE *f;
	long len;

	(void)state;
	if (!have_testdata())
		skip();
	f = fopen(CONV_MODEL, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = talloc(len);
	assert_int_equal(fread(buf, 1, len, f), (size_t)len);
	fclose(f);
	snprintf(path, sizeof(path), "%s/truncated.onnx", tmpdir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len - 7, f), (size_t)(len - 7));
	fclose(f);
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), -EINVAL);
	assert_null(g);
	assert_non_null(strstr(errbuf, "truncated or corrupt"));
}

static void test_unsupported_op_is_eopnotsupp_naming_node(void **state)
{
	int64_t dims[2] = { 2, 3 };
	Onnx__ValueInfoProto *in = value_info("x", 1, 2, dims), *out = value_info("y", 1, 2, dims);
	Onnx__NodeProto *n = node("weird0", "FrobnicateV2", "x", NULL, "y");
	char *path = model_write("op.onnx", 13, &n, 1, &in, 1, &out, 1, NULL, 0);
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), -EOPNOTSUPP);
	assert_non_null(strstr(errbuf, "unsupported op FrobnicateV2"));
	assert_non_null(strstr(errbuf, "'weird0'"));
}

static void test_missing_input_is_einval_naming_node(void **state)
{
	int64_t dims[2] = { 2, 3 };
	Onnx__ValueInfoProto *in = value_info("x", 1, 2, dims), *out = value_info("y", 1, 2, dims);
	Onnx__NodeProto *n = node("add0", "Add", "x", "nowhere", "y");
	char *path = model_write("missing.onnx", 13, &n, 1, &in, 1, &out, 1, NULL, 0);
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "node 'add0' (Add): missing input 'nowhere'"));
}

static void test_bad_attribute_type_is_einval(void **state)
{
	int64_t dims[2] = { 2, 3 };
	Onnx__ValueInfoProto *in = value_info("x", 1, 2, dims), *out = value_info("y", 1, 0, NULL);
	Onnx__NodeProto *n = node("", "Transpose", "x", NULL, "y");
	char *path;
	struct ir_graph *g = NULL;

	(void)state;
	node_attr_int(n, "perm", 1);	/* perm is ints */
	out->type->tensor_type->shape = NULL;
	path = model_write("attr.onnx", 13, &n, 1, &in, 1, &out, 1, NULL, 0);
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), -EINVAL);
	/* An unnamed node is named by its index and op. */
	assert_non_null(strstr(errbuf, "node #0 (Transpose): bad attribute type for 'perm'"));
}

static void test_opset_out_of_range_is_eopnotsupp(void **state)
{
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model(18, 2), NULL, &g, errbuf, sizeof(errbuf)),
			 -EOPNOTSUPP);
	assert_non_null(strstr(errbuf, "opset 18"));
	assert_int_equal(onnx_import_file(relu_model(0, 2), NULL, &g, errbuf, sizeof(errbuf)),
			 -EOPNOTSUPP);
	assert_non_null(strstr(errbuf, "opset 0"));
	assert_int_equal(onnx_import_file(relu_model(17, 2), NULL, &g, errbuf, sizeof(errbuf)), 0);
	ir_graph_destroy(g);
}

/* Opsets 1 to 6 import too: old-opset attribute differences are each operator's business. */
static void test_old_opsets_import(void **state)
{
	struct ir_graph *g = NULL;

	(void)state;
	for (int64_t opset = 1; opset < 7; opset++) {
		assert_int_equal(onnx_import_file(relu_model(opset, 2), NULL, &g, errbuf,
						  sizeof(errbuf)), 0);
		assert_int_equal(g->opset, opset);
		ir_graph_destroy(g);
		g = NULL;
	}
}

static void test_symbolic_batch_needs_the_option(void **state)
{
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model(13, -1), NULL, &g, errbuf, sizeof(errbuf)), -EINVAL);
	assert_null(g);
	assert_non_null(strstr(errbuf, "input 'x': dimension 0 ('N') is not static"));
}

static void test_batch_option_fixes_symbolic_dimension(void **state)
{
	struct onnx_import_options opts = { .batch = 4 };
	struct ir_graph *g = NULL;
	const struct ir_tensor *y;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model(13, -1), &opts, &g, errbuf, sizeof(errbuf)), 0);
	y = g->tensors[g->outputs[0]];
	assert_int_equal(y->rank, 2);
	assert_int_equal(y->dims[0], 4);
	assert_int_equal(y->dims[1], 3);
	ir_graph_destroy(g);
}

/* Relu of x[N, 3, N]: a symbolic dimension after the first. */
static char *relu_model_3d(void)
{
	int64_t dims[3] = { -1, 3, -1 };
	Onnx__ValueInfoProto *in = value_info("x", 1, 3, dims), *out = value_info("y", 1, 0, NULL);
	Onnx__NodeProto *n = node("relu0", "Relu", "x", NULL, "y");

	out->type->tensor_type->shape = NULL;
	return model_write("relu3.onnx", 13, &n, 1, &in, 1, &out, 1, NULL, 0);
}

static void test_symbolic_inner_dimension_needs_a_shape(void **state)
{
	struct onnx_import_options opts = { .batch = 2 };
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model_3d(), &opts, &g, errbuf, sizeof(errbuf)),
			 -EINVAL);
	assert_null(g);
	assert_non_null(strstr(errbuf, "input 'x': dimension 2 ('N') is not static"));
}

static void test_shape_option_fixes_every_symbolic_dimension(void **state)
{
	static const int64_t dims[3] = { 2, 3, 5 };
	struct onnx_input_shape shape = { "x", 3, dims };
	struct onnx_import_options opts = { .batch = 7, .shapes = &shape, .n_shapes = 1 };
	struct ir_graph *g = NULL;
	const struct ir_tensor *y;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model_3d(), &opts, &g, errbuf, sizeof(errbuf)), 0);
	y = g->tensors[g->outputs[0]];
	assert_int_equal(y->rank, 3);
	assert_memory_equal(y->dims, dims, sizeof(dims));
	ir_graph_destroy(g);
}

static void test_shape_option_of_unknown_input_is_einval(void **state)
{
	static const int64_t dims[3] = { 2, 3, 5 };
	struct onnx_input_shape shapes[2] = { { "x", 3, dims }, { "image", 3, dims } };
	struct onnx_import_options opts = { .shapes = shapes, .n_shapes = 2 };
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model_3d(), &opts, &g, errbuf, sizeof(errbuf)),
			 -EINVAL);
	assert_null(g);
	assert_non_null(strstr(errbuf, "'image', which is not an input of the model"));
}

static void test_shape_option_of_other_rank_is_einval(void **state)
{
	static const int64_t dims[2] = { 2, 3 };
	struct onnx_input_shape shape = { "x", 2, dims };
	struct onnx_import_options opts = { .shapes = &shape, .n_shapes = 1 };
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model_3d(), &opts, &g, errbuf, sizeof(errbuf)),
			 -EINVAL);
	assert_non_null(strstr(errbuf, "input 'x': the shape given has rank 2, the model's has rank 3"));
}

static void test_shape_option_contradicting_a_static_dimension_is_einval(void **state)
{
	static const int64_t dims[3] = { 2, 4, 5 };
	struct onnx_input_shape shape = { "x", 3, dims };
	struct onnx_import_options opts = { .shapes = &shape, .n_shapes = 1 };
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model_3d(), &opts, &g, errbuf, sizeof(errbuf)),
			 -EINVAL);
	assert_non_null(strstr(errbuf, "input 'x': dimension 1 is 3 in the model, the shape given says 4"));
}

static void test_shape_option_of_zero_dimension_is_einval(void **state)
{
	static const int64_t dims[3] = { 2, 3, 0 };
	struct onnx_input_shape shape = { "x", 3, dims };
	struct onnx_import_options opts = { .shapes = &shape, .n_shapes = 1 };
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model_3d(), &opts, &g, errbuf, sizeof(errbuf)),
			 -EINVAL);
	assert_non_null(strstr(errbuf, "dimension 2 of the shape given is 0"));
}

/* The value a test's data set gives input 0: [2, 3, 6]. */
static const struct ir_tensor *value_2x3x6(void *ctx, size_t input)
{
	static int64_t dims[3] = { 2, 3, 6 };
	struct ir_tensor *t = ctx;

	if (input)
		return NULL;
	t->dtype = IR_DTYPE_FLOAT;
	t->rank = 3;
	memcpy(t->dims, dims, sizeof(dims));
	return t;
}

static void test_shapes_from_values_fix_symbolic_dimensions(void **state)
{
	struct ir_tensor value = { 0 };
	struct onnx_import_options opts = { .shapes_from_values = true, .input_value = value_2x3x6,
					    .input_value_ctx = &value };
	struct ir_graph *g = NULL;
	const struct ir_tensor *y;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model_3d(), &opts, &g, errbuf, sizeof(errbuf)), 0);
	y = g->tensors[g->outputs[0]];
	assert_int_equal(y->dims[0], 2);
	assert_int_equal(y->dims[2], 6);
	ir_graph_destroy(g);
}

/* An explicit batch wins over the value's first dimension; the others come from the value. */
static void test_batch_option_wins_over_values(void **state)
{
	struct ir_tensor value = { 0 };
	struct onnx_import_options opts = { .batch = 5, .shapes_from_values = true,
					    .input_value = value_2x3x6, .input_value_ctx = &value };
	struct ir_graph *g = NULL;
	const struct ir_tensor *y;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model_3d(), &opts, &g, errbuf, sizeof(errbuf)), 0);
	y = g->tensors[g->outputs[0]];
	assert_int_equal(y->dims[0], 5);
	assert_int_equal(y->dims[2], 6);
	ir_graph_destroy(g);
}

static void test_shape_option_wins_over_values(void **state)
{
	static const int64_t dims[3] = { 1, 3, 4 };
	struct onnx_input_shape shape = { "x", 3, dims };
	struct ir_tensor value = { 0 };
	struct onnx_import_options opts = { .shapes = &shape, .n_shapes = 1,
					    .shapes_from_values = true, .input_value = value_2x3x6,
					    .input_value_ctx = &value };
	struct ir_graph *g = NULL;
	const struct ir_tensor *y;

	(void)state;
	assert_int_equal(onnx_import_file(relu_model_3d(), &opts, &g, errbuf, sizeof(errbuf)), 0);
	y = g->tensors[g->outputs[0]];
	assert_memory_equal(y->dims, dims, sizeof(dims));
	ir_graph_destroy(g);
}

/* @op(w, x): w a float initializer of @wn elements ([wn]), x[2, 3]. */
static char *broadcast_first_model(const char *op, int64_t wn)
{
	int64_t xdims[2] = { 2, 3 }, wdims[1] = { wn };
	Onnx__ValueInfoProto *in = value_info("x", 1, 2, xdims), *out = value_info("y", 1, 2, xdims);
	Onnx__NodeProto *n = node("op0", op, "w", "x", "y");
	Onnx__TensorProto *w = tensor("w", 1, 1, wdims);

	w->n_float_data = (size_t)wn;
	w->float_data = talloc(sizeof(float) * (size_t)wn);
	for (int64_t i = 0; i < wn; i++)
		w->float_data[i] = 0.5f + (float)i;
	return model_write("bcast_first.onnx", 13, &n, 1, &in, 1, &out, 1, &w, 1);
}

/* The broadcast operand of a Mul or Add goes second, where the vnpu's BINARY takes it. */
static void test_broadcast_first_operand_commuted(void **state)
{
	static const char *const ops[] = { "Mul", "Add" };
	struct ir_graph *g = NULL;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(onnx_import_file(broadcast_first_model(ops[i], 1), NULL, &g, errbuf,
						  sizeof(errbuf)), 0);
		assert_string_equal(g->tensors[g->nodes[0]->inputs[0]]->name, "x");
		assert_string_equal(g->tensors[g->nodes[0]->inputs[1]]->name, "w");
		ir_graph_destroy(g);
		g = NULL;
	}
}

/* Sub is not commutative: its operands stay where the model put them. */
static void test_broadcast_first_operand_of_sub_kept(void **state)
{
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(broadcast_first_model("Sub", 3), NULL, &g, errbuf,
					  sizeof(errbuf)), 0);
	assert_string_equal(g->tensors[g->nodes[0]->inputs[0]]->name, "w");
	ir_graph_destroy(g);
}

/* x[2,3] + w, w an initializer of 6 floats at @offset in tmpdir/@location. */
static char *external_model(const char *location, const char *offset, const char *length)
{
	int64_t dims[2] = { 2, 3 };
	Onnx__ValueInfoProto *in = value_info("x", 1, 2, dims), *out = value_info("y", 1, 2, dims);
	Onnx__NodeProto *n = node("add0", "Add", "x", "w", "y");
	Onnx__TensorProto *w = tensor("w", 1, 2, dims);

	tensor_external(w, location, offset, length);
	return model_write("ext.onnx", 13, &n, 1, &in, 1, &out, 1, &w, 1);
}

static void write_weights(const char *file)
{
	const float vals[8] = { -1, -1, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f };
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(vals, sizeof(vals), 1, f), 1);
	fclose(f);
}

static void test_external_data_initializer_is_read(void **state)
{
	const float want[6] = { 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f };
	struct ir_graph *g = NULL;
	char *path;
	int w;

	(void)state;
	write_weights("w.bin");
	path = external_model("w.bin", "8", "24");
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(g->n_initializers, 1);
	w = g->initializers[0];
	assert_string_equal(g->tensors[w]->name, "w");
	assert_int_equal(g->tensors[w]->data_size, sizeof(want));
	assert_memory_equal(g->tensors[w]->data, want, sizeof(want));
	ir_graph_destroy(g);
}

static void test_external_data_outside_model_dir_is_refused(void **state)
{
	struct ir_graph *g = NULL;

	(void)state;
	write_weights("w.bin");
	assert_int_equal(onnx_import_file(external_model("../../etc/passwd", "0", "24"), NULL, &g,
					  errbuf, sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "outside the model's directory"));
	assert_int_equal(onnx_import_file(external_model("/etc/passwd", "0", "24"), NULL, &g,
					  errbuf, sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "not relative"));
	assert_null(g);
}

static void test_external_data_short_file_is_einval(void **state)
{
	struct ir_graph *g = NULL;

	(void)state;
	write_weights("w.bin");
	assert_int_equal(onnx_import_file(external_model("w.bin", "16", "24"), NULL, &g, errbuf,
					  sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "truncated"));
}

static void test_raw_data_of_wrong_size_is_einval(void **state)
{
	int64_t dims[2] = { 2, 3 };
	Onnx__ValueInfoProto *in = value_info("x", 1, 2, dims), *out = value_info("y", 1, 2, dims);
	Onnx__NodeProto *n = node("add0", "Add", "x", "w", "y");
	Onnx__TensorProto *w = tensor("w", 1, 2, dims);
	struct ir_graph *g = NULL;
	char *path;

	(void)state;
	w->has_raw_data = 1;
	w->raw_data.len = 20;	/* 6 floats are 24 bytes */
	w->raw_data.data = talloc(20);
	path = model_write("raw.onnx", 13, &n, 1, &in, 1, &out, 1, &w, 1);
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "initializer 'w': raw_data holds 20 bytes, the shape needs 24"));
}

static void test_unknown_data_type_is_einval(void **state)
{
	int64_t dims[2] = { 2, 3 };
	Onnx__ValueInfoProto *in = value_info("x", 99 /* no ONNX type */, 2, dims);
	Onnx__ValueInfoProto *out = value_info("y", 1, 2, dims);
	Onnx__NodeProto *n = node("r", "Relu", "x", NULL, "y");
	struct ir_graph *g = NULL;
	char *path = model_write("dt.onnx", 13, &n, 1, &in, 1, &out, 1, NULL, 0);

	(void)state;
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "unknown or unsupported data type 99"));
}

static void test_string_data_type_is_eopnotsupp(void **state)
{
	int64_t dims[2] = { 2, 3 };
	Onnx__ValueInfoProto *in = value_info("x", 8 /* string */, 2, dims);
	Onnx__ValueInfoProto *out = value_info("y", 1, 2, dims);
	Onnx__NodeProto *n = node("r", "Relu", "x", NULL, "y");
	struct ir_graph *g = NULL;
	char *path = model_write("dt.onnx", 13, &n, 1, &in, 1, &out, 1, NULL, 0);

	(void)state;
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), -EOPNOTSUPP);
	assert_non_null(strstr(errbuf, "input 'x': unknown or unsupported data type 8"));
}

/*
 * The listed operators' inferred shapes: each model of the test data declares its outputs'
 * shapes, which the reader checks against what it inferred (a difference fails the import).
 */
static void test_op_shapes_match_testdata_declarations(void **state)
{
	static const char *const models[] = {
		"test_add_bcast", "test_sub_bcast", "test_mul_bcast", "test_div_bcast",
		"test_relu", "test_sigmoid", "test_tanh", "test_identity",
		"test_matmul_2d", "test_matmul_4d", "test_gemm_transposeB", "test_gemm_all_attributes",
		"test_basic_conv_with_padding", "test_conv_with_strides_and_asymmetric_padding",
		"test_maxpool_2d_ceil", "test_maxpool_2d_dilations", "test_maxpool_2d_same_lower",
		"test_averagepool_2d_pads", "test_averagepool_2d_same_upper",
		"test_flatten_axis0", "test_flatten_negative_axis1", "test_transpose_all_permutations_3",
		"test_concat_3d_axis_negative_1", "test_softmax_axis_0", "test_batchnorm_epsilon",
		"test_batchnorm_example_training_mode", "test_conv_with_autopad_same",
		"test_unsqueeze_axis_3", "test_shape_start_1_end_negative_1", "test_cast_FLOAT_to_FLOAT16",
		"test_reduce_mean_do_not_keepdims_example",
		"test_reduce_sum_square_negative_axes_keepdims_example", "test_pow_types_int32_float32",
		"test_equal_bcast", "test_less_equal_bcast", "test_gather_2d_indices",
	};
	char path[512];

	(void)state;
	if (!have_testdata())
		skip();
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		struct ir_graph *g = NULL;
		int ret;

		snprintf(path, sizeof(path), "%s/node/%s/model.onnx", ONNX_TESTDATA_DIR, models[i]);
		ret = onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf));
		if (ret)
			fail_msg("%s: %d %s", models[i], ret, errbuf);
		ir_graph_destroy(g);
	}
}

static void test_declared_output_shape_mismatch_is_einval(void **state)
{
	int64_t dims[2] = { 2, 3 }, wrong[2] = { 3, 2 };
	Onnx__ValueInfoProto *in = value_info("x", 1, 2, dims), *out = value_info("y", 1, 2, wrong);
	Onnx__NodeProto *n = node("r", "Relu", "x", NULL, "y");
	char *path = model_write("decl.onnx", 13, &n, 1, &in, 1, &out, 1, NULL, 0);
	struct ir_graph *g = NULL;

	(void)state;
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), -EINVAL);
	assert_non_null(strstr(errbuf, "output 'y': dimension 0 declared 3, inferred 2"));
}

/* Reshape of x[2,3,4] by a constant initializer shape [0, -1] (typed int64_data): [2,12]. */
static void test_reshape_by_constant_shape(void **state)
{
	int64_t dims[3] = { 2, 3, 4 }, sdims[1] = { 2 }, shape[2] = { 0, -1 };
	Onnx__ValueInfoProto *in = value_info("x", 1, 3, dims), *out = value_info("y", 1, 0, NULL);
	Onnx__NodeProto *n = node("rs", "Reshape", "x", "s", "y");
	Onnx__TensorProto *s = tensor("s", 7, 1, sdims);
	struct ir_graph *g = NULL;
	const struct ir_tensor *y;
	char *path;

	(void)state;
	s->n_int64_data = 2;
	s->int64_data = shape;
	out->type->tensor_type->shape = NULL;
	path = model_write("reshape.onnx", 13, &n, 1, &in, 1, &out, 1, &s, 1);
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), 0);
	y = g->tensors[g->outputs[0]];
	assert_int_equal(y->rank, 2);
	assert_int_equal(y->dims[0], 2);
	assert_int_equal(y->dims[1], 12);
	ir_graph_destroy(g);
}

/* Shape's output is a constant: x[2,3,4] -> Shape -> s; Reshape(f[24], s) is [2,3,4]. */
static void test_shape_output_feeds_reshape(void **state)
{
	int64_t dims[3] = { 2, 3, 4 }, flat[1] = { 24 };
	Onnx__ValueInfoProto *ins[2] = { value_info("x", 1, 3, dims), value_info("f", 1, 1, flat) };
	Onnx__ValueInfoProto *out = value_info("y", 1, 3, dims);
	Onnx__NodeProto *nodes[2] = { node("shape0", "Shape", "x", NULL, "s"),
				      node("rs0", "Reshape", "f", "s", "y") };
	char *path = model_write("shape.onnx", 13, nodes, 2, ins, 2, &out, 1, NULL, 0);
	struct ir_graph *g = NULL;
	const struct ir_tensor *s, *y;

	(void)state;
	assert_int_equal(onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf)), 0);
	s = g->tensors[ir_graph_find_tensor(g, "s")];
	assert_int_equal(s->dtype, IR_DTYPE_INT64);
	assert_int_equal(s->data_size, sizeof(dims));
	assert_memory_equal(s->data, dims, sizeof(dims));
	y = g->tensors[g->outputs[0]];
	assert_int_equal(y->rank, 3);
	assert_memory_equal(y->dims, dims, sizeof(dims));
	ir_graph_destroy(g);
}

/*
 * Every model of the test data imports or fails with a clean error: a return of 0, -EINVAL or
 * -EOPNOTSUPP and a message. The floor is what the reader imported when this test was written
 * (325 of 1072; a drop means an operator or a rule regressed).
 */
#define SWEEP_IMPORT_FLOOR 320

static void sweep_dir(const char *dir, int *imported, int *unsupported, int *invalid)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct ir_graph *g = NULL;
		char path[1024];
		int ret;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/model.onnx", dir, e->d_name);
		if (access(path, R_OK))
			continue;
		errbuf[0] = 0;
		ret = onnx_import_file(path, NULL, &g, errbuf, sizeof(errbuf));
		if (!ret) {
			assert_non_null(g);
			ir_graph_destroy(g);
			(*imported)++;
			continue;
		}
		if (ret != -EOPNOTSUPP && ret != -EINVAL)
			fail_msg("%s: %d %s", path, ret, errbuf);
		assert_true(errbuf[0] != 0);
		if (getenv("ONNX_SWEEP_VERBOSE"))
			printf("%s: %s\n", e->d_name, errbuf);
		if (ret == -EOPNOTSUPP)
			(*unsupported)++;
		else
			(*invalid)++;
	}
	closedir(d);
}

static void test_testdata_sweep_imports_or_fails_cleanly(void **state)
{
	static const char *const dirs[] = { "node", "pytorch-converted", "pytorch-operator", "simple" };
	int imported = 0, unsupported = 0, invalid = 0;
	char dir[256];

	(void)state;
	if (!have_testdata())
		skip();
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", ONNX_TESTDATA_DIR, dirs[i]);
		sweep_dir(dir, &imported, &unsupported, &invalid);
	}
	printf("onnx sweep: %d imported, %d unsupported, %d invalid\n", imported, unsupported, invalid);
	assert_true(imported >= SWEEP_IMPORT_FLOOR);
}

/* Tensor @name of int64 [@n] (n > 1) or [@n0, @n1] holding @vals, an initializer of @g. */
static int add_const_i64(struct ir_graph *g, const char *name, int rank, const int64_t *dims,
			 const int64_t *vals, size_t n)
{
	int t = ir_graph_add_tensor(g, name);

	assert_true(t >= 0);
	g->tensors[t]->dtype = IR_DTYPE_INT64;
	g->tensors[t]->rank = rank;
	memcpy(g->tensors[t]->dims, dims, sizeof(int64_t) * (size_t)rank);
	g->tensors[t]->data = malloc(n * sizeof(int64_t));
	assert_non_null(g->tensors[t]->data);
	memcpy(g->tensors[t]->data, vals, n * sizeof(int64_t));
	g->tensors[t]->data_size = n * sizeof(int64_t);
	assert_int_equal(ir_index_append(&g->initializers, &g->n_initializers, t), 0);
	return t;
}

/* Append node @op (@in -> @out) to @g. */
static void add_node2(struct ir_graph *g, const char *op, int in0, int in1, int out)
{
	struct ir_node *n = ir_graph_add_node(g, "", op, "");

	assert_non_null(n);
	assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in0), 0);
	assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in1), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, out), 0);
}

/*
 * A node of constant inputs with a host kernel is computed at import, so that a Reshape whose
 * shape it produces gets a static shape: x[6] reshaped by MatMul([1, 0], [[3, 2], [0, 0]]).
 */
static void test_constant_node_is_folded_into_a_reshape_shape(void **state)
{
	static const int64_t row[2] = { 1, 0 }, mat[4] = { 3, 2, 0, 0 };
	const int64_t d1[1] = { 2 }, d2[2] = { 2, 2 };
	struct ir_graph *g = ir_graph_create();
	int x, a, b, shape, y;

	(void)state;
	assert_non_null(g);
	x = ir_graph_add_tensor(g, "x");
	g->tensors[x]->dtype = IR_DTYPE_FLOAT;
	g->tensors[x]->rank = 1;
	g->tensors[x]->dims[0] = 6;
	assert_int_equal(ir_index_append(&g->inputs, &g->n_inputs, x), 0);
	a = add_const_i64(g, "a", 1, d1, row, 2);
	b = add_const_i64(g, "b", 2, d2, mat, 4);
	shape = ir_graph_add_tensor(g, "shape");
	y = ir_graph_add_tensor(g, "y");
	add_node2(g, "MatMul", a, b, shape);
	add_node2(g, "Reshape", x, shape, y);
	g->opset = 13;
	assert_int_equal(ir_infer_shapes(g, errbuf, sizeof(errbuf)), 0);
	assert_non_null(g->tensors[shape]->data);
	assert_int_equal(g->tensors[shape]->data_size, 2 * sizeof(int64_t));
	assert_int_equal(g->tensors[y]->rank, 2);
	assert_int_equal(g->tensors[y]->dims[0], 3);
	assert_int_equal(g->tensors[y]->dims[1], 2);
	/* y depends on the input x: not a constant. */
	assert_null(g->tensors[y]->data);
	ir_graph_destroy(g);
}

/* Above the cap, a constant node is left to run time rather than computed at import. */
static void test_folding_is_capped(void **state)
{
	/* [N, 1] x [1, N] int64 is N^2 elements: N = 8192 makes 64 Mi, over the 16 Mi cap. */
	const int64_t n = 8192, dl[2] = { 8192, 1 }, dr[2] = { 1, 8192 };
	struct ir_graph *g = ir_graph_create();
	int64_t *ones = calloc((size_t)n, sizeof(*ones));
	int a, b, y;

	(void)state;
	assert_non_null(g);
	assert_non_null(ones);
	a = add_const_i64(g, "a", 2, dl, ones, (size_t)n);
	b = add_const_i64(g, "b", 2, dr, ones, (size_t)n);
	y = ir_graph_add_tensor(g, "y");
	add_node2(g, "MatMul", a, b, y);
	assert_int_equal(ir_infer_shapes(g, errbuf, sizeof(errbuf)), 0);
	assert_true(ir_tensor_numel(g->tensors[y]) > SHAPE_INFER_FOLD_MAX_ELEMENTS);
	assert_null(g->tensors[y]->data);
	free(ones);
	ir_graph_destroy(g);
}

#define RESHAPE_TEST ONNX_TESTDATA_DIR "/node/test_reshape_negative_dim"

/* Reshape's shape is a graph input there: no static shape without its value. */
static void test_shape_input_computed_at_run_time_is_eopnotsupp(void **state)
{
	struct ir_graph *g = NULL;
	char err[512];

	(void)state;
	if (access(RESHAPE_TEST "/model.onnx", R_OK))
		skip();
	assert_int_equal(onnx_import_file(RESHAPE_TEST "/model.onnx", NULL, &g, err, sizeof(err)),
			 -EOPNOTSUPP);
	assert_null(g);
}

/* With the data set's values, the shape input becomes a constant and only that one. */
static void test_known_input_value_is_bound_where_a_node_needs_a_constant(void **state)
{
	struct onnx_data_set ds = { .dir = RESHAPE_TEST "/test_data_set_0" };
	struct onnx_import_options o = { .input_value = onnx_data_set_input, .input_value_ctx = &ds };
	const struct ir_tensor *data, *shape, *out;
	struct ir_graph *g = NULL;
	char err[512];

	(void)state;
	if (access(RESHAPE_TEST "/model.onnx", R_OK))
		skip();
	if (onnx_import_file(RESHAPE_TEST "/model.onnx", &o, &g, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(g->n_inputs, 2);
	data = g->tensors[g->inputs[0]];
	shape = g->tensors[g->inputs[1]];
	out = g->tensors[g->outputs[0]];
	assert_null(data->data);		/* the data stays an input */
	assert_non_null(shape->data);		/* the shape is now the data set's constant */
	assert_memory_equal(shape->data, ds.inputs[1]->data, shape->data_size);
	/* [2, 3, 4] reshaped by [2, -1, 2]. */
	assert_int_equal(out->rank, 3);
	assert_int_equal(out->dims[0], 2);
	assert_int_equal(out->dims[1], 6);
	assert_int_equal(out->dims[2], 2);
	ir_graph_destroy(g);
	onnx_data_set_free(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_input_computed_at_run_time_is_eopnotsupp),
		cmocka_unit_test(test_known_input_value_is_bound_where_a_node_needs_a_constant),
		cmocka_unit_test_setup_teardown(test_conv_model_imports_with_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_model_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_op_is_eopnotsupp_naming_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_input_is_einval_naming_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_attribute_type_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opset_out_of_range_is_eopnotsupp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_opsets_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_constant_node_is_folded_into_a_reshape_shape, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_folding_is_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbolic_batch_needs_the_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_option_fixes_symbolic_dimension, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbolic_inner_dimension_needs_a_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_option_fixes_every_symbolic_dimension, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_option_of_unknown_input_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_option_of_other_rank_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_option_contradicting_a_static_dimension_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_option_of_zero_dimension_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shapes_from_values_fix_symbolic_dimensions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_option_wins_over_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_option_wins_over_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_first_operand_commuted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_first_operand_of_sub_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_external_data_initializer_is_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_external_data_outside_model_dir_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_external_data_short_file_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_data_of_wrong_size_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_data_type_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_data_type_is_eopnotsupp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_op_shapes_match_testdata_declarations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_declared_output_shape_mismatch_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reshape_by_constant_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shape_output_feeds_reshape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_testdata_sweep_imports_or_fails_cleanly, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
