// SPDX-License-Identifier: MIT
/* Starting the core with its drivers: what every host of the core does first. */
#include <accel/drm_drv.h>
#include <accel/sw_sync.h>
#include <accel/trace.h>

#include "drivers/builtin.h"
#include "host/host.h"

int accel_host_core_init(void)
{
	int err = drm_core_init();

	if (err)
		return err;
	/* CONFIG_SW_SYNC: the kernels the core stands for have <debugfs>/sync/sw_sync. */
	err = sw_sync_init();
	if (err)
		return err;
	err = accel_trace_node_init(); /* <debugfs>/accel/tracing, for `accel trace` */
	if (err)
		return err;
	return accel_drivers_register_builtin();
}
