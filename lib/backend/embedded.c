// SPDX-License-Identifier: MIT
/*
 * The embedded backend: the nodes of the core running inside this process (host/embedded.c
 * starts it).
 */
#include <errno.h>
#include <libaccel.h>

#include "drivers/builtin.h"
#include "host/host.h"
#include "lib/libaccel_internal.h"

int accel_embedded_start(const char *config)
{
	return accel_host_embedded_start(config);
}

const char *accel_embedded_builtin_config(void)
{
	return accel_drivers_builtin_config();
}

int accel_embedded_ensure(void)
{
	int err = accel_host_embedded_start(NULL);

	return err == -EALREADY ? 0 : err;
}
