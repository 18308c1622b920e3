// SPDX-License-Identifier: MIT
/*
 * vtrain command processor (drivers/vtrain/vtrain_exec.c) against host references: matmul in
 * every transpose/bias/accumulate/bf16 combination, element-wise operations, activations and
 * their gradients (against finite differences), reductions, softmax cross-entropy and its
 * gradient, SGD with momentum, Adam, DMA copy/fill, fence writes; a stream with one invalid
 * packet runs nothing; operands outside device memory fail with -EFAULT; labels out of
 * range with -EDOM.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/vtrain/vtrain_exec.h"

/* Device memory of the test: one range at BASE (like one buffer object). */
#define BASE 0x100000000ull
#define MEM_SIZE (1u << 20)

static uint8_t *mem;

static void *mem_map(void *priv, uint64_t addr, uint64_t size)
{
	(void)priv;
	if (addr < BASE || size > MEM_SIZE || addr - BASE > MEM_SIZE - size)
		return NULL;
	return mem + (addr - BASE);
}

static const struct vtrain_exec_ops test_ops = { .map = mem_map };

static int setup(void **state)
{
	(void)state;
	mem = calloc(1, MEM_SIZE);
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

static float *at(uint64_t off)
{
	return (float *)(mem + off);
}

static uint32_t bits(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

static float val(unsigned int i, unsigned int salt)
{
	return (float)((int)((i * 2654435761u + salt * 40503u) % 17) - 8) / 4.0f;
}

static void fill(uint64_t off, unsigned int n, unsigned int salt)
{
	for (unsigned int i = 0; i < n; i++)
		at(off)[i] = val(i, salt);
}

static int run1(const void *pkt, size_t size)
{
	return vtrain_exec_run(&test_ops, NULL, pkt, size);
}

#define HDR(op, type, fl) { .opcode = (op), .length = sizeof(type) / 4, .flags = (fl) }

static void matmul_case(uint32_t flags, uint32_t src_type)
{
	const uint32_t m = 5, n = 7, k = 9;
	bool ta = flags & VTRAIN_MATMUL_F_TRANS_A, tb = flags & VTRAIN_MATMUL_F_TRANS_B;
	uint64_t oa = 0, ob = 0x1000, obias = 0x2000, oc = 0x3000, oref = 0x4000;
	struct vtrain_pkt_matmul p = {
		.hdr = HDR(VTRAIN_OP_MATMUL, struct vtrain_pkt_matmul, flags),
		.src_type = src_type, .dst_type = VTRAIN_DT_F32, .m = m, .n = n, .k = k,
		.a = BASE + oa, .b = BASE + ob, .c = BASE + oc,
		.bias = flags & VTRAIN_MATMUL_F_BIAS ? BASE + obias : 0,
	};
	float A[9 * 9], B[9 * 9];

	for (unsigned int i = 0; i < m * k; i++)
		A[i] = val(i, 1);
	for (unsigned int i = 0; i < k * n; i++)
		B[i] = val(i, 2);
	if (src_type == VTRAIN_DT_BF16) {
		/* the values are exact in bf16 (quarters of small integers) */
		for (unsigned int i = 0; i < m * k; i++)
			((uint16_t *)(mem + oa))[i] = (uint16_t)(bits(A[i]) >> 16);
		for (unsigned int i = 0; i < k * n; i++)
			((uint16_t *)(mem + ob))[i] = (uint16_t)(bits(B[i]) >> 16);
	} else {
		memcpy(mem + oa, A, sizeof(float) * m * k);
		memcpy(mem + ob, B, sizeof(float) * k * n);
	}
	fill(obias, n, 3);
	fill(oc, m * n, 4);
	for (unsigned int i = 0; i < m; i++)
		for (unsigned int j = 0; j < n; j++) {
			float acc = 0.0f;

			for (unsigned int l = 0; l < k; l++)
				acc += (ta ? A[l * m + i] : A[i * k + l]) *
				       (tb ? B[j * k + l] : B[l * n + j]);
			if (flags & VTRAIN_MATMUL_F_BIAS)
				acc += at(obias)[j];
			if (flags & VTRAIN_MATMUL_F_ACCUMULATE)
				acc += at(oc)[i * n + j];
			at(oref)[i * n + j] = acc;
		}
	assert_int_equal(run1(&p, sizeof(p)), 0);
	for (unsigned int i = 0; i < m * n; i++)
		assert_float_equal(at(oc)[i], at(oref)[i], 1e-4);
}

static void test_matmul_plain_matches_reference(void **s)
{
	(void)s;
	matmul_case(0, VTRAIN_DT_F32);
}

static void test_matmul_transposes_match_reference(void **s)
{
	(void)s;
	matmul_case(VTRAIN_MATMUL_F_TRANS_A, VTRAIN_DT_F32);
	matmul_case(VTRAIN_MATMUL_F_TRANS_B, VTRAIN_DT_F32);
	matmul_case(VTRAIN_MATMUL_F_TRANS_A | VTRAIN_MATMUL_F_TRANS_B, VTRAIN_DT_F32);
}

static void test_matmul_bias_and_accumulate_match_reference(void **s)
{
	(void)s;
	matmul_case(VTRAIN_MATMUL_F_BIAS, VTRAIN_DT_F32);
	matmul_case(VTRAIN_MATMUL_F_ACCUMULATE, VTRAIN_DT_F32);
	matmul_case(VTRAIN_MATMUL_F_BIAS | VTRAIN_MATMUL_F_ACCUMULATE | VTRAIN_MATMUL_F_TRANS_B,
		    VTRAIN_DT_F32);
}

static void test_matmul_bf16_sources_match_reference(void **s)
{
	(void)s;
	matmul_case(0, VTRAIN_DT_BF16);
	matmul_case(VTRAIN_MATMUL_F_TRANS_A, VTRAIN_DT_BF16);
}

static void test_elementwise_ops_match_reference(void **s)
{
	const uint32_t rows = 3, cols = 11;

	(void)s;
	for (uint32_t op = VTRAIN_EW_ADD; op <= VTRAIN_EW_AXPBY; op++)
		for (uint32_t fl = 0; fl <= VTRAIN_EW_F_BROADCAST_ROW; fl++) {
			struct vtrain_pkt_elementwise p = {
				.hdr = HDR(VTRAIN_OP_ELEMENTWISE, struct vtrain_pkt_elementwise, fl),
				.op = op, .rows = rows, .cols = cols,
				.a = BASE, .b = BASE + 0x1000, .dst = BASE + 0x2000,
				.alpha = op == VTRAIN_EW_AXPBY ? bits(0.5f) : 0,
				.beta = op == VTRAIN_EW_AXPBY ? bits(-2.0f) : 0,
			};

			fill(0, rows * cols, 5);
			for (unsigned int i = 0; i < rows * cols; i++)
				at(0x1000)[i] = val(i, 6) + 3.0f; /* never 0: DIV */
			assert_int_equal(run1(&p, sizeof(p)), 0);
			for (unsigned int i = 0; i < rows * cols; i++) {
				float x = at(0)[i], y = at(0x1000)[fl ? i % cols : i], r;

				switch (op) {
				case VTRAIN_EW_ADD: r = x + y; break;
				case VTRAIN_EW_SUB: r = x - y; break;
				case VTRAIN_EW_MUL: r = x * y; break;
				case VTRAIN_EW_DIV: r = x / y; break;
				case VTRAIN_EW_MAX: r = x > y ? x : y; break;
				case VTRAIN_EW_MIN: r = x < y ? x : y; break;
				default: r = 0.5f * x - 2.0f * y; break;
				}
				assert_float_equal(at(0x2000)[i], r, 1e-6);
			}
		}
}

static float act_ref(uint32_t act, double x)
{
	switch (act) {
	case VTRAIN_ACT_RELU: return x > 0 ? (float)x : 0.0f;
	case VTRAIN_ACT_SIGMOID: return (float)(1.0 / (1.0 + exp(-x)));
	case VTRAIN_ACT_TANH: return (float)tanh(x);
	default: return (float)(0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))));
	}
}

static void test_activations_match_reference(void **s)
{
	(void)s;
	for (uint32_t act = VTRAIN_ACT_RELU; act <= VTRAIN_ACT_GELU_TANH; act++) {
		struct vtrain_pkt_activation p = {
			.hdr = HDR(VTRAIN_OP_ACTIVATION, struct vtrain_pkt_activation, 0),
			.act = act, .count = 40, .src = BASE, .dst = BASE + 0x1000,
		};

		fill(0, 40, 7);
		assert_int_equal(run1(&p, sizeof(p)), 0);
		for (unsigned int i = 0; i < 40; i++)
			assert_float_equal(at(0x1000)[i], act_ref(act, at(0)[i]), 1e-5);
	}
}

static void test_activation_grads_match_finite_differences(void **s)
{
	(void)s;
	for (uint32_t act = VTRAIN_ACT_RELU; act <= VTRAIN_ACT_GELU_TANH; act++) {
		struct vtrain_pkt_activation_grad p = {
			.hdr = HDR(VTRAIN_OP_ACTIVATION_GRAD, struct vtrain_pkt_activation_grad, 0),
			.act = act, .count = 40, .x = BASE, .dy = BASE + 0x1000, .dx = BASE + 0x2000,
		};

		for (unsigned int i = 0; i < 40; i++)
			at(0)[i] = val(i, 8) + 0.125f; /* away from ReLU's kink at 0 */
		fill(0x1000, 40, 9);
		assert_int_equal(run1(&p, sizeof(p)), 0);
		for (unsigned int i = 0; i < 40; i++) {
			double x = at(0)[i], h = 1e-3;
			double d = ((double)act_ref(act, x + h) - act_ref(act, x - h)) / (2 * h);

			assert_float_equal(at(0x2000)[i], at(0x1000)[i] * d, 2e-3);
		}
	}
}

static void test_reduce_rows_and_cols_match_reference(void **s)
{
	const uint32_t rows = 4, cols = 6;

	(void)s;
	for (uint32_t op = VTRAIN_REDUCE_SUM; op <= VTRAIN_REDUCE_MIN; op++)
		for (uint32_t fl = 0; fl <= VTRAIN_REDUCE_F_ROWS; fl++) {
			struct vtrain_pkt_reduce p = {
				.hdr = HDR(VTRAIN_OP_REDUCE, struct vtrain_pkt_reduce, fl),
				.op = op, .rows = rows, .cols = cols, .src = BASE, .dst = BASE + 0x1000,
			};
			unsigned int outer = fl ? cols : rows, inner = fl ? rows : cols;

			fill(0, rows * cols, 10);
			assert_int_equal(run1(&p, sizeof(p)), 0);
			for (unsigned int o = 0; o < outer; o++) {
				float sum = 0, mx = -INFINITY, mn = INFINITY, r;

				for (unsigned int i = 0; i < inner; i++) {
					float v = fl ? at(0)[i * cols + o] : at(0)[o * cols + i];

					sum += v;
					mx = fmaxf(mx, v);
					mn = fminf(mn, v);
				}
				r = op == VTRAIN_REDUCE_SUM ? sum : op == VTRAIN_REDUCE_MEAN ?
				    sum / (float)inner : op == VTRAIN_REDUCE_MAX ? mx : mn;
				assert_float_equal(at(0x1000)[o], r, 1e-5);
			}
		}
}

static void test_softmax_xent_and_grad_match_reference(void **s)
{
	const uint32_t rows = 3, classes = 5;
	struct vtrain_pkt_softmax_xent f = {
		.hdr = HDR(VTRAIN_OP_SOFTMAX_XENT, struct vtrain_pkt_softmax_xent, 0),
		.rows = rows, .classes = classes, .logits = BASE, .labels = BASE + 0x1000,
		.probs = BASE + 0x2000, .loss = BASE + 0x3000,
	};
	struct vtrain_pkt_softmax_xent_grad g = {
		.hdr = HDR(VTRAIN_OP_SOFTMAX_XENT_GRAD, struct vtrain_pkt_softmax_xent_grad, 0),
		.rows = rows, .classes = classes, .probs = BASE + 0x2000, .labels = BASE + 0x1000,
		.dlogits = BASE + 0x4000, .scale = bits(1.0f / 3),
	};
	double loss = 0;

	(void)s;
	fill(0, rows * classes, 11);
	for (uint32_t r = 0; r < rows; r++)
		((uint32_t *)(mem + 0x1000))[r] = (r * 3 + 1) % classes;
	assert_int_equal(run1(&f, sizeof(f)), 0);
	assert_int_equal(run1(&g, sizeof(g)), 0);
	for (uint32_t r = 0; r < rows; r++) {
		uint32_t label = (r * 3 + 1) % classes;
		double z = 0;

		for (uint32_t c = 0; c < classes; c++)
			z += exp(at(0)[r * classes + c]);
		for (uint32_t c = 0; c < classes; c++) {
			double p = exp(at(0)[r * classes + c]) / z;

			assert_float_equal(at(0x2000)[r * classes + c], p, 1e-6);
			assert_float_equal(at(0x4000)[r * classes + c],
					   (p - (c == label)) / 3.0, 1e-6);
		}
		loss += -log(exp(at(0)[r * classes + label]) / z);
	}
	assert_float_equal(at(0x3000)[0], loss / rows, 1e-5);
}

static void test_softmax_xent_label_out_of_range_is_edom(void **s)
{
	struct vtrain_pkt_softmax_xent f = {
		.hdr = HDR(VTRAIN_OP_SOFTMAX_XENT, struct vtrain_pkt_softmax_xent, 0),
		.rows = 2, .classes = 4, .logits = BASE, .labels = BASE + 0x1000,
		.probs = BASE + 0x2000, .loss = BASE + 0x3000,
	};

	(void)s;
	((uint32_t *)(mem + 0x1000))[0] = 1;
	((uint32_t *)(mem + 0x1000))[1] = 4;
	assert_int_equal(run1(&f, sizeof(f)), -EDOM);
}

static void test_sgd_momentum_matches_reference(void **s)
{
	struct vtrain_pkt_sgd_momentum p = {
		.hdr = HDR(VTRAIN_OP_SGD_MOMENTUM, struct vtrain_pkt_sgd_momentum, 0),
		.lr = bits(0.1f), .momentum = bits(0.9f), .weight_decay = bits(0.01f), .count = 20,
		.weights = BASE, .grads = BASE + 0x1000, .vel = BASE + 0x2000,
	};
	float w[20], v[20];

	(void)s;
	fill(0, 20, 12);
	fill(0x1000, 20, 13);
	fill(0x2000, 20, 14);
	for (int i = 0; i < 20; i++) {
		v[i] = 0.9f * at(0x2000)[i] + at(0x1000)[i] + 0.01f * at(0)[i];
		w[i] = at(0)[i] - 0.1f * v[i];
	}
	assert_int_equal(run1(&p, sizeof(p)), 0);
	for (int i = 0; i < 20; i++) {
		assert_float_equal(at(0x2000)[i], v[i], 1e-6);
		assert_float_equal(at(0)[i], w[i], 1e-6);
	}
}

static void test_adam_two_steps_match_reference(void **s)
{
	struct vtrain_pkt_adam p = {
		.hdr = HDR(VTRAIN_OP_ADAM, struct vtrain_pkt_adam, 0),
		.lr = bits(0.01f), .beta1 = bits(0.9f), .beta2 = bits(0.999f), .eps = bits(1e-8f),
		.count = 16, .weights = BASE, .grads = BASE + 0x1000, .m = BASE + 0x2000,
		.v = BASE + 0x3000,
	};
	double w[16], m[16] = { 0 }, v[16] = { 0 };

	(void)s;
	fill(0, 16, 15);
	memset(mem + 0x2000, 0, 0x2000);
	for (int i = 0; i < 16; i++)
		w[i] = at(0)[i];
	for (uint32_t t = 1; t <= 2; t++) {
		fill(0x1000, 16, 15 + t);
		for (int i = 0; i < 16; i++) {
			double g = at(0x1000)[i];

			m[i] = 0.9 * m[i] + 0.1 * g;
			v[i] = 0.999 * v[i] + 0.001 * g * g;
			w[i] -= 0.01 * (m[i] / (1 - pow(0.9, t))) / (sqrt(v[i] / (1 - pow(0.999, t))) + 1e-8);
		}
		p.step = t;
		assert_int_equal(run1(&p, sizeof(p)), 0);
	}
	for (int i = 0; i < 16; i++)
		assert_float_equal(at(0)[i], w[i], 1e-5);
}

static void test_dma_copy_fill_and_fence_write(void **s)
{
	struct {
		struct vtrain_pkt_dma_fill fill;
		struct vtrain_pkt_dma_copy copy;
		struct vtrain_pkt_fence_write fence;
	} st = {
		.fill = { .hdr = HDR(VTRAIN_OP_DMA_FILL, struct vtrain_pkt_dma_fill, 0),
			  .dst = BASE, .size = 256, .pattern = 0xa5a5f00du },
		.copy = { .hdr = HDR(VTRAIN_OP_DMA_COPY, struct vtrain_pkt_dma_copy, 0),
			  .src = BASE, .dst = BASE + 0x1000, .size = 255 },
		.fence = { .hdr = HDR(VTRAIN_OP_FENCE_WRITE, struct vtrain_pkt_fence_write, 0),
			   .addr = BASE + 0x2000, .value = 0x1122334455667788ull },
	};
	uint64_t fence;

	(void)s;
	memset(mem, 0, 0x3000);
	assert_int_equal(run1(&st, sizeof(st)), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(((uint32_t *)mem)[i], 0xa5a5f00du);
	assert_memory_equal(mem + 0x1000, mem, 255);
	assert_int_equal(mem[0x1000 + 255], 0);
	memcpy(&fence, mem + 0x2000, 8);
	assert_int_equal(fence, 0x1122334455667788ull);
}

static void test_invalid_packet_rejects_whole_stream(void **s)
{
	struct {
		struct vtrain_pkt_dma_fill fill;
		struct vtrain_pkt_activation act;
	} st = {
		.fill = { .hdr = HDR(VTRAIN_OP_DMA_FILL, struct vtrain_pkt_dma_fill, 0),
			  .dst = BASE, .size = 4, .pattern = 7 },
		.act = { .hdr = HDR(VTRAIN_OP_ACTIVATION, struct vtrain_pkt_activation, 0),
			 .act = VTRAIN_ACT_RELU, .pad = 1, .count = 1, .src = BASE, .dst = BASE },
	};

	(void)s;
	memset(mem, 0, 8);
	assert_int_equal(run1(&st, sizeof(st)), -EINVAL);
	assert_int_equal(((uint32_t *)mem)[0], 0); /* the fill before it never ran */
	st.act.pad = 0;
	st.act.act = 99;
	assert_int_equal(run1(&st, sizeof(st)), -EINVAL);
	st.act.act = VTRAIN_ACT_RELU;
	st.act.hdr.flags = 1;
	assert_int_equal(run1(&st, sizeof(st)), -EINVAL);
	st.act.hdr.flags = 0;
	st.act.hdr.opcode = 0x7f;
	assert_int_equal(run1(&st, sizeof(st)), -EINVAL);
	assert_int_equal(((uint32_t *)mem)[0], 0);
}

static void test_framing_rules(void **s)
{
	uint32_t buf[32] = { 0 };
	struct vtrain_pkt_dma_fill *f = (void *)buf;

	(void)s;
	*f = (struct vtrain_pkt_dma_fill){
		.hdr = HDR(VTRAIN_OP_DMA_FILL, struct vtrain_pkt_dma_fill, 0),
		.dst = BASE, .size = 4, .pattern = 1 };
	assert_int_equal(vtrain_exec_validate(buf, sizeof(*f)), 0);
	f->hdr.length = sizeof(*f) / 4 + 2; /* longer with a zero tail: accepted */
	assert_int_equal(vtrain_exec_validate(buf, f->hdr.length * 4), 0);
	buf[sizeof(*f) / 4] = 1; /* non-zero tail */
	assert_int_equal(vtrain_exec_validate(buf, f->hdr.length * 4), -EINVAL);
	buf[sizeof(*f) / 4] = 0;
	f->hdr.length = sizeof(*f) / 4 - 2; /* shorter than the struct */
	assert_int_equal(vtrain_exec_validate(buf, f->hdr.length * 4), -EINVAL);
	f->hdr.length = sizeof(*f) / 4 + 1; /* odd */
	assert_int_equal(vtrain_exec_validate(buf, sizeof(buf)), -EINVAL);
	f->hdr.length = 64; /* past the end */
	assert_int_equal(vtrain_exec_validate(buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vtrain_exec_validate(buf, 4), -EINVAL);
}

static void test_operand_outside_memory_is_efault(void **s)
{
	struct vtrain_pkt_dma_copy p = {
		.hdr = HDR(VTRAIN_OP_DMA_COPY, struct vtrain_pkt_dma_copy, 0),
		.src = BASE + MEM_SIZE - 8, .dst = BASE, .size = 16,
	};

	(void)s;
	assert_int_equal(run1(&p, sizeof(p)), -EFAULT);
	p.src = BASE - 0x100;
	assert_int_equal(run1(&p, sizeof(p)), -EFAULT);
}

static void test_link_packet_without_link_is_eopnotsupp(void **s)
{
	struct vtrain_pkt_collective p = {
		.hdr = HDR(VTRAIN_OP_ALL_REDUCE, struct vtrain_pkt_collective, 0),
		.op = VTRAIN_RED_SUM, .count = 4, .src = BASE, .dst = BASE,
	};

	(void)s;
	assert_int_equal(run1(&p, sizeof(p)), -EOPNOTSUPP);
	p.op = 0; /* a reduction without an operator */
	assert_int_equal(run1(&p, sizeof(p)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matmul_plain_matches_reference),
		cmocka_unit_test(test_matmul_transposes_match_reference),
		cmocka_unit_test(test_matmul_bias_and_accumulate_match_reference),
		cmocka_unit_test(test_matmul_bf16_sources_match_reference),
		cmocka_unit_test(test_elementwise_ops_match_reference),
		cmocka_unit_test(test_activations_match_reference),
		cmocka_unit_test(test_activation_grads_match_finite_differences),
		cmocka_unit_test(test_reduce_rows_and_cols_match_reference),
		cmocka_unit_test(test_softmax_xent_and_grad_match_reference),
		cmocka_unit_test(test_softmax_xent_label_out_of_range_is_edom),
		cmocka_unit_test(test_sgd_momentum_matches_reference),
		cmocka_unit_test(test_adam_two_steps_match_reference),
		cmocka_unit_test(test_dma_copy_fill_and_fence_write),
		cmocka_unit_test(test_invalid_packet_rejects_whole_stream),
		cmocka_unit_test(test_framing_rules),
		cmocka_unit_test(test_operand_outside_memory_is_efault),
		cmocka_unit_test(test_link_packet_without_link_is_eopnotsupp),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
