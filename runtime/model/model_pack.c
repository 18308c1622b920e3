// SPDX-License-Identifier: MIT
/* Packed weights (model_pack.h). No slot is packed yet: codegen emits none. */
#include "model_pack.h"

int vnpu_prog_pack_slots(struct accelrt_device *dev, const struct vnpu_prog *p,
			 struct accelrt_buffer **bufs)
{
	(void)dev;
	(void)p;
	(void)bufs;
	return 0;
}
