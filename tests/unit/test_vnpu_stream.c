// SPDX-License-Identifier: MIT
/*
 * vnpu command-stream framing and validation: every malformed packet fails the job with
 * -EINVAL at its index and offset before anything of it runs; an operand the address space
 * refuses fails it with -EFAULT and the VA; nothing outside a destination is ever written.
 */
#include "vnpu_test.h"

static void test_empty_stream_succeeds(void **state)
{
	struct vt *t = *state;

	assert_int_equal(vt_run(t), 0);
	assert_int_equal(t->res.packets, 0);
}

static void test_nop_payload_is_skipped(void **state)
{
	struct vt *t = *state;
	uint8_t nop[24];

	memset(nop, 0x77, sizeof(nop));
	vt_emit_sized(t, VNPU_OP_NOP, 0, nop, sizeof(nop));
	vt_fence_write(t, vt_alloc(t, 8), 1);
	assert_int_equal(vt_run(t), 0);
	assert_int_equal(t->res.packets, 2);
}

static void test_truncated_packet_einval(void **state)
{
	struct vt *t = *state;
	uint64_t va = vt_alloc(t, 8);

	vt_fence_write(t, va, 1);
	vt_fence_write(t, va + 0, 2);
	t->len -= 8; /* the second packet's header claims 24 bytes; 16 remain */
	assert_int_equal(vt_run(t), -EINVAL);
	assert_int_equal(t->res.fail_index, 1);
	assert_int_equal(t->res.fail_offset, 24);
	assert_int_equal(t->res.fail_opcode, VNPU_OP_FENCE_WRITE);
	assert_int_equal(t->res.packets, 1);
	vt_assert_only_written(t, va, 8);
	assert_int_equal(*(uint64_t *)vt_ptr(t, va), 1);
}

static void test_truncated_header_einval(void **state)
{
	struct vt *t = *state;
	uint32_t half = VNPU_OP_NOP;

	vt_fence_write(t, vt_alloc(t, 8), 1);
	memcpy(t->cmds + t->len, &half, 4);
	t->len += 4;
	assert_int_equal(vt_run(t), -EINVAL);
	assert_int_equal(t->res.fail_index, 1);
}

static void test_length_shorter_than_packet_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_fence_write f = { .va = vt_alloc(t, 8), .value = 1 };

	vt_emit(t, VNPU_OP_FENCE_WRITE, 0, f);
	((struct vnpu_pkt_header *)t->cmds)->length = 4; /* 16 of its 24 bytes */
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_odd_or_zero_length_einval(void **state)
{
	struct vt *t = *state;
	uint8_t nop[16] = { 0 };

	vt_emit_sized(t, VNPU_OP_NOP, 0, nop, sizeof(nop));
	((struct vnpu_pkt_header *)t->cmds)->length = 3;
	assert_int_equal(vt_run(t), -EINVAL);
	vt_emit_sized(t, VNPU_OP_NOP, 0, nop, sizeof(nop));
	((struct vnpu_pkt_header *)t->cmds)->length = 0;
	assert_int_equal(vt_run(t), -EINVAL);
}

static void test_unknown_opcode_einval(void **state)
{
	struct vt *t = *state;
	uint64_t va = vt_alloc(t, 8);
	uint8_t pkt[16] = { 0 };

	vt_fence_write(t, va, 5);
	vt_emit_sized(t, 0x7f, 0, pkt, sizeof(pkt));
	vt_fence_write(t, va, 6);
	assert_int_equal(vt_run(t), -EINVAL);
	assert_int_equal(t->res.fail_index, 1);
	assert_int_equal(t->res.fail_offset, 24);
	assert_int_equal(t->res.fail_opcode, 0x7f);
	/* the packet before ran, the one after did not */
	assert_int_equal(*(uint64_t *)vt_ptr(t, va), 5);
}

static void test_unknown_flag_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_matmul p = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32, .batch = 1,
				     .m = 2, .n = 2, .k = 2 };

	p.a_va = vt_alloc(t, 16);
	p.b_va = vt_alloc(t, 16);
	p.c_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_MATMUL, 1u << 7, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_nonzero_pad_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_softmax p = { .dtype = VNPU_DT_F32, .ndims = 1, .dims = { 8 }, .pad = 1 };
	struct vnpu_pkt_dma_fill f = { .size = 8, .width = 1, .pad = 1 };

	p.src_va = vt_alloc(t, 32);
	p.dst_va = vt_alloc(t, 32);
	vt_emit(t, VNPU_OP_SOFTMAX, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	f.dst_va = vt_alloc(t, 8);
	vt_emit(t, VNPU_OP_DMA_FILL, 0, f);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

/* BINARY's pad, appended with its act field, must be zero like every pad. */
static void test_binary_nonzero_pad_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_binary b = { .dtype = VNPU_DT_F32, .op = VNPU_BINARY_ADD, .rows = 1,
				     .cols = 4, .pad = 1 };

	b.a_va = b.b_va = b.dst_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_BINARY, 0, b);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

/*
 * A BINARY packet of its first version (48 bytes, before act was appended) still runs, with
 * no epilogue; shorter than that is refused.
 */
static void test_binary_first_version_length_runs_without_act(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_binary b = { .dtype = VNPU_DT_F32, .op = VNPU_BINARY_SUB, .rows = 1,
				     .cols = 2 };
	float a[2] = { 1.0f, -3.0f }, c[2] = { 2.0f, 1.0f }, out[2];
	uint64_t fence;

	b.a_va = vt_alloc(t, sizeof(a));
	b.b_va = vt_alloc(t, sizeof(c));
	b.dst_va = vt_alloc(t, sizeof(out));
	memcpy(vt_ptr(t, b.a_va), a, sizeof(a));
	memcpy(vt_ptr(t, b.b_va), c, sizeof(c));
	fence = vt_alloc(t, 8);
	/* act set in the struct but outside the 48 bytes emitted; a packet follows */
	b.act = VNPU_ACT_RELU;
	vt_emit_sized(t, VNPU_OP_BINARY, 0, &b, VNPU_PKT_BINARY_SIZE_V1);
	vt_fence_write(t, fence, 7);
	assert_int_equal(vt_run(t), 0);
	assert_int_equal(*(uint64_t *)vt_ptr(t, fence), 7);
	memcpy(out, vt_ptr(t, b.dst_va), sizeof(out));
	/* -1 and -4: no RELU or other epilogue was read from beyond the packet */
	assert_true(out[0] == -1.0f && out[1] == -4.0f);
	vt_emit_sized(t, VNPU_OP_BINARY, 0, &b, VNPU_PKT_BINARY_SIZE_V1 - 8);
	assert_int_equal(vt_run(t), -EINVAL);
}

/* A packet longer than its struct: accepted with a zero tail, rejected otherwise. */
static void test_extension_tail_must_be_zero(void **state)
{
	struct vt *t = *state;
	struct {
		struct vnpu_pkt_fence_write f;
		uint64_t ext;
	} p = { .f = { .va = vt_alloc(t, 8), .value = 3 } };

	vt_emit(t, VNPU_OP_FENCE_WRITE, 0, p);
	assert_int_equal(vt_run(t), 0);
	assert_int_equal(*(uint64_t *)vt_ptr(t, p.f.va), 3);
	p.f.value = 4;
	p.ext = 1;
	vt_emit(t, VNPU_OP_FENCE_WRITE, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	assert_int_equal(*(uint64_t *)vt_ptr(t, p.f.va), 3);
}

static void test_shape_size_overflow_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_matmul p = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32,
				     .batch = 0xffffffffu, .m = 0xffffffffu, .n = 0xffffffffu,
				     .k = 0xffffffffu };
	struct vnpu_pkt_activation a = { .dtype = VNPU_DT_F32, .act = VNPU_ACT_RELU,
					 .count = 1ull << 62 };
	struct vnpu_pkt_conv2d c = { .dtype = VNPU_DT_F32, .n = 0xffffffffu, .h = 0xffffffffu,
				     .w = 0xffffffffu, .c = 0xffffffffu, .oc = 1, .kh = 1, .kw = 1,
				     .groups = 1, .stride_h = 1, .stride_w = 1, .dil_h = 1,
				     .dil_w = 1 };

	p.a_va = p.b_va = p.c_va = vt_alloc(t, 64);
	vt_emit(t, VNPU_OP_MATMUL, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	a.src_va = a.dst_va = vt_alloc(t, 64);
	vt_emit(t, VNPU_OP_ACTIVATION, 0, a);
	assert_int_equal(vt_run(t), -EINVAL);
	c.src_va = c.wei_va = c.dst_va = vt_alloc(t, 64);
	vt_emit(t, VNPU_OP_CONV2D, 0, c);
	assert_int_equal(vt_run(t), -EINVAL);
	/* rejected before any translation was asked for */
	assert_int_equal(t->maps, 0);
	vt_assert_untouched(t);
}

static void test_refused_va_faults_with_va(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_matmul p = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32, .batch = 1,
				     .m = 8, .n = 8, .k = 8 };
	uint64_t first = vt_alloc(t, 8);

	p.a_va = vt_alloc(t, 256);
	p.b_va = 0x300000000ull; /* outside every arena */
	p.c_va = vt_alloc(t, 256);
	vt_fence_write(t, first, 1);
	vt_emit(t, VNPU_OP_MATMUL, 0, p);
	assert_int_equal(vt_run(t), -EFAULT);
	assert_int_equal(t->res.fault_va, 0x300000000ull);
	assert_int_equal(t->res.fault_len, 256);
	assert_false(t->res.fault_write);
	assert_int_equal(t->res.fail_index, 1);
	assert_int_equal(t->res.fail_opcode, VNPU_OP_MATMUL);
	vt_assert_only_written(t, first, 8);
}

static void test_operand_straddling_arena_end_faults(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy p = { .size = 64 };

	p.src_va = vt_alloc(t, 64);
	p.dst_va = VT_RW_BASE + VT_RW_SIZE - 32;
	vt_emit(t, VNPU_OP_DMA_COPY, 0, p);
	assert_int_equal(vt_run(t), -EFAULT);
	assert_int_equal(t->res.fault_va, p.dst_va);
	assert_true(t->res.fault_write);
	vt_assert_untouched(t);
}

/*
 * A broadcast b is mapped for its own extent: with BCAST_COL, rows elements; one element
 * short of the arena's end faults, where a full-size b could not even start there.
 */
static void test_binary_column_broadcast_b_extent(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_binary b = { .dtype = VNPU_DT_F32, .op = VNPU_BINARY_MUL, .rows = 8,
				     .cols = 64 };

	b.a_va = vt_alloc(t, 8 * 64 * 4);
	b.dst_va = vt_alloc(t, 8 * 64 * 4);
	b.b_va = VT_RW_BASE + VT_RW_SIZE - 8 * 4;
	vt_emit(t, VNPU_OP_BINARY, VNPU_BINARY_F_BCAST_COL, b);
	assert_int_equal(vt_run(t), 0);
	b.b_va += 4;
	vt_emit(t, VNPU_OP_BINARY, VNPU_BINARY_F_BCAST_COL, b);
	assert_int_equal(vt_run(t), -EFAULT);
	assert_int_equal(t->res.fault_va, b.b_va);
	assert_int_equal(t->res.fault_len, 8 * 4);
	assert_false(t->res.fault_write);
	/* both flags: one element, readable at the arena's last four bytes */
	b.b_va = VT_RW_BASE + VT_RW_SIZE - 4;
	vt_emit(t, VNPU_OP_BINARY, VNPU_BINARY_F_BCAST_ROW | VNPU_BINARY_F_BCAST_COL, b);
	assert_int_equal(vt_run(t), 0);
}

static void test_write_to_read_only_faults(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy p = { .size = 64, .dst_va = VT_RO_BASE };
	uint8_t ro_before[VT_RO_SIZE];

	p.src_va = vt_alloc(t, 64);
	memcpy(ro_before, t->ro, VT_RO_SIZE);
	vt_emit(t, VNPU_OP_DMA_COPY, 0, p);
	assert_int_equal(vt_run(t), -EFAULT);
	assert_int_equal(t->res.fault_va, VT_RO_BASE);
	assert_true(t->res.fault_write);
	assert_memory_equal(t->ro, ro_before, VT_RO_SIZE);
	/* reading from it is fine */
	p.src_va = VT_RO_BASE;
	p.dst_va = vt_alloc(t, 64);
	vt_emit(t, VNPU_OP_DMA_COPY, 0, p);
	assert_int_equal(vt_run(t), 0);
	assert_memory_equal(vt_ptr(t, p.dst_va), t->ro, 64);
}

static void test_va_range_wrapping_faults(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_copy p = { .size = 4096, .src_va = ~0ull - 100 };

	p.dst_va = vt_alloc(t, 4096);
	vt_emit(t, VNPU_OP_DMA_COPY, 0, p);
	assert_int_equal(vt_run(t), -EFAULT);
	assert_int_equal(t->res.fault_va, ~0ull - 100);
	vt_assert_untouched(t);
}

static void test_misaligned_tensor_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_activation a = { .dtype = VNPU_DT_F32, .act = VNPU_ACT_RELU, .count = 4 };

	a.src_va = vt_alloc(t, 32) + 2;
	a.dst_va = vt_alloc(t, 32);
	vt_emit(t, VNPU_OP_ACTIVATION, 0, a);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_bad_enum_values_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_matmul mm = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_S32,
				      .batch = 1, .m = 2, .n = 2, .k = 2 };
	struct vnpu_pkt_activation a = { .dtype = 9, .act = VNPU_ACT_RELU, .count = 4 };
	struct vnpu_pkt_binary b = { .dtype = VNPU_DT_F32, .op = VNPU_BINARY_DIV + 1, .rows = 1,
				     .cols = 4 };
	struct vnpu_pkt_transpose tr = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32,
					 .ndims = 2, .dims = { 2, 2 }, .perm = { 1, 1 } };

	mm.a_va = mm.b_va = vt_alloc(t, 16);
	mm.c_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_MATMUL, 0, mm);
	assert_int_equal(vt_run(t), -EINVAL);
	a.src_va = a.dst_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_ACTIVATION, 0, a);
	assert_int_equal(vt_run(t), -EINVAL);
	b.a_va = b.b_va = b.dst_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_BINARY, 0, b);
	assert_int_equal(vt_run(t), -EINVAL);
	b.op = VNPU_BINARY_ADD;
	b.act = VNPU_ACT_CLIP + 1;
	vt_emit(t, VNPU_OP_BINARY, 0, b);
	assert_int_equal(vt_run(t), -EINVAL);
	tr.src_va = vt_alloc(t, 16);
	tr.dst_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_TRANSPOSE, 0, tr);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

/* Emit BINARY @act with bounds @lo and @hi (bit patterns) over 4 floats; what running it gives. */
static int run_binary_bounds(struct vt *t, uint32_t act, uint32_t lo, uint32_t hi)
{
	struct vnpu_pkt_binary b = { .dtype = VNPU_DT_F32, .op = VNPU_BINARY_ADD, .rows = 1,
				     .cols = 4, .act = act, .act_alpha = lo, .act_beta = hi };

	b.a_va = b.b_va = b.dst_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_BINARY, 0, b);
	return vt_run(t);
}

static void test_clip_bounds_reversed_einval(void **state)
{
	struct vt *t = *state;

	assert_int_equal(run_binary_bounds(t, VNPU_ACT_CLIP, vt_f32_bits(6.0f), vt_f32_bits(0.0f)),
			 -EINVAL);
	vt_assert_untouched(t);
}

static void test_clip_bounds_not_finite_einval(void **state)
{
	struct vt *t = *state;

	assert_int_equal(run_binary_bounds(t, VNPU_ACT_CLIP, vt_f32_bits(0.0f),
					   vt_f32_bits(INFINITY)), -EINVAL);
	assert_int_equal(run_binary_bounds(t, VNPU_ACT_CLIP, vt_f32_bits(NAN), vt_f32_bits(1.0f)),
			 -EINVAL);
	vt_assert_untouched(t);
}

/* The bounds fields belong to CLIP: another activation with them set is refused. */
static void test_bounds_with_another_activation_einval(void **state)
{
	struct vt *t = *state;

	assert_int_equal(run_binary_bounds(t, VNPU_ACT_RELU, 0, vt_f32_bits(6.0f)), -EINVAL);
	assert_int_equal(run_binary_bounds(t, VNPU_ACT_NONE, vt_f32_bits(-1.0f), 0), -EINVAL);
	vt_assert_untouched(t);
}

/* CONV2D and MATMUL check their bounds too. */
static void test_conv_and_matmul_clip_bounds_checked(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_conv2d c = { .dtype = VNPU_DT_F32, .act = VNPU_ACT_CLIP, .n = 1, .h = 2,
				     .w = 2, .c = 1, .oc = 1, .kh = 1, .kw = 1, .groups = 1,
				     .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1,
				     .act_alpha = vt_f32_bits(1.0f), .act_beta = vt_f32_bits(-1.0f) };
	struct vnpu_pkt_matmul mm = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32,
				      .batch = 1, .m = 2, .n = 2, .k = 2, .act = VNPU_ACT_SIGMOID,
				      .act_beta = vt_f32_bits(1.0f) };

	c.src_va = c.wei_va = c.dst_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_CONV2D, 0, c);
	assert_int_equal(vt_run(t), -EINVAL);
	mm.a_va = mm.b_va = mm.c_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_MATMUL, 0, mm);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

/* ACTIVATION has no bounds fields: CLIP is an epilogue only. */
static void test_activation_packet_clip_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_activation a = { .dtype = VNPU_DT_F32, .act = VNPU_ACT_CLIP, .count = 4 };

	a.src_va = a.dst_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_ACTIVATION, 0, a);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_bias_address_without_flag_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_matmul p = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32, .batch = 1,
				     .m = 2, .n = 2, .k = 2 };

	p.a_va = p.b_va = p.bias_va = vt_alloc(t, 16);
	p.c_va = vt_alloc(t, 16);
	vt_emit(t, VNPU_OP_MATMUL, 0, p);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_tensor_packet_without_compute_einval(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_activation a = { .dtype = VNPU_DT_F32, .act = VNPU_ACT_RELU, .count = 4 };

	a.src_va = a.dst_va = vt_alloc(t, 16);
	t->ctx.compute = NULL;
	vt_emit(t, VNPU_OP_ACTIVATION, 0, a);
	assert_int_equal(vt_run(t), -EINVAL);
	vt_assert_untouched(t);
}

static void test_busy_time_per_engine_class(void **state)
{
	struct vt *t = *state;
	struct vnpu_pkt_dma_fill f = { .size = 4096, .width = 4, .value = 0x3f800000 };
	struct vnpu_pkt_activation a = { .dtype = VNPU_DT_F32, .act = VNPU_ACT_TANH,
					 .count = 1024 };

	f.dst_va = a.src_va = a.dst_va = vt_alloc(t, 4096);
	vt_emit(t, VNPU_OP_DMA_FILL, 0, f);
	vt_emit(t, VNPU_OP_ACTIVATION, 0, a);
	assert_int_equal(vt_run(t), 0);
	assert_int_equal(t->res.packets, 2);
	assert_true(t->res.busy_ns[VNPU_EXEC_DMA] > 0);
	assert_true(t->res.busy_ns[VNPU_EXEC_COMPUTE] > 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, vt_setup, vt_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_stream_succeeds),
		T(test_nop_payload_is_skipped),
		T(test_truncated_packet_einval),
		T(test_truncated_header_einval),
		T(test_length_shorter_than_packet_einval),
		T(test_odd_or_zero_length_einval),
		T(test_unknown_opcode_einval),
		T(test_unknown_flag_einval),
		T(test_nonzero_pad_einval),
		T(test_extension_tail_must_be_zero),
		T(test_binary_nonzero_pad_einval),
		T(test_binary_first_version_length_runs_without_act),
		T(test_shape_size_overflow_einval),
		T(test_refused_va_faults_with_va),
		T(test_operand_straddling_arena_end_faults),
		T(test_binary_column_broadcast_b_extent),
		T(test_write_to_read_only_faults),
		T(test_va_range_wrapping_faults),
		T(test_misaligned_tensor_einval),
		T(test_bad_enum_values_einval),
		T(test_clip_bounds_reversed_einval),
		T(test_clip_bounds_not_finite_einval),
		T(test_bounds_with_another_activation_einval),
		T(test_conv_and_matmul_clip_bounds_checked),
		T(test_activation_packet_clip_einval),
		T(test_bias_address_without_flag_einval),
		T(test_tensor_packet_without_compute_einval),
		T(test_busy_time_per_engine_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
