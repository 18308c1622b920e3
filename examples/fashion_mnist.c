// SPDX-License-Identifier: MIT
/*
 * fashion-mnist - the Fashion-MNIST CNN (models/fashion_mnist, trained by
 * scripts/models/fashion_mnist.py) on the vnpu over the whole test set, checked against
 * PyTorch:
 *
 *   fashion-mnist MODEL.onnx PREDICTIONS [DATASET_DIR] [BATCH]
 *
 * reads the 10 000 test images and labels (idx files, gzip, from Debian's
 * dataset-fashion-mnist: DATASET_DIR, default /usr/share/datasets/fashion-mnist), normalises
 * them as the training did, runs the model compiled for BATCH images (default 1000) once per
 * BATCH, and compares each image's class with PyTorch's (PREDICTIONS, the script's
 * pytorch_predictions.txt: label, argmax, top logit and top-2 margin per image).
 *
 * Passes (exit 0) when the accuracies differ by at most 0.1 point and every image whose class
 * differs from PyTorch's is a near tie: PyTorch's top-2 margin within what `accel run`'s
 * default tolerances let each of the two logits move (2 * (atol + rtol * |top logit|)).
 * Exit 1 when not; 2 for bad usage or unreadable files; 3 for a device error; 77 when the
 * dataset is not installed (a skip for ctest).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <accelrt.h>
#include <accelrt_model.h>


enum { EXIT_MISMATCH = 1, EXIT_USAGE = 2, EXIT_DEVICE = 3, EXIT_SKIP = 77 };

#define IMAGE_SIDE	28
#define IMAGE_PIXELS	(IMAGE_SIDE * IMAGE_SIDE)
#define CLASSES		10
/* The training set's pixel mean and deviation (scripts/models/fashion_mnist.py's MEAN, STD). */
#define PIXEL_MEAN	0.2860f
#define PIXEL_STD	0.3530f
/* `accel run`'s default tolerances (docs/compiler.md): |out - ref| <= ATOL + RTOL * |ref|. */
#define RUN_ATOL	1e-4
#define RUN_RTOL	1e-3
/* The accuracies may differ by this many points (the 0.1). */
#define MAX_ACCURACY_GAP 0.1

/* The test set: @n images of IMAGE_PIXELS bytes and their labels. */
struct test_set {
	uint8_t *pixels;
	uint8_t *labels;
	size_t n;
};

/* PyTorch's answer for one image (a line of pytorch_predictions.txt). */
struct reference {
	int label;
	int argmax;
	double top;
	double margin;
};

/* ---- the dataset ------------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/*
 * Read the idx file @path (gzip) of unsigned bytes with @rank dimensions, the ones after the
 * first equal to @dims[1..]: its items into a malloc'ed *@data, their count into *@n.
 */
static int idx_read(const char *path, int rank, const uint32_t *dims, uint8_t **data, size_t *n)
{
	uint8_t head[4 + 4 * 3];
	size_t item = 1, bytes;
	gzFile f;
	int ret = -EINVAL;

	*data = NULL;
	f = gzopen(path, "rb");
	if (!f)
		return errno ? -errno : -ENOMEM;
	if (gzread(f, head, 4 + 4 * rank) != 4 + 4 * rank)
		goto out;
	/* Magic: two zero bytes, 0x08 (unsigned byte), the rank. */
	if (head[0] || head[1] || head[2] != 0x08 || head[3] != rank)
		goto out;
	for (int d = 1; d < rank; d++) {
		if (be32(head + 4 + 4 * d) != dims[d])
			goto out;
		item *= dims[d];
	}
	*n = be32(head + 4);
	if (*n == 0 || *n > 1000000)
		goto out;
	bytes = *n * item;
	*data = malloc(bytes);
	if (!*data) {
		ret = -ENOMEM;
		goto out;
	}
	if (gzread(f, *data, (unsigned int)bytes) != (int)bytes) {
		free(*data);
		*data = NULL;
		goto out;
	}
	ret = 0;
out:
	gzclose(f);
	return ret;
}

static int test_set_read(const char *dir, struct test_set *ts)
{
	static const uint32_t image_dims[] = { 0, IMAGE_SIDE, IMAGE_SIDE };
	char path[4096];
	size_t nlabels;
	int ret;

	snprintf(path, sizeof(path), "%s/t10k-images-idx3-ubyte.gz", dir);
	ret = idx_read(path, 3, image_dims, &ts->pixels, &ts->n);
	if (ret) {
		fprintf(stderr, "fashion-mnist: %s: %s\n", path,
			ret == -EINVAL ? "not an idx file of 28x28 images" : strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/t10k-labels-idx1-ubyte.gz", dir);
	ret = idx_read(path, 1, NULL, &ts->labels, &nlabels);
	if (!ret && nlabels != ts->n)
		ret = -EINVAL;
	if (ret) {
		fprintf(stderr, "fashion-mnist: %s: %s\n", path,
			ret == -EINVAL ? "not the labels of the images" : strerror(-ret));
		free(ts->pixels);
		free(ts->labels);
		return ret;
	}
	return 0;
}

/* ---- PyTorch's predictions --------------------------------------------------------------- */

/* @n references from @path: lines "label argmax top margin" after '#' comment lines. */
static int references_read(const char *path, size_t n, struct reference **out)
{
	struct reference *r = calloc(n, sizeof(*r));
	char line[256];
	size_t i = 0;
	bool whole;
	FILE *f;

	if (!r)
		return -ENOMEM;
	f = fopen(path, "r");
	if (!f) {
		int err = errno;

		fprintf(stderr, "fashion-mnist: %s: %s\n", path, strerror(err));
		free(r);
		return -err;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (i == n || sscanf(line, "%d %d %lf %lf", &r[i].label, &r[i].argmax, &r[i].top,
				     &r[i].margin) != 4 ||
		    r[i].argmax < 0 || r[i].argmax >= CLASSES || r[i].margin < 0)
			break;
		i++;
	}
	/* Every line read: no line left over, none malformed. */
	whole = feof(f);
	fclose(f);
	if (i != n || !whole) {
		fprintf(stderr, "fashion-mnist: %s: line %zu: not one \"label argmax top margin\" "
			"line per test image (%zu)\n", path, i + 1, n);
		free(r);
		return -EINVAL;
	}
	*out = r;
	return 0;
}

/* ---- the model on the vnpu --------------------------------------------------------------- */

/* The model loaded on the first vnpu (accelrt_model.h): the state model_load() makes. */
struct model {
	struct accelrt_device *dev;
	struct accelrt_model *model;
	struct accelrt_model_bindings *io;
	float *input, *output;	/* the mappings of the graph's input and output */
};

static void model_free(struct model *m)
{
	accelrt_model_bindings_free(m->io);
	accelrt_model_free(m->model);
	accelrt_device_close(m->dev);
}

/* TensorProto.DataType FLOAT, the type accelrt_model_tensor.dtype gives. */
#define ONNX_DTYPE_FLOAT 1

/* The model is one [N,1,28,28] float input to one [N,10] float output. */
static bool model_is_classifier(const struct accelrt_model *model, int64_t batch)
{
	struct accelrt_model_tensor in, out;

	if (accelrt_model_num_inputs(model) != 1 || accelrt_model_num_outputs(model) != 1 ||
	    accelrt_model_input(model, 0, &in) || accelrt_model_output(model, 0, &out))
		return false;
	return in.dtype == ONNX_DTYPE_FLOAT && out.dtype == ONNX_DTYPE_FLOAT &&
	       in.bytes == (uint64_t)batch * IMAGE_PIXELS * sizeof(float) &&
	       out.bytes == (uint64_t)batch * CLASSES * sizeof(float);
}

/*
 * Open the first vnpu, compile @path for @batch images onto it (accelrt_model_load()) and make
 * one set of bindings. An exit status.
 */
static int model_load(const char *path, int64_t batch, struct model *m)
{
	enum accelrt_model_phase failed = ACCELRT_MODEL_PHASE_MODEL;
	char err[512] = "";
	struct accelrt_model_options mo = {
		.batch = batch, .err = err, .err_len = sizeof(err), .failed = &failed,
	};
	int ret;

	ret = accelrt_device_open(NULL, &m->dev);
	if (ret) {
		fprintf(stderr, "fashion-mnist: opening the first vnpu: %s\n", strerror(-ret));
		return EXIT_DEVICE;
	}
	ret = accelrt_model_load(m->dev, path, &mo, &m->model);
	if (ret) {
		fprintf(stderr, "fashion-mnist: %s: %s\n", path, err[0] ? err : strerror(-ret));
		return failed == ACCELRT_MODEL_PHASE_DEVICE ? EXIT_DEVICE : EXIT_USAGE;
	}
	if (!model_is_classifier(m->model, batch)) {
		fprintf(stderr, "fashion-mnist: %s: not a model of [N,1,28,28] float images to "
			"[N,10] float logits\n", path);
		return EXIT_USAGE;
	}
	ret = accelrt_model_bindings_new(m->model, &m->io);
	if (ret) {
		fprintf(stderr, "fashion-mnist: bindings: %s\n", strerror(-ret));
		return EXIT_DEVICE;
	}
	m->input = accelrt_model_input_map(m->io, 0);
	m->output = accelrt_model_output_map(m->io, 0);
	return 0;
}

static int model_run(struct model *m)
{
	int ret = accelrt_model_run_sync(m->model, m->io, 0);

	if (ret) {
		struct accelrt_model_stats st;

		accelrt_model_get_stats(m->model, &st);
		for (unsigned int i = 0; i < st.stages_device + st.stages_host; i++)
			if (accelrt_model_host_error(m->model, i))
				fprintf(stderr, "fashion-mnist: host stage %u: %s\n", i,
					accelrt_model_host_error(m->model, i));
		fprintf(stderr, "fashion-mnist: run: %s\n", strerror(-ret));
	}
	return ret ? EXIT_DEVICE : 0;
}

/* ---- the check --------------------------------------------------------------------------- */

static int argmax(const float *logits)
{
	int best = 0;

	for (int c = 1; c < CLASSES; c++)
		if (logits[c] > logits[best])
			best = c;
	return best;
}

/* How far apart two logits may be and still swap within `accel run`'s tolerances. */
static double tie_margin(double top)
{
	return 2 * (RUN_ATOL + RUN_RTOL * fabs(top));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 3 ? argv[3] : "/usr/share/datasets/fashion-mnist";
	size_t correct = 0, ref_correct = 0, ties = 0, unexplained = 0;
	struct reference *refs = NULL;
	struct test_set ts = { 0 };
	struct model m = { 0 };
	double t0, max_top_err = 0;
	long batch = 1000;
	char probe[4096], *end = NULL;
	int ret;

	if (argc == 5)
		batch = strtol(argv[4], &end, 10);
	if (argc < 3 || argc > 5 || (end && (*end || end == argv[4] || batch < 1 || batch > 10000))) {
		fprintf(stderr, "usage: %s MODEL.onnx PREDICTIONS [DATASET_DIR] [BATCH]\n", argv[0]);
		return EXIT_USAGE;
	}
	snprintf(probe, sizeof(probe), "%s/t10k-images-idx3-ubyte.gz", dir);
	if (argc == 3 && access(probe, R_OK)) {
		printf("fashion-mnist: %s absent (dataset-fashion-mnist): skipped\n", probe);
		return EXIT_SKIP;
	}
	if (test_set_read(dir, &ts))
		return EXIT_USAGE;
	if (ts.n % (size_t)batch) {
		fprintf(stderr, "fashion-mnist: %zu images are not a whole number of batches of %ld\n",
			ts.n, batch);
		ret = EXIT_USAGE;
		goto out;
	}
	ret = references_read(argv[2], ts.n, &refs) ? EXIT_USAGE : 0;
	if (ret)
		goto out;
	t0 = now_s();
	ret = model_load(argv[1], batch, &m);
	if (ret)
		goto out;
	printf("compile and load (batch %ld): %.2f s\n", batch, now_s() - t0);

	t0 = now_s();
	for (size_t first = 0; first < ts.n; first += (size_t)batch) {
		for (size_t k = 0; k < (size_t)batch * IMAGE_PIXELS; k++)
			m.input[k] = (ts.pixels[first * IMAGE_PIXELS + k] / 255.0f - PIXEL_MEAN) /
				     PIXEL_STD;
		ret = model_run(&m);
		if (ret)
			goto out;
		for (size_t k = 0; k < (size_t)batch; k++) {
			const struct reference *r = &refs[first + k];
			const float *logits = m.output + k * CLASSES;
			int cls = argmax(logits);

			if (r->label != ts.labels[first + k]) {
				fprintf(stderr, "fashion-mnist: %s: image %zu: label %d, the dataset's "
					"is %d: predictions of another test set\n", argv[2],
					first + k, r->label, ts.labels[first + k]);
				ret = EXIT_USAGE;
				goto out;
			}
			correct += cls == ts.labels[first + k];
			ref_correct += r->argmax == r->label;
			if (cls == r->argmax) {
				max_top_err = fmax(max_top_err, fabs(logits[cls] - r->top));
				continue;
			}
			if (r->margin <= tie_margin(r->top)) {
				ties++;
			} else {
				unexplained++;
				printf("image %zu: accel class %d, pytorch %d (margin %.3g)\n",
				       first + k, cls, r->argmax, r->margin);
			}
		}
	}
	double accel_acc = 100.0 * (double)correct / (double)ts.n;
	double ref_acc = 100.0 * (double)ref_correct / (double)ts.n;

	printf("inference: %zu images in %.2f s\n", ts.n, now_s() - t0);
	printf("accuracy: accel %.2f%% (%zu of %zu), pytorch %.2f%% (%zu of %zu)\n", accel_acc,
	       correct, ts.n, ref_acc, ref_correct, ts.n);
	printf("classes differing from pytorch: %zu (%zu near ties, %zu not); top logit max "
	       "abs err %.3g where they agree\n", ties + unexplained, ties, unexplained, max_top_err);
	ret = unexplained || fabs(accel_acc - ref_acc) > MAX_ACCURACY_GAP ? EXIT_MISMATCH : 0;
	printf("%s\n", ret ? "FAIL" : "PASS");
out:
	model_free(&m);
	free(refs);
	free(ts.pixels);
	free(ts.labels);
	return ret;
}
