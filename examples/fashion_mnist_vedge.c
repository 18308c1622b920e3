// SPDX-License-Identifier: MIT
/*
 * fashion-mnist-vedge - the Fashion-MNIST CNN (models/fashion_mnist) in int8 on the edge NPU
 * (drivers/vedge), with DMA (vedge.0, /dev/accel/accel3 in the embedded defaults) and without
 * (vedge.1, accel4), against the float model:
 *
 *   fashion-mnist-vedge MODEL.onnx PREDICTIONS [DATASET_DIR] [IMAGES]
 *
 * quantizes the model (runtime/model/model_vedge.h: calibrated on the first 500 training
 * images), compiles it for every vedge node of the root (compiler/codegen_vedge.h, 100 images
 * per run), classifies the first IMAGES test images (default all 10 000) on each, and
 * compares the int8 accuracy with the float model's over the same images: PyTorch's classes
 * (PREDICTIONS, pytorch_predictions.txt; the vnpu's float run matches them, `fashion-mnist`).
 *
 * Passes (exit 0) when on every node the int8 accuracy is within 1 point of float and the
 * nodes agree image for image (the NPU's arithmetic does not depend on DMA). Exit 1 when not;
 * 2 for bad usage or unreadable files; 3 for a device error; 77 when the dataset is not
 * installed (a skip for ctest).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <libaccel.h>

#include "runtime/model/model_vedge.h"

enum { EXIT_MISMATCH = 1, EXIT_USAGE = 2, EXIT_DEVICE = 3, EXIT_SKIP = 77 };

#define SIDE		28
#define PIXELS		(SIDE * SIDE)
#define CLASSES		10
#define BATCH		100
#define CALIB_IMAGES	500
#define MAX_NODES	8
/* The training set's pixel mean and deviation (scripts/models/fashion_mnist.py's MEAN, STD). */
#define PIXEL_MEAN	0.2860f
#define PIXEL_STD	0.3530f
/* The bound: int8 within 1 point of float. */
#define MAX_ACCURACY_GAP 1.0

/* An idx file (gzip) of @item bytes per entry after a header of @rank dimensions. */
static uint8_t *idx_read(const char *path, int rank, size_t item, size_t *n)
{
	uint8_t head[16];
	uint8_t *data = NULL;
	gzFile f = gzopen(path, "rb");

	if (!f)
		return NULL;
	if (gzread(f, head, 4 + 4 * rank) != 4 + 4 * rank || head[0] || head[1] ||
	    head[2] != 0x08 || head[3] != rank)
		goto out;
	*n = (size_t)head[4] << 24 | (size_t)head[5] << 16 | (size_t)head[6] << 8 | head[7];
	if (!*n || *n > 1000000)
		goto out;
	data = malloc(*n * item);
	if (data && gzread(f, data, (unsigned int)(*n * item)) != (int)(*n * item)) {
		free(data);
		data = NULL;
	}
out:
	gzclose(f);
	return data;
}

static void normalise(const uint8_t *px, size_t n, float *x)
{
	for (size_t i = 0; i < n * PIXELS; i++)
		x[i] = (px[i] / 255.0f - PIXEL_MEAN) / PIXEL_STD;
}

/* PyTorch's class of each of @n images: the second field of each non-comment line. */
static int *predictions_read(const char *path, size_t n)
{
	int *cls = calloc(n, sizeof(*cls));
	char line[256];
	size_t i = 0;
	FILE *f = fopen(path, "r");

	if (!f || !cls) {
		if (f)
			fclose(f);
		free(cls);
		return NULL;
	}
	while (i < n && fgets(line, sizeof(line), f)) {
		int label;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%d %d", &label, &cls[i]) != 2 || cls[i] < 0 || cls[i] >= CLASSES)
			break;
		i++;
	}
	fclose(f);
	if (i != n) {
		free(cls);
		return NULL;
	}
	return cls;
}

static int argmax(const float *v)
{
	int best = 0;

	for (int c = 1; c < CLASSES; c++)
		if (v[c] > v[best])
			best = c;
	return best;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Classify @n images (@x, normalised) on @node: each image's class into @cls. */
static int classify(const char *node, const struct ir_graph *g, const float *x, size_t n,
		    int *cls)
{
	struct vedge_model_options o = { .batch = BATCH };
	const struct vedge_program *p;
	struct vedge_model *m;
	float y[BATCH * CLASSES];
	char err[512];
	double t0;
	int ret = vedge_model_load(node, g, &o, &m, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "fashion-mnist-vedge: %s\n", err);
		return EXIT_DEVICE;
	}
	p = vedge_model_program(m);
	t0 = now_s();
	for (size_t first = 0; first < n; first += BATCH) {
		ret = vedge_model_run(m, x + first * PIXELS, y);
		if (ret) {
			fprintf(stderr, "fashion-mnist-vedge: %s: %s\n", node, strerror(-ret));
			vedge_model_free(m);
			return EXIT_DEVICE;
		}
		for (size_t i = 0; i < BATCH; i++)
			cls[first + i] = argmax(y + i * CLASSES);
	}
	printf("%s (%s): %s plan, %zu job(s) per %d images, %zu commands; %zu images in %.2f s\n",
	       node, p->has_dma ? "DMA" : "no DMA", p->mode, p->n_jobs, BATCH,
	       p->jobs[0].n_cmds, n, now_s() - t0);
	vedge_model_free(m);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 3 ? argv[3] : "/usr/share/datasets/fashion-mnist";
	size_t n_test = 0, n_train = 0, n_labels = 0, images, n_nodes = 0, float_right = 0;
	uint8_t *test_px = NULL, *labels = NULL, *train_px = NULL;
	struct vedge_model_options qo = { 0 };
	struct accel_device_info *devs = NULL;
	char path[4096], err[512], nodes[MAX_NODES][64];
	int *ref = NULL, *cls[MAX_NODES] = { 0 };
	struct ir_graph *g = NULL;
	float *x = NULL, *calib = NULL;
	size_t ndev;
	int ret = EXIT_USAGE;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: %s MODEL.onnx PREDICTIONS [DATASET_DIR] [IMAGES]\n", argv[0]);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "%s/t10k-images-idx3-ubyte.gz", dir);
	if (access(path, R_OK)) {
		fprintf(stderr, "fashion-mnist-vedge: %s: not installed (dataset-fashion-mnist)\n", path);
		return EXIT_SKIP;
	}
	test_px = idx_read(path, 3, PIXELS, &n_test);
	snprintf(path, sizeof(path), "%s/t10k-labels-idx1-ubyte.gz", dir);
	labels = idx_read(path, 1, 1, &n_labels);
	snprintf(path, sizeof(path), "%s/train-images-idx3-ubyte.gz", dir);
	train_px = idx_read(path, 3, PIXELS, &n_train);
	if (!test_px || !labels || !train_px || n_labels != n_test || n_train < CALIB_IMAGES) {
		fprintf(stderr, "fashion-mnist-vedge: %s: unreadable idx files\n", dir);
		goto out;
	}
	images = argc > 4 ? strtoul(argv[4], NULL, 10) : n_test;
	if (images < BATCH || images > n_test)
		images = n_test;
	images -= images % BATCH;
	ref = predictions_read(argv[2], n_test);
	x = malloc(images * PIXELS * sizeof(float));
	calib = malloc(CALIB_IMAGES * PIXELS * sizeof(float));
	if (!ref || !x || !calib) {
		fprintf(stderr, "fashion-mnist-vedge: %s: not one prediction per test image\n",
			argv[2]);
		goto out;
	}
	normalise(test_px, images, x);
	normalise(train_px, CALIB_IMAGES, calib);
	qo.calib_images = calib;
	qo.calib_count = CALIB_IMAGES;
	if (vedge_model_quantize(argv[1], &qo, &g, err, sizeof(err))) {
		fprintf(stderr, "fashion-mnist-vedge: %s\n", err);
		goto out;
	}
	ret = EXIT_DEVICE;
	if (accel_devices_list(&devs, &ndev, 0))
		goto out;
	for (size_t i = 0; i < ndev && n_nodes < MAX_NODES; i++)
		if (!strcmp(devs[i].driver, "vedge"))
			snprintf(nodes[n_nodes++], sizeof(nodes[0]), "%s", devs[i].path);
	if (!n_nodes) {
		fprintf(stderr, "fashion-mnist-vedge: no vedge device\n");
		goto out;
	}
	for (size_t i = 0; i < images; i++)
		float_right += ref[i] == labels[i];
	printf("float (PyTorch): %.2f%% of %zu images\n", 100.0 * float_right / images, images);
	ret = 0;
	for (size_t d = 0; d < n_nodes && !ret; d++) {
		size_t right = 0, same = 0;
		double gap;

		cls[d] = calloc(images, sizeof(int));
		if (!cls[d] || classify(nodes[d], g, x, images, cls[d])) {
			ret = EXIT_DEVICE;
			break;
		}
		for (size_t i = 0; i < images; i++) {
			right += cls[d][i] == labels[i];
			same += cls[d][i] == cls[0][i];
		}
		gap = 100.0 * ((double)right - (double)float_right) / images;
		printf("int8 on %s: %.2f%% (%+.2f points from float)%s\n", nodes[d],
		       100.0 * right / images, gap, d ? (same == images ? "; same classes as "
		       "the first node" : "; classes DIFFER from the first node") : "");
		if (gap > MAX_ACCURACY_GAP || gap < -MAX_ACCURACY_GAP || same != images)
			ret = EXIT_MISMATCH;
	}
	printf("%s\n", ret ? "FAIL" : "PASS");
out:
	for (size_t d = 0; d < MAX_NODES; d++)
		free(cls[d]);
	free(devs);
	ir_graph_destroy(g);
	free(x);
	free(calib);
	free(ref);
	free(test_px);
	free(labels);
	free(train_px);
	return ret;
}
