/* SPDX-License-Identifier: MIT */
/* Registration of the vedge driver (called once by drivers/builtin.c). */
#ifndef DRIVERS_VEDGE_H
#define DRIVERS_VEDGE_H

int vedge_init(void);

#endif
