/* SPDX-License-Identifier: MIT */
/*
 * vedge: what the operation files share (vedge_ops.c: plain C; vedge_ops_gemm.c: CONV2D and
 * FULLY_CONNECTED through oneDNN's int8 matrix product). Not for the driver: it calls
 * vedge_ops.h.
 */
#ifndef VEDGE_OPS_INTERNAL_H
#define VEDGE_OPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vedge_ops.h"

/**
 * vedge_output() - the output stage: clamp(@v + @zero_point) to @act's range, then @act's
 * table when it has one.
 * @v: a requantized value (or a pooled one).
 * @zero_point: the OFM zero point (0 for pooling, whose IFM and OFM share it).
 * @act: the clamp and table.
 *
 * Return: the stored int8.
 */
int8_t vedge_output(int32_t v, int32_t zero_point, const struct vedge_act *act);

/* Bytes past a patch that vedge_im2col_row() may scribble on (short copies go 16 at once). */
#define VEDGE_IM2COL_SLACK	16

/**
 * vedge_im2col_row() - gather the patch of output pixel (@oy, @ox) as [kh][kw][c] bytes,
 * padding taps filled with the IFM zero point.
 * @ifm: the input.
 * @win: the window.
 * @oy, @ox: the output pixel.
 * @row: kh * kw * ifm->c bytes, and VEDGE_IM2COL_SLACK more it may overwrite (the next
 *	row's start, or spare bytes).
 *
 * Return: 0.
 */
int vedge_im2col_row(const struct vedge_fmap *ifm, const struct vedge_window *win,
		     uint32_t oy, uint32_t ox, int8_t *row);

/**
 * vedge_im2col_block() - vedge_im2col_row() for @m output pixels from pixel @p0 on
 * (row-major over an OFM @ow pixels wide), into consecutive rows of kh * kw * ifm->c bytes.
 * @ifm, @win: as vedge_im2col_row().
 * @ow: the OFM's width.
 * @p0: the first pixel, oy * ow + ox.
 * @m: pixels.
 * @rows: m rows, and VEDGE_IM2COL_SLACK bytes more.
 */
void vedge_im2col_block(const struct vedge_fmap *ifm, const struct vedge_window *win,
			uint32_t ow, uint64_t p0, uint32_t m, int8_t *rows);

/**
 * vedge_conv2d_plain() - CONV2D in portable C (any CPU); arguments as vedge_op_conv2d().
 *
 * Return: 0 or -ENOMEM.
 */
int vedge_conv2d_plain(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		       const struct vedge_window *win, const int8_t *weights,
		       const struct vedge_scale_entry *scales, const struct vedge_act *act);

/**
 * vedge_fully_connected_plain() - FULLY_CONNECTED in portable C; arguments as
 * vedge_op_fully_connected().
 *
 * Return: 0 or -ENOMEM.
 */
int vedge_fully_connected_plain(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
				const int8_t *weights, const struct vedge_scale_entry *scales,
				const struct vedge_act *act);

/*
 * Bytes of im2col rows and accumulators per product in the gemm path (4 MiB). A variable
 * only so that the tests can make it small enough to split their layers into blocks; set it
 * before any operation runs, never while one does.
 */
extern size_t vedge_gemm_block_bytes;

/**
 * vedge_gemm_available() - whether CONV2D and FULLY_CONNECTED run through oneDNN's int8
 * product here (exact only with VNNI) rather than the portable loops.
 *
 * Return: true on a CPU with AVX-512 VNNI or AVX2 VNNI.
 */
bool vedge_gemm_available(void);

/**
 * vedge_conv2d_gemm() - CONV2D as im2col and oneDNN's int8 product (exact only where
 * vedge_gemm_available()); arguments as vedge_op_conv2d().
 *
 * Return: 0, -ENOMEM, or -EIO when oneDNN fails.
 */
int vedge_conv2d_gemm(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		      const struct vedge_window *win, const int8_t *weights,
		      const struct vedge_scale_entry *scales, const struct vedge_act *act);

/*
 * Patch sizes (kh * kw * IFM depth) up to which vedge_op_conv2d() takes the direct path: a
 * first layer (3x3 over 1 or 3 channels) gives oneDNN's gemm too short a K to be efficient.
 */
#define VEDGE_DIRECT_MAX_K	32

/* Output pixels per block of the direct path: its accumulators stay in cache. */
#define VEDGE_DIRECT_ROWS	256

/**
 * vedge_direct_available() - whether vedge_conv2d_direct() can run here.
 *
 * Return: true on a CPU with AVX-512 F and BW.
 */
bool vedge_direct_available(void);

/**
 * vedge_conv2d_direct() - CONV2D without oneDNN: each pixel's patch as int16 pairs against
 * the weights 16 channels at a time (vpmaddwd), the output stage run per block of
 * VEDGE_DIRECT_ROWS pixels while its accumulators are in cache. Any shape; fast for small
 * patches. Arguments as vedge_op_conv2d().
 *
 * Return: 0, -ENOMEM, or -EOPNOTSUPP without vedge_direct_available().
 */
int vedge_conv2d_direct(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			const struct vedge_window *win, const int8_t *weights,
			const struct vedge_scale_entry *scales, const struct vedge_act *act);

#endif
