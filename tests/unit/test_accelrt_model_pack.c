// SPDX-License-Identifier: MIT
/*
 * Packed weights at load (runtime/model/model_pack.h): a Conv with constant weights compiles
 * to a convolution reading a packed slot; vnpu_prog_pack_slots() makes that slot on the
 * embedded vnpu (in VRAM, at the device's size) from the OHWI constant, which it then frees,
 * and the program computes the convolution (checked against a scalar reference); and it
 * refuses a program whose source slot has no buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libaccel.h>
#include "helpers.h"
#include "test_accelrt.h"

#include "compiler/codegen_vnpu.h"
#include "runtime/model/model_pack.h"

/* x [1][C][H][W] * w [OC][C][3][3] (pads 1) + b [OC] -> y [1][OC][H][W] */
#define C 8
#define OC 16
#define H 6
#define W 5

static struct accelrt_device *dev;

static int setup(void **state)
{
	(void)state;
	if (test_embedded_start("accelrt-model-pack", NULL))
		return -1;
	return accelrt_device_open(NULL, &dev) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	accelrt_device_close(dev);
	dev = NULL;
	return test_embedded_stop();
}

static int add_f32(struct ir_graph *g, const char *name, int rank, const int64_t *dims,
		   const float *data, size_t n)
{
	int t = ir_graph_add_tensor(g, name);

	assert_true(t >= 0);
	g->tensors[t]->dtype = IR_DTYPE_FLOAT;
	g->tensors[t]->rank = rank;
	memcpy(g->tensors[t]->dims, dims, sizeof(int64_t) * (size_t)rank);
	if (data) {
		g->tensors[t]->data = malloc(n * sizeof(float));
		assert_non_null(g->tensors[t]->data);
		memcpy(g->tensors[t]->data, data, n * sizeof(float));
		g->tensors[t]->data_size = n * sizeof(float);
	}
	return t;
}

struct conv_model {
	struct ir_graph *g;
	struct vnpu_prog *p;
	struct accelrt_buffer **bufs;
	int x, y;
	float xv[C * H * W], wv[OC * C * 9], bv[OC];
};

/* The graph, compiled; every slot but the packed ones in a host buffer, constants uploaded. */
static void conv_model_load(struct conv_model *m)
{
	const int64_t dx[] = { 1, C, H, W }, dw[] = { OC, C, 3, 3 }, db[] = { OC };
	const int64_t dy[] = { 1, OC, H, W }, pads[] = { 1, 1, 1, 1 };
	char err[256] = "";
	struct ir_node *n;
	struct ir_attr *a;
	int in[3];

	srand(7);
	for (size_t i = 0; i < C * H * W; i++)
		m->xv[i] = (float)rand() / RAND_MAX - 0.5f;
	for (size_t i = 0; i < OC * C * 9; i++)
		m->wv[i] = (float)rand() / RAND_MAX - 0.5f;
	for (size_t i = 0; i < OC; i++)
		m->bv[i] = (float)rand() / RAND_MAX - 0.5f;
	m->g = ir_graph_create();
	assert_non_null(m->g);
	m->x = in[0] = add_f32(m->g, "x", 4, dx, NULL, 0);
	in[1] = add_f32(m->g, "w", 4, dw, m->wv, OC * C * 9);
	in[2] = add_f32(m->g, "b", 1, db, m->bv, OC);
	m->y = add_f32(m->g, "y", 4, dy, NULL, 0);
	n = ir_graph_add_node(m->g, "conv", "Conv", "");
	assert_non_null(n);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ir_index_append(&n->inputs, &n->n_inputs, in[i]), 0);
	assert_int_equal(ir_index_append(&n->outputs, &n->n_outputs, m->y), 0);
	a = ir_node_add_attr(n, "pads", IR_ATTR_INTS);
	assert_non_null(a);
	a->ints = malloc(sizeof(pads));
	assert_non_null(a->ints);
	memcpy(a->ints, pads, sizeof(pads));
	a->len = 4;
	assert_int_equal(ir_index_append(&m->g->inputs, &m->g->n_inputs, m->x), 0);
	assert_int_equal(ir_index_append(&m->g->outputs, &m->g->n_outputs, m->y), 0);
	assert_int_equal(codegen_vnpu(m->g, &m->p, err, sizeof(err)), 0);

	m->bufs = calloc(m->p->nslots, sizeof(*m->bufs));
	assert_non_null(m->bufs);
	for (unsigned int i = 0; i < m->p->nslots; i++) {
		void *map;

		if (m->p->slots[i].packed)
			continue;
		assert_int_equal(accelrt_buffer_alloc(dev, m->p->slots[i].size, ACCELRT_BUFFER_HOST,
						      &m->bufs[i]), 0);
		assert_int_equal(accelrt_buffer_map(m->bufs[i], &map), 0);
		if (m->p->slots[i].data)
			memcpy(map, m->p->slots[i].data, m->p->slots[i].size);
	}
}

static void conv_model_free(struct conv_model *m)
{
	for (unsigned int i = 0; i < m->p->nslots; i++)
		accelrt_buffer_free(m->bufs[i]);
	free(m->bufs);
	codegen_vnpu_free(m->p);
	ir_graph_destroy(m->g);
}

static int packed_slot(const struct vnpu_prog *p)
{
	for (unsigned int i = 0; i < p->nslots; i++)
		if (p->slots[i].packed)
			return (int)i;
	return -1;
}

static void test_packed_slot_is_made_in_vram_and_the_conv_reads_it(void **state)
{
	struct conv_model m;
	struct accelrt_program *prog;
	const struct vnpu_prog_stage *s;
	void *xmap, *ymap, *pmap;
	int ps;

	(void)state;
	conv_model_load(&m);
	ps = packed_slot(m.p);
	assert_true(ps >= 0);
	assert_int_equal(vnpu_prog_pack_slots(dev, m.p, m.bufs), 0);
	assert_non_null(m.bufs[ps]);
	/* the OHWI copy served the packing alone: the weights are now held once */
	assert_null(m.bufs[m.p->slots[ps].pack_src]);
	/* the engine's layout is the device's own: VRAM, at least the dense weights' bytes */
	assert_int_equal(accelrt_buffer_map(m.bufs[ps], &pmap), -EACCES);
	assert_true(accelrt_buffer_size(m.bufs[ps]) >= OC * C * 9 * sizeof(float));

	assert_int_equal(m.p->nstages, 1);
	s = &m.p->stages[0];
	assert_int_equal(accelrt_program_create(dev, m.p->stream + s->offset, s->len,
						(const struct accelrt_reloc *)m.p->relocs + s->reloc_first,
						s->nrelocs, &prog), 0);
	assert_int_equal(accelrt_buffer_map(m.bufs[m.p->tensor_slot[m.x]], &xmap), 0);
	memcpy((uint8_t *)xmap + m.p->tensor_offset[m.x], m.xv, sizeof(m.xv));
	assert_int_equal(accelrt_run_sync(prog, m.bufs, m.p->nslots, 0), 0);
	assert_int_equal(accelrt_buffer_map(m.bufs[m.p->tensor_slot[m.y]], &ymap), 0);
	ymap = (uint8_t *)ymap + m.p->tensor_offset[m.y];
	for (int o = 0; o < OC; o++) {
		for (int y = 0; y < H; y++) {
			for (int x = 0; x < W; x++) {
				double ref = m.bv[o];

				for (int c = 0; c < C; c++)
					for (int ky = 0; ky < 3; ky++)
						for (int kx = 0; kx < 3; kx++) {
							int iy = y + ky - 1, ix = x + kx - 1;

							if (iy < 0 || iy >= H || ix < 0 || ix >= W)
								continue;
							ref += (double)m.xv[(c * H + iy) * W + ix] *
							       m.wv[((o * C + c) * 3 + ky) * 3 + kx];
						}
				assert_true(fabs(((const float *)ymap)[(o * H + y) * W + x] - ref) < 1e-4);
			}
		}
	}
	accelrt_program_free(prog);
	conv_model_free(&m);
}

static void test_source_slot_without_buffer_is_refused(void **state)
{
	struct conv_model m;
	int ps;

	(void)state;
	conv_model_load(&m);
	ps = packed_slot(m.p);
	assert_true(ps >= 0);
	accelrt_buffer_free(m.bufs[m.p->slots[ps].pack_src]);
	m.bufs[m.p->slots[ps].pack_src] = NULL;
	assert_int_equal(vnpu_prog_pack_slots(dev, m.p, m.bufs), -EINVAL);
	assert_null(m.bufs[ps]);
	conv_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packed_slot_is_made_in_vram_and_the_conv_reads_it),
		cmocka_unit_test(test_source_slot_without_buffer_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
