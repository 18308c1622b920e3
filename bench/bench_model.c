// SPDX-License-Identifier: MIT
/*
 * Models through the compiler and the runtime (compiler/, include/accelrt_model.h), embedded:
 *
 * - per-inference overhead: a 64x64x64 MatMul model, one accelrt run and wait per inference,
 *   against the vnpu null job (one NOP, SUBMIT then SYNCOBJ_WAIT: bench_vnpu_jobs's figure,
 *   measured again here); goal <= 2; and the same through the device's user queue
 *   (ACCELRT_RUN_USER_QUEUE: no system call per run), goal well under the null job (< 1);
 * - a compute-bound model (a 512x512x512 MatMul) against the same product by oneDNN called
 *   directly (a primitive made once, executed on the same buffers); the ratio printed is the
 *   throughput relative to oneDNN, goal >= 0.95;
 * - compile time of a ResNet-50-sized model (53 convolutions with 23.5 M weights, read from an
 *   ONNX file and lowered to a vnpu program) against reading and parsing the same file with
 *   protobuf-c alone.
 *
 *   bench_model [ACCELD_PATH]   (the daemon is not used; scripts/bench.sh passes it to all)
 */
#include "bench.h"

#include <math.h>
#include <sys/mman.h>
#include <oneapi/dnnl/dnnl.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>

#include "accelrt.h"
#include "accelrt_model.h"
#include "compiler/compile.h"
#include "compiler/onnx_export.h"
#include "compiler/onnx_import.h"
#include "compiler/shape_infer.h"
#include "onnx.pb-c.h"
#include "runtime/model/model_pack.h"

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_model: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* ---- graphs built in memory -------------------------------------------------------------- */

static int add_tensor(struct ir_graph *g, const char *name, int rank, const int64_t *dims,
		      bool constant, uint32_t *seed)
{
	int t = ir_graph_add_tensor(g, name);
	struct ir_tensor *ten;
	int64_t numel = 1;

	if (t < 0)
		die("ir_graph_add_tensor", t);
	ten = g->tensors[t];
	ten->dtype = IR_DTYPE_FLOAT;
	ten->rank = rank;
	for (int d = 0; d < rank; d++) {
		ten->dims[d] = dims[d];
		numel *= dims[d];
	}
	if (constant) {
		float *w = malloc((size_t)numel * sizeof(float));

		if (!w)
			die("malloc", ENOMEM);
		/* Small values, so that 50 layers neither overflow nor vanish. */
		for (int64_t i = 0; i < numel; i++) {
			*seed = *seed * 1664525u + 1013904223u;
			w[i] = ((float)(*seed >> 8) / (float)(1u << 24) - 0.5f) * 0.05f;
		}
		ten->data = w;
		ten->data_size = (size_t)numel * sizeof(float);
		if (ir_index_append(&g->initializers, &g->n_initializers, t))
			die("ir_index_append", ENOMEM);
	}
	return t;
}

static struct ir_node *add_node(struct ir_graph *g, const char *op, const int *in, size_t n_in,
				int out)
{
	struct ir_node *n = ir_graph_add_node(g, NULL, op, NULL);

	if (!n)
		die("ir_graph_add_node", ENOMEM);
	for (size_t i = 0; i < n_in; i++)
		if (ir_index_append(&n->inputs, &n->n_inputs, in[i]))
			die("ir_index_append", ENOMEM);
	if (ir_index_append(&n->outputs, &n->n_outputs, out))
		die("ir_index_append", ENOMEM);
	return n;
}

static void set_ints(struct ir_node *n, const char *name, int64_t a, int64_t b, int64_t c,
		     int64_t d, size_t len)
{
	struct ir_attr *at = ir_node_add_attr(n, name, IR_ATTR_INTS);
	int64_t v[4] = { a, b, c, d };

	if (!at || !(at->ints = malloc(len * sizeof(int64_t))))
		die("ir_node_add_attr", ENOMEM);
	memcpy(at->ints, v, len * sizeof(int64_t));
	at->len = len;
}

/* y = x[m, k] x W[k, n], W a constant. */
static struct ir_graph *matmul_graph(int64_t m, int64_t n, int64_t k)
{
	struct ir_graph *g = ir_graph_create();
	uint32_t seed = 1;
	int in[2], y;

	if (!g)
		die("ir_graph_create", ENOMEM);
	g->opset = 13;
	in[0] = add_tensor(g, "x", 2, (int64_t[]){ m, k }, false, &seed);
	in[1] = add_tensor(g, "W", 2, (int64_t[]){ k, n }, true, &seed);
	y = ir_graph_add_tensor(g, "y");
	add_node(g, "MatMul", in, 2, y);
	ir_index_append(&g->inputs, &g->n_inputs, in[0]);
	ir_index_append(&g->outputs, &g->n_outputs, y);
	return g;
}

struct resnet_builder {
	struct ir_graph *g;
	uint32_t seed;
	int count;
	int64_t convs, weights;
};

/* Conv (with bias) + optional Relu: the output tensor. */
static int conv(struct resnet_builder *b, int x, int64_t cin, int64_t cout, int64_t k,
		int64_t stride, bool relu)
{
	char name[32];
	int in[3], y;
	struct ir_node *n;
	int64_t pad = k / 2;

	snprintf(name, sizeof(name), "w%d", b->count);
	in[0] = x;
	in[1] = add_tensor(b->g, name, 4, (int64_t[]){ cout, cin, k, k }, true, &b->seed);
	snprintf(name, sizeof(name), "b%d", b->count);
	in[2] = add_tensor(b->g, name, 1, (int64_t[]){ cout }, true, &b->seed);
	snprintf(name, sizeof(name), "c%d", b->count);
	y = ir_graph_add_tensor(b->g, name);
	n = add_node(b->g, "Conv", in, 3, y);
	set_ints(n, "kernel_shape", k, k, 0, 0, 2);
	set_ints(n, "strides", stride, stride, 0, 0, 2);
	set_ints(n, "pads", pad, pad, pad, pad, 4);
	b->convs++;
	b->weights += cout * cin * k * k + cout;
	if (relu) {
		snprintf(name, sizeof(name), "r%d", b->count);
		x = y;
		y = ir_graph_add_tensor(b->g, name);
		add_node(b->g, "Relu", &x, 1, y);
	}
	b->count++;
	return y;
}

/* A bottleneck block: 1x1, 3x3 (stride), 1x1 x4, plus the shortcut (projected when needed). */
static int bottleneck(struct resnet_builder *b, int x, int64_t cin, int64_t mid, int64_t stride)
{
	int64_t cout = mid * 4;
	int y = conv(b, x, cin, mid, 1, 1, true), add[2], sum, out;
	char name[32];

	y = conv(b, y, mid, mid, 3, stride, true);
	y = conv(b, y, mid, cout, 1, 1, false);
	add[0] = y;
	add[1] = (cin != cout || stride != 1) ? conv(b, x, cin, cout, 1, stride, false) : x;
	snprintf(name, sizeof(name), "s%d", b->count);
	sum = ir_graph_add_tensor(b->g, name);
	add_node(b->g, "Add", add, 2, sum);
	snprintf(name, sizeof(name), "o%d", b->count++);
	out = ir_graph_add_tensor(b->g, name);
	add_node(b->g, "Relu", &sum, 1, out);
	return out;
}

/* ResNet-50's shape (stem, [3, 4, 6, 3] bottlenecks, pooling, the classifier) at 1x3x224x224. */
static struct ir_graph *resnet50_graph(int64_t *convs, int64_t *weights)
{
	struct resnet_builder b = { .g = ir_graph_create(), .seed = 7 };
	static const int blocks[4] = { 3, 4, 6, 3 };
	int x, y, in[3];
	int64_t cin = 64;
	struct ir_node *n;

	if (!b.g)
		die("ir_graph_create", ENOMEM);
	b.g->opset = 13;
	x = add_tensor(b.g, "input", 4, (int64_t[]){ 1, 3, 224, 224 }, false, &b.seed);
	ir_index_append(&b.g->inputs, &b.g->n_inputs, x);
	y = conv(&b, x, 3, 64, 7, 2, true);
	x = ir_graph_add_tensor(b.g, "pool");
	n = add_node(b.g, "MaxPool", &y, 1, x);
	set_ints(n, "kernel_shape", 3, 3, 0, 0, 2);
	set_ints(n, "strides", 2, 2, 0, 0, 2);
	set_ints(n, "pads", 1, 1, 1, 1, 4);
	for (int s = 0; s < 4; s++)
		for (int i = 0; i < blocks[s]; i++) {
			int64_t mid = 64 << s;

			x = bottleneck(&b, x, cin, mid, (s > 0 && i == 0) ? 2 : 1);
			cin = mid * 4;
		}
	y = ir_graph_add_tensor(b.g, "gap");
	add_node(b.g, "GlobalAveragePool", &x, 1, y);
	x = ir_graph_add_tensor(b.g, "flat");
	add_node(b.g, "Flatten", &y, 1, x);
	in[0] = x;
	in[1] = add_tensor(b.g, "fc_w", 2, (int64_t[]){ 1000, cin }, true, &b.seed);
	in[2] = add_tensor(b.g, "fc_b", 1, (int64_t[]){ 1000 }, true, &b.seed);
	y = ir_graph_add_tensor(b.g, "logits");
	n = add_node(b.g, "Gemm", in, 3, y);
	{
		struct ir_attr *a = ir_node_add_attr(n, "transB", IR_ATTR_INT);

		if (!a)
			die("ir_node_add_attr", ENOMEM);
		a->i = 1;
	}
	ir_index_append(&b.g->outputs, &b.g->n_outputs, y);
	*convs = b.convs;
	*weights = b.weights + 1000 * cin + 1000;
	return b.g;
}

/* ---- a compiled model on the device ------------------------------------------------------ */

struct model {
	struct accelrt_model *m;
	struct accelrt_model_bindings *b;
	uint32_t run_flags;	/* ACCELRT_RUN_* of every run */
};

/*
 * @g on the device as every front end loads a model (include/accelrt_model.h): written to an
 * ONNX file under @dir, loaded from it without the passes (the graph is lowered as built),
 * with one set of bindings for its runs.
 */
static void model_load(struct accelrt_device *dev, struct ir_graph *g, const char *dir,
		       struct model *m)
{
	char err[512] = "", path[96];
	struct accelrt_model_options o = { .no_passes = true, .err = err, .err_len = sizeof(err) };
	int ret;

	/* The graph is built without its output's type and shape, which the file must carry. */
	ret = ir_infer_shapes(g, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "bench_model: %s\n", err);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/model.onnx", dir);
	ret = onnx_export_file(g, path);
	if (ret)
		die("onnx_export_file", ret);
	ret = accelrt_model_load(dev, path, &o, &m->m);
	unlink(path);
	if (ret) {
		fprintf(stderr, "bench_model: %s\n", err);
		exit(1);
	}
	ret = accelrt_model_bindings_new(m->m, &m->b);
	if (ret)
		die("accelrt_model_bindings_new", ret);
}

static void model_free(struct model *m)
{
	accelrt_model_bindings_free(m->b);
	accelrt_model_free(m->m);
}

static void run_model(void *arg, long iters)
{
	struct model *m = arg;

	for (long i = 0; i < iters; i++) {
		int ret = accelrt_model_run_sync(m->m, m->b, m->run_flags);

		if (ret)
			die("accelrt_model_run_sync", ret);
	}
}

/* ---- the vnpu null job, as bench_vnpu_jobs measures it ----------------------------------- */

struct null_job {
	int fd;
	uint32_t cmd_bo, ctx, syncobj;
};

static void null_job_setup(struct accelrt_device *own, struct null_job *nj)
{
	struct vnpu_pkt_nop nop = { { VNPU_OP_NOP, sizeof(nop) / 4, 0 } };
	struct drm_vnpu_bo_create c = { .size = 4096 };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_vnpu_context_create cc = { .engine = VNPU_ENGINE_DMA };
	struct drm_syncobj_create sc = { 0 };
	struct drm_vnpu_vm_bind bind = { .op = VNPU_VM_BIND_MAP, .size = 4096 };
	void *map;

	/* A device of its own (an open file, an address space), away from the runtime's VAs. */
	nj->fd = accelrt_device_fd(own);
	if (accel_sys_ioctl(nj->fd, DRM_IOCTL_VNPU_BO_CREATE, &c))
		die("BO_CREATE", errno);
	info.handle = bind.handle = c.handle;
	bind.va = VNPU_VA_START;
	if (accel_sys_ioctl(nj->fd, DRM_IOCTL_VNPU_BO_INFO, &info) ||
	    accel_sys_ioctl(nj->fd, DRM_IOCTL_VNPU_VM_BIND, &bind) ||
	    accel_sys_ioctl(nj->fd, DRM_IOCTL_VNPU_CONTEXT_CREATE, &cc) ||
	    accel_sys_ioctl(nj->fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc))
		die("null job set-up", errno);
	map = accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, nj->fd,
			     (off_t)info.mmap_offset);
	if (map == MAP_FAILED)
		die("mmap", errno);
	memcpy(map, &nop, sizeof(nop));
	accel_sys_munmap(map, 4096);
	nj->cmd_bo = c.handle;
	nj->ctx = cc.ctx_id;
	nj->syncobj = sc.handle;
}

static void run_null_job(void *arg, long iters)
{
	struct null_job *nj = arg;

	for (long i = 0; i < iters; i++) {
		struct drm_vnpu_submit s = {
			.ctx_id = nj->ctx, .cmd_handle = nj->cmd_bo,
			.cmd_size = sizeof(struct vnpu_pkt_nop), .out_sync = { .handle = nj->syncobj },
		};
		struct drm_syncobj_wait w = {
			.handles = (uintptr_t)&nj->syncobj, .count_handles = 1,
			.timeout_nsec = INT64_MAX, .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
		};

		while (accel_sys_ioctl(nj->fd, DRM_IOCTL_VNPU_SUBMIT, &s))
			if (errno != EBUSY)
				die("SUBMIT", errno);
		if (accel_sys_ioctl(nj->fd, DRM_IOCTL_SYNCOBJ_WAIT, &w))
			die("SYNCOBJ_WAIT", errno);
	}
}

/* ---- oneDNN's matmul called directly ----------------------------------------------------- */

struct dnnl_matmul {
	dnnl_engine_t eng;
	dnnl_stream_t strm;
	dnnl_primitive_t prim;
	dnnl_memory_t a, b, c;
	float *abuf, *bbuf, *cbuf;
};

static void dnnl_matmul_setup(struct dnnl_matmul *d, int64_t m, int64_t n, int64_t k)
{
	dnnl_memory_desc_t amd, bmd, cmd;
	dnnl_matmul_desc_t desc;
	dnnl_primitive_desc_t pd;

	d->abuf = calloc((size_t)(m * k), sizeof(float));
	d->bbuf = calloc((size_t)(k * n), sizeof(float));
	d->cbuf = calloc((size_t)(m * n), sizeof(float));
	if (!d->abuf || !d->bbuf || !d->cbuf)
		die("calloc", ENOMEM);
	if (dnnl_engine_create(&d->eng, dnnl_cpu, 0) || dnnl_stream_create(&d->strm, d->eng, 0) ||
	    dnnl_memory_desc_init_by_tag(&amd, 2, (dnnl_dims_t){ m, k }, dnnl_f32, dnnl_ab) ||
	    dnnl_memory_desc_init_by_tag(&bmd, 2, (dnnl_dims_t){ k, n }, dnnl_f32, dnnl_ab) ||
	    dnnl_memory_desc_init_by_tag(&cmd, 2, (dnnl_dims_t){ m, n }, dnnl_f32, dnnl_ab) ||
	    dnnl_matmul_desc_init(&desc, &amd, &bmd, NULL, &cmd) ||
	    dnnl_primitive_desc_create(&pd, &desc, NULL, d->eng, NULL) ||
	    dnnl_primitive_create(&d->prim, pd) ||
	    dnnl_memory_create(&d->a, &amd, d->eng, d->abuf) ||
	    dnnl_memory_create(&d->b, &bmd, d->eng, d->bbuf) ||
	    dnnl_memory_create(&d->c, &cmd, d->eng, d->cbuf))
		die("oneDNN matmul set-up", EINVAL);
	dnnl_primitive_desc_destroy(pd);
}

static void run_dnnl_matmul(void *arg, long iters)
{
	struct dnnl_matmul *d = arg;
	dnnl_exec_arg_t args[3] = { { DNNL_ARG_SRC, d->a }, { DNNL_ARG_WEIGHTS, d->b },
				    { DNNL_ARG_DST, d->c } };

	for (long i = 0; i < iters; i++)
		if (dnnl_primitive_execute(d->prim, d->strm, 3, args) || dnnl_stream_wait(d->strm))
			die("dnnl_primitive_execute", EIO);
}

static void dnnl_matmul_free(struct dnnl_matmul *d)
{
	dnnl_memory_destroy(d->a);
	dnnl_memory_destroy(d->b);
	dnnl_memory_destroy(d->c);
	dnnl_primitive_destroy(d->prim);
	dnnl_stream_destroy(d->strm);
	dnnl_engine_destroy(d->eng);
	free(d->abuf);
	free(d->bbuf);
	free(d->cbuf);
}

/* ---- compile time ------------------------------------------------------------------------ */

struct compile_case {
	const char *path;
};

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	void *buf;

	if (!f || fstat(fileno(f), &st) || !(buf = malloc((size_t)st.st_size + 1)) ||
	    fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die(path, errno ? errno : EIO);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static void run_parse(void *arg, long iters)
{
	struct compile_case *cc = arg;

	for (long i = 0; i < iters; i++) {
		size_t len;
		void *buf = read_file(cc->path, &len);
		Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);

		if (!m)
			die("onnx__model_proto__unpack", EINVAL);
		onnx__model_proto__free_unpacked(m, NULL);
		free(buf);
	}
}

static void run_compile(void *arg, long iters)
{
	struct compile_case *cc = arg;

	for (long i = 0; i < iters; i++) {
		struct compile_result r;
		char err[512];

		/* The pipeline every front end runs: import, passes, code generation. */
		if (compile_model_file(cc->path, NULL, &r, err, sizeof(err))) {
			fprintf(stderr, "bench_model: compile: %s\n", err);
			exit(1);
		}
		compile_result_free(&r);
	}
}

int main(int argc, char **argv)
{
	struct bench_result null_r, tiny_r, tiny_uq_r, big_r, dnnl_r, parse_r, compile_r;
	struct model tiny = { 0 }, big = { 0 };
	struct accelrt_device *dev, *null_dev;
	struct null_job nj;
	struct dnnl_matmul dm;
	struct compile_case cc;
	struct ir_graph *g;
	int64_t convs, weights;
	char root[32], path[64];
	int ret;

	(void)argc;
	(void)argv;
	setenv("ACCEL_ROOT", bench_tmproot(root), 1);
	setenv("ACCEL_REFRESH_MS", "0", 1);
	if (accel_embedded_start("[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 600000\n"))
		die("accel_embedded_start", errno);
	ret = accelrt_device_open(NULL, &dev);
	if (ret)
		die("accelrt_device_open", ret);

	ret = accelrt_device_open(NULL, &null_dev);
	if (ret)
		die("accelrt_device_open", ret);
	null_job_setup(null_dev, &nj);
	g = matmul_graph(64, 64, 64);
	model_load(dev, g, root, &tiny);
	null_r = bench_run(run_null_job, &nj, 2000, 11);
	tiny_r = bench_run(run_model, &tiny, 2000, 11);
	tiny.run_flags = ACCELRT_RUN_USER_QUEUE;
	tiny_uq_r = bench_run(run_model, &tiny, 2000, 11);
	bench_report("model 64x64 MatMul per inference (accelrt run + wait)", "ns", tiny_r,
		     "vnpu null job submit-to-complete", null_r, "<= 2");
	bench_report("model 64x64 MatMul per inference, user queue (accelrt run + wait)", "ns",
		     tiny_uq_r, "vnpu null job submit-to-complete", null_r, "< 1");
	model_free(&tiny);
	ir_graph_destroy(g);

	g = matmul_graph(512, 512, 512);
	model_load(dev, g, root, &big);
	dnnl_matmul_setup(&dm, 512, 512, 512);
	big_r = bench_run(run_model, &big, 50, 11);
	dnnl_r = bench_run(run_dnnl_matmul, &dm, 50, 11);
	/* Throughput: the baseline's time over ours, higher is better. */
	printf("BENCH model 512x512x512 MatMul (throughput vs oneDNN)|ns|%.1f|%.1f|%.1f|"
	       "oneDNN matmul direct|%.1f|%.3f|>= 0.95\n", big_r.median, big_r.min, big_r.max,
	       dnnl_r.median, big_r.median > 0 ? dnnl_r.median / big_r.median : 0.0);
	fflush(stdout);
	dnnl_matmul_free(&dm);
	model_free(&big);
	ir_graph_destroy(g);

	g = resnet50_graph(&convs, &weights);
	snprintf(path, sizeof(path), "%s/resnet50.onnx", root);
	ret = onnx_export_file(g, path);
	if (ret)
		die("onnx_export_file", ret);
	ir_graph_destroy(g);
	cc.path = path;
	parse_r = bench_run(run_parse, &cc, 3, 5);
	compile_r = bench_run(run_compile, &cc, 3, 5);
	fprintf(stderr, "bench_model: ResNet-50-sized model: %lld convolutions, %.1f M weights, "
		"compiled in %.0f ms (median)\n", (long long)convs, weights / 1e6, compile_r.median / 1e6);
	bench_report("compile ResNet-50-sized ONNX model (import + passes + lower)", "ns", compile_r,
		     "read + protobuf-c parse of the file", parse_r, "");
	unlink(path);

	accelrt_device_close(null_dev);
	accelrt_device_close(dev);
	return 0;
}
