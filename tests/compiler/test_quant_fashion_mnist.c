// SPDX-License-Identifier: MIT
/*
 * Post-training int8 quantization of the Fashion-MNIST CNN (models/fashion_mnist) on the host:
 * calibrated on the first 500 training images, the int8 graph (the device's arithmetic,
 * compiler/passes/quantize.h) classifies the 10 000 test images within 1 point of the float
 * graph. Skipped when the dataset (Debian dataset-fashion-mnist) is not installed.
 *
 * The host's float kernels take about a minute of CPU for the 10 000 images, so `make check`
 * (ctest) sets QUANT_FM_TEST_IMAGES=500 (the first 500); `make quant-accuracy` runs all of
 * them. Unset, the variable means all 10 000.
 * FASHION_MNIST_DIR and FASHION_MNIST_MODEL come from compiler/CMakeLists.txt.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "compiler/host_exec.h"
#include "compiler/onnx_import.h"
#include "compiler/passes/passes.h"
#include "compiler/passes/quantize.h"

#define SIDE		28
#define PIXELS		(SIDE * SIDE)
#define CLASSES		10
#define BATCH		100
#define CALIB_IMAGES	500
/* The training set's pixel mean and deviation (scripts/models/fashion_mnist.py's MEAN, STD). */
#define PIXEL_MEAN	0.2860f
#define PIXEL_STD	0.3530f

/* An idx file (gzip) of @item bytes per entry: its entries, their count in *@n. */
static uint8_t *idx_read(const char *path, int rank, size_t item, size_t *n)
{
	uint8_t head[16];
	uint8_t *data = NULL;
	gzFile f = gzopen(path, "rb");

	if (!f)
		return NULL;
	if (gzread(f, head, 4 + 4 * rank) != 4 + 4 * rank || head[2] != 0x08 || head[3] != rank)
		goto out;
	*n = (size_t)head[4] << 24 | (size_t)head[5] << 16 | (size_t)head[6] << 8 | head[7];
	data = malloc(*n * item);
	if (data && gzread(f, data, (unsigned int)(*n * item)) != (int)(*n * item)) {
		free(data);
		data = NULL;
	}
out:
	gzclose(f);
	return data;
}

struct fm_set {
	uint8_t *pixels;
	uint8_t *labels;
	size_t n;
};

static int fm_read(const char *prefix, struct fm_set *s)
{
	char path[4096];
	size_t nl = 0;

	snprintf(path, sizeof(path), "%s/%s-images-idx3-ubyte.gz", FASHION_MNIST_DIR, prefix);
	s->pixels = idx_read(path, 3, PIXELS, &s->n);
	snprintf(path, sizeof(path), "%s/%s-labels-idx1-ubyte.gz", FASHION_MNIST_DIR, prefix);
	s->labels = idx_read(path, 1, 1, &nl);
	return s->pixels && s->labels && nl == s->n ? 0 : -EINVAL;
}

/* Images [first, first + BATCH) normalised into @x. */
static void fm_batch(const struct fm_set *s, size_t first, float *x)
{
	for (size_t i = 0; i < (size_t)BATCH * PIXELS; i++)
		x[i] = (s->pixels[first * PIXELS + i] / 255.0f - PIXEL_MEAN) / PIXEL_STD;
}

/*
 * How many of the first @test_images test images @g (one input, one [BATCH, 10] output)
 * classifies right.
 */
static size_t correct(struct ir_graph *g, const struct fm_set *test, size_t test_images, float *x)
{
	size_t right = 0;
	char err[256];

	for (size_t first = 0; first + BATCH <= test->n && first < test_images; first += BATCH) {
		struct host_values v = { 0 };
		const float *y;

		fm_batch(test, first, x);
		assert_int_equal(host_values_create(g, &v), 0);
		v.ptr[g->inputs[0]] = x;
		if (host_exec_graph(g, &v, err, sizeof(err)))
			fail_msg("%s", err);
		y = v.ptr[g->outputs[0]];
		for (size_t i = 0; i < BATCH; i++) {
			size_t best = 0;

			for (size_t c = 1; c < CLASSES; c++)
				if (y[i * CLASSES + c] > y[i * CLASSES + best])
					best = c;
			right += best == test->labels[first + i];
		}
		host_values_free(&v);
	}
	return right;
}

static void test_int8_accuracy_is_within_one_point_of_float(void **state)
{
	struct onnx_import_options io = { .batch = BATCH };
	struct fm_set train = { 0 }, test = { 0 };
	struct ir_graph *g = NULL;
	struct quant_calibration cal;
	struct quantize_report qr;
	float *x = malloc(sizeof(float) * BATCH * PIXELS);
	const char *env = getenv("QUANT_FM_TEST_IMAGES");
	size_t float_right, int8_right, test_images;
	double float_acc, int8_acc;
	char err[256];

	(void)state;
	assert_non_null(x);
	if (access(FASHION_MNIST_DIR "/t10k-images-idx3-ubyte.gz", R_OK)) {
		free(x);
		skip();
	}
	assert_int_equal(fm_read("train", &train), 0);
	assert_int_equal(fm_read("t10k", &test), 0);
	test_images = env ? strtoul(env, NULL, 10) : test.n;
	if (test_images > test.n || test_images < BATCH)
		test_images = test.n;
	test_images -= test_images % BATCH;
	assert_int_equal(onnx_import_file(FASHION_MNIST_MODEL, &io, &g, err, sizeof(err)), 0);
	assert_int_equal(ir_passes_run(g, NULL, NULL, err, sizeof(err)), 0);
	float_right = correct(g, &test, test_images, x);

	assert_int_equal(quant_calibration_init(g, &cal), 0);
	for (size_t first = 0; first < CALIB_IMAGES; first += BATCH) {
		void *in[1] = { x };

		fm_batch(&train, first, x);
		assert_int_equal(quant_calibrate(g, &cal, in, err, sizeof(err)), 0);
	}
	if (ir_pass_quantize(g, &cal, &qr, err, sizeof(err)))
		fail_msg("%s", err);
	/* Both convolutions and both fully connected layers run in int8. */
	assert_int_equal(qr.quantized, 4);
	int8_right = correct(g, &test, test_images, x);

	float_acc = 100.0 * float_right / test_images;
	int8_acc = 100.0 * int8_right / test_images;
	printf("# float %.2f %%, int8 %.2f %% (%zu test images, calibrated on %d)\n", float_acc,
	       int8_acc, test_images, CALIB_IMAGES);
	assert_true(int8_acc >= float_acc - 1.0);

	quant_calibration_free(&cal);
	ir_graph_destroy(g);
	free(train.pixels);
	free(train.labels);
	free(test.pixels);
	free(test.labels);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int8_accuracy_is_within_one_point_of_float),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
