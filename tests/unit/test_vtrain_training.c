// SPDX-License-Identifier: MIT
/*
 * Data-parallel training on two vtrain cards of one host: a two-layer MLP (ReLU, softmax
 * cross-entropy, SGD with momentum) trained on synthetic data, each card holding half of
 * every batch, its gradients all-reduced (SUM, scaled by 1/global batch) every step, gives
 * the same losses and weights as the same model trained on one card with the whole batch,
 * within float tolerance; and the loss goes down. Every step is one job of packets.
 */
#define _GNU_SOURCE
#include <math.h>

#include "vtrain_client.h"

#define VT_CARD(i) \
	"[vtrain." #i "]\ndriver = vtrain\nhbm_size = 64M\njob_timeout_ms = 5000\ncards = 2\n" \
	"card = " #i "\nlinks = mesh\ngroup = dp\n\n"
#define VT_CONFIG VT_CARD(0) VT_CARD(1)

enum { BATCH = 16, D = 6, HID = 10, C = 4, STEPS = 20 };
enum { NPARAM = D * HID + HID + HID * C + C };

/* Float offsets inside each card's object. */
enum {
	O_W1 = 0, O_B1 = O_W1 + D * HID, O_W2 = O_B1 + HID, O_B2 = O_W2 + HID * C,
	O_G = 256,		/* gradients, same layout as the parameters at 0 */
	O_V = 512,		/* momentum */
	O_X = 768,		/* BATCH x D at most */
	O_L = 1024,		/* labels (u32) */
	O_Z1 = 1280, O_H = 1536, O_LOGITS = 1792, O_P = 2048, O_DL = 2304, O_DH = 2560,
	O_LOSS = 2816,		/* one per step */
};

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vtrain-training", VT_CONFIG);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static float init_param(unsigned int i)
{
	return (float)((int)((i * 2654435761u) % 97) - 48) / 200.0f;
}

static float sample(unsigned int r, unsigned int k)
{
	return (float)((int)((r * 40503u + k * 2654435761u) % 61) - 30) / 15.0f;
}

static uint32_t label(unsigned int r)
{
	/* learnable: the quadrant of the first two features */
	return (sample(r, 0) > 0.0f ? 1u : 0u) + (sample(r, 1) > 0.0f ? 2u : 0u);
}

/** struct trainer - one card's share: rows [@row0, @row0 + @rows) of every batch. */
struct trainer {
	struct vc_client c;
	struct vt_bo bo;
	unsigned int row0, rows;
	uint32_t comm;	/* 0: train alone */
	uint32_t out;
};

static uint64_t A(const struct trainer *t, unsigned int off)
{
	return t->bo.addr + (uint64_t)off * 4;
}

static void trainer_open(struct trainer *t, const char *card, unsigned int row0,
			 unsigned int rows)
{
	memset(t, 0, sizeof(*t));
	vc_open(&t->c, card);
	vt_bo_new(&t->c, &t->bo, 0x10000);
	t->row0 = row0;
	t->rows = rows;
	for (unsigned int i = 0; i < NPARAM; i++)
		vt_f32(&t->bo, 0)[i] = init_param(i);
	for (unsigned int r = 0; r < rows; r++) {
		for (unsigned int k = 0; k < D; k++)
			vt_f32(&t->bo, O_X * 4)[r * D + k] = sample(row0 + r, k);
		((uint32_t *)vt_f32(&t->bo, O_L * 4))[r] = label(row0 + r);
	}
	t->out = vc_syncobj(&t->c, 0);
}

static void trainer_close(struct trainer *t)
{
	vt_bo_free(&t->c, &t->bo);
	vc_close(&t->c);
}

static void mm(struct vt_stream *s, uint32_t flags, uint32_t m, uint32_t n, uint32_t k,
	       uint64_t a, uint64_t b, uint64_t bias, uint64_t c)
{
	struct vtrain_pkt_matmul p = { .src_type = VTRAIN_DT_F32, .dst_type = VTRAIN_DT_F32,
				       .m = m, .n = n, .k = k, .a = a, .b = b, .bias = bias,
				       .c = c };

	VT_EMIT(s, VTRAIN_OP_MATMUL, flags, p);
}

static void col_sum(struct vt_stream *s, uint32_t rows, uint32_t cols, uint64_t src, uint64_t dst)
{
	struct vtrain_pkt_reduce p = { .op = VTRAIN_REDUCE_SUM, .rows = rows, .cols = cols,
				       .src = src, .dst = dst };

	VT_EMIT(s, VTRAIN_OP_REDUCE, VTRAIN_REDUCE_F_ROWS, p);
}

/* One training step as one job: forward, loss, backward, all-reduce, SGD. */
static void trainer_step(struct trainer *t, unsigned int step)
{
	struct vt_stream s = { .n = 0 };
	struct vtrain_pkt_activation relu = { .act = VTRAIN_ACT_RELU, .count = t->rows * HID,
					      .src = A(t, O_Z1), .dst = A(t, O_H) };
	struct vtrain_pkt_softmax_xent xent = { .rows = t->rows, .classes = C,
						.logits = A(t, O_LOGITS), .labels = A(t, O_L),
						.probs = A(t, O_P), .loss = A(t, O_LOSS + step) };
	struct vtrain_pkt_softmax_xent_grad xg = { .rows = t->rows, .classes = C,
						   .probs = A(t, O_P), .labels = A(t, O_L),
						   .dlogits = A(t, O_DL),
						   .scale = vt_bits(1.0f / BATCH) };
	struct vtrain_pkt_activation_grad rg = { .act = VTRAIN_ACT_RELU, .count = t->rows * HID,
						 .x = A(t, O_Z1), .dy = A(t, O_DH),
						 .dx = A(t, O_DH) };
	struct vtrain_pkt_collective ar = { .comm = t->comm, .op = VTRAIN_RED_SUM,
					    .count = NPARAM, .src = A(t, O_G), .dst = A(t, O_G) };
	struct vtrain_pkt_sgd_momentum sgd = { .lr = vt_bits(0.1f), .momentum = vt_bits(0.9f),
					       .count = NPARAM, .weights = A(t, 0),
					       .grads = A(t, O_G), .vel = A(t, O_V) };

	/* forward */
	mm(&s, VTRAIN_MATMUL_F_BIAS, t->rows, HID, D, A(t, O_X), A(t, O_W1), A(t, O_B1),
	   A(t, O_Z1));
	VT_EMIT(&s, VTRAIN_OP_ACTIVATION, 0, relu);
	mm(&s, VTRAIN_MATMUL_F_BIAS, t->rows, C, HID, A(t, O_H), A(t, O_W2), A(t, O_B2),
	   A(t, O_LOGITS));
	VT_EMIT(&s, VTRAIN_OP_SOFTMAX_XENT, 0, xent);
	/* backward: each card's share of the gradient of the global mean loss */
	VT_EMIT(&s, VTRAIN_OP_SOFTMAX_XENT_GRAD, 0, xg);
	mm(&s, VTRAIN_MATMUL_F_TRANS_A, HID, C, t->rows, A(t, O_H), A(t, O_DL), 0,
	   A(t, O_G + O_W2));
	col_sum(&s, t->rows, C, A(t, O_DL), A(t, O_G + O_B2));
	mm(&s, VTRAIN_MATMUL_F_TRANS_B, t->rows, HID, C, A(t, O_DL), A(t, O_W2), 0, A(t, O_DH));
	VT_EMIT(&s, VTRAIN_OP_ACTIVATION_GRAD, 0, rg);
	mm(&s, VTRAIN_MATMUL_F_TRANS_A, D, HID, t->rows, A(t, O_X), A(t, O_DH), 0,
	   A(t, O_G + O_W1));
	col_sum(&s, t->rows, HID, A(t, O_DH), A(t, O_G + O_B1));
	if (t->comm)
		VT_EMIT(&s, VTRAIN_OP_ALL_REDUCE, 0, ar);
	VT_EMIT(&s, VTRAIN_OP_SGD_MOMENTUM, 0, sgd);
	assert_int_equal(vt_submit(&t->c, &s, NULL, 0, t->out), 0);
}

static void test_data_parallel_matches_single_card(void **state)
{
	struct vtrain_rank ranks[2] = { { 0, 0 }, { 0, 1 } };
	struct trainer single, dp[2];

	(void)state;
	trainer_open(&single, "vtrain.0", 0, BATCH);
	trainer_open(&dp[0], "vtrain.0", 0, BATCH / 2);
	trainer_open(&dp[1], "vtrain.1", BATCH / 2, BATCH / 2);
	for (unsigned int i = 0; i < 2; i++) {
		struct drm_vtrain_comm_create cc = { .key = 77, .num_ranks = 2,
						     .ranks = (uintptr_t)ranks };

		assert_int_equal(vc_ioctl(&dp[i].c, DRM_IOCTL_VTRAIN_COMM_CREATE, &cc), 0);
		dp[i].comm = cc.comm;
	}
	for (unsigned int step = 0; step < STEPS; step++) {
		trainer_step(&single, step);
		trainer_step(&dp[0], step);
		trainer_step(&dp[1], step);
	}
	vc_wait(&single.c, single.out, 0);
	assert_int_equal(vc_fence_status(&single.c, single.out), 1);
	for (unsigned int i = 0; i < 2; i++) {
		vc_wait(&dp[i].c, dp[i].out, 0);
		assert_int_equal(vc_fence_status(&dp[i].c, dp[i].out), 1);
	}
	for (unsigned int step = 0; step < STEPS; step++) {
		float l1 = vt_f32(&single.bo, 0)[O_LOSS + step];
		float l2 = (vt_f32(&dp[0].bo, 0)[O_LOSS + step] +
			    vt_f32(&dp[1].bo, 0)[O_LOSS + step]) / 2.0f;

		assert_true(isfinite(l1));
		assert_float_equal(l2, l1, 1e-4);
	}
	/* It learns: the last loss is well below the first. */
	assert_true(vt_f32(&single.bo, 0)[O_LOSS + STEPS - 1] <
		    0.8f * vt_f32(&single.bo, 0)[O_LOSS]);
	for (unsigned int i = 0; i < NPARAM; i++) {
		assert_float_equal(vt_f32(&dp[0].bo, 0)[i], vt_f32(&single.bo, 0)[i], 1e-4);
		assert_float_equal(vt_f32(&dp[1].bo, 0)[i], vt_f32(&dp[0].bo, 0)[i], 0);
	}
	trainer_close(&dp[1]);
	trainer_close(&dp[0]);
	trainer_close(&single);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_parallel_matches_single_card),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
