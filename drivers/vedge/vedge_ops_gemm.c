// SPDX-License-Identifier: MIT
/*
 * vedge: CONV2D and FULLY_CONNECTED.
 */
#include <errno.h>

#include "vedge_ops.h"
#include "vedge_ops_internal.h"

int vedge_op_conv2d(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
		    const struct vedge_window *win, const int8_t *weights,
		    const struct vedge_scale_entry *scales, const struct vedge_act *act)
{
	return vedge_conv2d_plain(ifm, ofm, win, weights, scales, act);
}

int vedge_op_fully_connected(const struct vedge_fmap *ifm, const struct vedge_fmap *ofm,
			     const int8_t *weights, const struct vedge_scale_entry *scales,
			     const struct vedge_act *act)
{
	return vedge_fully_connected_plain(ifm, ofm, weights, scales, act);
}
