/* SPDX-License-Identifier: MIT */
/* Registration of the vnpu driver (called once by drivers/builtin.c). */
#ifndef DRIVERS_VNPU_H
#define DRIVERS_VNPU_H

int vnpu_init(void);

#endif
