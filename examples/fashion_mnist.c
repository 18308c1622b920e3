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

#include "compiler/codegen_vnpu.h"
#include "compiler/compile.h"

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

/* The model compiled and loaded: the state model_load() makes and model_free() frees. */
struct model {
	struct compile_result cr;
	struct accelrt_device *dev;
	struct accelrt_buffer **bufs;
	struct accelrt_program *prog;
	struct vnpu_host_stage *hstages;
	float *input, *output;	/* the mappings of the graph's input and output slots */
};

static void model_free(struct model *m)
{
	accelrt_program_free(m->prog);
	free(m->hstages);
	for (unsigned int i = 0; m->bufs && i < m->cr.prog->nslots; i++)
		accelrt_buffer_free(m->bufs[i]);
	free(m->bufs);
	accelrt_device_close(m->dev);
	compile_result_free(&m->cr);
}

/*
 * Compile @path for @batch images, open the first vnpu, give every slot a host-visible buffer
 * with its constants, and make the runtime's program (device stages and host stages), as
 * `accel run` does. The one place that knows how a model gets onto the device, so that a
 * model-loading library can replace it. An exit status.
 */
static int model_load(const char *path, int64_t batch, struct model *m)
{
	struct compile_options co = { .batch = batch };
	const struct vnpu_prog *p;
	const struct ir_graph *g;
	char err[512] = "";
	int ret;

	ret = compile_model_file(path, &co, &m->cr, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fashion-mnist: %s: %s\n", path, err[0] ? err : strerror(-ret));
		return EXIT_USAGE;
	}
	g = m->cr.g;
	p = m->cr.prog;
	if (g->n_inputs != 1 || g->n_outputs != 1 ||
	    ir_tensor_numel(g->tensors[g->inputs[0]]) != batch * IMAGE_PIXELS ||
	    g->tensors[g->inputs[0]]->dtype != IR_DTYPE_FLOAT ||
	    ir_tensor_numel(g->tensors[g->outputs[0]]) != batch * CLASSES ||
	    g->tensors[g->outputs[0]]->dtype != IR_DTYPE_FLOAT ||
	    p->tensor_slot[g->inputs[0]] < 0 || p->tensor_slot[g->outputs[0]] < 0) {
		fprintf(stderr, "fashion-mnist: %s: not a model of [N,1,28,28] float images to "
			"[N,10] float logits\n", path);
		return EXIT_USAGE;
	}
	ret = accelrt_device_open(NULL, &m->dev);
	if (ret)
		goto device_fail;
	m->bufs = calloc(p->nslots, sizeof(*m->bufs));
	m->hstages = calloc(p->nstages, sizeof(*m->hstages));
	if (!m->bufs || !m->hstages) {
		ret = -ENOMEM;
		goto device_fail;
	}
	for (unsigned int i = 0; i < p->nslots; i++) {
		void *map;

		ret = accelrt_buffer_alloc(m->dev, p->slots[i].size, ACCELRT_BUFFER_HOST, &m->bufs[i]);
		if (!ret)
			ret = accelrt_buffer_map(m->bufs[i], &map);
		if (ret)
			goto device_fail;
		if (p->slots[i].data)
			memcpy(map, p->slots[i].data, p->slots[i].size);
	}
	ret = accelrt_program_new(m->dev, &m->prog);
	for (unsigned int i = 0; i < p->nstages && !ret; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];

		if (s->host) {
			m->hstages[i] = (struct vnpu_host_stage){ .g = m->cr.g, .p = p, .stage = i };
			ret = accelrt_program_add_host(m->prog, vnpu_host_stage_run, &m->hstages[i],
						       p->nslots);
		} else {
			ret = accelrt_program_add_stream(m->prog, p->stream + s->offset, s->len,
				(const struct accelrt_reloc *)p->relocs + s->reloc_first, s->nrelocs);
		}
	}
	if (ret)
		goto device_fail;
	/* Graph inputs and outputs have slots of their own, at offset 0 (codegen_vnpu.h). */
	accelrt_buffer_map(m->bufs[p->tensor_slot[g->inputs[0]]], (void **)&m->input);
	accelrt_buffer_map(m->bufs[p->tensor_slot[g->outputs[0]]], (void **)&m->output);
	return 0;
device_fail:
	fprintf(stderr, "fashion-mnist: loading onto the vnpu: %s\n", strerror(-ret));
	return EXIT_DEVICE;
}

static int model_run(struct model *m)
{
	int ret = accelrt_run_sync(m->prog, m->bufs, m->cr.prog->nslots, 0);

	for (unsigned int i = 0; ret && i < m->cr.prog->nstages; i++)
		if (m->hstages[i].err[0])
			fprintf(stderr, "fashion-mnist: host stage %u: %s\n", i, m->hstages[i].err);
	if (ret)
		fprintf(stderr, "fashion-mnist: run: %s\n", strerror(-ret));
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
