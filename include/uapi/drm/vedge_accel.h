/* SPDX-License-Identifier: MIT */
/**
 * DOC: vedge_accel.h - uAPI of drivers/vedge, the edge NPU.
 *
 * The edge class of the seed: a small inference NPU configured through registers, with or
 * without DMA (Arm Ethos-U and Rockchip's NPU are the kernel's examples). User space builds a
 * command stream: register settings (the NPU's operation state: feature maps, kernel,
 * weights, scales, activation) followed by operations that run with the state set so far.
 * The driver checks every stream before the device sees it (every region an operation names
 * is in bounds, every field is defined) and then kicks the device; an interrupt says done.
 *
 * The header has two parts: the command-stream format, then the ioctls. docs/vedge.md
 * describes the device (register map, DMA and DMA-less modes, power management) and every
 * command with its arithmetic.
 */
#ifndef VEDGE_ACCEL_H
#define VEDGE_ACCEL_H

#include <drm/drm.h>

#if defined(__cplusplus)
extern "C" {
#endif

/*
 * ==========================================================================================
 * Command stream
 * ==========================================================================================
 *
 * A stream is an array of struct vedge_cmd (8 bytes each), executed in order. Two kinds:
 *
 * - SET commands (VEDGE_SET_*) store @value into one register of the operation state.
 *   @param must be 0 except where a command says otherwise. The state starts at the
 *   defaults below at the beginning of every job and persists from one operation to the
 *   next within the job.
 * - Operations (VEDGE_OP_*) run with the current state; @param and @value must be 0.
 *
 * Unknown opcodes, non-zero @param/@value where they must be 0, and values out of a
 * register's range are rejected (-EINVAL) before anything runs. An operation's operands
 * must lie inside their regions (below) with the access the operation needs.
 *
 * Tensors are int8, laid out NHWC with N = 1: element (y, x, c) of a feature map is at
 * region base + OFFSET + y * STRIDE_Y + x * STRIDE_X + c. STRIDE_X 0 means DEPTH and
 * STRIDE_Y 0 means WIDTH * (effective STRIDE_X), so a dense map needs neither; a non-zero
 * stride lets an operation read or write one slice (rows, channels) of a larger tensor.
 * STRIDE_X must be >= DEPTH and STRIDE_Y >= WIDTH * STRIDE_X when set.
 *
 * Regions: a job's SUBMIT names up to VEDGE_MAX_REGIONS buffer-object ranges; region i is
 * the i-th entry. Region VEDGE_REGION_SRAM is the NPU's on-chip SRAM (see DMA modes).
 */

/**
 * struct vedge_cmd - one command of a stream.
 * @opcode: VEDGE_SET_* or VEDGE_OP_*.
 * @param: command-specific (the shift of the *_SCALE commands); 0 elsewhere.
 * @value: the register value (SET) or 0 (operations).
 */
struct vedge_cmd {
	__u16 opcode;
	__u16 param;
	__u32 value;
};

#define VEDGE_MAX_REGIONS	16
#define VEDGE_REGION_SRAM	0xff

/* 0x00-0x0f: control. */
#define VEDGE_CMD_NOP		0x00 /* nothing; @param and @value must be 0 */
#define VEDGE_CMD_STOP		0x01 /* end of the stream: later commands are not checked or run */

/*
 * 0x10-0x1f: input feature map (IFM), 0x20-0x2f: second input (IFM2, elementwise),
 * 0x30-0x3f: output feature map (OFM). Same layout in each block:
 *   +0 REGION (0..VEDGE_MAX_REGIONS-1 or VEDGE_REGION_SRAM; default 0)
 *   +1 OFFSET (bytes from the region's start; default 0)
 *   +2 HEIGHT, +3 WIDTH, +4 DEPTH (1..65535; default 1)
 *   +5 STRIDE_Y, +6 STRIDE_X (bytes; default 0 = dense)
 *   +7 ZERO_POINT (an int8 as a two's-complement __u32: -128..127; default 0)
 *   +8 SCALE: @value the multiplier M (0 or 2^30..2^31-1, as __u32), @param the shift s as
 *      a two's-complement __s16 in -31..31; default M = 2^30, s = 1 (the factor 1.0).
 *      Requantization by (M, s) is requant() in docs/vedge.md.
 */
#define VEDGE_SET_IFM_REGION		0x10
#define VEDGE_SET_IFM_OFFSET		0x11
#define VEDGE_SET_IFM_HEIGHT		0x12
#define VEDGE_SET_IFM_WIDTH		0x13
#define VEDGE_SET_IFM_DEPTH		0x14
#define VEDGE_SET_IFM_STRIDE_Y		0x15
#define VEDGE_SET_IFM_STRIDE_X		0x16
#define VEDGE_SET_IFM_ZERO_POINT	0x17
#define VEDGE_SET_IFM_SCALE		0x18

#define VEDGE_SET_IFM2_REGION		0x20
#define VEDGE_SET_IFM2_OFFSET		0x21
#define VEDGE_SET_IFM2_HEIGHT		0x22
#define VEDGE_SET_IFM2_WIDTH		0x23
#define VEDGE_SET_IFM2_DEPTH		0x24
#define VEDGE_SET_IFM2_STRIDE_Y		0x25
#define VEDGE_SET_IFM2_STRIDE_X		0x26
#define VEDGE_SET_IFM2_ZERO_POINT	0x27
#define VEDGE_SET_IFM2_SCALE		0x28

#define VEDGE_SET_OFM_REGION		0x30
#define VEDGE_SET_OFM_OFFSET		0x31
#define VEDGE_SET_OFM_HEIGHT		0x32
#define VEDGE_SET_OFM_WIDTH		0x33
#define VEDGE_SET_OFM_DEPTH		0x34
#define VEDGE_SET_OFM_STRIDE_Y		0x35
#define VEDGE_SET_OFM_STRIDE_X		0x36
#define VEDGE_SET_OFM_ZERO_POINT	0x37
#define VEDGE_SET_OFM_SCALE		0x38

/*
 * 0x40-0x4f: kernel window (convolutions and pooling). Defaults: 1x1 kernel, stride 1,
 * dilation 1, no padding. HEIGHT/WIDTH 1..255, STRIDE 1..15, DILATION 1..15, each PAD
 * 0..127 and smaller than the dilated kernel extent ((k - 1) * dilation + 1). Padding reads
 * as the IFM zero point (the real value 0) in convolutions and is excluded from pooling.
 * An operation's OFM HEIGHT/WIDTH must equal
 *   (IFM + PAD_before + PAD_after - ((k - 1) * dilation + 1)) / STRIDE + 1 (>= 1).
 */
#define VEDGE_SET_KERNEL_HEIGHT		0x40
#define VEDGE_SET_KERNEL_WIDTH		0x41
#define VEDGE_SET_STRIDE_Y		0x42
#define VEDGE_SET_STRIDE_X		0x43
#define VEDGE_SET_DILATION_Y		0x44
#define VEDGE_SET_DILATION_X		0x45
#define VEDGE_SET_PAD_TOP		0x46
#define VEDGE_SET_PAD_LEFT		0x47
#define VEDGE_SET_PAD_BOTTOM		0x48
#define VEDGE_SET_PAD_RIGHT		0x49

/*
 * 0x50-0x5f: weights, per-channel scales, activation, lookup table.
 *
 * WEIGHT: int8, symmetric (zero point 0). CONV2D: OHWI [OFM_DEPTH][KH][KW][IFM_DEPTH];
 * DEPTHWISE_CONV2D: HWC [KH][KW][DEPTH] (IFM_DEPTH == OFM_DEPTH, multiplier 1);
 * FULLY_CONNECTED: [OFM_DEPTH][IFM_DEPTH]. WEIGHT_LENGTH must equal the layout's size.
 *
 * SCALE: OFM_DEPTH entries of struct vedge_scale_entry (bias and the output channel's
 * requantization); SCALE_LENGTH must be OFM_DEPTH * sizeof(struct vedge_scale_entry).
 *
 * ACT_MIN/ACT_MAX: the output clamp (int8 as two's-complement __u32, MIN <= MAX; defaults
 * -128 and 127). ACT_LUT: 1 = after the clamp, every output byte q becomes lut[q + 128] of
 * the table last loaded by LUT_LOAD (a job that sets it before any LUT_LOAD is -EINVAL);
 * 0 (default) = off.
 */
#define VEDGE_SET_WEIGHT_REGION		0x50
#define VEDGE_SET_WEIGHT_OFFSET		0x51
#define VEDGE_SET_WEIGHT_LENGTH		0x52
#define VEDGE_SET_SCALE_REGION		0x53
#define VEDGE_SET_SCALE_OFFSET		0x54
#define VEDGE_SET_SCALE_LENGTH		0x55
#define VEDGE_SET_ACT_MIN		0x56
#define VEDGE_SET_ACT_MAX		0x57
#define VEDGE_SET_ACT_LUT		0x58
#define VEDGE_SET_LUT_REGION		0x59
#define VEDGE_SET_LUT_OFFSET		0x5a

/*
 * 0x60-0x6f: DMA (devices with VEDGE_PARAM_HAS_DMA only; -EINVAL in a stream for a DMA-less
 * device). DMA_COPY moves ROWS rows of LENGTH bytes from SRC to DST, rows SRC_STRIDE and
 * DST_STRIDE bytes apart (0 = LENGTH). Source and destination must not overlap.
 * Defaults: regions 0, offsets 0, LENGTH 0 (a copy of 0 bytes is -EINVAL), ROWS 1.
 */
#define VEDGE_SET_DMA_SRC_REGION	0x60
#define VEDGE_SET_DMA_SRC_OFFSET	0x61
#define VEDGE_SET_DMA_DST_REGION	0x62
#define VEDGE_SET_DMA_DST_OFFSET	0x63
#define VEDGE_SET_DMA_LENGTH		0x64
#define VEDGE_SET_DMA_ROWS		0x65
#define VEDGE_SET_DMA_SRC_STRIDE	0x66
#define VEDGE_SET_DMA_DST_STRIDE	0x67

/*
 * 0x80-0x8f: operations. Arithmetic (docs/vedge.md has it in full), with q the stored int8,
 * zp the zero points, requant(acc, M, s) TFLite's fixed-point multiply (a doubling high
 * multiply whose ties round up, then a right shift whose ties round away from zero:
 * docs/vedge-arith.md) and clamp() the ACT_MIN/ACT_MAX clamp:
 *
 * CONV2D, DEPTHWISE_CONV2D, FULLY_CONNECTED: acc = bias[o] + sum (q_ifm - zp_ifm) * w;
 *	q_ofm = clamp(requant(acc, M[o], s[o]) + zp_ofm). FULLY_CONNECTED reads the IFM as
 *	IFM_DEPTH values (HEIGHT = WIDTH = 1) and writes OFM_DEPTH values (HEIGHT = WIDTH = 1).
 * MAXPOOL: q_ofm = clamp(max of the window's q_ifm); IFM and OFM share zero point.
 * AVGPOOL: q_ofm = clamp(round_half_away(sum / n) ) over the n window elements inside the
 *	IFM (padding excluded); IFM and OFM share zero point.
 * ADD: a = requant((q_ifm - zp_ifm) << 20, IFM_SCALE), b = requant((q_ifm2 - zp_ifm2) << 20,
 *	IFM2_SCALE), q_ofm = clamp(requant(a + b, OFM_SCALE) + zp_ofm) (TFLite's quantized add).
 * MUL: q_ofm = clamp(requant((q_ifm - zp_ifm) * (q_ifm2 - zp_ifm2), OFM_SCALE) + zp_ofm).
 *	ADD and MUL: IFM2 has the OFM's shape, or HEIGHT = WIDTH = 1 and the same DEPTH
 *	(broadcast per channel), or all three 1 (a scalar).
 * LUT: q_ofm = lut[q_ifm + 128] (elementwise; IFM and OFM shapes equal; the clamp applies
 *	before the table is read only through ACT_LUT, not here).
 * LUT_LOAD: load the 256-byte table at LUT_REGION + LUT_OFFSET into the NPU.
 * DMA_COPY: as above.
 * Every operation's OFM must not overlap any of its inputs.
 */
#define VEDGE_OP_CONV2D			0x80
#define VEDGE_OP_DEPTHWISE_CONV2D	0x81
#define VEDGE_OP_FULLY_CONNECTED	0x82
#define VEDGE_OP_MAXPOOL		0x83
#define VEDGE_OP_AVGPOOL		0x84
#define VEDGE_OP_ADD			0x85
#define VEDGE_OP_MUL			0x86
#define VEDGE_OP_LUT			0x87
#define VEDGE_OP_LUT_LOAD		0x88
#define VEDGE_OP_DMA_COPY		0x89

/**
 * struct vedge_scale_entry - bias and requantization of one output channel.
 * @bias: added to the channel's 32-bit accumulator before requantization.
 * @multiplier: M, 0 or in [2^30, 2^31).
 * @shift: s in -31..31: requant(acc, M, s) = round(acc * M * 2^(s - 31)), docs/vedge.md.
 */
struct vedge_scale_entry {
	__s32 bias;
	__s32 multiplier;
	__s32 shift;
};

/*
 * ==========================================================================================
 * DMA modes and SRAM
 * ==========================================================================================
 *
 * With DMA (VEDGE_PARAM_HAS_DMA = 1) the NPU reads and writes the regions' buffer objects
 * directly and its SRAM (VEDGE_REGION_SRAM, VEDGE_PARAM_SRAM_SIZE bytes) is scratch that
 * DMA_COPY fills and drains; SRAM is faster than the buffer objects in the device's cost.
 *
 * Without DMA the NPU sees only its SRAM. Before the job runs, the driver copies every
 * region, in order, then the stream, into SRAM through its PIO window (each at a 64-byte
 * aligned offset from 0) and afterwards copies the VEDGE_REGION_F_WRITE regions back; the
 * stream names regions as with DMA. VEDGE_REGION_SRAM is then the SRAM left after the
 * copies, its offset 0 where they end. A job whose regions and stream do not fit the SRAM is
 * -ENOSPC. The copy time is part of the job's time.
 */

/*
 * ==========================================================================================
 * Ioctls
 * ==========================================================================================
 *
 * Rules as in every accel driver: pads must be 0 and unknown flag bits clear (-EINVAL),
 * structs only grow at their end.
 *
 * Numbers: 0x00 GET_PARAM, 0x01 BO_CREATE, 0x02 BO_MMAP, 0x03 BO_INFO, 0x04 SUBMIT,
 * 0x05 BO_WAIT.
 */
#define DRM_VEDGE_GET_PARAM	0x00
#define DRM_VEDGE_BO_CREATE	0x01
#define DRM_VEDGE_BO_MMAP	0x02
#define DRM_VEDGE_BO_INFO	0x03
#define DRM_VEDGE_SUBMIT	0x04
#define DRM_VEDGE_BO_WAIT	0x05

/* Parameters of GET_PARAM (0 is invalid). */
#define VEDGE_PARAM_DEVICE_ID		1 /* the ID register */
#define VEDGE_PARAM_VERSION		2 /* the VERSION register: major << 16 | minor */
#define VEDGE_PARAM_HAS_DMA		3 /* 1 with DMA, 0 without */
#define VEDGE_PARAM_SRAM_SIZE		4 /* bytes of on-chip SRAM */
#define VEDGE_PARAM_MAX_REGIONS		5 /* VEDGE_MAX_REGIONS */
#define VEDGE_PARAM_MAX_CMDS		6 /* most commands one stream holds */
#define VEDGE_PARAM_JOB_TIMEOUT_MS	7 /* a job running longer is aborted and the NPU reset */

/**
 * struct drm_vedge_get_param - DRM_IOCTL_VEDGE_GET_PARAM: read one device parameter.
 * @param: in, VEDGE_PARAM_*; unknown is -EINVAL.
 * @pad: must be 0.
 * @value: out.
 */
struct drm_vedge_get_param {
	__u32 param;
	__u32 pad;
	__u64 value;
};

/**
 * struct drm_vedge_bo_create - DRM_IOCTL_VEDGE_BO_CREATE: make a buffer object.
 * @size: in, bytes (>= 1), rounded up to the page size.
 * @flags: must be 0.
 * @handle: out, the new GEM handle.
 */
struct drm_vedge_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
};

/**
 * struct drm_vedge_bo_mmap - DRM_IOCTL_VEDGE_BO_MMAP: the offset to mmap() an object at.
 * @handle: in, a GEM handle (-ENOENT when unknown).
 * @pad: must be 0.
 * @offset: out, the fake offset for mmap() on the device file.
 */
struct drm_vedge_bo_mmap {
	__u32 handle;
	__u32 pad;
	__u64 offset;
};

/**
 * struct drm_vedge_bo_info - DRM_IOCTL_VEDGE_BO_INFO: describe a buffer object.
 * @handle: in, a GEM handle (-ENOENT when unknown).
 * @busy: out, 1 while a submitted job that names the object has not completed.
 * @size: out, bytes (a multiple of the page size).
 */
struct drm_vedge_bo_info {
	__u32 handle;
	__u32 busy;
	__u64 size;
};

/* Region flags. */
#define VEDGE_REGION_F_WRITE	(1u << 0) /* operations may write it (else read only) */
#define VEDGE_REGION_FLAGS_ALL	VEDGE_REGION_F_WRITE

/**
 * struct drm_vedge_region - one region of a job: a range of a buffer object.
 * @handle: a GEM handle (-ENOENT when unknown).
 * @flags: VEDGE_REGION_F_*. An operation that writes a region without F_WRITE is -EINVAL.
 * @offset: where the range starts in the object.
 * @size: bytes, 1..0xffffffff (the NPU's region size registers are 32-bit);
 *	[@offset, @offset + @size) must fit in the object.
 *
 * Two regions of one object whose ranges overlap, one of them with F_WRITE, are -EINVAL:
 * the NPU would see one memory under two names.
 */
struct drm_vedge_region {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 size;
};

/**
 * struct drm_vedge_submit - DRM_IOCTL_VEDGE_SUBMIT: queue one job.
 * @cmd_handle: the buffer object holding the stream.
 * @flags: must be 0.
 * @cmd_offset: where the stream starts in it (a multiple of 8).
 * @cmd_size: bytes: a multiple of 8, 1..VEDGE_PARAM_MAX_CMDS commands, inside the object.
 * @regions: user pointer to @region_count struct drm_vedge_region.
 * @region_count: 0..VEDGE_MAX_REGIONS.
 * @in_sync_count: entries in @in_syncs (at most 64).
 * @in_syncs: user pointer to __u32 syncobj handles the job waits for.
 * @out_sync: a syncobj handle that receives the job's fence, or 0.
 * @pad: must be 0.
 * @seqno: out, the job's sequence number on the device (as fdinfo and traces name it).
 *
 * The stream and every region are checked at submission: an invalid stream is -EINVAL (a
 * DMA-less job whose regions do not fit the SRAM -ENOSPC) and nothing runs. The stream is
 * copied at submission; later changes to its object do not affect the job. A job that runs
 * past the timeout or faults signals its fence with an error (-ETIMEDOUT, -EIO) after the
 * NPU is reset; other jobs go on.
 */
struct drm_vedge_submit {
	__u32 cmd_handle;
	__u32 flags;
	__u64 cmd_offset;
	__u64 cmd_size;
	__u64 regions;
	__u32 region_count;
	__u32 in_sync_count;
	__u64 in_syncs;
	__u32 out_sync;
	__u32 pad;
	__u64 seqno;
};

/**
 * struct drm_vedge_bo_wait - DRM_IOCTL_VEDGE_BO_WAIT: wait until no job uses an object.
 * @handle: in, a GEM handle (-ENOENT when unknown).
 * @pad: must be 0.
 * @timeout_ns: absolute CLOCK_MONOTONIC deadline; -ETIME when reached first. A deadline in
 *	the past polls.
 */
struct drm_vedge_bo_wait {
	__u32 handle;
	__u32 pad;
	__s64 timeout_ns;
};

#define DRM_IOCTL_VEDGE_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VEDGE_GET_PARAM, struct drm_vedge_get_param)
#define DRM_IOCTL_VEDGE_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VEDGE_BO_CREATE, struct drm_vedge_bo_create)
#define DRM_IOCTL_VEDGE_BO_MMAP \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VEDGE_BO_MMAP, struct drm_vedge_bo_mmap)
#define DRM_IOCTL_VEDGE_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VEDGE_BO_INFO, struct drm_vedge_bo_info)
#define DRM_IOCTL_VEDGE_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VEDGE_SUBMIT, struct drm_vedge_submit)
#define DRM_IOCTL_VEDGE_BO_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VEDGE_BO_WAIT, struct drm_vedge_bo_wait)

#if defined(__cplusplus)
}
#endif

#endif
