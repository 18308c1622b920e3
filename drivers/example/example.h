/* SPDX-License-Identifier: MIT */
/* Registration of the example drivers (called once by drivers/builtin.c). */
#ifndef DRIVERS_EXAMPLE_H
#define DRIVERS_EXAMPLE_H

int example_accel_init(void);
int example_gfx_init(void);
int example_combo_init(void);

#endif
