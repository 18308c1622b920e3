// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the vedge driver's ioctls through the embedded path (docs/vedge.md,
 * include/uapi/drm/vedge_accel.h) on both of its NPUs - vedge.0 with DMA (accel0), vedge.1
 * without (accel1: the driver copies regions and stream through the SRAM's PIO window) -
 * buffer objects, SUBMIT of command streams written into them, BO_WAIT, with the core's
 * syncobj and PRIME ioctls around them. The SUBMIT stream checker (vedge_validate.c,
 * vedge_cmd.c) is security-critical: a stream it lets through must never make the device
 * model (vedge_hw.c) touch memory outside the job's regions, which ASan sees. Input format:
 * fuzz_ioctl.h, plus:
 *
 *   STREAM map:u8 off:u16 n:u8 CMD*n   write n commands at a mapping's offset (8-aligned)
 *   JOB    op:u8 h:u8 w:u8 c:u8 co:u8 k:u8 fill:u8 flags:u8 nmut:u8 (idx:u8 CMD)*nmut
 *          a whole job on the current file: three 4 KiB buffer objects (input, output,
 *          weights/scales/table) filled with valid data, a well-formed stream for operation
 *          op % 10 with shapes from h, w, c, co, k (small), nmut of its commands replaced by
 *          decoded ones, SUBMIT; flags: bit 0 an out syncobj, bit 1 the previous JOB's out
 *          syncobj as in-sync, bit 2 BO_WAIT on the output, bit 3 output region read-only,
 *          bit 4 the operands in SRAM (DMA device), bit 5 a trailing STOP, bit 6 the
 *          device's next stream armed to fault (debugfs inject_fault), bit 7 to hang (the
 *          timeout resets it); what an input leaves armed is disarmed after it
 *   CMD    kind:u8 ...   kind % 8: 0 raw (opcode:u16 param:u16 value:u32), 1 an operation
 *          (0x80 + u8 % 10), else a SET command (u8 picks one of them) whose value is by
 *          (kind >> 3) % 4: a small u8, a value near a register limit (u8 picks it), a raw
 *          u32, a limit plus u8 % 5 - 2; the SCALE commands' param is a signed u8
 *
 * The decoders make mostly well-formed streams (valid SET commands with values near the
 * limits, operations), so that the checker's deep paths and the device model's operations
 * are reached, and raw bytes too. Buffer objects are at most 16 KiB and the SRAMs 16 and 32
 * KiB so that no operation computes for long (the device checks for an abort between
 * commands only); the job timeout is 50 ms (10 ms, the smallest, timed out
 * ordinary jobs on the loaded machine, whose completions would then go unfuzzed).
 *
 * After each input, once its files are closed, the harness waits for both devices' jobs to be
 * freed (a job keeps its objects until then, as in the kernel), then nothing of the input may
 * be left: no GEM object alive on either device, and the descriptor check of fuzz_fdcheck.h.
 */
#include <pthread.h>

#include "fuzz_ioctl.h"
#include "fuzz_fdcheck.h"

#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <uapi/drm/vedge_accel.h>
#include "drivers/vedge/vedge_drv.h"
#include "drivers/vedge/vedge_hw.h"

static const char config[] =
	"[vedge.0]\ndriver = vedge\nhas_dma = 1\nsram_size = 16384\njob_timeout_ms = 50\n"
	"autosuspend_delay_ms = 0\n"
	"\n[vedge.1]\ndriver = vedge\nhas_dma = 0\nsram_size = 32768\njob_timeout_ms = 50\n"
	"autosuspend_delay_ms = 0\n";

static const char *const nodes[] = { "accel/accel0", "accel/accel1" };

#define FZ_BO_MAX	(16u << 10)
#define FZ_JOB_BO	4096u
#define FZ_JOB_CMDS	64u

/* The devices every input drives (they live across inputs), and their GEM objects then. */
static struct vedge_device *vdevs[2];
static unsigned int base_gem_objects[2];

/* The last JOB's out syncobj, on the file that made it (handles are per file). */
static struct file *last_sync_file;
static uint32_t last_sync;

/* Every SET command (and NOP, STOP) of the uAPI. */
static const uint16_t set_opcodes[] = {
	VEDGE_CMD_NOP, VEDGE_CMD_STOP,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
};

/* Register limits of the uAPI and the sizes the harness uses, each side of them. */
static const uint32_t limits[] = {
	0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 17, 31, 32, 64, 126, 127, 128, 129, 254, 255, 256,
	0xfe, 0xff, 0x100, 1023, 1024, 2048, 4095, 4096, 4097, 8192, 12288, 16383, 16384, 16385,
	32767, 32768, 65535, 65536, 65537, 0x3fffffff, 0x40000000, 0x40000001, 0x7fffffff,
	0x80000000, 0xfffffff0, 0xffffff7f, 0xffffff80, 0xffffff81, 0xfffffffe, 0xffffffff,
};

static bool is_scale_opcode(uint16_t op)
{
	return op == VEDGE_SET_IFM_SCALE || op == VEDGE_SET_IFM2_SCALE || op == VEDGE_SET_OFM_SCALE;
}

/* One command decoded from the input (CMD above). */
static struct vedge_cmd gen_cmd(struct fz_in *in)
{
	uint8_t kind = fz_u8(in);
	struct vedge_cmd c = { 0 };

	switch (kind % 8) {
	case 0:
		c.opcode = fz_u16(in);
		c.param = fz_u16(in);
		c.value = (uint32_t)fz_u64(in);
		return c;
	case 1:
		c.opcode = (uint16_t)(VEDGE_OP_CONV2D + fz_u8(in) % 10);
		return c;
	}
	c.opcode = set_opcodes[fz_u8(in) % (sizeof(set_opcodes) / sizeof(set_opcodes[0]))];
	switch ((kind >> 3) % 4) {
	case 0:
		c.value = fz_u8(in);
		break;
	case 1:
		c.value = limits[fz_u8(in) % (sizeof(limits) / sizeof(limits[0]))];
		break;
	case 2:
		c.value = (uint32_t)fz_u64(in);
		break;
	default: {
		uint8_t d = fz_u8(in);

		c.value = limits[d % (sizeof(limits) / sizeof(limits[0]))] + (uint32_t)(d % 5) - 2u;
		break;
	}
	}
	if (is_scale_opcode(c.opcode))
		c.param = (uint16_t)(int16_t)(int8_t)fz_u8(in);
	else if (kind & 0x80)
		c.param = fz_u8(in);
	return c;
}

static void op_stream(struct fz *f, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint16_t off = (uint16_t)(fz_u16(in) & ~7u);
	uint8_t n = fz_u8(in);
	struct fz_map *m = NULL;

	if (f->num_maps)
		m = &f->maps[sel % f->num_maps];
	for (unsigned int i = 0; i < n; i++) {
		struct vedge_cmd c = gen_cmd(in);
		size_t at = (size_t)off + i * sizeof(c);

		if (m && (m->prot & PROT_WRITE) && at + sizeof(c) <= m->len)
			memcpy((uint8_t *)m->addr + at, &c, sizeof(c));
	}
}

/* An ioctl on the current file with @arg copied through the arena (the "user memory"). */
static long fz_call(struct fz *f, unsigned long cmd, void *arg)
{
	unsigned int size = _IOC_SIZE(cmd);
	long ret;

	memcpy(f->arena, arg, size);
	ret = vfs_ioctl(fz_file(f), (unsigned int)cmd, (unsigned long)f->arena);
	memcpy(arg, f->arena, size);
	return ret;
}

/* A buffer object of FZ_JOB_BO bytes, its contents from @fill; its handle or 0. */
static uint32_t job_bo(struct fz *f, const void *data, size_t len)
{
	struct drm_vedge_bo_create cr = { .size = FZ_JOB_BO };
	struct drm_vedge_bo_mmap mm = { 0 };
	struct fz_map m;

	if (fz_call(f, DRM_IOCTL_VEDGE_BO_CREATE, &cr))
		return 0;
	mm.handle = cr.handle;
	if (fz_call(f, DRM_IOCTL_VEDGE_BO_MMAP, &mm) ||
	    fz_mmap_into(f, mm.offset, FZ_JOB_BO, PROT_READ | PROT_WRITE, &m))
		return cr.handle;
	memcpy(m.addr, data, len < FZ_JOB_BO ? len : FZ_JOB_BO);
	fz_unmap(&m);
	return cr.handle;
}

struct job_stream {
	struct vedge_cmd cmd[FZ_JOB_CMDS];
	unsigned int n;
};

static void js(struct job_stream *s, uint16_t opcode, uint16_t param, uint32_t value)
{
	if (s->n < FZ_JOB_CMDS)
		s->cmd[s->n++] = (struct vedge_cmd){ opcode, param, value };
}

/* A feature-map block (base: 0x10 IFM, 0x20 IFM2, 0x30 OFM) at @region + @offset. */
static void js_fm(struct job_stream *s, uint16_t base, uint32_t region, uint32_t offset,
		  uint32_t h, uint32_t w, uint32_t c)
{
	js(s, base + 0, 0, region);
	js(s, base + 1, 0, offset);
	js(s, base + 2, 0, h);
	js(s, base + 3, 0, w);
	js(s, base + 4, 0, c);
}

/*
 * The layout of a JOB: region 0 the input (IFM at 0, IFM2 at 2048), region 1 the output,
 * region 2 weights at 0, scales at 2048, the table at 3584; with bit 4 the IFM and OFM are
 * in SRAM (a DMA device's scratch) instead.
 */
static void op_job(struct fz *f, struct fz_in *in)
{
	uint8_t op = fz_u8(in) % 10, h = fz_u8(in) % 8 + 1, w = fz_u8(in) % 8 + 1;
	uint8_t c = fz_u8(in) % 8 + 1, co = fz_u8(in) % 8 + 1, k = fz_u8(in) % 3 + 1;
	uint8_t fill = fz_u8(in), flags = fz_u8(in), nmut = fz_u8(in) % 8;
	uint32_t kh = k <= h ? k : h, kw = k <= w ? k : w;
	uint32_t in_reg = 0, out_reg = 1, in_sync = 0;
	uint8_t data[3][FZ_JOB_BO];
	struct drm_vedge_region regions[3];
	struct drm_vedge_submit sub = { 0 };
	struct job_stream s = { .n = 0 };
	struct vedge_scale_entry *se;
	struct vedge_cmd muts[8];
	uint8_t mut_idx[8];
	uint32_t bos[3], cmd_bo;
	size_t at;
	long ret;

	for (unsigned int i = 0; i < nmut; i++) {
		mut_idx[i] = fz_u8(in);
		muts[i] = gen_cmd(in);
	}
	if (!fz_file(f))
		return;
	for (unsigned int b = 0; b < 3; b++)
		for (unsigned int i = 0; i < FZ_JOB_BO; i++)
			data[b][i] = (uint8_t)(i * (fill | 1u) + b * 37u);
	/* Valid scales: a small bias, M in [2^30, 2^31), s in -31..31; the table an identity. */
	se = (struct vedge_scale_entry *)(data[2] + 2048);
	for (unsigned int i = 0; i < 8; i++)
		se[i] = (struct vedge_scale_entry){ (int32_t)(i * fill) - 500,
						    (int32_t)((1u << 30) + fill * 0x10101u),
						    (int32_t)(fill % 63) - 31 };
	for (unsigned int i = 0; i < 256; i++)
		data[2][3584 + i] = (uint8_t)(i ^ fill);

	if ((flags & 16) && op != 9) {
		in_reg = VEDGE_REGION_SRAM;
		out_reg = VEDGE_REGION_SRAM;
	}
	switch (op) {
	case 0: /* CONV2D, DEPTHWISE_CONV2D */
	case 1:
		if (op == 1)
			co = c;
		js_fm(&s, 0x10, in_reg, 0, h, w, c);
		js(&s, VEDGE_SET_KERNEL_HEIGHT, 0, kh);
		js(&s, VEDGE_SET_KERNEL_WIDTH, 0, kw);
		js_fm(&s, 0x30, out_reg, out_reg == VEDGE_REGION_SRAM ? 8192 : 0, h - kh + 1,
		      w - kw + 1, co);
		js(&s, VEDGE_SET_WEIGHT_REGION, 0, 2);
		js(&s, VEDGE_SET_WEIGHT_LENGTH, 0, op == 0 ? co * kh * kw * c : kh * kw * c);
		js(&s, VEDGE_SET_SCALE_REGION, 0, 2);
		js(&s, VEDGE_SET_SCALE_OFFSET, 0, 2048);
		js(&s, VEDGE_SET_SCALE_LENGTH, 0, co * (uint32_t)sizeof(struct vedge_scale_entry));
		js(&s, VEDGE_SET_ACT_MIN, 0, (uint32_t)-(int32_t)(fill % 128));
		js(&s, VEDGE_OP_CONV2D + op, 0, 0);
		break;
	case 2: /* FULLY_CONNECTED */
		js_fm(&s, 0x10, in_reg, 0, 1, 1, c * h);
		js_fm(&s, 0x30, out_reg, out_reg == VEDGE_REGION_SRAM ? 8192 : 0, 1, 1, co);
		js(&s, VEDGE_SET_WEIGHT_REGION, 0, 2);
		js(&s, VEDGE_SET_WEIGHT_LENGTH, 0, co * c * h);
		js(&s, VEDGE_SET_SCALE_REGION, 0, 2);
		js(&s, VEDGE_SET_SCALE_OFFSET, 0, 2048);
		js(&s, VEDGE_SET_SCALE_LENGTH, 0, co * (uint32_t)sizeof(struct vedge_scale_entry));
		js(&s, VEDGE_OP_FULLY_CONNECTED, 0, 0);
		break;
	case 3: /* MAXPOOL, AVGPOOL: padding below the kernel extent */
	case 4:
		js_fm(&s, 0x10, in_reg, 0, h, w, c);
		js(&s, VEDGE_SET_KERNEL_HEIGHT, 0, kh);
		js(&s, VEDGE_SET_KERNEL_WIDTH, 0, kw);
		js(&s, VEDGE_SET_PAD_TOP, 0, kh - 1);
		js(&s, VEDGE_SET_PAD_LEFT, 0, kw - 1);
		js_fm(&s, 0x30, out_reg, out_reg == VEDGE_REGION_SRAM ? 8192 : 0, h, w, c);
		js(&s, VEDGE_OP_CONV2D + op, 0, 0);
		break;
	case 5: /* ADD, MUL: IFM2 full, per channel or scalar */
	case 6: {
		uint32_t h2 = (fill & 3) == 0 ? h : 1, w2 = (fill & 3) == 0 ? w : 1;
		uint32_t c2 = (fill & 3) == 2 ? 1 : c;

		js_fm(&s, 0x10, in_reg, 0, h, w, c);
		js_fm(&s, 0x20, in_reg, 2048, h2, w2, c2);
		js(&s, VEDGE_SET_IFM2_ZERO_POINT, 0, (uint32_t)(int32_t)(int8_t)fill);
		js(&s, VEDGE_SET_OFM_SCALE, (uint16_t)(int16_t)((fill % 9) - 4),
		   (1u << 30) + fill * 0x100u);
		js_fm(&s, 0x30, out_reg, out_reg == VEDGE_REGION_SRAM ? 8192 : 0, h, w, c);
		js(&s, VEDGE_OP_CONV2D + op, 0, 0);
		break;
	}
	case 7: /* LUT_LOAD, LUT, then ACT_LUT on a pool */
	case 8:
		js(&s, VEDGE_SET_LUT_REGION, 0, 2);
		js(&s, VEDGE_SET_LUT_OFFSET, 0, 3584);
		js(&s, VEDGE_OP_LUT_LOAD, 0, 0);
		js_fm(&s, 0x10, in_reg, 0, h, w, c);
		js_fm(&s, 0x30, out_reg, out_reg == VEDGE_REGION_SRAM ? 8192 : 0, h, w, c);
		if (op == 7) {
			js(&s, VEDGE_OP_LUT, 0, 0);
		} else {
			js(&s, VEDGE_SET_ACT_LUT, 0, 1);
			js(&s, VEDGE_OP_MAXPOOL, 0, 0);
		}
		break;
	default: /* DMA_COPY: input to SRAM, SRAM to output, strided rows */
		js(&s, VEDGE_SET_DMA_SRC_REGION, 0, 0);
		js(&s, VEDGE_SET_DMA_DST_REGION, 0, VEDGE_REGION_SRAM);
		js(&s, VEDGE_SET_DMA_DST_OFFSET, 0, fill);
		js(&s, VEDGE_SET_DMA_LENGTH, 0, (uint32_t)w * c);
		js(&s, VEDGE_SET_DMA_ROWS, 0, h);
		js(&s, VEDGE_SET_DMA_SRC_STRIDE, 0, (uint32_t)w * c + k);
		js(&s, VEDGE_OP_DMA_COPY, 0, 0);
		js(&s, VEDGE_SET_DMA_SRC_REGION, 0, VEDGE_REGION_SRAM);
		js(&s, VEDGE_SET_DMA_DST_REGION, 0, 1);
		js(&s, VEDGE_SET_DMA_SRC_OFFSET, 0, fill);
		js(&s, VEDGE_SET_DMA_DST_OFFSET, 0, k);
		js(&s, VEDGE_SET_DMA_SRC_STRIDE, 0, 0);
		js(&s, VEDGE_OP_DMA_COPY, 0, 0);
		break;
	}
	if (flags & 32)
		js(&s, VEDGE_CMD_STOP, 0, 0);
	for (unsigned int i = 0; i < nmut; i++) {
		if (mut_idx[i] < s.n)
			s.cmd[mut_idx[i]] = muts[i];
		else
			js(&s, muts[i].opcode, muts[i].param, muts[i].value);
	}

	for (unsigned int b = 0; b < 3; b++)
		bos[b] = job_bo(f, data[b], FZ_JOB_BO);
	cmd_bo = job_bo(f, s.cmd, s.n * sizeof(s.cmd[0]));
	for (unsigned int b = 0; b < 3; b++)
		regions[b] = (struct drm_vedge_region){ bos[b], b == 1 && !(flags & 8) ?
							VEDGE_REGION_F_WRITE : 0, 0, FZ_JOB_BO };
	if (flags & 1) {
		struct drm_syncobj_create sc = { 0 };

		if (!fz_call(f, DRM_IOCTL_SYNCOBJ_CREATE, &sc))
			sub.out_sync = sc.handle;
	}
	if ((flags & 2) && last_sync && last_sync_file == fz_file(f))
		in_sync = last_sync;
	/* The regions and the in-sync live in the arena, past the argument. */
	at = FZ_ARG_MAX;
	memcpy(f->arena + at, regions, sizeof(regions));
	memcpy(f->arena + at + sizeof(regions), &in_sync, sizeof(in_sync));
	sub.cmd_handle = cmd_bo;
	sub.cmd_size = s.n * sizeof(s.cmd[0]);
	sub.regions = (uintptr_t)(f->arena + at);
	sub.region_count = 3;
	sub.in_syncs = (uintptr_t)(f->arena + at + sizeof(regions));
	sub.in_sync_count = in_sync ? 1 : 0;
	if (flags & 0xc0) {
		struct vedge_device *vdev = to_vedge_device(drm_file_from_filp(fz_file(f))->minor->dev);

		vedge_hw_inject(vdev->hw, (flags & 0x80) ? VEDGE_HW_HANG : VEDGE_HW_BUS_FAULT,
				vedge_hw_injected(vdev->hw, (flags & 0x80) ? VEDGE_HW_HANG :
						  VEDGE_HW_BUS_FAULT) + 1);
	}
	ret = fz_call(f, DRM_IOCTL_VEDGE_SUBMIT, &sub);
	if (fz_trace)
		fprintf(stderr, "fuzz: job op %u (%u cmds) -> %ld\n", op, s.n, ret);
	if (sub.out_sync) {
		last_sync = sub.out_sync;
		last_sync_file = fz_file(f);
	}
	if (!ret && (flags & 4)) {
		struct drm_vedge_bo_wait bw = { .handle = bos[1] };
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		bw.timeout_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + 200000000;
		ret = fz_call(f, DRM_IOCTL_VEDGE_BO_WAIT, &bw);
		if (fz_trace)
			fprintf(stderr, "fuzz: job wait -> %ld\n", ret);
	}
}

static bool target_op(struct fz *f, unsigned int op, struct fz_in *in)
{
	if (op == 0)
		op_stream(f, in);
	else
		op_job(f, in);
	return true;
}

static void cleanup(struct fz *f)
{
	(void)f;
	last_sync = 0;
	last_sync_file = NULL;
	/* Injections a failed SUBMIT left armed must not reach the next input. */
	for (unsigned int i = 0; i < 2; i++) {
		vedge_hw_inject(vdevs[i]->hw, VEDGE_HW_HANG, 0);
		vedge_hw_inject(vdevs[i]->hw, VEDGE_HW_BUS_FAULT, 0);
	}
}

static void fix_bo_create(struct fz *f, void *arg, struct fz_in *in)
{
	struct drm_vedge_bo_create *c = arg;

	(void)f; (void)in;
	/* Sizes past 2^63 stay, to reach the size checks; the rest are bounded. */
	if (!(c->size >> 63))
		c->size %= FZ_BO_MAX + 1;
}

static void post_bo_mmap(struct fz *f, void *arg)
{
	fz_offset_add(f, ((struct drm_vedge_bo_mmap *)arg)->offset);
}

static void fix_bo_wait(struct fz *f, void *arg, struct fz_in *in)
{
	struct drm_vedge_bo_wait *w = arg;

	(void)f; (void)in;
	w->timeout_ns = fz_short_deadline(w->timeout_ns);
}

/*
 * SUBMIT: mode:u8 after the argument. Bit 0 bounds the stream's offset and size to the
 * objects the harness makes (8-aligned, inside FZ_BO_MAX); bit 1 makes the regions near
 * valid: handles 1..8, flags within F_WRITE, offsets and sizes inside FZ_BO_MAX or at its
 * edges, the count within VEDGE_MAX_REGIONS; bit 2 the in-sync count within its pointer.
 */
static void fix_submit(struct fz *f, void *arg, struct fz_in *in)
{
	struct drm_vedge_submit *s = arg;
	uint8_t mode = fz_u8(in);
	uintptr_t base = (uintptr_t)f->arena;

	if (mode & 1) {
		s->cmd_offset = (s->cmd_offset % FZ_BO_MAX) & ~7ull;
		s->cmd_size = ((s->cmd_size % (FZ_BO_MAX / 8)) + 1) * 8;
		s->cmd_handle = s->cmd_handle % 8 + 1;
	}
	if ((mode & 2) && s->regions >= base + FZ_ARG_MAX && s->regions < base + FZ_ARENA) {
		struct drm_vedge_region *r = (void *)(uintptr_t)s->regions;
		size_t room = (base + FZ_ARENA - s->regions) / sizeof(*r);

		s->region_count %= VEDGE_MAX_REGIONS + 1;
		for (size_t i = 0; i < s->region_count && i < room; i++) {
			struct drm_vedge_region x;

			memcpy(&x, &r[i], sizeof(x));
			x.handle = x.handle % 8 + 1;
			x.flags &= (mode & 8) ? ~0u : VEDGE_REGION_FLAGS_ALL;
			/* Near the edges: offset within the object, size to its end or past it. */
			x.offset %= FZ_BO_MAX + 1;
			if (x.size & 1)
				x.size = FZ_BO_MAX - x.offset + ((x.size >> 1) % 3) - 1;
			else
				x.size %= FZ_BO_MAX + 1;
			memcpy(&r[i], &x, sizeof(x));
		}
	}
	if (mode & 4)
		s->in_sync_count %= 9;
}

static const struct drm_ioctl_ptr submit_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_vedge_submit, regions, region_count,
		      sizeof(struct drm_vedge_region), VEDGE_MAX_REGIONS, DRM_IOCTL_IN),
	DRM_IOCTL_PTR(struct drm_vedge_submit, in_syncs, in_sync_count, sizeof(uint32_t), 64,
		      DRM_IOCTL_IN),
};
static const struct drm_ioctl_layout submit_layout = { submit_ptrs, 2, NULL, 0 };

static const struct fz_ioctl ioctls[] = {
	{ DRM_IOCTL_VEDGE_GET_PARAM },
	{ DRM_IOCTL_VEDGE_BO_CREATE, NULL, fix_bo_create },
	{ DRM_IOCTL_VEDGE_BO_MMAP, NULL, NULL, post_bo_mmap },
	{ DRM_IOCTL_VEDGE_BO_INFO },
	{ DRM_IOCTL_VEDGE_SUBMIT, &submit_layout, fix_submit },
	{ DRM_IOCTL_VEDGE_BO_WAIT, NULL, fix_bo_wait },
	FZ_CORE_IOCTLS,
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	fz_init(config, nodes, 2);
	if (fz_state.num_nodes != 2) {
		fprintf(stderr, "fuzz: vedge.0 and vedge.1 are not accel0 and accel1\n");
		exit(1);
	}
	for (unsigned int i = 0; i < 2; i++) {
		dev_t devt = fz_state.nodes[i];
		struct file *file = chrdev_open(major(devt), minor(devt), O_RDWR);
		struct drm_device *drm;

		if (IS_ERR(file)) {
			fprintf(stderr, "fuzz: open: %s\n", strerror((int)-PTR_ERR(file)));
			exit(1);
		}
		drm = drm_file_from_filp(file)->minor->dev;
		vdevs[i] = to_vedge_device(drm);
		fput(file);
		base_gem_objects[i] = drm_gem_objects_live(drm);
	}
	return 0;
}

/* Every file of the input is closed: once its jobs are freed, none of its objects may live. */
static void gem_check(void)
{
	for (unsigned int i = 0; i < 2; i++) {
		struct vedge_device *vdev = vdevs[i];
		unsigned int live;

		/* Waiting on the event, not for a time: a loaded machine stretches a job. */
		pthread_mutex_lock(&vdev->busy_lock);
		while (vdev->jobs_alive)
			pthread_cond_wait(&vdev->busy_cond, &vdev->busy_lock);
		pthread_mutex_unlock(&vdev->busy_lock);
		if (fz_trace)
			fprintf(stderr, "fuzz: vedge.%u: jobs done %llu, failed %llu\n", i,
				(unsigned long long)atomic_load(&vdev->jobs_done),
				(unsigned long long)atomic_load(&vdev->jobs_failed));
		live = drm_gem_objects_live(&vdev->drm);
		if (live != base_gem_objects[i]) {
			fprintf(stderr, "fuzz: vedge.%u: %u GEM objects alive after the input and its jobs, %u before any: an object leaked\n",
				i, live, base_gem_objects[i]);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run(data, size, ioctls, sizeof(ioctls) / sizeof(ioctls[0]), 2, target_op, cleanup);
	gem_check();
	fz_fd_check();
	return 0;
}
