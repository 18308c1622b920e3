/* SPDX-License-Identifier: MIT */
/*
 * vedge_ref: an independent reference of the vedge NPU's int8 arithmetic, for the tests.
 *
 * Written from the definitions of docs/vedge-arith.md, not from drivers/vedge: plain loops
 * over every output element and every tap, 64-bit integers everywhere, requantization in
 * TFLite's formulation (a nudge and a truncating division for the high multiply, the
 * magnitude for the rounding shift). It shares only the data descriptions (struct
 * vedge_fmap, vedge_window, vedge_act) with the driver.
 */
#ifndef VEDGE_REF_H
#define VEDGE_REF_H

#include <stdint.h>

#include "drivers/vedge/vedge_ops.h"

/** ref_requant() - requant(acc, M, s) from its definition. Return: the value. */
int32_t ref_requant(int32_t acc, int32_t mult, int32_t shift);

/** ref_conv2d() - CONV2D, arguments as vedge_op_conv2d(). */
void ref_conv2d(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		const struct vedge_window *win, const int8_t *weights,
		const struct vedge_scale_entry *scales, const struct vedge_act *act);

/** ref_depthwise_conv2d() - DEPTHWISE_CONV2D, arguments as vedge_op_depthwise_conv2d(). */
void ref_depthwise_conv2d(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			  const struct vedge_window *win, const int8_t *weights,
			  const struct vedge_scale_entry *scales, const struct vedge_act *act);

/** ref_fully_connected() - FULLY_CONNECTED, arguments as vedge_op_fully_connected(). */
void ref_fully_connected(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			 const int8_t *weights, const struct vedge_scale_entry *scales,
			 const struct vedge_act *act);

/** ref_pool() - MAXPOOL (@avg 0) or AVGPOOL (@avg 1). */
void ref_pool(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
	      const struct vedge_window *win, const struct vedge_act *act, int avg);

/** ref_add() - ADD with IFM2 broadcast. */
void ref_add(const struct vedge_fmap *ifm, const struct vedge_fmap *ifm2,
	     const struct vedge_fmap *ofm, const struct vedge_act *act);

/** ref_mul() - MUL with IFM2 broadcast. */
void ref_mul(const struct vedge_fmap *ifm, const struct vedge_fmap *ifm2,
	     const struct vedge_fmap *ofm, const struct vedge_act *act);

/** ref_lut() - LUT. */
void ref_lut(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm, const int8_t *lut);

#endif
