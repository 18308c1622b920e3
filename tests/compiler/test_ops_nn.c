// SPDX-License-Identifier: MIT
/*
 * The neural-network operators (compiler/ops/nn*.c): every ONNX node test of each op passes on
 * the host interpreter (Debian libonnx-testdata), so do the PyTorch-converted tests of these
 * ops once the reader takes their opset (6), and inference refuses what it must. One behaviour
 * per test.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/host_exec.h"
#include "compiler/onnx_import.h"
#include "compiler/shape_infer.h"
#include "tests/compiler/testdata_host.h"

/* The node tests, per op; every one of them. */
static const char *const node_conv[] = {
	"test_basic_conv_with_padding", "test_basic_conv_without_padding",
	"test_conv_with_autopad_same", "test_conv_with_strides_and_asymmetric_padding",
	"test_conv_with_strides_no_padding", "test_conv_with_strides_padding", NULL,
};

static const char *const node_conv_transpose[] = {
	"test_convtranspose", "test_convtranspose_1d", "test_convtranspose_3d",
	"test_convtranspose_autopad_same", "test_convtranspose_dilations",
	"test_convtranspose_kernel_shape", "test_convtranspose_output_shape",
	"test_convtranspose_pad", "test_convtranspose_pads", "test_convtranspose_with_kernel", NULL,
};

static const char *const node_maxpool[] = {
	"test_maxpool_1d_default", "test_maxpool_2d_ceil", "test_maxpool_2d_default",
	"test_maxpool_2d_dilations", "test_maxpool_2d_pads", "test_maxpool_2d_precomputed_pads",
	"test_maxpool_2d_precomputed_same_upper", "test_maxpool_2d_precomputed_strides",
	"test_maxpool_2d_same_lower", "test_maxpool_2d_same_upper", "test_maxpool_2d_strides",
	"test_maxpool_2d_uint8", "test_maxpool_3d_default",
	"test_maxpool_with_argmax_2d_precomputed_pads",
	"test_maxpool_with_argmax_2d_precomputed_strides", NULL,
};

static const char *const node_averagepool[] = {
	"test_averagepool_1d_default", "test_averagepool_2d_ceil", "test_averagepool_2d_default",
	"test_averagepool_2d_pads", "test_averagepool_2d_pads_count_include_pad",
	"test_averagepool_2d_precomputed_pads",
	"test_averagepool_2d_precomputed_pads_count_include_pad",
	"test_averagepool_2d_precomputed_same_upper", "test_averagepool_2d_precomputed_strides",
	"test_averagepool_2d_same_lower", "test_averagepool_2d_same_upper",
	"test_averagepool_2d_strides", "test_averagepool_3d_default", NULL,
};

/* Opset 1 models: they import once the reader takes opsets below 7. */
static const char *const node_global_pool[] = {
	"test_globalaveragepool", "test_globalaveragepool_precomputed", "test_globalmaxpool",
	"test_globalmaxpool_precomputed", NULL,
};

static const char *const node_batchnorm[] = {
	"test_batchnorm_epsilon", "test_batchnorm_epsilon_training_mode", "test_batchnorm_example",
	"test_batchnorm_example_training_mode", NULL,
};

/* Opset 6 models. */
static const char *const node_instancenorm[] = {
	"test_instancenorm_epsilon", "test_instancenorm_example", NULL,
};

static const char *const node_layernorm[] = {
	"test_layer_normalization_2d_axis0", "test_layer_normalization_2d_axis1",
	"test_layer_normalization_2d_axis_negative_1", "test_layer_normalization_2d_axis_negative_2",
	"test_layer_normalization_3d_axis0_epsilon", "test_layer_normalization_3d_axis1_epsilon",
	"test_layer_normalization_3d_axis2_epsilon",
	"test_layer_normalization_3d_axis_negative_1_epsilon",
	"test_layer_normalization_3d_axis_negative_2_epsilon",
	"test_layer_normalization_3d_axis_negative_3_epsilon", "test_layer_normalization_4d_axis0",
	"test_layer_normalization_4d_axis1", "test_layer_normalization_4d_axis2",
	"test_layer_normalization_4d_axis3", "test_layer_normalization_4d_axis_negative_1",
	"test_layer_normalization_4d_axis_negative_2", "test_layer_normalization_4d_axis_negative_3",
	"test_layer_normalization_4d_axis_negative_4", "test_layer_normalization_default_axis", NULL,
};

static const char *const node_lrn_mvn[] = {
	"test_lrn", "test_lrn_default", "test_mvn", NULL,
};

static const char *const node_softmax[] = {
	"test_softmax_axis_0", "test_softmax_axis_1", "test_softmax_axis_2",
	"test_softmax_default_axis", "test_softmax_example", "test_softmax_large_number",
	"test_softmax_negative_axis", NULL,
};

static const char *const node_logsoftmax[] = {
	"test_logsoftmax_axis_0", "test_logsoftmax_axis_1", "test_logsoftmax_axis_2",
	"test_logsoftmax_default_axis", "test_logsoftmax_example_1", "test_logsoftmax_large_number",
	"test_logsoftmax_negative_axis", NULL,
};

static const char *const node_hardmax[] = {
	"test_hardmax_axis_0", "test_hardmax_axis_1", "test_hardmax_axis_2",
	"test_hardmax_default_axis", "test_hardmax_example", "test_hardmax_negative_axis",
	"test_hardmax_one_hot", NULL,
};

/* Dropout in inference, and in training with a ratio of 0 (the identity too). */
static const char *const node_dropout[] = {
	"test_dropout_default", "test_dropout_default_mask", "test_dropout_default_mask_ratio",
	"test_dropout_default_old", "test_dropout_default_ratio", "test_dropout_random_old",
	"test_training_dropout_zero_ratio", "test_training_dropout_zero_ratio_mask", NULL,
};

static const char *const node_nllloss[] = {
	"test_nllloss_NC", "test_nllloss_NCd1", "test_nllloss_NCd1_ii",
	"test_nllloss_NCd1_mean_weight_negative_ii", "test_nllloss_NCd1_weight",
	"test_nllloss_NCd1_weight_ii", "test_nllloss_NCd1d2",
	"test_nllloss_NCd1d2_no_weight_reduction_mean_ii", "test_nllloss_NCd1d2_reduction_mean",
	"test_nllloss_NCd1d2_reduction_sum", "test_nllloss_NCd1d2_with_weight",
	"test_nllloss_NCd1d2_with_weight_reduction_mean",
	"test_nllloss_NCd1d2_with_weight_reduction_sum",
	"test_nllloss_NCd1d2_with_weight_reduction_sum_ii",
	"test_nllloss_NCd1d2d3_none_no_weight_negative_ii", "test_nllloss_NCd1d2d3_sum_weight_high_ii",
	"test_nllloss_NCd1d2d3d4d5_mean_weight", "test_nllloss_NCd1d2d3d4d5_none_no_weight", NULL,
};

static const char *const node_sce[] = {
	"test_sce_NCd1_mean_weight_negative_ii", "test_sce_NCd1_mean_weight_negative_ii_log_prob",
	"test_sce_NCd1d2d3_none_no_weight_negative_ii",
	"test_sce_NCd1d2d3_none_no_weight_negative_ii_log_prob",
	"test_sce_NCd1d2d3_sum_weight_high_ii", "test_sce_NCd1d2d3_sum_weight_high_ii_log_prob",
	"test_sce_NCd1d2d3d4d5_mean_weight", "test_sce_NCd1d2d3d4d5_mean_weight_log_prob",
	"test_sce_NCd1d2d3d4d5_none_no_weight", "test_sce_NCd1d2d3d4d5_none_no_weight_log_prob",
	"test_sce_mean", "test_sce_mean_3d", "test_sce_mean_3d_log_prob", "test_sce_mean_log_prob",
	"test_sce_mean_no_weight_ii", "test_sce_mean_no_weight_ii_3d",
	"test_sce_mean_no_weight_ii_3d_log_prob", "test_sce_mean_no_weight_ii_4d",
	"test_sce_mean_no_weight_ii_4d_log_prob", "test_sce_mean_no_weight_ii_log_prob",
	"test_sce_mean_weight", "test_sce_mean_weight_ii", "test_sce_mean_weight_ii_3d",
	"test_sce_mean_weight_ii_3d_log_prob", "test_sce_mean_weight_ii_4d",
	"test_sce_mean_weight_ii_4d_log_prob", "test_sce_mean_weight_ii_log_prob",
	"test_sce_mean_weight_log_prob", "test_sce_none", "test_sce_none_log_prob",
	"test_sce_none_weights", "test_sce_none_weights_log_prob", "test_sce_sum",
	"test_sce_sum_log_prob", NULL,
};

static const char *const node_rnn[] = {
	"test_rnn_seq_length", "test_simple_rnn_batchwise", "test_simple_rnn_defaults",
	"test_simple_rnn_with_initial_bias", NULL,
};

static const char *const node_gru[] = {
	"test_gru_batchwise", "test_gru_defaults", "test_gru_seq_length",
	"test_gru_with_initial_bias", NULL,
};

static const char *const node_lstm[] = {
	"test_lstm_batchwise", "test_lstm_defaults", "test_lstm_with_initial_bias",
	"test_lstm_with_peepholes", NULL,
};

/* The PyTorch-converted tests of these ops (opset 6) whose every node is one of them. */
static const char *const pytorch_conv[] = {
	"test_Conv1d", "test_Conv1d_dilated", "test_Conv1d_groups", "test_Conv1d_pad1",
	"test_Conv1d_pad1size1", "test_Conv1d_pad2", "test_Conv1d_pad2size1", "test_Conv1d_stride",
	"test_Conv2d", "test_Conv2d_depthwise", "test_Conv2d_depthwise_padded",
	"test_Conv2d_depthwise_strided", "test_Conv2d_depthwise_with_multiplier",
	"test_Conv2d_dilated", "test_Conv2d_groups", "test_Conv2d_groups_thnn", "test_Conv2d_no_bias",
	"test_Conv2d_padding", "test_Conv2d_strided", "test_Conv3d", "test_Conv3d_dilated",
	"test_Conv3d_dilated_strided", "test_Conv3d_groups", "test_Conv3d_no_bias",
	"test_Conv3d_stride", "test_Conv3d_stride_padding", "test_ConvTranspose2d",
	"test_ConvTranspose2d_no_bias", NULL,
};

static const char *const pytorch_pool[] = {
	"test_AvgPool2d", "test_AvgPool2d_stride", "test_AvgPool3d", "test_AvgPool3d_stride",
	"test_AvgPool3d_stride1_pad0_gpu_input", "test_MaxPool1d", "test_MaxPool1d_stride",
	"test_MaxPool2d", "test_MaxPool3d", "test_MaxPool3d_stride", "test_MaxPool3d_stride_padding",
	NULL,
};

/* Two of them are opset 12 models. */
static const char *const pytorch_maxpool_dilated[] = {
	"test_MaxPool1d_stride_padding_dilation", "test_MaxPool2d_stride_padding_dilation", NULL,
};

static const char *const pytorch_norm_softmax[] = {
	"test_BatchNorm1d_3d_input_eval", "test_BatchNorm2d_eval", "test_BatchNorm2d_momentum_eval",
	"test_BatchNorm3d_eval", "test_BatchNorm3d_momentum_eval", "test_LogSoftmax", "test_Softmax",
	"test_log_softmax_dim3", "test_log_softmax_lastdim", "test_softmax_functional_dim3",
	"test_softmax_lastdim", NULL,
};

static const char *const pytorch_operator[] = {
	"test_operator_conv", "test_operator_convtranspose", "test_operator_maxpool",
	"test_operator_symbolic_override", NULL,
};

/* Tests of models below opset 7 run once the reader takes them (skipped until then). */
static void check_old_opset(const char *kind, const char *const *names)
{
	if (ONNX_IMPORT_OPSET_MIN > 6)
		skip();
	assert_int_equal(testdata_host_check_list(kind, names), 0);
}

static void test_conv_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_conv), 0);
}

static void test_conv_transpose_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_conv_transpose), 0);
}

static void test_maxpool_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_maxpool), 0);
}

static void test_averagepool_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_averagepool), 0);
}

static void test_global_pool_node_tests_pass(void **state)
{
	(void)state;
	check_old_opset("node", node_global_pool);
}

static void test_batchnorm_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_batchnorm), 0);
}

static void test_instancenorm_node_tests_pass(void **state)
{
	(void)state;
	check_old_opset("node", node_instancenorm);
}

static void test_layernorm_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_layernorm), 0);
}

static void test_lrn_and_mvn_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_lrn_mvn), 0);
}

static void test_softmax_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_softmax), 0);
}

static void test_logsoftmax_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_logsoftmax), 0);
}

static void test_hardmax_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_hardmax), 0);
}

static void test_dropout_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_dropout), 0);
}

static void test_nllloss_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_nllloss), 0);
}

static void test_sce_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_sce), 0);
}

static void test_rnn_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_rnn), 0);
}

static void test_gru_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_gru), 0);
}

static void test_lstm_node_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("node", node_lstm), 0);
}

static void test_pytorch_conv_tests_pass(void **state)
{
	(void)state;
	check_old_opset("pytorch-converted", pytorch_conv);
}

static void test_pytorch_pool_tests_pass(void **state)
{
	(void)state;
	check_old_opset("pytorch-converted", pytorch_pool);
}

static void test_pytorch_dilated_maxpool_tests_pass(void **state)
{
	(void)state;
	assert_int_equal(testdata_host_check_list("pytorch-converted", pytorch_maxpool_dilated), 0);
}

static void test_pytorch_norm_and_softmax_tests_pass(void **state)
{
	(void)state;
	check_old_opset("pytorch-converted", pytorch_norm_softmax);
}

static void test_pytorch_operator_tests_pass(void **state)
{
	(void)state;
	check_old_opset("pytorch-operator", pytorch_operator);
}

/* Training-mode dropout with a ratio is random: refused, not faked. */
static void test_training_dropout_is_refused(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(testdata_host_check(ONNX_TESTDATA_DIR "/node/test_training_dropout", err,
					     sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "random"));
}

/* A one-node graph built by hand, for what the test data does not cover. */
struct one_node {
	struct ir_graph *g;
	struct ir_node *n;
};

/* Add a graph input (@data NULL) or initializer of @dtype and shape @dims to the node. */
static int add_input(struct one_node *m, const char *name, enum ir_dtype dtype, int rank,
		     const int64_t *dims, const void *data)
{
	int t = ir_graph_add_tensor(m->g, name);
	struct ir_tensor *tt;

	assert_true(t >= 0);
	tt = m->g->tensors[t];
	tt->dtype = dtype;
	tt->rank = rank;
	memcpy(tt->dims, dims, rank * sizeof(*dims));
	if (data) {
		tt->data_size = (size_t)ir_tensor_numel(tt) * ir_dtype_size(dtype);
		tt->data = malloc(tt->data_size);
		assert_non_null(tt->data);
		memcpy(tt->data, data, tt->data_size);
		assert_int_equal(ir_index_append(&m->g->initializers, &m->g->n_initializers, t), 0);
	} else {
		assert_int_equal(ir_index_append(&m->g->inputs, &m->g->n_inputs, t), 0);
	}
	assert_int_equal(ir_index_append(&m->n->inputs, &m->n->n_inputs, t), 0);
	return t;
}

static int add_output(struct one_node *m, const char *name)
{
	int t = ir_graph_add_tensor(m->g, name);

	assert_true(t >= 0);
	assert_int_equal(ir_index_append(&m->n->outputs, &m->n->n_outputs, t), 0);
	assert_int_equal(ir_index_append(&m->g->outputs, &m->g->n_outputs, t), 0);
	return t;
}

static void add_ints(struct one_node *m, const char *name, size_t n, const int64_t *v)
{
	struct ir_attr *a = ir_node_add_attr(m->n, name, IR_ATTR_INTS);

	assert_non_null(a);
	a->ints = malloc(n * sizeof(*v));
	assert_non_null(a->ints);
	memcpy(a->ints, v, n * sizeof(*v));
	a->len = n;
}

static struct one_node node_new(const char *op_type, int64_t opset)
{
	struct one_node m;

	m.g = ir_graph_create();
	assert_non_null(m.g);
	m.g->opset = opset;
	m.n = ir_graph_add_node(m.g, "n", op_type, "");
	assert_non_null(m.n);
	return m;
}

/* X [1, 3, 5, 5] and W [2, 4, 3, 3]: W wants 4 input channels (group 1). */
static void test_conv_with_mismatched_channels_is_refused(void **state)
{
	static const int64_t xd[] = { 1, 3, 5, 5 }, wd[] = { 2, 4, 3, 3 };
	struct one_node m = node_new("Conv", 13);
	char err[256];

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 4, xd, NULL);
	add_input(&m, "w", IR_DTYPE_FLOAT, 4, wd, NULL);
	add_output(&m, "y");
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "channels"));
	ir_graph_destroy(m.g);
}

static void test_conv_with_kernel_shape_other_than_w_is_refused(void **state)
{
	static const int64_t xd[] = { 1, 3, 5, 5 }, wd[] = { 2, 3, 3, 3 }, ks[] = { 2, 2 };
	struct one_node m = node_new("Conv", 13);
	char err[256];

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 4, xd, NULL);
	add_input(&m, "w", IR_DTYPE_FLOAT, 4, wd, NULL);
	add_output(&m, "y");
	add_ints(&m, "kernel_shape", 2, ks);
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "kernel_shape"));
	ir_graph_destroy(m.g);
}

static void test_maxpool_kernel_shape_of_wrong_length_is_refused(void **state)
{
	static const int64_t xd[] = { 1, 3, 5, 5 }, ks[] = { 2, 2, 2 };
	struct one_node m = node_new("MaxPool", 13);
	char err[256];

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 4, xd, NULL);
	add_output(&m, "y");
	add_ints(&m, "kernel_shape", 3, ks);
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "kernel_shape"));
	ir_graph_destroy(m.g);
}

static void test_pool_kernel_larger_than_padded_input_is_refused(void **state)
{
	static const int64_t xd[] = { 1, 3, 5, 5 }, ks[] = { 7, 2 }, pads[] = { 0, 0, 1, 0 };
	struct one_node m = node_new("AveragePool", 13);
	char err[256];

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 4, xd, NULL);
	add_output(&m, "y");
	add_ints(&m, "kernel_shape", 2, ks);
	add_ints(&m, "pads", 4, pads);
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "larger"));
	ir_graph_destroy(m.g);
}

static void test_conv_transpose_with_mismatched_channels_is_refused(void **state)
{
	static const int64_t xd[] = { 1, 3, 4, 4 }, wd[] = { 2, 1, 3, 3 };
	struct one_node m = node_new("ConvTranspose", 13);
	char err[256];

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 4, xd, NULL);
	add_input(&m, "w", IR_DTYPE_FLOAT, 4, wd, NULL);
	add_output(&m, "y");
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "channels"));
	ir_graph_destroy(m.g);
}

static void test_batchnorm_with_wrong_parameter_size_is_refused(void **state)
{
	static const int64_t xd[] = { 2, 3, 4 }, c3[] = { 3 }, c2[] = { 2 };
	struct one_node m = node_new("BatchNormalization", 15);
	char err[256];

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 3, xd, NULL);
	add_input(&m, "scale", IR_DTYPE_FLOAT, 1, c3, NULL);
	add_input(&m, "b", IR_DTYPE_FLOAT, 1, c3, NULL);
	add_input(&m, "mean", IR_DTYPE_FLOAT, 1, c2, NULL);
	add_input(&m, "var", IR_DTYPE_FLOAT, 1, c3, NULL);
	add_output(&m, "y");
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'mean'"));
	ir_graph_destroy(m.g);
}

/* Before opset 14, the training outputs' saved statistics are not computed: refused. */
static void test_batchnorm_training_outputs_before_opset_14_are_refused(void **state)
{
	static const int64_t xd[] = { 2, 3, 4 }, c3[] = { 3 };
	struct one_node m = node_new("BatchNormalization", 9);
	char err[256];

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 3, xd, NULL);
	add_input(&m, "scale", IR_DTYPE_FLOAT, 1, c3, NULL);
	add_input(&m, "b", IR_DTYPE_FLOAT, 1, c3, NULL);
	add_input(&m, "mean", IR_DTYPE_FLOAT, 1, c3, NULL);
	add_input(&m, "var", IR_DTYPE_FLOAT, 1, c3, NULL);
	add_output(&m, "y");
	add_output(&m, "running_mean");
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), -EOPNOTSUPP);
	ir_graph_destroy(m.g);
}

/*
 * BatchNormalization of opset 6 over X = (1, 3) (one channel, batch 2), mean 0, var 1, scale
 * 1, B 0, with @is_test (-1: attribute absent); Y into @y.
 */
static void run_opset6_batchnorm(int is_test, float *y)
{
	static const int64_t xd[] = { 2, 1 }, c1[] = { 1 };
	static const float x[] = { 1, 3 }, one[] = { 1 }, zero[] = { 0 };
	struct one_node m = node_new("BatchNormalization", 6);
	struct host_values v;
	char err[256];
	int ty;

	add_input(&m, "x", IR_DTYPE_FLOAT, 2, xd, x);
	add_input(&m, "scale", IR_DTYPE_FLOAT, 1, c1, one);
	add_input(&m, "b", IR_DTYPE_FLOAT, 1, c1, zero);
	add_input(&m, "mean", IR_DTYPE_FLOAT, 1, c1, zero);
	add_input(&m, "var", IR_DTYPE_FLOAT, 1, c1, one);
	ty = add_output(&m, "y");
	if (is_test >= 0) {
		struct ir_attr *a = ir_node_add_attr(m.n, "is_test", IR_ATTR_INT);

		assert_non_null(a);
		a->i = is_test;
	}
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(m.g, &v), 0);
	assert_int_equal(host_exec_graph(m.g, &v, err, sizeof(err)), 0);
	memcpy(y, v.ptr[ty], 2 * sizeof(*y));
	host_values_free(&v);
	ir_graph_destroy(m.g);
}

/* is_test = 1: the running mean and variance given. */
static void test_batchnorm_opset6_is_test_uses_running_statistics(void **state)
{
	float y[2];

	(void)state;
	run_opset6_batchnorm(1, y);
	assert_float_equal(y[0], 1 / sqrt(1 + 1e-5), 1e-6);
	assert_float_equal(y[1], 3 / sqrt(1 + 1e-5), 1e-6);
}

/* is_test absent (0, training): the batch's mean 2 and variance 1. */
static void test_batchnorm_opset6_training_uses_batch_statistics(void **state)
{
	float y[2];

	(void)state;
	run_opset6_batchnorm(-1, y);
	assert_float_equal(y[0], -1 / sqrt(1 + 1e-5), 1e-6);
	assert_float_equal(y[1], 1 / sqrt(1 + 1e-5), 1e-6);
}

/* spatial = 0 (before opset 9): one parameter per element of a sample, not per channel. */
static void test_batchnorm_spatial_0_has_parameters_per_element(void **state)
{
	static const int64_t xd[] = { 1, 1, 2 }, p2[] = { 2 };
	static const float x[] = { 1, 3 }, scale[] = { 1, 2 }, zero[] = { 0, 0 }, mean[] = { 0, 1 };
	static const float var[] = { 1, 1 };
	struct one_node m = node_new("BatchNormalization", 7);
	struct host_values v;
	struct ir_attr *a;
	const float *y;
	char err[256];
	int ty;

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 3, xd, x);
	add_input(&m, "scale", IR_DTYPE_FLOAT, 1, p2, scale);
	add_input(&m, "b", IR_DTYPE_FLOAT, 1, p2, zero);
	add_input(&m, "mean", IR_DTYPE_FLOAT, 1, p2, mean);
	add_input(&m, "var", IR_DTYPE_FLOAT, 1, p2, var);
	ty = add_output(&m, "y");
	a = ir_node_add_attr(m.n, "spatial", IR_ATTR_INT);
	assert_non_null(a);
	a->i = 0;
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(m.g, &v), 0);
	assert_int_equal(host_exec_graph(m.g, &v, err, sizeof(err)), 0);
	y = v.ptr[ty];
	assert_float_equal(y[0], 1 / sqrt(1 + 1e-5), 1e-6);
	assert_float_equal(y[1], 2 * (3 - 1) / sqrt(1 + 1e-5), 1e-6);
	host_values_free(&v);
	ir_graph_destroy(m.g);
}

static void test_softmax_axis_out_of_range_is_refused(void **state)
{
	static const int64_t xd[] = { 2, 3 };
	struct one_node m = node_new("Softmax", 13);
	struct ir_attr *a;
	char err[256];

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 2, xd, NULL);
	add_output(&m, "y");
	a = ir_node_add_attr(m.n, "axis", IR_ATTR_INT);
	assert_non_null(a);
	a->i = 2;
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "axis"));
	ir_graph_destroy(m.g);
}

/* A class index outside 0..C-1 that is not ignore_index: the kernel refuses, reads nothing. */
static void test_nllloss_target_out_of_range_is_refused(void **state)
{
	static const int64_t xd[] = { 2, 3 }, td[] = { 2 }, target[] = { 1, 3 };
	static const float x[] = { -1, -2, -3, -1, -2, -3 };
	struct one_node m = node_new("NegativeLogLikelihoodLoss", 13);
	struct host_values v;
	char err[256];

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 2, xd, x);
	add_input(&m, "t", IR_DTYPE_INT64, 1, td, target);
	add_output(&m, "loss");
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), 0);
	assert_int_equal(m.g->tensors[m.n->outputs[0]]->rank, 0);
	assert_int_equal(host_values_create(m.g, &v), 0);
	assert_int_equal(host_exec_graph(m.g, &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "out of range"));
	host_values_free(&v);
	ir_graph_destroy(m.g);
}

/* float16 in, float16 out: softmax of (0, ln 3) is (0.25, 0.75), exact in binary16. */
static void test_softmax_of_float16(void **state)
{
	static const int64_t xd[] = { 1, 2 };
	uint16_t x[2] = { 0x0000, 0x3c65 }; /* 0, 1.0986328 (ln 3 rounded to binary16) */
	struct one_node m = node_new("Softmax", 13);
	struct host_values v;
	const uint16_t *y;
	char err[256];

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT16, 2, xd, x);
	add_output(&m, "y");
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(m.g, &v), 0);
	assert_int_equal(host_exec_graph(m.g, &v, err, sizeof(err)), 0);
	y = v.ptr[m.n->outputs[0]];
	assert_int_equal(y[0], 0x3400); /* 0.25 */
	assert_int_equal(y[1], 0x3a00); /* 0.75 */
	host_values_free(&v);
	ir_graph_destroy(m.g);
}

/*
 * A one-unit RNN (W = 1, R = 0.5, no bias) over x = (0.3, -0.7), 2 steps, batch 1, with
 * @direction and @lens (NULL: none); Y [2, dirs, 1, 1] and Y_h [dirs, 1, 1] into @y, @yh.
 */
static void run_tiny_rnn(const char *direction, const int32_t *lens, float *y, float *yh)
{
	static const int64_t xd[] = { 2, 1, 1 }, wd2[] = { 2, 1, 1 }, wd1[] = { 1, 1, 1 }, ld[] = { 1 };
	static const float x[] = { 0.3f, -0.7f }, w[] = { 1, 1 }, r[] = { 0.5f, 0.5f };
	int dirs = strcmp(direction, "bidirectional") ? 1 : 2;
	struct one_node m = node_new("RNN", 14);
	struct host_values v;
	struct ir_attr *a;
	char err[256];
	int ty, tyh;

	add_input(&m, "x", IR_DTYPE_FLOAT, 3, xd, x);
	add_input(&m, "w", IR_DTYPE_FLOAT, 3, dirs == 2 ? wd2 : wd1, w);
	add_input(&m, "r", IR_DTYPE_FLOAT, 3, dirs == 2 ? wd2 : wd1, r);
	if (lens) {
		assert_int_equal(ir_index_append(&m.n->inputs, &m.n->n_inputs, -1), 0);
		add_input(&m, "lens", IR_DTYPE_INT32, 1, ld, lens);
	}
	ty = add_output(&m, "y");
	tyh = add_output(&m, "y_h");
	a = ir_node_add_attr(m.n, "direction", IR_ATTR_STRING);
	assert_non_null(a);
	a->s = strdup(direction);
	a->len = strlen(direction);
	assert_non_null(a->s);
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(m.g, &v), 0);
	assert_int_equal(host_exec_graph(m.g, &v, err, sizeof(err)), 0);
	memcpy(y, v.ptr[ty], 2 * dirs * sizeof(*y));
	memcpy(yh, v.ptr[tyh], dirs * sizeof(*yh));
	host_values_free(&v);
	ir_graph_destroy(m.g);
}

/* The second direction runs from the last step back: Y[0, 1] is its final state. */
static void test_rnn_bidirectional_runs_the_second_direction_backwards(void **state)
{
	float y[4], yh[2];
	double fwd0 = tanh(0.3), fwd1 = tanh(-0.7 + 0.5 * fwd0);
	double bwd1 = tanh(-0.7), bwd0 = tanh(0.3 + 0.5 * bwd1);

	(void)state;
	run_tiny_rnn("bidirectional", NULL, y, yh);
	/* Y [seq, dirs, batch, hidden]. */
	assert_float_equal(y[0], fwd0, 1e-6);
	assert_float_equal(y[1], bwd0, 1e-6);
	assert_float_equal(y[2], fwd1, 1e-6);
	assert_float_equal(y[3], bwd1, 1e-6);
	assert_float_equal(yh[0], fwd1, 1e-6);
	assert_float_equal(yh[1], bwd0, 1e-6);
}

/* A sequence shorter than X: Y is zero past its end, Y_h its last step's state. */
static void test_rnn_sequence_lens_stop_early(void **state)
{
	static const int32_t lens[] = { 1 };
	float y[2], yh[1];

	(void)state;
	run_tiny_rnn("forward", lens, y, yh);
	assert_float_equal(y[0], tanh(0.3), 1e-6);
	assert_float_equal(y[1], 0, 0);
	assert_float_equal(yh[0], tanh(0.3), 1e-6);
}

static double sigmoid(double v)
{
	return 1 / (1 + exp(-v));
}

/* linear_before_reset: the reset gate scales R_h h + Rb_h, not h before R_h. */
static void test_gru_linear_before_reset(void **state)
{
	static const int64_t xd[] = { 1, 1, 1 }, wd[] = { 1, 3, 1 }, bd[] = { 1, 6 }, hd[] = { 1, 1, 1 };
	static const float x[] = { 1 }, w[] = { 0.5f, -0.3f, 0.8f }, r[] = { 0.2f, 0.4f, 0.6f };
	static const float b[] = { 0, 0, 0, 0, 0, 0.5f }, h0[] = { 0.7f };
	struct one_node m = node_new("GRU", 14);
	double z = sigmoid(0.5 + 0.2f * 0.7f), rg = sigmoid(-0.3f + 0.4f * 0.7f);
	double cand = tanh(0.8f + rg * (0.6f * 0.7f + 0.5f));
	struct host_values v;
	struct ir_attr *a;
	char err[256];
	int tyh;

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 3, xd, x);
	add_input(&m, "w", IR_DTYPE_FLOAT, 3, wd, w);
	add_input(&m, "r", IR_DTYPE_FLOAT, 3, wd, r);
	add_input(&m, "b", IR_DTYPE_FLOAT, 2, bd, b);
	assert_int_equal(ir_index_append(&m.n->inputs, &m.n->n_inputs, -1), 0);
	add_input(&m, "h0", IR_DTYPE_FLOAT, 3, hd, h0);
	assert_int_equal(ir_index_append(&m.n->outputs, &m.n->n_outputs, -1), 0);
	tyh = add_output(&m, "y_h");
	a = ir_node_add_attr(m.n, "linear_before_reset", IR_ATTR_INT);
	assert_non_null(a);
	a->i = 1;
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(m.g, &v), 0);
	assert_int_equal(host_exec_graph(m.g, &v, err, sizeof(err)), 0);
	assert_float_equal(*(const float *)v.ptr[tyh], (1 - z) * cand + z * 0.7f, 1e-6);
	host_values_free(&v);
	ir_graph_destroy(m.g);
}

/* Scale of lower rank than the normalised axes broadcasts from the right. */
static void test_layernorm_scale_broadcasts(void **state)
{
	static const int64_t xd[] = { 1, 2, 2 }, sd[] = { 2 };
	static const float x[] = { 0, 2, 4, 6 }, scale[] = { 1, 10 };
	struct one_node m = node_new("LayerNormalization", 17);
	double d = sqrt(5 + 1e-5);
	struct host_values v;
	struct ir_attr *a;
	const float *y;
	char err[256];
	int ty;

	(void)state;
	add_input(&m, "x", IR_DTYPE_FLOAT, 3, xd, x);
	add_input(&m, "scale", IR_DTYPE_FLOAT, 1, sd, scale);
	ty = add_output(&m, "y");
	a = ir_node_add_attr(m.n, "axis", IR_ATTR_INT);
	assert_non_null(a);
	a->i = 1;
	assert_int_equal(ir_infer_shapes(m.g, err, sizeof(err)), 0);
	assert_int_equal(host_values_create(m.g, &v), 0);
	assert_int_equal(host_exec_graph(m.g, &v, err, sizeof(err)), 0);
	y = v.ptr[ty];
	assert_float_equal(y[0], -3 / d, 1e-5);
	assert_float_equal(y[1], 10 * -1 / d, 1e-5);
	assert_float_equal(y[2], 1 / d, 1e-5);
	assert_float_equal(y[3], 10 * 3 / d, 1e-5);
	host_values_free(&v);
	ir_graph_destroy(m.g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_node_tests_pass),
		cmocka_unit_test(test_conv_transpose_node_tests_pass),
		cmocka_unit_test(test_maxpool_node_tests_pass),
		cmocka_unit_test(test_averagepool_node_tests_pass),
		cmocka_unit_test(test_global_pool_node_tests_pass),
		cmocka_unit_test(test_batchnorm_node_tests_pass),
		cmocka_unit_test(test_instancenorm_node_tests_pass),
		cmocka_unit_test(test_layernorm_node_tests_pass),
		cmocka_unit_test(test_lrn_and_mvn_node_tests_pass),
		cmocka_unit_test(test_softmax_node_tests_pass),
		cmocka_unit_test(test_logsoftmax_node_tests_pass),
		cmocka_unit_test(test_hardmax_node_tests_pass),
		cmocka_unit_test(test_dropout_node_tests_pass),
		cmocka_unit_test(test_nllloss_node_tests_pass),
		cmocka_unit_test(test_sce_node_tests_pass),
		cmocka_unit_test(test_rnn_node_tests_pass),
		cmocka_unit_test(test_gru_node_tests_pass),
		cmocka_unit_test(test_lstm_node_tests_pass),
		cmocka_unit_test(test_pytorch_conv_tests_pass),
		cmocka_unit_test(test_pytorch_pool_tests_pass),
		cmocka_unit_test(test_pytorch_dilated_maxpool_tests_pass),
		cmocka_unit_test(test_pytorch_norm_and_softmax_tests_pass),
		cmocka_unit_test(test_pytorch_operator_tests_pass),
		cmocka_unit_test(test_training_dropout_is_refused),
		cmocka_unit_test(test_conv_with_mismatched_channels_is_refused),
		cmocka_unit_test(test_conv_with_kernel_shape_other_than_w_is_refused),
		cmocka_unit_test(test_maxpool_kernel_shape_of_wrong_length_is_refused),
		cmocka_unit_test(test_pool_kernel_larger_than_padded_input_is_refused),
		cmocka_unit_test(test_conv_transpose_with_mismatched_channels_is_refused),
		cmocka_unit_test(test_batchnorm_with_wrong_parameter_size_is_refused),
		cmocka_unit_test(test_batchnorm_training_outputs_before_opset_14_are_refused),
		cmocka_unit_test(test_batchnorm_opset6_is_test_uses_running_statistics),
		cmocka_unit_test(test_batchnorm_opset6_training_uses_batch_statistics),
		cmocka_unit_test(test_batchnorm_spatial_0_has_parameters_per_element),
		cmocka_unit_test(test_softmax_axis_out_of_range_is_refused),
		cmocka_unit_test(test_nllloss_target_out_of_range_is_refused),
		cmocka_unit_test(test_softmax_of_float16),
		cmocka_unit_test(test_rnn_bidirectional_runs_the_second_direction_backwards),
		cmocka_unit_test(test_rnn_sequence_lens_stop_early),
		cmocka_unit_test(test_gru_linear_before_reset),
		cmocka_unit_test(test_layernorm_scale_broadcasts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
