/* SPDX-License-Identifier: MIT */
/* Registration of the vtrain driver (called once by drivers/builtin.c). */
#ifndef DRIVERS_VTRAIN_H
#define DRIVERS_VTRAIN_H

int vtrain_init(void);

#endif
