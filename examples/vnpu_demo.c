// SPDX-License-Identifier: MIT
/*
 * vnpu-demo - a small convolutional network run on a vnpu through its uAPI, the way a
 * runtime drives the device:
 *
 *   upload (DMA)  -> conv2d 3x3 + bias + relu -> maxpool 2x2 -> dense + bias + gelu
 *                 -> dense + bias -> softmax -> download (DMA)
 *
 * Buffers: mappable system-memory buffers (staging, result, command streams, profile
 * records) and VRAM buffers the CPU cannot map (inputs, weights, activations), all bound
 * into the client's GPU address space with VM_BIND. Every layer is its own job; the jobs are
 * chained through one timeline syncobj (job i signals point i and waits for point i - 1), so
 * the DMA context and the compute context hand over without the host in between. The host
 * waits for the last point only, checks every job's result in its profile record and
 * compares the output with the same network computed in double precision.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>

#define ALIGN(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define NSEC		1000000000ll

/* The network: N images of H x W x C (NHWC), OC conv channels, HID hidden, CLS classes. */
#define N	4
#define H	32
#define W	32
#define C	16
#define OC	32
#define KS	3
#define PH	(H / 2)
#define PW	(W / 2)
#define FEAT	(PH * PW * OC)
#define HID	256
#define CLS	10
#define TOL	1e-3

/* Tensors, each in its own VRAM buffer; the first ones are inputs the host fills. */
enum { T_X, T_CONV_W, T_CONV_B, T_FC1_W, T_FC1_B, T_FC2_W, T_FC2_B, T_NR_INPUTS,
       T_CONV_Y = T_NR_INPUTS, T_POOL_Y, T_H1, T_LOGITS, T_PROBS, T_NR };

static const struct {
	const char *name;
	size_t count;
} tensor_desc[T_NR] = {
	[T_X]		= { "input",  N * H * W * C },
	[T_CONV_W]	= { "conv.w", OC * KS * KS * C },
	[T_CONV_B]	= { "conv.b", OC },
	[T_FC1_W]	= { "fc1.w",  FEAT * HID },
	[T_FC1_B]	= { "fc1.b",  HID },
	[T_FC2_W]	= { "fc2.w",  HID * CLS },
	[T_FC2_B]	= { "fc2.b",  CLS },
	[T_CONV_Y]	= { "conv.y", N * H * W * OC },
	[T_POOL_Y]	= { "pool.y", N * FEAT },
	[T_H1]		= { "fc1.y",  N * HID },
	[T_LOGITS]	= { "logits", N * CLS },
	[T_PROBS]	= { "probs",  N * CLS },
};

/* The jobs, in submission order; job i signals timeline point i + 1. */
enum { J_UPLOAD, J_CONV, J_POOL, J_FC1, J_FC2, J_SOFTMAX, J_DOWNLOAD, J_NR };

static const char *const job_name[J_NR] = {
	"upload", "conv2d+relu", "maxpool", "fc1+gelu", "fc2", "softmax", "download",
};

struct buf {
	uint32_t handle;
	uint64_t size;		/* as BO_INFO gives it */
	uint64_t va;		/* 0 while not bound */
	void *map;		/* NULL for VRAM */
};

struct demo {
	int fd;
	uint64_t next_va;
	struct buf t[T_NR];	/* VRAM */
	struct buf stage;	/* host-filled inputs, uploaded by J_UPLOAD */
	struct buf result;	/* probabilities, downloaded by J_DOWNLOAD */
	struct buf cmd;		/* every job's command stream */
	struct buf prof;	/* one struct vnpu_job_profile per job */
	uint64_t stage_off[T_NR_INPUTS];
	size_t cmd_len;
	uint64_t cmd_off[J_NR], cmd_size[J_NR];
	uint32_t ctx_dma, ctx_compute;
	uint32_t timeline;
	uint64_t rng;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vnpu-demo [--device PATH] [--seed N]\n"
		"\n"
		"Runs a small convolutional network (conv2d+relu, maxpool, dense+gelu,\n"
		"dense, softmax; %d images of %dx%dx%d) on a vnpu accelerator as a chain of\n"
		"jobs: a DMA job uploads the inputs to VRAM, one compute job per layer, a DMA\n"
		"job downloads the result. The jobs depend on each other through a timeline\n"
		"syncobj. The result is checked against the same network computed on the host\n"
		"in double precision.\n"
		"\n"
		"  --device PATH  the vnpu node (default: the first accel node of driver vnpu)\n"
		"  --seed N       seed of the random inputs and weights (default: from the time)\n"
		"  --help         this text\n"
		"\n"
		"Exit status: 0 when the result matches, 1 otherwise or on any error.\n",
		N, H, W, C);
}

static int vioctl(int fd, unsigned long req, void *arg, const char *name)
{
	int ret;

	do {
		ret = accel_sys_ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	if (ret == -1) {
		ret = -errno;
		fprintf(stderr, "vnpu-demo: %s: %s\n", name, strerror(errno));
	}
	return ret;
}

#define IOCTL(fd, req, arg) vioctl((fd), DRM_IOCTL_##req, (arg), "DRM_IOCTL_" #req)

static const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

/* xorshift64*, uniform in [-1, 1) */
static float randf(struct demo *d)
{
	d->rng ^= d->rng >> 12;
	d->rng ^= d->rng << 25;
	d->rng ^= d->rng >> 27;
	uint64_t r = d->rng * 2685821657736338717ull;

	return (float)((double)(r >> 11) / (double)(1ull << 53) * 2 - 1);
}

/* ---------------------------------------------------------------------------------------- */
/* Device, buffers and address space */

static int find_vnpu(char *path, size_t len)
{
	struct accel_device_info *list;
	size_t count, i;
	int ret;

	ret = accel_devices_list(&list, &count, 0);
	if (ret) {
		fprintf(stderr, "vnpu-demo: accel_devices_list: %s\n", strerror(-ret));
		return ret;
	}
	ret = -ENODEV;
	for (i = 0; i < count; i++) {
		if (list[i].is_accel && !strcmp(list[i].driver, "vnpu")) {
			snprintf(path, len, "%s", list[i].path);
			ret = 0;
			break;
		}
	}
	if (ret) {
		fprintf(stderr, "vnpu-demo: no vnpu accelerator among the %zu accel node(s) of %s\n"
			"vnpu-demo: add a [vnpu.0] section with driver = vnpu to the configuration "
			"(docs/config.md), or name the node with --device\n", count, accel_root());
	}
	free(list);
	return ret;
}

static int check_driver(int fd, const char *path)
{
	char name[64] = "", desc[128] = "";
	struct drm_version v = { .name = name, .name_len = sizeof(name) - 1,
				 .desc = desc, .desc_len = sizeof(desc) - 1 };
	int ret = IOCTL(fd, VERSION, &v);

	if (ret)
		return ret;
	if (strcmp(name, "vnpu")) {
		fprintf(stderr, "vnpu-demo: %s is a \"%s\" device, not a vnpu\n", path, name);
		return -ENODEV;
	}
	printf("device   %s: %s %d.%d.%d (%s), backend %s\n", path, name, v.version_major,
	       v.version_minor, v.version_patchlevel, desc,
	       accel_backend_name(accel_fd_backend(fd)));
	return 0;
}

static int get_param(struct demo *d, uint32_t param, uint64_t *value)
{
	struct drm_vnpu_get_param p = { .param = param };
	int ret = IOCTL(d->fd, VNPU_GET_PARAM, &p);

	*value = p.value;
	return ret;
}

static int print_params(struct demo *d)
{
	uint64_t ce, de, vram, used, sram, depth, tmo;
	int ret;

	if ((ret = get_param(d, VNPU_PARAM_COMPUTE_ENGINES, &ce)) ||
	    (ret = get_param(d, VNPU_PARAM_DMA_ENGINES, &de)) ||
	    (ret = get_param(d, VNPU_PARAM_VRAM_SIZE, &vram)) ||
	    (ret = get_param(d, VNPU_PARAM_VRAM_USED, &used)) ||
	    (ret = get_param(d, VNPU_PARAM_SRAM_SIZE, &sram)) ||
	    (ret = get_param(d, VNPU_PARAM_QUEUE_DEPTH, &depth)) ||
	    (ret = get_param(d, VNPU_PARAM_JOB_TIMEOUT_MS, &tmo)))
		return ret;
	printf("engines  %llu compute, %llu DMA; queue depth %llu jobs, job timeout %llu ms\n",
	       (unsigned long long)ce, (unsigned long long)de, (unsigned long long)depth,
	       (unsigned long long)tmo);
	printf("memory   VRAM %llu MiB (%llu MiB in use), SRAM %llu KiB\n",
	       (unsigned long long)(vram >> 20), (unsigned long long)(used >> 20),
	       (unsigned long long)(sram >> 10));
	return 0;
}

/* A buffer object of @size bytes, mapped for the CPU unless it is VRAM, bound at the next VA. */
static int buf_create(struct demo *d, struct buf *b, const char *name, uint64_t size,
		      uint32_t flags)
{
	struct drm_vnpu_bo_create c = { .size = size, .flags = flags };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_vnpu_vm_bind bind = { .op = VNPU_VM_BIND_MAP };
	int ret;

	ret = IOCTL(d->fd, VNPU_BO_CREATE, &c);
	if (ret)
		goto err;
	b->handle = c.handle;
	info.handle = c.handle;
	ret = IOCTL(d->fd, VNPU_BO_INFO, &info);
	if (ret)
		goto err;
	b->size = info.size;
	if (!(flags & VNPU_BO_VRAM)) {
		b->map = accel_sys_mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
					(off_t)info.mmap_offset);
		if (b->map == MAP_FAILED) {
			ret = -errno;
			b->map = NULL;
			fprintf(stderr, "vnpu-demo: mmap: %s\n", strerror(-ret));
			goto err;
		}
	}
	bind.handle = b->handle;
	bind.va = d->next_va;
	bind.size = b->size;
	ret = IOCTL(d->fd, VNPU_VM_BIND, &bind);
	if (ret)
		goto err;
	b->va = bind.va;
	/* an unmapped guard page between buffers turns an overrun into a fault */
	d->next_va = ALIGN(bind.va + b->size + VNPU_VA_PAGE_SIZE, 64 << 10);
	return 0;
err:
	fprintf(stderr, "vnpu-demo: buffer %s (%llu bytes%s) could not be set up\n", name,
		(unsigned long long)size, flags & VNPU_BO_VRAM ? ", VRAM" : "");
	return ret;
}

static void buf_destroy(struct demo *d, struct buf *b)
{
	struct drm_gem_close c = { .handle = b->handle };

	if (b->map)
		accel_sys_munmap(b->map, b->size);
	if (b->handle)
		IOCTL(d->fd, GEM_CLOSE, &c);
	memset(b, 0, sizeof(*b));
}

static int create_buffers(struct demo *d)
{
	uint64_t off = 0, used, out = tensor_desc[T_PROBS].count * sizeof(float);
	size_t i;
	int ret;

	for (i = 0; i < T_NR; i++) {
		ret = buf_create(d, &d->t[i], tensor_desc[i].name,
				 tensor_desc[i].count * sizeof(float), VNPU_BO_VRAM);
		if (ret)
			return ret;
	}
	for (i = 0; i < T_NR_INPUTS; i++) {
		d->stage_off[i] = off;
		off = ALIGN(off + tensor_desc[i].count * sizeof(float), 256);
	}
	if ((ret = buf_create(d, &d->stage, "staging", off, 0)) ||
	    (ret = buf_create(d, &d->result, "result", out, 0)) ||
	    (ret = buf_create(d, &d->cmd, "commands", 64 << 10, 0)) ||
	    (ret = buf_create(d, &d->prof, "profile", J_NR * sizeof(struct vnpu_job_profile), 0)) ||
	    (ret = get_param(d, VNPU_PARAM_VRAM_USED, &used)))
		return ret;
	printf("buffers  %d in VRAM (%.1f MiB in use now), 4 in system memory (%.1f MiB staging); "
	       "GPU VAs 0x%llx..0x%llx\n", T_NR, used / 1048576.0, d->stage.size / 1048576.0,
	       (unsigned long long)VNPU_VA_START, (unsigned long long)d->next_va);
	return 0;
}

static void destroy_buffers(struct demo *d)
{
	struct drm_vnpu_vm_bind unbind = { .op = VNPU_VM_BIND_UNMAP, .va = VNPU_VA_START,
					   .size = d->next_va - VNPU_VA_START };
	size_t i;

	if (unbind.size)
		IOCTL(d->fd, VNPU_VM_BIND, &unbind);
	for (i = 0; i < T_NR; i++)
		buf_destroy(d, &d->t[i]);
	buf_destroy(d, &d->stage);
	buf_destroy(d, &d->result);
	buf_destroy(d, &d->cmd);
	buf_destroy(d, &d->prof);
}

/* ---------------------------------------------------------------------------------------- */
/* Command streams */

static void emit(struct demo *d, uint16_t opcode, uint32_t flags, void *pkt, size_t size)
{
	struct vnpu_pkt_header *h = pkt;

	h->opcode = opcode;
	h->length = (uint16_t)(size / 4);
	h->flags = flags;
	memcpy((uint8_t *)d->cmd.map + d->cmd_len, pkt, size);
	d->cmd_len += size;
}

#define EMIT(d, op, flags, pkt) emit((d), VNPU_OP_##op, (flags), &(pkt), sizeof(pkt))

static void dma_copy(struct demo *d, uint64_t src, uint64_t dst, uint64_t size)
{
	struct vnpu_pkt_dma_copy p = { .src_va = src, .dst_va = dst, .size = size };

	EMIT(d, DMA_COPY, 0, p);
}

static void dense(struct demo *d, int a, int b, int bias, int c, uint32_t m, uint32_t k,
		  uint32_t n, uint32_t act)
{
	struct vnpu_pkt_matmul p = {
		.src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32, .batch = 1,
		.m = m, .n = n, .k = k, .act = act,
		.a_va = d->t[a].va, .b_va = d->t[b].va, .bias_va = d->t[bias].va,
		.c_va = d->t[c].va,
	};

	EMIT(d, MATMUL, VNPU_MATMUL_F_BIAS, p);
}

static void build_streams(struct demo *d)
{
	struct vnpu_pkt_conv2d conv = {
		.dtype = VNPU_DT_F32, .act = VNPU_ACT_RELU, .n = N, .h = H, .w = W, .c = C,
		.oc = OC, .kh = KS, .kw = KS, .groups = 1, .stride_h = 1, .stride_w = 1,
		.pad_top = 1, .pad_left = 1, .pad_bottom = 1, .pad_right = 1,
		.dil_h = 1, .dil_w = 1,
		.src_va = d->t[T_X].va, .wei_va = d->t[T_CONV_W].va,
		.bias_va = d->t[T_CONV_B].va, .dst_va = d->t[T_CONV_Y].va,
	};
	struct vnpu_pkt_pool2d pool = {
		.dtype = VNPU_DT_F32, .mode = VNPU_POOL_MAX, .n = N, .h = H, .w = W, .c = OC,
		.kh = 2, .kw = 2, .stride_h = 2, .stride_w = 2,
		.src_va = d->t[T_CONV_Y].va, .dst_va = d->t[T_POOL_Y].va,
	};
	struct vnpu_pkt_softmax softmax = {
		.dtype = VNPU_DT_F32, .ndims = 2, .dims = { N, CLS }, .axis = 1,
		.src_va = d->t[T_LOGITS].va, .dst_va = d->t[T_PROBS].va,
	};
	int j, i;

	for (j = 0; j < J_NR; j++) {
		d->cmd_off[j] = d->cmd_len;
		switch (j) {
		case J_UPLOAD:
			for (i = 0; i < T_NR_INPUTS; i++)
				dma_copy(d, d->stage.va + d->stage_off[i], d->t[i].va,
					 tensor_desc[i].count * sizeof(float));
			break;
		case J_CONV:
			EMIT(d, CONV2D, VNPU_CONV2D_F_BIAS, conv);
			break;
		case J_POOL:
			EMIT(d, POOL2D, 0, pool);
			break;
		case J_FC1:	/* the pooled NHWC tensor read as N rows of FEAT: a free flatten */
			dense(d, T_POOL_Y, T_FC1_W, T_FC1_B, T_H1, N, FEAT, HID, VNPU_ACT_GELU_ERF);
			break;
		case J_FC2:
			dense(d, T_H1, T_FC2_W, T_FC2_B, T_LOGITS, N, HID, CLS, VNPU_ACT_NONE);
			break;
		case J_SOFTMAX:
			EMIT(d, SOFTMAX, 0, softmax);
			break;
		case J_DOWNLOAD:
			dma_copy(d, d->t[T_PROBS].va, d->result.va, N * CLS * sizeof(float));
			break;
		}
		d->cmd_size[j] = d->cmd_len - d->cmd_off[j];
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Inputs and the host reference */

static void fill_inputs(struct demo *d)
{
	/* uniform weights with the variance of He initialisation keep every layer's scale */
	static const double scale[T_NR_INPUTS] = {
		[T_X] = 1, [T_CONV_W] = 0.2041 /* sqrt(6 / 144) */, [T_CONV_B] = 0.1,
		[T_FC1_W] = 0.02706 /* sqrt(6 / 8192) */, [T_FC1_B] = 0.1,
		[T_FC2_W] = 0.1531 /* sqrt(6 / 256) */, [T_FC2_B] = 0.1,
	};
	size_t i, e;

	for (i = 0; i < T_NR_INPUTS; i++) {
		float *p = (float *)((uint8_t *)d->stage.map + d->stage_off[i]);

		for (e = 0; e < tensor_desc[i].count; e++)
			p[e] = (float)(randf(d) * scale[i]);
	}
}

static const float *staged(struct demo *d, int t)
{
	return (const float *)((const uint8_t *)d->stage.map + d->stage_off[t]);
}

static double gelu(double x)
{
	return 0.5 * x * (1 + erf(x / sqrt(2.0)));
}

/* The network in double precision, from the very f32 values the device got. */
static void reference(struct demo *d, double *probs)
{
	static double conv[N * H * W * OC], pool[N * FEAT], h1[N * HID];
	const float *x = staged(d, T_X), *cw = staged(d, T_CONV_W), *cb = staged(d, T_CONV_B);
	const float *w1 = staged(d, T_FC1_W), *b1 = staged(d, T_FC1_B);
	const float *w2 = staged(d, T_FC2_W), *b2 = staged(d, T_FC2_B);
	int i, n, y, xx, o, ky, kx, c, j, k;

	for (i = 0; i < N * H * W; i++) {	/* output pixel i is [n][y][xx] */
		n = i / (H * W), y = i / W % H, xx = i % W;
		for (o = 0; o < OC; o++) {
			double s = cb[o];

			for (ky = 0; ky < KS; ky++) {
				for (kx = 0; kx < KS; kx++) {
					int iy = y + ky - 1, ix = xx + kx - 1;
					const float *src = x + ((n * H + iy) * W + ix) * C;
					const float *wei = cw + ((o * KS + ky) * KS + kx) * C;

					if (iy < 0 || iy >= H || ix < 0 || ix >= W)
						continue;
					for (c = 0; c < C; c++)
						s += (double)src[c] * wei[c];
				}
			}
			conv[i * OC + o] = fmax(s, 0);
		}
	}
	for (i = 0; i < N * PH * PW; i++) {	/* pooled pixel i is [n][y][xx] */
		n = i / (PH * PW), y = i / PW % PH, xx = i % PW;
		for (o = 0; o < OC; o++) {
			const double *win = conv + ((n * H + 2 * y) * W + 2 * xx) * OC + o;

			pool[i * OC + o] = fmax(fmax(win[0], win[OC]),
						fmax(win[W * OC], win[(W + 1) * OC]));
		}
	}
	for (n = 0; n < N; n++) {
		double *s = h1 + n * HID;

		for (j = 0; j < HID; j++)
			s[j] = b1[j];
		for (k = 0; k < FEAT; k++)
			for (j = 0; j < HID; j++)
				s[j] += pool[n * FEAT + k] * w1[(size_t)k * HID + j];
		for (j = 0; j < HID; j++)
			s[j] = gelu(s[j]);
	}
	for (n = 0; n < N; n++) {
		double *p = probs + n * CLS, max = -INFINITY, sum = 0;

		for (j = 0; j < CLS; j++) {
			p[j] = b2[j];
			for (k = 0; k < HID; k++)
				p[j] += h1[n * HID + k] * w2[k * CLS + j];
			max = fmax(max, p[j]);
		}
		for (j = 0; j < CLS; j++)
			sum += p[j] = exp(p[j] - max);
		for (j = 0; j < CLS; j++)
			p[j] /= sum;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Contexts, submission, completion */

static int context_create(struct demo *d, uint32_t engine, uint32_t *id)
{
	struct drm_vnpu_context_create c = { .engine = engine, .priority = VNPU_PRIORITY_NORMAL };
	int ret = IOCTL(d->fd, VNPU_CONTEXT_CREATE, &c);

	*id = c.ctx_id;
	return ret;
}

static void context_destroy(struct demo *d, uint32_t *id)
{
	struct drm_vnpu_context_destroy c = { .ctx_id = *id };

	if (*id)
		IOCTL(d->fd, VNPU_CONTEXT_DESTROY, &c);
	*id = 0;
}

/* Wait until timeline point @point has signalled. */
static int wait_point(struct demo *d, uint64_t point, int64_t timeout_ns)
{
	uint64_t reached = 0;
	struct drm_syncobj_timeline_wait w = {
		.handles = (uint64_t)(uintptr_t)&d->timeline,
		.points = (uint64_t)(uintptr_t)&point,
		.timeout_nsec = now_ns() + timeout_ns,
		.count_handles = 1,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
	};
	struct drm_syncobj_timeline_array q = {
		.handles = (uint64_t)(uintptr_t)&d->timeline,
		.points = (uint64_t)(uintptr_t)&reached,
		.count_handles = 1,
	};
	int ret = IOCTL(d->fd, SYNCOBJ_TIMELINE_WAIT, &w);

	if (ret && !IOCTL(d->fd, SYNCOBJ_QUERY, &q))
		fprintf(stderr, "vnpu-demo: waited for point %llu, the timeline is at %llu\n",
			(unsigned long long)point, (unsigned long long)reached);
	return ret;
}

/* Job @j on its context: waits for timeline point @j (none for the first), signals @j + 1. */
static int submit(struct demo *d, int j, int64_t timeout_ns)
{
	struct drm_vnpu_sync in = { .handle = d->timeline, .point = (uint64_t)j };
	struct drm_vnpu_submit s = {
		.ctx_id = (j == J_UPLOAD || j == J_DOWNLOAD) ? d->ctx_dma : d->ctx_compute,
		.cmd_handle = d->cmd.handle,
		.num_in_syncs = j ? 1 : 0,
		.cmd_offset = d->cmd_off[j],
		.cmd_size = d->cmd_size[j],
		.in_syncs = j ? (uint64_t)(uintptr_t)&in : 0,
		.out_sync = { .handle = d->timeline, .point = (uint64_t)j + 1 },
		.profile_va = d->prof.va + j * sizeof(struct vnpu_job_profile),
	};
	int ret;

	do {
		ret = accel_sys_ioctl(d->fd, DRM_IOCTL_VNPU_SUBMIT, &s);
	} while (ret == -1 && errno == EINTR);
	/* the context's queue is full: let the jobs before this one finish, then try again */
	if (ret == -1 && errno == EBUSY && j && !wait_point(d, (uint64_t)j, timeout_ns))
		ret = accel_sys_ioctl(d->fd, DRM_IOCTL_VNPU_SUBMIT, &s);
	if (ret == -1) {
		ret = -errno;
		fprintf(stderr, "vnpu-demo: DRM_IOCTL_VNPU_SUBMIT of job %d (%s): %s\n", j + 1,
			job_name[j], strerror(errno));
	}
	return ret;
}

/* Every job's result from its profile record; prints the per-job times from @t0 on. */
static int check_jobs(struct demo *d, int64_t t0)
{
	const struct vnpu_job_profile *p = d->prof.map;
	int j, failed = 0;
	char engine[24];

	printf("\n  job  %-12s %-10s %7s %9s %9s %9s %9s\n", "", "engine", "packets", "start ms",
	       "end ms", "run us", "busy us");
	for (j = 0; j < J_NR; j++, p++) {
		if (!p->end_ns) {
			printf("  %3d  %-12s no profile record: the job did not run\n", j + 1,
			       job_name[j]);
			failed++;
			continue;
		}
		snprintf(engine, sizeof(engine), "%s.%u", p->engine_class == VNPU_ENGINE_DMA ?
			 "dma" : "compute", p->engine_instance);
		printf("  %3d  %-12s %-10s %7u %9.3f %9.3f %9.1f %9.1f", j + 1, job_name[j], engine,
		       p->packets, ((int64_t)p->start_ns - t0) / 1e6,
		       ((int64_t)p->end_ns - t0) / 1e6, (p->end_ns - p->start_ns) / 1e3,
		       (p->busy_ns[0] + p->busy_ns[1]) / 1e3);
		if (p->error)
			printf("  FAILED: -%s", errname(-p->error));
		printf("\n");
	}
	printf("  (start, end: on the engine, from the first SUBMIT; busy: time in packets)\n");
	for (j = 0, p = d->prof.map; j < J_NR; j++, p++) {
		if (p->end_ns && p->error) {
			fprintf(stderr, "vnpu-demo: job %d (%s) failed: -%s, %s\n", j + 1,
				job_name[j], errname(-p->error), strerror(-p->error));
			failed++;
		}
	}
	return failed ? -EIO : 0;
}

/* The output against the reference: a few values, the largest error, PASS or FAIL. */
static int compare(struct demo *d, const double *ref)
{
	const float *got = d->result.map;
	double max_abs = 0, max_rel = 0;
	int n, j, bad = 0;

	for (n = 0; n < N * CLS; n++) {
		double err = fabs(got[n] - ref[n]);

		max_abs = fmax(max_abs, err);
		max_rel = fmax(max_rel, err / fmax(fabs(ref[n]), 1e-3));
		if (!(err <= TOL * fmax(fabs(ref[n]), 1e-3))) {
			if (bad++ < 5)
				fprintf(stderr, "vnpu-demo: probs[%d][%d] = %.7g, host %.7g\n",
					n / CLS, n % CLS, got[n], ref[n]);
		}
	}
	printf("\n  image  class  p(device)   p(host)     first probabilities\n");
	for (n = 0; n < N; n++) {
		int best = 0;

		for (j = 1; j < CLS; j++)
			if (got[n * CLS + j] > got[n * CLS + best])
				best = j;
		printf("  %5d  %5d  %.7f  %.7f  ", n, best, got[n * CLS + best],
		       ref[n * CLS + best]);
		for (j = 0; j < 4; j++)
			printf(" %.4f", got[n * CLS + j]);
		printf(" ...\n");
	}
	printf("\nmax error %.3g absolute, %.3g relative (tolerance %.0e): %s\n", max_abs, max_rel,
	       TOL, bad ? "FAIL" : "PASS");
	return bad ? -EIO : 0;
}

/* ---------------------------------------------------------------------------------------- */

static int run(const char *path, uint64_t seed)
{
	struct drm_syncobj_create sc = { 0 };
	struct drm_syncobj_destroy sd = { 0 };
	struct demo d = { .next_va = VNPU_VA_START, .rng = seed ? seed : 1 };
	double ref[N * CLS];
	uint64_t timeout_ms;
	int64_t t0, t1, timeout_ns;
	int ret, j;

	d.fd = accel_sys_open(path, O_RDWR | O_CLOEXEC);
	if (d.fd < 0) {
		ret = -errno;
		fprintf(stderr, "vnpu-demo: open %s: %s\n", path, strerror(errno));
		return ret;
	}
	ret = check_driver(d.fd, path);
	if (ret)
		goto out_close;
	ret = print_params(&d);
	if (ret)
		goto out_close;
	ret = get_param(&d, VNPU_PARAM_JOB_TIMEOUT_MS, &timeout_ms);
	if (ret)
		goto out_close;

	ret = create_buffers(&d);
	if (ret)
		goto out_buffers;
	printf("seed     0x%llx (--seed 0x%llx replays this run)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	fill_inputs(&d);
	memset(d.prof.map, 0, d.prof.size);
	memset(d.result.map, 0, d.result.size);
	build_streams(&d);

	ret = context_create(&d, VNPU_ENGINE_DMA, &d.ctx_dma);
	if (ret)
		goto out_contexts;
	ret = context_create(&d, VNPU_ENGINE_COMPUTE, &d.ctx_compute);
	if (ret)
		goto out_contexts;
	ret = IOCTL(d.fd, SYNCOBJ_CREATE, &sc);
	if (ret)
		goto out_contexts;
	d.timeline = sc.handle;
	printf("jobs     %d on a DMA context (%u) and a compute context (%u), chained through "
	       "timeline syncobj %u points 1..%d\n", J_NR, d.ctx_dma, d.ctx_compute, d.timeline,
	       J_NR);

	timeout_ns = (int64_t)(timeout_ms * J_NR) * 1000000 + 10 * NSEC;
	t0 = now_ns();
	for (j = 0; j < J_NR; j++) {
		ret = submit(&d, j, timeout_ns);
		if (ret)
			break;
	}
	/* wait even after a failed submit: what was queued still runs and uses the buffers */
	if (j) {
		int wret = wait_point(&d, (uint64_t)j, timeout_ns);

		if (!ret)
			ret = wret;
	}
	t1 = now_ns();
	if (ret)
		goto out_syncobj;

	ret = check_jobs(&d, t0);
	printf("\nwall time %.3f ms for the %d jobs, first SUBMIT to last fence\n",
	       (t1 - t0) / 1e6, J_NR);
	if (ret)
		goto out_syncobj;

	reference(&d, ref);
	ret = compare(&d, ref);

out_syncobj:
	sd.handle = d.timeline;
	IOCTL(d.fd, SYNCOBJ_DESTROY, &sd);
out_contexts:
	context_destroy(&d, &d.ctx_compute);
	context_destroy(&d, &d.ctx_dma);
out_buffers:
	destroy_buffers(&d);
out_close:
	accel_sys_close(d.fd);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char path[256] = "";
	uint64_t seed = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid();
	char *end;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* keep the report and the errors in order */
	while ((opt = getopt_long(argc, argv, "d:s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			snprintf(path, sizeof(path), "%s", optarg);
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "vnpu-demo: --seed: not a number: %s\n", optarg);
				return 1;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vnpu-demo: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (!path[0] && find_vnpu(path, sizeof(path)))
		return 1;
	return run(path, seed) ? 1 : 0;
}
