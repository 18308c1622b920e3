// SPDX-License-Identifier: MIT
/* The drivers built into libaccel, registered once like the kernel's module_init calls. */
#define _GNU_SOURCE
#include <pthread.h>

#include "example/example.h"
#include "vnpu/vnpu.h"

int accel_drivers_register_builtin(void);

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static int builtin_error;

static int (*const builtin_inits[])(void) = {
	example_accel_init,
	example_gfx_init,
	example_combo_init,
	vnpu_init,
};

static void builtin_register(void)
{
	for (unsigned int i = 0; i < sizeof(builtin_inits) / sizeof(builtin_inits[0]); i++) {
		builtin_error = builtin_inits[i]();
		if (builtin_error)
			return;
	}
}

int accel_drivers_register_builtin(void)
{
	pthread_once(&builtin_once, builtin_register);
	return builtin_error;
}
